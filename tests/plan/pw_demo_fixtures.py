"""Hand-built changes for the demo specs (v1 → v2), shaped like oasdiff's output."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from agent.models import Change, Level, LogSignal, Provenance, SpecDocument, fingerprint

SPECS = Path(__file__).resolve().parents[2] / "agent" / "examples" / "demo" / "specs"


def load(name: str) -> SpecDocument:
    doc = yaml.safe_load((SPECS / name).read_text())
    return SpecDocument(ref=str(SPECS / name), version=str(doc["openapi"]), document=doc)


def change(cid: str, level: Level, method: str, path: str, text: str, **extra: Any) -> Change:
    return Change(
        id=cid,
        level=level,
        operation=f"{method} {path}",
        path=path,
        method=method,
        text=text,
        fingerprint=fingerprint(cid, method, path, text),
        **extra,
    )


def demo_changes() -> list[Change]:
    out = [
        change("endpoint-added", "info", "GET", "/pets/{petId}/vaccinations", "endpoint added"),
        change(
            "new-required-request-parameter",
            "error",
            "GET",
            "/pets",
            "added the new required 'query' request parameter 'shelterId'",
        ),
        change(
            "request-parameter-enum-value-removed",
            "error",
            "GET",
            "/pets",
            "removed the enum value 'sold' from the 'query' request parameter 'status'",
        ),
        change(
            "request-property-enum-value-removed",
            "error",
            "POST",
            "/pets",
            "removed the enum value 'sold' of the request property 'status'",
        ),
    ]
    for method, path, status in (
        ("GET", "/pets", "200"),
        ("POST", "/pets", "201"),
        ("GET", "/pets/{petId}", "200"),
    ):
        prop = "/items/tag" if path == "/pets" and method == "GET" else "tag"
        out.append(
            change(
                "response-optional-property-removed",
                "warning",
                method,
                path,
                f"removed the optional property '{prop}' from the response with the '{status}' status",
            )
        )
        out.append(
            change(
                "response-property-enum-value-removed",
                "warning",
                method,
                path,
                f"removed the enum value 'sold' of the response property 'status' with the '{status}' status",
            )
        )
    return out


def demo_signals() -> list[LogSignal]:
    prov = Provenance(
        dag_id="petstore_sync",
        run_id="scheduled__2026-11-24T02:00:00+00:00",
        task_id="fetch_pets",
        try_number=1,
        line=3,
    )
    prov2 = prov.model_copy(update={"try_number": 2})
    url = "https://svc:[REDACTED:password]@api.petstore.example/v1/pets/42"
    return [
        LogSignal(
            method="GET",
            url=url,
            status=401,
            operation="GET /pets/{petId}",
            provenance=prov,
            fingerprint=fingerprint("a"),
        ),
        LogSignal(
            method="GET", url=url, status=401, operation=None, provenance=prov2, fingerprint=fingerprint("b")
        ),
        LogSignal(
            method="POST",
            url="https://api.petstore.example/v1/pets",
            status=422,
            error_keys=["code", "message"],
            provenance=prov.model_copy(update={"task_id": "push_pets"}),
            fingerprint=fingerprint("c"),
        ),
        LogSignal(
            method="GET", url="https://elsewhere.example/nothing", status=500, fingerprint=fingerprint("d")
        ),
    ]
