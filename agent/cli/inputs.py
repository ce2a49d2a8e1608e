"""A command's inputs: a file or ``-`` for stdin as text, and how strictly specs are loaded."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from agent.errors import InputError, UsageError

if TYPE_CHECKING:
    from agent.models import SpecDocument


# How strictly every spec-loading command loads specs (one declaration, the same flags everywhere).
StrictFlag = Annotated[
    bool | None,
    typer.Option("--strict/--no-strict", help="Refuse a spec that fails OpenAPI validation [strict]."),
]
NoValidateFlag = Annotated[
    bool, typer.Option("--no-validate", help="Skip OpenAPI validation of specs [validate_specs].")
]
EnvironmentFlag = Annotated[
    Path | None,
    typer.Option(
        "--environment",
        help="Postman environment file: its values reach newman at run time, never the collection "
        "[environment].",
    ),
]


def open_text(path: str) -> TextIO:
    """``path`` (or stdin for ``-``) as UTF-8 text; invalid bytes become U+FFFD, never an error."""
    try:
        if path == "-":
            return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline="")
        return open(path, encoding="utf-8", errors="replace", newline="")  # the caller closes it
    except FileNotFoundError:
        raise InputError(f"cannot read {path!r}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"cannot read {path!r}: it is a directory") from None
    except OSError as exc:
        raise InputError(f"cannot read {path!r}: {exc.strerror or exc}") from None


def read_text(path: str, max_bytes: int) -> str:
    """The whole input as text, refusing more than ``max_bytes``."""
    with open_text(path) as stream:
        text = stream.read(max_bytes + 1)
    if len(text) > max_bytes:
        raise InputError(f"{path!r} is larger than {max_bytes // (1024 * 1024)} MiB; scan it in parts")
    return text


def spec_checks(strict: bool | None, no_validate: bool) -> dict[str, Any]:
    """Settings overrides for ``--strict/--no-strict`` and ``--no-validate`` (None: as configured).

    ``--no-validate`` skips the meta-schema check entirely (nothing to warn about or refuse),
    so it contradicts ``--strict``.
    """
    if strict and no_validate:
        raise UsageError("--strict refuses invalid specs and --no-validate skips the check: give one")
    return {"strict": strict, "validate_specs": False if no_validate else None}


def warn_problems(*specs: SpecDocument | None) -> None:
    """A warning on stderr for each spec loaded despite failing validation."""
    import typer

    from agent.specs.metaschema import describe

    for spec in specs:
        if spec is not None and spec.problems:
            typer.echo(f"postwright: warning: {describe(spec.ref, spec.version, spec.problems)}", err=True)
