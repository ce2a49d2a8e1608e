"""Discovery from searches (``POST /things/filter``), producers that cannot need what they find,
and lookups by a field (``/things/name/{name}``)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from agent.boundary.outbound.policy import check_collection_scripts, check_item
from agent.generate import discovery, variables
from agent.generate.deterministic import generate
from agent.generate.postman import build_collection
from agent.models import SpecDocument
from agent.plan import plan
from agent.runner.selection import Policy, select

THING = {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}}}
LIST = {"type": "array", "items": THING}


def _ok(schema: Any) -> dict[str, Any]:
    return {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}


def _get(params: list[dict[str, Any]], schema: Any = None) -> dict[str, Any]:
    return {"parameters": params, "responses": _ok(schema or {"type": "object"})}


def _post(body: Any, schema: Any, **extra: Any) -> dict[str, Any]:
    content = {"application/json": {"schema": body}}
    return {"requestBody": {"content": content}, "responses": _ok(schema), **extra}


def _p(name: str, where: str = "path", **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": where, "required": True, "schema": schema or {"type": "string"}}


def _spec(paths: dict[str, Any]) -> SpecDocument:
    doc = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths}
    return SpecDocument(ref="t.json", version="3.0.3", document=doc)


def _collection(spec: SpecDocument) -> dict[str, Any]:
    proposals = generate(plan([], [], spec, full_spec=True), spec)
    return build_collection("t", proposals, base_url="http://127.0.0.1:9", document=spec.document)


def _setup(collection: dict[str, Any]) -> list[dict[str, Any]]:
    folder = collection["item"][0]
    assert folder["name"] == discovery.SETUP_FOLDER
    return list(folder["item"])


FILTER_BODY = {
    "type": "object",
    "properties": {
        "offset": {"type": "integer", "default": 0},
        "sort": {"type": "string", "enum": ["NAME_ASC", "NAME_DESC"]},
        "things": {"type": "object", "properties": {"name": {"type": "object"}}},
        "limit": {"type": "integer"},
    },
}


@pytest.mark.parametrize(
    ("search", "body", "answer", "walk", "sent"),
    [
        ("/things/filter", FILTER_BODY, LIST, (), {"limit": 1}),  # Prefect's shape
        ("/things/search", {"type": "object"}, LIST, (), {}),  # no properties: the empty object
        (  # a page of results, page size by another name, and a required property
            "/things/paginate",
            {
                "type": "object",
                "required": ["scope"],
                "properties": {
                    "scope": {"type": "string", "enum": ["all"]},
                    "page_size": {"type": "integer", "minimum": 1, "maximum": 50},
                    "page": {"type": "integer", "minimum": 1},
                },
            },
            {"type": "object", "properties": {"results": LIST, "count": {"type": "integer"}}},
            ("results",),
            {"scope": "all", "page_size": 1},
        ),
        (  # a limit that cannot be 1 is left out
            "/things/query",
            {"type": "object", "properties": {"limit": {"type": "integer", "minimum": 10}}},
            {"type": "object", "properties": {"data": LIST}},
            ("data",),
            {},
        ),
    ],
    ids=["filter", "search", "paginate", "query"],
)
def test_a_search_post_lists_the_objects_with_the_least_body(
    search: str, body: Any, answer: Any, walk: tuple[str, ...], sent: Any
) -> None:
    spec = _spec(
        {
            "/things": {"post": _post(THING, THING)},  # creates: never a producer
            search: {"post": _post(body, answer)},
            "/things/{id}": {"get": _get([_p("id")], THING)},
        }
    )
    found = discovery.Discovery(spec.document).producer("thing_id")
    assert found is not None and found.op.key == f"POST {search}"
    assert (found.walk, found.field) == (walk, "id")
    collection = _collection(spec)
    [setup] = _setup(collection)
    request = setup["request"]
    assert request["method"] == "POST" and request["url"]["path"] == search.strip("/").split("/")
    assert json.loads(request["body"]["raw"]) == sent
    assert check_collection_scripts(collection) == [] and check_item(setup) == []
    # against a real target that allows reads only, the search runs and the create does not
    chosen = select(collection, Policy(), spec)
    assert setup["id"] in chosen.run


@pytest.mark.parametrize(
    "post",
    [
        _post(FILTER_BODY, LIST),  # "POST /things" creates
        _post(FILTER_BODY, LIST, operationId="createThing"),
        _post(FILTER_BODY, LIST, summary="Create filter"),  # makes a saved filter: not a read
    ],
    ids=["create", "create-op-id", "create-summary"],
)
def test_a_post_that_creates_is_never_a_producer(post: dict[str, Any]) -> None:
    path = "/things" if "operationId" not in post and "summary" not in post else "/things/filter"
    spec = _spec({path: {"post": post}, "/things/{id}": {"get": _get([_p("id")], THING)}})
    assert discovery.Discovery(spec.document).producer("thing_id") is None


def test_a_get_list_beats_a_search_at_the_same_path() -> None:
    spec = _spec(
        {
            "/things/filter": {"post": _post(FILTER_BODY, LIST)},
            "/things": {"get": _get([], LIST)},
            "/things/{id}": {"get": _get([_p("id")], THING)},
        }
    )
    found = discovery.Discovery(spec.document).producer("thing_id")
    assert found is not None and found.op.key == "GET /things"


@pytest.mark.parametrize("lister", ["get", "post"])
def test_a_read_that_needs_the_value_never_produces_it(lister: str) -> None:
    """``GET /run_states/?run_id=`` lists states carrying ``id``: the run's id is no state's id,
    and the read cannot be sent before the value is known (the variable is shared with
    ``/runs/{id}``, whose own parameter is a path one)."""
    state = {"type": "object", "properties": {"id": {"type": "string"}, "run_id": {"type": "string"}}}
    paths: dict[str, Any] = {
        "/runs/{id}": {"get": _get([_p("id")], THING)},
        "/run_states/": {"get": _get([_p("run_id", "query")], {"type": "array", "items": state})},
    }
    if lister == "post":
        paths["/runs/filter"] = {"post": _post(FILTER_BODY, LIST)}
    finder = discovery.Discovery(_spec(paths).document)
    found = finder.producer("run_id")
    if lister == "get":
        assert found is None
    else:
        assert found is not None and found.op.key == "POST /runs/filter"
        # the states' read waits for the run's producer, which comes first
        order = [group[0].op.key for group in finder.plan(["run_id", "run_state_id"])]
        assert order[0] == "POST /runs/filter"


def test_a_producer_whose_query_needs_a_value_runs_after_that_value_is_found() -> None:
    item = {"type": "object", "properties": {"id": {"type": "string"}, "box_id": {"type": "string"}}}
    spec = _spec(
        {
            # the query parameter comes first: the variable is its own, not a path one's
            "/items": {"get": _get([_p("box_id", "query")], {"type": "array", "items": item})},
            "/boxes": {"get": _get([], LIST)},
            "/boxes/{box_id}": {"get": _get([_p("box_id")], THING)},
            "/items/{id}": {"get": _get([_p("id")], item)},
        }
    )
    finder = discovery.Discovery(spec.document)
    order = [[p.variable for p in group] for group in finder.plan(["item_id"])]
    assert order == [["box_id"], ["item_id"]]


@pytest.mark.parametrize(
    ("path", "param", "variable"),
    [
        ("/flows/name/{name}", "name", "flow_name"),
        ("/block_types/slug/{slug}", "slug", "block_type_slug"),
        ("/limits/tag/{tag}", "tag", "tag"),
    ],
)
def test_a_lookup_by_a_field_is_named_for_its_objects_and_found_in_their_list(
    path: str, param: str, variable: str
) -> None:
    parent = path.split("/")[1]
    obj = {"type": "object", "properties": {"id": {"type": "string"}, param: {"type": "string"}}}
    spec = _spec(
        {
            f"/{parent}/filter": {"post": _post(FILTER_BODY, {"type": "array", "items": obj})},
            path: {"get": _get([_p(param)], obj)},
        }
    )
    names = {v.name for v in variables.table(spec.document).by_param.values()}
    assert variable in names
    found = discovery.Discovery(spec.document).producer(variable)
    assert found is not None and (found.op.key, found.field) == (f"POST /{parent}/filter", param)


@pytest.mark.parametrize("param", ["name", "key", "slug"])
def test_a_generic_name_is_not_taken_from_another_kind_of_object(param: str) -> None:
    log = {"type": "object", "properties": {param: {"type": "string"}}}
    spec = _spec(
        {
            "/logs/filter": {"post": _post(FILTER_BODY, {"type": "array", "items": log})},
            f"/widgets/{param}/{{{param}}}": {"get": _get([_p(param)])},
        }
    )
    assert f"widget_{param}" in {v.name for v in variables.table(spec.document).by_param.values()}
    assert discovery.Discovery(spec.document).producer(f"widget_{param}") is None
