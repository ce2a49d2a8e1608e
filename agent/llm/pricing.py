"""Prices per token, from litellm's bundled price table, read as a file (no litellm import).

Importing litellm costs seconds and, without ``ensure_offline``, a download; the table is
plain JSON shipped in its wheel, so it is located with ``find_spec`` and parsed directly.
Unknown models (local servers) have no price: cost is reported as unknown, and a cost
budget refuses to spend on them unless a price is given explicitly.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

_TABLE = "model_prices_and_context_window_backup.json"


@dataclass(frozen=True)
class Pricing:
    """USD per million tokens."""

    input_per_mtok: float
    output_per_mtok: float

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        """The price of one request."""
        return (prompt_tokens * self.input_per_mtok + completion_tokens * self.output_per_mtok) / 1_000_000


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    spec = importlib.util.find_spec("litellm")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / _TABLE
        if path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return {}
            return data if isinstance(data, dict) else {}
    return {}


def lookup(model: str) -> Pricing | None:
    """The price of an OpenAI model name (dated snapshots fall back to their family)."""
    table = _table()
    candidates = [model, f"openai/{model}"]
    # "gpt-4o-mini-2024-07-18" → "gpt-4o-mini"
    parts = model.split("-")
    while len(parts) > 1 and parts[-1].isdigit():
        parts.pop()
        candidates.append("-".join(parts))
    for name in candidates:
        entry = table.get(name)
        if isinstance(entry, dict):
            inp, out = entry.get("input_cost_per_token"), entry.get("output_cost_per_token")
            if isinstance(inp, (int, float)) and isinstance(out, (int, float)):
                return Pricing(float(inp) * 1_000_000, float(out) * 1_000_000)
    return None
