"""A configured target, and how it is made to appear inside a fresh network namespace."""

from __future__ import annotations

import ipaddress
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from agent.errors import UsageError
from agent.urls import split_url

_DEFAULT_PORTS = {"http": 80, "https": 443}
UNIX_PATH_MAX = 100  # sun_path is 108 bytes; keep a margin


@dataclass(frozen=True)
class Target:
    """Scheme, host and port of the base URL newman is given (unchanged, relay or not).

    Inside the namespace the relay listens on the target's own port, at the target's own IP
    literal (added to loopback) or at 127.0.0.1 with the host name mapped there by a private
    ``/etc/hosts``; so the URL, the Host header, TLS SNI and certificate checks all stay as
    they would be without the relay.
    """

    url: str
    scheme: str
    host: str
    port: int

    @property
    def ip(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
        try:
            return ipaddress.ip_address(self.host)
        except ValueError:
            return None

    @property
    def listen_host(self) -> str:
        """Where the relay listens inside the namespace."""
        return str(self.ip) if self.ip is not None else "127.0.0.1"

    @property
    def listen_family(self) -> str:
        return "inet6" if isinstance(self.ip, ipaddress.IPv6Address) else "inet"

    @property
    def needs_hosts(self) -> bool:
        """A host name must resolve to the relay: that takes a private /etc/hosts (mount ns)."""
        return self.ip is None

    @property
    def extra_addresses(self) -> list[str]:
        """An IP literal that loopback lacks must be added to it (127.0.0.0/8 and ::1 exist)."""
        ip = self.ip
        if ip is None or (ip.version == 4 and ip.is_loopback) or str(ip) == "::1":
            return []
        return [f"{ip}/{ip.max_prefixlen}"]

    def hosts_text(self) -> str:
        """The namespace's whole /etc/hosts: the target's name is loopback; nothing else resolves."""
        names = " ".join(dict.fromkeys(["localhost", self.host]))
        return f"127.0.0.1 {names}\n"

    def __str__(self) -> str:
        host = f"[{self.host}]" if isinstance(self.ip, ipaddress.IPv6Address) else self.host
        return f"{host}:{self.port}"


def parse_target(url: str) -> Target:
    """An http(s) base URL → Target; a UsageError names what is wrong with it."""
    parts = split_url(url)
    if parts.userinfo:
        raise UsageError("the target URL must not carry credentials; use --token-env or OAuth2 settings")
    if parts.scheme not in _DEFAULT_PORTS:
        raise UsageError(
            f"the target must be an http or https URL or a target named in [targets.NAME], not {url!r}"
        )
    if parts.problem is not None:
        raise UsageError(f"the target URL {url!r} is not valid: {parts.problem}")
    if not parts.host:
        raise UsageError(f"the target URL {url!r} has no host")
    port = parts.port or _DEFAULT_PORTS[parts.scheme]
    return Target(url=url.strip().rstrip("/"), scheme=parts.scheme, host=parts.host, port=port)


@contextmanager
def relay_socket(workdir: Path) -> Iterator[str]:
    """Where the relay's Unix socket goes: the work dir, or a short 0700 dir if that path is too long."""
    path = workdir / "relay.sock"
    if len(str(path)) <= UNIX_PATH_MAX:
        yield str(path)
        return
    with tempfile.TemporaryDirectory(prefix="pw-relay-", dir="/tmp") as short:
        os.chmod(short, 0o700)
        yield str(Path(short) / "relay.sock")


def write_hosts(workdir: Path, target: Target) -> Path:
    """The namespace's /etc/hosts: the target's name resolves to the relay on loopback."""
    path = workdir / "hosts"
    path.write_text(target.hosts_text())
    path.chmod(0o644)
    return path
