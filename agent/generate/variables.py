"""Path and query values as ``{{variables}}``: one stable, readable name per parameter of a spec.

A request never carries a bare generated literal for a path or query parameter: it names a
collection variable (``/things/{id}`` → ``{{thing_id}}``) whose default is the spec's example
when it fits the schema, else a value generated from a seed. Parameters with the same name and
schema share one variable across operations; the same name with another schema gets a numbered
one (``thing_id_2``), in document order, so names are stable for a given spec.
"""

from __future__ import annotations

import random
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from agent.boundary.outbound.js import is_secret_name
from agent.boundary.outbound.request import credential_field
from agent.generate import spec_view
from agent.generate.data import param_example, param_value
from agent.models import fingerprint
from agent.specs.document import Operation, deref_schema, operations

# Names the collection itself defines (base URL, credentials) or our scripts use (pw…).
RESERVED = frozenset({"baseurl", "accesstoken", "apikey", "basicauth"})
FOUND_PREFIX = "pwFound_"  # "1" when a value was given, discovered or seen in a log
DEFAULTS_FLAG = "pwUseDefaults"  # "1" in the runner's environment against a mock: defaults are fine
# Parameter names that say nothing on their own: the path segment before them names the object.
GENERIC = frozenset({"id", "uuid", "guid", "key", "name", "slug", "code", "number", "ref", "handle"})
# Schema keys that describe rather than constrain: two parameters differing only here agree.
_DESCRIPTIVE = frozenset({"description", "example", "examples", "title", "deprecated", "x-example"})
_NOT_WORD = re.compile(r"[^A-Za-z0-9_]+")
VARIABLE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")


@dataclass(frozen=True)
class ParamVariable:
    """The variable that carries one parameter's value, and what it needs at run time."""

    name: str
    default: str
    where: str  # "path" or "query"
    param: str  # the parameter's own name
    schema: Any  # the parameter's schema, refs inlined
    discover: bool  # names an object: against a real target it must be found, not defaulted
    example: bool = False  # the default is the spec's example: found unless discovery finds better


def text(value: Any) -> str:
    """A parameter value as the text a URL carries."""
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


# A path value is one segment (OpenAPI's simple style): what would end or split it is encoded,
# so GitHub's ref "heads/main" is sent as "heads%2Fmain", never as two segments.
_SEGMENT = str.maketrans({"%": "%25", "/": "%2F", "?": "%3F", "#": "%23"})
SEGMENT_JS = '.split("%").join("%25").split("/").join("%2F").split("?").join("%3F").split("#").join("%23")'


def segment(value: str) -> str:
    """``value`` as one URL path segment (the JavaScript twin, for values found at run time:
    ``SEGMENT_JS``)."""
    return value.translate(_SEGMENT)


def usable_name(name: str) -> bool:
    """Whether a variable may carry a parameter: not a credential, ours, or a protected name."""
    return (
        bool(VARIABLE_NAME.fullmatch(name))
        and name.lower() not in RESERVED
        and not name.startswith("pw")
        and not is_secret_name(name)
        and not credential_field(name)
    )


def singular(word: str) -> str:
    """``thing`` for ``things``, ``category`` for ``categories`` (a plain English guess)."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _readable(path: str, name: str) -> str:
    """``thing_id`` for ``id`` in ``/things/{id}``; the parameter's own name when it says enough."""
    base = _NOT_WORD.sub("_", name).strip("_") or "param"
    if base.lower() not in GENERIC:
        return base if base[0].isalpha() else f"p_{base}"
    segments = path.strip("/").split("/")
    try:
        at = segments.index("{" + name + "}")
    except ValueError:
        at = len(segments)
    # "/flows/name/{name}" looks a flow up by its name: the segment naming the field is no owner
    before = [s for s in segments[:at] if s and not s.startswith("{") and s.lower() != base.lower()]
    owner = _NOT_WORD.sub("_", singular(before[-1])).strip("_").lower() if before else ""
    return f"{owner}_{base}" if owner and owner[0].isalpha() else base


def _safe(readable: str, path: str, index: int, name: str) -> str:
    """``readable``, or a neutral name when it reads as a credential or collides with ours."""
    if usable_name(readable):
        return readable
    segments = path.strip("/").split("/")
    # a path parameter's owner is the collection it indexes (/agent_sessions/{id}/messages:
    # agent_session, not message); a query parameter's the path's last literal segment
    at = segments.index("{" + name + "}") if "{" + name + "}" in segments else len(segments)
    literals = [s for s in segments[:at] if s and not s.startswith("{")]
    owner = _NOT_WORD.sub("_", singular(literals[-1])).strip("_").lower() if literals else ""
    neutral = f"{owner}_param{index}" if owner and owner[0].isalpha() else f"param{index}"
    # the last resort names the parameter, not its place: one variable for session_id in every
    # operation, and none shared with api_key_id
    return neutral if usable_name(neutral) else f"param_{fingerprint(readable)[:6]}"


def _shape(schema: Any) -> Any:
    """The constraining part of a schema (descriptions and examples dropped, recursively)."""
    if isinstance(schema, dict):
        return {k: _shape(v) for k, v in schema.items() if k not in _DESCRIPTIVE}
    if isinstance(schema, list):
        return [_shape(v) for v in schema]
    return schema


def _names_an_object(where: str, name: str, schema: Any) -> bool:
    """Whether a value must be a real object's id: path parameters and id-like query parameters,
    unless the schema lists its values or fixes their form (a date, a boolean)."""
    shape = schema if isinstance(schema, dict) else {}
    if "enum" in shape or "const" in shape or shape.get("type") == "boolean":
        return False
    if shape.get("format") in ("date", "date-time", "time", "duration"):
        return False
    if where == "path":
        return True
    snake = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()
    return bool(re.search(r"(^|[_-])(id|ids|uuid|key)$", snake))


def _object_id(where: str, name: str) -> bool:
    """A path parameter that names an object whose noun is a credential word (``session_id`` in
    ``/agent_sessions/{session_id}``, ``api_key_id``): an id, not the secret, so it gets a
    variable (under a neutral name) and is found like any other; in a query it stays a credential."""
    snake = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()
    return where == "path" and bool(re.search(r"(^|[_-])(id|uuid|identifier)$", snake))


class VariableTable:
    """Every path and query parameter of a spec → its variable (built once per document and seed)."""

    def __init__(self, doc: dict[str, Any], seed: int) -> None:
        self.doc = doc
        self.by_param: dict[tuple[str, str, str, str], ParamVariable] = {}
        self.by_name: dict[str, ParamVariable] = {}
        shapes: dict[tuple[str, str], ParamVariable] = {}  # (readable, schema digest) → variable
        taken: dict[str, int] = {}  # readable name → how many schemas use it so far
        for op in operations(doc):
            for index, param in enumerate(spec_view.params(doc, op), start=1):
                where, name = str(param.get("in")), str(param.get("name"))
                if where not in ("path", "query") or (credential_field(name) and not _object_id(where, name)):
                    continue
                schema = deref_schema(doc, param.get("schema")) if param.get("schema") else None
                readable = _safe(_readable(op.path, name), op.path, index, name)
                digest = fingerprint(_shape(schema))
                found = shapes.get((readable, digest))
                if found is None:
                    count = taken[readable] = taken.get(readable, 0) + 1
                    var = readable if count == 1 else f"{readable}_{count}"
                    rng = random.Random(f"{seed}:{var}")
                    resolved = {**param, "schema": schema} if schema else param
                    value = param_value(resolved, rng)
                    found = ParamVariable(
                        var,
                        segment(text(value)) if where == "path" else text(value),
                        where,
                        name,
                        schema,
                        _names_an_object(where, name, schema),
                        example=param_example(resolved)[0],
                    )
                    shapes[(readable, digest)] = self.by_name[var] = found
                self.by_param[(op.method, op.path, where, name)] = found

    def get(self, op: Operation, where: str, name: str) -> ParamVariable | None:
        """The variable of ``op``'s parameter, if it has one."""
        return self.by_param.get((op.method, op.path, where, name))


_TABLES: OrderedDict[tuple[int, int], VariableTable] = OrderedDict()


def table(doc: dict[str, Any], seed: int = 0) -> VariableTable:
    """The (cached) variable table of ``doc``; documents are read-only once loaded."""
    key = (id(doc), seed)
    found = _TABLES.get(key)
    if found is None or found.doc is not doc:  # the table holds doc, so its id is not reused meanwhile
        found = _TABLES[key] = VariableTable(doc, seed)
        while len(_TABLES) > 8:
            _TABLES.popitem(last=False)
    else:
        _TABLES.move_to_end(key)
    return found
