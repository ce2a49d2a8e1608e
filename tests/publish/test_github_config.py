"""[publish] host = "github": the README's configs wire a pull-request publisher; bad input is one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.config import load_settings
from agent.errors import ConfigError
from agent.identity.github_app import GitHubApp
from agent.identity.token import IdentityError
from agent.publish.github import GitHubAPI
from agent.publish.remote import RemotePublisher
from agent.wiring import publisher
from tests.publish.test_github_publish import change_set

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_blocks() -> list[str]:
    section = README.read_text().split("### Publishing to GitHub", 1)[1].split("\n### ", 1)[0]
    return [b.split("```", 1)[0] for b in section.split("```toml\n")[1:]]


def test_the_readme_configs_wire_a_pull_request_publisher(tmp_path: Path) -> None:
    token, app = readme_blocks()
    (tmp_path / "postwright.toml").write_text(token)
    built = publisher(load_settings(cwd=tmp_path))
    assert isinstance(built, RemotePublisher) and isinstance(built.api, GitHubAPI)
    assert (built.branch, built.labels, built.draft, built.base_branch) == (
        "postwright/orders",
        ("api-tests",),
        False,
        "main",
    )
    assert built.api.calls.api_url == "https://api.github.com" and built.api.calls.max_wait == 900
    (tmp_path / "postwright.toml").write_text(app)
    source = publisher(load_settings(cwd=tmp_path)).api.calls.credentials.cache.source  # type: ignore[union-attr]
    assert isinstance(source, GitHubApp) and (source.app_id, source.private_key_env, source.repo) == (
        "123456",
        "POSTWRIGHT_APP_KEY",
        "acme/api-tests",
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('token_source = "github-app"\n', "needs app_id and app_private_key_env"),
        ('token_source = "github-app"\napp_id = "12"\n', "needs app_id and app_private_key_env"),
        ('token_source = "github-app"\napp_id = "my-app"\napp_private_key_env = "K"\n', "app_id"),
        ('token_env = "not a name"\n', "token_env"),
        ('host = "bitbucket"\n', "host"),
        ("max_wait = -1\n", "max_wait"),
    ],
)
def test_bad_publish_settings_are_one_line(tmp_path: Path, body: str, message: str) -> None:
    head = '[publish]\nrepo = "acme/api-tests"\n' + ("" if body.startswith("host") else 'host = "github"\n')
    (tmp_path / "postwright.toml").write_text(head + body)
    with pytest.raises(ConfigError, match=message) as failed:
        publisher(load_settings(cwd=tmp_path))
    assert "\n" not in str(failed.value)


@pytest.mark.parametrize("repo", ["just-a-name", "a/b/c", "/b"])
def test_a_repo_that_is_not_owner_slash_name_is_one_line(tmp_path: Path, repo: str) -> None:
    (tmp_path / "postwright.toml").write_text(f'[publish]\nhost = "github"\nrepo = "{repo}"\n')
    with pytest.raises(ConfigError, match="owner/name"):
        publisher(load_settings(cwd=tmp_path))


def test_a_missing_token_stops_before_any_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    (tmp_path / "postwright.toml").write_text(
        '[publish]\nhost = "github"\nrepo = "acme/api-tests"\napi_url = "http://127.0.0.1:9"\n'
    )
    built = publisher(load_settings(cwd=tmp_path))
    assert built is not None
    with pytest.raises(IdentityError, match="GITHUB_TOKEN is not set"):
        built.publish(change_set("a"))
