"""The quality gate of one staged delivery: GX suite, row rejects, and the decision.

    decision = run_gate(db_url, "ps_household", delivery_id)

1. Parameters of the suite come from the database (``gate_facts_<target>.sql``):
   rows the manifest declared, rows intake could not stage, the last accepted
   delivery of the feed (volume band, freshness).
2. GX runs the feed's committed suite against the delivery's staging rows in
   PostgreSQL. Its aggregate metrics are bundled into a few scans; results
   carry counts only (no values), masked again, rendered to Data Docs under
   ``<data_docs_dir>/<feed>/<delivery_id>/``.
3. When a row-level expectation failed, one more scan
   (``gate_row_failures_<target>.sql``, generated from the same rules) names
   the failing rows by ``source_row``; they go to ``intake.reject`` with the
   rule and a bilingual reason. GX could name them itself (result_format
   COMPLETE with ``unexpected_index_column_names``), but on SQL that costs a
   query per expectation and puts the failing values into the result, which
   must never hold personal data.
4. Decision: a failed critical expectation quarantines the whole delivery;
   otherwise rows refused (intake's parse rejects plus the gate's) over the
   feed's ``max_reject_share`` quarantine it; otherwise the accepted rows are
   promoted (``ACCEPT`` or ``ACCEPT_WITH_REJECTS``). A snapshot older than the
   newest promoted one is quarantined as stale.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from canbao.db import engine, run_sql, transaction
from canbao.privacy import get_logger, mask_text
from canbao.validation.feeds import GateFeed, resolve_feed
from canbao.validation.promote import StaleDelivery, promote, quarantine
from canbao.validation.rules import EARLIEST_DATE, Rule, all_rule_ids, rules_for
from canbao.validation.runner import SuiteOutcome, run_on_postgres
from canbao.validation.suites import load_suite

log = get_logger(__name__)

OUTCOMES = ("ACCEPT", "ACCEPT_WITH_REJECTS", "QUARANTINE")
# Nothing was staged for these (or the bytes were already processed once).
NOT_GATED = ("RECEIVED", "DUPLICATE", "FAILED")
# Volume bounds when no accepted delivery exists yet (the first snapshot sets the baseline).
UNBOUNDED = 2**31 - 1


@dataclass
class GateDecision:
    outcome: str  # ACCEPT | ACCEPT_WITH_REJECTS | QUARANTINE
    reasons: list[str] = field(default_factory=list)  # Chinese / English, masked
    counts: dict[str, int] = field(default_factory=lambda: {"parsed": 0, "rejected": 0, "promoted": 0})
    data_docs: str | None = None
    delivery_id: int | None = None
    feed: str | None = None
    failed_rules: dict[str, int] = field(default_factory=dict)  # rule -> rows failing (or 1 for table checks)


def local_today() -> dt.date:
    """Today in the bureau's time zone: data dates are Asia/Shanghai dates, the server clock may be UTC."""
    from zoneinfo import ZoneInfo

    from canbao.settings import BUREAU_TZ_NAME

    return dt.datetime.now(tz=ZoneInfo(BUREAU_TZ_NAME)).date()


def data_docs_root() -> Path:
    from canbao.settings import Settings, canbao_home, getenv

    try:
        return Settings.from_env().data_docs_dir
    except RuntimeError:
        return Path(getenv("CANBAO_DATA_DOCS_DIR", str(canbao_home() / "data_docs")))


def _facts(db_url: str, feed: GateFeed, delivery_id: int) -> dict[str, Any]:
    with engine(db_url).connect() as conn:
        row = run_sql(conn, f"intake/gate_facts_{feed.target}.sql",
                      {"delivery_id": delivery_id, "gate_rules": all_rule_ids(feed)}).mappings().first()
    if row is None:
        raise KeyError(f"no delivery {delivery_id}")
    if row["feed"] != feed.name:
        raise ValueError(f"delivery {delivery_id} belongs to feed {row['feed']}, not {feed.name}")
    if row["state"] in NOT_GATED:
        raise ValueError(f"delivery {delivery_id} is {row['state']}: only staged deliveries go through the gate")
    return dict(row)


def parameters(feed: GateFeed, facts: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """The suite parameters of this delivery (see the suite's meta.parameters)."""
    staged = int(facts["staged_rows"])
    declared = facts["rows_declared"]
    # A delivery proved by a marker has no declared count: nothing to compare with.
    rows_expected = staged if declared is None else int(declared) - int(facts["unstaged_rejects"])
    last_rows, band = facts["last_rows"], feed.volume_band
    if feed.kind == "snapshot" and last_rows and band is not None:
        volume_min, volume_max = math.floor(last_rows * (1 - band)), math.ceil(last_rows * (1 + band))
    else:
        volume_min, volume_max = 0, UNBOUNDED
    as_of = facts["as_of"] or today
    return {
        "rows_expected": rows_expected,
        "volume_min": volume_min,
        "volume_max": volume_max,
        "last_as_of": (facts["last_as_of"] or dt.date(1900, 1, 1)).isoformat(),
        "today": today.isoformat(),
        "as_of": as_of.isoformat(),
        "earliest_date": EARLIEST_DATE,
    }


def _reason(rule: Rule | None, outcome, params: dict[str, Any]) -> str:
    """``<Chinese>（detail） / <English> (detail)``, masked."""
    zh, en = (rule.zh, rule.en) if rule else (outcome.zh, outcome.en)
    if outcome.error:
        return mask_text(f"{zh}（检查无法执行） / {en} (check could not run: {outcome.error})")
    seen = outcome.observed_value
    if outcome.rule == "rows.manifest":
        zh_d, en_d = f"实际 {seen} 行，清单 {params['rows_expected']} 行", f"observed {seen}, manifest {params['rows_expected']}"
    elif outcome.rule == "rows.volume":
        band = f"{params['volume_min']}–{params['volume_max']}"
        zh_d, en_d = f"实际 {seen} 行，允许 {band} 行", f"observed {seen}, allowed {band}"
    elif outcome.rule == "as_of.fresh":
        zh_d = f"上次接收 {params['last_as_of']}，今天 {params['today']}"
        en_d = f"last accepted {params['last_as_of']}, today {params['today']}"
    elif outcome.unexpected_count is not None:
        zh_d, en_d = f"{outcome.unexpected_count} 行", f"{outcome.unexpected_count} rows"
    else:
        return mask_text(f"{zh} / {en}")
    return mask_text(f"{zh}（{zh_d}） / {en} ({en_d})")


def _write_rejects(db_url: str, feed: GateFeed, delivery_id: int, facts: dict[str, Any],
                   suite_outcome: SuiteOutcome, by_rule: dict[str, Rule]) -> int:
    """Replace the gate's rejects of the delivery; return how many (row, rule) pairs were written."""
    failing = [o.rule for o in suite_outcome.row_failures if o.rule in by_rule]
    written = 0
    with transaction(db_url) as conn:
        run_sql(conn, "intake/gate_clear_rejects.sql", {"delivery_id": delivery_id,
                                                         "gate_rules": all_rule_ids(feed)})
        if not failing:
            return 0
        result = run_sql(conn, f"intake/gate_reject_rows_{feed.target}.sql", {
            "delivery_id": delivery_id, "as_of": facts["as_of"], "strict_identity": feed.strict_identity,
            "rules": failing, "reasons": [f"{by_rule[r].zh} / {by_rule[r].en}" for r in failing]})
        written = result.rowcount
    return written


def _store_result(db_url: str, feed: GateFeed, delivery_id: int, suite_outcome: SuiteOutcome,
                  params: dict[str, Any], suite_name: str) -> None:
    from canbao.validation.runner import scrub

    with transaction(db_url) as conn:
        run_sql(conn, "intake/gate_store_result.sql", {
            "delivery_id": delivery_id, "feed": feed.name, "suite": suite_name,
            "success": suite_outcome.success,
            "critical_failed": [o.rule for o in suite_outcome.critical_failures],
            "row_failed": [o.rule for o in suite_outcome.row_failures],
            "results": json.dumps(scrub([o.as_dict() for o in suite_outcome.results]), ensure_ascii=False,
                                  default=str),
            "parameters": json.dumps(params, ensure_ascii=False, default=str),
            "data_docs": suite_outcome.data_docs,
        })


def run_gate(db_url: str, feed: Any, delivery_id: int, *, today: dt.date | None = None,
             data_docs_dir: Path | None = None, apply: bool = True, run_id: str | None = None) -> GateDecision:
    """Validate a staged delivery, write its rejects, then promote or quarantine it (``apply``).

    ``today`` is the date freshness is judged against (the wall clock unless
    given: a delivery dated in the future is refused). ``apply=False`` decides
    and writes rejects and the gate result but neither promotes nor quarantines.
    """
    f = resolve_feed(feed)
    today = today or local_today()
    facts = _facts(db_url, f, delivery_id)
    params = parameters(f, facts, today)
    suite = load_suite(f)
    docs_dir = (data_docs_dir or data_docs_root()) / f.name / str(delivery_id)
    suite_outcome = run_on_postgres(db_url, f"intake.stg_{f.target}", delivery_id, suite, params, docs_dir)
    rules = rules_for(f)
    by_rule = {r.rule: r for r in rules}
    _write_rejects(db_url, f, delivery_id, facts, suite_outcome, by_rule)
    _store_result(db_url, f, delivery_id, suite_outcome, params, suite["name"])

    with engine(db_url).connect() as conn:
        rejected = int(run_sql(conn, "intake/gate_rejected_rows.sql", {"delivery_id": delivery_id}).scalar_one())
    parsed = int(facts["staged_rows"]) + int(facts["unstaged_rejects"])
    decision = GateDecision("ACCEPT", [], {"parsed": parsed, "rejected": rejected, "promoted": 0},
                            suite_outcome.data_docs, delivery_id, f.name)
    decision.failed_rules = {o.rule: int(o.unexpected_count if o.unexpected_count is not None else 1)
                             for o in suite_outcome.results if not o.success}

    critical = suite_outcome.critical_failures
    share = rejected / parsed if parsed else 0.0
    if critical:
        decision.outcome = "QUARANTINE"
        decision.reasons = [_reason(by_rule.get(o.rule), o, params) for o in critical]
    elif share > f.max_reject_share:
        decision.outcome = "QUARANTINE"
        decision.reasons = [mask_text(
            f"拒收行占比 {share:.2%} 超过允许的 {f.max_reject_share:.2%}（{rejected}/{parsed} 行） / "
            f"rejected rows {share:.2%} exceed the allowed {f.max_reject_share:.2%} ({rejected} of {parsed})")]
    elif rejected:
        decision.outcome = "ACCEPT_WITH_REJECTS"
    if decision.outcome == "QUARANTINE" or rejected:
        # what failed, row by row rule, so that on-call and the receipt can say it
        decision.reasons += [_reason(by_rule.get(o.rule), o, params) for o in suite_outcome.row_failures]

    if not apply:
        return decision
    if decision.outcome != "QUARANTINE":
        try:
            counts = promote(db_url, f, delivery_id, outcome=decision.outcome, reasons=decision.reasons,
                             data_docs=decision.data_docs, run_id=run_id)
            decision.counts = {"parsed": counts.parsed, "rejected": counts.rejected, "promoted": counts.promoted}
            return decision
        except StaleDelivery as exc:
            decision.outcome = "QUARANTINE"
            decision.reasons = [mask_text(str(exc))] + decision.reasons
    quarantine(db_url, f, delivery_id, decision.reasons, data_docs=decision.data_docs,
               counts=(parsed, rejected), run_id=run_id)
    log.warning("delivery %s of %s quarantined: %s", delivery_id, f.name, "; ".join(decision.reasons))
    return decision
