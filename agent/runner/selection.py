"""Which items of a collection may run against a real target, and in which order (pure).

Against a real target only the safety classes ``[target] allow`` names run; a destructive item
runs only when its operation is listed in ``[target] allow_operations`` (by operationId or
"METHOD /path"), even if ``destructive`` is allowed. An item's class comes from the spec when
one is given (the marker a person or a model wrote cannot lower it), else from its ``pwSafety``
marker (a person's collection is theirs), else from its request (method, path, name) by the
same rules. ``shuffled`` reorders the items with a seed to prove their results do not depend
on order; a ``pw-setup`` folder stays first.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from agent.generate.discovery import SETUP_FOLDER
from agent.models import SAFETY_CLASSES, Finding, Safety, SpecDocument
from agent.plan.safety import NOT_RUN, classify, marked
from agent.specs.document import Operation, path_index
from agent.urls import split_url

MAX_NOTICES = 20


@dataclass(frozen=True)
class Policy:
    """What may run against a real target (``[target]``); a mock runs everything."""

    allow: frozenset[str] = frozenset({"read"})
    allow_operations: tuple[str, ...] = ()


@dataclass
class Selection:
    """The ids that run, the ones left out (id → reason) and what the selection noticed."""

    run: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    classes: dict[str, Safety] = field(default_factory=dict)
    notices: list[Finding] = field(default_factory=list)


@dataclass(frozen=True)
class _Judged:
    safety: Safety
    key: str  # "METHOD /template" (spec) or "METHOD /path" (request)
    operation_id: str | None = None


def select(collection: dict[str, Any], policy: Policy, spec: SpecDocument | None = None) -> Selection:
    """Split the request items of ``collection`` into those ``policy`` lets run and the rest."""
    out = Selection()
    mismatched: list[str] = []
    for pointer, item in _leaves(collection.get("item") or []):
        item_id = _identity(item, pointer)
        judged = _judge(item, spec, mismatched, item_id)
        out.classes[item_id] = judged.safety
        reason = _refusal(judged, policy)
        if reason is None:
            out.run.append(item_id)
        else:
            out.skipped[item_id] = reason
    if mismatched:
        shown = ", ".join(mismatched[:MAX_NOTICES]) + (" …" if len(mismatched) > MAX_NOTICES else "")
        out.notices.append(
            Finding(
                severity="warning",
                code="safety-mismatch",
                message=f"{len(mismatched)} item(s) marked with another safety class than the spec "
                f"gives their operation; the spec's class was used: {shown}",
            )
        )
    return out


def _refusal(judged: _Judged, policy: Policy) -> str | None:
    """Why an item of this class may not run against the target (None: it may)."""
    listed = _listed(judged, policy.allow_operations)
    if judged.safety == "destructive":
        if listed:
            return None
        return f"{NOT_RUN}: destructive ({judged.key}); list it in [target] allow_operations to run it"
    if judged.safety in policy.allow or listed:
        return None
    return f"{NOT_RUN}: {judged.safety} ({judged.key}) is not in [target] allow"


def _listed(judged: _Judged, allowed: Sequence[str]) -> bool:
    method, _, path = judged.key.partition(" ")
    for entry in allowed:
        want_method, space, want_path = entry.strip().partition(" ")
        if not space:
            if judged.operation_id is not None and entry.strip() == judged.operation_id:
                return True
            continue
        if want_method.upper() == method and _same_path(want_path.strip(), path):
            return True
    return False


def _same_path(template: str, path: str) -> bool:
    """``template`` names ``path``: equal, or each ``{param}`` standing for any one segment."""
    want, got = template.strip("/").split("/"), path.strip("/").split("/")
    return len(want) == len(got) and all(w == g or w.startswith("{") for w, g in zip(want, got, strict=True))


def _judge(item: dict[str, Any], spec: SpecDocument | None, mismatched: list[str], item_id: str) -> _Judged:
    method, segments = _request(item)
    written = marked(item)
    op = _operation(spec, method, segments) if spec is not None else None
    if op is not None:
        verdict = classify(op.method, op.path, op.spec)
        if written is not None and written != verdict.safety:
            mismatched.append(item_id)
        op_id = op.spec.get("operationId")
        return _Judged(verdict.safety, op.key, op_id if isinstance(op_id, str) else None)
    path = "/" + "/".join(_template(s) for s in segments)
    key = f"{method.upper()} {path}"
    chosen = next((c for c in SAFETY_CLASSES if c == written), None)
    if chosen is not None:
        return _Judged(chosen, key)
    name = item.get("name")
    verdict = classify(method, path, {"summary": name} if isinstance(name, str) else None)
    return _Judged(verdict.safety, key)


def _template(segment: str) -> str:
    """A ``{{variable}}`` segment reads as a template parameter."""
    return "{" + segment[2:-2] + "}" if segment.startswith("{{") and segment.endswith("}}") else segment


def _operation(spec: SpecDocument, method: str, segments: list[str]) -> Operation | None:
    index = path_index(spec.document)
    template = index.match(segments, method)
    return index.get(method, template) if template is not None else None


def _request(item: dict[str, Any]) -> tuple[str, list[str]]:
    """The item's method (lower case) and decoded path segments after ``{{baseUrl}}``."""
    request = item.get("request")
    if isinstance(request, str):
        return "get", _segments(request)
    if not isinstance(request, dict):
        return "get", []
    method = str(request.get("method") or "GET").lower()
    url = request.get("url")
    if isinstance(url, dict) and isinstance(url.get("path"), list):
        parts = [p if isinstance(p, str) else str((p or {}).get("value", "")) for p in url["path"]]
        return method, [unquote(p) for p in parts if p]
    raw = url.get("raw", "") if isinstance(url, dict) else str(url or "")
    return method, _segments(raw)


def _segments(raw: str) -> list[str]:
    rest = raw.split("}}", 1)[1] if raw.startswith("{{") else raw
    rest = split_url(rest).path if "://" in rest else rest.split("?", 1)[0].split("#", 1)[0]
    return [unquote(p) for p in rest.strip("/").split("/") if p]


def _identity(item: dict[str, Any], pointer: str) -> str:
    """An item's id, or its JSON pointer when it has none (a person's item may lack one)."""
    found = item.get("id")
    return found if isinstance(found, str) else pointer


def _leaves(items: list[Any], where: str = "/item") -> Iterator[tuple[str, dict[str, Any]]]:
    for i, node in enumerate(items):
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("item"), list):
            yield from _leaves(node["item"], f"{where}/{i}/item")
        else:
            yield f"{where}/{i}", node


def without(collection: dict[str, Any], skipped: set[str]) -> dict[str, Any]:
    """``collection`` less the request items in ``skipped`` (by id, else JSON pointer); empty
    folders go too."""

    def prune(items: list[Any], where: str) -> list[Any]:
        out: list[Any] = []
        for i, node in enumerate(items):
            if not isinstance(node, dict):
                continue
            pointer = f"{where}/{i}"
            if isinstance(node.get("item"), list):
                children = prune(node["item"], f"{pointer}/item")
                if children:
                    out.append({**node, "item": children})
            elif _identity(node, pointer) not in skipped:
                out.append(node)
        return out

    return {**collection, "item": prune(collection.get("item") or [], "/item")}


def shuffled(collection: dict[str, Any], seed: int) -> dict[str, Any]:
    """The request items in an order drawn from ``seed``, each inside copies of its folders (so
    folder scripts and auth still apply); a top-level ``pw-setup`` folder stays first."""
    items = [n for n in collection.get("item") or [] if isinstance(n, dict)]
    setup = [n for n in items if n.get("name") == SETUP_FOLDER and isinstance(n.get("item"), list)]
    placed = list(_chains([n for n in items if not any(n is s for s in setup)], ()))
    random.Random(seed).shuffle(placed)
    return {**collection, "item": [*setup, *_nest(placed)]}


_Placed = tuple[tuple[dict[str, Any], ...], dict[str, Any]]  # (folders from the top, request item)


def _chains(items: list[Any], folders: tuple[dict[str, Any], ...]) -> Iterator[_Placed]:
    for node in items:
        if not isinstance(node, dict):
            continue
        if isinstance(node.get("item"), list):
            yield from _chains(node["item"], (*folders, node))
        else:
            yield folders, node


def _nest(placed: list[_Placed]) -> list[dict[str, Any]]:
    """The items in order, each in a copy of its folders; neighbours in one folder share a copy."""
    out: list[dict[str, Any]] = []
    i = 0
    while i < len(placed):
        folders, leaf = placed[i]
        if not folders:
            out.append(leaf)
            i += 1
            continue
        j = i + 1
        while j < len(placed) and placed[j][0][:1] and placed[j][0][0] is folders[0]:
            j += 1
        out.append({**folders[0], "item": _nest([(f[1:], leaf) for f, leaf in placed[i:j]])})
        i = j
    return out
