"""Path values against a real server: found by the pw-setup requests, given by the user, seen in a
log; a test whose values cannot be found is skipped with a reason, never failed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agent.generate.deterministic import generate
from agent.generate.postman import build_collection
from agent.models import LogSignal, SpecDocument
from agent.plan import plan
from agent.runner.environment import Environment
from agent.runner.newman import NewmanRunner
from tests.runner.runner_helpers import LoopbackServer

THING, PART, GADGET = {"type": "string"}, {"type": "integer"}, {"type": "string"}


def _ok(body: Any) -> dict[str, Any]:
    return {"description": "ok", "content": {"application/json": {"schema": body}}}


def _get(op_id: str, params: list[dict[str, Any]], body: Any) -> dict[str, Any]:
    return {
        "get": {
            "operationId": op_id,
            "parameters": params,
            "responses": {"200": _ok(body), "404": {"description": "no"}},
        }
    }


def _path(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def things_spec(*, list_field: str = "id", wrapped: bool = False) -> SpecDocument:
    """Things (listed), their parts (listed under a thing) and gadgets (no lister at all)."""
    thing = {
        "type": "object",
        "required": [list_field],
        "properties": {list_field: THING, "name": {"type": "string"}},
    }
    listing = (
        {"type": "object", "properties": {"data": {"type": "array", "items": thing}}}
        if wrapped
        else {"type": "array", "items": thing}
    )
    part = {"type": "object", "required": ["id"], "properties": {"id": PART}}
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "Things", "version": "1"},
        "paths": {
            "/things": _get("listThings", [], listing),
            "/things/{thing_id}": _get("getThing", [_path("thing_id", THING)], thing),
            "/things/{thing_id}/parts": _get(
                "listParts", [_path("thing_id", THING)], {"type": "array", "items": part}
            ),
            "/things/{thing_id}/parts/{id}": _get(
                "getPart", [_path("thing_id", THING), _path("id", PART)], part
            ),
            "/gadgets/{gadget_id}": _get("getGadget", [_path("gadget_id", GADGET)], {"type": "object"}),
        },
    }
    return SpecDocument(ref="things.json", version="3.0.3", document=doc)


class Things:
    """A stateful little API: things with parts and gadgets, each found only under its real id."""

    def __init__(
        self, things: dict[str, list[int]], gadgets: list[str], field: str = "id", wrapped: bool = False
    ) -> None:
        self.things, self.gadgets, self.field, self.wrapped = things, gadgets, field, wrapped

    def routes(self) -> dict[str, Callable[..., tuple[int, Any]]]:
        rows = [{self.field: t, "name": f"thing {t}"} for t in self.things]
        routes: dict[str, Callable[..., tuple[int, Any]]] = {
            "/things": lambda _h: (200, {"data": rows} if self.wrapped else rows)
        }
        for thing, parts in self.things.items():
            routes[f"/things/{thing}"] = lambda _h, t=thing: (200, {self.field: t, "name": f"thing {t}"})
            routes[f"/things/{thing}/parts"] = lambda _h, p=parts: (200, [{"id": n} for n in p])
            for part in parts:
                routes[f"/things/{thing}/parts/{part}"] = lambda _h, n=part: (200, {"id": n})
        for gadget in self.gadgets:
            routes[f"/gadgets/{gadget}"] = lambda _h: (200, {})
        return routes


def _happy(spec: SpecDocument, signals: list[LogSignal] | None = None) -> list[Any]:
    intents = plan([], signals or [], spec, full_spec=True)
    return [p for p in generate(intents, spec) if p.intent.kind in ("happy-path", "regression")]


def _run(
    sandbox_dir: Path,
    server: LoopbackServer,
    spec: SpecDocument,
    *,
    given: dict[str, str] | None = None,
    environment: Environment | None = None,
    signals: list[LogSignal] | None = None,
):
    proposals = _happy(spec, signals)
    collection = build_collection("t", proposals, base_url=server.url, document=spec.document, given=given)
    runner = NewmanRunner(sandbox_dir, timeout=60, isolate="none", target=server.url, environment=environment)
    report = runner.run(collection, spec, 1)
    by_op = {p.id: p.intent.operation for p in proposals}
    outcome = {by_op[i]: (o.status, o.reasons) for i, o in report.items.items()}
    return collection, outcome


@pytest.mark.parametrize(
    ("field", "wrapped"),
    [("id", False), ("id", True), ("thing_id", False)],
    ids=["array", "wrapped", "named"],
)
def test_real_ids_are_discovered_and_a_route_without_lister_is_skipped(
    sandbox_dir: Path, serve: Callable[..., LoopbackServer], field: str, wrapped: bool
) -> None:
    spec = things_spec(list_field=field, wrapped=wrapped)
    api = Things({"t-Q7x": [3, 8]}, ["g-1"], field=field, wrapped=wrapped)
    server = serve(api.routes())
    collection, outcome = _run(sandbox_dir, server, spec)
    assert collection["item"][0]["name"] == "pw-setup"
    assert outcome["GET /things/{thing_id}"][0] == "passed"
    assert outcome["GET /things/{thing_id}/parts/{id}"][0] == "passed"  # found through the thing found first
    assert server.calls.get("/things/t-Q7x/parts/3") == 1
    status, reasons = outcome["GET /gadgets/{gadget_id}"]
    assert status == "skipped" and "gadget_id" in reasons[0] and "[variables]" in reasons[0]
    assert not any(path.startswith("/gadgets/") for path in server.calls)  # never sent


def test_an_empty_listing_skips_the_tests_that_need_a_thing(
    sandbox_dir: Path, serve: Callable[..., LoopbackServer]
) -> None:
    server = serve(Things({}, []).routes())
    _, outcome = _run(sandbox_dir, server, things_spec())
    assert outcome["GET /things"][0] == "passed"
    for operation in (
        "GET /things/{thing_id}",
        "GET /things/{thing_id}/parts/{id}",
        "GET /gadgets/{gadget_id}",
    ):
        assert outcome[operation][0] == "skipped", operation


def test_user_variables_and_the_environment_win_over_discovery(
    sandbox_dir: Path, serve: Callable[..., LoopbackServer]
) -> None:
    api = Things({"t-Listed": [1], "t-Mine": [2], "t-Env": [5]}, ["g-Mine", "g-Env"])
    server = serve(api.routes())
    given = {"thing_id": "t-Mine", "gadget_id": "g-Mine"}
    collection, outcome = _run(sandbox_dir, server, things_spec(), given=given)
    assert {s for s, _ in outcome.values()} == {"passed"}
    assert server.calls.get("/things/t-Mine") == 1 and "/things/t-Listed" not in server.calls
    assert server.calls.get("/gadgets/g-Mine") == 1
    assert not any(
        "(finds thing_id" in i["name"] for i in collection["item"][0]["item"]
    )  # given: not looked up
    # an environment file's values win over [variables] and over what setup finds
    environment = Environment({"thing_id": "t-Env", "gadget_id": "g-Env"})
    _, outcome = _run(sandbox_dir, server, things_spec(), given=given, environment=environment)
    assert {s for s, _ in outcome.values()} == {"passed"}
    assert server.calls.get("/things/t-Env") == 1 and server.calls.get("/gadgets/g-Env") == 1
    _, outcome = _run(sandbox_dir, server, things_spec(), environment=Environment({"gadget_id": "g-Env"}))
    assert outcome["GET /gadgets/{gadget_id}"][0] == "passed"
    assert server.calls.get("/things/t-Listed") == 1  # no value given for things: discovered


@pytest.mark.parametrize("gadget", ["g-FromLog", "77"])
def test_an_id_seen_in_a_log_is_used(
    sandbox_dir: Path, serve: Callable[..., LoopbackServer], gadget: str
) -> None:
    server = serve(Things({"t-1": []}, [gadget]).routes())
    signal = LogSignal(
        method="GET", url=f"https://api.example.test/gadgets/{gadget}", status=500, fingerprint="f1"
    )
    collection, outcome = _run(sandbox_dir, server, things_spec(), signals=[signal])
    assert outcome["GET /gadgets/{gadget_id}"][0] == "passed"
    values = {v["key"]: v["value"] for v in collection["variable"]}
    assert values["gadget_id"] == gadget and values["pwFound_gadget_id"] == "1"


def test_a_redacted_log_value_is_not_used(sandbox_dir: Path, serve: Callable[..., LoopbackServer]) -> None:
    server = serve(Things({"t-1": []}, []).routes())
    signal = LogSignal(method="GET", url="/gadgets/[REDACTED:github-pat:1]", status=500, fingerprint="f2")
    collection, outcome = _run(sandbox_dir, server, things_spec(), signals=[signal])
    assert "REDACTED" not in json.dumps(collection)
    assert {s for op, (s, _) in outcome.items() if op.startswith("GET /gadgets")} == {"skipped"}


def test_against_a_mock_nothing_is_skipped(sandbox_dir: Path) -> None:
    spec = things_spec()
    proposals = _happy(spec)
    collection = build_collection("t", proposals, base_url="", document=spec.document)
    report = NewmanRunner(sandbox_dir, timeout=60, isolate="none").run(collection, spec, 1)
    assert {o.status for o in report.items.values()} == {"passed"}


def test_every_batch_carries_the_setup_folder() -> None:
    from agent.runner.batches import batches

    spec = things_spec()
    collection = build_collection("t", _happy(spec), base_url="", document=spec.document)
    parts = list(batches(collection, 2))
    assert len(parts) > 1
    assert all(part["item"][0] == collection["item"][0] for part, _ in parts)
    assert sorted(i for _, ids in parts for i in ids) == sorted(p.id for p in _happy(spec))


def test_verify_cli_environment_values_reach_newman_and_never_the_collection(
    tmp_path: Path,
    serve: Callable[..., LoopbackServer],
    sandbox_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from agent.cli.main import main

    server = serve(Things({"t-Listed": [1], "t-Env": [4]}, ["g-Env"]).routes())
    spec = things_spec()
    collection = build_collection("t", _happy(spec), base_url=server.url, document=spec.document)
    path = tmp_path / "c.json"
    path.write_text(json.dumps(collection))
    token = "tok" + "".join(reversed(server.url))[:6] + str(server.port * 7919)
    env = tmp_path / "env.json"
    values = [{"key": "gadget_id", "value": "g-Env"}, {"key": "thing_id", "value": "t-Env"}]
    env.write_text(
        json.dumps({"values": [*values, {"key": "sessionToken", "value": token, "type": "secret"}]})
    )
    args = [
        "verify",
        str(path),
        "--target",
        server.url,
        "--isolate",
        "none",
        "--runs",
        "1",
        "--environment",
        str(env),
    ]
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out, _ = capsys.readouterr()
    assert exit_info.value.code in (0, None), out
    assert server.calls.get("/gadgets/g-Env") == 1 and server.calls.get("/things/t-Env") == 1
    assert token not in path.read_text() and token not in out
