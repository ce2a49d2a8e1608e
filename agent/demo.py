"""The offline demo: a bundled example copied into a workspace, with fake tokens planted at run time.

The example's logs hold ``{{canary:KIND}}`` markers; each run fills them with freshly
generated secret-shaped values (none is ever committed), and afterwards every output is
searched for them.
"""

from __future__ import annotations

import base64
import json
import secrets
import shutil
import string
import subprocess
from dataclasses import dataclass
from pathlib import Path

EXAMPLE = Path(__file__).parent / "examples" / "demo"
_ALNUM = string.ascii_letters + string.digits


def _rand(alphabet: str, n: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def _jwt() -> str:
    def part(obj: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    header = part({"alg": "HS256", "typ": "JWT"})
    payload = part({"sub": "svc-petsync", "scope": "pets:write", "nonce": _rand(_ALNUM, 12)})
    return f"{header}.{payload}.{_rand(_ALNUM + '-_', 43)}"


def make_canaries() -> dict[str, str]:
    """One fresh secret-shaped value per kind the example's logs plant."""
    return {
        "jwt": _jwt(),
        "github-pat": "ghp_" + _rand(_ALNUM, 36),
        "aws-key-id": "AKIA" + _rand(string.ascii_uppercase + "234567", 16),
        "aws-secret": _rand(_ALNUM + "/+", 40),
        "password": _rand(_ALNUM, 10) + "!" + _rand(_ALNUM, 9),
    }


@dataclass(frozen=True)
class Workspace:
    """A prepared demo workspace."""

    root: Path
    repo: Path
    canaries: dict[str, str]


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Demo Human", "-c", "user.email=human@example.invalid", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def prepare(root: Path) -> Workspace:
    """Copy the example into ``root`` (which must be empty or absent) and plant the canaries."""
    if root.exists() and any(root.iterdir()):
        from agent.errors import UsageError

        raise UsageError(f"demo workspace {root} is not empty; choose another with --workspace")
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(EXAMPLE / "specs", root / "specs")
    shutil.copytree(EXAMPLE / "logs", root / "logs")
    canaries = make_canaries()
    for log in sorted((root / "logs").rglob("*.log")):
        text = log.read_text(encoding="utf-8")
        for kind, value in canaries.items():
            text = text.replace("{{canary:" + kind + "}}", value)
        log.write_text(text, encoding="utf-8")

    repo = root / "collections-repo"
    (repo / "collections").mkdir(parents=True)
    shutil.copy(
        EXAMPLE / "collections" / "petstore.postman_collection.json",
        repo / "collections" / "petstore.postman_collection.json",
    )
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "Petstore tests written by hand")

    (root / "postwright.toml").write_text(
        "# The demo's configuration: the same keys a real project uses.\n"
        'base = "specs/petstore-v1.yaml"\n'
        'spec = "specs/petstore-v2.yaml"\n'
        'logs = ["logs"]\n'
        'base_url = "https://api.petstore.example/v1"  # {{baseUrl}}: yours, never the spec\'s servers\n'
        'state_dir = ".postwright"\n'
        "\n[publish]\n"
        'host = "local"\n'
        'repo = "collections-repo"\n'
        'collection = "collections/petstore.postman_collection.json"\n'
        'base_branch = "main"\n',
        encoding="utf-8",
    )
    return Workspace(root=root, repo=repo, canaries=canaries)


def _git_text(repo: Path) -> str:
    out = subprocess.run(
        ["git", "log", "--all", "-p", "--format=%H%n%an%n%ae%n%B"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    return out.stdout


def find_leaks(workspace: Workspace, *, outputs: str = "") -> list[str]:
    """Where any planted canary shows up: files written, the state db, git history, ``outputs``.

    The input logs themselves are skipped: they are where the canaries were planted.
    """
    logs = workspace.root / "logs"
    places: list[tuple[str, bytes]] = [("console output", outputs.encode())]
    places.append(("git history", _git_text(workspace.repo).encode()))
    for path in sorted(workspace.root.rglob("*")):
        if path.is_file() and logs not in path.parents and ".git" not in path.parts:
            places.append((str(path.relative_to(workspace.root)), path.read_bytes()))
    leaks = []
    for kind, value in workspace.canaries.items():
        for where, blob in places:
            if value.encode() in blob:
                leaks.append(f"{kind} in {where}")
    return leaks
