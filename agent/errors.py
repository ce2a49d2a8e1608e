"""The error tree: one root, subclasses by who must act.

::

    PostwrightError                  exit 3 unless a subclass says otherwise
    ├── UsageError                   exit 2  the user: wrong flag, bad config, missing ${VAR}
    │   └── ConfigError              exit 2  postwright.toml or environment is wrong
    ├── InputError                   exit 2  the user: a spec or log that cannot be read
    ├── SourceUnreachable            exit 2  the operator: Airflow / URL / git host is down
    ├── StorageError                 exit 2  the user: a place we write is full or read-only
    ├── BoundaryViolation            exit 1  nobody may override: a secret or injection got stuck
    ├── GenerationFailed             exit 3  generator (rules or LLM) could not produce output
    ├── SandboxFailed                exit 3  newman / mock server could not run
    └── PublishFailed                exit 3  git / PR host refused the change

``ChecksFailed`` is not an error of the program: it signals that a check ran and
found problems, and it is the only way a command exits 1 on findings (validate, verify,
diff --fail-on, scan, doctor). Findings themselves are data (``models.Finding``), printed
by the command before it raises.
Messages must be one line and must never contain a secret.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130


class PostwrightError(Exception):
    """Root of every error postwright raises on purpose."""

    exit_code = EXIT_INTERNAL

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = " ".join(message.split())
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class UsageError(PostwrightError):
    """The command line was wrong."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """Configuration (file, environment, flags) is invalid or incomplete."""


class InputError(PostwrightError):
    """An input document (spec, log, collection) cannot be read or parsed."""

    exit_code = EXIT_USAGE


class SourceUnreachable(PostwrightError):
    """A configured source (Airflow, URL, git host) could not be reached."""

    exit_code = EXIT_USAGE


class StorageError(PostwrightError):
    """A place postwright writes (state dir, collections repository, output) is full or read-only."""

    exit_code = EXIT_USAGE


class BoundaryViolation(PostwrightError):
    """Something unsafe tried to cross the trust boundary."""

    exit_code = EXIT_FINDINGS


class GenerationFailed(PostwrightError):
    """A generator could not produce proposals."""


class SandboxFailed(PostwrightError):
    """The sandbox (newman, mock server) could not run."""


class PublishFailed(PostwrightError):
    """Publishing (git, PR host) failed."""


class ChecksFailed(PostwrightError):
    """A check ran and found problems; the CLI prints the one-line summary and exits 1."""

    exit_code = EXIT_FINDINGS


class MissingDependency(UsageError):
    """An optional piece is not installed; the message says what to install."""

    def __init__(self, what: str, install: str) -> None:
        super().__init__(f"{what} is not installed", hint=f"install it with: {install}")
