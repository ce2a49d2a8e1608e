"""[publish] host = "gitlab": the README config wires a GitLab publisher; bad input is one line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from agent.config import load_settings
from agent.errors import ConfigError, PublishFailed
from agent.publish.gitlab import GITLAB_MAX_BODY, GitLabHost
from agent.publish.remote import RemotePublisher
from agent.wiring import publisher
from tests.gitlab import people
from tests.gitlab.server import serve

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_block() -> str:
    section = README.read_text().split("### Publishing to GitLab", 1)[1].split("\n## ", 1)[0]
    return section.split("```toml\n", 1)[1].split("```", 1)[0]


def test_the_readme_config_wires_a_merge_request_publisher(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "postwright.toml").write_text(readme_block())
    monkeypatch.setenv("GITLAB_TOKEN", people.token())
    built = publisher(load_settings(cwd=tmp_path))
    assert isinstance(built, RemotePublisher) and isinstance(built.api, GitLabHost)
    assert (built.kind, built.max_body, built.branch) == (
        "merge request",
        GITLAB_MAX_BODY,
        "postwright/orders",
    )
    assert built.api._gl.api_url == "https://gitlab.example.com/api/v4"  # python-gitlab adds /api/v4, once
    assert (built.labels, built.draft, built.base_branch) == (("api-tests",), False, "main")


@pytest.mark.parametrize(
    ("extra", "env", "message"),
    [
        ("", {}, r"\$GITLAB_TOKEN"),
        ('token_env = "PW_GL"\n', {"GITLAB_TOKEN": "set-but-not-named"}, r"\$PW_GL"),
        ('api_url = "https://gitlab.example.com/api/v3"\n', {"GITLAB_TOKEN": "x"}, "/api/v4"),
    ],
)
def test_missing_token_or_wrong_api_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: str, env: dict[str, str], message: str
) -> None:
    monkeypatch.delenv("GITLAB_TOKEN", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    body = f'[publish]\nhost = "gitlab"\nrepo = "acme/api-tests"\n{extra}'
    (tmp_path / "postwright.toml").write_text(body)
    with pytest.raises(ConfigError, match=message):
        publisher(load_settings(cwd=tmp_path))


def test_the_token_is_audited_issued_then_refused_on_401(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with serve() as gitlab:
        s = people.project(gitlab)
        body = (
            f'[publish]\nhost = "gitlab"\nrepo = "{s.project.path_with_namespace}"\n'
            f'api_url = "{gitlab.api_url}"\ntoken_env = "PW_GL"\n'
        )
        (tmp_path / "postwright.toml").write_text(body)
        wrong = people.token()  # a token GitLab does not know: 401
        monkeypatch.setenv("PW_GL", wrong)
        settings = load_settings(cwd=tmp_path)
        built = publisher(settings)
        assert isinstance(built, RemotePublisher)
        with pytest.raises(PublishFailed, match="401") as caught:
            built.api.default_branch()
    assert caught.value.hint and "renew" in caught.value.hint
    with sqlite3.connect(settings.state_path / "state.db") as db:
        rows = list(db.execute("SELECT target, outcome, reason FROM identity_audit ORDER BY id"))
    target = f"gitlab:{s.project.path_with_namespace}"
    assert [r[:2] for r in rows] == [(target, "issued"), (target, "refused")]
    assert "401" in rows[1][2] and wrong not in repr(rows)
