"""`$ref` confinement: a hostile spec cannot make postwright read the user's files or other hosts.

Every refused case runs through `postwright diff` and `postwright generate` in-process; a canary
(random, written at test time) sits where the ref points and must appear in no output, no state
file and no collection. Remote cases use two real HTTP servers on 127.0.0.1 (two origins).
"""

from __future__ import annotations

import secrets
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.cli.main import main
from agent.errors import InputError
from agent.specs.fetch import _next_hop
from agent.specs.load import load_spec


def _spec(ref: str | None) -> dict[str, Any]:
    """A spec whose 200 response body schema is ``ref`` (or a bare object schema)."""
    schema = {"$ref": ref} if ref is not None else {"type": "object"}
    ok = {"description": "ok", "content": {"application/json": {"schema": schema}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/pets": {"get": {"operationId": "listPets", "responses": {"200": ok}}}},
    }


@dataclass
class Server:
    """A loopback HTTP server answering from ``routes``; ``hits`` records every path asked for."""

    routes: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)
    url: str = ""

    def serve(self, path: str, body: dict[str, Any]) -> None:
        self.routes[path] = (200, {"Content-Type": "application/yaml"}, yaml.safe_dump(body).encode())

    def redirect(self, path: str, to: str, status: int = 302) -> None:
        self.routes[path] = (status, {"Location": to}, b"")


def _handler(server: Server, *args: Any) -> BaseHTTPRequestHandler:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.hits.append(self.path)
            status, headers, body = server.routes.get(self.path, (404, {}, b"not found"))
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a: Any) -> None:
            pass

    return Handler(*args)


@pytest.fixture
def servers() -> Iterator[tuple[Server, Server]]:
    """Two servers on two ports of 127.0.0.1: two origins."""
    made: list[tuple[ThreadingHTTPServer, Server]] = []
    for _ in range(2):
        state = Server()
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_handler, state))
        state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        made.append((httpd, state))
    yield made[0][1], made[1][1]
    for httpd, _ in made:
        httpd.shutdown()
        httpd.server_close()


@dataclass
class Layout:
    """work/proj/api/spec.yaml (the spec), work/proj/other/ (a sibling), work/outside/ (the canary)."""

    tmp: Path
    canary: str
    api: Path
    secret: Path  # outside the project
    sibling: Path  # in a sibling folder of the spec's
    a: Server  # the spec's host
    b: Server  # another origin, serving the canary
    runs: int = 0

    def write(self, ref: str | None, name: str = "spec.yaml") -> Path:
        path = self.api / name
        path.write_text(yaml.safe_dump(_spec(ref)), encoding="utf-8")
        return path


@pytest.fixture
def layout(tmp_path: Path, servers: tuple[Server, Server], monkeypatch: pytest.MonkeyPatch) -> Layout:
    canary = "canary" + secrets.token_hex(12)
    # shaped so that, were it read, the canary would reach diff's output, the collection and the DB
    secret_schema = {
        "type": "object",
        "required": [canary],
        "properties": {canary: {"type": "string", "enum": [canary]}},
        "description": canary,
    }
    work = tmp_path / "work"
    api = work / "proj" / "api"
    (api / "schemas").mkdir(parents=True)
    (work / "proj" / "other").mkdir()
    (work / "outside").mkdir()
    secret = work / "outside" / "secret.yaml"
    sibling = work / "proj" / "other" / "secret.yaml"
    for path in (secret, sibling):
        path.write_text(yaml.safe_dump(secret_schema), encoding="utf-8")
    (api / "base.yaml").write_text(yaml.safe_dump(_spec(None)), encoding="utf-8")
    a, b = servers
    b.serve("/secret.yaml", secret_schema)
    b.serve("/spec.yaml", _spec(None) | {"info": {"title": canary, "version": "1"}})
    a.redirect("/moved.yaml", f"{b.url}/secret.yaml")
    a.redirect("/moved-spec.yaml", f"{b.url}/spec.yaml")
    monkeypatch.chdir(tmp_path)
    return Layout(tmp_path, canary, api, secret, sibling, a, b)


# -- the refused cases: (id, the $ref written into the spec) -----------------------------------

Ref = Callable[[Layout], str]
DEPTHS = [
    ("up2", lambda x: "../../outside/secret.yaml"),
    ("dot-up2", lambda x: "./../../outside/secret.yaml"),
    ("down-up3", lambda x: "schemas/../../../outside/secret.yaml"),
    ("up3-back-in", lambda x: "../../../work/outside/secret.yaml"),
    ("up-to-root", lambda x: "../" * 40 + str(x.secret).lstrip("/")),
]
SCHEMES = [
    ("file-url", lambda x: x.secret.as_uri()),
    ("file-url-upper", lambda x: "FILE://" + str(x.secret)),
    ("file-localhost", lambda x: "file://localhost" + str(x.secret)),
    ("file-colon", lambda x: "file:" + str(x.secret)),
    ("file-url-fragment", lambda x: x.secret.as_uri() + "#/enum"),
]
PLACES = [
    ("absolute", lambda x: str(x.secret)),
    ("absolute-dotdot", lambda x: str(x.api) + "/../../outside/secret.yaml"),
    ("sibling", lambda x: "../other/secret.yaml"),
    ("network-path", lambda x: "//localhost" + str(x.secret)),
]
ENCODED = [
    ("pct-slash", lambda x: "..%2f..%2foutside%2fsecret.yaml"),
    ("pct-slash-upper", lambda x: "..%2F..%2Foutside/secret.yaml"),
    ("pct-dots", lambda x: "%2e%2e/%2e%2e/outside/secret.yaml"),
    ("pct-absolute", lambda x: "%2F" + str(x.secret).lstrip("/").replace("/", "%2F")),
    ("pct-double", lambda x: "%252e%252e/%252e%252e/outside/secret.yaml"),
    ("pct-nul", lambda x: "../../outside/secret.yaml%00.json"),
]
BACKSLASHES = [
    ("backslash", lambda x: "..\\..\\outside\\secret.yaml"),
    ("backslash-mixed", lambda x: "..\\../outside/secret.yaml"),
    ("pct-backslash", lambda x: "..%5c..%5coutside%5csecret.yaml"),
    ("drive-letter", lambda x: "C:\\outside\\secret.yaml"),
    ("drive-slash", lambda x: "C:/outside/secret.yaml"),
]
SYMLINKS = [
    ("symlink-file-out", lambda x: _link(x.api / "schemas" / "pet.yaml", x.secret)),
    ("symlink-dir-out", lambda x: _link(x.api / "shared", x.secret.parent) + "/secret.yaml"),
    ("symlink-to-sibling", lambda x: _link(x.api / "schemas" / "sib.yaml", x.sibling)),
]
NESTED = [
    ("nested-up", lambda x: _inner(x, "../../../outside/secret.yaml")),
    ("nested-file-url", lambda x: _inner(x, x.secret.as_uri())),
    ("nested-absolute", lambda x: _inner(x, str(x.secret))),
    ("nested-remote", lambda x: _inner(x, f"{x.b.url}/secret.yaml")),
]
REMOTE = [
    ("remote-no-flag", lambda x: f"{x.b.url}/secret.yaml"),
    ("remote-redirect-no-flag", lambda x: f"{x.a.url}/moved.yaml"),
    ("remote-localhost-alias", lambda x: x.b.url.replace("127.0.0.1", "localhost") + "/secret.yaml"),
]
REFUSED = DEPTHS + SCHEMES + PLACES + ENCODED + BACKSLASHES + SYMLINKS + NESTED + REMOTE


def _link(link: Path, target: Path) -> str:
    link.symlink_to(target)
    return str(link.relative_to(link.parent.parent if link.parent.name == "schemas" else link.parent))


def _inner(x: Layout, ref: str) -> str:
    """An allowed external file (inside the folder) whose own ``$ref`` escapes again."""
    (x.api / "schemas" / "wrapper.yaml").write_text(
        yaml.safe_dump({"type": "object", "properties": {"p": {"$ref": ref}}}), encoding="utf-8"
    )
    return "schemas/wrapper.yaml"


# -- running the CLI in-process and looking everywhere for the canary ---------------------------


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    files: dict[str, bytes]  # every file the command could have written: state dir and output


def _postwright(args: list[str], capfd: pytest.CaptureFixture[str], *written: Path) -> Outcome:
    capfd.readouterr()
    with pytest.raises(SystemExit) as done:
        main(args)
    out, err = capfd.readouterr()
    files: dict[str, bytes] = {}
    for place in written:
        paths = [place] if place.is_file() else (place.rglob("*") if place.is_dir() else [])
        files.update({str(p): p.read_bytes() for p in paths if p.is_file()})
    return Outcome(int(done.value.code or 0), out, err, files)


def _diff(x: Layout, spec: str, capfd: pytest.CaptureFixture[str], *extra: str) -> Outcome:
    return _postwright(["diff", str(x.api / "base.yaml"), spec, "--format", "json", *extra], capfd)


def _generate(x: Layout, spec: str, capfd: pytest.CaptureFixture[str], *extra: str) -> Outcome:
    x.runs += 1  # a fresh state dir and output per run: what one run wrote is its own
    state, output = x.tmp / f"run{x.runs}" / "state", x.tmp / f"run{x.runs}" / "collection.json"
    args = ["--state-dir", str(state), "generate", "--spec", spec, "--base", str(x.api / "base.yaml")]
    return _postwright([*args, "-o", str(output), "--no-verify", *extra], capfd, state, output)


def _assert_refused(x: Layout, outcome: Outcome, *, why: str = "refused:") -> None:
    assert outcome.code == 2, (outcome.code, outcome.err)
    assert outcome.err.count("\n") == 1 and "Traceback" not in outcome.err, outcome.err
    assert why in outcome.err, outcome.err
    assert x.canary not in outcome.out + outcome.err
    for name, data in outcome.files.items():
        assert x.canary.encode() not in data, f"the canary reached {name}"


@pytest.mark.parametrize(("case", "ref"), REFUSED, ids=[c for c, _ in REFUSED])
def test_refused_through_diff_and_generate(
    layout: Layout, case: str, ref: Ref, capfd: pytest.CaptureFixture[str]
) -> None:
    spec = str(layout.write(ref(layout)))
    # a double-encoded ../ is a literal file name inside the folder: absent, never outside
    why = "no such file" if case == "pct-double" else "refused:"
    _assert_refused(layout, _diff(layout, spec, capfd), why=why)
    _assert_refused(layout, _generate(layout, spec, capfd), why=why)
    assert layout.b.hits == [], "the other origin was contacted"


def test_refusal_names_the_ref_and_why(layout: Layout) -> None:
    cases = {
        "../../outside/secret.yaml": "leads outside",
        layout.secret.as_uri(): "file: scheme is never followed",
        "..\\..\\outside\\secret.yaml": "backslashes",
        f"{layout.b.url}/secret.yaml": "remote refs are off",
    }
    for ref, why in cases.items():
        with pytest.raises(InputError) as raised:
            load_spec(str(layout.write(ref)))
        assert repr(ref) in str(raised.value) and why in str(raised.value)
    with pytest.raises(InputError, match="through a symlink"):
        load_spec(str(layout.write(_link(layout.api / "schemas" / "s.yaml", layout.secret))))


# -- remote refs: the flag names origins, every hop is checked ---------------------------------


def test_remote_ref_needs_its_origin_named(layout: Layout, capfd: pytest.CaptureFixture[str]) -> None:
    spec = str(layout.write(f"{layout.b.url}/secret.yaml"))
    other = _diff(layout, spec, capfd, "--allow-remote-refs", layout.a.url)
    _assert_refused(layout, other, why="not the spec's origin or one named")
    assert layout.b.hits == []
    named = _diff(layout, spec, capfd, "--allow-remote-refs", layout.b.url)
    assert named.code == 0, named.err
    assert layout.b.hits == ["/secret.yaml"]


def test_named_origin_redirecting_elsewhere_is_refused(
    layout: Layout, capfd: pytest.CaptureFixture[str]
) -> None:
    spec = str(layout.write(f"{layout.a.url}/moved.yaml"))
    outcome = _diff(layout, spec, capfd, "--allow-remote-refs", layout.a.url)
    _assert_refused(layout, outcome, why="another origin")
    assert layout.a.hits == ["/moved.yaml"] and layout.b.hits == []


@pytest.mark.parametrize(
    "ref",
    [
        "moved.yaml",  # relative: same origin, then a 302 to the other one
        "./moved.yaml",
        "{b}/secret.yaml",  # absolute, other origin
        "//{b_host}/secret.yaml",  # scheme-relative, other origin
        "{file}",
    ],
)
def test_url_spec_refs_stay_on_its_origin(
    layout: Layout, ref: str, capfd: pytest.CaptureFixture[str]
) -> None:
    written = ref.format(b=layout.b.url, b_host=layout.b.url.split("//", 1)[1], file=layout.secret.as_uri())
    layout.a.serve("/spec.yaml", _spec(written))
    url = f"{layout.a.url}/spec.yaml"
    _assert_refused(layout, _diff(layout, url, capfd))
    _assert_refused(layout, _generate(layout, url, capfd))
    assert layout.b.hits == []


def test_url_spec_same_origin_refs_are_followed(layout: Layout) -> None:
    layout.a.serve("/v2/parts/pet.yaml", {"type": "object", "properties": {"id": {"$ref": "../id.yaml"}}})
    layout.a.serve("/v2/id.yaml", {"type": "integer"})
    layout.a.serve("/v2/spec.yaml", _spec("parts/pet.yaml"))
    layout.a.redirect("/spec", "/v2/spec.yaml")  # relative refs resolve against the last hop
    doc = load_spec(f"{layout.a.url}/spec").document
    assert doc["components"]["schemas"]["pet"]["properties"]["id"] == {"$ref": "#/components/schemas/id"}
    assert layout.b.hits == []


def test_top_level_spec_url_redirect_to_another_origin(
    layout: Layout, capfd: pytest.CaptureFixture[str]
) -> None:
    url = f"{layout.a.url}/moved-spec.yaml"
    _assert_refused(layout, _diff(layout, url, capfd), why="another origin")
    _assert_refused(layout, _generate(layout, url, capfd), why="another origin")
    assert layout.b.hits == []
    followed = _diff(layout, url, capfd, "--allow-remote-refs", layout.b.url)
    assert followed.code == 0 and layout.b.hits == ["/spec.yaml"]


def test_redirect_hops_never_downgrade_or_leave() -> None:
    allowed = frozenset({"https://a.test:443", "http://a.test:80"})
    assert _next_hop("http://a.test/x", "https://a.test/y", allowed) == "https://a.test/y"
    for location in ("http://a.test/y", "https://b.test/y", "file:///etc/hosts", "ftp://a.test/"):
        with pytest.raises(InputError, match="refused:"):
            _next_hop("https://a.test/x", location, allowed)


def test_redirect_loop_is_bounded(layout: Layout) -> None:
    layout.a.redirect("/loop.yaml", "/loop.yaml")
    with pytest.raises(InputError, match="redirects"):
        load_spec(f"{layout.a.url}/loop.yaml")
    assert len(layout.a.hits) == 6


def test_bad_origin_flag_is_a_usage_error(layout: Layout, capfd: pytest.CaptureFixture[str]) -> None:
    for value in ("127.0.0.1:8000", "ftp://host", f"{layout.b.url}/path"):
        outcome = _diff(layout, str(layout.write(None)), capfd, "--allow-remote-refs", value)
        assert outcome.code == 2 and "is not an origin" in outcome.err


# -- what stays allowed ---------------------------------------------------------------------------


def test_symlink_inside_the_folder_is_followed(layout: Layout, capfd: pytest.CaptureFixture[str]) -> None:
    real = layout.api / "real"
    real.mkdir()
    (real / "pet.yaml").write_text(yaml.safe_dump({"type": "string", "enum": ["inside"]}))
    (layout.api / "schemas" / "pet.yaml").symlink_to(real / "pet.yaml")
    (layout.api / "linked").symlink_to(real)
    for ref in ("schemas/pet.yaml", "linked/pet.yaml", "schemas/../linked/./pet.yaml"):
        doc = load_spec(str(layout.write(ref))).document
        assert doc["components"]["schemas"]["pet"]["enum"] == ["inside"]
    assert _diff(layout, str(layout.api / "spec.yaml"), capfd).code == 0


def test_ref_root_widens_the_folder(layout: Layout, capfd: pytest.CaptureFixture[str]) -> None:
    spec = str(layout.write("../other/secret.yaml"))
    project = str(layout.api.parent)
    diffed = _diff(layout, spec, capfd, "--ref-root", project)
    assert diffed.code == 0 and layout.canary in diffed.out
    generated = _generate(layout, spec, capfd, "--ref-root", project)
    assert generated.code == 0, generated.err
    # the control: content a ref may read does reach every place the refused cases search
    reached = {name for name, data in generated.files.items() if layout.canary.encode() in data}
    assert any(name.endswith("collection.json") for name in reached), reached
    assert any(name.endswith((".db", ".db-wal", ".sqlite")) for name in reached), reached
    # a wider root is still a root: the outside folder stays out, and so do file: URLs
    for ref in ("../../outside/secret.yaml", layout.secret.as_uri()):
        _assert_refused(layout, _diff(layout, str(layout.write(ref)), capfd, "--ref-root", project))


def test_ref_root_from_the_config_file(layout: Layout, capfd: pytest.CaptureFixture[str]) -> None:
    (layout.tmp / "postwright.toml").write_text('ref_root = "work/proj"\n', encoding="utf-8")
    spec = str(layout.write("../other/secret.yaml"))
    assert _generate(layout, spec, capfd).code == 0
    (layout.tmp / "postwright.toml").write_text('ref_root = "work/proj/api"\n', encoding="utf-8")
    _assert_refused(layout, _generate(layout, spec, capfd))


def test_relative_ref_root_flag_is_taken_from_the_working_directory(
    layout: Layout, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(layout.api.parent)
    spec = str(layout.write("../other/secret.yaml"))
    assert _diff(layout, spec, capfd, "--ref-root", ".").code == 0
    assert _generate(layout, spec, capfd, "--ref-root", ".").code == 0


# -- specs from git: the repository tree at that ref ------------------------------------------


@pytest.fixture
def repo(layout: Layout) -> Path:
    repo = layout.tmp / "repo"
    (repo / "api" / "schemas").mkdir(parents=True)
    git = partial(subprocess.run, cwd=repo, check=True, capture_output=True)
    git(["git", "init", "-q"])
    (repo / "api" / "schemas" / "pet.yaml").write_text(yaml.safe_dump({"type": "string"}))
    (repo / "api" / "in.yaml").write_text(yaml.safe_dump(_spec("schemas/pet.yaml")))
    for name, ref in {
        "up.yaml": "../../work/outside/secret.yaml",
        "abs.yaml": str(layout.secret),
        "file.yaml": layout.secret.as_uri(),
        "nested.yaml": "schemas/wrap.yaml",
    }.items():
        (repo / "api" / name).write_text(yaml.safe_dump(_spec(ref)))
    (repo / "api" / "schemas" / "wrap.yaml").write_text(yaml.safe_dump({"$ref": "../../../x.yaml"}))
    git(["git", "add", "."])
    git(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one"])
    return repo


def test_git_spec_refs_stay_in_the_tree(layout: Layout, repo: Path) -> None:
    assert load_spec("git:HEAD:api/in.yaml", cwd=repo).document["components"]["schemas"]["pet"]
    for name, why in {
        "up.yaml": "leaves the repository tree",
        "abs.yaml": "absolute path",
        "file.yaml": "file: scheme",
        "nested.yaml": "leaves the repository tree",
    }.items():
        with pytest.raises(InputError, match=why) as raised:
            load_spec(f"git:HEAD:api/{name}", cwd=repo)
        assert layout.canary not in str(raised.value)


def test_symlink_loop_is_a_one_line_error(layout: Layout) -> None:
    (layout.api / "a.yaml").symlink_to(layout.api / "b.yaml")
    (layout.api / "b.yaml").symlink_to(layout.api / "a.yaml")
    with pytest.raises(InputError, match=r"a\.yaml"):
        load_spec(str(layout.write("a.yaml")))
