"""The gate's rules, defined once and rendered twice: as GX expectations and as SQL.

Each :class:`Rule` is one Great Expectations expectation (the suite JSON under
``expectations/expectations/<feed>.json`` is generated from these) and, for
row-level rules, one SQL predicate naming the failing rows in the generated
``include/sql/intake/gate_row_failures_<target>.sql``. GX tells *how many*
rows fail each rule (cheap aggregate queries bundled per scan, no values in
the result, so nothing personal reaches results or Data Docs); that SQL file
tells *which* rows (by ``source_row``) in one more scan, only when some
row-level rule failed. Keeping both in this module is what keeps them equal.

Rules come from ``canbao/registry/targets.py`` (required fields, closed code
lists, types) and from the feed's gate settings (strict identity, volume).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from canbao.registry.targets import TARGETS, Target

# Date fields that record something that has happened by the data date.
PAST_DATES = {"birth_date", "cancel_date", "death_date", "cremation_date", "registration_date",
              "effective_date", "survey_date"}
EARLIEST_DATE = "1900-01-01"
REGION_REGEX = r"^[0-9]{6}(?:[0-9]{3}){0,2}$"
REGION_FIELDS = {"hukou_region", "region_code", "town_code", "village_code"}
MONTH_REGEX = r"^[0-9]{4}-(?:0[1-9]|1[0-2])$"


@dataclass(frozen=True)
class Rule:
    """One check: a GX expectation plus, for row-level checks, the SQL predicate of a failing row."""

    rule: str
    critical: bool
    expectation_type: str
    kwargs: dict[str, Any]
    zh: str
    en: str
    sql_failed: str | None = None  # SQL over alias ``b`` (row-level rules only)
    notes: dict[str, Any] = field(default_factory=dict)

    def expectation(self) -> dict[str, Any]:
        return {
            "type": self.expectation_type,
            "kwargs": self.kwargs,
            "meta": {"rule": self.rule, "critical": self.critical, "reason_zh": self.zh, "reason_en": self.en,
                     **self.notes},
        }


def _sql_list(values: tuple[str, ...]) -> str:
    # values come from targets.py's closed lists (reviewed code), never from data
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _id_rule(name: str, strict: bool | None) -> Rule:
    """Citizen ID / USCC status. ``strict`` None renders the SQL for both (decided by ``:strict_identity``)."""
    status = f"{name}_status"
    sql = (f"b.{status} is not null and case when :strict_identity then b.{status} <> 'VALID' "
           f"else b.{status} = 'MALFORMED' end")
    if strict:
        return Rule(f"{name}.id_status", False, "expect_column_values_to_be_in_set",
                    {"column": status, "value_set": ["VALID"]},
                    f"{name} 证件号码无效（身份源头数据须全部有效，含校验位错误、出生日期或性别不符、15位旧号）",
                    f"{name} is not a valid ID (identity feed of record: anything but VALID is refused)", sql)
    return Rule(f"{name}.id_status", False, "expect_column_values_to_not_be_in_set",
                {"column": status, "value_set": ["MALFORMED"]},
                f"{name} 证件号码格式错误（不是证件号码）", f"{name} is malformed (not an ID at all)", sql)


def row_rules(target: Target, strict: bool | None) -> list[Rule]:
    """Row-level rules of a target: a failing row is rejected, the others promoted."""
    rules: list[Rule] = []
    for f in target.fields:
        if f.required:
            rules.append(Rule(f"{f.name}.required", False, "expect_column_values_to_not_be_null",
                              {"column": f.name}, f"必填字段 {f.name} 为空", f"required field {f.name} is empty",
                              f"b.{f.name} is null"))
    for f in target.fields:
        if f.type in ("id", "uscc"):
            rules.append(_id_rule(f.name, strict))
        elif f.type == "code" and f.values:
            rules.append(Rule(f"{f.name}.code", False, "expect_column_values_to_be_in_set",
                              {"column": f.name, "value_set": list(f.values)},
                              f"{f.name} 代码不在规定代码表内", f"{f.name} is not in its code list",
                              f"b.{f.name} is not null and b.{f.name} not in ({_sql_list(f.values)})"))
        elif f.type == "code" and f.name in REGION_FIELDS:
            rules.append(Rule(f"{f.name}.format", False, "expect_column_values_to_match_regex",
                              {"column": f.name, "regex": REGION_REGEX},
                              f"{f.name} 区划代码须为6、9或12位数字", f"{f.name} is not a 6/9/12-digit region code",
                              f"b.{f.name} is not null and b.{f.name} !~ '{REGION_REGEX}'"))
        elif f.type == "month":
            rules.append(Rule(f"{f.name}.format", False, "expect_column_values_to_match_regex",
                              {"column": f.name, "regex": MONTH_REGEX},
                              f"{f.name} 月份格式须为 YYYY-MM", f"{f.name} is not a YYYY-MM month",
                              f"b.{f.name} is not null and b.{f.name} !~ '{MONTH_REGEX}'"))
        elif f.type == "date":
            if f.name in PAST_DATES:
                rules.append(Rule(f"{f.name}.range", False, "expect_column_values_to_be_between",
                                  {"column": f.name, "min_value": {"$PARAMETER": "earliest_date"},
                                   "max_value": {"$PARAMETER": "as_of"}},
                                  f"{f.name} 日期须在 1900-01-01 至数据日期之间",
                                  f"{f.name} is not between 1900-01-01 and the data date",
                                  f"b.{f.name} is not null and (b.{f.name} < date '{EARLIEST_DATE}' "
                                  f"or b.{f.name} > cast(:as_of as date))"))
            else:
                rules.append(Rule(f"{f.name}.range", False, "expect_column_values_to_be_between",
                                  {"column": f.name, "min_value": {"$PARAMETER": "earliest_date"}},
                                  f"{f.name} 日期早于 1900-01-01", f"{f.name} is before 1900-01-01",
                                  f"b.{f.name} is not null and b.{f.name} < date '{EARLIEST_DATE}'"))
        elif f.type == "numeric":
            rules.append(Rule(f"{f.name}.range", False, "expect_column_values_to_be_between",
                              {"column": f.name, "min_value": 0},
                              f"{f.name} 不能为负数", f"{f.name} is negative",
                              f"b.{f.name} is not null and b.{f.name} < 0"))
    key = list(target.key)
    if len(key) == 1:
        unique = ("expect_column_values_to_be_unique", {"column": key[0]})
    else:
        unique = ("expect_compound_columns_to_be_unique", {"column_list": key})
    rules.append(Rule("key.unique", False, unique[0], unique[1],
                      f"主键（{', '.join(key)}）在本次交付中重复", f"key ({', '.join(key)}) repeats within the delivery",
                      "d.source_row is not null"))
    return rules


def delivery_rules(target: Target) -> list[Rule]:
    """Critical rules: one failure quarantines the whole delivery."""
    rules = [
        Rule("columns.present", True, "expect_table_columns_to_match_set",
             {"column_set": [c for c, _ in target.columns()], "exact_match": False},
             "暂存表缺少目标字段", "the staging table lacks target columns"),
        Rule("rows.manifest", True, "expect_table_row_count_to_equal",
             {"value": {"$PARAMETER": "rows_expected"}},
             "行数与交付清单（manifest）不符", "row count differs from the manifest"),
    ]
    if target.kind == "snapshot":
        rules.append(Rule("rows.volume", True, "expect_table_row_count_to_be_between",
                          {"min_value": {"$PARAMETER": "volume_min"}, "max_value": {"$PARAMETER": "volume_max"}},
                          "全量数据行数超出上次接收交付的允许波动范围",
                          "snapshot volume outside the configured band of the last accepted delivery"))
    rules.append(Rule("as_of.fresh", True, "expect_column_values_to_be_between",
                      {"column": "as_of", "min_value": {"$PARAMETER": "last_as_of"},
                       "max_value": {"$PARAMETER": "today"}},
                      "数据日期在未来，或早于上次已接收的交付", "data date in the future or older than the last accepted delivery"))
    return rules


def rules_for(feed: Any) -> list[Rule]:
    """Every rule of a feed's suite (critical first)."""
    from canbao.validation.feeds import GateFeed

    f = GateFeed.of(feed)
    target = TARGETS[f.target]
    return delivery_rules(target) + row_rules(target, f.strict_identity)


def rule_reasons(rules: list[Rule]) -> dict[str, tuple[str, str]]:
    return {r.rule: (r.zh, r.en) for r in rules}


# --- generated SQL -------------------------------------------------------------------------------

def render_row_failures_sql(target: Target) -> str:
    """One scan of a delivery's staged rows writing every (source_row, rule) failing a row-level rule.

    Rows are first filtered by the OR of all predicates (failures are rare, so
    the scan costs about what one checking query costs), only then expanded
    into one line per failing rule; duplicate keys are only looked for when
    ``key.unique`` is among the failing rules.
    """
    rules = row_rules(target, None)
    key = list(target.key)
    key_not_null = " and ".join(f"{k} is not null" for k in key)
    join = " and ".join(f"d.{k} = b.{k}" for k in key)
    width = max(len(r.rule) for r in rules) + 3
    checks = ",\n".join(f"        ({repr(r.rule) + ',':<{width}} {r.sql_failed})" for r in rules)
    any_failed = "\n        or ".join(f"({r.sql_failed})" for r in rules)
    return f"""-- GENERATED by `python -m canbao.validation.suites --write` from canbao/validation/rules.py; do not edit.
-- Row-level gate failures of one delivery of {target.name}, by data row number (source_row), in one
-- scan, written to intake.reject; the suite's expectations say how many rows fail, this says which.
-- :delivery_id, :as_of (data date), :strict_identity (identity feed of record),
-- :rules / :reasons (the failing rule ids and the reason text of each, same order).
with batch as (
    select * from intake.stg_{target.name} where delivery_id = :delivery_id
),

duplicate_keys as (
    select {', '.join(key)}, min(source_row) as source_row
    from batch
    where {key_not_null}
        and 'key.unique' = any(:rules)
    group by {', '.join(key)}
    having count(*) > 1
),

failing_rows as (
    select b.*, d.source_row as duplicate_of
    from batch as b
    left join duplicate_keys as d on {join}
    where {any_failed.replace('d.source_row is not null', 'd.source_row is not null')}
),

checked as (
    select b.source_row, r.rule
    from failing_rows as b
    cross join lateral (values
{checks.replace('d.source_row is not null', 'b.duplicate_of is not null')}
    ) as r (rule, failed)
    where r.failed
),

reasons as (
    select rule, reason
    from unnest(cast(:rules as text[]), cast(:reasons as text[])) as t (rule, reason)
)

insert into intake.reject (delivery_id, source_row, rule, reason)
select :delivery_id, c.source_row, c.rule, reasons.reason
from checked as c
join reasons on reasons.rule = c.rule
on conflict (delivery_id, source_row, rule) do update
set reason = excluded.reason
"""


def _change_log_columns(target: Target) -> dict[str, str]:
    """Which target field fills change_log's person_id, uscc and effective_date."""
    names = target.field_names
    effective = {"ps_cancellation": "cancel_date", "ca_cremation": "death_date",
                 "survey_return": "survey_date"}.get(target.name)
    if "effective_date" in names:
        effective = "effective_date"
    return {
        "person_id": "person_id" if "person_id" in names else "null",
        "uscc": "uscc" if "uscc" in names else ("employer_uscc" if "employer_uscc" in names else "null"),
        "effective_date": effective or "cast(null as date)",
    }


def render_promote_sql(target: Target) -> str:
    """One statement that promotes a delivery's accepted rows into curated.<target> and logs the changes.

    Snapshot targets: keys missing from the delivery get ``absent_since`` (never
    deleted); a key present but rejected is not absent, it keeps its last state. A row is only rewritten when a field changed (or it was absent),
    and never by an older delivery (``as_of``).
    """
    cols = [c for c, _ in target.columns()]
    key = list(target.key)
    data_cols = [c for c in cols if c not in ("delivery_id", "source_row", "as_of")]
    col_list = ", ".join(cols)
    sel_list = ", ".join(f"s.{c}" for c in cols)
    updates = [f"{c} = excluded.{c}" for c in cols if c not in key]
    if target.kind == "snapshot":
        updates.append("absent_since = null")
    changed = f"({', '.join('c.' + c for c in data_cols)}) is distinct from ({', '.join('excluded.' + c for c in data_cols)})"
    if target.kind == "snapshot":
        changed = f"({changed} or c.absent_since is not null)"
    log = _change_log_columns(target)
    key_join = " and ".join(f"a.{k} = c.{k}" for k in key)
    returning = ", ".join(dict.fromkeys(key + [v for v in log.values() if not v.startswith(("null", "cast"))]))

    # the rest of the key (insurance and start date of an enrollment, month of a withholding...): two
    # changes of one person in one delivery stay two rows of the log and of the applied-change journal
    row_key = [k for k in key if k not in log.values()]

    def log_cols(alias: str) -> str:
        cols = [f"{alias}.{v}" if not v.startswith(("null", "cast")) else v for v in log.values()]
        if row_key:
            cols.append("jsonb_build_object(" + ", ".join(f"'{k}', {alias}.{k}" for k in row_key) + ")")
        else:
            cols.append("cast(null as jsonb)")
        return ", ".join(cols)

    absent = ""
    absent_union = ""
    if target.kind == "snapshot":
        absent = f"""
absent as (
    update curated.{target.name} as c
    set absent_since = :as_of
    where c.absent_since is null
        and c.as_of <= :as_of
        and not exists (
            select 1 from intake.stg_{target.name} as a
            where a.delivery_id = :delivery_id and {key_join}
        )
    returning {', '.join('c.' + k for k in dict.fromkeys(returning.split(', ')))}
),
"""
        absent_union = f"""
    union all
    select :delivery_id, '{target.name}', {log_cols('absent')}, 'ABSENT' from absent"""
    return f"""-- GENERATED by `python -m canbao.validation.suites --write` from canbao/validation/rules.py; do not edit.
-- Promote one delivery of {target.name} ({target.kind}; key {', '.join(key)}) into curated, in one statement:
-- accepted rows (not in intake.reject) are upserted by key, a row is rewritten only when a field changed
-- and never by an older delivery; {'keys absent from this snapshot get absent_since (never deleted); ' if target.kind == 'snapshot' else ''}every
-- key touched is written to curated.change_log. :delivery_id, :as_of.
with accepted as (
    select {sel_list}
    from intake.stg_{target.name} as s
    where s.delivery_id = :delivery_id
        and not exists (
            select 1 from intake.reject as r
            where r.delivery_id = s.delivery_id and r.source_row = s.source_row
        )
),

upserted as (
    insert into curated.{target.name} as c ({col_list})
    select {col_list} from accepted
    on conflict ({', '.join(key)}) do update
    set {', '.join(updates)}
    where c.as_of <= excluded.as_of
        and {changed}
    returning {returning}, (xmax = 0) as inserted
),
{absent}
logged as (
    insert into curated.change_log (delivery_id, target, person_id, uscc, effective_date, row_key, change)
    select :delivery_id, '{target.name}', {log_cols('upserted')},
        case when upserted.inserted then 'INSERT' else 'UPDATE' end
    from upserted{absent_union}
    returning change
)

select
    (select count(*) from accepted) as promoted,
    count(*) filter (where change = 'INSERT') as inserted,
    count(*) filter (where change = 'UPDATE') as updated,
    count(*) filter (where change = 'ABSENT') as absent
from logged
"""


ACCEPTED_STATES = ("ACCEPTED", "ACCEPTED_WITH_REJECTS", "RELEASED")


def render_facts_sql(target: Target) -> str:
    """What the gate's parameters come from: the delivery, its staged rows, intake's rejects, the last accepted."""
    states = _sql_list(ACCEPTED_STATES)
    return f"""-- GENERATED by `python -m canbao.validation.suites --write` from canbao/validation/rules.py; do not edit.
-- Facts the gate of one {target.name} delivery needs: the manifest's row count, rows staged, rows intake
-- refused before staging (in intake.reject, not staged), and the last accepted delivery of the same feed.
-- :delivery_id, :gate_rules (the gate's own rule ids, so that a re-run ignores its earlier rejects).
with this_delivery as (
    select delivery_id, feed, file_name, sha256, as_of, rows_declared, state
    from intake.delivery
    where delivery_id = :delivery_id
),

staged as (
    select count(*) as staged_rows
    from intake.stg_{target.name}
    where delivery_id = :delivery_id
),

unstaged_rejects as (
    select count(distinct r.source_row) as unstaged_rejects
    from intake.reject as r
    where r.delivery_id = :delivery_id
        and r.rule <> all(:gate_rules)
        and not exists (
            select 1 from intake.stg_{target.name} as s
            where s.delivery_id = r.delivery_id and s.source_row = r.source_row
        )
),

last_accepted as (
    select d.as_of, coalesce(d.rows_parsed, d.rows_declared) as rows
    from intake.delivery as d
    join this_delivery as t on t.feed = d.feed
    where d.delivery_id <> t.delivery_id
        and d.state in ({states})
    order by d.as_of desc, d.decided_at desc nulls last
    limit 1
)

select
    t.delivery_id, t.feed, t.file_name, t.sha256, t.as_of, t.rows_declared, t.state,
    s.staged_rows, u.unstaged_rejects,
    l.as_of as last_as_of, l.rows as last_rows
from this_delivery as t
cross join staged as s
cross join unstaged_rejects as u
left join last_accepted as l on true
"""


def generated_sql() -> dict[str, str]:
    """include/sql/intake/<file> -> text, for every target."""
    out: dict[str, str] = {}
    for target in TARGETS.values():
        out[f"gate_reject_rows_{target.name}.sql"] = render_row_failures_sql(target)
        out[f"promote_{target.name}.sql"] = render_promote_sql(target)
        out[f"gate_facts_{target.name}.sql"] = render_facts_sql(target)
    return out


def all_rule_ids(feed: Any) -> list[str]:
    """The ids of every rule of a feed's suite (the ``rule`` of the gate's rows in intake.reject)."""
    return [r.rule for r in rules_for(feed)]
