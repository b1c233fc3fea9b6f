"""The comparison run: linkage, base build for a scope, classification, SCD2 merge and outbox.

All the work is SQL (include/sql/comparison/, one model per file); this module only decides the
order, the parameters and the transaction boundaries:

1. ``prepare``: reference date, staleness warning, city-wide linkage (base.person_link,
   base.review_queue), the scope (everyone, or who changed) into base.run_scope with each person's
   county, and the base.run row.
2. ``county step`` (per unit of work: a county, or a part (by a hash of the ID) of a county larger than
   ``work.unit_max_persons``; or all at once): temp models c_scope → c_idmap → c_ps, c_enrollment_rows →
   c_si_person, c_enrollment, c_elsewhere → c_person (classification) → c_record (provincial record, hashes) →
   merge into base.person_version / base.person_current and publication.outbox in the SAME
   transaction, plus withdrawal (DELETE, MERGED_DUPLICATE) of persons a reviewer merged away.
3. ``finish``: counts into base.run.

``run_comparison`` runs the three in one transaction. The Airflow DAG can instead call
``prepare`` → ``list_units`` → ``run_county`` (mapped) → ``finish``; each unit commits alone.
A what-if run (a reference date other than the data's) runs in one transaction that is rolled
back: it reports what the base would say and writes nothing but its base.run row.
"""

from __future__ import annotations

import datetime as dt
import math
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from canbao.comparison.config import ComparisonConfig, load_config
from canbao.db import engine
from canbao.paths import read_sql
from canbao.privacy import get_logger
from canbao.update import scope as scope_mod
from canbao.update.applied import record_applied_changes

log = get_logger(__name__)

CATEGORIES = ("DECEASED_ACTIVE", "DUPLICATE", "UNINSURED", "LAPSED", "PARTIAL", "INSURED", "NOT_APPLICABLE")

# Temp models and the indexes the next models join on.
_INDEXES: dict[str, list[str]] = {
    "link_obs": ["source, raw_id"],
    "link_wanted": ["person_id"],
    "link_register_ids": ["person_id"],
    "link_register_blocked": ["person_id", "birth_date", "name"],
    "link_deterministic": ["source, raw_id"],
    "link_result": ["raw_id", "source, raw_id"],
    "c_scope": ["person_id"],
    "c_idmap": ["raw_id"],
    "c_ps": ["person_id"],
    "c_si_person": ["person_id"],
    "c_enrollment": ["person_id"],
    "c_elsewhere": ["person_id"],
    "c_record": ["person_id"],
    "c_changed": ["person_id"],
}
# Models read whole by the next one (no index) whose statistics the planner still needs for a join key.
_STATS: dict[str, list[str]] = {"c_person": ["person_id"], "c_enrollment_rows": ["person_id"]}


class NoReferenceDate(RuntimeError):
    """No accepted public-security delivery yet: there is nothing to compare against."""


@dataclass
class RunSummary:
    run_id: str
    ref_date: dt.date
    what_if: bool
    scope_mode: str
    scope_size: int = 0
    versions_written: int = 0
    rows_refreshed: int = 0
    withdrawn: int = 0
    categories: dict[str, int] = field(default_factory=dict)
    linkage: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    steps: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ref_date"] = self.ref_date.isoformat()
        return d


# -- helpers ------------------------------------------------------------------------------------

def _session(conn: Connection) -> None:
    """Per-transaction settings: JIT compilation of these wide queries costs seconds and saves
    nothing (measured: 1.8 s of a 5.6 s model at 20k persons); sorts and hashes get room (work_mem)."""
    conn.execute(sa.text("set local jit = off"))
    conn.execute(sa.text("set local work_mem = '256MB'"))
    # c_record writes provenance dates as their text: ISO whatever the server's or role's default
    conn.execute(sa.text("set local datestyle = 'ISO'"))
    # The wide temp models (c_person, c_record) otherwise spill through 8 MB of local buffers. The
    # setting only takes before the session's first temp table; a pooled connection that already
    # used one keeps its size (PostgreSQL refuses the change), which is harmless.
    _set_local_if_accepted(conn, "temp_buffers = '256MB'")
    # The run's wide temp rows (c_record) compress their jsonb like the base's columns (migration
    # 0009): lz4, about a third cheaper than pglz; kept at the server's default where lz4 is missing.
    _set_local_if_accepted(conn, "default_toast_compression = 'lz4'")


def _set_local_if_accepted(conn: Connection, setting: str) -> None:
    """``SET LOCAL setting`` in a savepoint: a value the server refuses leaves the transaction usable."""
    savepoint = conn.begin_nested()
    try:
        conn.execute(sa.text(f"set local {setting}"))
        savepoint.commit()
    except sa.exc.DBAPIError:
        savepoint.rollback()


def _model(conn: Connection, name: str, params: dict[str, Any], steps: dict[str, float] | None = None,
           sql_name: str | None = None) -> int:
    """Materialise one SQL model as a temp table named after it; returns its row count."""
    t0 = time.perf_counter()
    conn.execute(sa.text(f"drop table if exists pg_temp.{name}"))
    body = read_sql(f"comparison/{sql_name or name}.sql")
    # CREATE TABLE AS reports its row count: no second scan to count
    n = conn.execute(sa.text(f"create temp table {name} as\n{body}"), params).rowcount
    indexes = _INDEXES.get(name, [])
    for i, cols in enumerate(indexes):
        conn.execute(sa.text(f"create index {name}_ix{i} on {name} ({cols})"))
    conn.execute(sa.text(f"analyze {name} {_analyzed_columns(indexes or _STATS.get(name, []))}"))
    if steps is not None:
        steps[name] = round(time.perf_counter() - t0, 3)
    return int(n)


def _analyzed_columns(key_columns: list[str]) -> str:
    """The column list for ANALYZE of a temp model: the columns the next models join on (its indexed
    columns, or its ``_STATS`` entry), or all for a model with neither. The planner needs the row
    count and the join keys' statistics; statistics of the wide columns cost more than the model
    itself (sampling and sorting every jsonb value: 1.7 s of c_person's 3.7 s and 2.0 s of c_record's
    4.4 s for a county of 33,000 persons) and no later query filters on them."""
    columns = dict.fromkeys(c.strip() for cols in key_columns for c in cols.split(","))
    return f"({', '.join(columns)})" if columns else ""


def _exec(conn: Connection, name: str, params: dict[str, Any], steps: dict[str, float] | None = None) -> int:
    t0 = time.perf_counter()
    result = conn.execute(sa.text(read_sql(f"comparison/{name}.sql")), params)
    if steps is not None:
        steps[name] = round(time.perf_counter() - t0, 3)
    return int(result.rowcount or 0)


def _table_exists(conn: Connection, qualified: str) -> bool:
    return conn.execute(sa.text("select to_regclass(:t) is not null"), {"t": qualified}).scalar_one()


def reference_date(conn: Connection) -> dt.date:
    """The as_of of the latest accepted public-security delivery."""
    ref = conn.execute(sa.text(read_sql("comparison/ref_date.sql"))).scalar_one()
    if ref is None:
        raise NoReferenceDate("no accepted public-security delivery: nothing to compare against yet")
    return ref


def _previous_run(conn: Connection) -> dict[str, Any] | None:
    row = conn.execute(sa.text(
        "select run_id, ref_date, max_delivery_id, started_at, counts from base.run "
        "where not what_if and finished_at is not null order by started_at desc, run_id desc limit 1"
    )).mappings().first()
    return dict(row) if row else None


# -- step 1: prepare ----------------------------------------------------------------------------

def _prepare(conn: Connection, *, run_id: str, ref_date: dt.date | None, what_if: bool, scope: str,
             config: ComparisonConfig, now: dt.datetime, summary_steps: dict[str, float]) -> RunSummary:
    data_ref = reference_date(conn)
    if ref_date is None:
        ref_date = data_ref
    elif ref_date != data_ref:
        what_if = True
    warnings: list[str] = []

    si_as_of = conn.execute(sa.text(read_sql("comparison/si_as_of.sql"))).scalar_one()
    si_stale = si_as_of is None or (ref_date - si_as_of).days > config.si_stale_days
    if si_stale:
        warnings.append(
            f"social insurance data dated {si_as_of} are more than {config.si_stale_days} days older than "
            f"the reference date {ref_date}: nobody is called lapsed for unpaid months in this run"
        )
        log.warning(warnings[-1])

    params = config.params() | {"run_id": run_id, "ref_date": ref_date, "now": now}
    prev = _previous_run(conn)
    mode = scope_mod.choose_mode(scope, prev, ref_date, config.fingerprint(), si_stale)
    max_delivery_id = conn.execute(sa.text("select coalesce(max(delivery_id), 0) from curated.change_log")).scalar_one()

    # linkage, city-wide
    n_obs = _model(conn, "link_obs", params, summary_steps)
    # the register rows linkage compares with: only the candidates of the flagged IDs (index lookups)
    _model(conn, "link_wanted", params, summary_steps, sql_name="link_candidates_ids")
    _model(conn, "link_register_ids", params, summary_steps, sql_name="link_register")
    _model(conn, "link_deterministic", params, summary_steps)
    _model(conn, "link_wanted", params, summary_steps, sql_name="link_candidates_blocked")
    _model(conn, "link_register_blocked", params, summary_steps, sql_name="link_register")
    _model(conn, "link_probabilistic", params, summary_steps)
    _model(conn, "link_result", params, summary_steps)
    _model(conn, "link_changes", params, summary_steps)
    _exec(conn, "person_link_delete", params, summary_steps)
    _exec(conn, "person_link_upsert", params, summary_steps)
    _exec(conn, "review_queue_upsert", params, summary_steps)
    _exec(conn, "review_queue_close", params, summary_steps)
    linkage = dict(conn.execute(sa.text(
        "select coalesce(case when outcome = 'LINKED' then method end, outcome), count(*) "
        "from link_result where source <> '*' group by 1"
    )).all())
    linkage["observed"] = n_obs

    # scope: a full run reads the whole register and everyone insured (one statement); an incremental
    # one only what changed.
    # The previous run's scope goes at once: TRUNCATE costs the same for a million rows as for none (a
    # DELETE of a full run's scope was the largest step left in a small incremental run). Runs are
    # serial (the DAGs run one comparison at a time); a what-if run rolls the truncation back.
    conn.execute(sa.text("truncate base.run_scope"))
    if mode == "FULL":
        _exec(conn, "run_scope_insert", params, summary_steps)
    else:
        inc = scope_mod.scope_params(params, prev)
        _model(conn, "scope_person", inc, summary_steps, sql_name="scope_incremental")
        scope_mod.add_feedback_scope(conn, inc)
        _exec(conn, "run_scope_insert_incremental", params, summary_steps)
    scope_size = conn.execute(sa.text("select count(*) from base.run_scope where run_id = :run_id"),
                              params).scalar_one()

    # a first build: no history yet (c_changed then numbers every new person's version 1 unlooked-up)
    history_empty = conn.execute(sa.text("select not exists (select 1 from base.person_version)")).scalar_one()
    counts = {"config": config.fingerprint(), "si_stale": si_stale, "linkage": linkage,
              "history_empty": bool(history_empty)}
    conn.execute(sa.text(
        "insert into base.run (run_id, ref_date, what_if, scope_mode, scope_size, max_delivery_id, counts, "
        "warnings, started_at) values (:run_id, :ref_date, :what_if, :mode, :size, :maxd, cast(:counts as jsonb), "
        "cast(:warnings as jsonb), :now)"
    ), params | {"what_if": what_if, "mode": mode, "size": scope_size, "maxd": max_delivery_id,
                 "counts": _json(counts), "warnings": _json(warnings)})
    if not what_if:
        t0 = time.perf_counter()
        record_applied_changes(conn, {"run_id": run_id, "now": now, "max_delivery_id": max_delivery_id,
                                      "last_delivery_id": (prev or {}).get("max_delivery_id") or 0})
        summary_steps["applied_change"] = round(time.perf_counter() - t0, 3)
    return RunSummary(run_id=run_id, ref_date=ref_date, what_if=what_if, scope_mode=mode,
                      scope_size=int(scope_size), linkage=linkage, warnings=warnings, steps=summary_steps)


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def _run_params(conn: Connection, run_id: str, config: ComparisonConfig) -> dict[str, Any]:
    row = conn.execute(sa.text("select ref_date, what_if, counts, started_at from base.run where run_id = :r"),
                       {"r": run_id}).mappings().one()
    counts = row["counts"] or {}
    return config.params() | {
        "run_id": run_id, "ref_date": row["ref_date"], "now": row["started_at"], "what_if": row["what_if"],
        "si_stale": bool(counts.get("si_stale")), "history_empty": bool(counts.get("history_empty")),
    }


# -- step 2: one county (or everyone) ----------------------------------------------------------------

def unit_params(unit: str | None) -> dict[str, Any]:
    """A unit of work's bind parameters: ``None`` (everyone), a county code (``''`` = persons with no
    county here), or ``COUNTY:PART/PARTS`` (the persons of the county whose ID hashes to PART)."""
    if unit is None or ":" not in unit:
        return {"county": unit, "part": 0, "parts": 1}
    county, _, share = unit.rpartition(":")
    part, _, parts = share.partition("/")
    if not (part.isdigit() and parts.isdigit() and 0 <= int(part) < int(parts)):
        raise ValueError(f"not a unit of work: {unit!r} (COUNTY, or COUNTY:PART/PARTS)")
    return {"county": county, "part": int(part), "parts": int(parts)}


def split_units(sizes: list[tuple[str, int]], max_persons: int) -> list[tuple[str, int]]:
    """Counties (with their persons in scope) as units of work of at most ``max_persons`` each, in
    parts of about equal size (a hash of the ID decides the part), largest first."""
    units: list[tuple[str, int]] = []
    for county, n in sizes:
        parts = max(1, math.ceil(n / max(1, max_persons)))
        if parts == 1:
            units.append((county, n))
        else:
            units.extend((f"{county}:{i}/{parts}", math.ceil(n / parts)) for i in range(parts))
    return sorted(units, key=lambda u: (-u[1], u[0]))


def _county_step(conn: Connection, params: dict[str, Any], county: str | None, steps: dict[str, float],
                 write: bool) -> dict[str, int]:
    p = params | unit_params(county)
    _model(conn, "c_scope", p, steps)
    _model(conn, "c_idmap", p, steps)
    _model(conn, "c_ps", p, steps)
    _model(conn, "c_enrollment_rows", p, steps)
    _model(conn, "c_si_person", p, steps)
    _model(conn, "c_enrollment", p, steps)
    if _table_exists(conn, "publication.feedback"):
        _model(conn, "c_elsewhere", p, steps)
    else:
        _model(conn, "c_elsewhere", p, steps, sql_name="c_elsewhere_none")
    _model(conn, "c_person", p, steps)
    _model(conn, "c_record", p, steps)
    result = {"versions": 0, "refreshed": 0, "withdrawn": 0}
    if not write:
        return result
    changed = _model(conn, "c_changed", p, steps)
    withdrawn = _model(conn, "c_merged_away", p, steps)
    outbox = _table_exists(conn, "publication.outbox")
    _exec(conn, "merge_version_close", p, steps)
    versions = _exec(conn, "merge_version_insert", p, steps)
    if outbox:
        _exec(conn, "merge_outbox_insert", p, steps)
    _exec(conn, "merge_current_update", p, steps)
    _exec(conn, "merge_current_insert", p, steps)
    if withdrawn:
        _exec(conn, "merge_withdraw_version", p, steps)
        if outbox:
            _exec(conn, "merge_withdraw_outbox", p, steps)
        _exec(conn, "merge_withdraw_current", p, steps)
    result.update(versions=versions, refreshed=changed - versions, withdrawn=withdrawn)
    return result


def _categories(conn: Connection, from_temp: bool) -> dict[str, int]:
    """Persons per primary category: of this run's scope (what-if), or of the whole base.

    c_record holds only the persons whose row changes; c_person has everyone in scope. The whole base
    is counted from the (county_code, category) index, not the wide rows: an index-only scan reads
    a tenth of the pages (40 ms instead of 190 ms at 200,000 persons), so a small daily run does not
    pay for reading every record. The planner would pick a parallel scan of the table; seqscan is
    switched off for this one statement's transaction only.
    """
    if from_temp:
        sql = "select category, count(*) from c_person group by 1"
    else:
        conn.execute(sa.text("set local enable_seqscan = off"))
        sql = "select category, count(*) from base.person_current group by 1"
    counts = {k: int(v) for k, v in conn.execute(sa.text(sql)).all()}
    if not from_temp:
        conn.execute(sa.text("set local enable_seqscan = on"))
    return counts


# -- public API -----------------------------------------------------------------------------------

def new_run_id() -> str:
    return "cmp-" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


def run_comparison(db_url: str | None = None, ref_date: dt.date | None = None, what_if: bool = False,
                   scope: str = "auto", run_id: str | None = None,
                   config: ComparisonConfig | None = None) -> RunSummary:
    """One whole comparison run in one transaction (see the module docstring)."""
    if scope not in ("auto", "full"):
        raise ValueError("scope must be 'auto' or 'full'")
    config = config or load_config()
    run_id = run_id or new_run_id()
    t0 = time.perf_counter()
    steps: dict[str, float] = {}
    with engine(db_url).connect() as conn:
        trans = conn.begin()
        _session(conn)
        now = conn.execute(sa.text("select now()")).scalar_one()
        try:
            summary = _prepare(conn, run_id=run_id, ref_date=ref_date, what_if=what_if, scope=scope,
                               config=config, now=now, summary_steps=steps)
            params = _run_params(conn, run_id, config)
            written = _county_step(conn, params, None, steps, write=not summary.what_if)
            summary.versions_written = written["versions"]
            summary.rows_refreshed = written["refreshed"]
            summary.withdrawn = written["withdrawn"]
            if summary.what_if:
                summary.categories = _categories(conn, from_temp=True)
                trans.rollback()
            else:
                summary.categories = _categories(conn, from_temp=False)
                _finish_row(conn, summary)
                trans.commit()
        except Exception:
            trans.rollback()
            raise
    summary.seconds = round(time.perf_counter() - t0, 3)
    if summary.what_if:
        _record_what_if(db_url, summary, now)
    log.info("comparison run %s (%s, ref %s, scope %s): %d versions, categories %s",
             run_id, summary.scope_mode, summary.ref_date, summary.scope_size, summary.versions_written,
             summary.categories)
    return summary


def _finish_row(conn: Connection, summary: RunSummary) -> None:
    conn.execute(sa.text(
        "update base.run set finished_at = clock_timestamp(), "
        "counts = counts || cast(:counts as jsonb) where run_id = :run_id"
    ), {"run_id": summary.run_id, "counts": _json({
        "categories": summary.categories, "versions": summary.versions_written,
        "refreshed": summary.rows_refreshed, "withdrawn": summary.withdrawn})})


def _record_what_if(db_url: str | None, summary: RunSummary, now: dt.datetime) -> None:
    """A what-if run leaves only its base.run row (what it would have said)."""
    with engine(db_url).begin() as conn:
        conn.execute(sa.text(
            "insert into base.run (run_id, ref_date, what_if, scope_mode, scope_size, counts, warnings, "
            "started_at, finished_at) values (:run_id, :ref_date, true, :mode, :size, cast(:counts as jsonb), "
            "cast(:warnings as jsonb), :now, clock_timestamp()) on conflict (run_id) do nothing"
        ), {"run_id": summary.run_id, "ref_date": summary.ref_date, "mode": summary.scope_mode,
            "size": summary.scope_size, "now": now, "warnings": _json(summary.warnings),
            "counts": _json({"categories": summary.categories, "linkage": summary.linkage})})


# -- the DAG's per-county API ---------------------------------------------------------------------

def prepare(db_url: str | None = None, scope: str = "auto", run_id: str | None = None,
            config: ComparisonConfig | None = None, steps: dict[str, float] | None = None) -> str:
    """Linkage and scope for a run whose county steps run separately; commits; returns the run id."""
    config = config or load_config()
    run_id = run_id or new_run_id()
    with engine(db_url).begin() as conn:
        _session(conn)
        now = conn.execute(sa.text("select now()")).scalar_one()
        _prepare(conn, run_id=run_id, ref_date=None, what_if=False, scope=scope, config=config, now=now,
                 summary_steps=steps if steps is not None else {})
    return run_id


def list_counties(db_url: str | None = None, run_id: str | None = None) -> list[str]:
    """Counties of a prepared run's scope ('' = persons with no county here, e.g. registered elsewhere)."""
    with engine(db_url).connect() as conn:
        if run_id is None:
            run_id = conn.execute(sa.text(
                "select run_id from base.run where not what_if order by started_at desc limit 1")).scalar_one()
        return [r[0] for r in conn.execute(sa.text(
            "select distinct county_code from base.run_scope where run_id = :r order by 1"), {"r": run_id})]


def list_units(db_url: str | None, run_id: str, config: ComparisonConfig | None = None) -> list[str]:
    """The units of work of a prepared run (``split_units`` of its counties), largest first."""
    config = config or load_config()
    return [unit for unit, _ in split_units(county_sizes(db_url, run_id), config.unit_max_persons)]


def run_county(db_url: str | None, run_id: str, county: str, config: ComparisonConfig | None = None,
               steps: dict[str, float] | None = None) -> dict:
    """Build, classify and merge one unit of work of a prepared run (a county, or a part of one: see
    ``unit_params``), in its own transaction (idempotent)."""
    config = config or load_config()
    with engine(db_url).begin() as conn:
        _session(conn)
        params = _run_params(conn, run_id, config)
        return _county_step(conn, params, county, steps if steps is not None else {}, write=True)


def county_sizes(db_url: str | None, run_id: str) -> list[tuple[str, int]]:
    """Counties of a prepared run's scope with their number of persons, largest first."""
    with engine(db_url).connect() as conn:
        return [(r[0], int(r[1])) for r in conn.execute(sa.text(
            "select county_code, count(*) from base.run_scope where run_id = :r group by 1 order by 2 desc, 1"),
            {"r": run_id})]


def run_by_county(db_url: str | None = None, scope: str = "auto", workers: int = 2,
                  config: ComparisonConfig | None = None) -> RunSummary:
    """The comparison DAG's path in one process: ``prepare`` (linkage and scope, city-wide), then the
    counties on ``workers`` connections at once, largest first (as the DAG's mapped ``classify_county``
    tasks run on the workers), then ``finish``. Each county commits on its own, like a mapped task; the
    outbox tolerates the out-of-order commits (the publisher picks rows by anti-join, not by high-water
    mark). Used by ``make bench`` and by ``canbao compare --workers``; ``run_comparison`` stays the
    single-transaction path (what-if runs, tests)."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    config = config or load_config()
    t0 = time.perf_counter()
    steps: dict[str, float] = {}
    run_id = prepare(db_url, scope=scope, config=config, steps=steps)
    steps["prepare"] = round(time.perf_counter() - t0, 3)
    units = list_units(db_url, run_id, config)
    per_county: list[dict[str, float]] = [{} for _ in units]
    t1 = time.perf_counter()
    results: list[dict] = [{} for _ in units]
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="county") as pool:
        futures = {pool.submit(run_county, db_url, run_id, county, config, per_county[i]): (i, county)
                   for i, county in enumerate(units)}
        for done, future in enumerate(as_completed(futures), start=1):
            i, county = futures[future]
            results[i] = future.result()
            # progress of a long run (a 1M first build takes minutes): region codes only, no person
            log.info("comparison run %s: unit %s done (%d of %d), %d new versions, %.1f s into the units",
                     run_id, county or "(no county)", done, len(units), results[i]["versions"],
                     time.perf_counter() - t1)
    steps["counties"] = round(time.perf_counter() - t1, 3)
    for county_steps in per_county:  # CPU seconds per model, summed over the counties
        for name, sec in county_steps.items():
            steps[f"county:{name}"] = round(steps.get(f"county:{name}", 0.0) + sec, 3)
    t2 = time.perf_counter()
    summary = finish(db_url, run_id, versions=sum(r["versions"] for r in results))
    steps["finish"] = round(time.perf_counter() - t2, 3)
    summary.rows_refreshed = sum(r["refreshed"] for r in results)
    summary.withdrawn = sum(r["withdrawn"] for r in results)
    summary.steps = steps
    summary.seconds = round(time.perf_counter() - t0, 3)
    log.info("comparison run %s by county (%d units, %d workers): %d versions in %.1f s",
             run_id, len(units), workers, summary.versions_written, summary.seconds)
    return summary


# A run that rewrote at least this share of the base (and this many rows) vacuums base.person_current.
BULK_SHARE, BULK_MIN_ROWS = 0.1, 10_000


def _settle_after_bulk(db_url: str | None, versions: int) -> None:
    """VACUUM (ANALYZE) base.person_current after a run that rewrote a large part of it.

    Why: rows written in bulk are not yet marked all-visible, so every later read of the base (this
    run's category counts, tomorrow's small run, the outputs) visits the heap and sets hint bits,
    until autovacuum comes by. After the first build or a new rule set, doing it at once costs about
    a second per million rows (0.34 s at 200,000) and makes the count from the (county, category)
    index read only the index. Small runs skip it: autovacuum keeps up with them.
    """
    with engine(db_url).connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        rows = conn.execute(sa.text(
            "select greatest(reltuples, 0) from pg_class where oid = 'base.person_current'::regclass")).scalar_one()
        if versions >= BULK_MIN_ROWS and versions >= BULK_SHARE * float(rows):
            conn.execute(sa.text("vacuum (analyze) base.person_current"))


def finish(db_url: str | None, run_id: str, versions: int | None = None) -> RunSummary:
    """Close a prepared run: counts into base.run.

    ``versions``: the versions the county steps wrote (the sum of their results), when the caller has
    them all from one attempt each (``run_by_county``); otherwise (the DAG, whose mapped county tasks
    may be retried after a commit and then report 0) they are counted from base.person_version,
    which reads the whole history.
    """
    eng = engine(db_url)
    if versions is None:
        with eng.connect() as conn:
            versions = conn.execute(sa.text(
                "select count(*) from base.person_version where run_id = :r and record is not null"),
                {"r": run_id}).scalar_one()
    _settle_after_bulk(db_url, int(versions))
    with eng.begin() as conn:
        row = conn.execute(sa.text("select * from base.run where run_id = :r"), {"r": run_id}).mappings().one()
        summary = RunSummary(run_id=run_id, ref_date=row["ref_date"], what_if=row["what_if"],
                             scope_mode=row["scope_mode"], scope_size=row["scope_size"] or 0,
                             warnings=list(row["warnings"] or []))
        summary.categories = _categories(conn, from_temp=False)
        summary.versions_written = int(versions)
        _finish_row(conn, summary)
    return summary
