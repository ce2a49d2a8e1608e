"""A raw TCP relay that carries one target across the network-namespace boundary.

The two ends meet at a Unix socket in the run's 0700 work dir (a path crosses namespaces;
a TCP port does not). Inside the namespace, ``serve_inside`` accepts on a loopback port
that stands in for the target and forwards each connection to the Unix socket; outside,
``OutsideRelay`` accepts on that socket and connects to the configured target host:port
and nowhere else. Bytes pass untouched, so TLS stays end to end.

Standard library only: the supervisor starts the inside end as
``python -I -S _relay.py FD SOCKET`` with the listening socket already bound (``FD``).
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading
from collections.abc import Callable

Connect = Callable[[], socket.socket]

CHUNK = 65536
MAX_CONNECTIONS = 64  # a script that opens sockets in a loop cannot exhaust the host


def _pump(src: socket.socket, dst: socket.socket) -> None:
    """Copy until ``src`` ends, then pass the half-close on."""
    try:
        while data := src.recv(CHUNK):
            dst.sendall(data)
    except OSError:
        pass
    with contextlib.suppress(OSError):
        dst.shutdown(socket.SHUT_WR)


def _no_delay(sock: socket.socket) -> None:
    """A relay must not hold back small writes (Nagle + delayed ACK would add ~40 ms each)."""
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def splice(a: socket.socket, b: socket.socket) -> None:
    """Relay both directions until both are done; close both."""
    back = threading.Thread(target=_pump, args=(b, a), daemon=True)
    back.start()
    _pump(a, b)
    back.join()
    a.close()
    b.close()


def _serve(listener: socket.socket, connect: Connect, slots: threading.BoundedSemaphore) -> None:
    """Accept until the listener closes; each connection gets a thread and an upstream."""
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            return
        if not slots.acquire(blocking=False):
            client.close()
            continue
        _no_delay(client)
        threading.Thread(target=_handle, args=(client, connect, slots), daemon=True).start()


def _handle(client: socket.socket, connect: Connect, slots: threading.BoundedSemaphore) -> None:
    try:
        try:
            upstream = connect()
        except OSError:
            client.close()  # the caller sees a reset, as from an unreachable host
            return
        splice(client, upstream)
    finally:
        slots.release()


def serve_inside(listen_fd: int, unix_path: str) -> None:
    """Inside the namespace: loopback connections → the Unix socket (runs until killed)."""
    listener = socket.socket(fileno=listen_fd)

    def connect() -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(unix_path)
        return sock

    _serve(listener, connect, threading.BoundedSemaphore(MAX_CONNECTIONS))


class OutsideRelay:
    """Outside the namespace: Unix socket connections → the one target ``host``:``port``."""

    def __init__(self, unix_path: str, host: str, port: int, *, connect_timeout: float = 30.0) -> None:
        self.host, self.port, self.connect_timeout = host, port, connect_timeout
        self.connections = 0
        self.failures: list[str] = []  # why connecting to the target failed, one entry per attempt
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old = os.umask(0o177)  # the socket file is 0600 from the start
        try:
            self._listener.bind(unix_path)
        finally:
            os.umask(old)
        self._listener.listen(MAX_CONNECTIONS)
        slots = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self._thread = threading.Thread(
            target=_serve, args=(self._listener, self._connect, slots), daemon=True
        )
        self._thread.start()

    def _connect(self) -> socket.socket:
        self.connections += 1
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except OSError as exc:
            self.failures.append(type(exc).__name__)
            raise
        sock.settimeout(None)
        _no_delay(sock)
        return sock

    def close(self) -> None:
        """Stop accepting; connections in flight end when either side closes."""
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._thread.join(timeout=2)

    def __enter__(self) -> OutsideRelay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


if __name__ == "__main__":
    serve_inside(int(sys.argv[1]), sys.argv[2])
