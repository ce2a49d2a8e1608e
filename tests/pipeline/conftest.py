"""The sandbox fixture of the runner tests (newman and Prism from sandbox/)."""

from tests.runner.conftest import sandbox_dir

__all__ = ["sandbox_dir"]
