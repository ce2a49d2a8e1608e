"""Bytes → a JSON-like tree, safely: size, encoding, nesting, alias bombs and shape are bounded."""

from __future__ import annotations

import json
from typing import Any

from agent.errors import InputError

MAX_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 256
MAX_NODES = 5_000_000


def decode(data: bytes, origin: str, *, max_bytes: int = MAX_BYTES) -> str:
    """UTF-8 text of ``data``, or an InputError for oversize, binary or mis-encoded input."""
    if len(data) > max_bytes:
        raise InputError(
            f"{origin}: {len(data) / 1_048_576:.1f} MB is larger than the {max_bytes // 1_048_576} MB limit"
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data[:8192]:
        raise InputError(f"{origin}: binary data, not a YAML or JSON document")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{origin}: not valid UTF-8 (byte {exc.start})") from None


def _parse(text: str, origin: str) -> tuple[Any, bool]:
    """The parsed value and whether its parser builds unshared trees of JSON scalars."""
    stripped = text.lstrip()
    if not stripped:
        raise InputError(f"{origin}: the document is empty")
    if stripped[0] in "[{":
        try:
            return json.loads(text), True
        except RecursionError:
            raise InputError(f"{origin}: nesting deeper than {MAX_DEPTH} levels") from None
        except ValueError:
            pass  # YAML flow style is also valid; fall through
    try:
        import yaml_rs
    except ImportError:  # optional: about 25x faster than libyaml on large specs
        return _pyyaml(text, origin), False
    try:
        return yaml_rs.loads(text, parse_datetime=False), True
    except yaml_rs.YAMLDecodeError as exc:
        first = " ".join(str(exc).split())[:200]
        raise InputError(f"{origin}: not valid YAML or JSON: {first}") from None
    except RecursionError:
        raise InputError(f"{origin}: nesting deeper than {MAX_DEPTH} levels") from None


def _pyyaml(text: str, origin: str) -> Any:
    """The PyYAML (libyaml) path, used when yaml-rs is not installed."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)  # loader is a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise InputError(f"{origin}: not valid YAML or JSON{where}: {problem}") from None
    except RecursionError:  # libyaml caps nesting itself; this is a second net
        raise InputError(f"{origin}: nesting deeper than {MAX_DEPTH} levels") from None


def check_tree(tree: Any, origin: str, *, max_nodes: int = MAX_NODES) -> tuple[set[str], bool]:
    """Bound the expanded size (aliases counted each time) and depth of ``tree``.

    One pass also returns every ``$ref`` string and whether keys or scalars need converting to
    JSON types (YAML allows ``200:`` keys and dates), so callers need not walk again.
    """
    sizes: dict[int, int] = {}
    active: set[int] = set()
    refs: set[str] = set()
    unusual = False
    plain = (str, int, float, bool, type(None))

    def size(node: Any, depth: int) -> int:
        nonlocal unusual
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise InputError(f"{origin}: a YAML alias refers to itself")
        if depth > MAX_DEPTH:
            raise InputError(f"{origin}: nesting deeper than {MAX_DEPTH} levels")
        active.add(key)
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                refs.add(ref)
            if not unusual and not all(type(k) is str for k in node):
                unusual = True
            children = node.values()
        else:
            children = node
        total = 1
        for child in children:
            if isinstance(child, (dict, list)):
                total += size(child, depth + 1)
                if total > max_nodes:
                    raise InputError(
                        f"{origin}: expands to more than {max_nodes:,} nodes (a YAML alias bomb?)"
                    )
            else:
                total += 1
                if not unusual and not isinstance(child, plain):
                    unusual = True
        active.discard(key)
        sizes[key] = total
        return total

    if isinstance(tree, (dict, list)):
        size(tree, 0)
    return refs, unusual


def check_plain_tree(tree: Any, origin: str, *, max_nodes: int = MAX_NODES) -> tuple[set[str], bool]:
    """:func:`check_tree` for trees whose nodes are never shared and whose scalars are JSON types.

    json and yaml-rs (which expands aliases while parsing, under its own limits) build such
    trees, so no memo of shared nodes is needed and only keys can be unusual (``200:``). An
    iterative walk of containers only is several times faster than the general check.
    """
    refs: set[str] = set()
    unusual = False
    count = 0
    stack: list[tuple[Any, int]] = [(tree, 0)]
    pop, push = stack.pop, stack.append
    while stack:
        node, depth = pop()
        count += len(node) + 1
        if depth > MAX_DEPTH:
            raise InputError(f"{origin}: nesting deeper than {MAX_DEPTH} levels")
        if count > max_nodes:
            raise InputError(f"{origin}: expands to more than {max_nodes:,} nodes (a YAML alias bomb?)")
        if type(node) is dict:
            ref = node.get("$ref")
            if type(ref) is str:
                refs.add(ref)
            if not unusual:
                try:
                    "".join(node)  # a C-speed "are all keys str?"; YAML allows 200: and true:
                except TypeError:
                    unusual = True
            children = node.values()
        else:
            children = node
        depth += 1
        for child in children:
            if type(child) is dict or type(child) is list:
                push((child, depth))
    return refs, unusual


def parse_with_refs(data: bytes, origin: str, *, max_bytes: int = MAX_BYTES) -> tuple[Any, set[str]]:
    """Decode, parse and bound one document; also every ``$ref`` string in it."""
    tree, plain = _parse(decode(data, origin, max_bytes=max_bytes), origin)
    if isinstance(tree, (dict, list)) and plain:
        refs, unusual = check_plain_tree(tree, origin)
    else:
        refs, unusual = check_tree(tree, origin)
    return (_stringify_keys(tree) if unusual else tree), refs


def parse_document(data: bytes, origin: str, *, max_bytes: int = MAX_BYTES) -> Any:
    """Decode, parse and bound one document (any JSON value; callers check the shape)."""
    return parse_with_refs(data, origin, max_bytes=max_bytes)[0]


def _stringify_keys(node: Any) -> Any:
    """YAML allows non-string keys (200: ..., true: ...); OpenAPI wants strings."""
    memo: dict[int, Any] = {}

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            if id(value) in memo:
                return memo[id(value)]
            out: dict[str, Any] = {}
            memo[id(value)] = out
            for k, v in value.items():
                out[k if isinstance(k, str) else _key_text(k)] = walk(v)
            return out
        if isinstance(value, list):
            if id(value) in memo:
                return memo[id(value)]
            items: list[Any] = []
            memo[id(value)] = items
            items.extend(walk(v) for v in value)
            return items
        if not isinstance(value, (str, int, float, bool, type(None))):
            return str(value)  # dates and timestamps from YAML
        return value

    return walk(node)


def _key_text(key: Any) -> str:
    """How a non-string YAML key reads as a JSON key."""
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)
