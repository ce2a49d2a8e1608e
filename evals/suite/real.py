"""Areas on real software, --full only: released API servers on 127.0.0.1 and published spec pairs."""

from __future__ import annotations

import tempfile
from argparse import Namespace
from pathlib import Path

from evals.suite.rows import ROOT, Area, Mode, Row

PY = ".venv/bin/python -m"


def real_servers(mode: Mode) -> Area:
    """Tests from the diff of two releases' specs, verified against both releases (evals/realservers)."""
    area = Area("realservers", "Real API servers", f"{PY} evals.realservers.bench -v")
    if not mode.full:
        area.skipped = "skipped in --quick (launches real servers; run --full)"
        return area
    from evals.realservers import bench
    from evals.realservers.servers import SERVERS

    for name in SERVERS:
        with tempfile.TemporaryDirectory(prefix=f"pw-evals-{name}-") as tmp:
            try:
                results = bench.measure(name, 1, 17, Path(tmp), ["raw", "kept", "vars"])
            except Exception as exc:  # noqa: BLE001 - one server that cannot start is a line, not the end
                area.rows.append(Row(f"{name}", "not measured", data=str(exc).splitlines()[0][:160]))
                continue
        for r in results:
            row = r.row()
            area.rows += [
                Row(f"{name} ({r.mode}): false alarms on new", str(row["false alarms new"]), "0",
                    data=f"{row['versions']}, {row['requests']} requests"),
                Row(f"{name} ({r.mode}): passing tests that catch the old release", str(row["caught old"])),
                Row(f"{name} ({r.mode}): requests to added reads passing on new, failing on old",
                    str(row["added read requests: pass new & caught old"]),
                    data=f"added read operations with one: {row['added read ops with one']}"),
                Row(f"{name} ({r.mode}): same results in shuffled order",
                    "yes" if row["shuffle same"] else "no", "yes"),
                Row(f"{name} ({r.mode}): unlisted destructive requests run",
                    str(row["unlisted destructive ran"]), "0"),
            ]  # fmt: skip
    return area


def real_specs(mode: Mode) -> Area:
    """diff / generate / validate on published spec pairs from the npm cache (evals/realspecs)."""
    area = Area("realspecs", "Real spec pairs", f"{PY} evals.realspecs.bench --skip-verify")
    if not mode.full:
        area.skipped = "skipped in --quick (real specs take minutes each; run --full)"
        return area
    from evals.realspecs import bench, fetch

    cached = [n for n in fetch.PAIRS if _in_cache(n)]
    names = [n for n in bench.DEFAULT_PAIRS if n in cached]
    if not names:
        area.skipped = (
            f"skipped: spec pairs absent from {fetch.cache_dir().name} (run {PY} evals.realspecs.fetch)"
        )
        return area
    args = Namespace(runs=2, timeout=900.0, skip_verify=True, keep=None)
    for name in names:
        r = bench.bench_pair(name, ROOT, args)
        gen = r.get("generate") or {}
        area.rows += [
            Row(f"{name}: generate --base s", f"{gen.get('seconds', 0):.1f}", "< 60",
                data=f"ops {r['ops']}, {r.get('changes')} changes, {r.get('tests')} tests"),
            Row(f"{name}: generate peak RSS MB", f"{gen.get('mb') or 0:.0f}", "< 1024"),
            Row(f"{name}: tests kept", str(r.get("kept", "?")), data="passed postwright's own checks"),
            Row(f"{name}: validate errors", str(r.get("validate_errors", "?")), "0"),
        ]  # fmt: skip
    return area


def _in_cache(name: str) -> bool:
    """Both tarballs of a pair are already packed (the evals never reach the registry themselves)."""
    from evals.realspecs import fetch

    pair = fetch.PAIRS[name]
    packed = (fetch.cache_dir() / fetch._tarball_name(p) for p in (pair.old_package, pair.new_package))
    return all(path.exists() for path in packed)
