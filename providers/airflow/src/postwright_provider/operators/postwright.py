"""The propose job (``postwright run``) and the check job (``postwright verify`` of the merged collection).

postwright runs as a child process from its own venv (``<venv>/bin/postwright``): its dependencies
never meet Airflow's. Secrets reach it through its environment only and are masked before anything
is logged; XCom gets counts and names, never a value.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException

from postwright_provider.connections import TARGET, ChildEnv, ConnectionProblem
from postwright_provider.hooks.postwright import PostwrightHook, PostwrightTargetHook
from postwright_provider.process import Child, child_env, executable
from postwright_provider.summary import failed_calls, reason, run_counts, summarize


class _PostwrightOperator(BaseOperator):
    """What both jobs share: the ``postwright`` Connection, the venv, the child process."""

    template_fields: Sequence[str] = ("config", "api")

    def __init__(
        self,
        *,
        config: str,
        api: str | None = None,
        postwright_conn_id: str = PostwrightHook.default_conn_name,
        venv: str | None = None,
        env_passthrough: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.config = config
        self.api = api
        self.postwright_conn_id = postwright_conn_id
        self.venv = venv
        self.env_passthrough = tuple(env_passthrough)
        self._child = Child()

    def _environment(self, *more: ChildEnv) -> tuple[Path, ChildEnv]:
        try:
            env, venv = PostwrightHook(self.postwright_conn_id).environment()
            for other in more:
                env.update(other)
            return executable(self.venv or venv), env
        except (ConnectionProblem, FileNotFoundError) as exc:
            raise AirflowFailException(str(exc)) from None

    def _run(self, argv: list[str], env: ChildEnv, *, log_stdout: bool) -> tuple[int, str, str]:
        done = self._child.run(
            argv,
            child_env(env.variables, self.env_passthrough),
            env.secrets,
            self.log.info,
            log_stdout=log_stdout,
            cwd=str(Path(self.config).parent),
        )
        return done.code, done.stdout, done.last_line

    def on_kill(self) -> None:
        self._child.stop()


class PostwrightRunOperator(_PostwrightOperator):
    """The propose job for one API config: ``postwright --config CONFIG run [ARGS]`` (diff, last
    night's failed task logs, generate, verify, open or update the PR). XCom: the run's counts."""

    template_fields: Sequence[str] = ("config", "api", "args")

    def __init__(self, *, args: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.args = list(args)

    def execute(self, context: Any) -> dict[str, Any]:
        binary, env = self._environment()
        code, out, last = self._run(
            [str(binary), "--config", self.config, "run", *self.args], env, log_stdout=True
        )
        if code != 0:
            raise AirflowFailException(f"postwright run for {self.api or self.config} exited {code}: {last}")
        return {"api": self.api, "run_id": context.get("run_id"), **run_counts(out)}


class CollectionRunOperator(_PostwrightOperator):
    """The check job: ``postwright verify`` of the merged collection (``collection`` in ``repo`` at
    ``ref``, or a file) against the ``postwright_target`` Connection's API, newman in postwright's
    sandbox. XCom ``summary``: counts, failing test names, the run id. A failure fails the task with
    one line and logs each failed call as httpx does, which the next propose reads."""

    template_fields: Sequence[str] = ("config", "api", "collection", "repo", "ref", "target_conn_id")

    def __init__(
        self,
        *,
        target_conn_id: str,
        collection: str,
        repo: str | None = None,
        ref: str = "main",
        runs: int = 1,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.target_conn_id = target_conn_id
        self.collection = collection
        self.repo = repo
        self.ref = ref
        self.runs = runs

    def execute(self, context: Any) -> None:
        try:
            target = PostwrightTargetHook(self.target_conn_id).environment()
        except ConnectionProblem as exc:
            raise AirflowFailException(str(exc)) from None
        binary, env = self._environment(target)
        url = json.loads(target.variables["POSTWRIGHT_TARGETS"])[TARGET]["url"]
        with tempfile.TemporaryDirectory(prefix="pw-check-") as scratch:
            path = self._materialize(Path(scratch))
            argv = [str(binary), "--config", self.config, "verify", str(path), "--target", TARGET]
            code, out, last = self._run(
                [*argv, "--runs", str(self.runs), "--format", "json"], env, log_stdout=False
            )
            collection = json.loads(path.read_text(encoding="utf-8"))
        try:
            report = json.loads(out)
        except ValueError:
            raise AirflowFailException(f"postwright verify exited {code}: {last}") from None
        summary = summarize(report, api=self.api, run_id=context.get("run_id"))
        context["ti"].xcom_push(key="summary", value=summary)
        self.log.info("check %s: %s", self.api or self.target_conn_id, json.dumps(summary))
        for line in failed_calls(report, collection, url):
            self.log.error("%s", line)
        if summary["failed"] or code != 0:
            raise AirflowFailException(
                reason(summary, url) if summary["failed"] else f"verify exited {code}: {last}"
            )

    def _materialize(self, scratch: Path) -> Path:
        """The merged collection as a file: ``git show REF:PATH`` in ``repo``, else ``collection`` itself."""
        if not self.repo:
            return Path(self.collection)
        shown = subprocess.run(
            ["git", "-C", self.repo, "show", f"{self.ref}:{self.collection}"],
            capture_output=True,
            timeout=60,
            check=False,
        )
        if shown.returncode != 0:
            why = shown.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["git failed"]
            raise AirflowFailException(f"no merged collection {self.collection} at {self.ref}: {why[0]}")
        path = scratch / Path(self.collection).name
        path.write_bytes(shown.stdout)
        return path
