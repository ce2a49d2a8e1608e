"""Versioned prompt templates from ``prompts/`` (shipped in the wheel), with the hashes a run records."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from string import Template

from agent.errors import ConfigError
from agent.shipped import shipped

PROMPTS_DIR = shipped("prompts")


@dataclass(frozen=True)
class PromptTemplate:
    """One template file: its id (``name/version/part``), text and SHA-256."""

    id: str
    text: str
    sha256: str

    def render(self, **values: str) -> str:
        """Substitute ``$placeholders``; a missing value is an error, values are not re-expanded."""
        try:
            return Template(self.text).substitute(values)
        except (KeyError, ValueError) as exc:
            raise ConfigError(f"prompt template {self.id} cannot be rendered: {exc}") from None


def load(name: str, version: str, part: str, folder: Path | None = None) -> PromptTemplate:
    """Read ``<folder>/<name>/<version>/<part>.md``."""
    path = (folder or PROMPTS_DIR) / name / version / f"{part}.md"
    try:
        data = path.read_bytes()
    except OSError:
        raise ConfigError(f"prompt template {name}/{version}/{part} is missing at {path}") from None
    return PromptTemplate(f"{name}/{version}/{part}", data.decode("utf-8"), hashlib.sha256(data).hexdigest())
