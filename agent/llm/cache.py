"""Identical requests are answered once: completions cached by request hash.

In memory always; on disk too when given a folder (the run's state dir), so a nightly re-run
over the same evidence costs nothing. Only complete answers are kept (``finish_reason``
stop or tool_calls); a file that cannot be read is a miss, never an error.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict, replace
from pathlib import Path

from agent.llm.types import Completion

_KEEP = frozenset({"stop", "tool_calls"})


class ResponseCache:
    """Completions by request key; ``hits`` and ``misses`` count lookups."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self._memory: dict[str, Completion] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path | None:
        return self.folder / key[:2] / f"{key}.json" if self.folder else None

    def get(self, key: str) -> Completion | None:
        """The cached completion (marked ``cached``), or None."""
        with self._lock:
            found = self._memory.get(key)
        path = self._path(key)
        if found is None and path is not None and path.is_file():
            try:
                found = Completion(**json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError):
                found = None
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        return replace(found, cached=True)

    def put(self, key: str, completion: Completion) -> None:
        """Remember a complete answer."""
        if completion.finish_reason not in _KEEP:
            return
        stored = replace(completion, cached=False)
        with self._lock:
            self._memory[key] = stored
        path = self._path(key)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps(asdict(stored), sort_keys=True), encoding="utf-8")
        os.replace(tmp, path)  # atomic: a concurrent reader sees the old file or the new one
