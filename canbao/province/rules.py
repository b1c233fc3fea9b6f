"""Record rules of the provincial interface (the spec's field table), shared by both sides.

The sandbox rejects records with these rules, and our publisher may pre-check
with the very same code, so a record we consider valid is one the province
accepts. Every check returns the first failure as ``(code, message)``; the
message names the field but never carries its value (it may be personal data).

The person_id rule is GB 11643 structure, date and check character (what
``canbao.ids`` calls VALID), without python-stdnum's extra birthplace-era
check: real IDs keep the region code they were issued under, which that
check wrongly rejects for people born before their district existed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from canbao import ids
from canbao.province.signing import parse_timestamp

ID_INVALID = "ID_INVALID"
FIELD_INVALID = "FIELD_INVALID"
VERSION_STALE = "VERSION_STALE"

Rejection = tuple[str, str]

OPS = ("UPSERT", "DELETE")
DELETE_REASONS = ("MERGED_DUPLICATE", "CREATED_IN_ERROR")
SEXES = ("1", "2")
ETHNICITIES = frozenset([f"{i:02d}" for i in range(1, 57)] + ["97", "98"])
HUKOU_STATUSES = frozenset({
    "REGISTERED", "CANCELLED_DEATH", "CANCELLED_MOVED_OUT", "CANCELLED_MILITARY", "CANCELLED_ABROAD",
    "CANCELLED_OTHER", "NOT_REGISTERED_HERE",
})
EMPLOYMENT_STATUSES = frozenset({"EMPLOYED", "FLEXIBLE", "UNEMPLOYED", "STUDENT", "PRESCHOOL", "RETIRED", "UNKNOWN"})
INSURANCE_CODES = frozenset({"110", "120", "170", "210", "310", "390", "410", "510"})
INSURANCE_STATUSES = frozenset({"ACTIVE", "SUSPENDED", "TERMINATED", "RECEIVING"})
CATEGORIES = frozenset({"DECEASED_ACTIVE", "DUPLICATE", "UNINSURED", "LAPSED", "PARTIAL", "INSURED", "NOT_APPLICABLE"})
IDENTITY_FACTS = frozenset({"name", "sex", "person_id", "birth_date", "ethnicity", "residence_address", "phone"})
NON_ENROLLMENT_REASONS = frozenset({""} | {str(i) for i in range(1, 13)})
SOURCES = frozenset({
    "public_security", "civil_affairs", "education", "market_regulation", "tax", "social_insurance", "province",
    "survey",
})
DATA_FIELDS = (
    "person_id", "name", "sex", "ethnicity", "birth_date", "hukou_region", "hukou_status", "hukou_address",
    "residence_address", "phone", "employment_status", "employer_uscc", "insurance", "category",
    "mismatched_fields", "non_enrollment_reason", "deceased_on", "sources",
)
_REGION = re.compile(r"^(\d{6}|\d{9}|\d{12})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def person_id_valid(value: Any) -> bool:
    """An 18-character GB 11643 ID in canonical form (upper-case X), valid date and check character."""
    if not isinstance(value, str) or len(value) != 18:
        return False
    result = ids.normalise_id(value)
    return result.status == ids.VALID and result.value == value


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or not _DATE.match(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _uscc_ok(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    return value == "" or _uscc_valid(value)


@lru_cache(maxsize=65536)
def _uscc_valid(value: str) -> bool:
    """Cached: python-stdnum's USCC check is slow (~150 µs) and a city has far fewer employers than records."""
    cleaned, valid = ids.normalise_uscc(value)
    return valid and cleaned == value


def _bad(field: str, why: str) -> Rejection:
    return FIELD_INVALID, f"{field}: {why}"


def check_record(record: Any) -> Rejection | None:
    """The first rule a published record breaks (envelope of the record and, for an UPSERT, its data)."""
    if not isinstance(record, Mapping):
        return _bad("record", "not an object")
    person_id = record.get("person_id")
    if not person_id_valid(person_id):
        return ID_INVALID, "person_id fails GB 11643"
    op = record.get("op")
    if op not in OPS:
        return _bad("op", "must be UPSERT or DELETE")
    version = record.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        return _bad("version", "must be a positive integer")
    changed_at = record.get("changed_at")
    try:
        if not isinstance(changed_at, str):
            raise ValueError
        parse_timestamp(changed_at)
    except ValueError:
        return _bad("changed_at", "must be an RFC 3339 timestamp with offset")
    if op == "DELETE":
        if record.get("reason") not in DELETE_REASONS:
            return _bad("reason", "must be MERGED_DUPLICATE or CREATED_IN_ERROR")
        return None
    data = record.get("data")
    if not isinstance(data, Mapping):
        return _bad("data", "an UPSERT must carry the whole record as an object")
    return check_data(data, person_id)


def check_data(data: Mapping[str, Any], person_id: str) -> Rejection | None:
    """The field table of the spec, in its order; unknown or missing fields break the contract too."""
    unknown = sorted(set(data) - set(DATA_FIELDS))
    if unknown:
        return _bad(unknown[0], "unknown field")
    missing = [f for f in DATA_FIELDS if f not in data]
    if missing:
        return _bad(missing[0], "missing")
    if data["person_id"] != person_id:
        return _bad("person_id", "differs from the record's person_id")
    name = data["name"]
    if not isinstance(name, str) or not 1 <= len(name) <= 50 or not name.strip():
        return _bad("name", "must be 1-50 characters")
    if data["sex"] not in SEXES:
        return _bad("sex", "must be 1 or 2")
    if data["sex"] != ids.sex_of(person_id):
        return _bad("sex", "disagrees with the ID")
    if data["ethnicity"] not in ETHNICITIES:
        return _bad("ethnicity", "must be a GB 3304 code 01-56, 97 or 98")
    birth = _date(data["birth_date"])
    if birth is None:
        return _bad("birth_date", "must be a date YYYY-MM-DD")
    if birth != ids.birth_date_of(person_id):
        return _bad("birth_date", "disagrees with the ID")
    if not isinstance(data["hukou_region"], str) or not _REGION.match(data["hukou_region"]):
        return _bad("hukou_region", "must be a 6-, 9- or 12-digit region code")
    if data["hukou_status"] not in HUKOU_STATUSES:
        return _bad("hukou_status", "not a known status")
    for field in ("hukou_address", "residence_address", "phone"):
        if not isinstance(data[field], str):
            return _bad(field, "must be a string (may be empty)")
    if data["employment_status"] not in EMPLOYMENT_STATUSES:
        return _bad("employment_status", "not a known status")
    if not _uscc_ok(data["employer_uscc"]):
        return _bad("employer_uscc", "must be a valid USCC or empty")
    problem = _check_insurance(data["insurance"])
    if problem:
        return problem
    if data["category"] not in CATEGORIES:
        return _bad("category", "not a known category")
    mismatched = data["mismatched_fields"]
    if not isinstance(mismatched, list) or any(m not in IDENTITY_FACTS for m in mismatched):
        return _bad("mismatched_fields", "must be a list of identity fact names")
    if len(set(mismatched)) != len(mismatched):
        return _bad("mismatched_fields", "names a fact twice")
    if data["non_enrollment_reason"] not in NON_ENROLLMENT_REASONS:
        return _bad("non_enrollment_reason", "must be a form code 1-12 or empty")
    if data["deceased_on"] is not None and _date(data["deceased_on"]) is None:
        return _bad("deceased_on", "must be a date YYYY-MM-DD or null")
    return _check_sources(data["sources"])


def _check_insurance(items: Any) -> Rejection | None:
    if not isinstance(items, list):
        return _bad("insurance", "must be an array")
    for i, item in enumerate(items):
        where = f"insurance[{i}]"
        if not isinstance(item, Mapping) or set(item) != {"code", "status", "since", "employer_uscc"}:
            return _bad(where, "must have exactly code, status, since, employer_uscc")
        if item["code"] not in INSURANCE_CODES:
            return _bad(f"{where}.code", "not a known insurance code")
        if item["status"] not in INSURANCE_STATUSES:
            return _bad(f"{where}.status", "not a known status")
        if _date(item["since"]) is None:
            return _bad(f"{where}.since", "must be a date YYYY-MM-DD")
        if not _uscc_ok(item["employer_uscc"]):
            return _bad(f"{where}.employer_uscc", "must be a valid USCC or empty")
    return None


def _check_sources(sources: Any) -> Rejection | None:
    if not isinstance(sources, Mapping):
        return _bad("sources", "must be an object")
    for field, entry in sources.items():
        where = f"sources.{field}"
        if field not in DATA_FIELDS:
            return _bad(where, "names no field of the record")
        if not isinstance(entry, Mapping) or set(entry) != {"source", "as_of"}:
            return _bad(where, "must have exactly source and as_of")
        if entry["source"] not in SOURCES:
            return _bad(f"{where}.source", "not a known source")
        if _date(entry["as_of"]) is None:
            return _bad(f"{where}.as_of", "must be a date YYYY-MM-DD")
    return None
