"""SCD2 versions, the outbox, idempotence, what-if runs, history and the CSV export."""

from __future__ import annotations

import csv
import datetime as dt

from city import REF, make_id

from canbao.cli import main
from canbao.comparison.run import run_comparison


def outbox(city, pid):
    if not city.scalar("select to_regclass('publication.outbox') is not null"):
        return None
    return city.rows("select op, version, record from publication.outbox where person_id = :p order by version", p=pid)


def test_rerun_with_the_same_inputs_writes_no_versions(city):
    pid = city.ps(make_id("19900101"))
    city.resident_full(pid)
    first = run_comparison(city.db_url)
    again = run_comparison(city.db_url, scope="full")
    assert (first.versions_written, again.versions_written) == (1, 0)
    assert city.scalar("select count(*) from base.person_version where person_id = :p", p=pid) == 1


def test_a_change_the_province_receives_makes_a_new_version_and_an_outbox_row(city):
    pid = city.ps(make_id("19900101"))
    run_comparison(city.db_url)
    city.resident_full(pid)
    run_comparison(city.db_url)
    versions = city.rows("select version, category, valid_to from base.person_version where person_id = :p "
                         "order by version", p=pid)
    assert [(v["version"], v["category"]) for v in versions] == [(1, "UNINSURED"), (2, "INSURED")]
    assert versions[0]["valid_to"] is not None and versions[1]["valid_to"] is None
    assert city.current(pid)["version"] == 2
    rows = outbox(city, pid)
    if rows is not None:
        assert [(r["op"], r["version"], r["record"]["category"]) for r in rows] == [
            ("UPSERT", 1, "UNINSURED"), ("UPSERT", 2, "INSURED")]


def test_record_hash_is_the_sha256_of_the_record_and_the_record_has_every_interface_field(city):
    pid = city.ps(make_id("19900101"))
    run_comparison(city.db_url)
    row = city.current(pid)
    assert set(row["record"]) == {
        "person_id", "name", "sex", "ethnicity", "birth_date", "hukou_region", "hukou_status", "hukou_address",
        "residence_address", "phone", "employment_status", "employer_uscc", "insurance", "category",
        "mismatched_fields", "non_enrollment_reason", "deceased_on", "sources"}
    assert city.scalar("select record_hash = encode(sha256(convert_to(record::text, 'UTF8')), 'hex') "
                       "from base.person_current where person_id = :p", p=pid)


def test_provenance_keeps_the_as_of_where_the_value_first_appeared(city):
    pid = city.ps(make_id("19900101"))
    run_comparison(city.db_url)
    later = REF + dt.timedelta(days=1)
    city.ps(pid, phone="13712345678", as_of=later)
    run_comparison(city.db_url)
    sources = city.current(pid)["sources"]
    assert sources["name"]["as_of"] == REF.isoformat()
    assert sources["phone"]["as_of"] == later.isoformat()


def test_monthly_contribution_posting_is_not_a_new_version(city):
    pid = city.ps(make_id("19900101"))
    city.enroll(pid, "170", last_paid="2026-09")
    city.enroll(pid, "390")
    run_comparison(city.db_url)
    city.enroll(pid, "170", last_paid="2026-10", as_of=REF)
    assert run_comparison(city.db_url).versions_written == 0


def test_what_if_run_reports_but_writes_no_versions(city):
    pid = city.ps(make_id("19900101"))
    summary = run_comparison(city.db_url, ref_date=dt.date(2027, 6, 1))
    assert summary.what_if and summary.categories == {"UNINSURED": 1}
    assert city.current(pid) is None
    assert city.scalar("select count(*) from base.person_link") == 0
    assert city.scalar("select what_if from base.run") is True


def test_history_lists_every_version_masked_unless_unmasked(city, capsys):
    pid = city.ps(make_id("19900101"), name="王小明")
    run_comparison(city.db_url)
    city.resident_full(pid)
    run_comparison(city.db_url)
    assert main(["history", pid, "--db", city.db_url]) == 0
    masked = capsys.readouterr().out
    assert "version 2" in masked and "王**" in masked and "王小明" not in masked and pid not in masked
    assert main(["history", pid, "--db", city.db_url, "--unmask"]) == 0
    assert "王小明" in capsys.readouterr().out


def test_export_registration_writes_one_row_per_person_with_status_columns(city, tmp_path):
    pid = city.ps(make_id("19900101"))
    city.si_person(pid, phone="13999999999", name="张山")
    city.enroll(pid, "170")
    run_comparison(city.db_url)
    out = tmp_path / "base.csv"
    assert main(["export", "registration", "--out", str(out), "--db", city.db_url]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert rows == [{"person_id": pid, "category": "PARTIAL", "reason_code": "1", "mismatched_fields": "name;phone",
                     "region_code": "330604001001", "ins_110": "", "ins_120": "", "ins_170": "ACTIVE", "ins_210": "",
                     "ins_310": "", "ins_390": "", "ins_410": "", "ins_510": ""}]


def test_an_undated_provenance_entry_takes_the_date_of_the_source_that_confirms_it(city):
    # insured here, registered elsewhere: before the insurance agency's person record arrives, the birth
    # date is read from the ID and nothing dates it; once the record confirms it, its as_of dates it
    city.ps(make_id("19700101"))  # the register (reference date) knows someone else
    pid = make_id("19830628", region="370102")
    city.enroll(pid, "170")
    run_comparison(city.db_url)
    assert city.current(pid)["record"]["sources"]["birth_date"]["as_of"] is None
    later = REF + dt.timedelta(days=1)
    city.si_person(pid, as_of=later)
    city.touch(pid, "si_person", as_of=later)
    run_comparison(city.db_url)
    assert city.current(pid)["record"]["sources"]["birth_date"] == {"source": "social_insurance",
                                                                   "as_of": later.isoformat()}


def test_a_first_build_numbers_versions_without_the_history_and_a_retried_unit_writes_nothing(city):
    from canbao.comparison.run import finish, list_units, prepare, run_county

    pids = [city.ps(make_id(f"1990010{i}")) for i in range(1, 4)]
    city.resident_full(pids[0])
    run_id = prepare(city.db_url, scope="full")
    assert city.scalar("select counts ->> 'history_empty' from base.run where run_id = :r", r=run_id) == "true"
    units = list_units(city.db_url, run_id)
    first = [run_county(city.db_url, run_id, unit) for unit in units]
    assert sum(r["versions"] for r in first) == 3
    # the mapped task retried after its commit: the flag still says "empty", the current rows decide
    again = [run_county(city.db_url, run_id, unit) for unit in units]
    assert sum(r["versions"] + r["refreshed"] for r in again) == 0
    finish(city.db_url, run_id)
    assert city.rows("select person_id, version from base.person_version order by 1") == [
        {"person_id": p, "version": 1} for p in sorted(pids)]

    # the next run has a history: a person new to the base looks it up (and finds none)
    city.ps(make_id("19900105"))
    run_id = prepare(city.db_url, scope="full")
    assert city.scalar("select counts ->> 'history_empty' from base.run where run_id = :r", r=run_id) == "false"
    assert sum(run_county(city.db_url, run_id, u)["versions"] for u in list_units(city.db_url, run_id)) == 1
