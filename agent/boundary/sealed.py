"""The types that prove input crossed the inbound boundary: :class:`Evidence` and :class:`SanitizedSpec`.

Nothing outside ``agent.boundary`` can make them. Their constructors refuse every caller;
the only way in is this module's private ``_seal`` / ``_seal_spec``, which check that their
caller is a module of ``agent.boundary`` (so importing them does not help), and an AST test
(``tests/boundary/test_sealed_contract.py``) keeps every call to them inside the package.
Both types are immutable, so a consumer cannot swap the text after the boundary passed it.
The LLM context and prompt builders accept only these types, never ``str`` from a source.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from typing import Any, NoReturn, Self, final

from pydantic import model_validator

from agent.models import Redaction, SpecDocument

_BOUNDARY = "agent.boundary."
_FIELDS = ("text", "origin", "redactions", "quarantined", "line_numbers")
# Set only while _seal_spec builds a SanitizedSpec; pydantic validates (and so checks) in between.
_SEALING: ContextVar[bool] = ContextVar("_SEALING", default=False)


def _refuse(what: str) -> NoReturn:
    raise TypeError(f"{what} is made only by agent.boundary.inbound.sanitize (tests: agent.testing.sealed)")


def _check_caller(what: str) -> None:
    """Refuse unless the caller of the private constructor (two frames up) is a boundary module."""
    caller = sys._getframe(2).f_globals.get("__name__", "")
    if not str(caller).startswith(_BOUNDARY):
        _refuse(what)


@final
class Evidence:
    """Redacted, injection-scanned text from one untrusted origin (immutable)."""

    __slots__ = _FIELDS
    text: str
    origin: str
    redactions: tuple[Redaction, ...]
    quarantined: int
    # An excerpt of a longer text: the original (1-based) number of each "\n"-separated line.
    line_numbers: tuple[int, ...] | None

    def __new__(cls, *args: object, **kwargs: object) -> Self:
        _refuse("Evidence")

    def __init_subclass__(cls, **kwargs: object) -> None:
        # A subclass could bring its own __new__ and pass for Evidence.
        _refuse("Evidence")

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Evidence is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Evidence is immutable: cannot delete {name!r}")

    def __reduce__(self) -> NoReturn:
        # Pickling would rebuild it through object.__new__; nothing needs to send Evidence anywhere.
        raise TypeError("Evidence cannot be pickled")

    def __copy__(self) -> Self:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> Self:
        return self

    def lines(self) -> Iterator[tuple[int, str]]:
        """(original line number, line) for every line of the text, excerpt or whole."""
        if self.line_numbers is None:
            return enumerate(self.text.splitlines(), start=1)
        return zip(self.line_numbers, self.text.split("\n") if self.line_numbers else [], strict=True)

    def __repr__(self) -> str:
        return f"Evidence(origin={self.origin!r}, chars={len(self.text)}, redactions={len(self.redactions)})"


@final
class SanitizedSpec(SpecDocument):
    """A spec document whose every string and key went through the redactor (immutable)."""

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        # A subclass could replace the validator that refuses construction.
        _refuse("SanitizedSpec")

    @model_validator(mode="before")
    @classmethod
    def _only_the_boundary(cls, data: Any) -> Any:
        # Every validating path (the constructor, model_validate, a TypeAdapter) passes here.
        if not _SEALING.get():
            _refuse("SanitizedSpec")
        return data

    @classmethod
    def model_construct(cls, _fields_set: set[str] | None = None, **values: Any) -> Self:
        _refuse("SanitizedSpec")

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        if update:
            _refuse("SanitizedSpec")
        return self


def _seal(
    text: str,
    origin: str,
    redactions: Sequence[Redaction],
    quarantined: int = 0,
    *,
    line_numbers: Sequence[int] | None = None,
) -> Evidence:
    """Wrap boundary output as Evidence; callable from ``agent.boundary`` modules only.

    ``line_numbers`` marks ``text`` as an excerpt: its lines (joined by ``"\n"``) carry these
    numbers in the original text, so readers can say where each line came from.
    """
    _check_caller("Evidence")
    if line_numbers is not None and len(line_numbers) != (text.count("\n") + 1 if line_numbers else 0):
        raise ValueError("an excerpt needs one line number per line")
    evidence = object.__new__(Evidence)
    values = (
        text,
        origin,
        tuple(redactions),
        quarantined,
        None if line_numbers is None else tuple(line_numbers),
    )
    for name, value in zip(_FIELDS, values, strict=True):
        object.__setattr__(evidence, name, value)
    return evidence


def _seal_spec(
    ref: str, version: str, document: dict[str, Any], problems: tuple[str, ...] = ()
) -> SanitizedSpec:
    """Wrap a redacted spec document; callable from ``agent.boundary`` modules only."""
    _check_caller("SanitizedSpec")
    token = _SEALING.set(True)
    try:
        return SanitizedSpec(ref=ref, version=version, document=document, problems=problems)
    finally:
        _SEALING.reset(token)
