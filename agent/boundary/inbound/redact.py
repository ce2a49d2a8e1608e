"""Replace secrets with stable placeholders, for whole texts and for streams of chunks.

The same value maps to the same placeholder within one :class:`Redactor` (one run), so a
reader can still see that two lines used the same token. The mapping is keyed by an HMAC
under a random per-run key that lives only in memory: neither the value nor an unkeyed hash
of it is ever stored.
"""

from __future__ import annotations

import hmac
import itertools
import secrets
from collections.abc import Iterable, Iterator, Sequence
from typing import final

from agent.boundary.inbound.detect import PLACEHOLDER, Detector, SecretFinding
from agent.boundary.inbound.patterns import PEM_WINDOW
from agent.boundary.inbound.wrapped import may_join
from agent.models import Redaction

__all__ = ["PLACEHOLDER", "Redactor", "SecretFinding"]

_BLOCK = 1 << 18  # characters gathered before a stream block is scanned
_MAX_CARRY = 1 << 16  # a line longer than this is cut at whitespace (bounded memory)
_WRAP_LINES = 64  # lines a block cut may move back to keep a wrapped token whole
_SHARED: dict[str, Detector] = {}


def _detector(engine: str) -> Detector:
    """Compiling the rule set costs ~0.1 s, so every Redactor of a process shares one."""
    if engine not in _SHARED:
        _SHARED[engine] = Detector(engine=engine)
    return _SHARED[engine]


@final
class Redactor:
    """Redacts secrets for one run; see the module docstring for the placeholder guarantees."""

    def __init_subclass__(cls, **kwargs: object) -> None:
        # sanitize_* seal whatever a Redactor returns: a subclass could hand back the input as is.
        raise TypeError("Redactor cannot be subclassed: the boundary seals what it returns")

    def __init__(self, *, engine: str = "auto") -> None:
        self._detector = _detector(engine)
        self._key = secrets.token_bytes(32)
        self._placeholders: dict[bytes, str] = {}
        self._counts: dict[str, int] = {}
        self.report: list[Redaction] = []  # every redaction of this run, in order

    @property
    def engine(self) -> str:
        """Name of the matching engine in use (``hyperscan`` or ``re``)."""
        return self._detector.engine.name

    def findings(self, text: str) -> list[SecretFinding]:
        """Where the secrets in ``text`` are (kind, rule, offsets); no values, nothing recorded."""
        return self._detector.find(text)

    def clean(self, texts: Sequence[str]) -> list[bool]:
        """For each text, whether it holds nothing to redact (one scan over all of them)."""
        return self._detector.clean(texts)

    def placeholder(self, kind: str, value: str) -> str:
        """The stable placeholder of ``value`` in this run (allocated on first sight)."""
        digest = hmac.digest(self._key, value.encode("utf-8", "surrogatepass"), "sha256")
        found = self._placeholders.get(digest)
        if found is None:
            n = self._counts.get(kind, 0) + 1
            self._counts[kind] = n
            found = self._placeholders[digest] = f"[REDACTED:{kind}:{n}]"
        return found

    def redact(self, text: str, *, origin: str = "", first_line: int = 1) -> tuple[str, list[Redaction]]:
        """Return ``text`` with every secret replaced, and what was replaced where.

        The redactions are also appended to :attr:`report` (everything this run replaced).
        """
        clean, made, _, _ = self._redact(text, origin, first_line)
        self.report.extend(made)
        return clean, made

    def _redact(self, text: str, origin: str, first_line: int) -> tuple[str, list[Redaction], int, int]:
        """Also return how far lines were counted: (offset, line number there), for the stream."""
        found = self._detector.find(text)
        if not found:
            return text, [], 0, first_line
        out: list[str] = []
        made: list[Redaction] = []
        pos = 0
        line = first_line
        ph = ""
        for i, f in enumerate(found):
            line += text.count("\n", pos, f.start)
            out.append(text[pos : f.start])
            if not (f.continues and ph):
                # A wrapped token is one secret: one placeholder for all its parts.
                value = text[f.start : f.end]
                for part in itertools.takewhile(lambda g: g.continues, found[i + 1 :]):
                    value += text[part.start : part.end]
                ph = self.placeholder(f.kind, value)
                made.append(Redaction(kind=f.kind, placeholder=ph, origin=origin, line=line))
            out.append(ph)
            line += text.count("\n", f.start, f.end)
            pos = f.end
        out.append(text[pos:])
        return "".join(out), made, pos, line

    def stream(self, chunks: Iterable[str], *, origin: str = "") -> Iterator[str]:
        """Redact a stream in bounded memory; redactions are appended to :attr:`report`.

        Blocks are cut at line ends, so a secret split across chunks is seen whole. An
        unfinished private-key block is carried into the next block (up to ``PEM_WINDOW``).
        """
        buf: list[str] = []
        size = 0
        line = 1
        for chunk in chunks:
            if not chunk:
                continue
            buf.append(chunk)
            size += len(chunk)
            if size < _BLOCK:
                continue
            text = "".join(buf)
            cut = _cut_point(text)
            if cut <= 0:
                buf, size = [text], len(text)
                continue
            out, made, counted, line = self._redact(text[:cut], origin, line)
            self.report.extend(made)
            line += text.count("\n", counted, cut)  # the rest of the block, counted once
            rest = text[cut:]
            buf, size = ([rest] if rest else []), len(rest)
            yield out
        if buf:
            out, _ = self.redact("".join(buf), origin=origin, first_line=line)
            yield out


def _unwrapped(text: str, cut: int) -> int:
    """Move a cut after a line back while that line may be joined with the next one (a token
    wrapped onto it); after ``_WRAP_LINES`` such lines in a row the block is cut anyway."""
    back = cut
    for _ in range(_WRAP_LINES):
        start = text.rfind("\n", 0, back - 1) + 1
        if not may_join(text, start, back - 1):
            return back
        if start == 0:
            break
        back = start
    return cut


def _cut_point(text: str) -> int:
    """Where a block may end: after the last newline, before an open private key, bounded."""
    cut = text.rfind("\n") + 1
    if cut == 0:
        if len(text) <= _MAX_CARRY:
            return 0
        # One enormous line: cut at the last whitespace so tokens stay whole.
        ws = max(text.rfind(" ", 0, len(text) - 1), text.rfind("\t", 0, len(text) - 1))
        return ws + 1 if ws > 0 else len(text) - _MAX_CARRY
    cut = _unwrapped(text, cut)
    begin = text.rfind("-----BEGIN", max(0, cut - PEM_WINDOW), cut)
    if begin >= 0 and "PRIVATE KEY" in text[begin : begin + 120] and "-----END" not in text[begin + 10 : cut]:
        line_start = text.rfind("\n", 0, begin) + 1
        if line_start > 0:
            return line_start
    return cut
