"""What a Postman item may contain: the request side and its scripts.

``check_script`` parses the JavaScript (esprima2) and accepts only what the allow-list in
``capabilities`` names (see ``checker``); ``check_item`` checks the request
(``{{baseUrl}}``, credentials only as ``{{variables}}``, no host in its data) and every script
of an item or folder; ``check_collection_scripts`` checks every script of a collection with
the variables its requests protect. All return findings (data); an ``error`` means refused.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from agent.boundary.outbound import js, literals
from agent.boundary.outbound.checker import ScriptChecker
from agent.boundary.outbound.protected import ScriptScope, scope_of
from agent.boundary.outbound.request import Declared, check_names, check_request
from agent.models import Finding

Node = js.Node
MAX_SCRIPT_CHARS = 100_000
_MEMO_CHARS = 20_000  # longer skeletons are rare and would make the memo heavy
DEFAULT_SCOPE = ScriptScope()


def _finding(code: str, message: str, where: str, node: Node | None = None) -> Finding:
    location = where
    if node is not None and "loc" in node:
        start = node["loc"]["start"]
        location = f"{where}:{start['line']}:{start['column'] + 1}"
    return Finding(severity="error", code=code, message=message, location=location)


def check_script(
    source: str,
    scope: ScriptScope | None = None,
    *,
    secret_names: Sequence[str] = (),
    where: str = "script",
) -> list[Finding]:
    """Findings for one Postman script (empty list: allowed).

    ``scope`` names the variables the script may not set or read (``protected.scope_of``
    of the item or collection around it); without one only ``baseUrl`` is protected.
    """
    if len(source) > MAX_SCRIPT_CHARS:
        return [
            _finding("script-too-large", f"scripts over {MAX_SCRIPT_CHARS} characters are refused", where)
        ]
    scope = (scope or DEFAULT_SCOPE).with_secrets(secret_names) if secret_names else scope or DEFAULT_SCOPE
    # Generated scripts repeat (a suite has few shapes of script), so skeletons are memoised.
    skeleton, lifted = literals.lift(source)
    spans = tuple((item.name, *item.skeleton_span) for item in lifted)
    check = _skeleton_problems if len(skeleton) <= _MEMO_CHARS else _skeleton_problems.__wrapped__
    found = check(skeleton, spans, scope)
    if found is not None:
        return _located(source, lifted, found, scope, where)
    tree = _parse(source)
    if isinstance(tree, Finding):
        return [tree.model_copy(update={"location": where})]
    problems = ScriptChecker(scope, source).run(tree)
    return [_finding(code, message, where, node) for code, message, node in problems]


def _parse(source: str, *, loc: bool = True) -> Node | Finding:
    """The ESTree of ``source``, or the finding that says why there is none.

    Without ``loc`` nodes have ranges only (a skeleton's findings are offsets): esprima then
    makes a third of the objects, and the parse costs about half as much.
    """
    import esprima  # esprima2: pure Python, ES2022; imported here to keep the CLI start fast

    try:
        tree: Node = esprima.parseScript(source, {"range": True, "loc": loc}).toDict()
    except RecursionError:
        return _finding("script-too-complex", "the script nests too deeply to check", "")
    except Exception as exc:  # noqa: BLE001 - esprima raises its own Error type for syntax errors
        first = " ".join(str(exc).split())[:120]
        return _finding("script-syntax", f"not valid JavaScript: {first}", "")
    return tree


@lru_cache(maxsize=4096)
def _skeleton_problems(
    skeleton: str, spans: tuple[tuple[str, int, int], ...], scope: ScriptScope
) -> tuple[tuple[str, str, int], ...] | None:
    """(code, message, skeleton offset) of a skeleton's problems; None: parse the original instead."""
    tree = _parse(skeleton, loc=False)
    if isinstance(tree, Finding):
        return None  # the original's own parse reports the error, with its own wording
    if not literals.placeholders_in_slots(tree, spans):
        return None
    placeholders = frozenset(name for name, _, _ in spans)
    problems = ScriptChecker(scope, skeleton, placeholders).run(tree)
    return tuple((code, message, int(node["range"][0])) for code, message, node in problems)


def _located(
    source: str,
    lifted: list[literals.Lifted],
    found: tuple[tuple[str, str, int], ...],
    scope: ScriptScope,
    where: str,
) -> list[Finding]:
    """Skeleton problems moved back to the original's positions, plus the lifted literals' own."""
    problems = [(code, message, literals.to_original(offset, lifted)) for code, message, offset in found]
    checker = ScriptChecker(scope, source)
    for item in lifted:
        start, end = item.original_span
        for value, count in Counter(literals.strings(source[start:end])).items():
            checker.problems = []
            checker.text(value, {})
            problems += [(code, message, start) for code, message, _ in checker.problems] * count
    if not problems:
        return []
    lines = literals.LineMap(source)
    out = []
    for code, message, offset in sorted(problems, key=lambda p: p[2]):
        line, column = lines.position(offset)
        out.append(
            Finding(severity="error", code=code, message=message, location=f"{where}:{line}:{column + 1}")
        )
    return out


def script_source(event: Any) -> str:
    """The source of a Postman event's script (``exec`` lines joined)."""
    script = event.get("script") if isinstance(event, dict) else None
    exec_ = script.get("exec") if isinstance(script, dict) else None
    if isinstance(exec_, list):
        return "\n".join(str(line) for line in exec_)
    return str(exec_) if exec_ is not None else ""


def check_events(node: dict[str, Any], scope: ScriptScope, where: str) -> list[Finding]:
    """Findings for the scripts of one item, folder or collection (not its children)."""
    findings: list[Finding] = []
    events = node.get("event")
    for index, event in enumerate(events if isinstance(events, list) else []):
        listen = event.get("listen", "script") if isinstance(event, dict) else "script"
        source = script_source(event)
        if source.strip():
            label = f"{where}/event/{index}" if where[:1] in ("/", "") else f"{where}.event[{index}:{listen}]"
            findings += check_script(source, scope, where=label)
    return findings


def check_item(
    item: dict[str, Any],
    secret_var_names: Sequence[str] = (),
    scope: ScriptScope | None = None,
    declared: Declared = (),
) -> list[Finding]:
    """Findings for a Postman v2.1 item or folder: request, credentials, scripts, names.

    ``scope`` defaults to the variables the item's own requests protect; pass the
    collection's (``scope_of(collection)``) when the item sits in one; ``declared`` names the
    fields the spec's security schemes put credentials in (see ``request.check_request``).
    """
    scope = scope or scope_of(item, secret_var_names)
    findings: list[Finding] = []
    name = str(item.get("name", "item"))[:60]
    where = f"item[{name}]"
    findings.extend(check_names(item, where))
    if "request" in item:
        findings.extend(
            check_request(item["request"], where, secret_var_names, check_data=True, declared=declared)
        )
    findings.extend(check_events(item, scope, where))
    for child in item.get("item") or []:
        if isinstance(child, dict):
            findings.extend(check_item(child, secret_var_names, scope, declared))
    return findings


def check_collection_scripts(collection: dict[str, Any], secret_names: Sequence[str] = ()) -> list[Finding]:
    """Every script of a collection (its own, its folders', its items'), located by JSON pointer,
    against the variables the whole collection's requests protect."""
    scope = scope_of(collection, secret_names)
    findings = check_events(collection, scope, "")
    stack: list[tuple[str, Any]] = [(f"/item/{i}", c) for i, c in enumerate(collection.get("item") or [])]
    while stack:
        pointer, node = stack.pop(0)
        if not isinstance(node, dict):
            continue
        findings += check_events(node, scope, pointer)
        children = node.get("item")
        if isinstance(children, list):
            stack[:0] = [(f"{pointer}/item/{i}", c) for i, c in enumerate(children)]
    return findings


def check_outbound(collection: dict[str, Any], secret_names: Sequence[str] = ()) -> list[Finding]:
    """What could reach a host other than ``{{baseUrl}}`` when the collection runs: scripts
    outside the policy and requests not on ``{{baseUrl}}`` (run before any collection runs)."""
    from agent.generate.postman import leaves

    findings = check_collection_scripts(collection, secret_names)
    for pointer, item in leaves(collection.get("item") or []):
        if "request" in item:
            findings += [
                f
                for f in check_request(item["request"], f"{pointer}/request", secret_names)
                if f.code == "request-base-url"
            ]
    return findings
