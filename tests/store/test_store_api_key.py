"""A run's stored config names its API by the spec as located from the config, so a store shared by
many projects (PostgreSQL, issue 22) tells two projects' ``openapi.yaml`` apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.config import Settings, load_settings
from agent.wiring import api_key, job


def _settings(root: Path, spec: str) -> Settings:
    root.mkdir(parents=True, exist_ok=True)
    (root / "postwright.toml").write_text(f'spec = "{spec}"\n')
    return load_settings(cwd=root)


@pytest.mark.parametrize("spec", ["openapi.yaml", "api/openapi.yaml", "git:main:openapi.yaml"])
def test_the_same_spec_in_two_projects_names_two_apis(tmp_path: Path, spec: str) -> None:
    one, two = (_settings(tmp_path / name, spec) for name in ("one", "two"))
    assert api_key(one) != api_key(two)
    assert job(one).config["api"] == api_key(one) and job(one).config["spec"] == spec


def test_a_url_names_the_same_api_from_any_project(tmp_path: Path) -> None:
    url = "https://specs.test/orders.yaml"
    assert api_key(_settings(tmp_path / "one", url)) == api_key(_settings(tmp_path / "two", url)) == url
