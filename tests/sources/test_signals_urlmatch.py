"""Matching log URLs to spec operations: base paths, templates, odd URLs."""

from __future__ import annotations

from typing import Any

import pytest

from agent.models import SpecDocument
from agent.sources.urlmatch import OperationIndex, parse_url, trim_url


def _spec(paths: dict[str, list[str]], **top: Any) -> SpecDocument:
    doc: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            p: {m: {"responses": {"200": {"description": "ok"}}} for m in ms} for p, ms in paths.items()
        },
    }
    doc.update(top)
    return SpecDocument(ref="t.yaml", version="3.0.3", document=doc)


PETS = _spec(
    {
        "/pets": ["get", "post"],
        "/pets/{petId}": ["get", "delete"],
        "/pets/mine": ["get"],
        "/pets/{petId}/photos/{photoId}": ["get"],
        "/files/{name}.{ext}": ["get"],
        "/users/{id}:activate": ["post"],
    },
    servers=[{"url": "https://api.example.com/api/v2"}, {"url": "/internal"}],
)


def match(method: str | None, url: str, spec: SpecDocument = PETS) -> tuple[str | None, str | None]:
    found = OperationIndex(spec).match(method, parse_url(url))
    return (found.path, found.operation) if found else (None, None)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.example.com/api/v2/pets", "GET /pets"),
        ("https://api.example.com/api/v2/pets/", "GET /pets"),
        ("https://api.example.com/api/v2/pets?limit=5&status=a%20b", "GET /pets"),
        ("https://api.example.com/api/v2/pets#frag", "GET /pets"),
        ("https://api.example.com/api/v2/pets/42", "GET /pets/{petId}"),
        ("https://api.example.com/api/v2/pets/mine", "GET /pets/mine"),
        ("https://api.example.com/api/v2/pets/a%2Fb", "GET /pets/{petId}"),
        ("https://api.example.com/api/v2/pets/caf%C3%A9", "GET /pets/{petId}"),
        ("https://api.example.com/api/v2/%70ets/1", "GET /pets/{petId}"),
        ("https://api.example.com/api/v2//pets//1", "GET /pets/{petId}"),
        ("https://other-host:8443/api/v2/pets/1", "GET /pets/{petId}"),
        ("https://user:[REDACTED:password:1]@api.example.com/api/v2/pets/1", "GET /pets/{petId}"),
        ("https://[REDACTED:url-credentials:2]@api.example.com/api/v2/pets/1", "GET /pets/{petId}"),
        ("https://api.example.com/api/v2/pets/[REDACTED:email:3]", "GET /pets/{petId}"),
        ("http://127.0.0.1:8080/internal/pets/1", "GET /pets/{petId}"),
        ("/api/v2/pets/1", "GET /pets/{petId}"),
        ("https://api.example.com/pets/1", "GET /pets/{petId}"),
        ("https://api.example.com/api/v2/pets/1/photos/9", "GET /pets/{petId}/photos/{photoId}"),
        ("https://api.example.com/api/v2/files/report.pdf", "GET /files/{name}.{ext}"),
    ],
)
def test_matches(url: str, expected: str) -> None:
    assert match("GET" if "activate" not in url else "POST", url)[1] == expected


def test_mixed_template_segment_with_literal_suffix() -> None:
    assert match("POST", "https://api.example.com/api/v2/users/7:activate") == (
        "/users/{id}:activate",
        "POST /users/{id}:activate",
    )


def test_literal_segments_beat_templates_leftmost_first() -> None:
    spec = _spec({"/a/{x}/c": ["get"], "/{y}/b/c": ["get"], "/a/b/{z}": ["get"]})
    assert match("GET", "/a/b/c", spec)[0] == "/a/b/{z}"


def test_unknown_path_has_no_operation() -> None:
    assert match("GET", "https://api.example.com/api/v2/owners/1") == (None, None)
    assert match("GET", "https://api.example.com/api/v2/pets/1/2") == (None, None)


def test_method_not_in_spec_keeps_path_but_no_operation() -> None:
    assert match("PATCH", "https://api.example.com/api/v2/pets/1") == ("/pets/{petId}", None)
    assert match(None, "https://api.example.com/api/v2/pets/1") == ("/pets/{petId}", None)


def test_server_variables_and_swagger2_base_path() -> None:
    oas3 = _spec(
        {"/pets": ["get"]},
        servers=[
            {
                "url": "https://{region}.example.com/{basePath}",
                "variables": {"region": {"default": "eu"}, "basePath": {"default": "v1"}},
            }
        ],
    )
    assert match("GET", "https://us.example.com/v7/pets", oas3)[1] == "GET /pets"
    swagger = _spec({"/pets": ["get"]}, basePath="/legacy/api")
    assert match("GET", "http://h/legacy/api/pets", swagger)[1] == "GET /pets"


def test_longest_base_path_wins_over_root() -> None:
    spec = _spec({"/v1/pets": ["get"], "/pets": ["get"]}, servers=[{"url": "/v1"}])
    assert match("GET", "/v1/pets", spec)[0] == "/pets"


def test_parse_url_display_and_key() -> None:
    url = parse_url("https://u:[REDACTED:password:1]@API.Example.com:443/v1/pets/42?x=1'")
    assert url.display == "https://API.Example.com:443/v1/pets/42?x=1"
    assert url.host == "api.example.com"
    assert url.key == "api.example.com/v1/pets/42"
    assert parse_url("http://h:8080/a/").key == "h:8080/a"
    assert parse_url("not a url at all").segments == ("not a url at all",)
    assert parse_url("https://[::1/x").host == ""


def test_trim_url_keeps_balanced_brackets() -> None:
    assert trim_url("https://h/p/[REDACTED:jwt:1]") == "https://h/p/[REDACTED:jwt:1]"
    assert trim_url("https://h/p/[REDACTED:jwt:1]].") == "https://h/p/[REDACTED:jwt:1]"
    assert trim_url("(see https://h/p)") == "(see https://h/p)"
    assert trim_url("https://h/p),") == "https://h/p"
