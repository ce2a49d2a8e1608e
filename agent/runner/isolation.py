"""How sandbox children are confined: a scrubbed environment and, where possible, a netns."""

from __future__ import annotations

import functools
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from agent.errors import UsageError

if TYPE_CHECKING:
    from agent.runner.target import Target

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
    ip = _ip()
    return ip is not None and _probe("--net", "--", ip, "link", "set", "lo", "up")


@functools.cache
def _probe(*args: str) -> bool:
    """Whether ``unshare ARGS`` runs and exits 0."""
    unshare = shutil.which("unshare")
    if not unshare:
        return False
    try:
        done = subprocess.run(
            [unshare, *args],
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


def mountns_available() -> bool:
    """True when a fresh mount namespace can be made too (for a private /etc/hosts)."""
    return _probe("--net", "--mount", "--", "/bin/sh", "-c", "exit 0")


def choose(isolate: str, *, target: Target | None = None) -> tuple[Isolation, str | None]:
    """The isolation to use and, when it is weaker than a netns, why (a notice for the report).

    With a target, the namespace gets a relay that reaches that host:port only; a target
    named by host name also needs a mount namespace for the private /etc/hosts.
    """
    if isolate not in ISOLATE_CHOICES:
        raise UsageError(f"isolate must be one of {', '.join(ISOLATE_CHOICES)}, not {isolate!r}")
    if isolate == "none":
        return "none", "network isolation was switched off; the script policy is the only guard"
    available = netns_available() and (target is None or not target.needs_hosts or mountns_available())
    if available:
        return "netns", None
    what = (
        "a network namespace is"
        if target is None or not target.needs_hosts
        else "network and mount namespaces are"
    )
    if isolate == "netns":
        raise UsageError(f"{what} not available here (needs unshare, ip and root or user namespaces)")
    return "none", f"{what} not available here; the script policy is the only guard"


def supervisor_argv(
    workdir: Path, isolation: Isolation, *, addresses: Sequence[str] = (), hosts: Path | None = None
) -> list[str]:
    """The command that starts the supervisor, inside fresh namespaces if asked.

    ``addresses`` are added to the namespace's loopback (a target's IP literal); ``hosts`` is
    bind-mounted over /etc/hosts in a private mount namespace (a target's host name).
    """
    base = [sys.executable, "-I", "-S", str(SUPERVISOR), str(workdir)]
    if isolation == "none":
        return base
    unshare, ip = shutil.which("unshare") or "unshare", _ip() or "ip"
    q = shlex.quote
    # Bring loopback up first, then become the supervisor; nothing else exists in the namespace.
    steps = [f"{q(ip)} link set lo up || exit 97"]
    steps += [f"{q(ip)} addr add {q(a)} dev lo || exit 96" for a in addresses]
    flags = ["--net"]
    if hosts is not None:
        mount = shutil.which("mount") or "mount"
        steps.append(f"{q(mount)} --bind {q(str(hosts))} /etc/hosts || exit 98")
        flags.append("--mount")  # unshare makes it private: the bind never shows outside
    script = "; ".join([*steps, 'exec "$@"'])
    return [unshare, *flags, "--", "/bin/sh", "-c", script, "sh", *base]
