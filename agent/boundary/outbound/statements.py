"""The statement half of the script allow-list walk: blocks, loops, functions, bindings, keys.

Scopes are lexical and block-shaped (a ``var`` is local to its block only: fewer names count
as local, never more), so a name is a script's own only where it is declared around it.
Counters of ``for (let i = 0; …)`` loops that only ever change arithmetically may index
arrays; every other computed key must be a literal or a number.
"""

from __future__ import annotations

from collections.abc import Callable

from agent.boundary.outbound import js
from agent.boundary.outbound.ast_nodes import (
    FUNCTIONS,
    KEY_UNARY,
    NUMERIC_OPS,
    WALKER_NAME,
    Node,
    Value,
    binding_names,
    block_names,
    numeric_counters,
    numeric_literal,
    trusts_walker,
)
from agent.boundary.outbound.capabilities import (
    FORBIDDEN_PROPERTIES,
    RESERVED_NAMES,
    Kind,
)
from agent.boundary.outbound.protected import ScriptScope


class Statements:
    """Statements, bindings and keys of the walk; ``checker.ScriptChecker`` adds expressions."""

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
            if n.get("type") == "Property" and n["value"].get("type") in FUNCTIONS
        )
        if trusts_walker(tree, self.source):
            self.trusted.add(WALKER_NAME)
        try:
            self.block(tree["body"])
        except RecursionError:
            self.problems = [("script-too-complex", "the script nests too deeply to check", tree)]
        return self.problems

    # --- what the expression half provides (checker.ScriptChecker) -------------------

    def expr(self, node: Node) -> Value:
        raise NotImplementedError

    def value(self, node: Node) -> None:
        raise NotImplementedError

    def alias(self, found: Value, node: Node) -> None:
        raise NotImplementedError

    # --- statements -------------------------------------------------------------------------

    def block(self, body: list[Node]) -> None:
        names = block_names(body)
        for name in sorted(names & RESERVED_NAMES):
            self.refuse("script-shadowing", f"a script may not declare '{name}'", body[0])
        self.scopes.append(names)
        for stmt in body:
            self.stmt(stmt)
        self.scopes.pop()

    def stmt(self, node: Node) -> None:
        kind = node["type"]
        walk = _STATEMENTS.get(kind)
        if walk is not None:
            walk(self, node)
        elif kind != "EmptyStatement":
            self.refuse("script-forbidden-syntax", f"{kind} is not allowed in test scripts", node)

    def expression_statement(self, node: Node) -> None:
        expr = node["expression"]
        found = self.expr(expr)
        if found[0] is Kind.CAP and js._unwrap(expr).get("type") != "CallExpression":
            self.alias(found, expr)

    def variables(self, node: Node) -> None:
        for decl in node["declarations"]:
            self.pattern(decl["id"])
            if decl.get("init") is not None:
                self.value(decl["init"])

    def function_declaration(self, node: Node) -> None:
        if node["id"]["name"] not in self.trusted:
            self.function(node)

    def return_statement(self, node: Node) -> None:
        if node.get("argument") is not None:
            self.returned(node["argument"])

    def if_statement(self, node: Node) -> None:
        self.value(node["test"])
        self.stmt(node["consequent"])
        if node.get("alternate") is not None:
            self.stmt(node["alternate"])

    def for_statement(self, node: Node) -> None:
        self.loop_head([node["init"]] if node.get("init") else [])
        for part in ("init", "test", "update"):
            if node.get(part) is not None and node[part]["type"] != "VariableDeclaration":
                self.value(node[part])
        self.stmt(node["body"])
        self.scopes.pop()

    def for_each(self, node: Node) -> None:
        """``for (… in …)`` and ``for (… of …)``."""
        if node.get("await"):
            self.refuse("script-forbidden-syntax", "for await is not allowed in test scripts", node)
        left = node["left"]
        self.loop_head([left] if left["type"] == "VariableDeclaration" else [])
        if left["type"] != "VariableDeclaration":
            self.target(left)
        self.value(node["right"])
        self.stmt(node["body"])
        self.scopes.pop()

    def while_statement(self, node: Node) -> None:
        self.value(node["test"])
        self.stmt(node["body"])

    def jump(self, node: Node) -> None:
        """``break`` and ``continue``, without labels."""
        if node.get("label") is not None:
            self.refuse("script-forbidden-syntax", "labels are not allowed in test scripts", node)

    def switch_statement(self, node: Node) -> None:
        self.value(node["discriminant"])
        for case in node["cases"]:
            if case.get("test") is not None:
                self.value(case["test"])
            self.block(case["consequent"])

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
        if (kind == "UnaryExpression" and node["operator"] in KEY_UNARY) or kind == "UpdateExpression":
            self.expr(node)
            return
        if kind == "BinaryExpression" and (
            node["operator"] in NUMERIC_OPS
            or (node["operator"] == "+" and (numeric_literal(node["left"]) or numeric_literal(node["right"])))
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


# The statements a test script may use, by ESTree type; every other one is refused.
_STATEMENTS: dict[str, Callable[[Statements, Node], None]] = {
    "ExpressionStatement": Statements.expression_statement,
    "VariableDeclaration": Statements.variables,
    "FunctionDeclaration": Statements.function_declaration,
    "ReturnStatement": Statements.return_statement,
    "IfStatement": Statements.if_statement,
    "BlockStatement": lambda walk, node: walk.block(node["body"]),
    "ForStatement": Statements.for_statement,
    "ForInStatement": Statements.for_each,
    "ForOfStatement": Statements.for_each,
    "WhileStatement": Statements.while_statement,
    "DoWhileStatement": Statements.while_statement,
    "BreakStatement": Statements.jump,
    "ContinueStatement": Statements.jump,
    "SwitchStatement": Statements.switch_statement,
    "ThrowStatement": lambda walk, node: walk.value(node["argument"]),
}
