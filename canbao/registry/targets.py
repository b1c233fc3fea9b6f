"""The canonical targets every feed maps onto (docs/ARCHITECTURE.md, in code).

Staging (``intake.stg_<target>``) and curated (``curated.<target>``) tables
have exactly these fields, plus lineage columns; ``include/sql/schema/0002_intake.sql``
is generated from this module by ``python -m canbao.registry.targets`` and a
test checks they agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SQL_TYPES = {
    "id": "text", "uscc": "text", "date": "date", "month": "text", "code": "text",
    "text": "text", "bool": "boolean", "int": "integer", "numeric": "numeric(14,2)",
}


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool = False  # a row without it is rejected
    values: tuple[str, ...] = ()  # closed list for code fields


@dataclass(frozen=True)
class Target:
    name: str
    kind: str  # snapshot | change
    key: tuple[str, ...]
    fields: tuple[Field, ...]
    description: str = ""
    extra: dict = field(default_factory=dict)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no field {name}")

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def id_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.type in ("id", "uscc")]

    def columns(self) -> list[tuple[str, str]]:
        """All table columns (name, SQL type): fields, ID companions, lineage."""
        cols: list[tuple[str, str]] = [("delivery_id", "bigint"), ("source_row", "integer"), ("as_of", "date")]
        for f in self.fields:
            cols.append((f.name, SQL_TYPES[f.type]))
            if f.type in ("id", "uscc"):
                cols.append((f"{f.name}_raw", "text"))
                cols.append((f"{f.name}_status", "text"))
        return cols


SEX = ("1", "2")
ETHNICITY = tuple(f"{i:02d}" for i in range(1, 57)) + ("97", "98")
HUKOU_STATUS = ("REGISTERED", "CANCELLED_DEATH", "CANCELLED_MOVED_OUT", "CANCELLED_MILITARY",
                "CANCELLED_ABROAD", "CANCELLED_OTHER")
INSURANCE_CODES = ("110", "120", "170", "210", "310", "390", "410", "510")
ENROLLMENT_STATUS = ("ACTIVE", "SUSPENDED", "TERMINATED")
FORM_UNIT_TYPES = tuple(str(i) for i in range(1, 12))
FORM_PERSONAL_STATUS = tuple(str(i) for i in range(1, 15))
FORM_INSURANCE_STATUS = ("√",) + tuple(str(i) for i in range(1, 13))

_PS_PERSON = (
    Field("person_id", "id", True),
    Field("name", "text", True),
    Field("sex", "code", True, SEX),
    Field("ethnicity", "code", False, ETHNICITY),
    Field("birth_date", "date", True),
    Field("household_no", "text"),
    Field("hukou_region", "code", True),
    Field("hukou_address", "text"),
    Field("residence_address", "text"),
    Field("phone", "text"),
    Field("household_type", "code", False, ("AGRI", "NONAGRI")),
    Field("hukou_status", "code", True, HUKOU_STATUS),
    Field("cancel_date", "date"),
    Field("military", "bool"),
)
_SI_ENROLLMENT = (
    Field("person_id", "id", True),
    Field("insurance_code", "code", True, INSURANCE_CODES),
    Field("employer_uscc", "uscc"),
    Field("status", "code", True, ENROLLMENT_STATUS),
    Field("start_date", "date", True),
    Field("end_date", "date"),
    Field("last_paid_month", "month"),
    Field("receiving", "bool"),
)

TARGETS: dict[str, Target] = {t.name: t for t in [
    Target("ps_person", "snapshot", ("person_id",), _PS_PERSON, "household register (公安户籍)"),
    Target("ps_person_change", "change", ("person_id", "effective_date"), _PS_PERSON + (
        Field("change_type", "code", True, ("BIRTH", "MOVE_IN", "UPDATE")),
        Field("effective_date", "date", True),
    ), "household register changes: births, moves in, corrections"),
    Target("ps_cancellation", "change", ("person_id",), (
        Field("person_id", "id", True),
        Field("name", "text"),
        Field("cancel_type", "code", True, ("DEATH", "MOVED_OUT", "MILITARY", "ABROAD", "OTHER")),
        Field("cancel_date", "date", True),
    ), "household record cancellations (户口注销)"),
    Target("ca_cremation", "change", ("person_id",), (
        Field("person_id", "id", True),
        Field("name", "text"),
        Field("death_date", "date", True),
        Field("cremation_date", "date"),
    ), "funeral and cremation records (殡葬火化)"),
    Target("ca_assistance", "snapshot", ("person_id", "assistance_type"), (
        Field("person_id", "id", True),
        Field("name", "text"),
        Field("assistance_type", "code", True, ("DIBAO", "TEKUN")),
        Field("start_date", "date"),
    ), "minimum living allowance and extreme-poverty support (低保/特困)"),
    Target("edu_student", "snapshot", ("person_id",), (
        Field("person_id", "id", True),
        Field("name", "text"),
        Field("school_name", "text"),
        Field("level", "code", True, ("PRIMARY", "JUNIOR", "SENIOR", "VOCATIONAL", "COLLEGE", "GRADUATE")),
        Field("full_time", "bool", True),
        Field("hukou_region", "code"),
        Field("enrol_date", "date"),
        Field("expected_graduation", "date"),
    ), "student rolls (学籍)"),
    Target("mr_enterprise", "snapshot", ("uscc",), (
        Field("uscc", "uscc", True),
        Field("name", "text", True),
        Field("entity_type", "code", True, ("ENTERPRISE", "INDIVIDUAL")),
        Field("unit_type", "code", False, FORM_UNIT_TYPES),
        Field("status", "code", True, ("ACTIVE", "CANCELLED", "REVOKED")),
        Field("registration_date", "date"),
        Field("region_code", "code"),
        Field("legal_rep_id", "id"),
    ), "registered enterprises and individual businesses (市场主体)"),
    Target("tax_enterprise", "snapshot", ("uscc", "period"), (
        Field("uscc", "uscc", True),
        Field("period", "month", True),
        Field("tax_status", "code", True, ("NORMAL", "ABNORMAL", "CANCELLED")),
    ), "enterprise tax status by period"),
    Target("tax_withholding", "change", ("employer_uscc", "person_id", "month"), (
        Field("employer_uscc", "uscc", True),
        Field("person_id", "id", True),
        Field("name", "text"),
        Field("month", "month", True),
        Field("income", "numeric"),
    ), "individual income tax withholding (个税扣缴)"),
    Target("si_person", "snapshot", ("person_id",), (
        Field("person_id", "id", True),
        Field("name", "text", True),
        Field("sex", "code", False, SEX),
        Field("birth_date", "date"),
        Field("ethnicity", "code", False, ETHNICITY),
        Field("residence_address", "text"),
        Field("phone", "text"),
    ), "insured persons with their identity facts (社保个人信息)"),
    Target("si_enrollment", "snapshot", ("person_id", "insurance_code", "start_date"), _SI_ENROLLMENT,
           "enrollment records (参保信息)"),
    Target("si_enrollment_change", "change", ("person_id", "insurance_code", "start_date", "effective_date"),
           _SI_ENROLLMENT + (
               Field("change_type", "code", True,
                     ("ENROLL", "SUSPEND", "RESUME", "TERMINATE", "PAYMENT", "BENEFIT_START")),
               Field("effective_date", "date", True),
           ), "enrollment changes"),
    Target("si_employer", "snapshot", ("uscc",), (
        Field("unit_no", "text"),
        Field("uscc", "uscc", True),
        Field("name", "text", True),
        Field("region_code", "code"),
    ), "employers registered for social insurance (参保单位)"),
    Target("survey_return", "change", ("person_id", "survey_date"), (
        Field("town_code", "code", True),
        Field("village_code", "code"),
        Field("row_no", "int"),
        Field("name", "text", True),
        Field("sex", "code", False, SEX),
        Field("person_id", "id", True),
        Field("birth_date", "date"),
        Field("ethnicity", "code", False, ETHNICITY),
        Field("hukou_place", "text"),
        Field("residence_address", "text"),
        Field("phone", "text"),
        Field("employer_name", "text"),
        Field("unit_type", "code", False, FORM_UNIT_TYPES),
        Field("personal_status", "code", False, FORM_PERSONAL_STATUS),
        Field("status_110", "code", False, FORM_INSURANCE_STATUS),
        Field("status_310", "code", False, FORM_INSURANCE_STATUS),
        Field("status_410", "code", False, FORM_INSURANCE_STATUS),
        Field("status_510", "code", False, FORM_INSURANCE_STATUS),
        Field("status_210", "code", False, FORM_INSURANCE_STATUS),
        Field("remark", "text"),
        Field("survey_date", "date", True),
    ), "household survey returns (入户调查登记表, Zhejiang form 附件2)"),
]}


def render_schema() -> str:
    """The DDL of the intake and curated schemas (include/sql/schema/0002_intake.sql)."""
    out = [
        "-- Intake and curated schemas. GENERATED from canbao/registry/targets.py by",
        "-- `python -m canbao.registry.targets > include/sql/schema/0002_intake.sql`; edit the module, not this file.",
        "create schema if not exists intake;",
        "create schema if not exists curated;",
        "",
        "-- One row per delivery seen on SFTP (data file + proof), whatever became of it.",
        "create table if not exists intake.delivery (",
        "    delivery_id   bigserial primary key,",
        "    feed          text not null,",
        "    file_name     text not null,",
        "    sha256        text not null,",
        "    bytes         bigint not null,",
        "    rows_declared integer,",
        "    as_of         date,",
        "    received_at   timestamptz not null default now(),",
        "    archive_path  text,",
        "    run_id        text,",
        "    state         text not null default 'RECEIVED'",
        "        check (state in ('RECEIVED','STAGED','ACCEPTED','ACCEPTED_WITH_REJECTS','QUARANTINED',",
        "                         'RELEASED','DUPLICATE','FAILED')),",
        "    rows_parsed   integer,",
        "    rows_rejected integer,",
        "    rows_promoted integer,",
        "    reason        text,",
        "    decided_at    timestamptz,",
        "    unique (feed, sha256)",
        ");",
        "create index if not exists delivery_feed_state on intake.delivery (feed, state, as_of);",
        "",
        "-- Rows refused by the gate: row number and reason, never the row's personal data.",
        "create table if not exists intake.reject (",
        "    delivery_id bigint not null references intake.delivery,",
        "    source_row  integer not null,",
        "    rule        text not null,",
        "    reason      text not null,",
        "    primary key (delivery_id, source_row, rule)",
        ");",
        "",
        "-- Curated change log: which keys each promoted delivery touched (drives incremental comparison).",
        "create table if not exists curated.change_log (",
        "    delivery_id bigint not null references intake.delivery,",
        "    target      text not null,",
        "    person_id   text,",
        "    uscc        text,",
        "    effective_date date,",
        "    change      text not null  -- INSERT | UPDATE | ABSENT",
        ");",
        "create index if not exists change_log_delivery on curated.change_log (delivery_id);",
        "create index if not exists change_log_person on curated.change_log (person_id);",
        "",
    ]
    for t in TARGETS.values():
        cols = t.columns()
        width = max(len(c) for c, _ in cols) + 2
        out.append(f"-- {t.name}: {t.description} ({t.kind}; key {', '.join(t.key)})")
        body = ",\n".join(f"    {c.ljust(width)}{typ}" for c, typ in cols)
        out.append(f"create unlogged table if not exists intake.stg_{t.name} (\n{body}\n);")
        out.append(f"create index if not exists stg_{t.name}_delivery on intake.stg_{t.name} (delivery_id);")
        extra = ",\n    absent_since  date" if t.kind == "snapshot" else ""
        out.append(
            f"create table if not exists curated.{t.name} (\n{body}{extra},\n"
            f"    primary key ({', '.join(t.key)})\n);"
        )
        out.append(f"create index if not exists {t.name}_delivery on curated.{t.name} (delivery_id);")
        if "person_id" in t.field_names and t.key[0] != "person_id":
            out.append(f"create index if not exists {t.name}_person on curated.{t.name} (person_id);")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(render_schema())
