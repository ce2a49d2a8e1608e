"""Fixtures of the Airflow tests; the Airflow itself is the session fixture of ``session.py``."""

from __future__ import annotations

import pytest


class DictStore:
    """The two store methods the source uses, in memory."""

    def __init__(self) -> None:
        self.marks: dict[str, str] = {}

    def get_watermark(self, key: str) -> str | None:
        return self.marks.get(key)

    def set_watermark(self, key: str, value: str) -> None:
        self.marks[key] = value


@pytest.fixture
def store() -> DictStore:
    return DictStore()
