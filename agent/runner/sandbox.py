"""The pinned Node project in ``sandbox/``: where its tools are and how to install them."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from agent.errors import MissingDependency

INSTALL_COMMAND = "npm ci --prefix sandbox --no-audit --no-fund"


def default_sandbox_dir() -> Path:
    """``sandbox/`` beside the ``agent`` package (a source checkout)."""
    return Path(__file__).resolve().parents[2] / "sandbox"


@dataclass(frozen=True)
class SandboxTools:
    """Absolute paths of node and the JS entry points the runner starts."""

    node: str
    newman: Path
    prism: Path

    @classmethod
    def locate(cls, sandbox_dir: Path) -> SandboxTools:
        """Find node, newman and prism; raise MissingDependency with the install command if absent."""
        node = shutil.which("node")
        if node is None:
            raise MissingDependency("node (Node.js 18.20 or later)", "apt-get install nodejs npm")
        modules = sandbox_dir / "node_modules"
        newman = modules / "newman" / "bin" / "newman.js"
        prism = modules / "@stoplight" / "prism-cli" / "dist" / "index.js"
        missing = [p for p in (newman, prism) if not p.is_file()]
        if missing:
            where = sandbox_dir.resolve()
            raise MissingDependency(f"the Node sandbox in {where} (newman, prism)", INSTALL_COMMAND)
        return cls(node=node, newman=newman.resolve(), prism=prism.resolve())
