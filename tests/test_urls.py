"""agent.urls: one mask for every URL that is recorded or printed (canaries made at run time)."""

from __future__ import annotations

import secrets
import string

import pytest

from agent.urls import MASK, has_credentials, mask_url, mask_urls, secret_name, url_key


def canary(prefix: str = "") -> str:
    return prefix + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(20))


# Passwords as connection URIs really hold them: '@', '/', '#', '?', '%', "'", '&', ':'.
PASSWORD_SHAPES = ["{c}", "{c}@x", "x/{c}", "{c}#1", "a?{c}", "{c}%2F", "o'{c}", "{c}&z", "p:{c}", "1234{c}"]


@pytest.mark.parametrize("shape", PASSWORD_SHAPES)
@pytest.mark.parametrize(
    "template",
    [
        "https://user:{pw}@api.example.com/spec.yaml",
        "postgresql://svc:{pw}@db.internal:5432/orders",
        "http://admin:{pw}@127.0.0.1:8080/",
        "https://user:{pw}@host",
        "https://user:{pw}@[::1]:8443/openapi.json?x=1",
    ],
)
def test_userinfo_password_is_masked_whatever_it_holds(template: str, shape: str) -> None:
    secret = shape.format(c=canary())
    url = template.format(pw=secret)
    shown, key = mask_url(url), url_key(url)
    assert secret not in shown and secret not in key
    assert "://***@" in shown and "@" not in key.split("://", 1)[1].split("/", 1)[0]
    host = template.split("@", 1)[1].split("/", 1)[0]
    assert host in shown and host in key


@pytest.mark.parametrize(
    "template",
    [
        "https://{t}@github.com/org/repo.git",  # a token as the user name
        "https://x-access-token:{t}@github.com/org/repo",
        "https://{t}:x-oauth-basic@github.com/org/repo",
        "https://{t}:@host/path",
    ],
)
def test_a_token_in_the_user_name_is_masked_too(template: str) -> None:
    token = canary("ghp_")
    assert token not in mask_url(template.format(t=token))
    assert token not in url_key(template.format(t=token))


@pytest.mark.parametrize(
    "name",
    [
        "access_token", "token", "key", "api_key", "apikey", "api-key", "sig", "signature", "password",
        "secret", "client_secret", "code", "X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token",
        "X-Goog-Signature", "refresh_token", "id_token", "sessionid", "sid", "pw", "auth", "jwt",
        "api%5Fkey", "Authorization",
    ],
)  # fmt: skip
@pytest.mark.parametrize(
    "where", ["?{n}={v}", "?page=2&{n}={v}", "?{n}={v}&page=2", "#{n}={v}", "?a=1;{n}={v}"]
)
def test_secret_named_query_and_fragment_values_are_masked(name: str, where: str) -> None:
    value = canary()
    url = "https://api.example.com/v1/pets" + where.format(n=name, v=value)
    for shown in (mask_url(url), url_key(url), mask_urls(f"failed: GET {url} (500)")):
        assert value not in shown
        assert f"{name}={MASK}" in shown
    assert "page=2" in mask_url(url) or "page" not in where


@pytest.mark.parametrize(
    "url",
    [
        "https://api.example.com/v1/pets?limit=10&offset=20",
        "https://h:8080/users/a@b.com",  # '@' in a path after a port is no userinfo
        "https://h/?email=a@b.com",
        "http://[::1]:80/x",
        "specs/petstore-v2.yaml",
        "git:main:openapi.yaml",
        "/abs/path/spec.yaml",
        "-",
    ],
)
def test_what_holds_no_credential_is_unchanged(url: str) -> None:
    assert mask_url(url) == url and url_key(url) == url and mask_urls(url) == url


def test_query_after_userinfo_keeps_its_at_sign() -> None:
    pw = canary()
    assert mask_url(f"https://u:{pw}@h/p?email=a@b.com") == "https://***@h/p?email=a@b.com"


def test_url_key_is_stable_across_credentials() -> None:
    keys = {url_key(f"http://admin:{canary()}@airflow.internal:8080/") for _ in range(5)}
    keys.add(url_key("http://airflow.internal:8080/"))
    keys.add(url_key(f"http://{canary()}@airflow.internal:8080/"))
    assert keys == {"http://airflow.internal:8080/"}


def test_every_url_in_free_text_is_masked() -> None:
    a, b, c = canary(), canary(), canary()
    text = (
        f"cannot fetch https://u:{a}@h/x.yaml: HTTP 404; retry 'http://v:{b}@g/y' or <https://k/?token={c}>"
    )
    shown = mask_urls(text)
    assert all(s not in shown for s in (a, b, c))
    assert "https://***@h/x.yaml" in shown and "http://***@g/y" in shown and "token=***" in shown


@pytest.mark.parametrize(
    "name",
    ["DB_PASS", "PRIMARY_DB_PASSWORD", "NON_PROD_API_KEY", "S3_BUCKET_SECRET_KEY", "PGPASSWORD", "apiKey"]
    + ["GITHUB_TOKEN", "client_secret", "AIRFLOW_PW", "X-Amz-Credential", "session_id", "sid"],
)
def test_secret_names(name: str) -> None:
    assert secret_name(name)


@pytest.mark.parametrize("name", ["HOST", "AF_HOST", "page", "limit", "dag_id", "USER", "region", "spec", ""])
def test_plain_names(name: str) -> None:
    assert not secret_name(name)


def test_has_credentials() -> None:
    s = canary()
    assert all(has_credentials(u) for u in (f"https://u:{s}@h", f"https://{s}@h", f"https://h/?token={s}"))
    assert not any(has_credentials(u) for u in ("https://h/v1", "http://127.0.0.1:8080", "https://h/?page=2"))
