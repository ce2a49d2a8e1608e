"""The one place that turns exceptions into exit codes and one-line messages."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable

import click

from agent.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    ChecksFailed,
    PostwrightError,
)
from agent.urls import mask_urls


def _say(message: str) -> None:
    sys.stderr.write(f"postwright: {_redacted(message)}\n")


def _redacted(message: str) -> str:
    """Error text can quote inputs (a URL with credentials, a config value): redact it too."""
    message = mask_urls(message)  # userinfo and secret query values, whatever their entropy
    try:
        from agent.boundary.inbound.redact import Redactor

        return Redactor().redact(message)[0]
    except Exception:  # noqa: BLE001 - never let the error path fail; drop the detail instead
        return message.split(":", 1)[0] + ": (details withheld)"


def _traceback() -> None:
    """The current traceback (``--debug``), with every URL in it masked."""
    sys.stderr.write(mask_urls(traceback.format_exc()))


def run_guarded(invoke: Callable[[], object], *, debug: bool) -> int:
    """Call ``invoke`` and map what it raises to an exit code; print one line, or the traceback."""
    try:
        result = invoke()
    except ChecksFailed as exc:  # not an error: the findings are printed, this says why the exit is 1
        _say(str(exc))
        return exc.exit_code
    except PostwrightError as exc:
        if debug:
            _traceback()
        _say(f"error: {exc}")
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Abort:
        _say("interrupted")
        return EXIT_INTERRUPTED
    except click.ClickException as exc:
        if debug:
            _traceback()
        exc.show()
        return EXIT_USAGE if exc.exit_code == 2 else int(exc.exit_code)
    except KeyboardInterrupt:
        _say("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if debug:
            _traceback()
        name = type(exc).__name__
        first = " ".join(str(exc).split())[:200]
        _say(f"internal error: {name}: {first} (run with --debug for the traceback)")
        return EXIT_INTERNAL
    return int(result) if isinstance(result, int) else EXIT_OK
