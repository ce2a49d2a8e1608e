"""What only the PostgreSQL store has: its own schema, one-line connection failures, API claims, and
the dialect rewrite that lets both backends share one set of statements."""

from __future__ import annotations

import secrets
import threading
import time

import pytest

from agent.cli.main import main
from agent.errors import StorageError
from agent.store import open_store
from agent.store.dialect import postgres_params, postgres_sql
from agent.store.postgres import PostgresStore
from tests.postgres_kit import PostgresServer, _free_port
from tests.store.store_factories import make_proposal


def test_tables_live_in_the_postwright_schema_and_leave_others_alone(pg_env: PostgresServer) -> None:
    url = pg_env.database()
    name = url.rsplit("/", 1)[1]
    pg_env.sql("CREATE TABLE public.dag_run (id int); INSERT INTO public.dag_run VALUES (1)", name)
    with PostgresStore(url) as store:
        store.start_run("run", {})
    schemas = pg_env.sql(
        "SELECT string_agg(DISTINCT table_schema, ',') FROM information_schema.tables"
        " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')",
        name,
    )
    assert sorted(schemas.split(",")) == ["postwright", "public"]
    assert (
        pg_env.sql(
            "SELECT string_agg(table_name, ',') FROM information_schema.tables WHERE table_schema = 'public'",
            name,
        )
        == "dag_run"
    )
    assert pg_env.sql("SELECT count(*) FROM public.dag_run", name) == "1"


def _failure(url: str) -> str:
    with pytest.raises(StorageError) as caught:
        open_store(None, url)  # type: ignore[arg-type]
    return str(caught.value)


@pytest.mark.parametrize("case", ["unreachable", "wrong password", "missing database", "unknown user"])
def test_connection_failures_are_one_line_naming_the_masked_url(
    case: str, postgres: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "w" + secrets.token_hex(8)
    monkeypatch.setenv("PGPASSWORD", postgres.password)
    monkeypatch.setenv("PGCONNECT_TIMEOUT", "5")
    url, reason = {
        "unreachable": (f"postgresql://postwright:{wrong}@127.0.0.1:{_free_port()}/db", "cannot be reached"),
        "wrong password": (postgres.url(password=wrong), "refused the credentials"),
        "missing database": (postgres.url("nope_" + secrets.token_hex(3)), "database does not exist"),
        "unknown user": (postgres.url().replace("postwright@", "ghost@"), "refused the credentials"),
    }[case]
    text = _failure(url)
    assert text.startswith("state store postgresql://") and reason in text, text
    assert "\n" not in text and wrong not in text and postgres.password not in text
    if case == "wrong password":
        assert "***@127.0.0.1" in text


def test_the_cli_says_it_in_one_line_and_exits_2(
    postgres: PostgresServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    wrong = "w" + secrets.token_hex(8)
    monkeypatch.setenv("POSTWRIGHT_STATE_URL", postgres.url(password=wrong))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        main(["audit"])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 2 and "refused the credentials" in err, err
    assert wrong not in out + err and len([line for line in err.splitlines() if line.strip()]) <= 2


def test_a_claim_makes_the_second_worker_wait_or_skip(pg_env: PostgresServer) -> None:
    url = pg_env.database()
    with PostgresStore(url) as one, PostgresStore(url) as two:
        order: list[str] = []
        with one.claim("api:petstore") as got:
            assert got
            with two.claim("api:petstore", wait=False) as second:
                assert not second  # skip: another worker has it
            with two.claim("api:other", wait=False) as other:
                assert other  # other APIs are free

            def wait() -> None:
                with two.claim("api:petstore"):
                    order.append("two")

            waiter = threading.Thread(target=wait)
            waiter.start()
            time.sleep(0.3)
            order.append("one")
        waiter.join(timeout=30)
        assert order == ["one", "two"]


def test_a_claim_dies_with_its_connection(pg_env: PostgresServer) -> None:
    url = pg_env.database()
    one = PostgresStore(url)
    with PostgresStore(url) as two:
        claim = one.claim("api:x")
        assert claim.__enter__()
        with two.claim("api:x", wait=False) as got:
            assert not got
        one.close()  # a worker gone without letting go: its backend exits a moment later
        with two.claim("api:x") as got:  # so wait for it rather than try once
            assert got


@pytest.mark.parametrize(
    ("sqlite", "postgres"),
    [
        (
            "SELECT 1 FROM t WHERE a = ? AND b IS ?",
            "SELECT 1 FROM t WHERE a = %s AND b IS NOT DISTINCT FROM %s",
        ),
        ("SELECT '?' , 'it''s ?%' FROM t WHERE x LIKE ?", "SELECT '?' , 'it''s ?%%' FROM t WHERE x LIKE %s"),
        ("id INTEGER PRIMARY KEY AUTOINCREMENT,", "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"),
        ("SELECT 100 % 7", "SELECT 100 %% 7"),
    ],
)
def test_the_dialect_rewrites_only_what_differs(sqlite: str, postgres: str) -> None:
    assert postgres_sql(sqlite) == postgres


def test_booleans_are_stored_as_sqlite_stores_them() -> None:
    assert postgres_params((True, False, None, 1, "x")) == (1, 0, None, 1, "x")


def test_a_server_gone_mid_run_is_one_line(pg_env: PostgresServer) -> None:
    url = pg_env.database()
    store = PostgresStore(url)
    run_id = store.start_run("run", {})
    pg_env.sql(
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{url.rsplit('/', 1)[1]}'"
        " AND application_name = 'postwright'"
    )
    with pytest.raises(StorageError, match="state store postgresql://.*closed the connection"):
        store.add_proposals(run_id, [make_proposal(1)])
    store.close()


def test_two_workers_never_run_one_api_at_once(
    pg_env: PostgresServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = pg_env.database()
    with PostgresStore(url) as one, PostgresStore(url, claim_timeout=0.3) as two:
        first = one.start_run("run", {"spec": "https://u:pw@specs.test/a.yaml"})
        other = two.start_run("run", {"spec": "https://specs.test/b.yaml"})  # another API: at once
        with pytest.raises(
            StorageError, match=r"another worker still runs https://specs.test/a.yaml after 0.3 s"
        ):
            two.start_run("run", {"spec": "https://x:other@specs.test/a.yaml"})  # credentials do not matter
        assert "another worker is running https://specs.test/a.yaml; waiting" in capsys.readouterr().err
        assert [r.status for r in two.runs()].count("running") == 2  # the skipped run left no row
        one.finish_run(first, "ok", {})
        again = two.start_run("run", {"spec": "https://specs.test/a.yaml"})
        two.finish_run(again, "ok", {})
        two.finish_run(other, "ok", {})
        nested = one.start_run("run", {"spec": "a.yaml"})  # one worker may nest runs of one API
        one.finish_run(one.start_run("run", {"spec": "a.yaml"}), "ok", {})
        one.finish_run(nested, "ok", {})


def test_the_server_probes_a_silent_worker_within_minutes(pg_env: PostgresServer) -> None:
    with PostgresStore(pg_env.database()) as store:  # a vanished host's locks go, not after 2 hours
        shown = {
            name: store._read(f"SHOW {name}")[0][0]
            for name in ("tcp_keepalives_idle", "tcp_keepalives_count")
        }
    assert shown == {"tcp_keepalives_idle": "60", "tcp_keepalives_count": "6"}


def test_a_role_given_only_its_schema_by_a_dba_can_use_it(pg_env: PostgresServer) -> None:
    url = pg_env.database()
    name, role, password = url.rsplit("/", 1)[1], "app_" + secrets.token_hex(3), "r" + secrets.token_hex(12)
    pg_env.sql(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")
    pg_env.sql(f"REVOKE CREATE ON DATABASE {name} FROM PUBLIC; CREATE SCHEMA postwright", name)
    pg_env.sql(f"GRANT USAGE, CREATE ON SCHEMA postwright TO {role}", name)
    own = url.replace("postwright@", f"{role}:{password}@")
    with PostgresStore(own) as store:
        store.finish_run(store.start_run("run", {"spec": "a.yaml"}), "ok", {})
        assert [r.status for r in store.runs()] == ["ok"]
    pg_env.sql(f"REVOKE CREATE ON SCHEMA postwright FROM {role}", name)
    other = url.rsplit("/", 1)[0] + "/" + pg_env.database().rsplit("/", 1)[1]
    with pytest.raises(StorageError, match="this user may not use it"):  # no schema and no right to make it
        PostgresStore(other.replace("postwright@", f"{role}:{password}@"))
