"""Malformed URLs from input: one-line errors (exit 2) naming the field, never a ValueError (exit 3).

urllib's ``urlsplit``, ``.hostname`` and ``.port`` raise on an unclosed ``[``, a bracketed
host that is no IPv6 address or a bad port, and read a redaction placeholder in userinfo as an
IPv6 literal. Every URL from a spec, a flag or a setting goes through ``agent.urls.split_url``.
"""

from __future__ import annotations

import json
import secrets
import string
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.cli.main import main
from agent.urls import split_url

MALFORMED = [
    "https://[::1/v1",  # unclosed '['
    "http://[fe80::1",
    "https://a@b@[c/v1",
    "http://[zz]/v1",  # bracketed, but no IPv6 address
    "http://[::1]x/v1",  # text after the literal
    "https://api.example:99999/v1",  # port out of range
    "https://api.example:abc/v1",
]


def _password() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(18)) + "!x"


def _accepted() -> list[str]:
    """Odd but valid: userinfo (redacted by the boundary into a bracketed placeholder), variables."""
    return [
        f"https://deploy:{_password()}@api.example/v1",
        f"https://{_password()}@api.example:8443/v1",
        "https://{region}.api.example:{port}/v1",
        "//api.example/v1",
    ]


def cli(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(argv))
    out, err = capsys.readouterr()
    return int(done.value.code or 0), out, err


def _with_server(examples_dir: Path, tmp_path: Path, url: str, where: str = "root") -> Path:
    text = (examples_dir / "specs" / "petstore-v2.yaml").read_text()
    if where == "root":
        text = text.replace("https://api.petstore.example/v1", url)
    else:  # an operation's own servers
        text = text.replace(
            "      operationId: listPets\n",
            f"      operationId: listPets\n      servers:\n        - url: '{url}'\n",
        )
    spec = tmp_path / "new.yaml"
    spec.write_text(text)
    return spec


def _one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err and "internal error" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("postwright: error:")
    for needle in needles:
        assert needle in last, last


@pytest.fixture
def collection(tmp_path: Path) -> Path:
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"info": {"name": "c"}, "item": []}))
    return path


def _commands(spec: Path, base: Path, collection: Path, state: Path) -> dict[str, list[str]]:
    return {
        "generate": ["--state-dir", str(state), "generate", "--spec", str(spec), "--base", str(base)],
        "run": [
            "--state-dir", str(state), "run", "--spec", str(spec), "--base", str(base),
            "--no-verify", "--no-publish",
        ],
        "diff": ["diff", str(base), str(spec)],
        "validate": ["validate", str(collection), "--spec", str(spec)],
        "verify": ["verify", str(collection), "--spec", str(spec)],
    }  # fmt: skip


@pytest.mark.parametrize("url", MALFORMED)
@pytest.mark.parametrize("command", ["generate", "run", "diff", "validate", "verify"])
def test_malformed_server_url_is_a_one_line_error_naming_the_field(
    url: str, command: str, tmp_path: Path, examples_dir: Path, collection: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    spec = _with_server(examples_dir, tmp_path, url)
    argv = _commands(spec, examples_dir / "specs" / "petstore-v1.yaml", collection, tmp_path / "state")
    code, _, err = cli(*argv[command], capsys=capsys)
    _one_line_error(code, err, "servers[0].url", "not a valid URL")


@pytest.mark.parametrize("url", MALFORMED[:3])
def test_operation_level_server_is_named_by_its_path(
    url: str, tmp_path: Path, examples_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = _with_server(examples_dir, tmp_path, url, where="operation")
    code, _, err = cli("generate", "--spec", str(spec), capsys=capsys)
    _one_line_error(code, err, "paths./pets.get.servers[0].url")


@pytest.mark.parametrize("host", ["[::1", "[zz]", "api.example:99999"])
def test_swagger2_host_is_checked_too(host: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(
        f"swagger: '2.0'\ninfo: {{title: t, version: '1'}}\nhost: '{host}'\nbasePath: /v1\n"
        "paths:\n  /pets:\n    get:\n      responses:\n        '200': {description: ok}\n"
    )
    code, _, err = cli("diff", str(spec), str(spec), capsys=capsys)
    _one_line_error(code, err, "host")


@pytest.mark.parametrize("index", range(4))
def test_odd_but_valid_server_urls_work_and_leak_nothing(
    index: int, tmp_path: Path, examples_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _accepted()[index]
    spec = _with_server(examples_dir, tmp_path, url)
    out_file = tmp_path / "out.json"
    code, out, err = cli(
        "--state-dir", str(tmp_path / "state"), "generate", "--spec", str(spec),
        "--base", str(examples_dir / "specs" / "petstore-v1.yaml"),
        "--logs", str(examples_dir / "logs"), "-o", str(out_file),
        capsys=capsys,
    )  # fmt: skip
    assert code == 0, err
    userinfo = url.split("//", 1)[1].split("@", 1)[0] if "@" in url else None
    if userinfo is not None:
        secret = userinfo.split(":")[-1]
        assert secret not in out + err + out_file.read_text()


@pytest.mark.parametrize(
    "url", ["http://[::1/spec.yaml", "http://[zz]/spec.yaml", "http://127.0.0.1:99999/spec.yaml"]
)
@pytest.mark.parametrize("command", ["generate", "diff", "validate", "verify"])
def test_malformed_spec_url_is_a_one_line_error(
    url: str, command: str, tmp_path: Path, examples_dir: Path, collection: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    base = examples_dir / "specs" / "petstore-v1.yaml"
    argv = {
        "generate": ["--state-dir", str(tmp_path / "state"), "generate", "--spec", url],
        "diff": ["diff", str(base), url],
        "validate": ["validate", str(collection), "--spec", url],
        "verify": ["verify", str(collection), "--spec", url],
    }[command]
    code, _, err = cli(*argv, capsys=capsys)
    _one_line_error(code, err, url, "not a valid URL")


@pytest.mark.parametrize("raw", ["{{baseUrl}}//[x/pets", "//[::1/pets", "{{baseUrl}}//[zz]/pets/1"])
def test_collection_request_urls_that_urllib_rejects_are_findings_not_crashes(
    raw: str, tmp_path: Path, examples_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    item = {"id": "h1", "name": "x", "request": {"method": "GET", "url": {"raw": raw}}}
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"info": {"name": "c"}, "item": [item]}))
    code, _, err = cli(
        "validate", str(path), "--spec", str(examples_dir / "specs" / "petstore-v2.yaml"), capsys=capsys
    )
    assert code in (0, 1), err
    assert "internal error" not in err


@given(st.text(max_size=80))
def test_split_url_never_raises(text: str) -> None:
    split_url(text)
    split_url("http://" + text)
    split_url("https://u:[REDACTED:url-password:1]@" + text)


@given(
    st.sampled_from(["http", "https"]),
    st.from_regex(
        r"[a-z0-9.-]{1,20}|\[::1\]|\[fe80::[0-9a-f]{1,4}\]|[0-9]{1,3}(\.[0-9]{1,3}){3}", fullmatch=True
    ),
    st.one_of(st.none(), st.integers(0, 65535)),
    st.from_regex(r"(/[a-z0-9{}]{0,8}){0,3}", fullmatch=True),
)
def test_split_url_agrees_with_urllib_on_valid_urls(
    scheme: str, host: str, port: int | None, path: str
) -> None:
    url = f"{scheme}://{host}{'' if port is None else f':{port}'}{path}?a=1#f"
    ours, theirs = split_url(url), urlsplit(url)
    assert ours.problem is None
    assert (ours.scheme, ours.host, ours.port, ours.path) == (
        theirs.scheme,
        theirs.hostname,
        theirs.port,
        theirs.path,
    )
    assert (ours.query, ours.fragment) == (theirs.query, theirs.fragment)
