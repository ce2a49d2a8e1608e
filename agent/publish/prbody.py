"""Render a pull-request description from structured data only (pure).

Every string that may have come from outside (operation paths, change text, test names,
reasons, placeholders) goes through :mod:`agent.publish.markdown`, so a hostile spec or
log cannot put a link, image, mention or HTML into the PR.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from agent.models import Change, Level, Proposal, Redaction, RunSummary, Safety
from agent.plan.safety import NOT_RUN_CODE
from agent.publish.markdown import code, escape

_COUNT_FIELDS = ("changes", "signals", "intents", "proposals", "kept", "dropped", "redactions", "quarantined")


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PrChange(_Data):
    """One API change the tests cover."""

    id: str
    level: Level
    operation: str
    text: str
    caught: bool | None = None  # some kept test of it fails on the old API (None: old not run)


class PrProposal(_Data):
    """One proposed test."""

    id: str
    name: str
    operation: str
    kind: str
    generator: str
    catches_old: bool | None = None  # fails on the old API, passes on the new (None: not run there)
    safety: Safety = "read"  # what running it does to a server (agent/plan/safety.py)
    not_run: bool = False  # left out against the real target by [target] allow (kept, unproven there)


class PrDrift(_Data):
    """A test a real target refused where the spec declares success: the server disagrees."""

    id: str
    operation: str
    declared: str
    status: int
    excerpt: str


class PrDropped(_Data):
    """A proposal that did not pass the checks, and why."""

    id: str
    name: str
    operation: str
    reasons: list[str]


class PrRedaction(_Data):
    """A kind of secret replaced on the way in, by placeholder (never the value)."""

    kind: str
    placeholder: str
    count: int = 1


class PrBodyData(_Data):
    """Everything a PR description may say, as data."""

    title: str
    change_set_key: str
    collection_path: str | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    changes: list[PrChange] = Field(default_factory=list)
    proposals: list[PrProposal] = Field(default_factory=list)
    dropped: list[PrDropped] = Field(default_factory=list)
    drift: list[PrDrift] = Field(default_factory=list)
    redactions: list[PrRedaction] = Field(default_factory=list)

    @classmethod
    def build(
        cls,
        *,
        title: str,
        change_set_key: str,
        changes: Sequence[Change] = (),
        proposals: Sequence[Proposal] = (),
        redactions: Sequence[Redaction] = (),
        summary: RunSummary | None = None,
        collection_path: str | None = None,
    ) -> PrBodyData:
        """Assemble the data from pipeline values; proposals that failed a check become ``dropped``."""
        kept = [p for p in proposals if p.ok and p.status != "dropped"]
        dropped = [p for p in proposals if not (p.ok and p.status != "dropped")]
        tally = Counter((r.kind, r.placeholder) for r in redactions)
        compared = any(p.catches_old is not None for p in kept)

        def caught(change: Change) -> bool | None:
            """Whether a kept test of ``change`` fails on the old API (None when it was not run)."""
            if not compared:
                return None
            return any(p.catches_old for p in kept if change.fingerprint in p.intent.change_fingerprints)

        counts = {f: int(getattr(summary, f)) for f in _COUNT_FIELDS} if summary else {}
        return cls(
            title=title,
            change_set_key=change_set_key,
            collection_path=collection_path,
            counts=counts,
            changes=[
                PrChange(id=c.id, level=c.level, operation=c.operation, text=c.text, caught=caught(c))
                for c in changes
            ],
            proposals=[
                PrProposal(
                    id=p.id,
                    name=_item_name(p),
                    operation=p.intent.operation,
                    kind=p.intent.kind.value,
                    generator=p.generator,
                    catches_old=p.catches_old,
                    safety=p.intent.safety,
                    not_run=any(f.code == NOT_RUN_CODE for f in p.findings),
                )
                for p in kept
            ],
            drift=[
                PrDrift(
                    id=p.id,
                    operation=p.intent.operation,
                    declared=p.drift.declared,
                    status=p.drift.status,
                    excerpt=p.drift.excerpt,
                )
                for p in proposals
                if p.drift is not None
            ],
            dropped=[
                PrDropped(
                    id=p.id,
                    # never the item's own name or the finding's words: a dropped proposal may
                    # have been dropped *because* its text was an injection
                    name=p.id,
                    operation=p.intent.operation,
                    reasons=sorted({f.code for f in p.findings if f.severity == "error"}) or ["dropped"],
                )
                for p in dropped
            ],
            redactions=[PrRedaction(kind=k, placeholder=ph, count=n) for (k, ph), n in sorted(tally.items())],
        )


def _item_name(proposal: Proposal) -> str:
    """Rule-made names are built from the spec's structure; a model's words are not repeated."""
    name = proposal.item.get("name")
    if proposal.generator != "rules" or not isinstance(name, str):
        return f"{proposal.intent.kind.value} test by the model"
    return name


def _section(title: str, lines: list[str]) -> list[str]:
    return [f"### {title} ({len(lines)})", "", *lines, ""] if lines else []


def render_pr_body(data: PrBodyData) -> str:
    """The Markdown description of a postwright pull request."""
    head = f"Change set {code(data.change_set_key[:12])}"
    if data.collection_path:
        head += f" · collection {code(data.collection_path)}"
    out = ["## postwright: proposed API tests", "", escape(data.title), "", head, ""]
    if data.counts:
        out += [" · ".join(f"{n} {escape(name)}" for name, n in data.counts.items()), ""]
    out += _section(
        "API changes",
        [
            f"- {code(c.level)} {code(c.id)} on {code(c.operation)}: {escape(c.text)}"
            + (" — no test catches the old API" if c.caught is False else "")
            for c in data.changes
        ],
    )
    out += _section(
        "Proposed tests",
        [
            f"- {code(p.name)} for {code(p.operation)} ({escape(p.kind)}, {escape(p.generator)}) {code(p.id)}"
            + f" · safety: {code(p.safety)}"
            + (" (not run against the target)" if p.not_run else "")
            + ("" if p.catches_old is None else f" · catches the old API: {'yes' if p.catches_old else 'no'}")
            for p in data.proposals
        ],
    )
    out += _section(
        "Drift: the server disagrees with the spec",
        [
            f"- {code(d.operation)} {code(d.id)}: the server disagrees with the spec:"
            f" {d.status} where {code(d.declared)} is declared"
            + (f"; it answered {code(d.excerpt)}" if d.excerpt else "")
            for d in data.drift
        ],
    )
    out += _section(
        "Dropped proposals",
        [
            f"- {code(d.id)} for {code(d.operation)}: " + ", ".join(code(r) for r in d.reasons)
            for d in data.dropped
        ],
    )
    out += _section(
        "Redacted on the way in",
        [f"- {code(r.kind)} as {code(r.placeholder)} ×{r.count}" for r in data.redactions],
    )
    out += [
        "Generated by postwright from the API diff and failing task logs; secrets were replaced by "
        "placeholders before anything was generated. Review every test before merging.",
        "",
    ]
    return "\n".join(out)
