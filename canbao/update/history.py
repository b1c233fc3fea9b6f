"""A person's life in the registration base (记录一生): every version with its facts and sources,
then every change applied to the person (base.applied_change, see canbao/update/applied.py) with
the date it took effect, the date it was received, its feed and file, and the run that applied it."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from canbao.db import engine, run_sql
from canbao.ids import clean_id
from canbao.privacy import mask_id, mask_name, mask_phone, mask_text
from canbao.settings import BUREAU_TZ_NAME

# Received dates are shown as the day the node received them, in the node's time zone.
LOCAL_TZ = ZoneInfo(BUREAU_TZ_NAME)

FACTS = ("name", "sex", "ethnicity", "birth_date", "hukou_region", "hukou_status", "hukou_address",
         "residence_address", "phone", "employment_status", "employer_uscc", "deceased_on", "category",
         "mismatched_fields", "non_enrollment_reason", "insurance")


def _mask_address(value: str) -> str:
    return value[:6] + "***" if value else value


def mask_record(record: dict[str, Any]) -> dict[str, Any]:
    """The record with ID, name, phone and addresses masked (canbao.privacy rules)."""
    masked = dict(record)
    masked["person_id"] = mask_id(record.get("person_id"))
    masked["name"] = mask_name(record.get("name"))
    masked["phone"] = mask_phone(record.get("phone"))
    for key in ("hukou_address", "residence_address"):
        masked[key] = _mask_address(record.get(key) or "")
    return masked


def person_history(db_url: str | None, person_id: str, unmask: bool = False) -> list[dict[str, Any]]:
    """Every version of one person, oldest first (tombstones of withdrawn persons included)."""
    pid = clean_id(person_id)
    with engine(db_url).connect() as conn:
        rows = conn.execute(sa.text(
            "select version, valid_from, valid_to, ref_date, run_id, record, sources, review_flags "
            "from base.person_version where person_id = :p order by version"), {"p": pid}).mappings()
        versions = []
        for r in rows:
            record = r["record"] or {}
            versions.append({
                "person_id": pid if unmask else mask_id(pid),
                "version": r["version"], "valid_from": r["valid_from"], "valid_to": r["valid_to"],
                "ref_date": r["ref_date"], "run_id": r["run_id"],
                "record": record if unmask else mask_record(record),
                "sources": r["sources"] or {}, "review_flags": list(r["review_flags"] or []),
            })
        return versions


def person_applied_changes(db_url: str | None, person_id: str, unmask: bool = False) -> list[dict[str, Any]]:
    """Every change applied to one person, in effective-date order (then as received and applied).

    Besides the rows recorded against the person, this finds the rows recorded under an ID that was
    linked to the person only later (a record held out for review, then accepted) or under a person a
    reviewer merged into this one (base.person_link names them all), and the changes of every employer
    the person ever had (include/sql/update/person_applied_changes.sql).
    """
    pid = clean_id(person_id)
    with engine(db_url).connect() as conn:
        rows = run_sql(conn, "update/person_applied_changes.sql", {"person_id": pid}).mappings()
        changes = []
        for r in rows:
            change = dict(r)
            change["received_on"] = r["received_at"].astimezone(LOCAL_TZ).date()
            change["linked"] = r["raw_id"] is not None and r["raw_id"] != pid
            change["employer"] = r["person_id"] is None  # a change of the person's employer
            if not unmask:
                change["raw_id"] = mask_id(r["raw_id"])
                change["file_name"] = mask_text(r["file_name"] or "")
            changes.append(change)
        return changes


def format_history(versions: list[dict[str, Any]], changes: list[dict[str, Any]] | None = None) -> str:
    """Readable text: one block per version, one line per fact with its source and as-of date; then
    one line per applied change (effective date, received date, feed, file, change, run)."""
    if not versions and not changes:
        return "no versions"
    lines = [] if versions else ["no versions"]
    for v in versions:
        lines.append(f"version {v['version']}  {v['valid_from']:%Y-%m-%d %H:%M:%S} → "
                     f"{v['valid_to'] or 'current'}  ref {v['ref_date']}  run {v['run_id']}")
        if not v["record"]:
            lines.append(f"  withdrawn ({', '.join(v['review_flags'])})")
            continue
        for fact in FACTS:
            value = v["record"].get(fact)
            src = v["sources"].get(fact) or {}
            where = f"  [{src.get('source')} {src.get('as_of')}]" if src else ""
            lines.append(f"  {fact:22} {value}{where}")
        if v["review_flags"]:
            lines.append(f"  review_flags           {', '.join(v['review_flags'])}")
    if changes:
        lines.append("applied changes (effective  received  feed  file  change  run)")
        for c in changes:
            extra = f"  via {c['raw_id']}" if c["linked"] else ""
            if c.get("employer"):
                extra += f"  employer {c['uscc']}"
            if c.get("row_key"):  # which enrollment, month...: codes and dates, nothing personal
                extra += "  " + " ".join(f"{k}={v}" for k, v in sorted(c["row_key"].items()) if v is not None)
            if c["detail"]:
                extra += "  " + " ".join(f"{k}={v}" for k, v in sorted(c["detail"].items()) if v is not None)
            lines.append(f"  {c['effective_date'] or '?'}  {c['received_on']}  {c['source']}  {c['file_name']}  "
                         f"{c['target']} {c['change']}  run {c['run_id']}{extra}")
    return "\n".join(lines)
