"""The wheel, installed as a user installs a tool, works with no checkout around it.

The wheel is built from this tree and installed with pip into a fresh venv. Tests reach no
network, so third-party dependencies are not downloaded: the fresh venv sees the project
venv's site-packages (the versions pinned by constraints.txt) through a ``.pth`` line, which
adds those folders only (no editable finder of this checkout runs). Everything of postwright's
own — code, prompts, the demo example, the Node manifest and lock — must come from the wheel.
The sandbox is installed by ``postwright sandbox install`` from npm's local cache (offline).
"""

from __future__ import annotations

import os
import pwd
import shutil
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _run(
    argv: list[str], cwd: Path, env: dict[str, str], timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of this tree, built offline with the dev venv's hatchling."""
    pytest.importorskip("hatchling", reason="hatchling (a dev dependency) builds the wheel offline")
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-w",
            str(out),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (found,) = out.glob("postwright-*.whl")
    return found


def test_wheel_holds_prompts_sandbox_lock_and_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in (
        "agent/prompts/generate-tests/v2/system.md",
        "agent/prompts/generate-tests/v2/user.md",
        "agent/sandbox/package.json",
        "agent/sandbox/package-lock.json",
        "agent/check/postman-collection-v2.1.schema.json",
        "agent/examples/demo/specs/petstore-v2.yaml",
        "agent/examples/demo/collections/petstore.postman_collection.json",
        "agent/report/templates/report.html.j2",
    ):
        assert path in names, path
    assert not any("node_modules" in n or n.startswith(("tests/", "evals/")) for n in names)


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel pip-installed; dependencies seen from the project venv."""
    where = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True, timeout=300)
    purelib = Path(sysconfig.get_path("purelib", vars={"base": str(where), "platbase": str(where)}))
    deps = dict.fromkeys(
        [sysconfig.get_path("purelib"), sysconfig.get_path("platlib"), *site.getsitepackages()]
    )
    (purelib / "project-deps.pth").write_text("".join(f"{d}\n" for d in deps))
    pip = [str(where / "bin" / "python"), "-m", "pip", "install", "--no-deps", "--no-index", "--quiet"]
    done = subprocess.run([*pip, str(wheel)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return where


def _env(venv: Path, home: Path) -> dict[str, str]:
    """What a user's shell has: the venv's bin on PATH, a home, no PYTHONPATH, no checkout."""
    path = [str(venv / "bin"), "/usr/local/bin", "/usr/bin", "/bin"]
    env = {"PATH": os.pathsep.join(path), "HOME": str(home), "LANG": "C.UTF-8"}
    env["XDG_CACHE_HOME"] = str(home / ".cache")
    env["POSTWRIGHT_STATE_DIR"] = str(home / "state")
    return env


def test_installed_postwright_runs_the_demo_and_doctor(venv: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    cwd = tmp_path / "empty"
    home.mkdir()
    cwd.mkdir()
    env = _env(venv, home)
    exe = str(venv / "bin" / "postwright")

    # the code and the prompts are the wheel's, not this checkout's
    where = _run(
        [
            str(venv / "bin" / "python"),
            "-c",
            "import agent; from agent.llm import prompts; t = prompts.load('generate-tests', 'v2', 'system');"
            " print(agent.__file__); print(prompts.PROMPTS_DIR); print(len(t.text))",
        ],
        cwd,
        env,
    )
    assert where.returncode == 0, where.stderr
    module, prompts_dir, size = where.stdout.split()
    assert Path(module).is_relative_to(venv) and Path(prompts_dir).is_relative_to(venv)
    assert int(size) > 100

    # first use without the sandbox: a one-line message naming the install command
    doctor = _run([exe, "doctor"], cwd, env)
    assert doctor.returncode == 1, doctor.stdout + doctor.stderr
    assert "MISSING" in doctor.stdout
    assert doctor.stderr.strip().endswith("newman, prism missing (postwright sandbox install)")
    missing = _run([exe, "demo", "--workspace", str(tmp_path / "ws0")], cwd, env)
    assert missing.returncode == 2, missing.stderr
    assert "postwright sandbox install" in missing.stderr.splitlines()[-1]
    assert "Traceback" not in missing.stderr
    offline = _run([exe, "demo", "--no-verify", "--workspace", str(tmp_path / "ws1")], cwd, env)
    assert offline.returncode == 0, offline.stderr
    assert "none of the 5 planted tokens appears" in offline.stderr

    # postwright sandbox install: npm ci from the shipped lock file, offline from npm's cache
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed, so the sandbox cannot be installed")
    real_home = Path(pwd.getpwuid(os.getuid()).pw_dir)
    npm_env = {**env, "npm_config_cache": str(real_home / ".npm"), "npm_config_offline": "true"}
    install = _run([exe, "sandbox", "install"], cwd, npm_env, timeout=900)
    if install.returncode != 0:
        pytest.skip(
            f"npm's cache lacks the sandbox's packages (offline install failed): {install.stderr[-300:]}"
        )
    assert str(home / ".cache" / "postwright") in install.stdout
    again = _run([exe, "sandbox", "install"], cwd, npm_env)
    assert again.returncode == 0 and "is installed" in again.stdout

    demo = _run([exe, "demo", "--workspace", str(tmp_path / "ws2")], cwd, env)
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "verify" in demo.stderr and "none of the 5 planted tokens appears" in demo.stderr
    doctor = _run([exe, "doctor"], cwd, env)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    for row in ("python packages", "node", "newman", "prism", "network namespaces"):
        assert row in doctor.stdout
    assert not list(cwd.iterdir())  # nothing was written where the user stood
