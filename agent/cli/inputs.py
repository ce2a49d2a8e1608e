"""Opening a command's input (a file or ``-`` for stdin) as text, with one-line errors."""

from __future__ import annotations

import io
import sys
from typing import TextIO

from agent.errors import InputError


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
