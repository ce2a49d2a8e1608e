"""The allow-list walk over one script's ESTree: every construct is either listed or refused.

Values are tracked by kind (``capabilities.Kind``): ``pm`` and the allowed globals are
capabilities, usable only through a listed member; chai assertion chains stay assertions;
everything else is data. The Function constructor cannot be reached from data: member names
that lead to a constructor or prototype are refused, computed keys must be literals or
numbers, assertion objects never become data, and ``this``, ``try``/``catch``, classes,
accessors, tagged templates and async code are not part of the language a test may use.
"""

from __future__ import annotations

from collections.abc import Callable

from agent.boundary.outbound import js
from agent.boundary.outbound.ast_nodes import (
    ASSERT,
    DATA,
    FUNCTIONS,
    WALKER_NAME,
    Node,
    Value,
    capability,
    refusal_code,
)
from agent.boundary.outbound.capabilities import (
    CAPABILITY_GLOBALS,
    CHAI_WORDS,
    DATA_METHODS,
    FORBIDDEN_PROPERTIES,
    FUNCTION_VALUES,
    NEW_ALLOWED,
    VALUE_GLOBALS,
    VARIABLE_READS,
    Kind,
)
from agent.boundary.outbound.statements import Statements


class ScriptChecker(Statements):
    """One allow-list pass over one script's AST; ``run`` returns (code, message, node) triples."""

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
        valued = _VALUED.get(kind)
        if valued is not None:
            return valued(self, node)
        walk = _DATA.get(kind)
        if walk is not None:
            walk(self, node)
        elif kind in FUNCTIONS:
            self.function(node)
        else:
            self.refuse("script-forbidden-syntax", f"{kind} is not allowed in test scripts", node)
        return DATA

    def values(self, nodes: list[Node | None]) -> None:
        """Each node used as a plain value (holes of ``[1, , 2]`` skipped, spreads unwrapped)."""
        for node in nodes:
            if node is not None:
                self.value(node["argument"] if node["type"] == "SpreadElement" else node)

    def template(self, node: Node) -> None:
        for quasi in node["quasis"]:
            self.text(quasi["value"].get("cooked"), quasi)
        self.values(node["expressions"])

    def unary(self, node: Node) -> None:
        if node["operator"] == "delete":
            self.refuse("script-forbidden-syntax", "delete is not allowed in test scripts", node)
        self.value(node["argument"])

    def assignment(self, node: Node) -> None:
        self.target(node["left"])
        self.value(node["right"])

    def this(self, node: Node) -> None:
        self.refuse("script-this", "'this' is not allowed in test scripts", node)

    def text(self, value: object, node: Node) -> None:
        """A string that names a ``{{credential}}`` would put it wherever the string goes."""
        if isinstance(value, str) and "{{" in value:
            for var in js.template_vars(value):
                if self.secret(var):
                    self.refuse(
                        "script-secret-variable", f"the script names credential variable '{var}'", node
                    )

    def secret(self, name: str) -> bool:
        return name.strip().lower() in self.secret_names or js.is_secret_name(name)

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
            use = capability(path)
            if use is None:
                self.refuse(refusal_code(path), f"{'.'.join(path)} is not allowed in test scripts", node)
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
            elif index == callback and arg["type"] in FUNCTIONS:
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
        use = capability(path)
        if use is None:
            self.refuse(refusal_code(path), f"{'.'.join(path)} is not allowed in test scripts", callee)
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
        elif name.strip().lower() in self.protected_names or self.secret(name):
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


# Expressions whose result keeps its kind (a capability, an assertion chain), by ESTree type.
_VALUED: dict[str, Callable[[ScriptChecker, Node], Value]] = {
    "Identifier": ScriptChecker.identifier,
    "MemberExpression": ScriptChecker.member,
    "CallExpression": ScriptChecker.call,
    "ChainExpression": lambda walk, node: walk.expr(node["expression"]),
    "NewExpression": ScriptChecker.new,
}

# Expressions whose result is data, with what must be checked inside them.
_DATA: dict[str, Callable[[ScriptChecker, Node], None]] = {
    "Literal": lambda walk, node: walk.text(node.get("value"), node),
    "TemplateLiteral": ScriptChecker.template,
    "ArrayExpression": lambda walk, node: walk.values(node["elements"]),
    "ObjectExpression": ScriptChecker.object,
    "BinaryExpression": lambda walk, node: walk.values([node["left"], node["right"]]),
    "LogicalExpression": lambda walk, node: walk.values([node["left"], node["right"]]),
    "UnaryExpression": ScriptChecker.unary,
    "UpdateExpression": lambda walk, node: walk.target(node["argument"]),
    "AssignmentExpression": ScriptChecker.assignment,
    "ConditionalExpression": lambda walk, node: walk.values(
        [node["test"], node["consequent"], node["alternate"]]
    ),
    "SequenceExpression": lambda walk, node: walk.values(node["expressions"]),
    "ThisExpression": ScriptChecker.this,
}
