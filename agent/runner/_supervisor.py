"""The sandbox supervisor: starts the mock, runs newman once per request line, stops everything.

It runs as a child (``python -I _supervisor.py WORKDIR``), inside the fresh network namespace
when there is one, so the mock and every newman run share the namespace's loopback. It imports
only the standard library because ``-I`` ignores the environment and user site.

Protocol: ``WORKDIR/plan.json`` holds the non-secret plan. Each stdin line is a JSON object
``{"run": i, "env": {...}, "collection": NAME}`` (environment values, possibly secret; NAME a
file in WORKDIR, default collection.json; with ``"late": true`` the run's secret values are asked
for when newman opens the FIFO: ``{"env_for": i}`` out, ``{"env": {...}}`` or ``{"abort": true}``
in) or ``{"stop": true}``.
Each stdout line is a JSON event: ``{"ready": ...}`` once, then ``{"run": i, ...}`` per run.
Secrets reach newman through a 0600 FIFO that is unlinked once newman has read it, never argv.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any


def _say(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def _tail(path: Path, limit: int) -> str:
    """The last ``limit`` bytes of a file, decoded leniently."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - limit))
            return fh.read(limit).decode("utf-8", "replace")
    except OSError:
        return ""


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill the child's whole process group (it was started in its own session)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


_CHILDREN: list[subprocess.Popen[bytes]] = []


def _die_with_parent() -> None:
    """In the child: get SIGKILL when the supervisor dies, however it dies (Linux prctl)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _start(
    argv: list[str], workdir: Path, log: Path, pass_fds: tuple[int, ...] = ()
) -> subprocess.Popen[bytes]:
    """A child in its own session (so its group can be killed) that dies with the supervisor."""
    with log.open("wb") as out:
        proc = subprocess.Popen(
            argv,
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
            pass_fds=pass_fds,
        )
    _CHILDREN.append(proc)
    return proc


def _terminate(signum: int, frame: Any) -> None:
    """SIGTERM from the runner's watchdog: take every child group down, then leave."""
    for proc in _CHILDREN:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
    os._exit(124)


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def start_mock(plan: dict[str, Any], workdir: Path) -> subprocess.Popen[bytes] | None:
    """Start the mock and wait until its port answers; report readiness either way."""
    mock = plan.get("mock")
    if not mock:
        _say({"ready": True, "seconds": 0.0})
        return None
    began = time.monotonic()
    log = workdir / "mock.log"
    proc = _start(mock["argv"], workdir, log)
    deadline = began + float(mock["ready_timeout"])
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        if _port_open(int(mock["port"])):
            _say({"ready": True, "seconds": round(time.monotonic() - began, 3)})
            return proc
        time.sleep(0.05)
    loading = proc.poll() is None  # still alive at the deadline: it never finished loading the spec
    _kill(proc)
    _say(
        {
            "ready": False,
            "loading": loading,
            "seconds": round(time.monotonic() - began, 3),
            "log": _tail(log, int(plan["output_limit"])),
        }
    )
    return None


def start_relay(plan: dict[str, Any], workdir: Path) -> subprocess.Popen[bytes] | None:
    """Bind the target's stand-in port on the namespace's loopback and hand it to the relay.

    Binding here, before the relay starts, means newman can connect as soon as "ready" is said.
    """
    relay = plan["relay"]
    began = time.monotonic()
    family = socket.AF_INET6 if relay["family"] == "inet6" else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((relay["host"], int(relay["port"])))
        listener.listen(64)
        argv = [*relay["argv"], str(listener.fileno()), relay["socket"]]
        proc = _start(argv, workdir, workdir / "relay.log", pass_fds=(listener.fileno(),))
    except OSError as exc:
        _say({"ready": False, "seconds": 0.0, "log": f"relay: {type(exc).__name__}: {exc.strerror}"})
        return None
    finally:
        listener.close()
    _say({"ready": True, "seconds": round(time.monotonic() - began, 3)})
    return proc


def _feed_fifo(fifo: Path, payload: bytes | None, late: Any = None) -> None:
    """Write the environment into the FIFO (blocks until newman opens it), then unlink it.

    ``late`` (no ``payload``): called once newman has opened the FIFO, it gives the payload then,
    so a short-lived token is issued when newman reads it, not before newman has booted.
    """
    try:
        with fifo.open("wb") as fh:
            data = payload if payload is not None else late()
            if data is not None:
                fh.write(data)
    except OSError:
        pass
    finally:
        fifo.unlink(missing_ok=True)


def _late_values(index: int, proc: subprocess.Popen[bytes]) -> dict[str, str] | None:
    """Ask the runner for the rest of the environment ({"env_for": index}) and read its answer
    ({"env": {...}}); None (and newman killed) when it answers {"abort": true} or not at all."""
    _say({"env_for": index})
    try:
        answer = json.loads(sys.stdin.readline() or "{}")
    except ValueError:
        answer = {}
    if not isinstance(answer.get("env"), dict):
        _kill(proc)
        return None
    return {str(k): str(v) for k, v in answer["env"].items()}


def _payload(plan: dict[str, Any], env: dict[str, str]) -> bytes:
    """newman's environment file for ``env``."""
    return json.dumps(
        {
            "name": "postwright",
            "values": [
                {
                    "key": k,
                    "value": v,
                    "type": "secret" if k in plan.get("secret_keys", []) else "default",
                    "enabled": True,
                }
                for k, v in env.items()
            ],
        }
    ).encode()


def run_once(
    plan: dict[str, Any],
    workdir: Path,
    index: int,
    env: dict[str, str],
    collection: str = "collection.json",
    *,
    late: bool = False,
) -> dict[str, Any]:
    """One newman process for one collection (or batch) run, with a hard timeout; ``late``: the
    rest of the environment is asked for once newman opens the FIFO (see ``_late_values``)."""
    if Path(collection).name != collection:
        raise ValueError("the collection must be a file name in the work dir")
    fifo = workdir / f"env-{index}.fifo"
    report = workdir / f"report-{index}.json"
    os.mkfifo(fifo, 0o600)
    argv = [
        a.replace("{env}", str(fifo))
        .replace("{report}", str(report))
        .replace("{collection}", str(workdir / collection))
        for a in plan["newman"]
    ]
    log = workdir / f"newman-{index}.log"
    began = time.monotonic()
    proc = _start(argv, workdir, log)  # before the writer thread: preexec_fn and threads mix badly

    def rest() -> bytes | None:
        if proc.poll() is not None:  # newman is gone (the FIFO was opened to unblock us)
            return None
        more = _late_values(index, proc)
        return None if more is None else _payload(plan, {**env, **more})

    payload = None if late else _payload(plan, env)
    writer = threading.Thread(target=_feed_fifo, args=(fifo, payload, rest), daemon=True)
    writer.start()
    timed_out = False
    try:
        proc.wait(timeout=float(plan["run_timeout"]))
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill(proc)
    seconds = round(time.monotonic() - began, 3)
    reader = None
    if fifo.exists():  # newman never opened it: unblock the writer so it can unlink
        with contextlib.suppress(OSError):
            reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    writer.join(timeout=None if late else 2)  # a late writer may wait for the runner's answer
    if reader is not None:
        os.close(reader)
    fifo.unlink(missing_ok=True)
    return {
        "run": index,
        "rc": proc.returncode,
        "seconds": seconds,
        "timed_out": timed_out,
        "report": str(report) if report.exists() else None,
        "output": _tail(log, int(plan["output_limit"])),
    }


def main(workdir: Path) -> int:
    """Start the mock (or the target's relay), serve run requests from stdin, always stop it."""
    signal.signal(signal.SIGTERM, _terminate)
    plan = json.loads((workdir / "plan.json").read_text())
    mock = start_relay(plan, workdir) if plan.get("relay") else start_mock(plan, workdir)
    try:
        for line in sys.stdin:
            request = json.loads(line)
            if request.get("stop"):
                break
            name = str(request.get("collection", "collection.json"))
            late = bool(request.get("late"))
            _say(run_once(plan, workdir, int(request["run"]), dict(request["env"]), name, late=late))
    finally:
        if mock is not None:
            _kill(mock)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1])))
