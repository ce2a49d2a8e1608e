"""A Postman environment file: values that reach newman at run time, never the collection."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.errors import InputError

MAX_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Environment:
    """The enabled values of an environment file; ``secrets`` are masked wherever output goes."""

    values: dict[str, str] = field(default_factory=dict)
    secrets: frozenset[str] = frozenset()

    def __repr__(self) -> str:  # values may be credentials: never shown
        return f"Environment(names={sorted(self.values)!r})"


def _value(raw: Any) -> str:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return json.dumps(raw) if isinstance(raw, (dict, list)) else str(raw)


def load_environment(path: Path) -> Environment:
    """The environment at ``path`` (Postman's export format); a one-line error when it is missing
    or not one. Values typed ``secret`` or under a credential name are marked for masking."""
    from agent.boundary.outbound.js import is_secret_name

    try:
        if path.stat().st_size > MAX_BYTES:
            raise InputError(f"{path}: an environment file over {MAX_BYTES // 1024 // 1024} MB is refused")
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the environment file ({exc.strerror})") from None
    except ValueError as exc:
        raise InputError(f"{path}: the environment file is not JSON ({str(exc)[:80]})") from None
    entries = data.get("values") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) and "key" in e for e in entries):
        raise InputError(f"{path}: not a Postman environment (no 'values' list of key/value entries)")
    values: dict[str, str] = {}
    secrets: set[str] = set()
    for entry in entries:
        if entry.get("enabled", True) is False:
            continue
        key, value = str(entry["key"]), _value(entry.get("value", ""))
        values[key] = value
        if entry.get("type") == "secret" or is_secret_name(key):
            secrets.add(value)
    return Environment(values, frozenset(secrets))
