"""The relay: a target reached from inside the network namespace, and nothing else."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import stat
import subprocess
from pathlib import Path

import pytest

from agent.errors import BoundaryViolation, UsageError
from agent.runner import NewmanRunner
from agent.runner._relay import OutsideRelay
from agent.runner.isolation import mountns_available, netns_available, supervisor_argv
from agent.runner.target import parse_target
from tests.runner.runner_helpers import collection, item

needs_netns = pytest.mark.skipif(not netns_available(), reason="unshare --net is not permitted here")
needs_mountns = pytest.mark.skipif(
    not (netns_available() and mountns_available()), reason="unshare --net --mount is not permitted here"
)


def test_parse_target() -> None:
    t = parse_target("https://API.example.com/v1/")
    assert (t.url, t.host, t.port, t.needs_hosts, t.listen_host) == (
        "https://API.example.com/v1",
        "api.example.com",
        443,
        True,
        "127.0.0.1",
    )
    assert t.hosts_text() == "127.0.0.1 localhost api.example.com\n"
    v6 = parse_target("http://[fd00::5]:8080")
    assert (v6.listen_family, v6.listen_host, v6.extra_addresses, str(v6)) == (
        "inet6",
        "fd00::5",
        ["fd00::5/128"],
        "[fd00::5]:8080",
    )
    assert parse_target("http://127.0.0.1:9").extra_addresses == []
    assert parse_target("http://10.1.2.3").extra_addresses == ["10.1.2.3/32"]
    for bad in ("ftp://x", "http://", "http://x:99999", "https://u:p@host"):
        with pytest.raises(UsageError):
            parse_target(bad)
    with pytest.raises(UsageError) as info:
        parse_target("https://user:hunter2@host")
    assert "hunter2" not in str(info.value)


def test_supervisor_argv_adds_addresses_and_a_private_hosts_file(tmp_path: Path) -> None:
    argv = supervisor_argv(tmp_path, "netns", addresses=["10.1.2.3/32"], hosts=tmp_path / "hosts")
    assert argv[1:3] == ["--net", "--mount"]
    script = argv[argv.index("-c") + 1]
    assert "addr add 10.1.2.3/32 dev lo" in script and f"--bind {tmp_path / 'hosts'} /etc/hosts" in script


def test_outside_relay_carries_bytes_to_the_target_only(tmp_path: Path, serve) -> None:
    server = serve({"/hello": lambda h: (200, {"hi": 1})})
    path = str(tmp_path / "r.sock")
    with OutsideRelay(path, "127.0.0.1", server.port) as relay:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(path)
            sock.sendall(b"GET /hello HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := sock.recv(4096):
                data += chunk
    assert data.startswith(b"HTTP/1.0 200") and data.endswith(b'{"hi": 1}')
    assert relay.connections == 1 and server.hosts == ["example.test"]


_ESCAPES = [
    # Another service on the host's loopback: reachable outside the namespace, not inside.
    "pm.sendRequest(pm.environment.get('baseUrl').replace(/:\\d+$/, ':' + {other}) + '/ok', (err, res) => {{",
    "  pm.test('other loopback port is closed', () => pm.expect(err && err.code).to.equal('ECONNREFUSED'));",
    "}});",
    "pm.sendRequest('http://192.0.2.1:80/', (err) => {{",
    "  pm.test('no route out', () =>",
    "    pm.expect(String(err && err.code)).to.match(/ENETUNREACH|EHOSTUNREACH/));",
    "}});",
    "pm.test('the target answers through the relay', () => pm.response.to.have.status(200));",
]


@pytest.mark.sandbox
@needs_netns
def test_relay_reaches_the_target_and_nothing_else(sandbox_dir: Path, serve) -> None:
    target = serve({"/ok": lambda h: (200, {"ok": True})})
    other = serve({"/ok": lambda h: (200, {"other": True})})
    probe = [line.format(other=other.port) for line in _ESCAPES]
    coll = collection(item("pw-escape", "{{baseUrl}}/ok", *probe))
    report = NewmanRunner(sandbox_dir, timeout=60, isolate="netns", target=target.url).run(coll, None, 1)
    assert report.isolation == "netns" and {n.code for n in report.notices} == {"script-send-request"}
    assert report.items["pw-escape"].status == "passed", report.items["pw-escape"].reasons
    assert target.calls == {"/ok": 1} and other.calls == {}
    assert target.hosts == [f"127.0.0.1:{target.port}"]  # the Host header is the target's own

    # Without the namespace the script policy is the guard: the collection does not run at all.
    loose = NewmanRunner(sandbox_dir, timeout=60, isolate="none", target=target.url)
    with pytest.raises(BoundaryViolation, match="script-send-request"):
        loose.run(coll, None, 1)
    assert target.calls == {"/ok": 1} and other.calls == {}


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


@pytest.mark.sandbox
@needs_mountns
def test_https_target_by_host_name_keeps_tls_end_to_end(sandbox_dir: Path, serve, tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(cert, key)
    server = serve({"/ok": lambda h: (200, {"ok": True})}, tls=tls)
    assert server.url.startswith("https://localhost:")
    coll = collection(
        item("pw-tls", "{{baseUrl}}/ok", "pm.test('200 over TLS', () => pm.response.to.have.status(200));")
    )
    runner = NewmanRunner(sandbox_dir, timeout=60, isolate="netns", target=server.url, extra_ca_certs=cert)
    report = runner.run(coll, None, 1)
    assert report.isolation == "netns"
    assert report.items["pw-tls"].status == "passed", report.items["pw-tls"].reasons
    assert server.hosts == [f"localhost:{server.port}"]

    # The relay does not terminate TLS: without the CA, newman's own verification refuses it.
    untrusted = NewmanRunner(sandbox_dir, timeout=60, isolate="netns", target=server.url).run(coll, None, 1)
    reasons = " ".join(untrusted.items["pw-tls"].reasons)
    assert untrusted.items["pw-tls"].status == "failed" and "self-signed" in reasons.lower(), reasons
