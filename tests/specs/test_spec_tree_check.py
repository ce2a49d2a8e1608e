"""The fast tree check for unshared parser output agrees with the general one."""

from __future__ import annotations

import pytest

from agent.errors import InputError
from agent.specs.parse import MAX_DEPTH, check_plain_tree, check_tree, parse_with_refs


def test_plain_and_general_checks_agree_on_refs_and_unusual_keys() -> None:
    tree = {
        "paths": {"/a": {"get": {"responses": {200: {"$ref": "#/components/responses/Ok"}}}}},
        "x": [{"$ref": "b.yaml"}],
    }
    assert (
        check_plain_tree(tree, "t")
        == check_tree(tree, "t")
        == ({"#/components/responses/Ok", "b.yaml"}, True)
    )
    assert check_plain_tree({"a": [1, "b", None]}, "t") == (set(), False)


def test_integer_status_keys_become_strings() -> None:
    doc, refs = parse_with_refs(b"responses:\n  200:\n    description: ok\n", "t")
    assert doc == {"responses": {"200": {"description": "ok"}}} and refs == set()


def test_plain_check_bounds_depth_and_size() -> None:
    deep: dict[str, object] = {}
    node = deep
    for _ in range(MAX_DEPTH + 5):
        node["a"] = {}
        node = node["a"]  # type: ignore[assignment]
    with pytest.raises(InputError, match="nesting deeper"):
        check_plain_tree(deep, "t")
    with pytest.raises(InputError, match="more than 10 nodes"):
        check_plain_tree({"a": list(range(20))}, "t", max_nodes=10)
