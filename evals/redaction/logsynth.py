"""Synthetic Airflow task log with planted secrets, generated at run time (never committed)."""

from __future__ import annotations

import random
import string
from collections.abc import Iterator

_ALNUM = string.ascii_letters + string.digits


def _rand(rng: random.Random, n: int, alphabet: str = _ALNUM) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def planted(rng: random.Random) -> tuple[str, str]:
    """One log line carrying a freshly generated secret, and the secret itself."""
    kind = rng.randrange(8)
    if kind == 0:
        s = "gh" + "p_" + _rand(rng, 36)
        return f"Using token {s} for GitHub API", s
    if kind == 1:
        s = "AK" + "IA" + _rand(rng, 16, string.ascii_uppercase + "234567")
        return f"aws_access_key_id={s}", s
    if kind == 2:
        s = _rand(rng, 40)
        return f"requests: Authorization: Bearer {s}", s
    if kind == 3:
        s = _rand(rng, 14)
        return f"Connecting to postgresql://airflow:{s}@db.internal:5432/airflow", s
    if kind == 4:
        s = (
            "xo"
            + "xb-"
            + _rand(rng, 11, string.digits)
            + "-"
            + _rand(rng, 12, string.digits)
            + "-"
            + _rand(rng, 24)
        )
        return f"slack hook sent with {s}", s
    if kind == 5:
        s = _rand(rng, 32)
        return f'payload={{"client_secret": "{s}", "grant_type": "client_credentials"}}', s
    if kind == 6:
        s = "ey" + "J" + _rand(rng, 30) + ".ey" + "J" + _rand(rng, 50) + "." + _rand(rng, 43)
        return f"Set-Cookie: session={s}; Path=/; HttpOnly", s
    s = _rand(rng, 24)
    return f"GET https://api.example.com/v1/items?page=2&api_key={s} 200", s


_TEMPLATES = [
    "{ts} {{taskinstance.py:1138}} INFO - Dependencies all met for dep_context=non-requeueable deps"
    " ti=<TaskInstance: {dag}.{task} manual__{ts2} [queued]>",
    "{ts} {{taskinstance.py:1345}} INFO - Starting attempt {n} of 3",
    "{ts} {{standard_task_runner.py:57}} INFO - Started process {pid} to run task",
    "{ts} {{http.py:161}} INFO - Sending 'POST' to url: https://api.example.com/v2/orders/{pid}/items",
    "{ts} {{base.py:73}} INFO - Using connection ID 'orders_api' for task execution.",
    "{ts} {{logging_mixin.py:188}} INFO - Fetched {n} records from page {pid} (elapsed 0.{pid}s)",
    "{ts} {{taskinstance.py:1943}} ERROR - Task failed with exception",
    "Traceback (most recent call last):",
    '  File "/opt/airflow/dags/sync_orders.py", line {n}, in fetch_page',
    "    response.raise_for_status()",
    "requests.exceptions.HTTPError: 422 Client Error: Unprocessable Entity for url:"
    " https://api.example.com/v2/orders?cursor={pid}",
    "{ts} {{taskinstance.py:1400}} INFO - Marking task as UP_FOR_RETRY. dag_id={dag}, task_id={task},"
    " execution_date=20240101T000000, start_date={ts2}, end_date={ts2}",
    '{ts} {{http.py:200}} INFO - Response body: {{"detail": [{{"loc": ["body", "sku"], "msg":'
    ' "field required", "type": "value_error.missing"}}]}}',
    "{ts} {{secrets_masker.py:310}} INFO - Connection password=*** host=db.internal",
    "{ts} {{local_task_job_runner.py:234}} INFO - Task exited with return code 1",
]


def airflow_log(
    size_bytes: int, *, seed: int = 7, secret_every: int = 200
) -> Iterator[tuple[str, str | None]]:
    """Yield (line, planted secret or None) until about ``size_bytes`` bytes were produced."""
    rng = random.Random(seed)
    written = 0
    i = 0
    while written < size_bytes:
        i += 1
        if i % secret_every == 0:
            line, secret = planted(rng)
            line = (
                f"[2024-01-01T02:{i % 60:02d}:{i % 59:02d}.{i % 999:03d}+0000] {{hooks.py:88}} INFO - {line}"
            )
        else:
            t = _TEMPLATES[i % len(_TEMPLATES)]
            line = t.format(
                ts=f"[2024-01-01T02:{i % 60:02d}:{i % 59:02d}.{i % 999:03d}+0000]",
                ts2="2024-01-01T02:00:00+00:00",
                dag="sync_orders",
                task="fetch_orders",
                n=i % 97,
                pid=i,
            )
            secret = None
        written += len(line) + 1
        yield line + "\n", secret


def write_log(path: str, size_bytes: int, *, seed: int = 7, secret_every: int = 200) -> list[str]:
    """Write a synthetic log to ``path``; return the planted secrets (kept in memory only)."""
    secrets: list[str] = []
    with open(path, "w", encoding="utf-8") as fh:
        buf: list[str] = []
        for line, secret in airflow_log(size_bytes, seed=seed, secret_every=secret_every):
            buf.append(line)
            if secret:
                secrets.append(secret)
            if len(buf) >= 4096:
                fh.write("".join(buf))
                buf.clear()
        fh.write("".join(buf))
    return secrets
