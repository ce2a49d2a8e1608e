"""GitHub's own description (@octokit/openapi) held against every exchange, with postwright's validators."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.check.conformance import request_violations
from agent.check.spec_context import SpecContext
from agent.generate import spec_view
from agent.specs.load import load_spec
from tests.github.standin.web import Reply, Request

CONTRACT = Path(__file__).resolve().parents[1] / "contract"
SPEC = CONTRACT / "node_modules" / "@octokit" / "openapi" / "generated" / "api.github.com.json"
FIXTURES = CONTRACT / "node_modules" / "@octokit" / "fixtures" / "scenarios" / "api.github.com"
# Statuses GitHub answers on any endpoint (auth, limits, outages) though few operations declare them.
_EMPTY = "\x00"
_SPANNING = ("{ref}", "{path}", "{basehead}")  # parameters whose values hold slashes
GENERIC = frozenset({401, 403, 404, 422, 429, 500, 502, 503})


def missing() -> str | None:
    """Why the contract cannot be checked here (None when it can)."""
    if not SPEC.is_file():
        where = SPEC.relative_to(CONTRACT.parents[2])
        return f"GitHub's OpenAPI description is not installed ({where}): run `make github-env`"
    return None


@dataclass
class Contract:
    """The spec, loaded once, and what it found wrong since the last ``take()``."""

    ctx: SpecContext
    load_seconds: float
    violations: list[str] = field(default_factory=list)
    requests: int = 0
    responses: int = 0
    operations: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def load(cls) -> Contract:
        started = time.perf_counter()
        spec = load_spec(str(SPEC), validate=False)
        return cls(SpecContext(spec), time.perf_counter() - started)

    def observe(self, req: Request, reply: Reply) -> None:
        """Check one exchange (the stand-in calls this for every request it answers)."""
        found = self.check(req.method, req.path, req.query, req.headers, req.body, reply)
        with self._lock:
            self.violations += found

    def check(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes,
        reply: Reply,
    ) -> list[str]:
        """What breaks GitHub's contract in this request and its reply (empty: both conform)."""
        line = f"{method} {path}"
        op, values = self._match(method, path)
        if op is None:
            return [f"{line}: no operation of api.github.com matches"]
        request: dict[str, Any] = {
            "url": {"query": [{"key": k, "value": v} for k, v in query.items()]},
            "header": [{"key": k, "value": v} for k, v in headers.items()],
        }
        if body:
            request["body"] = {"mode": "raw", "raw": body.decode("utf-8", "replace")}
        out = [f"{line} request: {v}" for v in request_violations(self.ctx, op, request, values)]
        out += [f"{line} -> {reply.status}: {v}" for v in self._response(op, reply)]
        with self._lock:
            self.requests += 1
            self.responses += 1
            self.operations.add(op.key)
        return out

    def _match(self, method: str, path: str) -> tuple[Any, dict[str, str]]:
        """The operation of a path; a last parameter may span segments (a ref, a file path)."""
        segments = path.strip("/").split("/")
        if path.endswith("/") and path != "/":
            segments.append(_EMPTY)  # GET .../contents/ : the {path} parameter, empty
        for cut in range(len(segments), 0, -1):
            tried = [*segments[:cut], "/".join(segments[cut:])] if cut < len(segments) else segments
            op, values = self.ctx.match(method, tried)
            spans = cut >= len(segments) - 1 or (op is not None and op.path.endswith(_SPANNING))
            if op is not None and spans:
                return op, {k: "" if v == _EMPTY else v for k, v in values.items()}
        return None, {}

    def _response(self, op: Any, reply: Reply) -> list[str]:
        status = str(reply.status)
        declared = status in (op.spec.get("responses") or {})
        if not declared and reply.status not in GENERIC:
            return [f"status {status} is not declared"]
        if reply.raw is not None:
            return []
        if declared:
            _media, media = spec_view.pick_media(spec_view.response(self.ctx.doc, op, status).get("content"))
            schema = media.get("schema")
            if schema is None:
                return [] if reply.body is None else ["a body where the operation declares none"]
        else:
            schema = {"$ref": "#/components/schemas/basic-error"}
        if reply.body is None:
            return ["no body where the operation declares one"]
        errors = self.ctx.validator(schema).iter_errors(reply.body)
        out = [
            f"{'/'.join(map(str, getattr(e, 'instance_path', []) or []))}: {e.message[:200]}" for e in errors
        ]
        return out[:5] + _error_body(reply)

    def take(self) -> list[str]:
        """The violations found so far, forgetting them."""
        with self._lock:
            found, self.violations = self.violations, []
        return found


def _error_body(reply: Reply) -> list[str]:
    """GitHub's 4xx bodies always carry both; basic-error requires neither, so this is checked too.

    (A 5xx from GitHub's edge may be a bare ``{"message": "Server Error"}``.)
    """
    if not 400 <= reply.status < 500 or not isinstance(reply.body, dict):
        return []
    body = reply.body
    if isinstance(body.get("message"), str) and isinstance(body.get("documentation_url"), str):
        return []
    return ["an error body without GitHub's message and documentation_url"]
