"""Read-only and full folders for real (the publish tests' fixtures: one implementation)."""

from tests.publish.conftest import read_only, small_disk

__all__ = ["read_only", "small_disk"]
