"""The sandbox adapter: newman (pinned in ``sandbox/``) against a Prism mock or a target, isolated."""

from agent.runner.credentials import CredentialProvider, Masker, TargetToken, provider_from
from agent.runner.newman import NewmanRunner
from agent.runner.report import ItemOutcome, RunRecord, VerifyReport
from agent.runner.sandbox import INSTALL_COMMAND, SandboxTools

__all__ = [
    "INSTALL_COMMAND",
    "CredentialProvider",
    "ItemOutcome",
    "Masker",
    "NewmanRunner",
    "RunRecord",
    "SandboxTools",
    "TargetToken",
    "VerifyReport",
    "provider_from",
]
