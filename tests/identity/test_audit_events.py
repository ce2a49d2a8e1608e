"""The token cache reports every issuance, refresh, refusal and failure of its source, with a keyed
fingerprint of the token (never the value), before a token is handed out."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import pytest

from agent.identity.audit import FINGERPRINT_CHARS, AuditEvent, fingerprint, keyed
from agent.identity.token import AccessToken, IdentityError, TokenCache, from_value
from agent.runner.credentials import TargetToken
from tests.identity.test_token_cache import Clock, _jwt


class Source:
    """Tokens that live ``life`` seconds by ``clock``; ``fail`` makes the next call raise it."""

    name = "fake"

    def __init__(self, clock: Clock, life: float | None = 100, *, aud: str | None = None) -> None:
        self.clock, self.life, self.aud = clock, life, aud
        self.client_id: str | None = "client-a"
        self.fail: Exception | None = None
        self.values: list[str] = []

    def token(self, audience: str | None, scopes: tuple[str, ...]) -> AccessToken:
        if self.fail is not None:
            raise self.fail
        self.values.append("v" + secrets.token_urlsafe(24))
        expires = None if self.life is None else datetime.fromtimestamp(self.clock() + self.life, tz=UTC)
        named = (self.aud,) if self.aud else ((audience,) if audience else ())
        return AccessToken(
            value=self.values[-1],  # type: ignore[arg-type]
            expires_at=expires,
            subject="svc",
            scopes=scopes,
            audience=named,
        )


def _cache(
    life: float | None = 100, *, aud: str | None = None
) -> tuple[TokenCache, Source, Clock, list[AuditEvent]]:
    clock = Clock()
    source = Source(clock, life, aud=aud)
    events: list[AuditEvent] = []
    key = secrets.token_bytes(32)
    return (
        TokenCache(source, clock=clock, on_event=events.append, fingerprint=keyed(key)),
        source,
        clock,
        events,
    )


def test_issued_then_reused_then_refreshed_at_80_percent() -> None:
    cache, source, clock, events = _cache(100)
    cache.token("https://a.test/", ("write", "read"))
    clock.now += 10
    cache.token("https://a.test/", ("read", "write"))  # held: not an issuance
    clock.now += 70
    cache.token("https://a.test/", ("read", "write"))
    assert [e.outcome for e in events] == ["issued", "refreshed"]
    first, second = events
    assert first.at == datetime.fromtimestamp(1_000_000, tz=UTC)
    assert second.at == datetime.fromtimestamp(1_000_080, tz=UTC)
    assert first.expires_at == datetime.fromtimestamp(1_000_100, tz=UTC)
    assert (first.source, first.client_id, first.subject) == ("fake", "client-a", "svc")
    assert first.audience == ("https://a.test/",) and first.scopes == ("read", "write")
    assert first.fingerprint != second.fingerprint and first.reason is None
    assert all(e.run_id is None and e.target is None for e in events)  # the recorder fills them in


@pytest.mark.parametrize("life", [100, None])
def test_a_401_is_refused_and_the_next_token_is_issued(life: float | None) -> None:
    cache, source, clock, events = _cache(life)
    cache.token(None, ("s",))
    cache.refused(None, ("s",))
    cache.refused(None, ("s",))  # nothing held any more: nothing to report
    cache.token(None, ("s",))
    assert [e.outcome for e in events] == ["issued", "refused", "issued"]
    assert events[1].fingerprint == events[0].fingerprint and events[1].reason == "the target answered 401"
    assert events[1].audience == () and events[1].scopes == ("s",)


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (
            IdentityError("token source 'fake': the client was refused"),
            "token source 'fake': the client was refused",
        ),
        (IdentityError("line one\nline two"), "line one line two"),  # errors are one line already
        (RuntimeError("a message that could hold anything"), "the source raised RuntimeError"),
        (KeyError("x"), "the source raised KeyError"),
    ],
)
def test_a_failing_source_is_reported_and_the_error_still_raised(error: Exception, reason: str) -> None:
    cache, source, clock, events = _cache()
    source.fail = error
    with pytest.raises(type(error)):
        cache.token("https://a.test/", ())
    (event,) = events
    assert event.outcome == "failed" and event.reason == reason
    assert event.fingerprint is None and event.expires_at is None and event.audience == ("https://a.test/",)


def test_a_failed_refresh_keeps_reporting_and_the_next_success_is_a_refresh() -> None:
    cache, source, clock, events = _cache(10)
    cache.token(None, ())
    clock.now += 9
    source.fail = IdentityError("token source 'fake': the authorization server is unreachable")
    with pytest.raises(IdentityError):
        cache.token(None, ())
    source.fail = None
    cache.token(None, ())
    assert [e.outcome for e in events] == ["issued", "failed", "refreshed"]


def test_an_event_that_cannot_be_recorded_stops_the_token() -> None:
    clock = Clock()
    source = Source(clock)

    def broken(event: AuditEvent) -> None:
        raise OSError("disk full")

    cache = TokenCache(source, clock=clock, on_event=broken)
    with pytest.raises(OSError):
        cache.token(None, ())
    cache.on_event = None
    assert cache.token(None, ()).value.get_secret_value() == source.values[-1] and len(source.values) == 2


@pytest.mark.parametrize("client_id", [None, 42, "cid"])
def test_client_id_is_read_from_the_source_when_it_is_a_string(client_id: object) -> None:
    cache, source, clock, events = _cache()
    source.client_id = client_id  # type: ignore[assignment]
    cache.token(None, ())
    assert events[0].client_id == (client_id if isinstance(client_id, str) else None)


def test_without_a_listener_nothing_is_computed() -> None:
    clock = Clock()
    calls: list[str] = []

    def counted(value: str) -> str:
        calls.append(value)
        return "x"

    cache = TokenCache(Source(clock), clock=clock, fingerprint=counted)
    cache.token(None, ())
    cache.refused(None, ())
    assert calls == []


def test_a_wrong_audience_token_is_refused_in_the_audit() -> None:
    cache, source, clock, events = _cache(aud="https://elsewhere.test/")
    provider = TargetToken(cache, "https://a.test/", ("read",), "target 'a'")
    with pytest.raises(IdentityError, match="not sent"):
        provider.token()
    assert [e.outcome for e in events] == ["issued", "refused"]
    assert events[1].audience == ("https://elsewhere.test/",)
    assert events[1].reason is not None and "https://elsewhere.test/" in events[1].reason
    assert "not sent" in events[1].reason
    with pytest.raises(IdentityError):  # not held: asked again, refused again
        provider.token()
    assert [e.outcome for e in events] == ["issued", "refused", "issued", "refused"]


@pytest.mark.parametrize(
    "claims", [{"exp": 1_000_000 - 5}, {"iat": 1_000_000 + 3600}, {"nbf": 1_000_000 + 600}]
)
def test_a_token_the_clocks_make_unusable_is_refused_with_that_reason(claims: dict[str, object]) -> None:
    clock = Clock()
    value = _jwt(claims)

    class Skewed(Source):
        def token(self, audience: str | None, scopes: tuple[str, ...]) -> AccessToken:
            return from_value(value, audience, scopes, expires_in=60)

    events: list[AuditEvent] = []
    cache = TokenCache(Skewed(clock), clock=clock, on_event=events.append)
    with pytest.raises(IdentityError, match="clocks"):
        TargetToken(cache, None, (), "target 'a'", clock=clock).token()
    assert [e.outcome for e in events] == ["issued", "refused"]
    assert events[1].reason is not None and "clocks" in events[1].reason and "401" not in events[1].reason


def test_events_never_hold_a_value() -> None:
    cache, source, clock, events = _cache(10)
    cache.token("https://a.test/", ("r",))
    clock.now += 9
    cache.token("https://a.test/", ("r",))
    cache.refused("https://a.test/", ("r",))
    dumped = "".join(e.model_dump_json() + repr(e) for e in events)
    assert len(source.values) == 2 and not any(v in dumped or v[:12] in dumped for v in source.values)


# -- the fingerprint -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["t", "short", "x" * 5000, "é☃", "a.b.c"])
def test_fingerprint_is_keyed_stable_and_never_the_value(value: str) -> None:
    key, other = secrets.token_bytes(32), secrets.token_bytes(32)
    print_1 = fingerprint(key, value)
    assert print_1 == fingerprint(key, value) == keyed(key)(value)  # stable per key
    assert print_1 != fingerprint(other, value)  # differs per key
    assert len(print_1) == FINGERPRINT_CHARS and int(print_1, 16) >= 0
    assert value not in print_1 or len(value) == 1  # (a one-character value may be a hex digit)


def test_fingerprint_is_not_a_plain_hash() -> None:
    import hashlib

    value = "tok" + secrets.token_hex(3)  # short enough to guess
    plain = {hashlib.sha256(value.encode()).hexdigest(), hashlib.sha1(value.encode()).hexdigest()}
    assert not any(p.startswith(fingerprint(secrets.token_bytes(32), value)) for p in plain)


def test_fingerprints_of_different_values_differ() -> None:
    key = secrets.token_bytes(32)
    values = {"v" + secrets.token_hex(8) for _ in range(200)}
    assert len({fingerprint(key, v) for v in values}) == len(values)


@pytest.mark.parametrize("key", [b"", b"short", bytes(15)])
def test_a_key_too_short_is_refused(key: bytes) -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        fingerprint(key, "value")
