"""A person's life in the registration base (记录一生): every version with its facts and sources."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from canbao.db import engine
from canbao.ids import clean_id
from canbao.privacy import mask_id, mask_name, mask_phone

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


def format_history(versions: list[dict[str, Any]]) -> str:
    """Readable text: one block per version, one line per fact with its source and as-of date."""
    if not versions:
        return "no versions"
    lines = []
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
    return "\n".join(lines)
