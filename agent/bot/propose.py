"""``propose``: the PR's base and head spec files read through the API, then ``postwright run``'s pipeline.

The pipeline runs in a worker process (a pool of ``[bot] workers``): a spec that crashes a parser
takes down that process, not the bot, and parsers that are not thread-safe never share one.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import tempfile
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor
from pathlib import Path, PurePosixPath
from typing import Any

from agent import wiring
from agent.bot.host import PullHost
from agent.config import Settings
from agent.errors import PostwrightError, UsageError
from agent.events import Notice, RunFinished
from agent.models import RunSummary


def collection_for(settings: Settings, repo: str, number: int) -> str:
    """One collection (one tests PR) per pull request: ``<owner>-<name>-pr<N>.postman_collection.json``."""
    folder = PurePosixPath(settings.publish.collection).parent
    stem = repo.replace("/", "-")
    return str(folder / f"{stem}-pr{number}.postman_collection.json")


def settings_for(settings: Settings, spec: Path, base: Path | None, repo: str, number: int) -> Settings:
    """The run's settings: these spec files, published to the collections repository on GitHub."""
    publish = settings.publish.model_copy(
        update={
            "host": "github",
            "repo": settings.bot.collections_repo or repo,
            "collection": collection_for(settings, repo, number),
        }
    )
    update: dict[str, Any] = {
        "spec": str(spec),
        "base": str(base) if base else None,
        "ref_root": spec.parent,
        "publish": publish,
    }
    return settings.model_copy(update=update)


class ProposeFailed(PostwrightError):
    """The pipeline refused or failed (its one-line message, from the worker process)."""


class WorkerDied(ProposeFailed):
    """The worker process died (the pool is broken: make a new one)."""


def _run(run: Settings, name: str, ignore: frozenset[str]) -> dict[str, Any]:
    """In the worker process: the pipeline on these settings; its summary as JSON (and the notice
    count of changes left out by ``ignore``), or its error."""
    ignored = 0
    try:
        with wiring.build(run, verify=True, publish=True) as pipeline:
            finished: RunFinished | None = None
            job = dataclasses.replace(wiring.job(run, name=name), ignore_rules=ignore)
            for event in pipeline.run(job):
                if isinstance(event, RunFinished):
                    finished = event
                elif isinstance(event, Notice) and event.finding.code == "changes-ignored":
                    ignored += int(event.finding.message.split()[0])  # "N changes ignored (...)"
    except PostwrightError as exc:  # its own class may not survive the trip back
        return {"error": str(exc)}
    assert finished is not None, "the pipeline ended without a RunFinished event"
    return {"summary": finished.summary.model_dump(mode="json"), "ignored": ignored}


def propose(
    settings: Settings,
    host: PullHost,
    pull: dict[str, Any],
    number: int,
    pool: Executor,
    ignore: frozenset[str] = frozenset(),
) -> tuple[RunSummary, int]:
    """Diff the PR's spec files (both read through the base repository, at the base and head shas:
    a fork's head too), generate, check, verify and publish; the run's summary and how many changes
    ``ignore`` left out."""
    globs = list(settings.bot.spec_paths)
    base = host.spec_files(str(pull["base"]["sha"]), globs)
    head = host.spec_files(str(pull["head"]["sha"]), globs)
    changed = sorted(p for p in head if base.get(p) != head[p])
    if not changed:
        raise UsageError("no spec file matching [bot] spec_paths changes in this pull request")
    path = changed[0]  # one spec per pull request: the first that changed, by path
    with tempfile.TemporaryDirectory(prefix="postwright-bot-") as tmp:
        name = PurePosixPath(path).name
        (Path(tmp) / "head").mkdir()
        spec = Path(tmp) / "head" / name
        spec.write_bytes(head[path])
        old: Path | None = None
        if path in base:
            (Path(tmp) / "base").mkdir()
            old = Path(tmp) / "base" / name
            old.write_bytes(base[path])
        run = settings_for(settings, spec, old, host.repo, number)
        try:
            answer = pool.submit(_run, run, f"{host.repo}#{number}", ignore).result()
        except BrokenExecutor:
            raise WorkerDied("the pipeline's worker process died on this spec") from None
    if "error" in answer:
        raise ProposeFailed(str(answer["error"]))
    return RunSummary.model_validate(answer["summary"]), int(answer["ignored"])


def worker_pool(workers: int) -> Executor:
    """Processes for the pipeline (spawned: no thread or lock of the server is copied into them)."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
