"""The GitLab stand-in's fixtures (``tests.gitlab.fixtures``), for this folder's tests."""

from tests.gitlab.fixtures import gitlab, gitlab_server  # noqa: F401
