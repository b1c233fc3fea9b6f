"""Invariants of the synthetic city: valid identifiers, truth consistent with the files, manifests,
registry layouts that parse the files, and the same bytes for the same seed."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from fnmatch import fnmatchcase
from pathlib import Path

import openpyxl
import pytest
import yaml
from stdnum.cn import ric, uscc

from canbao.generate import generate_city
from canbao.ids import CHECK_FAIL, UPGRADED_15, VALID, normalise_id
from canbao.paths import FEEDS_DIR

N = 2000
SEED = 11
DAYS = 2
ID_TAGS = {"si_check_digit", "si_transposed", "si_legacy15", "si_fullwidth", "si_lower_x", "tax_check_digit",
           "edu_check_digit", "ca_check_digit", "ca_fullwidth", "ps_invalid_id"}


@pytest.fixture(scope="module")
def city(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("city") / "out"
    return out, generate_city(out, persons=N, seed=SEED, days=DAYS)


def registry() -> dict[str, dict]:
    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(FEEDS_DIR.glob("*.yaml"))}


def feed_files(out: Path, feed: dict) -> list[Path]:
    folder = feed["sftp"]["folder"].lstrip("/")
    return sorted(p for p in out.glob(f"{folder}/*") if fnmatchcase(p.name, feed["sftp"]["pattern"]))


def read_rows(path: Path, feed: dict) -> list[dict[str, str]]:
    """Parse a delivery exactly as its registry entry describes it (encoding, delimiter, header, widths)."""
    fmt = feed["format"]
    if fmt["type"] == "excel":
        wb = openpyxl.load_workbook(path, read_only=True)
        ws = wb.worksheets[fmt.get("sheet") or 0]
        rows = [["" if v is None else str(v) for v in r] for r in ws.iter_rows(values_only=True)]
        rows = rows[fmt.get("skip_rows", 0):]
        header, body = rows[0], rows[1:]
        return [dict(zip(header, r + [""] * (len(header) - len(r)), strict=False)) for r in body]
    text = path.read_bytes().decode(fmt["encoding"])
    if fmt["type"] == "fixed_width":
        out = []
        for line in text.splitlines():
            out.append({c: line[s:s + w].strip() for c, (s, w) in fmt["fields"].items()})
        return out
    quote = fmt.get("quotechar")
    reader = csv.reader(text.splitlines(), delimiter=fmt["delimiter"],
                        quoting=csv.QUOTE_NONE if quote is None else csv.QUOTE_MINIMAL, quotechar=quote or '"')
    rows = list(reader)[fmt.get("skip_rows", 0):]
    header, body = rows[0], rows[1:]
    assert all(len(r) == len(header) for r in body), f"{path.name}: ragged rows"
    return [dict(zip(header, r, strict=True)) for r in body]


def canonical(feed: dict, row: dict[str, str]) -> dict:
    out = {}
    for fname, spec in feed["columns"].items():
        col = spec["column"] if isinstance(spec, dict) else spec
        value = row[col].strip()
        if isinstance(spec, dict) and spec.get("map") is not None and value != "":
            assert value in {str(k) for k in spec["map"]}, f"{feed['name']}.{fname}: {value!r} not in map"
            value = {str(k): v for k, v in spec["map"].items()}[value]
        if isinstance(spec, dict) and spec.get("date_format") and value != "":
            value = dt.datetime.strptime(value, spec["date_format"]).date()
        out[fname] = value
    return out


def all_rows(out: Path) -> dict[str, list[dict]]:
    return {name: [canonical(f, r) for p in feed_files(out, f) for r in read_rows(p, f)]
            for name, f in registry().items()}


def truth(out: Path, day: int = 0) -> list[dict[str, str]]:
    folder = out / "_truth" / (f"day_{day}" if day else "")
    with open(folder / "persons.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_every_feed_of_the_registry_has_files_that_parse_with_its_layout(city):
    out, _ = city
    for name, feed in registry().items():
        files = feed_files(out, feed)
        assert files, f"no delivery for {name}"
        for path in files:
            rows = read_rows(path, feed)
            for row in rows:
                canonical(feed, row)  # every mapped column present, every value in its map, dates parse


def test_manifests_state_the_file_bytes_rows_and_sha256(city):
    out, _ = city
    for name, feed in registry().items():
        for path in feed_files(out, feed):
            proof = path.with_name(path.name + feed["completion"]["suffix"])
            assert proof.exists(), f"{path.name} has no proof"
            if feed["completion"]["proof"] == "marker":
                assert proof.stat().st_size == 0
                continue
            m = json.loads(proof.read_text(encoding="utf-8"))
            assert set(m) == {"file", "bytes", "rows", "sha256", "as_of"}
            assert m["file"] == path.name
            assert m["bytes"] == path.stat().st_size
            assert m["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
            assert m["rows"] == len(read_rows(path, feed)), f"{name}: {path.name}"
            dt.date.fromisoformat(m["as_of"])


def _planted_by_tag(out: Path) -> dict[str, set[str]]:
    tags: dict[str, set[str]] = {}
    with open(out / "_truth" / "planted.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            tags.setdefault(r["tag"], set()).add(r["key"])
    return tags


def test_every_citizen_id_not_planted_invalid_passes_stdnum(city):
    out, _ = city
    planted = _planted_by_tag(out)
    planted_ids = set().union(*(planted.get(t, set()) for t in ID_TAGS))
    rows = all_rows(out)
    invalid = []
    for name, feed_rows in rows.items():
        for r in feed_rows:
            for fld in ("person_id", "legal_rep_id"):
                v = r.get(fld)
                if v and not ric.is_valid(v):
                    invalid.append((name, v))
    assert invalid, "the default rates plant some invalid IDs"
    for name, v in invalid:
        res = normalise_id(v)
        if res.status in (VALID, UPGRADED_15):
            assert res.value in planted_ids, (name, v)  # form-only or legacy: the cleaned ID is the planted person
        else:
            assert res.status == CHECK_FAIL, (name, v)
            body = v[:14] + v[15] + v[14] + v[16]  # undo a transposition of the sequence digits
            assert any(p[:17] in (v[:17], body) for p in planted_ids), (name, v)


def test_every_uscc_passes_stdnum(city):
    out, _ = city
    seen = 0
    for name, feed_rows in all_rows(out).items():
        for r in feed_rows:
            for fld in ("uscc", "employer_uscc"):
                if r.get(fld):
                    assert uscc.is_valid(r[fld]), (name, r[fld])
                    seen += 1
    assert seen > 1000


def test_truth_persons_match_the_register_and_insured_non_locals(city):
    out, _ = city
    rows = all_rows(out)
    t = truth(out)
    ps_ids = [r["person_id"] for r in rows["ps_household"]]
    assert len(set(ps_ids)) == len(ps_ids)
    locals_ = [r for r in t if r["hukou_status"] != "NOT_REGISTERED_HERE"]
    assert len(locals_) == len(ps_ids)
    si_ids = {normalise_id(r["person_id"]).value for r in rows["si_enrollment"]}
    non_local = {r["person_id"] for r in t if r["hukou_status"] == "NOT_REGISTERED_HERE"}
    assert non_local and non_local <= si_ids
    assert len({r["person_id"] for r in t}) == len(t)


def test_dispatch_table_counts_match_the_register(city):
    out, _ = city
    ps = [r for r in all_rows(out)["ps_household"] if ric.is_valid(r["person_id"])]
    with open(out / "_truth" / "dispatch_table1.csv", encoding="utf-8", newline="") as f:
        table = {r["region_code"]: r for r in csv.DictReader(f)}
    registered = [r for r in ps if r["hukou_status"] == "REGISTERED"]
    assert int(table["330600"]["c1_registered"]) == len(registered)
    by_county = Counter(r["hukou_region"][:6] for r in registered)
    for county, n in by_county.items():
        assert int(table[county]["c1_registered"]) == n
    for r in table.values():
        c = {k: int(v) for k, v in r.items() if k[0] == "c" or k.startswith("note")}
        assert c["c5_pension_should"] == c["c2_aged_16_plus"] - c["c3_students_16_plus"] - c["c4_military_16_plus"]
        assert c["c7_medical_should"] == c["c5_pension_should"]
        assert c["c6_pension_uncovered"] <= c["c5_pension_should"]


def test_summary_rows_by_feed_match_the_files(city):
    out, summary = city
    rows = all_rows(out)
    for name, n in summary["rows_by_feed"].items():
        assert n == len(rows[name]), name
    assert summary["truth"][0]["persons"] == len(truth(out))


def test_planted_tags_in_truth_match_the_planted_list_and_the_files(city):
    out, _ = city
    planted = _planted_by_tag(out)
    t = truth(out)
    in_truth = Counter(tag for r in t for tag in r["planted"].split(";") if tag)
    persons = {r["person_id"] for r in t}
    listed, outside = Counter(), Counter()
    with open(out / "_truth" / "planted.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r["kind"] == "person":
                (listed if r["key"] in persons else outside)[r["tag"]] += 1
    assert in_truth == listed
    # only non-locals paid by an unregistered employer are outside the base (tax withholding only)
    assert set(outside) <= {"employer_not_registered"}
    rows = all_rows(out)
    ps_bad = [r for r in rows["ps_household"] if not ric.is_valid(r["person_id"])]
    assert len(ps_bad) == len(planted["ps_invalid_id"]) >= 1
    assert sum(1 for r in t if r["expected_category"] == "INVALID_IDENTITY") == len(planted["ps_invalid_id"])
    si_status = Counter(normalise_id(r["person_id"]).status for r in rows["si_person"])
    assert si_status[UPGRADED_15] == len(planted["si_legacy15"])
    assert si_status[CHECK_FAIL] == len(planted["si_check_digit"]) + len(planted["si_transposed"])
    assert sum(1 for r in rows["si_person"] if r["person_id"].endswith("x")) == len(planted["si_lower_x"])
    employers = {r["uscc"] for r in rows["si_employer"]}
    assert not planted["enterprise_not_registered"] & employers


def test_planted_identity_differences_are_the_expected_mismatched_fields(city):
    out, _ = city
    t = {r["person_id"]: r for r in truth(out)}
    planted = _planted_by_tag(out)
    for fld in ("name", "sex", "birth_date", "ethnicity", "residence_address", "phone"):
        for pid in planted[f"mismatch_{fld}"]:
            assert t[pid]["expected_mismatched_fields"].split(";") == [fld]
    for tag in ("si_check_digit", "si_transposed", "si_legacy15"):
        for pid in planted[tag]:
            assert t[pid]["expected_mismatched_fields"] == "person_id"
    for tag in ("si_fullwidth", "si_lower_x", "address_form_only"):
        for pid in planted[tag]:
            assert t[pid]["expected_mismatched_fields"] == "", (tag, pid)


def test_planted_coverage_problems_give_their_categories(city):
    out, _ = city
    t = {r["person_id"]: r for r in truth(out)}
    planted = _planted_by_tag(out)
    for pid in planted["duplicate_here"] | planted["duplicate_elsewhere"]:
        assert t[pid]["expected_category"] in ("DUPLICATE", "DECEASED_ACTIVE")
    for pid in planted["deceased_active"]:
        assert t[pid]["expected_category"] == "DECEASED_ACTIVE"
    for pid in planted["lapsed_suspended"] | planted["lapsed_unpaid"]:
        assert t[pid]["expected_category"] == "LAPSED"
    for pid in planted["partial_employee"]:
        assert (t[pid]["expected_category"], t[pid]["expected_reason"]) == ("PARTIAL", "3")
    for pid in planted["employer_not_enrolling"]:
        assert t[pid]["expected_category"] in ("PARTIAL", "UNINSURED") and t[pid]["expected_reason"] == "3"
        assert t[pid]["reason_employer_uscc"]


def test_public_security_ids_agree_with_birth_date_and_sex(city):
    out, _ = city
    for r in all_rows(out)["ps_household"]:
        pid = r["person_id"]
        if not ric.is_valid(pid):
            continue
        assert ric.get_birth_date(pid) == r["birth_date"]
        assert ("1" if int(pid[16]) % 2 else "2") == r["sex"]
        assert r["hukou_region"][:6] in {"330602", "330603", "330604", "330624", "330681", "330683"}
        assert len(r["hukou_region"]) == 12


def test_default_rates_keep_every_gate_below_its_reject_threshold(city):
    out, _ = city
    rows = all_rows(out)
    ps = rows["ps_household"]
    share = sum(1 for r in ps if normalise_id(r["person_id"]).status != VALID) / len(ps)
    assert 0 < share < registry()["ps_household"]["gate"]["max_reject_share"]


def test_days_add_change_files_and_a_truth_per_day(city):
    out, summary = city
    rows = all_rows(out)
    changes = Counter(r["change_type"] for r in rows["ps_household_change"])
    assert changes["BIRTH"] >= DAYS and changes["MOVE_IN"] >= DAYS
    assert any(r["change_type"] == "ENROLL" for r in rows["si_enrollment_change"])
    for k in range(1, DAYS + 1):
        assert len(truth(out, k)) >= len(truth(out))
    assert summary["reference_date"] == (dt.date(2026, 11, 1) + dt.timedelta(days=DAYS)).isoformat()


def test_province_feedback_lines_follow_the_feedback_format(city):
    out, _ = city
    lines = (out / "_province" / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    assert lines
    for line in lines:
        item = json.loads(line)
        assert set(item) == {"person_id", "insurance", "region_code", "status", "since", "until"}
        assert ric.is_valid(item["person_id"])


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_gives_the_same_bytes_in_another_process(city, tmp_path):
    out, _ = city
    again = tmp_path / "again"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}  # string hashing differs: no output may depend on set order
    subprocess.run([sys.executable, "-m", "canbao.cli", "generate", "--persons", str(N), "--seed", str(SEED),
                    "--days", str(DAYS), "--out", str(again), "--quiet"], check=True, env=env,
                   capture_output=True)
    assert _digest(again) == _digest(out)


def test_another_seed_gives_another_city(tmp_path):
    a = generate_city(tmp_path / "a", persons=300, seed=1)
    b = generate_city(tmp_path / "b", persons=300, seed=2)
    assert _digest(tmp_path / "a") != _digest(tmp_path / "b")
    assert a["persons"] == b["persons"] == 300


def test_registry_loader_accepts_every_feed_file_written_for_the_city():
    loader = pytest.importorskip("canbao.registry.loader")
    feeds = loader.load_registry(FEEDS_DIR)
    assert set(registry()) <= set(feeds)
    assert {f.name for f in feeds.values() if f.gate.strict_identity} >= {"ps_household", "ps_household_change"}
    assert all(f.gate.suite == f.name for f in feeds.values())


def test_employees_paid_without_enrollment_are_listed_with_their_employer(city):
    out, _ = city
    planted = _planted_by_tag(out)
    with open(out / "_truth" / "unenrolled_employees.csv", encoding="utf-8", newline="") as f:
        listed = {r["person_id"]: r["employer_uscc"] for r in csv.DictReader(f)}
    # everyone listed was planted; the living planted ones are all listed (the dead may have no recent wages)
    assert set(listed) <= planted["employer_not_enrolling"] | planted["employer_not_registered"]
    assert planted["employer_not_enrolling"] and planted["employer_not_enrolling"] <= set(listed)
    with open(out / "_truth" / "employers.csv", encoding="utf-8", newline="") as f:
        unregistered = {r["uscc"] for r in csv.DictReader(f) if r["planted"] == "enterprise_not_registered"}
    assert {listed[p] for p in planted["employer_not_registered"]} <= unregistered
