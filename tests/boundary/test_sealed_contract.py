"""Only agent.boundary constructs sealed values: no code elsewhere names the private constructors.

An AST scan of agent/, tests/ and evals/ (import-linter sees modules, not names). The runtime
check in ``sealed._check_caller`` refuses such calls anyway; this keeps them from being written.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRIVATE = frozenset({"_seal", "_seal_spec", "_SEALING"})
SEALED_TYPES = frozenset({"Evidence", "SanitizedSpec"})
# These two prove that the private paths fail, so they name them on purpose.
EXEMPT = {Path("tests/boundary/test_sealed_types.py"), Path("tests/boundary/test_sealed_contract.py")}


def forgeries(source: str) -> list[str]:
    """Where ``source`` reaches a sealed type's private construction path (``line: what``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        what = None
        if isinstance(node, ast.Name) and node.id in PRIVATE:
            what = node.id
        elif isinstance(node, ast.Attribute) and node.attr in PRIVATE:
            what = node.attr
        elif isinstance(node, ast.alias) and node.name.rpartition(".")[2] in PRIVATE | {"seal"}:
            what = f"import {node.name}"
        elif isinstance(node, ast.Constant) and node.value in PRIVATE:
            what = f"the string {node.value!r}"  # getattr(sealed, "_seal")
        elif isinstance(node, ast.Call) and _bypass(node):
            what = ast.unparse(node.func)
        if what:
            found.append(f"{getattr(node, 'lineno', '?')}: {what}")
    return found


def _bypass(call: ast.Call) -> bool:
    """``object.__new__(Evidence)``, ``Evidence.__new__(...)``, ``SanitizedSpec.__init__(...)``."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in {"__new__", "__setattr__", "__init__"}:
        return False
    names = {n.id for n in ast.walk(call) if isinstance(n, ast.Name)}
    names |= {n.attr for n in ast.walk(call) if isinstance(n, ast.Attribute)}
    return bool(names & SEALED_TYPES)


def _sources() -> list[Path]:
    out = []
    for top in ("agent", "tests", "evals"):
        for path in sorted((ROOT / top).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if (
                rel.parts[:2] != ("agent", "boundary")
                and rel not in EXEMPT
                and "node_modules" not in rel.parts
            ):
                out.append(path)
    return out


def test_no_code_outside_the_boundary_reaches_the_private_constructors() -> None:
    sources = _sources()
    assert len(sources) > 200  # the scan really covers the tree
    bad = {str(p.relative_to(ROOT)): f for p in sources if (f := forgeries(p.read_text()))}
    assert bad == {}


FORGED = [
    "from agent.boundary.sealed import _seal\n_seal('x', 'o', [])",
    "from agent.boundary.sealed import _seal as make\nmake('x', 'o', [])",
    "from agent.boundary import sealed\nsealed._seal('x', 'o', [])",
    "from agent.boundary import sealed\nsealed._seal_spec('r', '3', {})",
    "from agent.boundary import sealed\ngetattr(sealed, '_seal')('x', 'o', [])",
    "from agent.boundary import sealed\nsealed._SEALING.set(True)",
    "from agent.boundary.sealed import seal",
    "from agent.boundary.sealed import Evidence\nev = object.__new__(Evidence)",
    "from agent.boundary.sealed import Evidence\nev = Evidence.__new__(Evidence)",
    "from agent.boundary.sealed import SanitizedSpec\nSanitizedSpec.__new__(SanitizedSpec)",
    "from agent.boundary.sealed import SanitizedSpec\nspec = SanitizedSpec.__new__(SanitizedSpec)\n"
    "SanitizedSpec.__init__(spec, ref='r', version='3', document={})",
]
CLEAN = [
    "from agent.testing.sealed import evidence\nev = evidence('GET /pets -> 500')",
    "from agent.boundary.inbound.sanitize import sanitize_spec\nsanitize_spec(r, spec)",
    "from agent.boundary.sealed import Evidence\ndef f(ev: Evidence) -> str:\n    return ev.text",
    "class Point:\n    def __new__(cls):\n        return object.__new__(cls)",
    "@dataclass(frozen=True)\nclass P:\n    x: int\n    def __post_init__(self):\n"
    "        object.__setattr__(self, 'x', 1)",
]


@pytest.mark.parametrize("source", FORGED)
def test_the_scan_finds_every_way_to_forge(source: str) -> None:
    assert forgeries(source), source


@pytest.mark.parametrize("source", CLEAN)
def test_the_scan_lets_ordinary_code_be(source: str) -> None:
    assert forgeries(source) == []
