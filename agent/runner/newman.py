"""NewmanRunner: runs a collection N times in the sandbox and keeps only what held every time."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from agent.boundary.inbound.redact import Redactor
from agent.errors import BoundaryViolation, SandboxFailed
from agent.generate.discovery import guarded
from agent.generate.postman import leaves
from agent.generate.requests import AWS_VARIABLES
from agent.generate.variables import DEFAULTS_FLAG
from agent.identity.token import IdentityError, IdentityLost
from agent.models import Finding, SpecDocument
from agent.ports import VerifyResult
from agent.runner import channel, isolation
from agent.runner._relay import OutsideRelay
from agent.runner.batches import DEFAULT_BATCH, batches, subset
from agent.runner.credentials import CredentialProvider, Masker
from agent.runner.environment import Environment
from agent.runner.refresh import refresh_notice, refused_after_expiry, unfinish_rest
from agent.runner.report import (
    ItemOutcome,
    RunRecord,
    VerifyReport,
    apply_run,
    blame_spec_examples,
    expiry_hints,
    expiry_notice,
    leaf_items,
    unfinish_all,
    unreachable_notice,
)
from agent.runner.sandbox import SandboxTools
from agent.runner.selection import Policy, select, shuffled, without
from agent.runner.target import Target, parse_target, relay_socket, write_hosts

OUTPUT_LIMIT = 16_384
MAX_REPORT_BYTES = 64 * 1024 * 1024
MOCK_READY_TIMEOUT = 60.0
# Prism reads and dereferences the whole spec before it listens: Kubernetes' 4.4 MB took 85 s
# on 2 busy cores. Each MB of spec adds this much to the wait.
MOCK_READY_PER_MB = 30.0
# Prism checks that a bearer token is present, and that a Basic one is base64 of "user:password":
# this one value passes both (every credential variable reads the token, postman.CREDENTIAL_VARIABLES).
MOCK_TOKEN = base64.b64encode(b"postwright:mock-token").decode()
RELAY_SCRIPT = Path(__file__).with_name("_relay.py")
AWS_SECRETS = [AWS_VARIABLES[k] for k in ("accessKey", "secretKey", "sessionToken")]


MAX_POLICY_NOTICES = 20
Progress = Callable[[dict[str, Any]], None]


def _outbound_gate(collection: dict[str, Any], mode: str) -> list[Finding]:
    """The script policy before anything runs: without a network namespace a collection with
    scripts or requests outside it is refused; inside one each finding becomes a warning."""
    from agent.boundary.outbound.policy import check_outbound

    found = [f for f in check_outbound(collection) if f.severity == "error"]
    if found and mode == "none":
        first = found[0]
        raise BoundaryViolation(
            f"{len(found)} script or request finding(s) outside the script policy "
            f"(first: {first.code} at {first.location}) and no network namespace to contain them; "
            "fix the collection or run where a network namespace is available"
        )
    notices = [
        f.model_copy(update={"severity": "warning", "message": f"outside the script policy: {f.message}"})
        for f in found[:MAX_POLICY_NOTICES]
    ]
    if len(found) > MAX_POLICY_NOTICES:
        more = len(found) - MAX_POLICY_NOTICES
        message = f"{more} more policy findings not shown"
        notices.append(Finding(severity="warning", code="script-policy", message=message))
    return notices


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class NewmanRunner:
    """Satisfies ``agent.ports.Runner``: newman in ``sandbox_dir``, against a Prism mock or a target.

    ``isolate``: "auto" uses a fresh network namespace when one is available (the mock and newman
    then see only their own loopback), "netns" requires it, "none" never uses it. With a ``target``
    the namespace holds a relay to that host:port and nothing else. ``timeout`` bounds each newman
    process (one batch of ``batch_size`` items; a run is one process per batch, so a timeout or
    crash costs that batch's verdicts, recorded as unfinished, never as failures); ``credentials``
    supply a bearer token (as ``token_var``) for a real target, fetched before every batch;
    ``extra_ca_certs`` is a PEM bundle newman trusts besides the system CAs; ``progress`` gets an
    event (run, batch, counts so far) after each batch; ``environment`` holds the user's values
    (``[variables]``, ``--environment``), given to newman as its environment through the FIFO.
    Against a real target only the items ``policy`` allows run (``selection``; the rest are
    skipped with a reason); with ``shuffle`` (a seed) the items run in an order drawn from it.
    """

    def __init__(
        self,
        sandbox_dir: Path,
        *,
        timeout: float = 120,
        isolate: str = "auto",
        target: str | None = None,
        credentials: CredentialProvider | None = None,
        token_var: str = "accessToken",
        base_url_var: str = "baseUrl",
        extra_ca_certs: Path | None = None,
        batch_size: int = DEFAULT_BATCH,
        progress: Progress | None = None,
        environment: Environment | None = None,
        policy: Policy | None = None,
        shuffle: int | None = None,
    ) -> None:
        self.sandbox_dir = Path(sandbox_dir)
        self.timeout = float(timeout)
        self.isolate = isolate
        self.endpoint: Target | None = parse_target(target) if target else None
        self.target = self.endpoint.url if self.endpoint else None
        self.extra_ca_certs = Path(extra_ca_certs).resolve() if extra_ca_certs else None
        self.credentials = credentials
        self.token_var = token_var
        self.base_url_var = base_url_var
        self.last_report: VerifyReport | None = None
        self.batch_size = max(1, batch_size)
        self.progress = progress
        self.environment = environment or Environment()  # the user's values: [variables], --environment
        self.policy = policy or Policy()  # what may run against a real target ([target])
        self.shuffle = shuffle  # a seed: run the items in an order drawn from it
        self._batches: list[list[str]] = []  # item ids per batch file, set by _write_inputs
        self._guards: dict[str, list[str]] = {}  # item id → path values it waits for, set by run
        self._redactor = Redactor()

    def verify(self, collection: dict[str, Any], spec: SpecDocument, runs: int) -> VerifyResult:
        """Run ``collection`` ``runs`` times; passed = item ids that passed every run."""
        report = self.run(collection, spec, runs)
        return report.result()

    def run(self, collection: dict[str, Any], spec: SpecDocument | None, runs: int) -> VerifyReport:
        """Like ``verify`` but returns the full report (per item runs, timings, notices)."""
        if runs < 1:
            raise SandboxFailed(f"runs must be at least 1, not {runs}")
        tools = SandboxTools.locate(self.sandbox_dir)
        mode, notice = isolation.choose(self.isolate, target=self.endpoint)
        items = {i: ItemOutcome(i, name) for i, name in leaf_items(collection)}
        self._guards = {
            str(item["id"]): needs
            for _, item in leaves(collection.get("item") or [])
            if isinstance(item.get("id"), str) and (needs := guarded(item))
        }
        report = VerifyReport(items=items, isolation=mode, real_target=self.target is not None)
        if notice:
            report.notices.append(Finding(severity="warning", code="sandbox-isolation", message=notice))
        chosen = self._chosen(collection, spec, report, runs)
        if chosen is None:  # the target's policy left nothing to run: no sandbox to start
            self.last_report = report
            return report
        collection = chosen
        report.notices += _outbound_gate(collection, mode)
        if self.target is None and spec is None:
            raise SandboxFailed("a spec is needed to start the mock (or configure a target)")
        mask = Masker()
        for secret in self.environment.secrets:
            mask.add(secret)
        self._redactor = Redactor()  # fresh per verify: placeholders never link two runs
        with tempfile.TemporaryDirectory(prefix="pw-sandbox-") as tmp:
            workdir = Path(tmp)
            os.chmod(workdir, 0o700)
            (workdir / "home").mkdir(mode=0o700)
            relay = self.endpoint if mode == "netns" else None
            with relay_socket(workdir) as sock_path:
                port = self._write_inputs(workdir, tools, collection, spec, relay, sock_path)
                # Through the relay the URL is unchanged: inside, its host:port is the relay's.
                base_url = self.target or f"http://127.0.0.1:{port}"
                env = isolation.scrubbed_env(workdir / "home", tools.node)
                argv = isolation.supervisor_argv(
                    workdir,
                    mode,
                    addresses=relay.extra_addresses if relay else (),
                    hosts=write_hosts(workdir, relay) if relay and relay.needs_hosts else None,
                )
                if relay is None:
                    self._drive(argv, env, workdir, report, base_url, runs, mask)
                else:
                    with OutsideRelay(sock_path, relay.host, relay.port) as outside:
                        self._drive(argv, env, workdir, report, base_url, runs, mask)
                    report.relay_connections = outside.connections
                    if outside.failures:
                        report.notices.append(unreachable_notice(str(relay), outside.failures))
        if self.target is None and spec is not None:  # a mock serves the spec's examples as they are
            blame_spec_examples(report, collection, spec)
        self.last_report = report
        return report

    def _chosen(
        self, collection: dict[str, Any], spec: SpecDocument | None, report: VerifyReport, runs: int
    ) -> dict[str, Any] | None:
        """What this verify runs: against a real target only what ``policy`` allows (the rest is
        skipped, with its reason); in the order ``shuffle`` draws. None: nothing is left."""
        if self.target is not None:
            selection = select(collection, self.policy, spec)
            for item_id, reason in selection.skipped.items():
                for _ in range(runs if item_id in report.items else 0):
                    report.items[item_id].skip(reason)
            report.notices += selection.notices
            if not selection.run:
                return None
            collection = without(collection, set(selection.skipped))
        return shuffled(collection, self.shuffle) if self.shuffle is not None else collection

    def _write_inputs(
        self,
        workdir: Path,
        tools: SandboxTools,
        collection: dict[str, Any],
        spec: SpecDocument | None,
        relay: Target | None,
        sock_path: str,
    ) -> int:
        """Collection, spec and plan into the work dir; returns the mock port (0 for a target)."""
        self._batches = []
        for number, (part, ids) in enumerate(batches(collection, self.batch_size), start=1):
            (workdir / f"batch-{number}.json").write_text(json.dumps(part))
            self._batches.append(ids)
        port = 0
        mock: dict[str, Any] | None = None
        relay_plan: dict[str, Any] | None = None
        if relay is not None:
            relay_plan = {
                "argv": [sys.executable, "-I", "-S", str(RELAY_SCRIPT)],
                "family": relay.listen_family,
                "host": relay.listen_host,
                "port": relay.port,
                "socket": sock_path,
            }
        if self.target is None and spec is not None:
            (workdir / "spec.json").write_text(json.dumps(spec.document))
            port = _free_port()
            argv = [
                tools.node,
                str(tools.prism),
                "mock",
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "--errors",
                "false",
                str(workdir / "spec.json"),
            ]
            size = (workdir / "spec.json").stat().st_size / 1e6
            self._ready_timeout = MOCK_READY_TIMEOUT + MOCK_READY_PER_MB * size
            mock = {"argv": argv, "port": port, "ready_timeout": self._ready_timeout}
        newman = [
            tools.node,
            str(tools.newman),
            "run",
            "{collection}",
            "--environment",
            "{env}",
            "--reporters",
            "json",
            "--reporter-json-export",
            "{report}",
            "--disable-unicode",
            "--color",
            "off",
            "--timeout-request",
            str(int(self.timeout * 1000)),
        ]
        if self.extra_ca_certs is not None:
            newman += ["--ssl-extra-ca-certs", str(self.extra_ca_certs)]
        plan = {
            "mock": mock,
            "relay": relay_plan,
            "newman": newman,
            "run_timeout": self.timeout,
            "output_limit": OUTPUT_LIMIT,
            "secret_keys": [self.token_var, *AWS_SECRETS] if self.credentials and self.target else [],
        }
        (workdir / "plan.json").write_text(json.dumps(plan))
        return port

    def _drive(
        self,
        argv: list[str],
        env: dict[str, str],
        workdir: Path,
        report: VerifyReport,
        base_url: str,
        runs: int,
        mask: Masker,
    ) -> None:
        """Start the supervisor, ask for each run, fold the reports in; kill it all on overrun."""
        starting = getattr(self, "_ready_timeout", MOCK_READY_TIMEOUT)  # set with the mock's inputs
        budget = starting + runs * len(self._batches) * (self.timeout + 15)
        with (workdir / "supervisor.log").open("wb") as errlog:
            proc = subprocess.Popen(
                argv,
                cwd=workdir,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errlog,
                start_new_session=True,
            )
        watchdog = threading.Timer(budget, channel.kill_group, args=(proc,))
        watchdog.start()
        try:
            assert proc.stdin is not None and proc.stdout is not None
            ready = channel.event(proc.stdout, workdir)
            if not ready.get("ready"):
                what = "the mock server" if self.target is None else "the relay to the target"
                if ready.get("loading"):  # Prism alive but never listening: the spec is too much for it
                    raise SandboxFailed(
                        f"{what} was still loading the spec after {float(ready.get('seconds') or 0):.0f} s"
                        " (Prism cannot mock every large or densely recursive spec): verify against"
                        " a running API with --target, or mock a smaller spec"
                    )
                raise SandboxFailed(
                    f"{what} did not start: {channel.one_line(mask(str(ready.get('log', ''))))}"
                )
            report.mock_seconds = ready.get("seconds") if self.target is None else None
            session = _Session(self, proc, workdir, report, base_url, mask)
            lost: IdentityError | None = None
            try:
                self._runs(session, runs)
            except IdentityError as exc:
                if not report.runs:
                    raise  # nothing was collected: the source's error is the whole story
                lost = exc
            channel.send(proc.stdin, {"stop": True})
            proc.stdin.close()
            proc.wait(timeout=30)
        finally:
            watchdog.cancel()
            channel.kill_group(proc)
        if lost is not None:
            self._halt(report, runs, lost)

    def _runs(self, session: _Session, runs: int) -> None:
        """Every batch of every run, folded into the report as it ends."""
        report, workdir, mask = session.report, session.workdir, session.mask
        replaced: set[int] = set()  # batches run as two halves since their report was too large
        for index in range(1, runs + 1):
            queue = [n for n in range(1, len(self._batches) + 1) if n not in replaced]
            while queue:
                number = queue.pop(0)
                event = session.send(f"batch-{number}.json")
                halves = self._halves(workdir, event, number)
                if halves:  # run again as two batches, now and in every later run
                    replaced.add(number)
                    queue[:0] = halves
                    continue
                ids = [i for i in self._batches[number - 1] if i in report.items]
                pending = self._fold(event, report, index, mask, number, ids)
                while pending:  # refused after the token expired: again, with a fresh one
                    part = json.loads((workdir / f"batch-{number}.json").read_text())
                    (workdir / "retry.json").write_text(json.dumps(subset(part, pending)))
                    event = session.send("retry.json")
                    pending = self._fold(event, report, index, mask, number, pending, retry=True)
                self._tell(report, index, runs, number)

    def _halves(self, workdir: Path, event: dict[str, Any], number: int) -> list[int]:
        """When a batch's report is over MAX_REPORT_BYTES (large responses: newman's JSON report
        holds every body), two batch files of half its items in its place; their numbers.

        A single item over the cap stays unfinished (no verdict, never a failure).
        """
        ids = self._batches[number - 1]
        path = Path(event["report"]) if event.get("report") else None
        try:
            oversized = path is not None and path.stat().st_size > MAX_REPORT_BYTES
        except OSError:
            oversized = False
        if not oversized or len(ids) < 2 or path is None:
            return []
        path.unlink(missing_ok=True)  # it holds resolved headers, i.e. the token
        part = json.loads((workdir / f"batch-{number}.json").read_text())
        numbers = []
        for half, half_ids in batches(part, (len(ids) + 1) // 2):
            self._batches.append(half_ids)
            numbers.append(len(self._batches))
            (workdir / f"batch-{numbers[-1]}.json").write_text(json.dumps(half))
        return numbers

    def _credential(self, valid_for: float) -> dict[str, SecretStr | str]:
        """The variables the run-time credential fills: one token, or AWS's awsv4 set."""
        if self.target is None:
            return {self.token_var: SecretStr(MOCK_TOKEN)}  # a real credential never goes to the mock
        if self.credentials is not None:
            return self.credentials.variables(self.token_var, valid_for=valid_for)
        return {}

    def _tell(self, report: VerifyReport, index: int, runs: int, number: int) -> None:
        """A progress event after one batch: where the verify is and what it found so far."""
        if self.progress is None:
            return
        record = report.runs[-1]
        self.progress(
            {
                "run": index,
                "runs": runs,
                "batch": number,
                "batches": len(self._batches),
                "items": record.items,
                "seconds": record.wall_seconds,
                "timed_out": record.timed_out,
                "error": record.error,
            }
        )

    def _fold(
        self,
        event: dict[str, Any],
        report: VerifyReport,
        index: int,
        mask: Masker,
        number: int,
        ids: list[str],
        *,
        retry: bool = False,
    ) -> list[str]:
        """Turn one batch's event (and its report file) into outcomes; delete the report at once.

        A batch that timed out, crashed or left an unreadable report leaves its items unfinished
        for this run; the other batches' verdicts stand. Returns the items refused after the
        batch's token expired, left without a verdict to run again (a retry that settles none of
        them keeps its verdicts).
        """
        items = {i: report.items[i] for i in ids}
        record = RunRecord(
            index=index,
            wall_seconds=float(event.get("seconds", 0.0)),
            exit_code=event.get("rc"),
            timed_out=bool(event.get("timed_out")),
            batch=number,
            items=len(items),
        )
        report.runs.append(record)
        where = f"run {index}" + (
            f", batch {number} of {len(self._batches)}" if len(self._batches) > 1 else ""
        )
        path = Path(event["report"]) if event.get("report") else None
        data: dict[str, Any] | None = None
        if record.timed_out:
            record.error = f"{where} timed out after {self.timeout:g}s and was killed"
        elif path is None:
            record.error = (
                f"{where} produced no report: {channel.one_line(mask(str(event.get('output', ''))))}"
            )
        else:
            data = self._read(path, where, record)
        if path is not None:
            path.unlink(missing_ok=True)  # it holds resolved headers, i.e. the token
        if data is None:
            unfinish_all(items, record.error or "no report")
            return []
        again = self._expired(data, ids)
        if retry and len(again) == len(ids):
            again = []  # a fresh token settled none of them: the refusals are their verdicts
        hints = expiry_hints(data) if self.credentials is not None else {}
        # a failing response's excerpt is redacted before it is kept (it may echo a secret)
        redact = self._redactor.redact
        record.run_seconds = apply_run(
            data,
            {i: o for i, o in items.items() if i not in again},
            mask,
            hints=hints,
            redact=lambda t: redact(t, origin="verify")[0],
            guards=self._guards,
        )
        if again:
            report.notices.append(refresh_notice(index, number, len(again)))
        elif hints:
            report.notices.append(expiry_notice(index, len(hints)))
            if self.credentials is not None:
                self.credentials.refused()  # a 401 after a 2xx: the next batch gets a new token
        return again

    def _expired(self, data: dict[str, Any], ids: list[str]) -> list[str]:
        """The items refused after the batch's token expired (it has, by now), to run again."""
        if self.credentials is None or self.target is None:
            return []
        expires = self.credentials.expires_at()
        if expires is None or expires > time.time():
            return []
        return refused_after_expiry(data, ids)

    def _halt(self, report: VerifyReport, runs: int, lost: IdentityError) -> None:
        """The token source failed mid-run: what was collected is kept (the verdicts still
        missing are unfinished), and the run stops with the source's error."""
        done = len(report.runs)
        missing = unfinish_rest(report.items, runs, f"not run: the token source failed ({lost.message})")
        message = (
            f"{lost.message} (the run stopped after {done} newman batch(es); their verdicts are kept,"
            f" {missing} verdict(s) are missing)"
        )
        report.notices.append(Finding(severity="error", code="identity-lost", message=message))
        self.last_report = report
        raise IdentityLost(message, report.result())

    @staticmethod
    def _read(path: Path, where: str, record: RunRecord) -> dict[str, Any] | None:
        """newman's JSON report, or None with ``record.error`` saying why it cannot be used."""
        try:
            if path.stat().st_size > MAX_REPORT_BYTES:
                record.error = f"newman's report for {where} is larger than {MAX_REPORT_BYTES} bytes"
                return None
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            record.error = f"cannot read newman's report for {where}: {type(exc).__name__}"
            return None
        return data if isinstance(data, dict) else None


@dataclass
class _Session:
    """One supervisor's newman runs: sends each with the user's values and a current credential."""

    runner: NewmanRunner
    proc: subprocess.Popen[bytes]
    workdir: Path
    report: VerifyReport
    base_url: str
    mask: Masker
    sequence: int = 0

    def send(self, collection_file: str) -> dict[str, Any]:
        """One newman process over ``collection_file``; its event."""
        runner, stdin, stdout = self.runner, self.proc.stdin, self.proc.stdout
        assert stdin is not None and stdout is not None
        self.sequence += 1
        # The user's values first: the base URL and the token below are the runner's.
        values = {**runner.environment.values, runner.base_url_var: self.base_url}
        if runner.target is None:  # a mock answers any id: tests need not find real ones
            values[DEFAULTS_FLAG] = "1"
        # A real target's credential is asked for late: once newman has booted and opened the
        # FIFO, so a short-lived token's life is not spent on newman's start.
        late = runner.target is not None and runner.credentials is not None
        if not late:
            values.update(self.credential())
        request = {"run": self.sequence, "env": values, "collection": collection_file, "late": late}
        channel.send(stdin, request)
        event = channel.event(stdout, self.workdir)
        while "env_for" in event:
            try:
                late_values = self.credential()
            except IdentityError:
                channel.send(stdin, {"abort": True})  # newman is killed, never fed
                if done := channel.event(stdout, self.workdir).get("report"):
                    Path(done).unlink(missing_ok=True)
                raise
            channel.send(stdin, {"env": late_values})
            event = channel.event(stdout, self.workdir)
        return event

    def credential(self) -> dict[str, str]:
        """The credential's variables (their secret values told to the mask), valid at least as
        long as the last batch took: a token must outlive the batch."""
        runs = self.report.runs
        values: dict[str, str] = {}
        for name, value in self.runner._credential(runs[-1].wall_seconds if runs else 0.0).items():
            plain = value.get_secret_value() if isinstance(value, SecretStr) else value
            if isinstance(value, SecretStr):
                self.mask.add(plain)
            values[name] = plain
        return values
