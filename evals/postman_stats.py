"""Shared by the evals that compare collections: where Portman is, and what a collection holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

PORTMAN = Path(__file__).resolve().parent / "portman" / "node_modules" / ".bin" / "portman"


def count(node: Any) -> tuple[int, int]:
    """(requests, pm.test calls) in a Postman collection or folder."""
    items = tests = 0
    for child in node.get("item") or []:
        if "item" in child:
            i, t = count(child)
            items, tests = items + i, tests + t
            continue
        items += 1
        for event in child.get("event") or []:
            tests += sum(str(line).count("pm.test(") for line in event.get("script", {}).get("exec", []))
    return items, tests
