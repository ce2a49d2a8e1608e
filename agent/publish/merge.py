"""Merge generated Postman v2.1 items into an existing collection file (pure).

Human-written items (any item whose id does not start with ``pw-``) are never touched
or reordered. Postwright items are replaced in place by id; new ones are appended, inside
the folder of the same name when the generated collection uses folders. The existing
file's ``info``, ``_postman_id``, variables, auth and events are kept. Given the same
inputs the result is the same, key order included, so the JSON diff stays stable.

Every merge runs the script policy over the merged collection: human scripts are kept as
written and never counted as ours, but what they do outside the policy is flagged (warnings);
one of our items that the merged collection puts outside it (it sets a variable a human
request uses in its host, say) is an error.
"""

from __future__ import annotations

import copy
from typing import Any

from agent.errors import InputError
from agent.jsontext import pretty
from agent.models import Finding

PW_PREFIX = "pw-"
SETUP_FOLDER = "pw-setup"  # generate.discovery's; publish does not import the generator

Item = dict[str, Any]


def is_postwright_item(item: Item) -> bool:
    """Whether postwright owns this item (its id carries the ``pw-`` prefix)."""
    item_id = item.get("id")
    return isinstance(item_id, str) and item_id.startswith(PW_PREFIX)


def _is_folder(item: Item) -> bool:
    return isinstance(item.get("item"), list)


def _items(collection: dict[str, Any], what: str) -> list[Item]:
    """The top-level item list, checked to be a list of objects."""
    items = collection.get("item", [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise InputError(f"{what} collection is not Postman v2.1: 'item' must be a list of objects")
    return items


def _generated_leaves(items: list[Item], folders: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Item]]:
    """Every generated request item with the folder-name path it sits under."""
    out: list[tuple[tuple[str, ...], Item]] = []
    for item in items:
        if _is_folder(item):
            out.extend(_generated_leaves(item["item"], (*folders, str(item.get("name", "")))))
        else:
            out.append((folders, item))
    return out


def _replace_in_place(items: list[Item], replacements: dict[str, Item], placed: set[str]) -> list[Item]:
    """Walk the existing tree: swap postwright items by id, keep everything else as it is."""
    out: list[Item] = []
    for item in items:
        if _is_folder(item):
            folder = dict(item)
            folder["item"] = _replace_in_place(item["item"], replacements, placed)
            out.append(folder)
        elif is_postwright_item(item) and item["id"] in replacements:
            if item["id"] in placed:
                continue  # a duplicate of an item we own: keep one copy only
            out.append(copy.deepcopy(replacements[item["id"]]))
            placed.add(item["id"])
        else:
            out.append(item)
    return out


def _folder_template(generated: list[Item], path: tuple[str, ...]) -> Item:
    """The generated folder at ``path`` without its items (name, id, description...)."""
    items, folder = generated, {}
    for name in path:
        folder = next(i for i in items if _is_folder(i) and i.get("name") == name)
        items = folder["item"]
    return {k: copy.deepcopy(v) for k, v in folder.items() if k != "item"}


def _insert(items: list[Item], path: tuple[str, ...], item: Item, generated: list[Item]) -> None:
    """Append ``item`` under the folder path, creating folders (matched by name) as needed."""
    target = items
    for depth, name in enumerate(path):
        folder = next((i for i in target if _is_folder(i) and i.get("name") == name), None)
        if folder is None:
            folder = {**_folder_template(generated, path[: depth + 1]), "item": []}
            if (depth, name) == (0, SETUP_FOLDER):  # its requests find the tests' values: first
                target.insert(0, folder)
            else:
                target.append(folder)
        target = folder["item"]
    target.append(copy.deepcopy(item))


def _merge_variables(existing: list[Any], generated: list[Any]) -> list[Any]:
    """Existing variables as they are, plus generated ones whose key is new."""
    keys = {v.get("key") for v in existing if isinstance(v, dict)}
    added = [copy.deepcopy(v) for v in generated if isinstance(v, dict) and v.get("key") not in keys]
    return [*existing, *added]


def merge_collection(
    existing: dict[str, Any] | None, generated: dict[str, Any], flags: list[Finding] | None = None
) -> dict[str, Any]:
    """Merge ``generated`` into ``existing`` (``None``: no file yet) and return a new collection.

    With ``flags``, the script policy's findings for the merged collection are appended to it.
    """
    gen_items = _items(generated, "generated")
    leaves = _generated_leaves(gen_items)
    if not all(is_postwright_item(item) for _, item in leaves):
        # without our id prefix a re-publish could not find the item again and would duplicate it
        raise InputError("generated collection holds an item without a postwright id (pw-...)")
    if existing is None:
        result = copy.deepcopy(generated)
        if flags is not None:
            flags += policy_flags(result, {str(i["id"]) for _, i in leaves})
        return result
    result = copy.deepcopy(existing)
    replacements = {str(i["id"]): i for _, i in leaves}
    placed: set[str] = set()
    merged = _replace_in_place(_items(result, "existing"), replacements, placed)
    for path, item in leaves:
        if item["id"] in placed:
            continue
        _insert(merged, path, item, gen_items)
        placed.add(item["id"])
    result["item"] = merged
    gen_vars = generated.get("variable")
    if isinstance(gen_vars, list) and gen_vars:
        current = result.get("variable", [])
        result["variable"] = _merge_variables(current if isinstance(current, list) else [], gen_vars)
    if flags is not None:
        flags += policy_flags(result, {str(i["id"]) for _, i in leaves})
    return result


def policy_flags(collection: dict[str, Any], ours: set[str]) -> list[Finding]:
    """The script policy over a merged collection: warnings for scripts a person wrote (the
    collection's, folders' and items' not in ``ours``), errors for our items."""
    from agent.boundary.outbound.policy import check_collection_scripts

    out: list[Finding] = []
    for finding in check_collection_scripts(collection):
        if _owner(collection, str(finding.location or "")) in ours:
            out.append(finding)
        else:
            message = f"a human-written script (kept as written) is outside the policy: {finding.message}"
            out.append(finding.model_copy(update={"severity": "warning", "message": message}))
    return out


def _owner(collection: dict[str, Any], location: str) -> str | None:
    """The id of the item a finding's JSON-pointer location (``/item/0/item/2/event/0:…``) is in."""
    node: Any = collection
    parts = location.split("/event/", 1)[0].strip("/").split("/")
    for key, index in zip(parts[::2], parts[1::2], strict=False):
        if key != "item" or not index.isdigit() or not isinstance(node, dict):
            return None
        children = node.get("item")
        if not isinstance(children, list) or int(index) >= len(children):
            return None
        node = children[int(index)]
    item_id = node.get("id") if isinstance(node, dict) and node is not collection else None
    return item_id if isinstance(item_id, str) else None


def dump_collection(collection: dict[str, Any]) -> str:
    """The collection as file text: 2-space JSON, key order kept, trailing newline."""
    return pretty(collection) + "\n"
