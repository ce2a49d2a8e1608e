"""The script policy accepts exactly what discovery writes: pm.execution.skipRequest and the
pw-setup scripts; other members of pm.execution and writes to protected names stay refused."""

from __future__ import annotations

import pytest

from agent.boundary.outbound.policy import check_item, check_script
from agent.boundary.outbound.protected import ScriptScope
from agent.generate import discovery, scripts
from agent.generate.variables import VariableTable

ACCEPTED = {
    "guard-one": discovery.guard(["thing_id"]),
    "guard-many": discovery.guard(["thing_id", "part_id", "user_name"]),
    "skip": ["pm.execution.skipRequest();"],
}
REFUSED = {
    "next-request": ('pm.execution.setNextRequest("other");', "script-pm-api"),
    "next-null": ("pm.execution.setNextRequest(null);", "script-pm-api"),
    "location": ("const where = pm.execution.location;", "script-pm-api"),
    "alias": ("const e = pm.execution; e.skipRequest();", "script-pm-alias"),
    "computed": ('pm.execution["skipRequest"]();', "script-dynamic-member"),
    "send": ("pm.sendRequest('http://127.0.0.1:1/');", "script-send-request"),
}


@pytest.mark.parametrize("lines", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_guards_are_accepted(lines: list[str]) -> None:
    assert check_script("\n".join(lines)) == []


@pytest.mark.parametrize(("source", "code"), REFUSED.values(), ids=REFUSED.keys())
def test_the_rest_of_pm_execution_stays_refused(source: str, code: str) -> None:
    assert code in {f.code for f in check_script(source)}


def _setup_script(field: str, walk: tuple[str, ...], variable: str) -> str:
    doc = {"openapi": "3.0.3", "paths": {"/things": {"get": {"responses": {"200": {"description": "ok"}}}}}}
    finder = discovery.Discovery(doc)
    op = finder.reads[0]
    producer = discovery.Producer(op, variable, walk, field)
    item = finder.setup_item([producer], {})
    return "\n".join(item["event"][0]["script"]["exec"])


@pytest.mark.parametrize(
    ("field", "walk", "variable"),
    [("id", (), "thing_id"), ("thing_id", ("data",), "thing_id"), ("id", ("data", "items"), "part_id")],
)
def test_setup_scripts_are_accepted(field: str, walk: tuple[str, ...], variable: str) -> None:
    assert check_script(_setup_script(field, walk, variable)) == []


@pytest.mark.parametrize("variable", ["baseUrl", "tenant", "accessToken"])
def test_a_setup_script_may_not_set_a_protected_variable(variable: str) -> None:
    scope = ScriptScope(frozenset({"baseUrl", "tenant"}))  # tenant: used in a request's host
    codes = {f.code for f in check_script(_setup_script("id", (), variable), scope)}
    assert codes & {"script-protected-variable", "script-secret-variable"}


@pytest.mark.parametrize("field", ['id"); pm.sendRequest("x', "a\u2028b", "</script>", "x\\"])
def test_hostile_field_names_enter_setup_scripts_only_as_literals(field: str) -> None:
    source = _setup_script(field, (), "thing_id")
    assert scripts.literal(field) in source and check_script(source) == []


@pytest.mark.parametrize("field", ["constructor", "__proto__", "prototype"])
def test_a_field_that_leads_to_a_constructor_is_never_a_producer(field: str) -> None:
    thing = {"type": "object", "properties": {field: {"type": "string"}}}
    ok = {
        "200": {
            "description": "ok",
            "content": {"application/json": {"schema": {"type": "array", "items": thing}}},
        }
    }
    param = {"name": field, "in": "path", "required": True, "schema": {"type": "string"}}
    doc = {
        "openapi": "3.0.3",
        "paths": {
            "/things": {"get": {"responses": ok}},
            f"/things/{{{field}}}": {"get": {"parameters": [param], "responses": ok}},
        },
    }
    finder = discovery.Discovery(doc)
    assert all(finder.producer(name) is None for name in finder.consumers)


def test_a_generated_guarded_item_passes_check_item() -> None:
    doc = {
        "openapi": "3.0.3",
        "paths": {
            "/things/{id}": {
                "get": {
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
    }
    assert VariableTable(doc, 0).by_name["thing_id"].discover
    item = {
        "name": "x",
        "request": {"method": "GET", "url": {"raw": "{{baseUrl}}/things/{{thing_id}}"}},
        "event": [{"listen": "prerequest", "script": {"exec": discovery.guard(["thing_id"])}}],
    }
    assert check_item(item) == []
