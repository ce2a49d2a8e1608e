"""Structured JSON log lines, every value passed through the redactor first."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from agent.boundary.inbound.redact import Redactor

_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, event and the record's extra fields, redacted."""

    def __init__(self) -> None:
        super().__init__()
        self.redactor = Redactor()

    def _clean(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.redactor.redact(value, origin="bot-log")[0]
        if isinstance(value, int | float | bool) or value is None:
            return value
        return self._clean(str(value))

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": self._clean(record.getMessage()),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                doc[key] = self._clean(value)
        if record.exc_info and record.exc_info[1] is not None:  # the type and message, never a traceback
            doc["error"] = self._clean(f"{type(record.exc_info[1]).__name__}: {record.exc_info[1]}")
        return json.dumps(doc, sort_keys=True)


def configure(stream: Any = None) -> None:
    """Send the bot's logs (and uvicorn's) as JSON lines to ``stream`` (stderr)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    for name in ("postwright.bot", "uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.propagate = False
        logger.setLevel(logging.INFO)
