"""merge_collection: human items kept, postwright items replaced by id, stable output."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from agent.errors import InputError
from agent.publish import dump_collection, merge_collection


def _req(item_id: str, name: str, version: int = 1) -> dict[str, Any]:
    return {"id": item_id, "name": name, "request": {"method": "GET", "url": f"{{{{baseUrl}}}}/v{version}"}}


@pytest.fixture
def existing(examples_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (examples_dir / "collections" / "petstore.postman_collection.json").read_text()
    )
    data["item"] += [
        _req("pw-old", "postwright old test"),
        {"name": "Pets", "item": [_req("human-2", "list pets by hand"), _req("pw-inner", "inner v1")]},
        _req("human-3", "a later human test"),
    ]
    return data


def _gen(*items: dict[str, Any], variable: list[Any] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"info": {"name": "generated", "_postman_id": "gen-id"}, "item": list(items)}
    if variable is not None:
        out["variable"] = variable
    return out


def test_human_items_kept_and_postwright_items_replaced_in_place(existing: dict[str, Any]) -> None:
    before = copy.deepcopy(existing)
    generated = _gen(
        _req("pw-old", "postwright old test", 2), _req("pw-inner", "inner v2", 2), _req("pw-new", "new")
    )
    merged = merge_collection(existing, generated)
    assert existing == before  # pure: the input is not modified
    assert merged["info"] == existing["info"] and merged["variable"] == existing["variable"]
    top = [(i.get("id"), i["name"]) for i in merged["item"]]
    assert top == [
        ("human-get-pet", "Get a pet (written by a human)"),
        ("pw-old", "postwright old test"),
        (None, "Pets"),
        ("human-3", "a later human test"),
        ("pw-new", "new"),
    ]
    assert merged["item"][0] == existing["item"][0]
    assert merged["item"][1]["request"]["url"].endswith("/v2")
    assert [i["name"] for i in merged["item"][2]["item"]] == ["list pets by hand", "inner v2"]


def test_new_items_go_into_folders_matched_by_name(existing: dict[str, Any]) -> None:
    generated = _gen(
        {"name": "Pets", "id": "pw-folder-pets", "item": [_req("pw-a", "a")]},
        {"name": "Orders", "id": "pw-folder-orders", "description": "orders", "item": [_req("pw-b", "b")]},
    )
    merged = merge_collection(existing, generated)
    pets = next(i for i in merged["item"] if i["name"] == "Pets")
    assert [i["id"] for i in pets["item"]] == ["human-2", "pw-inner", "pw-a"]
    assert "id" not in pets  # the human's folder keeps its own fields
    orders = merged["item"][-1]
    assert orders == {
        "name": "Orders",
        "id": "pw-folder-orders",
        "description": "orders",
        "item": [_req("pw-b", "b")],
    }


def test_merge_is_idempotent_and_deterministic(existing: dict[str, Any]) -> None:
    generated = _gen({"name": "Pets", "item": [_req("pw-a", "a")]}, _req("pw-new", "new"))
    once = merge_collection(existing, generated)
    twice = merge_collection(once, generated)
    assert (
        dump_collection(once)
        == dump_collection(twice)
        == dump_collection(merge_collection(existing, generated))
    )
    assert dump_collection(once).endswith("}\n")


def test_variables_kept_and_missing_ones_added(existing: dict[str, Any]) -> None:
    gen_vars = [{"key": "baseUrl", "value": "http://127.0.0.1:1"}, {"key": "petId", "value": "1"}]
    merged = merge_collection(existing, _gen(_req("pw-a", "a"), variable=gen_vars))
    assert merged["variable"] == [*existing["variable"], {"key": "petId", "value": "1"}]


def test_no_existing_file_and_bad_inputs() -> None:
    generated = _gen(_req("pw-a", "a"))
    assert merge_collection(None, generated) == generated
    with pytest.raises(InputError):
        merge_collection(None, _gen(_req("human-x", "not ours")))
    with pytest.raises(InputError):
        merge_collection({"info": {}, "item": "nope"}, generated)


def test_duplicate_postwright_ids_collapse_to_one(existing: dict[str, Any]) -> None:
    existing["item"].append(_req("pw-old", "stray duplicate"))
    merged = merge_collection(existing, _gen(_req("pw-old", "fresh")))
    ids = [i.get("id") for i in merged["item"]]
    assert ids.count("pw-old") == 1


def _scripted(item_id: str, *lines: str, url: str = "{{baseUrl}}/pets") -> dict[str, Any]:
    item: dict[str, Any] = {"id": item_id, "name": item_id, "request": {"method": "GET", "url": url}}
    item["event"] = [{"listen": "test", "script": {"type": "text/javascript", "exec": list(lines)}}]
    return item


HUMAN_TRICKS = [
    "pm.sendRequest('https://collector.example.net/x');",
    "pm.collectionVariables.set('baseUrl', 'http:/' + '/127.0.0.2');",
    "pm.test(JSON.stringify(pm.request.headers.toObject()), () => {});",
    "(function () { return this; })().eval('1');",
]


@pytest.mark.parametrize("trick", HUMAN_TRICKS)
def test_human_scripts_outside_the_policy_are_kept_and_flagged(existing: dict[str, Any], trick: str) -> None:
    # A human item may even carry a pw- id: if we did not generate it, it is not ours.
    existing["item"] += [_scripted("human-x", trick), {"name": "F", "item": [_scripted("pw-stale", trick)]}]
    flags: list[Any] = []
    merged = merge_collection(existing, _gen(_scripted("pw-new", "pm.test('ok', () => {});")), flags)
    assert merged["item"][-3] == existing["item"][-2]  # kept exactly as written
    assert flags and all(f.severity == "warning" and "human-written" in f.message for f in flags)
    pointers = {str(f.location).split("/event/")[0] for f in flags}
    assert pointers == {f"/item/{len(existing['item']) - 2}", f"/item/{len(existing['item']) - 1}/item/0"}


def test_our_item_that_sets_a_variable_a_human_request_uses_in_its_host_is_an_error(
    existing: dict[str, Any],
) -> None:
    existing["item"].append(
        _scripted("human-y", "pm.test('x', () => {});", url="https://{{region}}.api.example/p")
    )
    ours = _scripted("pw-set", "pm.collectionVariables.set('region', pm.response.json().region);")
    flags: list[Any] = []
    merge_collection(existing, _gen(ours), flags)
    assert [(f.severity, f.code) for f in flags] == [("error", "script-protected-variable")]
    clean: list[Any] = []
    merge_collection(None, _gen(ours), clean)
    assert clean == []
