"""The store masks every URL it records: run config, summaries, audit data, origins, watermark keys."""

from __future__ import annotations

import secrets

import pytest

from agent.models import Redaction
from tests.store.conftest import Backend


@pytest.mark.parametrize(
    "template",
    [
        "https://user:{s}@specs.example.com/openapi.yaml",
        "https://specs.example.com/openapi.yaml?access_token={s}",
        "https://specs.example.com/openapi.yaml?v=2&X-Amz-Signature={s}",
        "postgresql://svc:{s}@db/x",
        "https://{s}@github.com/org/repo/raw/main/spec.yaml",
    ],
)
def test_no_url_credential_reaches_the_store(backend: Backend, template: str) -> None:
    secret = "c" + secrets.token_hex(12)
    url = template.format(s=secret)
    store = backend.open()
    run = store.start_run("run", {"spec": url, "base": None, "logs": [url], "nested": {"u": url}})
    store.audit(run, "fetch", {"origin": url, "text": f"GET {url} failed"})
    store.add_redactions(run, [Redaction(kind="token", placeholder="[REDACTED:token:1]", origin=f"{url}#/a")])
    store.set_watermark(f"airflow:{url}:dag", "{}")
    store.finish_run(run, "ok", {"note": f"loaded {url}"})
    assert store.runs()[0].config["spec"] != url
    assert store.get_watermark(f"airflow:{url}:dag") == "{}"  # the key is masked the same way on read
    store.close()
    assert secret.encode() not in backend.stored_text()


def test_watermark_keys_with_different_passwords_of_one_host_agree(backend: Backend) -> None:
    store = backend.open()
    store.set_watermark(f"airflow:http://a:{secrets.token_hex(8)}@h:8080:dag", "1")
    assert store.get_watermark(f"airflow:http://a:{secrets.token_hex(8)}@h:8080:dag") == "1"
    store.close()
