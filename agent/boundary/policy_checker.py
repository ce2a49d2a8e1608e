"""The allow-list walk over one script's ESTree: every construct is either listed or refused.

Values are tracked by kind (``policy_capabilities.Kind``): ``pm`` and the allowed globals are
capabilities, usable only through a listed member; chai assertion chains stay assertions;
everything else is data. The Function constructor cannot be reached from data: member names
that lead to a constructor or prototype are refused, computed keys must be literals or
numbers, assertion objects never become data, and ``this``, ``try``/``catch``, classes,
accessors, tagged templates and async code are not part of the language a test may use.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from agent.boundary import policy_js as js
from agent.boundary.policy_capabilities import (
    CAPABILITIES,
    CAPABILITY_GLOBALS,
    CHAI_WORDS,
    DATA_METHODS,
    FORBIDDEN_PROPERTIES,
    FUNCTION_VALUES,
    NEW_ALLOWED,
    RESERVED_NAMES,
    VALUE_GLOBALS,
    VARIABLE_READS,
    VARIABLE_SCOPES,
    VARIABLE_WRITE,
    Kind,
)
from agent.boundary.policy_scope import ScriptScope

Node = js.Node
Value = tuple[Kind, tuple[str, ...]]
DATA: Value = (Kind.DATA, ())
ASSERT: Value = (Kind.ASSERT, ())
_FUNCTIONS = ("FunctionExpression", "ArrowFunctionExpression")
_NUMERIC_OPS = frozenset({"-", "*", "/", "%", "**", "|", "&", "^", "<<", ">>", ">>>"})
_NUMERIC_ASSIGN = frozenset({"-=", "*=", "/=", "%=", "**=", "|=", "&=", "^=", "<<=", ">>=", ">>>="})
_KEY_UNARY = frozenset({"+", "-", "~", "!", "typeof", "void"})
WALKER_NAME = "pwAt"


@lru_cache(maxsize=1)
def _walker_source() -> str:
    """The generator's object walker, trusted as written (it filters out everything callable)."""
    from agent.generate.scripts import walker

    return "\n".join(walker())


def _capability(path: tuple[str, ...]) -> str | None:
    """How a capability path may be used: 'call:<kind>', 'read:<kind>', 'ns', or None."""
    found = CAPABILITIES.get(path)
    if found is not None:
        return found
    if len(path) >= 2 and path[0] == "pm" and path[1] in VARIABLE_SCOPES:
        if len(path) == 2:
            return "ns"
        if len(path) == 3 and (path[2] in VARIABLE_READS or path[1:] == VARIABLE_WRITE):
            return "call:variable"
        return None
    return "ns" if any(key[: len(path)] == path for key in CAPABILITIES) else None


def _refusal_code(path: tuple[str, ...]) -> str:
    if path[0] != "pm":
        return "script-global-member"
    area = path[1] if len(path) > 1 else ""
    if area == "sendRequest":
        return "script-send-request"
    if area == "request":
        return "script-request-credentials"
    if area in VARIABLE_SCOPES:
        dump = area == "environment" and path[2:3] not in (("set",), ("unset",))
        return "script-environment-dump" if dump else "script-variable-access"
    return "script-globals" if area == "globals" else "script-pm-api"


def binding_names(pattern: Node | None) -> Iterator[str]:
    """Names a binding pattern declares."""
    if pattern is None:
        return
    kind = pattern.get("type")
    if kind == "Identifier":
        yield str(pattern["name"])
    elif kind == "ObjectPattern":
        for prop in pattern["properties"]:
            yield from binding_names(prop["argument"] if prop["type"] == "RestElement" else prop["value"])
    elif kind == "ArrayPattern":
        for element in pattern["elements"]:
            yield from binding_names(element)
    elif kind == "AssignmentPattern":
        yield from binding_names(pattern["left"])
    elif kind == "RestElement":
        yield from binding_names(pattern["argument"])


def _block_names(body: list[Node]) -> set[str]:
    """Names declared directly in a block (``var`` is not hoisted out: fewer names are local)."""
    names: set[str] = set()
    for stmt in body:
        if stmt.get("type") == "VariableDeclaration":
            for decl in stmt["declarations"]:
                names.update(binding_names(decl["id"]))
        elif stmt.get("type") == "FunctionDeclaration" and stmt.get("id"):
            names.add(str(stmt["id"]["name"]))
    return names


def _numeric_literal(node: Node | None) -> bool:
    return node is not None and node.get("type") == "Literal" and type(node.get("value")) in (int, float)


def numeric_counters(tree: Node) -> frozenset[str]:
    """Names that only ever hold numbers: ``for (let i = 0; …)`` counters changed arithmetically."""
    heads = {
        id(decl)
        for node, _, _ in js.walk(tree)
        if node.get("type") == "ForStatement"
        and (node.get("init") or {}).get("type") == "VariableDeclaration"
        for decl in node["init"]["declarations"]
    }
    candidates: set[str] = set()
    spoiled: set[str] = set()
    for node, _, _ in js.walk(tree):
        kind = node.get("type")
        if kind == "VariableDeclarator":
            counter = (
                id(node) in heads
                and node["id"].get("type") == "Identifier"
                and _numeric_literal(node.get("init"))
            )
            (candidates if counter else spoiled).update(binding_names(node["id"]))
        elif kind in (*_FUNCTIONS, "FunctionDeclaration"):
            for param in node.get("params") or []:
                spoiled.update(binding_names(param))
            if node.get("id"):
                spoiled.add(str(node["id"]["name"]))
        elif kind == "AssignmentExpression":
            left, op = node["left"], node["operator"]
            safe = op in _NUMERIC_ASSIGN or (op in ("=", "+=") and _numeric_literal(node["right"]))
            if left.get("type") != "Identifier" or not safe:
                spoiled.update(n["name"] for n, _, _ in js.walk(left) if n.get("type") == "Identifier")
        elif (
            kind in ("ForInStatement", "ForOfStatement") and node["left"].get("type") != "VariableDeclaration"
        ):
            spoiled.update(n["name"] for n, _, _ in js.walk(node["left"]) if n.get("type") == "Identifier")
    return frozenset(candidates - spoiled)


class ScriptChecker:
    """One allow-list pass over one script's AST; ``run`` returns (code, message, node) triples."""

    def __init__(self, scope: ScriptScope, source: str, data_names: frozenset[str] = frozenset()) -> None:
        self.scope = scope
        self.secret_names = {name.lower() for name in scope.secret}
        self.protected_names = {name.lower() for name in scope.protected}
        self.source = source
        self.scopes: list[set[str]] = [set(data_names)]
        self.returns_assert: list[bool] = [False]
        self.problems: list[js.Problem] = []
        self.counters: frozenset[str] = frozenset()
        self.methods: frozenset[str] = frozenset()
        self.trusted: set[str] = set()

    def refuse(self, code: str, message: str, node: Node) -> None:
        self.problems.append((code, message, node))

    def run(self, tree: Node) -> list[js.Problem]:
        self.counters = numeric_counters(tree)
        self.methods = frozenset(
            str(n["key"].get("name") or n["key"].get("value"))
            for n, _, _ in js.walk(tree)
            if n.get("type") == "Property" and n["value"].get("type") in _FUNCTIONS
        )
        self._trust_walker(tree)
        try:
            self.block(tree["body"])
        except RecursionError:
            self.problems = [("script-too-complex", "the script nests too deeply to check", tree)]
        return self.problems

    def _trust_walker(self, tree: Node) -> None:
        """The generator's ``pwAt``, byte for byte, declared once and never reassigned."""
        bindings = [
            n for n, _, _ in js.walk(tree) if n.get("type") == "Identifier" and n.get("name") == WALKER_NAME
        ]
        declared = [
            s
            for s in tree["body"]
            if s.get("type") == "FunctionDeclaration" and (s.get("id") or {}).get("name") == WALKER_NAME
        ]
        if len(declared) != 1 or "range" not in declared[0]:
            return
        start, end = declared[0]["range"]
        if self.source[start:end] != _walker_source():
            return
        calls = sum(
            1
            for n, _, _ in js.walk(tree)
            if n.get("type") == "CallExpression" and n["callee"].get("name") == WALKER_NAME
        )
        if len(bindings) == calls + 1:  # its name appears only as the declaration and as callees
            self.trusted.add(WALKER_NAME)

    # --- statements -------------------------------------------------------------------------

    def block(self, body: list[Node]) -> None:
        names = _block_names(body)
        for name in sorted(names & RESERVED_NAMES):
            self.refuse("script-shadowing", f"a script may not declare '{name}'", body[0])
        self.scopes.append(names)
        for stmt in body:
            self.stmt(stmt)
        self.scopes.pop()

    def stmt(self, node: Node) -> None:
        kind = node["type"]
        if kind == "ExpressionStatement":
            expr = node["expression"]
            found = self.expr(expr)
            if found[0] is Kind.CAP and js._unwrap(expr).get("type") != "CallExpression":
                self.alias(found, expr)
        elif kind == "VariableDeclaration":
            for decl in node["declarations"]:
                self.pattern(decl["id"])
                if decl.get("init") is not None:
                    self.value(decl["init"])
        elif kind == "FunctionDeclaration":
            if node["id"]["name"] not in self.trusted:
                self.function(node)
        elif kind == "ReturnStatement":
            if node.get("argument") is not None:
                self.returned(node["argument"])
        elif kind == "IfStatement":
            self.value(node["test"])
            self.stmt(node["consequent"])
            if node.get("alternate") is not None:
                self.stmt(node["alternate"])
        elif kind == "BlockStatement":
            self.block(node["body"])
        elif kind == "ForStatement":
            self.loop_head([node["init"]] if node.get("init") else [])
            for part in ("init", "test", "update"):
                if node.get(part) is not None and node[part]["type"] != "VariableDeclaration":
                    self.value(node[part])
            self.stmt(node["body"])
            self.scopes.pop()
        elif kind in ("ForInStatement", "ForOfStatement"):
            if node.get("await"):
                self.refuse("script-forbidden-syntax", "for await is not allowed in test scripts", node)
            left = node["left"]
            self.loop_head([left] if left["type"] == "VariableDeclaration" else [])
            if left["type"] != "VariableDeclaration":
                self.target(left)
            self.value(node["right"])
            self.stmt(node["body"])
            self.scopes.pop()
        elif kind in ("WhileStatement", "DoWhileStatement"):
            self.value(node["test"])
            self.stmt(node["body"])
        elif kind in ("BreakStatement", "ContinueStatement"):
            if node.get("label") is not None:
                self.refuse("script-forbidden-syntax", "labels are not allowed in test scripts", node)
        elif kind == "SwitchStatement":
            self.value(node["discriminant"])
            for case in node["cases"]:
                if case.get("test") is not None:
                    self.value(case["test"])
                self.block(case["consequent"])
        elif kind == "ThrowStatement":
            self.value(node["argument"])
        elif kind != "EmptyStatement":
            self.refuse("script-forbidden-syntax", f"{kind} is not allowed in test scripts", node)

    def loop_head(self, declarations: list[Node]) -> None:
        """Open the loop's scope with the names its head declares."""
        names: set[str] = set()
        for declaration in declarations:
            for decl in declaration["declarations"]:
                names.update(binding_names(decl["id"]))
                self.pattern(decl["id"])
                if decl.get("init") is not None:
                    self.value(decl["init"])
        self.scopes.append(names)

    def function(self, node: Node, *, returns_assert: bool = False) -> None:
        if node.get("async") or node.get("generator"):
            self.refuse("script-forbidden-syntax", "async and generator functions are not allowed", node)
        names = {name for param in node["params"] for name in binding_names(param)}
        if node.get("id") and node["type"] == "FunctionExpression":
            self.pattern(node["id"])
            names.add(str(node["id"]["name"]))
        self.scopes.append(names)
        for param in node["params"]:
            self.pattern(param)
        self.returns_assert.append(returns_assert)
        body = node["body"]
        if body.get("type") == "BlockStatement":
            self.block(body["body"])
        else:
            self.returned(body)
        self.returns_assert.pop()
        self.scopes.pop()

    def returned(self, node: Node) -> None:
        """A returned value: an assertion only from a pm.test callback (pm.test drops it)."""
        found = self.expr(node)
        if found[0] is Kind.CAP:
            self.alias(found, node)
        elif found[0] is Kind.ASSERT and not self.returns_assert[-1]:
            self.refuse("script-assertion-value", "an assertion may not be used as a value", node)

    # --- bindings and targets ---------------------------------------------------------------

    def local(self, name: str) -> bool:
        return any(name in names for names in self.scopes)

    def pattern(self, node: Node | None) -> None:
        """A binding pattern: names not reserved, keys not forbidden, defaults checked."""
        if node is None:
            return
        kind = node["type"]
        if kind == "Identifier":
            if node["name"] in RESERVED_NAMES:
                self.refuse("script-shadowing", f"a script may not declare '{node['name']}'", node)
        elif kind == "ObjectPattern":
            for prop in node["properties"]:
                if prop["type"] == "RestElement":
                    self.pattern(prop["argument"])
                else:
                    self.property_key(prop)
                    self.pattern(prop["value"])
        elif kind == "ArrayPattern":
            for element in node["elements"]:
                self.pattern(element)
        elif kind == "AssignmentPattern":
            self.pattern(node["left"])
            self.value(node["right"])
        elif kind == "RestElement":
            self.pattern(node["argument"])
        else:
            self.target(node)

    def target(self, node: Node) -> None:
        """The left side of an assignment or update: a local, or a member of data."""
        kind = node["type"]
        if kind == "Identifier":
            if not self.local(node["name"]) or node["name"] in self.trusted:
                self.refuse("script-global-assignment", f"'{node['name']}' is not a local variable", node)
        elif kind == "MemberExpression":
            owner = self.expr(node["object"])
            if owner[0] is not Kind.DATA:
                self.refuse("script-pm-assignment", "pm, globals and assertions may not be modified", node)
            self.member_key(node)
        elif kind in ("ObjectPattern", "ArrayPattern", "AssignmentPattern", "RestElement"):
            if kind == "ObjectPattern":
                for prop in node["properties"]:
                    if prop["type"] != "RestElement":
                        self.property_key(prop)
                    self.target(prop["argument"] if prop["type"] == "RestElement" else prop["value"])
            elif kind == "ArrayPattern":
                for element in node["elements"]:
                    if element is not None:
                        self.target(element)
            elif kind == "AssignmentPattern":
                self.target(node["left"])
                self.value(node["right"])
            else:
                self.target(node["argument"])
        else:
            self.refuse("script-forbidden-syntax", f"cannot assign to {kind}", node)

    def property_key(self, prop: Node) -> None:
        if prop.get("computed"):
            self.key(prop["key"])
        else:
            name = prop["key"].get("name", prop["key"].get("value"))
            if str(name) in FORBIDDEN_PROPERTIES:
                self.refuse("script-constructor-trick", f"the key '{name}' is not allowed", prop)

    def member_key(self, node: Node) -> None:
        if node.get("computed"):
            self.key(node["property"])
        elif node["property"]["name"] in FORBIDDEN_PROPERTIES:
            self.refuse(
                "script-constructor-trick", f"access to '.{node['property']['name']}' is not allowed", node
            )

    def key(self, node: Node) -> None:
        """A computed key: a literal that is not forbidden, or an expression that is a number."""
        text = js._string(node)
        if text is not None:
            if text in FORBIDDEN_PROPERTIES:
                self.refuse("script-constructor-trick", f"access to '{text}' is not allowed", node)
            return
        kind = node["type"]
        if kind == "Literal":
            return
        if kind == "Identifier" and node["name"] in self.counters and self.local(node["name"]):
            return
        if (kind == "UnaryExpression" and node["operator"] in _KEY_UNARY) or kind == "UpdateExpression":
            self.expr(node)
            return
        if kind == "BinaryExpression" and (
            node["operator"] in _NUMERIC_OPS
            or (
                node["operator"] == "+"
                and (_numeric_literal(node["left"]) or _numeric_literal(node["right"]))
            )
        ):
            self.value(node["left"])
            self.value(node["right"])
            return
        if kind == "ConditionalExpression":
            self.value(node["test"])
            self.key(node["consequent"])
            self.key(node["alternate"])
            return
        self.refuse("script-dynamic-member", "computed member names must be literals or numbers", node)

    # --- expressions ------------------------------------------------------------------------

    def alias(self, found: Value, node: Node) -> None:
        if found[1] in FUNCTION_VALUES:
            return
        what = ".".join(found[1]) or "this value"
        self.refuse("script-pm-alias", f"'{what}' may only be used through its listed members", node)

    def value(self, node: Node) -> None:
        """An expression whose result is used as a plain value."""
        found = self.expr(node)
        if found[0] is Kind.CAP:
            self.alias(found, node)
        elif found[0] is Kind.ASSERT:
            self.refuse("script-assertion-value", "an assertion may not be used as a value", node)

    def expr(self, node: Node) -> Value:
        kind = node["type"]
        if kind == "Identifier":
            return self.identifier(node)
        if kind == "Literal":
            self.text(node.get("value"), node)
            return DATA
        if kind == "TemplateLiteral":
            for quasi in node["quasis"]:
                self.text(quasi["value"].get("cooked"), quasi)
            for sub in node["expressions"]:
                self.value(sub)
            return DATA
        if kind == "MemberExpression":
            return self.member(node)
        if kind == "CallExpression":
            return self.call(node)
        if kind == "ChainExpression":
            return self.expr(node["expression"])
        if kind in _FUNCTIONS:
            self.function(node)
            return DATA
        if kind == "ArrayExpression":
            for element in node["elements"]:
                if element is not None:
                    self.value(element["argument"] if element["type"] == "SpreadElement" else element)
            return DATA
        if kind == "ObjectExpression":
            self.object(node)
            return DATA
        if kind in ("BinaryExpression", "LogicalExpression"):
            self.value(node["left"])
            self.value(node["right"])
            return DATA
        if kind == "UnaryExpression":
            if node["operator"] == "delete":
                self.refuse("script-forbidden-syntax", "delete is not allowed in test scripts", node)
            self.value(node["argument"])
            return DATA
        if kind == "UpdateExpression":
            self.target(node["argument"])
            return DATA
        if kind == "AssignmentExpression":
            self.target(node["left"])
            self.value(node["right"])
            return DATA
        if kind == "ConditionalExpression":
            for part in ("test", "consequent", "alternate"):
                self.value(node[part])
            return DATA
        if kind == "SequenceExpression":
            for sub in node["expressions"]:
                self.value(sub)
            return DATA
        if kind == "NewExpression":
            return self.new(node)
        if kind == "ThisExpression":
            self.refuse("script-this", "'this' is not allowed in test scripts", node)
            return DATA
        self.refuse("script-forbidden-syntax", f"{kind} is not allowed in test scripts", node)
        return DATA

    def text(self, value: object, node: Node) -> None:
        """A string that names a ``{{credential}}`` would put it wherever the string goes."""
        if isinstance(value, str) and "{{" in value:
            for var in js.template_vars(value):
                if self.secret(var):
                    self.refuse(
                        "script-secret-variable", f"the script names credential variable '{var}'", node
                    )

    def secret(self, name: str) -> bool:
        return name.lower() in self.secret_names or js.is_secret_name(name)

    def identifier(self, node: Node) -> Value:
        name = str(node["name"])
        if self.local(name) or name in self.trusted:
            return DATA
        if name in VALUE_GLOBALS:
            return DATA
        if name in CAPABILITY_GLOBALS:
            return (Kind.CAP, (name,))
        code = "script-eval" if name in ("eval", "Function") else "script-global"
        self.refuse(code, f"'{name}' is not a global a test script may use", node)
        return DATA

    def object(self, node: Node) -> None:
        for prop in node["properties"]:
            if prop["type"] == "SpreadElement":
                self.value(prop["argument"])
                continue
            if prop.get("kind") != "init":
                self.refuse("script-accessor", "getters and setters are not allowed in test scripts", prop)
            self.property_key(prop)
            self.value(prop["value"])

    def member(self, node: Node) -> Value:
        owner = self.expr(node["object"])
        self.member_key(node)
        if node.get("computed"):
            if owner[0] is not Kind.DATA:
                self.refuse("script-dynamic-member", "pm, globals and assertions need named members", node)
            return DATA
        name = str(node["property"]["name"])
        if owner[0] is Kind.CAP:
            path = (*owner[1], name)
            use = _capability(path)
            if use is None:
                self.refuse(_refusal_code(path), f"{'.'.join(path)} is not allowed in test scripts", node)
                return DATA
            if use.startswith("read:"):
                return ASSERT if use == "read:assert" else DATA
            return (Kind.CAP, path)
        if owner[0] is Kind.ASSERT:
            if name not in CHAI_WORDS:
                self.refuse("script-assertion", f"'.{name}' is not an assertion word", node)
            return ASSERT
        return DATA

    def arguments(self, node: Node, *, callback: int | None = None) -> None:
        for index, arg in enumerate(node.get("arguments") or []):
            if arg["type"] == "SpreadElement":
                self.value(arg["argument"])
            elif index == callback and arg["type"] in _FUNCTIONS:
                self.function(arg, returns_assert=True)
            else:
                self.value(arg)

    def call(self, node: Node) -> Value:
        callee = js._unwrap(node["callee"])
        kind = callee["type"]
        if kind == "Identifier" and callee["name"] in self.trusted:
            self.walker_call(node)
            return DATA
        if kind == "MemberExpression" and not callee.get("computed"):
            owner = self.expr(callee["object"])
            self.member_key(callee)
            name = str(callee["property"]["name"])
            if owner[0] is Kind.DATA:
                if name not in DATA_METHODS and name not in self.methods:
                    self.refuse("script-method", f"'.{name}()' is not a method test scripts may call", callee)
                self.arguments(node, callback=0 if name == "forEach" else None)  # forEach drops results
                return DATA
            if owner[0] is Kind.ASSERT:
                if name not in CHAI_WORDS:
                    self.refuse("script-assertion", f"'.{name}' is not an assertion word", callee)
                self.arguments(node)
                return ASSERT
            return self.capability_call((*owner[1], name), node, callee)
        if kind == "MemberExpression":
            self.expr(callee)
            self.refuse("script-dynamic-member", "a called member must be named literally", callee)
            self.arguments(node)
            return DATA
        found = self.expr(callee)
        if found[0] is Kind.CAP:
            return self.capability_call(found[1], node, callee)
        if found[0] is Kind.ASSERT:
            self.refuse("script-assertion-value", "an assertion may not be called", callee)
        self.arguments(node)
        return DATA

    def capability_call(self, path: tuple[str, ...], node: Node, callee: Node) -> Value:
        use = _capability(path)
        if use is None:
            self.refuse(_refusal_code(path), f"{'.'.join(path)} is not allowed in test scripts", callee)
        elif not use.startswith("call:"):
            self.refuse("script-pm-api", f"{'.'.join(path)} cannot be called", callee)
        elif use == "call:variable":
            self.variable_call(path, node)
        if path[:2] == ("pm", "test"):
            self.arguments(node, callback=1)
            return (Kind.CAP, ("pm",))  # pm.test returns pm: usable only as a statement
        self.arguments(node)
        return ASSERT if use == "call:assert" else DATA

    def variable_call(self, path: tuple[str, ...], node: Node) -> None:
        scope, op = path[1], path[2]
        args = node.get("arguments") or []
        name = js._string(args[0]) if args else None
        if name is None:
            self.refuse("script-variable-access", f"pm.{scope}.{op} needs a literal variable name", node)
        elif op in VARIABLE_READS:
            if self.secret(name):
                self.refuse(
                    "script-secret-variable", f"pm.{scope}.{op} of credential variable '{name}'", node
                )
        elif name.lower() in self.protected_names or self.secret(name):
            self.refuse(
                "script-protected-variable",
                f"'{name}' is used in a request's host, headers or auth: scripts may not set it",
                node,
            )

    def walker_call(self, node: Node) -> None:
        """``pwAt(value, [literal names])``: the names must not walk into a prototype."""
        args = node.get("arguments") or []
        for arg in args[:1]:
            self.value(arg)
        path = args[1] if len(args) > 1 else None
        names = (
            [js._string(e) for e in path["elements"]] if path and path["type"] == "ArrayExpression" else None
        )
        if len(args) != 2 or names is None or any(n is None or n in FORBIDDEN_PROPERTIES for n in names):
            self.refuse(
                "script-constructor-trick", f"{WALKER_NAME} needs a literal path of plain names", node
            )

    def new(self, node: Node) -> Value:
        found = self.expr(node["callee"])
        if found[0] is not Kind.CAP or found[1] not in NEW_ALLOWED:
            self.refuse("script-new", "'new' is allowed for Date only", node)
        self.arguments(node)
        return DATA
