"""The sandbox adapter: newman (pinned in ``sandbox/``) against a Prism mock or a target, isolated."""

from agent.runner.credentials import ClientCredentials, CredentialProvider, Masker, StaticToken
from agent.runner.newman import NewmanRunner
from agent.runner.report import ItemOutcome, RunRecord, VerifyReport
from agent.runner.sandbox import INSTALL_COMMAND, SandboxTools

__all__ = [
    "INSTALL_COMMAND",
    "ClientCredentials",
    "CredentialProvider",
    "ItemOutcome",
    "Masker",
    "NewmanRunner",
    "RunRecord",
    "SandboxTools",
    "StaticToken",
    "VerifyReport",
]
