from __future__ import annotations

from agent.models import IntentKind
from agent.plan import plan
from tests.plan.pw_demo_fixtures import demo_changes, demo_signals, load


def _by(intents, kind, operation=None):
    return [i for i in intents if i.kind is kind and (operation is None or i.operation == operation)]


def test_demo_diff_intents_cover_every_change() -> None:
    spec = load("petstore-v2.yaml")
    changes = demo_changes()
    intents = plan(changes, [], spec)
    covered = {fp for i in intents for fp in i.change_fingerprints}
    assert covered == {c.fingerprint for c in changes}
    # added endpoint: happy path + contract (no required non-path input → no negative test)
    added = [i for i in intents if i.operation == "GET /pets/{petId}/vaccinations"]
    assert {i.kind for i in added} == {IntentKind.HAPPY_PATH, IntentKind.CONTRACT}
    # new required query parameter: a negative (4XX) and a positive test
    neg = _by(intents, IntentKind.MISSING_REQUIRED, "GET /pets")
    assert [(i.expected_status, i.details["omit"]) for i in neg] == [
        ("4XX", {"in": "query", "name": "shelterId"})
    ]
    assert _by(intents, IntentKind.HAPPY_PATH, "GET /pets")
    # enum change: accepted values, query and body
    sets = sorted((i.operation, i.details["set"]["value"]) for i in intents if "set" in i.details)
    assert sets == sorted(
        [(op, v) for op in ("GET /pets", "POST /pets") for v in ("available", "pending", "adopted")]
    )
    # removed response property: the new shape is asserted, with the path of the property
    removed = {i.operation: i.details.get("removed") for i in _by(intents, IntentKind.PROPERTY_REMOVED)}
    assert removed == {"GET /pets": ["items", "tag"], "POST /pets": ["tag"], "GET /pets/{petId}": ["tag"]}


def test_plan_is_deterministic_and_deduplicated() -> None:
    spec = load("petstore-v2.yaml")
    changes = demo_changes()
    first = plan(changes, demo_signals(), spec)
    again = plan(list(reversed(changes)), demo_signals(), spec)
    assert [i.fingerprint for i in first] == [i.fingerprint for i in again]
    assert len({i.fingerprint for i in first}) == len(first)
    # the same change twice merges into the same intents
    assert [i.fingerprint for i in plan(changes + changes, [], spec)] == [
        i.fingerprint for i in plan(changes, [], spec)
    ]


def test_signals_become_regressions_with_provenance() -> None:
    spec = load("petstore-v2.yaml")
    intents = plan([], demo_signals(), spec)
    regressions = _by(intents, IntentKind.REGRESSION)
    assert {i.operation for i in regressions} == {"GET /pets/{petId}", "POST /pets"}
    get = next(i for i in regressions if i.operation == "GET /pets/{petId}")
    # two tries of the same failure (one matched by the source, one by URL) merge into one intent
    assert sorted(s.try_number for s in get.signals) == [1, 2]
    assert get.expected_status == "200" and get.details["observed_status"] == 401
    assert get.details["observed"]["path"] == {"petId": "42"}
    assert "401" in get.text and "petstore_sync" in get.text


def test_full_spec_counts_every_operation_as_added() -> None:
    spec = load("petstore-v2.yaml")
    intents = plan([], [], spec, full_spec=True)
    ops = {i.operation for i in intents}
    assert ops == {"GET /pets", "POST /pets", "GET /pets/{petId}", "GET /pets/{petId}/vaccinations"}
    for op in ops:
        kinds = {i.kind for i in intents if i.operation == op}
        assert {IntentKind.HAPPY_PATH, IntentKind.CONTRACT} <= kinds
    assert {i.details["omit"]["in"] for i in _by(intents, IntentKind.MISSING_REQUIRED)} == {"query", "body"}


def test_changes_on_removed_operations_plan_nothing() -> None:
    from tests.plan.pw_demo_fixtures import change

    spec = load("petstore-v2.yaml")
    gone = change(
        "api-path-removed-without-deprecation", "error", "DELETE", "/pets/{petId}", "api path removed"
    )
    assert plan([gone], [], spec) == []
