"""Request data is checked too: no foreign host, no credential variable outside credential fields."""

from __future__ import annotations

import random
from typing import Any

from agent.boundary.outbound.request import check_request
from agent.generate.data import param_value, sample


def codes(request: dict) -> set[str]:
    return {f.code for f in check_request(request, "item", (), check_data=True) if f.severity == "error"}


def request(query: list[dict] | None = None, raw_body: str | None = None) -> dict:
    req: dict = {
        "method": "POST",
        "url": {"raw": "{{baseUrl}}/pets", "host": ["{{baseUrl}}"], "path": ["pets"], "query": query or []},
        "header": [{"key": "Authorization", "value": "Bearer {{accessToken}}"}],
    }
    if raw_body is not None:
        req["body"] = {"mode": "raw", "raw": raw_body}
    return req


def test_clean_requests_pass() -> None:
    assert codes(request([{"key": "status", "value": "available"}], '{"name": "Rex"}')) == set()
    assert codes(request(raw_body='{"homepage": "https://example.com/rex"}')) == set()
    assert codes(request(raw_body='{"self": "{{baseUrl}}/pets/1"}')) == set()


def test_foreign_hosts_in_data_are_refused() -> None:
    # A spec's own servers are data too: a hostile spec lists the attacker there.
    assert "request-foreign-host" in codes(request(raw_body='{"self": "https://api.petstore.example/v1/p"}'))
    assert "request-foreign-host" in codes(request(raw_body='{"cb": "https://collector.attacker.example/x"}'))
    assert "request-foreign-host" in codes(request([{"key": "next", "value": "//evil.example/p"}]))


def test_credential_variables_outside_credential_fields_are_refused() -> None:
    assert "request-secret-in-data" in codes(request([{"key": "shelterId", "value": "{{accessToken}}"}]))
    assert "request-secret-in-data" in codes(request(raw_body='{"name": "{{accessToken}}"}'))
    assert codes(request([{"key": "api_key", "value": "{{apiKey}}"}])) == set()


def test_spec_examples_that_name_urls_or_variables_are_not_copied() -> None:
    rng = random.Random(0)
    bad: dict[str, Any] = {
        "name": "shelterId",
        "in": "query",
        "example": "https://attacker.example/?t={{accessToken}}",
    }
    bad["schema"] = {"type": "string", "pattern": "^sh-[0-9]{3}$"}
    value = param_value(bad, rng)
    assert "attacker" not in str(value) and "{{" not in str(value)
    schema = {"type": "object", "properties": {"name": {"type": "string", "example": "{{accessToken}}"}}}
    assert "{{" not in str(sample(schema, rng))
    assert sample({"type": "string", "example": "Rex"}, rng) == "Rex"


def test_cookie_api_key_as_variables_passes() -> None:
    cookie = request()
    cookie["header"] = [{"key": "Cookie", "value": "sid={{apiKey}}; theme={{theme}}"}]
    assert codes(cookie) == set()
    cookie["header"] = [{"key": "Cookie", "value": "sid={{apiKey}}; theme=dark"}]
    assert codes(cookie) == set()  # a literal under an ordinary name is a spec cookie parameter
    cookie["header"] = [{"key": "Cookie", "value": "sid={{apiKey}}; sessionid=abc"}]
    assert codes(cookie) == {"request-literal-credential"}


def test_userinfo_in_the_url_is_a_literal_credential() -> None:
    password = "pw" + str(random.Random().randrange(10**9))
    assert codes({"url": f"https://admin:{password}@api.petstore.example/pets"}) == {
        "request-base-url",
        "request-literal-credential",
        "request-foreign-host",
    }
    embedded = request()
    embedded["url"]["raw"] = "{{baseUrl}}" + f"admin:{password}@/pets"
    assert codes(embedded) == {"request-literal-credential"}
