"""Real values for path and query variables, found at run time from the API itself.

For ``/things/{thing_id}`` a read operation that returns objects carrying the id (named by an
OpenAPI ``link``, else inferred: ``GET /things`` answering an array of objects with ``id`` or
``thing_id`` of a fitting type) becomes a request in a ``pw-setup`` folder, first in the
collection, whose test script sets ``thing_id`` and ``pwFound_thing_id`` as collection
variables (as RESTler's producer–consumer inference does). Each test that needs such a value
checks the flag before it is sent and skips itself when nothing was found, no value was given
(the run's environment) and the run is not against a mock (``pwUseDefaults``).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from agent.boundary.outbound.capabilities import FORBIDDEN_PROPERTIES
from agent.generate import scripts, spec_view
from agent.generate.requests import build_request
from agent.generate.variables import DEFAULTS_FLAG, FOUND_PREFIX, ParamVariable, VariableTable, table
from agent.specs.document import Operation, operations, resolve

SETUP_FOLDER = "pw-setup"
MAX_DEPTH = 3  # producers of a producer's own path values, at most this deep
_SKIP_CALL = "pm.execution.skipRequest();"
_GUARDED = re.compile(r'pm\.variables\.get\("' + FOUND_PREFIX + r'([A-Za-z0-9_]+)"\)')
_ID = "id"


def guard(names: Iterable[str]) -> list[str]:
    """Pre-request lines that skip the request when a variable it needs was not found."""
    missing = [
        f"(!pm.environment.has({scripts.literal(n)})"
        f' && pm.variables.get({scripts.literal(FOUND_PREFIX + n)}) !== "1")'
        for n in sorted(set(names))
    ]
    if not missing:
        return []
    return [
        f'if (pm.variables.get({scripts.literal(DEFAULTS_FLAG)}) !== "1" && ({" || ".join(missing)})) {{',
        f"    {_SKIP_CALL}",
        "}",
    ]


def guarded(item: dict[str, Any]) -> list[str]:
    """The variables an item's guard waits for (empty: it has none)."""
    for event in item.get("event") or []:
        if isinstance(event, dict) and event.get("listen") == "prerequest":
            script = event.get("script") or {}
            source = "\n".join(str(line) for line in script.get("exec") or [])
            if _SKIP_CALL in source:
                return sorted(set(_GUARDED.findall(source)))
    return []


@dataclass(frozen=True)
class Producer:
    """A read operation whose answer holds a value for ``variable``: objects at ``walk``, field ``field``."""

    op: Operation
    variable: str
    walk: tuple[str, ...]
    field: str


def _kind(schema: Any) -> str:
    kind = schema.get("type") if isinstance(schema, dict) else None
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return str(kind) if kind else "string"


def _fits(field: Any, param: Any) -> bool:
    """Whether a response field's values can fill a parameter (as text in a URL)."""
    have, want = _kind(field), _kind(param)
    if have not in ("string", "integer", "number"):
        return False
    if have == want or (want == "number" and have == "integer"):
        return True
    shape = param if isinstance(param, dict) else {}
    return want == "string" and not (shape.get("pattern") or shape.get("format"))


def _properties(schema: Any) -> dict[str, Any]:
    """An object schema's properties, ``allOf`` members merged."""
    if not isinstance(schema, dict):
        return {}
    props = dict(schema.get("properties") or {}) if isinstance(schema.get("properties"), dict) else {}
    for part in schema.get("allOf") or []:
        props.update(_properties(part))
    return props


def _objects(
    schema: Any, walk: tuple[str, ...] = (), depth: int = 0
) -> Iterable[tuple[tuple[str, ...], Any]]:
    """(walker path, object schema) of the objects a response holds: the root, and arrays of
    objects at the root or under up to two properties."""
    if not isinstance(schema, dict) or depth > 2:
        return
    if _kind(schema) == "array" or "items" in schema:
        items = schema.get("items")
        if _properties(items):
            yield walk, items
        return
    props = _properties(schema)
    if depth == 0 and props:
        yield walk, schema
    for name, sub in props.items():
        if isinstance(sub, dict) and (_kind(sub) == "array" or "properties" in sub or "allOf" in sub):
            yield from _objects(sub, (*walk, str(name)), depth + 1)


def _plain(*names: str) -> bool:
    """Names a script may read (the policy refuses those that lead to a constructor)."""
    return not FORBIDDEN_PROPERTIES.intersection(names)


def _from_link(
    doc: dict[str, Any], op: Operation, variable: ParamVariable, targets: set[str]
) -> Producer | None:
    """A producer named by an OpenAPI link from ``op`` to an operation that uses ``variable``."""
    response = spec_view.response(doc, op, spec_view.success_status(op))
    links = response.get("links")
    for raw in links.values() if isinstance(links, dict) else []:
        link = resolve(doc, raw)
        if not isinstance(link, dict) or str(link.get("operationId")) not in targets:
            continue
        params = link.get("parameters")
        expression = params.get(variable.param) if isinstance(params, dict) else None
        if not isinstance(expression, str) or not expression.startswith("$response.body#/"):
            continue
        parts = [p.replace("~1", "/").replace("~0", "~") for p in expression.split("#/", 1)[1].split("/")]
        walk = tuple(p for p in parts[:-1] if not p.isdigit())
        if parts[-1] and not parts[-1].isdigit() and _plain(*walk, parts[-1]):
            return Producer(op, variable.name, walk, parts[-1])
    return None


def _inferred(op: Operation, schema: Any, variable: ParamVariable, collection: bool) -> Producer | None:
    """A producer inferred from field names and types: ``op`` answers objects with the id."""
    wanted = [variable.param]
    if collection:
        wanted.append(_ID)  # GET /things lists things: their id is the thing id
    for walk, obj in _objects(schema):
        props = _properties(obj)
        for name in wanted:
            if name in props and _fits(props[name], variable.schema) and _plain(*walk, name):
                return Producer(op, variable.name, walk, name)
    return None


class Discovery:
    """Finds the producer of each variable a collection's tests wait for."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.table: VariableTable = table(doc)
        self.reads = [op for op in operations(doc) if op.method == "get"]
        self.consumers: dict[str, list[tuple[Operation, ParamVariable]]] = {}
        by_key = {(op.method, op.path): op for op in operations(doc)}
        for (method, path, _where, _name), var in self.table.by_param.items():
            self.consumers.setdefault(var.name, []).append((by_key[(method, path)], var))

    def producer(self, name: str) -> Producer | None:
        """The best read operation to take ``name``'s value from, if any."""
        consumers = self.consumers.get(name) or []
        targets = {str(op.spec.get("operationId")) for op, _ in consumers if op.spec.get("operationId")}
        for op in self.reads:
            for _, var in consumers[:1]:
                found = _from_link(self.doc, op, var, targets)
                if found:
                    return found
        ranked: list[tuple[int, int, str, Producer]] = []
        for consumer, var in consumers:
            if var.where != "path":
                continue
            prefix = consumer.path.split("{" + var.param + "}")[0].rstrip("/")
            for op in self.reads:
                if op.path == consumer.path or "{" + var.param + "}" in op.path:
                    continue
                _, schema = spec_view.response_media(self.doc, op, spec_view.success_status(op))
                listing = op.path.rstrip("/") == prefix
                found = _inferred(op, schema, var, listing)
                if found is not None:
                    ranked.append((0 if listing else 1, op.path.count("{"), op.path, found))
        return min(ranked, key=lambda r: r[:3])[3] if ranked else None

    def plan(self, needed: Iterable[str], given: Iterable[str] = ()) -> list[list[Producer]]:
        """Producers for ``needed`` (and for their own path values, unless ``given``), grouped by
        operation, in an order where every producer runs after those of the values its path needs."""
        known = set(given)
        chosen: dict[str, Producer] = {}
        todo = [(n, 0) for n in sorted(set(needed))]
        while todo:
            name, depth = todo.pop(0)
            if name in chosen or name in known or depth > MAX_DEPTH:
                continue
            found = self.producer(name)
            if found is None:
                continue
            chosen[name] = found
            todo += [(v.name, depth + 1) for v in self._path_variables(found.op) if v.discover]
        groups: dict[str, list[Producer]] = {}
        for producer in chosen.values():
            groups.setdefault(producer.op.key, []).append(producer)
        ordered: list[list[Producer]] = []
        placed: set[str] = set()
        pending = sorted(groups.values(), key=lambda g: g[0].op.key)
        while pending:  # producers of a path's values first; a cycle is placed as it comes
            ready = [
                g
                for g in pending
                if all(v.name in placed or v.name not in chosen for v in self._path_variables(g[0].op))
            ]
            step = ready[:1] or pending[:1]
            ordered += step
            pending.remove(step[0])
            placed.update(p.variable for p in step[0])
        return ordered

    def _path_variables(self, op: Operation) -> list[ParamVariable]:
        out = []
        for param in spec_view.params(self.doc, op):
            var = self.table.get(op, str(param.get("in")), str(param.get("name")))
            if var is not None and var.where == "path":
                out.append(var)
        return out

    def setup_item(self, group: list[Producer], used: dict[str, tuple[str, bool]]) -> dict[str, Any]:
        """The ``pw-setup`` request for one producer operation and the variables it sets."""
        op = group[0].op
        rng = random.Random(f"setup:{op.key}")
        request = build_request(self.doc, op, rng, {}, spec_view.success_status(op), self.table, used)
        lines = [*scripts.walker(), "if (pm.response.code >= 200 && pm.response.code < 300) {"]
        lines.append("    const body = pm.response.json();")
        for index, producer in enumerate(sorted(group, key=lambda p: p.variable)):
            field, walk = scripts.literal(producer.field), scripts.literal(list(producer.walk))
            name, flag = scripts.literal(producer.variable), scripts.literal(FOUND_PREFIX + producer.variable)
            lines += [
                f"    const hit{index} = pwAt(body, {walk}).find(function (t) {{",
                f'        return typeof t[{field}] === "string" || typeof t[{field}] === "number";',
                "    });",
                f"    if (hit{index}) {{",
                f"        pm.collectionVariables.set({name}, String(hit{index}[{field}]));",
                f'        pm.collectionVariables.set({flag}, "1");',
                "    }",
            ]
        lines.append("}")
        names = ", ".join(sorted(p.variable for p in group))
        return {
            "name": f"{op.key} (finds {names})"[:240],
            "request": request,
            "response": [],
            "event": [{"listen": "test", "script": {"type": "text/javascript", "exec": lines}}],
        }


def setup_folder(
    doc: dict[str, Any],
    needed: Iterable[str],
    used: dict[str, tuple[str, bool]],
    given: Iterable[str] = (),
) -> dict[str, Any] | None:
    """The ``pw-setup`` folder that finds ``needed`` variables at run time, except those the user
    ``given`` (None: no producer)."""
    finder = Discovery(doc)
    items = [finder.setup_item(group, used) for group in finder.plan(needed, given)]
    if not items:
        return None
    return {
        "name": SETUP_FOLDER,
        "description": "Generated by postwright: read requests that find real values for the tests' "
        "path and query variables. They run first; a test whose values were not found is skipped.",
        "item": items,
    }
