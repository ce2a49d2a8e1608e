"""Selection against a real target (safety classes, allow_operations) and the seeded shuffle."""

from __future__ import annotations

from typing import Any

import pytest

from agent.generate.discovery import SETUP_FOLDER
from agent.models import SpecDocument
from agent.plan.safety import EXTENSION, MARKER, marker
from agent.runner.report import leaf_items
from agent.runner.selection import Policy, select, shuffled, without

OK = {"200": {"description": "ok"}}
SPEC = SpecDocument(
    ref="t.yaml",
    version="3.0.3",
    document={
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/things": {"get": {"responses": OK}, "post": {"operationId": "createThing", "responses": OK}},
            "/things/{id}": {
                "put": {"responses": OK},
                "delete": {"operationId": "deleteThing", "responses": OK},
            },
            "/auth/logout": {"post": {"operationId": "logout", "responses": OK}},
            "/export": {"post": {"responses": OK, EXTENSION: "read"}},
        },
    },
)


def item(
    item_id: str | None, method: str, url: Any, *variables: dict[str, str], name: str = ""
) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name or f"{method} {url}", "request": {"method": method, "url": url}}
    if item_id is not None:
        out["id"] = item_id
    if variables:
        out["variable"] = list(variables)
    return out


def collection(*items: dict[str, Any]) -> dict[str, Any]:
    return {"info": {"name": "c"}, "item": list(items)}


ITEMS = collection(
    item("list", "GET", "{{baseUrl}}/things"),
    item("make", "POST", "{{baseUrl}}/things"),
    {"name": "things", "item": [item("edit", "PUT", {"raw": "{{baseUrl}}/things/{{id}}"})]},
    item("drop", "DELETE", {"raw": "{{baseUrl}}/things/7", "path": ["things", "7"]}),
    item("bye", "POST", "{{baseUrl}}/auth/logout"),
    item("export", "POST", "{{baseUrl}}/export?x=1"),
)


@pytest.mark.parametrize("spec", [SPEC, None], ids=["with-spec", "request-only"])
def test_by_default_only_reads_run(spec: SpecDocument | None) -> None:
    chosen = select(ITEMS, Policy(), spec)
    expected_run = ["list", "export"] if spec is not None else ["list"]
    assert chosen.run == expected_run
    assert set(chosen.skipped) == {"list", "make", "edit", "drop", "bye", "export"} - set(expected_run)
    assert "create (POST /things) is not in [target] allow" in chosen.skipped["make"]
    assert "destructive" in chosen.skipped["bye"] and "allow_operations" in chosen.skipped["bye"]


def test_allowing_destructive_is_not_enough_an_operation_must_be_listed() -> None:
    everything = Policy(allow=frozenset({"read", "write", "create", "destructive"}))
    chosen = select(ITEMS, everything, SPEC)
    assert set(chosen.skipped) == {"drop", "bye"}
    listed = Policy(allow=everything.allow, allow_operations=("logout", "DELETE /things/{id}"))
    assert select(ITEMS, listed, SPEC).skipped == {}


@pytest.mark.parametrize(
    ("listed", "runs"),
    [
        (("logout",), {"bye"}),  # operationId: needs the spec
        (("POST /auth/logout",), {"bye"}),
        (("post  /auth/logout/",), {"bye"}),  # case, spacing and a trailing slash do not matter
        (("DELETE /things/{thing}",), {"drop"}),  # any parameter name stands for the segment
        (("DELETE /things/7",), set()),  # one object's path does not name the operation
        (("DELETE /things",), set()),
        (("deleteThing", "logout"), {"drop", "bye"}),
    ],
)
def test_allow_operations_names_destructive_operations(listed: tuple[str, ...], runs: set[str]) -> None:
    chosen = select(ITEMS, Policy(allow_operations=listed), SPEC)
    assert {i for i in chosen.run if i in ("drop", "bye")} == runs


def test_without_the_spec_operation_ids_cannot_be_told_but_paths_can() -> None:
    assert "bye" in select(ITEMS, Policy(allow_operations=("logout",)), None).skipped
    assert "bye" in select(ITEMS, Policy(allow_operations=("POST /auth/logout",)), None).run


def test_the_spec_outranks_a_marker_written_down() -> None:
    lying = collection(item("bye", "POST", "{{baseUrl}}/auth/logout", {"key": MARKER, "value": "read"}))
    chosen = select(lying, Policy(), SPEC)
    assert chosen.classes == {"bye": "destructive"} and chosen.run == []
    assert [n.code for n in chosen.notices] == ["safety-mismatch"]
    # on a file alone the person's marker is theirs: it is what they chose
    assert select(lying, Policy(), None).run == ["bye"]


@pytest.mark.parametrize(
    ("method", "url", "name"),
    [
        ("GET", "{{baseUrl}}/logout", ""),
        ("GET", "{{baseUrl}}/api/shutdown?now=1", ""),
        ("POST", {"raw": "{{baseUrl}}/session", "path": ["session"]}, "Log out"),
        ("DELETE", "{{baseUrl}}/anything", ""),
        ("POST", "https://example.test/api/users/9/revoke", ""),
        ("PUT", "{{baseUrl}}/workflows/{{id}}/disable", ""),
    ],
)
def test_a_persons_item_is_judged_from_its_request(method: str, url: Any, name: str) -> None:
    chosen = select(
        collection(item("x", method, url, name=name)), Policy(allow=frozenset({"read", "create", "write"}))
    )
    assert chosen.classes == {"x": "destructive"} and "x" in chosen.skipped


def test_a_marker_without_a_spec_decides_and_an_invalid_one_is_ignored() -> None:
    marked = collection(
        item("a", "POST", "{{baseUrl}}/graphql", marker("read")),
        item("b", "GET", "{{baseUrl}}/things", {"key": MARKER, "value": "harmless"}),
    )
    assert select(marked, Policy()).classes == {"a": "read", "b": "read"}


def test_items_without_an_id_are_selected_and_removed_by_pointer() -> None:
    mixed = collection(
        item(None, "GET", "{{baseUrl}}/things"), {"name": "f", "item": [item(None, "DELETE", "/x")]}
    )
    chosen = select(mixed, Policy())
    assert chosen.run == ["/item/0"] and list(chosen.skipped) == ["/item/1/item/0"]
    kept = without(mixed, set(chosen.skipped))
    assert kept["item"] == [mixed["item"][0]]  # the emptied folder went too


def test_without_keeps_everything_else() -> None:
    kept = without({**ITEMS, "variable": [{"key": "baseUrl"}], "event": []}, {"edit", "bye"})
    assert [i for i, _ in leaf_items(kept)] == ["list", "make", "drop", "export"]
    assert kept["variable"] == [{"key": "baseUrl"}] and kept["event"] == []


def _big() -> dict[str, Any]:
    folder_a = {"name": "a", "auth": {"type": "noauth"}, "event": [{"listen": "prerequest"}], "item": []}
    folder_a["item"] = [item(f"a{i}", "GET", f"/a/{i}") for i in range(5)]
    nested = {
        "name": "b",
        "item": [item("b0", "GET", "/b"), {"name": "c", "item": [item("c0", "GET", "/c")]}],
    }
    setup = {"name": SETUP_FOLDER, "item": [item("s0", "GET", "/things"), item("s1", "GET", "/things")]}
    return collection(setup, folder_a, nested, item("top", "GET", "/top"))


def _placement(coll: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """item id -> names of its folders, from the top."""
    out: dict[str, tuple[str, ...]] = {}

    def walk(nodes: list[Any], chain: tuple[str, ...]) -> None:
        for node in nodes:
            if "item" in node:
                walk(node["item"], (*chain, node["name"]))
            else:
                out[node["id"]] = chain

    walk(coll["item"], ())
    return out


def test_a_shuffle_is_a_seeded_permutation_that_keeps_folders_and_setup_first() -> None:
    original = _big()
    ids = [i for i, _ in leaf_items(original)]
    orders = set()
    for seed in range(6):
        mixed = shuffled(original, seed)
        order = [i for i, _ in leaf_items(mixed)]
        assert sorted(order) == sorted(ids)
        assert order[:2] == ["s0", "s1"]  # setup first, in its own order
        assert _placement(mixed) == _placement(original)  # each item still inside its folders
        for node in mixed["item"]:
            if node["name"] == "a":  # a folder copy keeps its scripts and auth
                assert node["auth"] == {"type": "noauth"} and node["event"] == [{"listen": "prerequest"}]
        assert shuffled(original, seed) == mixed  # the seed decides
        orders.add(tuple(order))
    assert len(orders) >= 5
    assert original == _big()  # the input is not touched
