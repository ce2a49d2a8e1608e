"""The Pet Clinic API of evals/mutation/spec.yaml, served for real, with one optional mutant.

usage: python -m evals.mutation.server [--port N] [--mutant NAME]   (or env PW_MUTANT=NAME)
Prints "listening on http://127.0.0.1:PORT/v1" once ready. The backend is stateless on
purpose: pet N exists for every 1 <= N <= 100000, so test order never matters.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

PREFIX = "/v1"
SPECIES = ["dog", "cat", "bird", "rabbit"]
PET_STATUS = ["available", "adopted", "in_treatment"]
FOODS = ["kibble", "wet", "seeds", "hay"]
MAX_ID = 100_000
LISTED = (7, 8, 9)  # the pets GET /pets answers with

# name -> what the mutant breaks (run.py prints these; the server only checks membership)
MUTANTS: dict[str, str] = {
    "get_pet_203": "GET /pets/{id} answers 203 instead of 200",
    "create_pet_200": "POST /pets answers 200 instead of 201",
    "delete_200_body": "DELETE /pets/{id} answers 200 with a body instead of 204",
    "get_pet_404": "GET /pets/{id} answers 404 for an existing pet (lookup bug)",
    "order_get_503": "GET /orders/{id} answers an undeclared 503",
    "patch_204": "PATCH /pets/{id} answers 204 without the changed pet",
    "pet_missing_status": "Pet lacks the required property status",
    "pet_renamed_name": "Pet property name renamed to petName",
    "pet_id_string": "Pet id retyped integer -> string",
    "species_out_of_enum": "Pet species 'hamster' (outside the enum)",
    "order_status_enum": "Order status 'refunded' (outside the enum)",
    "owner_missing": "Pet owner (required, nullable) omitted",
    "vacc_due_dropped": "Vaccination dueOn (required, nullable) dropped when null",
    "owner_name_null": "Owner name (not nullable) is null",
    "tags_null": "Pet tags (array, not nullable) is null",
    "tags_items_int": "Pet tags items integers instead of strings",
    "vacc_date_format": "Vaccination givenOn not a date (10/01/2025)",
    "age_negative": "Pet age -1 (below minimum 0)",
    "order_extra_prop": "Order leaks undeclared internalCost (additionalProperties: false)",
    "search_total_string": "SearchResult total retyped integer -> string",
    "list_wrapped": "GET /pets wraps the array in {items: [...]}",
    "list_text_plain": "GET /pets Content-Type text/plain",
    "order_ct_html": "POST /orders Content-Type text/html",
    "missing_total_header": "GET /pets omits the declared X-Total-Count header",
    "missing_location": "POST /pets omits the declared Location header",
    "missing_etag": "GET /orders/{id} omits the declared ETag header",
    "crash_empty_body": "POST /pets with no body -> 500 instead of 400",
    "crash_no_limit": "GET /pets without limit -> 500 (default not applied)",
    "search_q_optional": "GET /search no longer requires q (200 without it)",
    "idempotency_optional": "POST /orders no longer requires Idempotency-Key",
    "order_body_optional": "POST /orders accepts a missing body (201 with defaults)",
    "pet_name_optional": "POST /pets no longer requires name in the body",
    # issue 17's classes: what real servers did to tests that passed against a mock
    "logout_midway": "POST /session/logout ends every session: each later request answers 401",
    "missing_pet_200": "GET /pets/{id} answers 200 with an invented pet for an id that does not exist",
    "missing_listed_pet": "GET /pets lists pets that GET /pets/{id} answers 404 for (a listed id is missing)",
    "strict_species": "POST /pets refuses the schema-valid species bird and rabbit with 422 (a local rule)",
    "strict_quantity": "POST /orders refuses the schema-valid quantity above 5 with 422 (schema: 1..10)",
    "strict_patch_age": "PATCH /pets/{id} refuses the schema-valid age above 30 with 422 (schema: 0..60)",
}


def _error(code: str, message: str) -> dict[str, Any]:
    return {"code": code, "message": message}


class Api:
    """The handlers; ``mutant`` names the one defect to inject ("" = the correct server)."""

    def __init__(self, mutant: str = "") -> None:
        if mutant and mutant not in MUTANTS:
            raise SystemExit(f"unknown mutant {mutant!r}")
        self.m = mutant
        self.revoked = False  # logout_midway: set by the first logout, for every client

    # -- representations ---------------------------------------------------------------
    def pet(self, pid: int, name: str | None = None, species: str | None = None) -> dict[str, Any]:
        pet: dict[str, Any] = {
            "id": str(pid) if self.m == "pet_id_string" else pid,
            "name": name or ("Rex" if pid == 7 else f"pet{pid}"),
            "species": "hamster" if self.m == "species_out_of_enum" else species or SPECIES[pid % 4],
            "status": PET_STATUS[pid % 3],
            "age": -1 if self.m == "age_negative" else pid % 15,
            "weightKg": 4.5,
            "tags": None if self.m == "tags_null" else [1, 2] if self.m == "tags_items_int" else ["friendly"],
            "owner": {"id": 900 + pid % 7, "name": None if self.m == "owner_name_null" else "Ada"},
            "chipId": None,
            "createdAt": "2025-03-01T10:00:00Z",
        }
        pet["owner"]["phone"] = None
        if self.m == "pet_missing_status":
            del pet["status"]
        if self.m == "pet_renamed_name":
            pet["petName"] = pet.pop("name")
        if self.m == "owner_missing":
            del pet["owner"]
        return pet

    def order(self, oid: str, pet_id: int, food: str, quantity: int, note: Any) -> dict[str, Any]:
        order: dict[str, Any] = {
            "id": oid,
            "petId": pet_id,
            "food": food,
            "quantity": quantity,
            "status": "refunded" if self.m == "order_status_enum" else "placed",
            "total": round(quantity * 4.5, 2),
        }
        if isinstance(note, str):
            order["note"] = note
        if self.m == "order_extra_prop":
            order["internalCost"] = 1.25
        return order

    # -- dispatch ------------------------------------------------------------------------
    def handle(
        self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        """(status, JSON-able body or None, extra headers) for one request."""
        if not path.startswith(PREFIX + "/"):
            return 404, _error("not_found", "no such route"), {}
        parts = path[len(PREFIX) + 1 :].strip("/").split("/")
        if self.revoked:
            return 401, _error("unauthorized", "the session has ended"), {}
        if parts == ["session", "logout"] and method == "POST":
            self.revoked = self.m == "logout_midway"
            return 204, None, {}
        if parts == ["pets"] and method == "GET":
            return self.list_pets(query)
        if parts == ["pets"] and method == "POST":
            return self.create_pet(body)
        if len(parts) in (2, 3) and parts[0] == "pets":
            found = self.pet_route(method, parts, body)
            if found is not None:
                return found
        if parts == ["orders"] and method == "POST":
            return self.create_order(headers, body)
        if len(parts) == 2 and parts[0] == "orders" and method == "GET":
            if not re.fullmatch(r"ord-[0-9]{4}", parts[1]):
                return 404, _error("not_found", "no such order"), {}
            if self.m == "order_get_503":
                return 503, _error("unavailable", "order store is down"), {}
            etag = {} if self.m == "missing_etag" else {"ETag": '"v3"'}
            return 200, self.order(parts[1], 7, "kibble", 2, None), etag
        if parts == ["search"] and method == "GET":
            return self.search(query)
        return 404, _error("not_found", "no such route"), {}

    def pet_route(self, method: str, parts: list[str], body: bytes) -> tuple[int, Any, dict[str, str]] | None:
        """/pets/{id} and /pets/{id}/vaccinations; None for a method they do not have."""
        pid = int(parts[1]) if parts[1].isdigit() else 0
        if self.m == "missing_pet_200" and len(parts) == 2 and method == "GET" and pid > MAX_ID:
            return 200, self.pet(pid), {}
        if not 1 <= pid <= MAX_ID or (self.m == "missing_listed_pet" and pid in LISTED):
            return 404, _error("not_found", "no such pet"), {}
        if len(parts) == 3 and parts[2] == "vaccinations" and method == "GET":
            return self.vaccinations()
        if len(parts) == 2 and method == "GET":
            if self.m == "get_pet_404":
                return 404, _error("not_found", "no such pet"), {}
            return (203 if self.m == "get_pet_203" else 200), self.pet(pid), {}
        if len(parts) == 2 and method == "PATCH":
            return self.update_pet(pid, body)
        if len(parts) == 2 and method == "DELETE":
            return (200, {"deleted": True}, {}) if self.m == "delete_200_body" else (204, None, {})
        return None

    def list_pets(self, query: dict[str, list[str]]) -> tuple[int, Any, dict[str, str]]:
        raw_limit = query.get("limit", [None])[0]
        if raw_limit is None and self.m == "crash_no_limit":
            return 500, _error("internal", "int() argument must be a string, not 'NoneType'"), {}
        if raw_limit is not None and not (raw_limit.isdigit() and 1 <= int(raw_limit) <= 100):
            return 400, _error("bad_limit", "limit must be 1..100"), {}
        status = query.get("status", [None])[0]
        if status is not None and status not in PET_STATUS:
            return 400, _error("bad_status", "unknown status"), {}
        pets = [p for p in (self.pet(i) for i in LISTED) if status is None or p.get("status") == status]
        pets = pets[: int(raw_limit or 20)]
        headers = {} if self.m == "missing_total_header" else {"X-Total-Count": str(len(pets))}
        return 200, ({"items": pets} if self.m == "list_wrapped" else pets), headers

    def create_pet(self, body: bytes) -> tuple[int, Any, dict[str, str]]:
        if not body.strip() and self.m == "crash_empty_body":
            return 500, _error("internal", "Expecting value: line 1 column 1 (char 0)"), {}
        data = _json(body)
        if not isinstance(data, dict):
            return 400, _error("bad_body", "a JSON object is required"), {}
        name = data.get("name")
        if name is None and self.m == "pet_name_optional":
            name = "unnamed"
        if not isinstance(name, str) or not 1 <= len(name) <= 64:
            return 422, _error("bad_name", "name is required (1..64 characters)"), {}
        if data.get("species") not in SPECIES:
            return 422, _error("bad_species", "species must be one of " + ", ".join(SPECIES)), {}
        if self.m == "strict_species" and data["species"] in ("bird", "rabbit"):
            return 422, _error("bad_species", "this clinic treats dogs and cats only"), {}
        age = data.get("age")
        if age is not None and not (isinstance(age, int) and 0 <= age <= 60):
            return 422, _error("bad_age", "age must be 0..60"), {}
        pet = self.pet(4242, name=name, species=data["species"])
        headers = {} if self.m == "missing_location" else {"Location": f"{PREFIX}/pets/4242"}
        return (200 if self.m == "create_pet_200" else 201), pet, headers

    def update_pet(self, pid: int, body: bytes) -> tuple[int, Any, dict[str, str]]:
        data = _json(body)
        if not isinstance(data, dict):
            return 422, _error("bad_body", "a JSON object is required"), {}
        pet = self.pet(pid)
        for key, ok in (
            ("name", lambda v: isinstance(v, str) and 1 <= len(v) <= 64),
            ("status", lambda v: v in PET_STATUS),
            ("age", lambda v: isinstance(v, int) and 0 <= v <= (30 if self.m == "strict_patch_age" else 60)),
        ):
            if key in data:
                if not ok(data[key]):
                    return 422, _error("bad_" + key, f"invalid {key}"), {}
                pet[key] = data[key]
        return (204, None, {}) if self.m == "patch_204" else (200, pet, {})

    def vaccinations(self) -> tuple[int, Any, dict[str, str]]:
        given = "10/01/2025" if self.m == "vacc_date_format" else "2025-01-10"
        items: list[dict[str, Any]] = [
            {"vaccine": "rabies", "givenOn": given, "dueOn": "2026-01-10"},
            {"vaccine": "distemper", "givenOn": "2024-06-01", "dueOn": None},
        ]
        if self.m == "vacc_due_dropped":
            items[1].pop("dueOn")
        return 200, items, {}

    def create_order(self, headers: dict[str, str], body: bytes) -> tuple[int, Any, dict[str, str]]:
        key = headers.get("idempotency-key")
        if self.m != "idempotency_optional" and (key is None or not 8 <= len(key) <= 64):
            return 400, _error("idempotency_key", "Idempotency-Key header (8..64 chars) is required"), {}
        data = _json(body)
        if data is None and self.m == "order_body_optional":
            data = {"petId": 1, "food": "kibble", "quantity": 1}
        if not isinstance(data, dict):
            return 400, _error("bad_body", "a JSON object is required"), {}
        pet_id, food, quantity = data.get("petId"), data.get("food"), data.get("quantity")
        if not (isinstance(pet_id, int) and pet_id >= 1):
            return 422, _error("bad_pet", "petId is required"), {}
        if food not in FOODS:
            return 422, _error("bad_food", "food must be one of " + ", ".join(FOODS)), {}
        top = 5 if self.m == "strict_quantity" else 10
        if not (isinstance(quantity, int) and 1 <= quantity <= top):
            return 422, _error("bad_quantity", "quantity must be 1..10"), {}
        order = self.order("ord-5001", pet_id, food, quantity, data.get("note"))
        return 201, order, {}

    def search(self, query: dict[str, list[str]]) -> tuple[int, Any, dict[str, str]]:
        q = query.get("q", [None])[0]
        if q is None and self.m == "search_q_optional":
            q = ""
        if q is None or len(q) > 50:
            return 400, _error("bad_q", "q is required (1..50 characters)"), {}
        species = query.get("species", [None])[0]
        if species is not None and species not in SPECIES:
            return 400, _error("bad_species", "unknown species"), {}
        items = [p for p in (self.pet(7),) if q.lower() in str(p.get("name", p.get("petName"))).lower()]
        total: Any = str(len(items)) if self.m == "search_total_string" else len(items)
        return 200, {"total": total, "items": items}, {}


def _json(body: bytes) -> Any:
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def make_handler(api: Api) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to ``api``."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, payload, extra = api.handle(
                self.command, url.path, parse_qs(url.query, keep_blank_values=True), headers, body
            )
            data = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            if payload is not None:
                media = "application/json"
                if api.m == "list_text_plain" and self.command == "GET" and url.path == PREFIX + "/pets":
                    media = "text/plain"
                if api.m == "order_ct_html" and self.command == "POST" and url.path == PREFIX + "/orders":
                    media = "text/html"
                self.send_header("Content-Type", media + "; charset=utf-8")
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--mutant", default=os.environ.get("PW_MUTANT", ""))
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(Api(args.mutant)))
    print(f"listening on http://127.0.0.1:{server.server_address[1]}{PREFIX}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        sys.stdout.flush()


if __name__ == "__main__":
    main()
