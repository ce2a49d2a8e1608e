"""A hostile spec, end to end: `postwright generate` (rules and a gullible model), then plain newman.

The spec puts script-breaking names in every position a generator reads (properties, required
fields, enum values, removed properties, response headers, operation ids, tags), lists the
attacker first in ``servers`` and names it in examples and descriptions. The user then runs the
collection with their real token, as they would. The attacker's listener must hear nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.security.attack_kit import (
    Canaries,
    Recorder,
    artifacts,
    cli,
    have_newman,
    hostile_spec_pair,
    leaks,
    newman,
    script_payloads,
    scripts_of,
    write_yaml,
)

pytestmark = [
    pytest.mark.sandbox,
    pytest.mark.skipif(not have_newman(), reason="newman is not installed (make sandbox)"),
]

_STATE_CHANGING = {"set", "unset", "clear", "sendRequest", "replaceIn", "upsert", "add", "remove"}


def _calls(source: str) -> list[str]:
    """Names of every called member or function in a script (its AST, not its text)."""
    import esprima

    tree = esprima.parseScript(source).toDict()
    names: list[str] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") == "CallExpression":
                callee = node["callee"]
                if callee.get("type") == "MemberExpression" and not callee.get("computed"):
                    names.append(str(callee["property"]["name"]))
                elif callee.get("type") == "Identifier":
                    names.append(str(callee["name"]))
                else:
                    names.append("<computed>")
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend(node)
    return names


def _code_outside_strings(source: str) -> str:
    """The script with every string literal and template chunk blanked out."""
    import esprima

    spans: list[tuple[int, int]] = []
    for token in esprima.tokenize(source, {"range": True}):
        if token.type in ("String", "Template"):
            spans.append(tuple(token.range))
    out, last = [], 0
    for start, end in sorted(spans):
        out.append(source[last:start])
        last = end
    out.append(source[last:])
    return "".join(out)


def _assert_scripts_inert(collection: dict, listener: Recorder) -> None:
    for source in scripts_of(collection):
        calls = _calls(source)
        assert not set(calls) & _STATE_CHANGING, calls
        assert "eval" not in calls and "<computed>" not in calls, calls
        code = _code_outside_strings(source)
        assert f"{listener.port}" not in code, code


def _generate(tmp: Path, listener: Recorder, payloads: dict[str, str], *extra: str) -> tuple[dict, str]:
    base, revision = hostile_spec_pair(listener.url, payloads)
    write_yaml(tmp / "base.yaml", base)
    write_yaml(tmp / "rev.yaml", revision)
    done = cli("generate", "--spec", "rev.yaml", "--base", "base.yaml", "-o", "tests.json", *extra, cwd=tmp)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode in (0, 1), done.stderr
    return json.loads((tmp / "tests.json").read_text()), done.stdout + done.stderr


def _run_as_user(tmp: Path, canaries: Canaries, target: Recorder) -> str:
    """The three ways a user runs a generated collection with a real credential."""
    token, key = ("accessToken", canaries.token), ("apiKey", canaries.api_key)
    naive = newman(tmp / "tests.json", token, key, cwd=tmp)
    # the target is a recorder that answers anything: its ids are as good as the defaults
    # (without this, tests whose ids no list can find skip themselves and never reach it)
    defaults = ("pwUseDefaults", "1")
    pointed = newman(tmp / "tests.json", token, key, ("baseUrl", target.url), defaults, cwd=tmp)
    return naive.stdout + naive.stderr + pointed.stdout + pointed.stderr


@pytest.mark.parametrize("payload", sorted(script_payloads(1)))
def test_script_breaking_names_reach_no_listener(
    payload: str, tmp_path: Path, listener: Recorder, target: Recorder
) -> None:
    payloads = {payload: script_payloads(listener.port)[payload]}
    payloads["second"] = payloads[payload] + "2"
    payloads["third"] = "x" + payloads[payload]
    canaries = Canaries()
    collection, console = _generate(tmp_path, listener, payloads)

    _assert_scripts_inert(collection, listener)
    base_url = next(v["value"] for v in collection["variable"] if v["key"] == "baseUrl")
    assert str(listener.port) not in base_url, "the spec's servers chose where the token goes"

    newman_out = _run_as_user(tmp_path, canaries, target)
    assert listener.requests == [], listener.text()[:2000]
    assert target.requests, f"the collection never reached the user's target: {newman_out[-1500:]}"
    assert not leaks(canaries.values, artifacts(tmp_path, outputs=console)), "a canary was written"


def test_all_payloads_at_once_with_base_url_from_the_user(
    tmp_path: Path, listener: Recorder, target: Recorder
) -> None:
    canaries = Canaries()
    collection, console = _generate(
        tmp_path, listener, script_payloads(listener.port), "--base-url", target.url
    )
    _assert_scripts_inert(collection, listener)
    assert next(v["value"] for v in collection["variable"] if v["key"] == "baseUrl") == target.url
    result = newman(tmp_path / "tests.json", ("accessToken", canaries.token), cwd=tmp_path)
    assert listener.requests == [], listener.text()[:2000]
    assert target.requests, result.stdout[-1500:]
    carried = [r for r in target.requests if canaries.token in json.dumps(r)]
    assert carried, "bearer auth was not sent to the user's own target"
    assert not leaks(canaries.values, artifacts(tmp_path, outputs=console))


def test_gullible_model_obeys_the_spec_and_still_reaches_no_listener(
    tmp_path: Path, listener: Recorder, target: Recorder
) -> None:
    from agent.testing.fake_openai import FakeOpenAI
    from agent.testing.gullible import Gullible

    canaries = Canaries()
    model = Gullible()
    with FakeOpenAI(default=model) as server:
        env = {"POSTWRIGHT_LLM_BASE_URL": server.base_url}
        base, revision = hostile_spec_pair(listener.url, script_payloads(listener.port))
        write_yaml(tmp_path / "base.yaml", base)
        write_yaml(tmp_path / "rev.yaml", revision)
        done = cli(
            "generate",
            "--spec",
            "rev.yaml",
            "--base",
            "base.yaml",
            "--llm",
            "openai:gpt-4o-mini",
            "-o",
            "tests.json",
            cwd=tmp_path,
            env=env,
        )
    assert "Traceback" not in done.stderr and done.returncode in (0, 1), done.stderr
    assert server.requests, "the model was never asked"
    assert model.obeyed, "the gullible model found nothing to obey: the attack did not reach it"
    collection = json.loads((tmp_path / "tests.json").read_text())
    _assert_scripts_inert(collection, listener)
    _run_as_user(tmp_path, canaries, target)
    assert listener.requests == [], listener.text()[:2000]
    assert not leaks(canaries.values, artifacts(tmp_path, outputs=done.stdout + done.stderr))
