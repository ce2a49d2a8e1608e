"""How sandbox children are confined: a scrubbed environment and, where possible, a netns."""

from __future__ import annotations

import functools
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Literal

from agent.errors import UsageError

Isolation = Literal["netns", "none"]
ISOLATE_CHOICES = ("auto", "netns", "none")
SUPERVISOR = Path(__file__).with_name("_supervisor.py")
# Node options the children may keep: memory caps and the like, never --require of a file.
_NODE_OPTION_PREFIXES = ("--max-old-space-size", "--max-semi-space-size", "--stack-size")
_SYSTEM_PATH = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")


def scrubbed_env(home: Path, node: str) -> dict[str, str]:
    """A fresh environment: PATH (node's dir first), HOME/TMPDIR in the sandbox, safe NODE_OPTIONS.

    Nothing else is inherited, so no token, proxy setting or cloud credential reaches a script.
    """
    path = [str(Path(node).parent), *_SYSTEM_PATH]
    env = {
        "PATH": os.pathsep.join(dict.fromkeys(path)),
        "HOME": str(home),
        "TMPDIR": str(home),
        "LANG": "C.UTF-8",
        "NO_COLOR": "1",
        "NO_UPDATE_NOTIFIER": "1",
    }
    options = [o for o in os.environ.get("NODE_OPTIONS", "").split() if o.startswith(_NODE_OPTION_PREFIXES)]
    if options:
        env["NODE_OPTIONS"] = " ".join(options)
    return env


@functools.cache
def netns_available() -> bool:
    """True when ``unshare --net`` works here and ``ip`` can bring loopback up inside it."""
    unshare, ip = shutil.which("unshare"), _ip()
    if not unshare or not ip:
        return False
    try:
        done = subprocess.run(
            [unshare, "--net", "--", ip, "link", "set", "lo", "up"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=10,
            env={"PATH": os.pathsep.join(_SYSTEM_PATH)},
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _ip() -> str | None:
    return shutil.which("ip") or shutil.which("ip", path=os.pathsep.join(_SYSTEM_PATH))


def choose(isolate: str, *, has_target: bool) -> tuple[Isolation, str | None]:
    """The isolation to use and, when it is weaker than a netns, why (a notice for the report)."""
    if isolate not in ISOLATE_CHOICES:
        raise UsageError(f"isolate must be one of {', '.join(ISOLATE_CHOICES)}, not {isolate!r}")
    if isolate == "none":
        return "none", "network isolation was switched off; the script policy is the only guard"
    if has_target:
        # A fresh namespace has its own loopback: a configured target would be unreachable.
        if isolate == "netns":
            raise UsageError("isolate='netns' cannot reach a configured target; use 'auto' or 'none'")
        return (
            "none",
            "runs against a configured target use no network namespace; the script policy is the only guard",
        )
    if netns_available():
        return "netns", None
    if isolate == "netns":
        raise UsageError(
            "a network namespace is not available here (needs unshare, ip and root or user namespaces)"
        )
    return "none", "no network namespace is available here; the script policy is the only guard"


def supervisor_argv(workdir: Path, isolation: Isolation) -> list[str]:
    """The command that starts the supervisor, inside a fresh network namespace if asked."""
    base = [sys.executable, "-I", "-S", str(SUPERVISOR), str(workdir)]
    if isolation == "none":
        return base
    unshare, ip = shutil.which("unshare") or "unshare", _ip() or "ip"
    # Bring loopback up first, then become the supervisor; nothing else exists in the namespace.
    script = f'{shlex.quote(ip)} link set lo up || exit 97; exec "$@"'
    return [unshare, "--net", "--", "/bin/sh", "-c", script, "sh", *base]
