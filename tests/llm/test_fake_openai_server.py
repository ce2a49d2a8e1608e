"""The shipped fake server speaks enough of the OpenAI API for the official SDK."""

from __future__ import annotations

import json

import openai

from agent.testing.fake_openai import FakeOpenAI, Reply, error


def test_official_sdk_round_trip() -> None:
    with FakeOpenAI(Reply(obj={"a": 1}), error(418, "teapot")) as fake:
        client = openai.OpenAI(base_url=fake.base_url, api_key="unused", max_retries=0)
        done = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        assert json.loads(done.choices[0].message.content or "") == {"a": 1}
        assert done.usage is not None and done.usage.total_tokens > 0
        try:
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
        except openai.APIStatusError as exc:
            assert exc.status_code == 418
        assert [m.id for m in client.models.list()] == ["fake"]
        # An empty script answers 500, so a test that forgot a reply fails loudly.
        fake.script()
        assert len(fake.requests) == 2
