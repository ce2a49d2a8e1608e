"""The GitHub stand-in's fixtures: the nightly DAG publishes pull requests to it."""

from tests.github.standin.fixtures import github, github_contract, github_server  # noqa: F401
