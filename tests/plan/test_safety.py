"""Safety classes: operations named as real specs name them (GitHub, Jira, Kubernetes, Stripe,
Square, Zoom, jupyter-server style), each class with many variants."""

from __future__ import annotations

from typing import Any

import pytest

from agent.models import SpecDocument
from agent.plan import plan
from agent.plan.safety import EXTENSION, MARKER, classify, item_findings, marked, marker


def op(operation_id: str | None = None, summary: str | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"responses": {"200": {"description": "ok"}}, **extra}
    if operation_id is not None:
        out["operationId"] = operation_id
    if summary is not None:
        out["summary"] = summary
    return out


READS = [
    ("get", "/repos/{owner}/{repo}", op("repos/get", "Get a repository")),
    ("get", "/rest/api/3/issue/{issueIdOrKey}", op("getIssue", "Get issue")),
    ("get", "/api/v1/namespaces/{namespace}/pods", op("listCoreV1NamespacedPod")),
    ("head", "/v1/customers/{customer}", op()),
    ("options", "/items", op()),
    ("get", "/v1/checkout/sessions/{session}", op("GetCheckoutSessionsSession")),  # a session noun
    ("get", "/report/activities", op("reportSignInSignOutActivities", "Get sign In / sign out activity")),
    ("get", "/users/deleted", op("listDeletedUsers", "List deleted users")),  # "deleted" names data
    ("get", "/credentials/revoked", op("listRevokedTokens")),
    ("get", "/settings/reset-status", op("getResetStatus", "Get the status of a reset")),
    # POSTs that only search
    ("post", "/rest/api/3/search", op("searchForIssuesUsingJqlPost", "Search for issues using JQL (POST)")),
    ("post", "/v2/customers/search", op("SearchCustomers")),
    ("post", "/things/query", op()),
    ("post", "/things/filter", op("filterThings")),
    ("post", "/indices/{index}/_count", op()),
    ("post", "/_search", op()),
    ("post", "/v2/catalog/batch-retrieve", op("lookupCatalogObjects")),
    (
        "post",
        "/api/flow_runs/paginate",
        op("paginate_flow_runs_flow_runs_paginate_post", "Paginate Flow Runs"),
    ),
    ("post", "/api/deployments/paginate", op()),  # Prefect 3.4: pages of a list, nothing made
]
WRITES = [
    ("put", "/repos/{owner}/{repo}/topics", op("repos/replace-all-topics", "Replace all repository topics")),
    ("patch", "/api/v1/namespaces/{namespace}/pods/{name}", op("patchCoreV1NamespacedPod")),
    ("put", "/rest/api/3/issue/{issueIdOrKey}", op("editIssue", "Edit issue")),
    ("patch", "/users/{userId}", op("userUpdate", "Update a user")),
    ("post", "/v1/customers/{customer}", op("PostCustomersCustomer")),  # Stripe's update
    ("put", "/orgs/{org}/{product}/{enablement}", op("orgs/enable-security-product")),
]
CREATES = [
    ("post", "/repos/{owner}/{repo}/issues", op("issues/create", "Create an issue")),
    ("post", "/rest/api/3/filter", op("createFilter", "Create filter")),  # a filter *object*
    ("post", "/api/v1/namespaces/{namespace}/pods", op("createCoreV1NamespacedPod")),
    ("post", "/v1/charges", op("PostCharges")),
    ("post", "/graphql", op()),  # may carry a mutation: only the user can say it reads
    ("post", "/v1/checkout/sessions", op("PostCheckoutSessions")),  # makes a session, ends none
    ("post", "/users/{userId}/meetings", op("meetingCreate", "Create a meeting")),
    # GitHub: the token made is named for what it will do, creating it removes nothing
    ("post", "/orgs/{org}/actions/runners/remove-token", op("actions/create-remove-token-for-org")),
    (
        "post",
        "/repos/{o}/{r}/actions/runners/remove-token",
        op(summary="Create a remove token for a repository"),
    ),
]
DESTRUCTIVES = [
    ("delete", "/repos/{owner}/{repo}", op("repos/delete", "Delete a repository")),
    ("delete", "/api/v1/namespaces/{namespace}/pods", op("deleteCoreV1CollectionNamespacedPod")),
    ("delete", "/things/{id}", op()),
    ("post", "/logout", op()),
    ("get", "/logout", op()),  # jupyter-server and Flask apps log out on a GET
    ("get", "/api/shutdown", op()),
    ("get", "/auth/sign-out", op()),
    ("post", "/api/session", op("logOut", "Log out")),
    ("post", "/api/session/end", op(summary="Sign out of every device")),
    ("post", "/oauth2/revoke", op("RevokeToken", "RevokeToken")),
    ("post", "/credentials/revoke", op("credentials/revoke", "Revoke a list of credentials")),
    ("post", "/v1/payment_intents/{intent}/cancel", op("PostPaymentIntentsIntentCancel")),
    ("post", "/rest/api/3/task/{taskId}/cancel", op("cancelTask", "Cancel task")),
    ("post", "/v1/checkout/sessions/{session}/expire", op("PostCheckoutSessionsSessionExpire")),
    ("post", "/api/v1/namespaces/{namespace}/pods/{name}/eviction", op("createCoreV1NamespacedPodEviction")),
    ("put", "/repos/{o}/{r}/actions/workflows/{workflow_id}/disable", op("actions/disable-workflow")),
    ("put", "/app/installations/{installation_id}/suspended", op("apps/suspend-installation")),
    ("patch", "/applications/{client_id}/token", op("apps/reset-token", "Reset a token")),
    ("patch", "/accounts/{accountId}/plans/base/status", op("accountPlanBaseDelete", "Cancel a base plan")),
    ("post", "/admin/cache/clear", op()),
    ("post", "/admin/purge", op()),
    ("post", "/kernels/{kernel_id}/restart", op()),
    ("post", "/kernels/{kernel_id}/interrupt-and-kill", op()),
    ("post", "/db/{name}/truncate", op()),
    ("post", "/db/{name}:drop", op()),
    ("post", "/system/reboot", op()),
    ("post", "/api/admin/shut-down", op()),
    ("post", "/v2/catalog/batch-delete", op("BatchDeleteCatalogObjects")),
    ("post", "/tokens/{id}/invalidate", op()),
    ("post", "/sessions", op("sessionsDestroyAll", "Destroy all sessions")),
    ("post", "/users/{id}/deactivate", op()),
    ("post", "/users/{id}", op("userSSOTokenDelete")),  # the verb last (Zoom)
]


def _ids(cases: list[tuple[str, str, dict[str, Any]]]) -> list[str]:
    return [f"{m.upper()} {p} {o.get('operationId', '')}".strip() for m, p, o in cases]


@pytest.mark.parametrize(("method", "path", "operation"), READS, ids=_ids(READS))
def test_reads(method: str, path: str, operation: dict[str, Any]) -> None:
    assert classify(method, path, operation).safety == "read"


@pytest.mark.parametrize(("method", "path", "operation"), WRITES, ids=_ids(WRITES))
def test_writes(method: str, path: str, operation: dict[str, Any]) -> None:
    assert classify(method, path, operation).safety == "write"


@pytest.mark.parametrize(("method", "path", "operation"), CREATES, ids=_ids(CREATES))
def test_creates(method: str, path: str, operation: dict[str, Any]) -> None:
    assert classify(method, path, operation).safety == "create"


@pytest.mark.parametrize(("method", "path", "operation"), DESTRUCTIVES, ids=_ids(DESTRUCTIVES))
def test_destructives(method: str, path: str, operation: dict[str, Any]) -> None:
    verdict = classify(method, path, operation)
    assert verdict.safety == "destructive"
    assert verdict.problem is None


@pytest.mark.parametrize("method", ["GET", "Get", "get"])
def test_the_method_is_read_in_any_case(method: str) -> None:
    assert classify(method, "/logout").safety == "destructive"
    assert classify(method, "/things").safety == "read"


@pytest.mark.parametrize(
    ("method", "path", "chosen"),
    [
        ("post", "/graphql", "read"),
        ("delete", "/cart/items/{id}", "write"),
        ("get", "/export", "destructive"),
        ("post", "/logout", "create"),
        ("post", "/things", "destructive"),
    ],
)
def test_the_extension_chooses_the_class(method: str, path: str, chosen: str) -> None:
    verdict = classify(method, path, op(**{EXTENSION: chosen}))
    assert (verdict.safety, verdict.problem) == (chosen, None)


@pytest.mark.parametrize(
    "bad", ["READ", "safe", "", "read; destructive", 1, None, ["read"], {"class": "read"}]
)
def test_an_unusable_extension_is_a_finding_and_the_heuristic_stands(bad: Any) -> None:
    verdict = classify("post", "/logout", op(**{EXTENSION: bad}))
    assert verdict.safety == "destructive"
    assert verdict.problem is not None and EXTENSION in verdict.problem
    # the spec's value is data: never repeated in the message
    assert repr(bad) not in verdict.problem or bad in (None, 1)


def test_the_reason_never_quotes_the_spec() -> None:
    hostile = "Delete everything <img src=x onerror=alert(1)>"
    verdict = classify("post", "/things", op("x", hostile))
    assert verdict.safety == "destructive"
    assert "<img" not in verdict.reason and "everything" not in verdict.reason


def _spec(paths: dict[str, Any]) -> SpecDocument:
    doc = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths}
    return SpecDocument(ref="safety.yaml", version="3.0.3", document=doc)


def test_the_planner_sets_every_intents_safety_and_notes_a_bad_extension() -> None:
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
    spec = _spec(
        {
            "/things": {"get": {"responses": ok}, "post": {"responses": ok}},
            "/things/{id}": {
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "put": {"responses": ok},
                "delete": {"responses": ok},
            },
            "/logout": {"get": {"responses": ok}},
            "/search": {"post": {"responses": ok, EXTENSION: "nope"}},
        }
    )
    notes: list[Any] = []
    intents = plan([], [], spec, full_spec=True, notes=notes)
    got = {i.operation: i.safety for i in intents}
    assert got == {
        "GET /things": "read",
        "POST /things": "create",
        "PUT /things/{id}": "write",
        "DELETE /things/{id}": "destructive",
        "GET /logout": "destructive",
        "POST /search": "read",
    }
    assert [(n.code, n.location) for n in notes if n.code == "safety-extension"] == [
        ("safety-extension", "POST /search")
    ]


def test_the_marker_round_trips_and_a_mismatch_is_refused() -> None:
    logout = op("logout")
    item: dict[str, Any] = {"variable": [marker("destructive")]}
    assert marked(item) == "destructive" and item["variable"][0]["key"] == MARKER
    assert item_findings(item, "post", "/logout", logout) == []
    for lie in ("read", "create", "write", "", "safe"):
        edited = {"variable": [{"key": MARKER, "value": lie}]}
        found = item_findings(edited, "post", "/logout", logout)
        assert [f.code for f in found] == ["safety-mismatch"], lie
        assert found[0].severity == "error"
    # an item without a marker (a person's) is classified from its request when it runs
    assert item_findings({}, "post", "/logout", logout) == []
