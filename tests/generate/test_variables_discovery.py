"""Path and query values as {{variables}}: stable names, defaults, and what pw-setup looks up."""

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


def _op(
    params: list[dict[str, Any]], body: Any = None, op_id: str | None = None, **extra: Any
) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": "ok"}
    if body is not None:
        ok["content"] = {"application/json": {"schema": body}}
    return {
        "get": {
            **({"operationId": op_id} if op_id else {}),
            "parameters": params,
            "responses": {"200": {**ok, **extra}},
        }
    }


def _p(name: str, where: str = "path", **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": where, "required": True, "schema": schema or {"type": "string"}}


def _spec(paths: dict[str, Any]) -> SpecDocument:
    doc = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths}
    return SpecDocument(ref="t.json", version="3.0.3", document=doc)


def _collection(spec: SpecDocument, **kw: Any) -> dict[str, Any]:
    proposals = generate(plan([], [], spec, full_spec=True), spec)
    return build_collection("t", proposals, base_url="http://127.0.0.1:9", document=spec.document, **kw)


def _names(spec: SpecDocument) -> dict[str, str]:
    table = variables.table(spec.document)
    return {f"{m.upper()} {p} {n}": v.name for (m, p, _w, n), v in table.by_param.items()}


@pytest.mark.parametrize(
    ("path", "param", "expected"),
    [
        ("/things/{id}", "id", "thing_id"),
        ("/categories/{id}", "id", "category_id"),
        ("/things/{thing_id}", "thing_id", "thing_id"),
        ("/users/{name}", "name", "user_name"),
        ("/{id}", "id", "id"),
        ("/repos/{repo-name}", "repo-name", "repo_name"),
    ],
)
def test_names_are_readable_and_derived_from_the_parameter(path: str, param: str, expected: str) -> None:
    assert _names(_spec({path: _op([_p(param)])}))[f"GET {path} {param}"] == expected


def test_one_name_per_parameter_across_operations_when_name_and_schema_agree() -> None:
    spec = _spec(
        {
            "/things/{thing_id}": _op([_p("thing_id")]),
            "/things/{thing_id}/parts": _op(
                [_p("thing_id", type="string", description="other words, same schema")]
            ),
            "/boxes/{thing_id}": _op([_p("thing_id", type="integer")]),  # same name, other schema
        }
    )
    names = _names(spec)
    assert (
        names["GET /things/{thing_id} thing_id"]
        == names["GET /things/{thing_id}/parts thing_id"]
        == "thing_id"
    )
    assert names["GET /boxes/{thing_id} thing_id"] == "thing_id_2"


@pytest.mark.parametrize("param", ["author_id", "session", "baseUrl", "apiKey", "pwFound_x", "accessToken"])
def test_a_name_that_reads_as_a_credential_or_ours_is_never_used(param: str) -> None:
    path = "/books/{" + param + "}"
    name = _names(_spec({path: _op([_p(param)])})).get(f"GET {path} {param}")
    # a credential field keeps no variable of ours; any other gets a neutral name
    assert name is None or (variables.usable_name(name) and name.lower() != param.lower())


def test_requests_carry_variables_with_example_or_seeded_defaults_never_literals() -> None:
    spec = _spec(
        {
            "/things/{id}": _op(
                [{**_p("id"), "example": "t-ex"}, _p("limit", "query", type="integer", maximum=9)]
            ),
            "/rows/{row}": _op([_p("row", type="integer", minimum=5, maximum=6)]),
        }
    )
    collection = _collection(spec)
    raws = [i["request"]["url"]["raw"] for f in collection["item"] for i in f["item"]]
    assert set(raws) == {"{{baseUrl}}/things/{{thing_id}}?limit={{limit}}", "{{baseUrl}}/rows/{{row}}"}
    values = {v["key"]: v["value"] for v in collection["variable"]}
    assert values["thing_id"] == "t-ex" and int(values["limit"]) <= 9 and values["row"] in ("5", "6")
    again = _collection(spec)
    assert again == collection  # seeded: the same collection every time


def test_collection_size_stays_linear_in_the_operations() -> None:
    def sized(n: int) -> int:
        paths = {
            f"/r{i}": _op(
                [], {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}}}}
            )
            for i in range(n)
        }
        paths |= {f"/r{i}/{{id}}": _op([_p("id")]) for i in range(n)}
        return len(json.dumps(_collection(_spec(paths))))

    small, large = sized(10), sized(40)
    assert large < small * 4.5  # setup items, guards and variables grow with the operations, no more


def test_setup_finds_ids_from_lists_and_the_policy_accepts_exactly_it() -> None:
    thing = {"type": "object", "properties": {"id": {"type": "string"}}}
    spec = _spec(
        {
            "/things": _op(
                [], {"type": "object", "properties": {"items": {"type": "array", "items": thing}}}
            ),
            "/things/{id}": _op([_p("id")], thing),
            "/orphans/{orphan_id}": _op([_p("orphan_id")]),
        }
    )
    collection = _collection(spec)
    setup = collection["item"][0]
    assert setup["name"] == discovery.SETUP_FOLDER and [i["name"] for i in setup["item"]] == [
        "GET /things (finds thing_id)"
    ]
    script = "\n".join(setup["item"][0]["event"][0]["script"]["exec"])
    assert 'pwAt(body, ["items"])' in script and 'pm.collectionVariables.set("thing_id"' in script
    assert check_collection_scripts(collection) == []
    assert all(check_item(i) == [] for i in setup["item"])


def test_links_name_the_producer_and_its_field() -> None:
    link: dict[str, Any] = {
        "links": {
            "toGadget": {
                "operationId": "getGadget",
                "parameters": {"gadget_id": "$response.body#/current/gadget"},
            }
        }
    }
    spec = _spec(
        {
            "/me": _op([], {"type": "object"}, **link),
            "/gadgets/{gadget_id}": _op([_p("gadget_id")], op_id="getGadget"),
        }
    )
    found = discovery.Discovery(spec.document).producer("gadget_id")
    assert (
        found is not None
        and found.op.path == "/me"
        and found.walk == ("current",)
        and found.field == "gadget"
    )


@pytest.mark.parametrize(
    ("field_schema", "param_schema", "found"),
    [
        ({"type": "string"}, {"type": "string"}, True),
        ({"type": "integer"}, {"type": "integer"}, True),
        ({"type": "integer"}, {"type": "string"}, True),
        ({"type": "string"}, {"type": "integer"}, False),  # a name is no number
        ({"type": "integer"}, {"type": "string", "format": "uuid"}, False),
        ({"type": "object"}, {"type": "string"}, False),
    ],
)
def test_a_listed_field_must_fit_the_parameter(field_schema: Any, param_schema: Any, found: bool) -> None:
    item = {"type": "object", "properties": {"id": field_schema}}
    spec = _spec(
        {
            "/things": _op([], {"type": "array", "items": item}),
            "/things/{id}": _op([_p("id", **param_schema)]),
        }
    )
    assert (discovery.Discovery(spec.document).producer("thing_id") is not None) is found


def test_given_values_are_defaults_marked_found_and_not_looked_up() -> None:
    thing = {"type": "object", "properties": {"id": {"type": "string"}}}
    spec = _spec(
        {"/things": _op([], {"type": "array", "items": thing}), "/things/{id}": _op([_p("id")], thing)}
    )
    collection = _collection(spec, given={"thing_id": "t-mine"})
    values = {v["key"]: v["value"] for v in collection["variable"]}
    assert values["thing_id"] == "t-mine" and values["pwFound_thing_id"] == "1"
    assert all(f["name"] != discovery.SETUP_FOLDER for f in collection["item"])


@pytest.mark.parametrize(
    ("param", "guarded"),
    [
        (_p("id"), True),
        (_p("thing_id", "query"), True),
        (_p("limit", "query", type="integer"), False),
        (_p("kind", enum=["a", "b"]), False),
        (_p("day", format="date"), False),
    ],
)
def test_only_values_that_name_objects_wait_for_discovery(param: dict[str, Any], guarded: bool) -> None:
    spec = _spec(
        {
            "/things/{id}"
            if param["in"] == "path" and param["name"] == "id"
            else f"/x/{{{param['name']}}}"
            if param["in"] == "path"
            else "/x": _op([param])
        }
    )
    items = [i for f in _collection(spec)["item"] if f["name"] != discovery.SETUP_FOLDER for i in f["item"]]
    assert items and all(bool(discovery.guarded(i)) is guarded for i in items)


@pytest.mark.parametrize(
    ("consumer", "param"),
    [("/customers/{customer_id}", _p("customer_id")), ("/invoices", _p("customer_id", "query"))],
    ids=["path", "query"],
)
def test_a_read_whose_objects_carry_the_field_is_a_producer(consumer: str, param: dict[str, Any]) -> None:
    order = {"type": "object", "properties": {"customer_id": {"type": "string"}, "id": {"type": "integer"}}}
    spec = _spec({"/orders": _op([], {"type": "array", "items": order}), consumer: _op([param])})
    found = discovery.Discovery(spec.document).producer("customer_id")
    assert found is not None and (found.op.path, found.field) == ("/orders", "customer_id")


def test_the_list_at_the_parent_path_beats_a_read_elsewhere() -> None:
    thing = {"type": "object", "properties": {"thing_id": {"type": "string"}, "id": {"type": "string"}}}
    spec = _spec(
        {
            "/a/log": _op([], {"type": "array", "items": thing}),
            "/things": _op([], {"type": "array", "items": thing}),
            "/things/{thing_id}": _op([_p("thing_id")]),
        }
    )
    found = discovery.Discovery(spec.document).producer("thing_id")
    assert found is not None and found.op.path == "/things" and found.field == "thing_id"


@pytest.mark.parametrize(
    ("path", "param", "variable"),
    [
        ("/namespaces/{namespace}", "namespace", "namespace"),
        ("/namespaces/{namespace}/pods/{name}", "name", "pod_name"),
    ],
)
def test_a_name_inside_each_listed_object_is_found(path: str, param: str, variable: str) -> None:
    listed = {
        "type": "object",
        "properties": {
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "metadata": {"type": "object", "properties": {"name": {"type": "string"}}}
                    },
                },
            }
        },
    }
    spec = _spec(
        {
            "/namespaces": _op([], listed),
            "/namespaces/{namespace}/pods": _op([_p("namespace")], listed),
            path: _op([_p("namespace"), *([_p(param)] if param != "namespace" else [])]),
        }
    )
    found = discovery.Discovery(spec.document).producer(variable)
    assert found is not None and (found.walk, found.within, found.field) == (("items",), "metadata", "name")
    collection = _collection(spec)
    assert check_collection_scripts(collection) == []
    setup = "\n".join(line for i in collection["item"][0]["item"] for line in i["event"][0]["script"]["exec"])
    assert '(t["metadata"] || {})["name"]' in setup


def test_a_name_is_not_taken_for_an_id() -> None:
    user = {"type": "object", "properties": {"name": {"type": "string"}}}
    spec = _spec(
        {"/users": _op([], {"type": "array", "items": user}), "/users/{user_id}": _op([_p("user_id")])}
    )
    assert discovery.Discovery(spec.document).producer("user_id") is None


@pytest.mark.parametrize(
    ("reader", "found"),
    [("/starred", False), ("/owners/{owner}/repos", True), ("/owners/{owner}/starred", True)],
)
def test_a_later_value_comes_only_from_a_read_under_the_earlier_ones(reader: str, found: bool) -> None:
    repo = {"type": "object", "properties": {"repo": {"type": "string"}, "owner": {"type": "string"}}}
    params = [_p("owner")] if "{owner}" in reader else []
    spec = _spec(
        {
            "/owners": _op(
                [],
                {"type": "array", "items": {"type": "object", "properties": {"owner": {"type": "string"}}}},
            ),
            reader: _op(params, {"type": "array", "items": repo}),
            "/repos/{owner}/{repo}": _op([_p("owner"), _p("repo")]),
        }
    )
    finder = discovery.Discovery(spec.document)
    assert finder.producer("owner") is not None
    assert (
        finder.producer("repo") is not None
    ) is found  # never an owner from one place, a repo from another


@pytest.mark.parametrize(
    "param",
    [
        {**_p("id"), "example": "ord-1001"},
        {**_p("id"), "examples": {"one": {"value": "ord-1001"}}},
        {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "example": "ord-1001"}},
    ],
)
def test_a_spec_example_is_a_found_value_that_discovery_may_still_replace(param: dict[str, Any]) -> None:
    thing = {"type": "object", "properties": {"id": {"type": "string"}}}
    spec = _spec({"/orders": _op([], {"type": "array", "items": thing}), "/orders/{id}": _op([param], thing)})
    collection = _collection(spec)
    values = {v["key"]: v["value"] for v in collection["variable"]}
    if "example" in param.get("schema", {}):  # a schema example is the seeded default, not the spec's value
        assert values.get("pwFound_order_id") != "1"
        return
    assert values["order_id"] == "ord-1001" and values["pwFound_order_id"] == "1"
    # the lister still runs first: a real id it finds replaces the example
    assert any(f["name"] == discovery.SETUP_FOLDER for f in collection["item"])


def test_without_an_example_an_object_id_waits_for_discovery() -> None:
    thing = {"type": "object", "properties": {"id": {"type": "string"}}}
    spec = _spec(
        {"/orders": _op([], {"type": "array", "items": thing}), "/orders/{id}": _op([_p("id")], thing)}
    )
    values = {v["key"]: v["value"] for v in _collection(spec)["variable"]}
    assert "pwFound_order_id" not in values


@pytest.mark.parametrize(
    "param", ["session_id", "sessionId", "api_key_id", "token_identifier", "secretUuid", "session-id"]
)
def test_a_path_id_whose_noun_reads_as_a_credential_is_a_variable_under_a_neutral_name(param: str) -> None:
    # Phoenix 20: /v1/agent_sessions/{session_id} went out as a bare "xxxxxxxx" (404 on a real server)
    path = "/agent_sessions/{" + param + "}"
    spec = _spec({path: _op([_p(param)])})
    name = _names(spec)[f"GET {path} {param}"]
    assert variables.usable_name(name) and "session" not in name.lower(), name
    collection = _collection(spec)
    raws = {i["request"]["url"]["raw"] for f in collection["item"] for i in f.get("item", [f])}
    assert raws == {"{{baseUrl}}/agent_sessions/{{" + name + "}}"}, raws
    assert check_collection_scripts(collection) == []


def test_two_such_ids_of_one_schema_keep_their_own_variables() -> None:
    spec = _spec(
        {
            "/agent_sessions/{session_id}": _op([_p("session_id")]),
            "/agent_sessions/{session_id}/messages": _op([_p("session_id")]),
            "/user/api_keys/{api_key_id}": _op([_p("api_key_id")]),
        }
    )
    names = _names(spec)
    # one object, one variable: the messages of a session are found with the session's id
    assert (
        names["GET /agent_sessions/{session_id}/messages session_id"]
        == names["GET /agent_sessions/{session_id} session_id"]
    )
    first, second = (
        names["GET /agent_sessions/{session_id} session_id"],
        names["GET /user/api_keys/{api_key_id} api_key_id"],
    )
    assert first != second and all(variables.usable_name(n) for n in (first, second))


@pytest.mark.parametrize(
    ("where", "param"),
    [("query", "session_id"), ("path", "token"), ("path", "session"), ("query", "api_key")],
)
def test_a_credential_that_is_not_a_path_id_keeps_no_variable(where: str, param: str) -> None:
    path = "/things/{thing_id}" if where == "query" else "/things/{" + param + "}"
    params = [_p("thing_id"), _p(param, "query")] if where == "query" else [_p(param)]
    assert f"GET {path} {param}" not in _names(_spec({path: _op(params)}))


_EXPERIMENT = {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"}}}
_PAGE = {"type": "object", "properties": {"data": {"type": "array", "items": _EXPERIMENT}}}


@pytest.mark.parametrize(
    ("paths", "producer"),
    [
        # Phoenix: /experiments/{experiment_id} has no list of its own, a dataset's has them
        (
            {"/datasets/{dataset_id}/experiments": [_p("dataset_id")]},
            "/datasets/{dataset_id}/experiments",
        ),
        # the parent's own list comes first
        (
            {"/datasets/{dataset_id}/experiments": [_p("dataset_id")], "/experiments": []},
            "/experiments",
        ),
        # another last segment lists other objects
        ({"/datasets/{dataset_id}/experiment_runs": [_p("dataset_id")]}, None),
        # the same noun under another root is another API's objects
        ({"/other/datasets/{dataset_id}/experiments": [_p("dataset_id")]}, None),
    ],
)
def test_an_object_listed_only_under_another_is_found_there(
    paths: dict[str, list[dict[str, Any]]], producer: str | None
) -> None:
    spec = _spec(
        {
            "/v1/datasets": _op(
                [], {"type": "object", "properties": {"data": {"type": "array", "items": _EXPERIMENT}}}
            ),
            **{
                "/v1" + p if not p.startswith("/other") else p: _op(params, _PAGE)
                for p, params in paths.items()
            },
            "/v1/experiments/{experiment_id}": _op([_p("experiment_id")], _EXPERIMENT),
        }
    )
    found = discovery.Discovery(spec.document).producer("experiment_id")
    assert (found.op.path if found else None) == (None if producer is None else "/v1" + producer)
    if found is not None:
        assert found.walk == ("data",) and found.field == "id"
        # the dataset whose experiments are listed is found first, in its own setup request
        steps = [g[0].op.path for g in discovery.Discovery(spec.document).plan(["experiment_id"])]
        assert steps[-1] == found.op.path and (len(steps) == 1 or steps[0] == "/v1/datasets")


def test_a_nested_list_must_sit_under_the_consumers_earlier_objects() -> None:
    spec = _spec(
        {
            "/orgs/{org}/datasets/{dataset_id}/experiments": _op([_p("org"), _p("dataset_id")], _PAGE),
            "/teams/{team}/experiments": _op([_p("team")], _PAGE),
            "/orgs/{org}/experiments/{experiment_id}": _op([_p("org"), _p("experiment_id")], _EXPERIMENT),
        }
    )
    found = discovery.Discovery(spec.document).producer("experiment_id")
    assert found is not None and found.op.path == "/orgs/{org}/datasets/{dataset_id}/experiments"
