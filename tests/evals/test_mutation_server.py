"""The mutation-eval server answers its spec when correct, and each mutant changes some answer."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from typing import Any

import pytest

from evals.mutation.server import MUTANTS, Api, make_handler

PROBES: list[tuple[str, str, dict[str, str], bytes | None]] = [
    ("GET", "/pets", {}, None),
    ("POST", "/pets", {"Content-Type": "application/json"}, b'{"name": "Rex", "species": "cat"}'),
    ("POST", "/pets", {}, None),
    ("POST", "/pets", {"Content-Type": "application/json"}, b'{"species": "cat"}'),
    ("GET", "/pets/7", {}, None),
    ("PATCH", "/pets/7", {"Content-Type": "application/json"}, b'{"age": 3}'),
    ("DELETE", "/pets/7", {}, None),
    ("GET", "/pets/7/vaccinations", {}, None),
    ("POST", "/orders", {"Idempotency-Key": "k" * 10}, b'{"petId": 7, "food": "wet", "quantity": 2}'),
    ("POST", "/orders", {}, b'{"petId": 7, "food": "wet", "quantity": 2}'),
    ("POST", "/orders", {"Idempotency-Key": "k" * 10}, None),
    ("GET", "/orders/ord-1001", {}, None),
    ("GET", "/search?q=rex", {}, None),
    ("GET", "/search", {}, None),
    # issue 17's kinds: an id that does not exist, schema-valid values a stricter server
    # refuses, and a logout whose effect later requests see
    ("GET", "/pets/100001", {}, None),
    ("POST", "/pets", {"Content-Type": "application/json"}, b'{"name": "Tweety", "species": "bird"}'),
    ("POST", "/orders", {"Idempotency-Key": "k" * 10}, b'{"petId": 7, "food": "wet", "quantity": 7}'),
    ("PATCH", "/pets/8", {"Content-Type": "application/json"}, b'{"age": 40}'),
    ("POST", "/session/logout", {}, None),
    ("GET", "/search?q=rex", {}, None),
]


@contextmanager
def _serve(mutant: str) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(Api(mutant)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def _answers(base: str) -> list[tuple[int, str, Any, list[str]]]:
    out = []
    for method, path, headers, body in PROBES:
        request = urllib.request.Request(base + path, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=5) as resp:
                status, raw, hdrs = resp.status, resp.read(), resp.headers
        except urllib.error.HTTPError as err:
            status, raw, hdrs = err.code, err.read(), err.headers
        names = sorted(h for h in ("X-Total-Count", "Location", "ETag") if h in hdrs)
        out.append((status, str(hdrs.get("Content-Type")), json.loads(raw) if raw else None, names))
    return out


@pytest.fixture(scope="module")
def correct() -> list[tuple[int, str, Any, list[str]]]:
    with _serve("") as base:
        return _answers(base)


def test_correct_server_answers_as_the_spec_says(correct: list[tuple[int, str, Any, list[str]]]) -> None:
    statuses = [a[0] for a in correct]
    assert statuses[:14] == [200, 201, 400, 422, 200, 200, 204, 200, 201, 400, 400, 200, 200, 400]
    assert statuses[14:] == [404, 201, 201, 200, 204, 200]
    assert correct[0][3] == ["X-Total-Count"] and correct[1][3] == ["Location"]
    assert correct[4][2]["owner"]["phone"] is None and correct[7][2][1]["dueOn"] is None


@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_every_mutant_changes_an_answer(mutant: str, correct: list[Any]) -> None:
    with _serve(mutant) as base:
        assert _answers(base) != correct


def test_unknown_mutant_is_refused() -> None:
    with pytest.raises(SystemExit):
        Api("no-such-mutant")
