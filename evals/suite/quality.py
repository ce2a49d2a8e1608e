"""Areas that measure correctness: diff agreement, redaction recall, injection, mutation kill rate."""

from __future__ import annotations

from collections import Counter, defaultdict

from evals.suite.rows import Area, Chart, Mode, Row, pct, ratio

PY = ".venv/bin/python -m"


def diff_agreement(mode: Mode) -> Area:
    """Rule ids oasdiff's own Go tests assert, emitted by our diff on the same fixture pairs."""
    from evals.diff import agreement

    area = Area("diff-agreement", "Diff agreement with oasdiff", f"{PY} evals.diff.agreement -v")
    a = agreement.measure()
    data = "oasdiff's checker tests replayed on its fixture files (corpus oasdiff)"
    area.rows = [
        Row("tests whose asserted ids we all emit", pct(a.tests_ok, a.tests), "100%", data=data),
        Row("ordered file pairs fully agreeing", pct(a.pairs_ok, a.pairs), "100%", data=data),
        Row("asserted rule ids emitted", pct(a.ids_ok, a.ids_total), "100%", data=data),
    ]
    return area


def redaction_recall(mode: Mode) -> Area:
    """Recall on gitleaks' labelled secrets, hard negatives flagged, benign rows altered."""
    from evals.redaction import corpus

    area = Area("redaction-recall", "Redaction recall and false positives", f"{PY} evals.redaction.corpus")
    s = corpus.measure()
    area.rows = [
        Row("gitleaks secrets caught (recall)", pct(s.caught, s.secrets, 2), ">= 99%",
            data=f"gitleaks.jsonl.gz, engine {s.engine}"),
        Row("gitleaks hard negatives flagged", pct(s.flagged, s.negatives), "<= 10%",
            data="gitleaks.jsonl.gz"),
        Row("benign rows altered", pct(s.altered, s.benign, 2), "<= 0.5%",
            data="BIPIA benign + PIGuard"),
    ]  # fmt: skip
    return area


def injection_detection(mode: Mode) -> Area:
    """The injection scorer on BIPIA (attacks and benign) and PIGuard (benign)."""
    from evals.injection import detect

    area = Area("injection-detection", "Injection detection", f"{PY} evals.injection.detect --show 5")
    d = detect.measure()
    for name, prefixes in detect.HEADLINES:
        k, n = d.rate(prefixes)
        area.rows.append(Row(name, pct(k, n), data="bipia.jsonl.gz, piguard.jsonl.gz"))
    rows = sum(d.totals.values())
    area.rows.append(Row("scoring speed", f"{d.chars / d.seconds / 1e6:.2f} MB/s", data=f"{rows} texts"))
    return area


def injection_end_to_end(mode: Mode) -> Area:
    """Whole pipeline runs with a gullible model and poisoned logs/specs: attacks that succeeded."""
    from evals.injection import attacks, end_to_end

    limit = 60 if mode.full else 4  # 60: ~280 pipeline runs, a quarter hour on 2 busy cores
    placements = None if mode.full else (attacks.LOG,)
    area = Area(
        "injection-e2e",
        "Injection end to end (gullible backend)",
        f"{PY} evals.injection.end_to_end --limit {limit} --workers 2"
        + ("" if mode.full else " --placement log --no-benign (quick: the first 8 written attacks)"),
    )
    custom = attacks.custom_attacks()
    custom = custom if mode.full else custom[:8]  # quick: each case is a whole pipeline run
    items = attacks.bipia(limit) + custom
    if mode.full:
        items += attacks.bipia(limit, label="benign")
    try:
        report = end_to_end.evaluate(end_to_end.cases_for(items, placements), workers=2)
    finally:
        end_to_end.shutdown()
    cases = report.attacks()
    ok = sum(c.outcome == "succeeded" for c in cases)
    data = f"{limit} BIPIA attacks + {len(custom)} written against postwright"
    area.rows.append(Row("attacks that succeeded", pct(ok, len(cases)), "0", data=data))
    area.rows.append(Row("attacks the model tried", pct(sum(bool(c.obeyed) for c in cases), len(cases)),
                         data="the gullible model obeys whatever its prompt says"))  # fmt: skip
    if report.benign():
        loss = report.benign_loss()
        area.rows.append(Row("benign proposals lost by the pipeline", f"{loss['loss_pct_pipeline']}%",
                             data=f"{loss['runs']} benign BIPIA rows planted"))  # fmt: skip
    families: dict[str, Counter[str]] = defaultdict(Counter)
    for c in cases:
        # BIPIA's own families (email, table, code, ...); postwright's written attacks as one family
        family = (c.group if c.group.startswith("bipia/") else c.group.split("/")[0]) + " @" + c.placement
        families[family]["cases"] += 1
        families[family]["tried"] += bool(c.obeyed)
        families[family]["succeeded"] += c.outcome == "succeeded"
    area.charts.append(
        Chart(
            "attack-success-by-family",
            "Injection attacks by family and placement (gullible model)",
            "attack family / placement",
            "share of cases (%)",
            {
                what: [(f, 100 * n[what] / n["cases"]) for f, n in sorted(families.items())]
                for what in ("tried", "succeeded")
            },
        )
    )
    return area


MUTANT_KINDS = {
    "status code": "get_pet_203 create_pet_200 delete_200_body get_pet_404 order_get_503 patch_204",
    "body shape": "pet_missing_status pet_renamed_name pet_id_string owner_missing vacc_due_dropped "
    "owner_name_null tags_null tags_items_int search_total_string list_wrapped order_extra_prop",
    "value rule": "species_out_of_enum order_status_enum vacc_date_format age_negative",
    "content type / header": "list_text_plain order_ct_html missing_total_header missing_location "
    "missing_etag",
    "input validation": "crash_empty_body crash_no_limit search_q_optional idempotency_optional "
    "order_body_optional pet_name_optional",
    "server behaviour": "logout_midway missing_pet_200 missing_listed_pet strict_species strict_quantity "
    "strict_patch_age",
}


def kind_of(mutant: str) -> str:
    """The class of fault a mutant plants (for the plot by kind)."""
    return next((k for k, names in MUTANT_KINDS.items() if mutant in names.split()), "other")


def mutation(mode: Mode) -> Area:
    """postwright's and Portman's collections of one spec, run by newman against mutant servers."""
    from evals.mutation import run
    from evals.mutation.server import MUTANTS
    from evals.suite.peers import ensure_portman

    ensure_portman()

    names = list(MUTANTS)
    if not mode.full:  # one of each kind: every kind in the plot, in a sixth of the time
        names = [n for names_of in MUTANT_KINDS.values() for n in names_of.split()[:1] if n in MUTANTS]
    only = "" if mode.full else f" --only {','.join(names)}"
    area = Area("mutation", "Mutation kill rate vs Portman", f"{PY} evals.mutation.run --jobs 2 -v{only}")
    results, seconds = run.run_all(names, jobs=2)
    base = results[""]
    killed = {t: sum(results[n][t].killed for n in names) for t in run.TOOLS}
    data = f"evals/mutation/spec.yaml, {len(names)} mutants, Portman 1.33 (evals/portman)"
    area.rows.append(
        Row("mutants killed", f"{killed['postwright']}/{len(names)}", "> Portman",
            f"{killed['portman']}/{len(names)}", ratio(killed["postwright"], killed["portman"]), data)
    )  # fmt: skip
    area.rows.append(
        Row("failures on the correct server", str(len(base["postwright"].failures)), "0",
            str(len(base["portman"].failures)), data=f"{seconds:.0f} s for every server x 2 collections")
    )  # fmt: skip
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    for n in names:
        by_kind[kind_of(n)]["n"] += 1
        for t in run.TOOLS:
            by_kind[kind_of(n)][t] += results[n][t].killed
    for kind, c in by_kind.items():
        area.rows.append(
            Row(f"killed: {kind}", f"{c['postwright']}/{c['n']}", peer=f"{c['portman']}/{c['n']}")
        )
    area.charts.append(
        Chart(
            "kill-rate-by-kind",
            "Mutants killed by kind of fault",
            "kind of fault",
            "killed (%)",
            {t: [(k, 100 * c[t] / c["n"]) for k, c in by_kind.items()] for t in run.TOOLS},
        )
    )
    return area
