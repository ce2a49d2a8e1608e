"""What a proposed Postman item may contain: the request side and its scripts.

``check_script`` parses the JavaScript (esprima2) and walks the AST; ``check_item`` checks
the request (``{{baseUrl}}``, credentials only as ``{{variables}}``) and every script of an
item or folder. Both return findings (data); an ``error`` finding means the item is refused.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from agent.boundary import policy_js as js
from agent.boundary import policy_literals as literals
from agent.boundary.policy_request import check_names, check_request
from agent.models import Finding

Node = js.Node
MAX_SCRIPT_CHARS = 100_000
_MEMO_CHARS = 20_000  # longer skeletons are rare and would make the memo heavy


def _finding(code: str, message: str, where: str, node: Node | None = None) -> Finding:
    location = where
    if node is not None and "loc" in node:
        start = node["loc"]["start"]
        location = f"{where}:{start['line']}:{start['column'] + 1}"
    return Finding(severity="error", code=code, message=message, location=location)


class _ScriptChecker:
    """One pass over one script's AST."""

    def __init__(self, allowed_hosts: Sequence[str], secret_names: Sequence[str], where: str) -> None:
        self.hosts = allowed_hosts
        self.secrets = secret_names
        self.where = where
        self.problems: list[js.Problem] = []

    def refuse(self, code: str, message: str, node: Node) -> None:
        self.problems.append((code, message, node))

    def run(self, tree: Node) -> list[js.Problem]:
        local = js.declared_names(tree)
        for node, parent, key in js.walk(tree):
            kind = node.get("type")
            if kind == "Identifier" and js.is_reference(node, parent, key):
                self._identifier(node, parent, key, local)
            elif kind == "MemberExpression":
                self._member(node, parent, key)
            elif kind in ("CallExpression", "NewExpression"):
                self._call(node, local)
            elif kind == "Literal" and isinstance(node.get("value"), str):
                self._text(str(node["value"]), node)
            elif kind == "TemplateElement":
                self._text(str(node["value"].get("cooked") or ""), node)
            elif kind == "BinaryExpression" and node.get("operator") == "+":
                folded = js._string(node)
                if folded is not None and js.banned_string(folded):
                    self.refuse(
                        "script-constructor-trick", "a string is built to reach a sandbox escape", node
                    )
            elif kind in ("WithStatement", "ImportExpression", "ImportDeclaration", "Import"):
                self.refuse("script-forbidden-syntax", f"{kind} is not allowed in test scripts", node)
        return self.problems

    def _identifier(self, node: Node, parent: Node | None, key: str | None, local: set[str]) -> None:
        name = str(node["name"])
        if name in ("eval", "Function"):
            self.refuse("script-eval", f"'{name}' runs strings as code", node)
        elif name in js._BANNED_GLOBALS and name not in local:
            self.refuse("script-global", f"the global '{name}' is not allowed", node)
        elif name == "pm" and not (parent and parent.get("type") == "MemberExpression" and key == "object"):
            self.refuse("script-pm-alias", "'pm' may only be used as pm.<api>", node)

    def _member(self, node: Node, parent: Node | None, key: str | None) -> None:
        prop = node["property"]
        name = prop.get("name") if not node.get("computed") else js._string(prop)
        if isinstance(name, str) and name in js._BANNED_PROPS:
            self.refuse("script-constructor-trick", f"access to '.{name}' is not allowed", node)
        simple_key = (
            prop.get("type")
            in ("Literal", "Identifier", "MemberExpression", "UnaryExpression", "UpdateExpression")
            or js._string(prop) is not None
        )
        arithmetic = (
            prop.get("type") == "BinaryExpression"
            and prop.get("operator") in "+-*/%"
            and not _has_string(prop)
        )
        if node.get("computed") and not simple_key and not arithmetic:
            self.refuse("script-dynamic-member", "computed member names must be simple", node)
        # Only judge the outermost member of a pm.* chain.
        if parent is not None and parent.get("type") == "MemberExpression" and key == "object":
            return
        if parent is not None and parent.get("type") == "ChainExpression":
            return
        path = js.member_path(node)
        if path and path[0] == "pm":
            call = parent if parent and parent.get("type") == "CallExpression" and key == "callee" else None
            self._pm(path, call, node, parent, key)
        elif path and path[:2] == ["String", "fromCharCode"]:
            self.refuse("script-obfuscation", "String.fromCharCode builds hidden strings", node)

    def _pm(
        self, path: list[str], call: Node | None, node: Node, parent: Node | None, key: str | None
    ) -> None:
        if "*" in path:
            self.refuse("script-dynamic-member", "pm.* members must be named literally", node)
            return
        if parent is not None and parent.get("type") == "AssignmentExpression" and key == "left":
            self.refuse("script-pm-assignment", "the pm object may not be modified", node)
            return
        api = path[1] if len(path) > 1 else ""
        dotted = ".".join(path)
        if api in ("test", "expect", "response", "info"):
            return
        if api == "request":
            self._request(path, call, node)
        elif api in js._VARIABLE_SCOPES:
            self._variables(path, call, node)
        elif api == "sendRequest":
            self._send_request(call, node)
        elif api == "globals":
            self.refuse("script-globals", "pm.globals is not allowed", node)
        else:
            self.refuse("script-pm-api", f"{dotted} is not allowed in test scripts", node)

    def _request(self, path: list[str], call: Node | None, node: Node) -> None:
        part = path[2] if len(path) > 2 else ""
        if part == "auth" or (part == "headers" and (call is None or path[3:4] not in (["get"], ["has"]))):
            self.refuse(
                "script-request-credentials", "scripts may not read request auth or dump headers", node
            )
        elif part == "headers":
            name = js._string(call["arguments"][0]) if call and call["arguments"] else None
            if (
                name is None
                or js.is_secret_name(name, self.secrets)
                or name.lower() in ("authorization", "cookie")
            ):
                self.refuse("script-request-credentials", "scripts may not read credential headers", node)

    def _variables(self, path: list[str], call: Node | None, node: Node) -> None:
        scope, op = path[1], (path[2] if len(path) > 2 else "")
        if call is None and len(path) == 3 and op in js._SCOPE_PROPS_OK:
            return
        allowed = js._VARIABLE_READS if scope == "iterationData" else _SCOPE_OK
        if op not in allowed or call is None or len(path) > 3:
            code = "script-environment-dump" if scope == "environment" else "script-variable-access"
            self.refuse(code, f"pm.{scope}.{op or '(object)'} is not allowed", node)
            return
        name = js._string(call["arguments"][0]) if call["arguments"] else None
        if name is None:
            self.refuse("script-variable-access", f"pm.{scope}.{op} needs a literal variable name", node)
        elif js.is_secret_name(name, self.secrets):
            self.refuse("script-secret-variable", f"pm.{scope}.{op} of credential variable '{name}'", node)

    def _send_request(self, call: Node | None, node: Node) -> None:
        target = call["arguments"][0] if call and call["arguments"] else None
        url = js._string(target)
        if target is not None and target.get("type") == "ObjectExpression":
            for prop in target["properties"]:
                key = prop.get("key") or {}
                if (key.get("name") or key.get("value")) == "url":
                    url = js._string(prop.get("value"))
        if url is None:
            self.refuse("script-send-request", "pm.sendRequest needs a literal URL", node)
        elif not js.host_allowed(url, self.hosts):
            self.refuse("script-send-request", "pm.sendRequest to a host outside the spec's servers", node)

    def _call(self, node: Node, local: set[str]) -> None:
        callee = js._unwrap(node["callee"])
        name = callee.get("name") if callee.get("type") == "Identifier" else None
        args = node.get("arguments") or []
        if (
            name in js._TIMERS
            and name not in local
            and (not args or args[0].get("type") not in ("FunctionExpression", "ArrowFunctionExpression"))
        ):
            self.refuse("script-timer-string", f"{name} needs a function, not a string", node)
        if name == "require" and "require" not in local:
            module = js._string(args[0]) if args else None
            if module not in js.REQUIRE_ALLOWED:
                self.refuse(
                    "script-require", f"require of {module or 'a computed name'!s} is not allowed", node
                )

    def _text(self, value: str, node: Node) -> None:
        if js.banned_string(value):
            self.refuse(
                "script-constructor-trick", f"the string '{value.strip()[:30]}' names a sandbox escape", node
            )
        for url in js.urls_in(value):
            if not js.host_allowed(url, self.hosts):
                self.refuse("script-foreign-host", "a URL to a host outside the spec's servers", node)
        for var in js.template_vars(value):
            if js.is_secret_name(var, self.secrets):
                self.refuse("script-secret-variable", f"the script names credential variable '{var}'", node)


_SCOPE_OK = js._VARIABLE_READS | js._VARIABLE_WRITES


def _has_string(node: Node) -> bool:
    return any(
        n.get("type") in ("Literal", "TemplateLiteral") and isinstance(n.get("value", ""), str)
        for n, _, _ in js.walk(node)
    )


def check_script(
    source: str, allowed_hosts: Sequence[str], *, secret_names: Sequence[str] = (), where: str = "script"
) -> list[Finding]:
    """Findings for one Postman script (empty list: allowed)."""
    if len(source) > MAX_SCRIPT_CHARS:
        return [
            _finding("script-too-large", f"scripts over {MAX_SCRIPT_CHARS} characters are refused", where)
        ]
    # Generated scripts repeat (a suite has few shapes of script), so skeletons are memoised.
    skeleton, lifted = literals.lift(source)
    spans = tuple((item.name, *item.skeleton_span) for item in lifted)
    check = _skeleton_problems if len(skeleton) <= _MEMO_CHARS else _skeleton_problems.__wrapped__
    found = check(skeleton, spans, tuple(allowed_hosts), tuple(secret_names))
    if found is not None:
        return _located(source, lifted, found, allowed_hosts, secret_names, where)
    tree = _parse(source)
    if isinstance(tree, Finding):
        return [tree.model_copy(update={"location": where})]
    problems = _ScriptChecker(allowed_hosts, secret_names, where).run(tree)
    return [_finding(code, message, where, node) for code, message, node in problems]


def _parse(source: str) -> Node | Finding:
    """The ESTree of ``source``, or the finding that says why there is none."""
    import esprima  # esprima2: pure Python, ES2022; imported here to keep the CLI start fast

    try:
        tree: Node = esprima.parseScript(source, {"range": True, "loc": True}).toDict()
    except RecursionError:
        return _finding("script-too-complex", "the script nests too deeply to check", "")
    except Exception as exc:  # noqa: BLE001 - esprima raises its own Error type for syntax errors
        first = " ".join(str(exc).split())[:120]
        return _finding("script-syntax", f"not valid JavaScript: {first}", "")
    return tree


@lru_cache(maxsize=4096)
def _skeleton_problems(
    skeleton: str,
    spans: tuple[tuple[str, int, int], ...],
    allowed_hosts: tuple[str, ...],
    secret_names: tuple[str, ...],
) -> tuple[tuple[str, str, int], ...] | None:
    """(code, message, skeleton offset) of a skeleton's problems; None: parse the original instead."""
    tree = _parse(skeleton)
    if isinstance(tree, Finding):
        return None  # the original's own parse reports the error, with its own wording
    if not literals.placeholders_in_slots(tree, spans):
        return None
    problems = _ScriptChecker(allowed_hosts, secret_names, "").run(tree)
    return tuple((code, message, int(node["range"][0])) for code, message, node in problems)


def _located(
    source: str,
    lifted: list[literals.Lifted],
    found: tuple[tuple[str, str, int], ...],
    allowed_hosts: Sequence[str],
    secret_names: Sequence[str],
    where: str,
) -> list[Finding]:
    """Skeleton problems moved back to the original's positions, plus the lifted literals' own."""
    problems = [(code, message, literals.to_original(offset, lifted)) for code, message, offset in found]
    checker = _ScriptChecker(allowed_hosts, secret_names, where)
    for item in lifted:
        start, end = item.original_span
        for value, count in Counter(literals.strings(source[start:end])).items():
            checker.problems = []
            checker._text(value, {})
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


def _script_source(event: Any) -> str:
    script = event.get("script") if isinstance(event, dict) else None
    exec_ = script.get("exec") if isinstance(script, dict) else None
    if isinstance(exec_, list):
        return "\n".join(str(line) for line in exec_)
    return str(exec_) if exec_ is not None else ""


def check_item(
    item: dict[str, Any], allowed_hosts: Sequence[str], secret_var_names: Sequence[str]
) -> list[Finding]:
    """Findings for a Postman v2.1 item or folder: request, credentials, scripts, names."""
    findings: list[Finding] = []
    name = str(item.get("name", "item"))[:60]
    where = f"item[{name}]"
    findings.extend(check_names(item, where))
    if "request" in item:
        findings.extend(check_request(item["request"], where, secret_var_names, allowed_hosts))
    for index, event in enumerate(item.get("event") or []):
        listen = event.get("listen", "script") if isinstance(event, dict) else "script"
        source = _script_source(event)
        if source.strip():
            findings.extend(
                check_script(
                    source,
                    allowed_hosts,
                    secret_names=secret_var_names,
                    where=f"{where}.event[{index}:{listen}]",
                )
            )
    for child in item.get("item") or []:
        if isinstance(child, dict):
            findings.extend(check_item(child, allowed_hosts, secret_var_names))
    return findings
