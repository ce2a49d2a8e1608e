"""Real values for path and query variables, found at run time from the API itself.

For ``/things/{thing_id}`` a read operation that returns objects carrying the id (named by an
OpenAPI ``link``, else inferred: ``GET /things`` answering an array of objects with ``id`` or
``thing_id`` of a fitting type; else a POST that only searches them, ``POST /things/filter``,
sent with the least body its schema accepts) becomes a request in a ``pw-setup`` folder, first in the
collection, whose test script sets ``thing_id`` and ``pwFound_thing_id`` as collection
variables (as RESTler's producer–consumer inference does). Each test that needs such a value
checks the flag before it is sent and skips itself when nothing was found, no value was given
(the run's environment) and the run is not against a mock (``pwUseDefaults``).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from agent.boundary.outbound.capabilities import FORBIDDEN_PROPERTIES
from agent.generate import scripts, spec_view
from agent.generate.data import sample
from agent.generate.fits import fits
from agent.generate.requests import build_request
from agent.generate.variables import (
    DEFAULTS_FLAG,
    FOUND_PREFIX,
    GENERIC,
    SEGMENT_JS,
    ParamVariable,
    VariableTable,
    singular,
    table,
)
from agent.jsontext import pretty
from agent.models import fingerprint
from agent.plan.safety import classify
from agent.specs.document import Operation, operations, resolve

SETUP_FOLDER = "pw-setup"
SETUP_PREFIX = "pw-setup-"  # ids of the setup requests: not tests, never reported as items
MAX_DEPTH = 3  # producers of a producer's own path values, at most this deep
_SKIP_CALL = "pm.execution.skipRequest();"
_GUARDED = re.compile(r'pm\.variables\.get\("' + FOUND_PREFIX + r'([A-Za-z0-9_]+)"\)')
_ID = "id"
# Body properties that cap how many objects a search returns: a setup request asks for one.
_PAGE_SIZE = frozenset({"limit", "page_size", "pageSize", "per_page", "perPage", "size", "max_results"})


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
    """A read operation whose answer holds a value for ``variable``: the objects at ``walk``,
    their field ``field`` (inside their object ``within``, as Kubernetes' ``metadata.name``)."""

    op: Operation
    variable: str
    walk: tuple[str, ...]
    field: str
    within: str | None = None


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


def _link_producer(op: Operation, params: Any, variable: ParamVariable) -> Producer | None:
    """The producer a link's ``parameters`` name for ``variable``: ``$response.body#/pointer``."""
    expression = params.get(variable.param) if isinstance(params, dict) else None
    if not isinstance(expression, str) or not expression.startswith("$response.body#/"):
        return None
    parts = [p.replace("~1", "/").replace("~0", "~") for p in expression.split("#/", 1)[1].split("/")]
    walk = tuple(p for p in parts[:-1] if not p.isdigit())
    if parts[-1] and not parts[-1].isdigit() and _plain(*walk, parts[-1]):
        return Producer(op, variable.name, walk, parts[-1])
    return None


def _listed(op: Operation, schema: Any, variable: ParamVariable, noun: str) -> Producer | None:
    """``op`` lists the objects ``variable`` names (``GET /things`` for ``/things/{thing_id}``):
    their field of the parameter's name, else their ``id`` (their ``name`` when the parameter is
    the name or the listed noun itself, ``/namespaces/{namespace}``), of a type that fits, on
    the object or one level inside it (``metadata.name``)."""
    wanted = [variable.param, _ID] + (["name"] if variable.param in ("name", noun) else [])
    for walk, obj in _objects(schema):
        props = _properties(obj)
        for name in wanted:
            if name in props and _fits(props[name], variable.schema) and _plain(*walk, name):
                return Producer(op, variable.name, walk, name)
        for within, sub in sorted(props.items()):
            inner = _properties(sub)  # an object's properties; {} for anything else
            for name in wanted:
                if name in inner and _fits(inner[name], variable.schema) and _plain(*walk, within, name):
                    return Producer(op, variable.name, walk, name, str(within))
    return None


def lists_at(op: Operation) -> str:
    """The collection path a read lists: its own for a GET, the parent of a searching POST's last
    literal segment (``/things`` for ``POST /things/filter``)."""
    path = op.path.rstrip("/")
    if op.method == "get":
        return path
    head, _, last = path.rpartition("/")
    return head if last and not last.startswith("{") else path


def least_body(doc: dict[str, Any], op: Operation, rng: random.Random) -> Any:
    """The smallest body a search accepts: its required properties only (``{}`` when none), and
    one object where a page-size property allows it; None when the body is not a JSON object."""
    _required, media, schema = spec_view.request_body(doc, op)
    props = _properties(schema)
    if media is None or "json" not in media.lower() or not (props or _kind(schema) == "object"):
        return None
    required = schema.get("required") if isinstance(schema, dict) else None
    body = {
        str(name): sample(props[name], rng)
        for name in (required if isinstance(required, list) else [])
        if name in props
    }
    for name, sub in sorted(props.items()):
        if name in _PAGE_SIZE and isinstance(sub, dict) and _kind(sub) == "integer" and fits(1, sub):
            body[str(name)] = 1
            break
    return body


def _parents(parent: str, param: str) -> list[str]:
    """Where a list of the objects may sit: the parent path, and for a lookup by one of their
    fields (``/flows/name/{name}``, ``/tags/slug/{slug}``) the path before that field's segment."""
    head, _, last = parent.rpartition("/")
    return [parent, head] if head and last.lower() == param.lower() else [parent]


def parent_of(op: Operation, variable: ParamVariable) -> str:
    """The path before ``variable``'s segment (``/things`` for ``/things/{thing_id}``); the whole
    path for a query value."""
    marker = "{" + variable.param + "}"
    return op.path.split(marker)[0].rstrip("/") if variable.where == "path" else op.path


class Discovery:
    """Finds the producer of each variable a collection's tests wait for (indexes built once)."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.table: VariableTable = table(doc)
        # GETs, and POSTs that only search (``POST /things/filter``): both list objects
        self.reads = [
            op
            for op in operations(doc)
            if op.method == "get"
            or (op.method == "post" and classify(op.method, op.path, op.spec).safety == "read")
        ]
        self.consumers: dict[str, list[tuple[Operation, ParamVariable]]] = {}
        by_key = {(op.method, op.path): op for op in operations(doc)}
        for (method, path, where, param), var in self.table.by_param.items():
            # a variable shared by parameters of one name and schema: this consumer's own place
            own = replace(var, where=where, param=param)
            self.consumers.setdefault(var.name, []).append((by_key[(method, path)], own))
        self._paths: dict[str, list[ParamVariable]] = {}  # operation key → its path variables
        self._ins: dict[str, list[ParamVariable]] = {}  # operation key → every value it needs
        self.links: dict[str, list[tuple[Operation, Any]]] = {}  # target operationId → (producer, params)
        self.listers: dict[str, list[Operation]] = {}  # a read's path → the read
        self.fields: dict[str, list[tuple[Operation, tuple[str, ...], Any]]] = {}  # field → where listed
        self._ending: dict[str, list[str]] = {}  # a list path's last segment → the list paths
        for op in self.reads:
            at = lists_at(op)
            if at not in self.listers:
                self._ending.setdefault(at.rpartition("/")[2], []).append(at)
            self.listers.setdefault(at, []).append(op)
            response = spec_view.response(doc, op, spec_view.success_status(op))
            links = response.get("links")
            for raw in links.values() if isinstance(links, dict) else []:
                link = resolve(doc, raw)
                if isinstance(link, dict) and isinstance(link.get("operationId"), str):
                    self.links.setdefault(link["operationId"], []).append((op, link.get("parameters")))
            _, schema = spec_view.response_media(doc, op, spec_view.success_status(op))
            for walk, obj in _objects(schema):
                for field, sub in _properties(obj).items():
                    self.fields.setdefault(str(field), []).append((op, walk, sub))

    def producer(self, name: str) -> Producer | None:
        """The best read operation to take ``name``'s value from: a link, else the list at the
        path's parent, else any read whose objects carry a field of the parameter's name."""
        consumers = self.consumers.get(name) or []
        for consumer, var in consumers:
            for op, params in self.links.get(str(consumer.spec.get("operationId")), []):
                found = _link_producer(op, params, var)
                if found is not None:
                    return found
        # (how it was found, a POST after a GET, path values in its path, its path): least first
        ranked: list[tuple[int, bool, int, str, Producer]] = []
        for consumer, var in consumers:
            marker = "{" + var.param + "}"
            if var.where == "path":
                for parent in _parents(parent_of(consumer, var), var.param):
                    noun = singular(parent.rsplit("/", 1)[-1])
                    for op in self.listers.get(parent, []):
                        if name in self._needs(op):
                            continue
                        _, schema = spec_view.response_media(self.doc, op, spec_view.success_status(op))
                        found = _listed(op, schema, var, noun)
                        if found is not None:
                            ranked.append((0, op.method != "get", op.path.count("{"), op.path, found))
            # a read elsewhere must sit under the same objects as the path's earlier values, or an
            # owner found in one place and a repo in another would name an object that is not there
            before = {
                v.name
                for v in self._path_variables(consumer)
                if v.discover and "{" + v.param + "}" in parent_of(consumer, var)
            }
            if var.where == "path":
                ranked += self._nested(consumer, var, name, before)
            # a generic name (id, name, key) read elsewhere would be another kind of object's
            for op, walk, sub in self.fields.get(var.param, []) if var.param not in GENERIC else []:
                elsewhere = op.path != consumer.path and marker not in op.path and name not in self._needs(op)
                scoped = before <= {v.name for v in self._path_variables(op)}
                if elsewhere and scoped and _fits(sub, var.schema) and _plain(*walk, var.param):
                    found = Producer(op, var.name, walk, var.param)
                    ranked.append((1, op.method != "get", op.path.count("{"), op.path, found))
        return min(ranked, key=lambda r: r[:4])[4] if ranked else None

    def _nested(
        self, consumer: Operation, var: ParamVariable, name: str, before: set[str]
    ) -> list[tuple[int, bool, int, str, Producer]]:
        """Lists of the same objects under another one when their own path has none (Phoenix's
        ``/experiments/{experiment_id}`` is listed at ``/datasets/{dataset_id}/experiments``): the
        same last segment, objects carrying the parameter's name or ``id``, ranked after the
        parent's own list."""
        parent = parent_of(consumer, var)
        head, _, plural = parent.rpartition("/")
        if not plural or plural.startswith("{") or self.listers.get(parent):
            return []
        found: list[tuple[int, bool, int, str, Producer]] = []
        for path in self._ending.get(plural, []):  # not every list: 4,000 operations made this quadratic
            if path == parent or not path.startswith(head):
                continue
            for op in self.listers[path]:
                scoped = before <= {v.name for v in self._path_variables(op)}
                if name in self._needs(op) or not scoped:
                    continue
                _, schema = spec_view.response_media(self.doc, op, spec_view.success_status(op))
                listed = _listed(op, schema, var, singular(plural))
                if listed is not None:
                    found.append((1, op.method != "get", op.path.count("{"), op.path, listed))
        return found

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
            todo += [(v.name, depth + 1) for v in self._inputs(found.op) if v.discover]
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
                if all(v.name in placed or v.name not in chosen for v in self._inputs(g[0].op))
            ]
            step = ready[:1] or pending[:1]
            ordered += step
            pending.remove(step[0])
            placed.update(p.variable for p in step[0])
        return ordered

    def _path_variables(self, op: Operation) -> list[ParamVariable]:
        """The variables of ``op``'s path values (memoised: asked once per candidate producer)."""
        found = self._paths.get(op.key)
        if found is None:
            found = self._paths[op.key] = [
                replace(var, where="path", param=str(param.get("name")))
                for param in spec_view.params(self.doc, op)
                if param.get("in") == "path"
                and (var := self.table.get(op, "path", str(param.get("name")))) is not None
            ]
        return found

    def _inputs(self, op: Operation) -> list[ParamVariable]:
        """The variables ``op``'s own request needs: its path values and required query values."""
        found = self._ins.get(op.key)
        if found is None:
            found = self._ins[op.key] = list(self._path_variables(op))
            for param in spec_view.params(self.doc, op):
                var = self.table.get(op, "query", str(param.get("name")))
                if param.get("in") == "query" and param.get("required") and var is not None:
                    found.append(replace(var, where="query", param=str(param.get("name"))))
        return found

    def _needs(self, op: Operation) -> set[str]:
        """The names of ``op``'s own inputs: a producer cannot find a value it needs to be sent."""
        return {v.name for v in self._inputs(op)}

    def _encoded(self, producer: Producer) -> str:
        """The JavaScript that makes a found value one path segment, for a variable some path uses
        (in a query the encoded value means the same)."""
        in_path = any(own.where == "path" for _, own in self.consumers.get(producer.variable, []))
        return SEGMENT_JS if in_path else ""

    def setup_item(self, group: list[Producer], used: dict[str, tuple[str, bool]]) -> dict[str, Any]:
        """The ``pw-setup`` request for one producer operation and the variables it sets."""
        op = group[0].op
        rng = random.Random(f"setup:{op.key}")
        request = build_request(self.doc, op, rng, {}, spec_view.success_status(op), self.table, used)
        body = least_body(self.doc, op, rng) if op.method != "get" else None
        if body is not None and (request.get("body") or {}).get("mode") == "raw":
            request["body"]["raw"] = pretty(body, sort_keys=True, ensure_ascii=True)
        lines = [*scripts.walker(), "if (pm.response.code >= 200 && pm.response.code < 300) {"]
        lines.append("    const body = pm.response.json();")
        for index, producer in enumerate(sorted(group, key=lambda p: p.variable)):
            field, walk = scripts.literal(producer.field), scripts.literal(list(producer.walk))
            name, flag = scripts.literal(producer.variable), scripts.literal(FOUND_PREFIX + producer.variable)
            value = (
                f"(t[{scripts.literal(producer.within)}] || {{}})[{field}]"
                if producer.within
                else f"t[{field}]"
            )
            lines += [
                f"    const hit{index} = pwAt(body, {walk}).map(function (t) {{ return {value}; }})",
                '        .find(function (v) { return typeof v === "string" || typeof v === "number"; });',
                f"    if (hit{index} !== undefined) {{",
                f"        pm.collectionVariables.set({name}, String(hit{index}){self._encoded(producer)});",
                f'        pm.collectionVariables.set({flag}, "1");',
                "    }",
            ]
        lines.append("}")
        names = ", ".join(sorted(p.variable for p in group))
        return {
            # an id, so a merge into the user's file replaces it in place (verify never counts it)
            "id": SETUP_PREFIX + fingerprint(op.key, names),
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
