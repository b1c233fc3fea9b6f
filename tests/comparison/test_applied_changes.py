"""The applied-change journal: every change a run applies is recorded once, with its source, the date
it took effect and the date it was received, against the base person it reached."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from city import REF, make_id, wrong_check

from canbao.comparison.run import run_comparison
from canbao.db import engine
from canbao.update.applied import record_applied_changes
from canbao.update.history import format_history, person_applied_changes, person_history
from canbao.validation.promote import promote

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def deliver(city, feed: str, target: str, file_name: str, as_of: dt.date, received_at: dt.datetime,
            rows: list[dict[str, Any]]) -> int:
    """A delivery staged as intake would stage it, then promoted by the real promotion (gate passed)."""
    with engine(city.db_url).begin() as c:
        d = c.execute(sa.text(
            "insert into intake.delivery (feed, file_name, sha256, bytes, as_of, received_at, state) "
            "values (:f, :n, md5(random()::text), 0, :a, :r, 'STAGED') returning delivery_id"),
            {"f": feed, "n": file_name, "a": as_of, "r": received_at}).scalar_one()
        for i, row in enumerate(rows, start=1):
            ids = {"person_id_status": "VALID", "person_id_raw": row["person_id"]} if "person_id" in row else {}
            row = {"delivery_id": d, "source_row": i, "as_of": as_of} | ids | row
            cols = list(row)
            c.execute(sa.text(f"insert into intake.stg_{target} ({', '.join(cols)}) "
                              f"values ({', '.join(':' + k for k in cols)})"), row)
    promote(city.db_url, feed, d)
    return d


def applied(city, **where: Any) -> list[dict[str, Any]]:
    cond = " and ".join(f"{k} = :{k}" for k in where) or "true"
    return city.rows(f"select * from base.applied_change where {cond} order by applied_id", **where)


def test_late_cremation_keeps_its_death_date_and_its_received_date(city):
    pid = city.ps(make_id("19400101"))
    city.enroll(pid, "110", receiving=True)
    run_comparison(city.db_url)
    received = dt.datetime(2026, 12, 5, 9, 30, tzinfo=SHANGHAI)
    d = deliver(city, "ca_cremation", "ca_cremation", "HHJL_20261205.txt", dt.date(2026, 12, 5), received,
                [{"person_id": pid, "name": "张三", "death_date": dt.date(2026, 10, 20),
                  "cremation_date": dt.date(2026, 10, 23)}])
    run = run_comparison(city.db_url)
    [row] = applied(city, target="ca_cremation")
    assert (row["person_id"], row["delivery_id"], row["source"], row["file_name"], row["change"]) == \
        (pid, d, "ca_cremation", "HHJL_20261205.txt", "INSERT")
    assert row["effective_date"] == dt.date(2026, 10, 20)
    assert row["received_at"] == received
    assert row["run_id"] == run.run_id


def test_change_without_its_own_date_takes_the_deliverys_as_of(city):
    pid = city.ps(make_id("19800101"))
    run_comparison(city.db_url)
    city.student(pid, as_of=dt.date(2026, 12, 1))
    run_comparison(city.db_url)
    [row] = applied(city, target="edu_student")
    assert row["effective_date"] == dt.date(2026, 12, 1)


def test_survey_return_appears_in_history_dated_by_its_survey(city):
    pid = city.ps(make_id("19700101"))
    run_comparison(city.db_url)
    deliver(city, "survey_return", "survey_return", "DC_330604001_20261201.xlsx", dt.date(2026, 12, 1),
            dt.datetime(2026, 12, 1, 16, 0, tzinfo=SHANGHAI),
            [{"town_code": "330604001", "village_code": "330604001001", "row_no": 1, "name": "张三",
              "person_id": pid, "personal_status": "EMPLOYED", "survey_date": dt.date(2026, 11, 12)}])
    run_comparison(city.db_url)
    changes = person_applied_changes(city.db_url, pid)
    survey = [c for c in changes if c["target"] == "survey_return"]
    assert [(c["effective_date"], c["received_on"], c["source"]) for c in survey] == \
        [(dt.date(2026, 11, 12), dt.date(2026, 12, 1), "survey_return")]
    text = format_history(person_history(city.db_url, pid), changes)
    assert "2026-11-12  2026-12-01  survey_return  DC_330604001_20261201.xlsx  survey_return INSERT" in text


def test_history_lists_applied_changes_in_effective_date_order(city):
    pid = city.ps(make_id("19400101"))
    run_comparison(city.db_url)
    received = dt.datetime(2026, 12, 5, 9, 30, tzinfo=SHANGHAI)
    deliver(city, "survey_return", "survey_return", "DC.xlsx", dt.date(2026, 12, 5), received,
            [{"town_code": "330604001", "person_id": pid, "name": "张三", "survey_date": dt.date(2026, 11, 30)}])
    deliver(city, "ca_cremation", "ca_cremation", "HH.txt", dt.date(2026, 12, 5), received,
            [{"person_id": pid, "name": "张三", "death_date": dt.date(2026, 10, 20)}])
    run_comparison(city.db_url)
    changes = [(c["effective_date"], c["target"]) for c in person_applied_changes(city.db_url, pid)]
    # the household record (as of REF) was applied first but took effect after the death
    assert changes == [(dt.date(2026, 10, 20), "ca_cremation"), (REF, "ps_person"),
                       (dt.date(2026, 11, 30), "survey_return")]


def test_rerun_records_nothing_twice(city):
    pid = city.ps(make_id("19800101"))
    city.resident_full(pid)
    first = run_comparison(city.db_url)
    recorded = city.scalar("select count(*) from base.applied_change")
    # change_log does not name an enrollment's insurance: the two enrollments are one journal row
    assert recorded == city.scalar("select count(*) from (select distinct * from curated.change_log) as d")
    run_comparison(city.db_url)
    run_comparison(city.db_url, scope="full")
    assert city.scalar("select count(*) from base.applied_change") == recorded
    maxd = city.scalar("select max_delivery_id from base.run where run_id = :r", r=first.run_id)
    with engine(city.db_url).begin() as c:
        again = record_applied_changes(c, {"run_id": first.run_id, "now": dt.datetime.now(dt.UTC),
                                           "last_delivery_id": 0, "max_delivery_id": maxd})
    assert again == 0


def test_what_if_run_records_no_applied_change(city):
    city.ps(make_id("19800101"))
    run_comparison(city.db_url, ref_date=REF + dt.timedelta(days=30))
    assert city.scalar("select count(*) from base.applied_change") == 0


def test_changes_of_a_linked_id_are_recorded_against_the_base_person(city):
    pid = city.ps(make_id("19950101"))
    run_comparison(city.db_url)
    bad = wrong_check(pid)
    city.si_person(bad, status="CHECK_FAIL")
    city.enroll(bad, "170", id_status="CHECK_FAIL", as_of=dt.date(2026, 12, 1))
    run_comparison(city.db_url)
    rows = applied(city, raw_id=bad)
    assert {r["target"] for r in rows} == {"si_person", "si_enrollment"}
    assert {r["person_id"] for r in rows} == {pid}
    masked = [c for c in person_applied_changes(city.db_url, pid) if c["linked"]]
    assert len(masked) == 2 and all(c["raw_id"] != bad and c["raw_id"].endswith(bad[-4:]) for c in masked)


def test_province_feedback_is_recorded_once_as_an_applied_change(city):
    pid = city.ps(make_id("19800101"))
    run_comparison(city.db_url)
    city.execute(
        "insert into publication.feedback (node_id, cursor, person_id, insurance, region_code, status, since, item) "
        "values ('330604', 'c1', :p, '310', '330102', 'ACTIVE', date '2026-09-01', '{}'::jsonb)", p=pid)
    run_comparison(city.db_url)
    run_comparison(city.db_url)
    [row] = applied(city, target="feedback")
    assert (row["person_id"], row["change"], row["effective_date"], row["file_name"]) == \
        (pid, "FEEDBACK_ACTIVE", dt.date(2026, 9, 1), "330604/c1")
    assert row["detail"]["insurance"] == "310"


def test_applied_changes_cannot_be_altered(city):
    city.ps(make_id("19800101"))
    run_comparison(city.db_url)
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine(city.db_url).begin() as c:
        c.execute(sa.text("delete from base.applied_change"))


def test_history_command_masks_applied_changes_unless_unmasked(city, capsys):
    from canbao.cli import main

    pid = city.ps(make_id("19950101"))
    run_comparison(city.db_url)
    bad = wrong_check(pid)
    city.si_person(bad, status="CHECK_FAIL")
    run_comparison(city.db_url)
    assert main(["history", pid, "--db", city.db_url]) == 0
    masked = capsys.readouterr().out
    assert "applied changes" in masked and "si_person  si_person INSERT" in masked
    assert pid not in masked and bad not in masked
    assert main(["history", pid, "--db", city.db_url, "--unmask"]) == 0
    assert f"via {bad}" in capsys.readouterr().out


def test_two_enrollments_changed_by_one_delivery_are_two_applied_changes(city):
    pid = city.ps(make_id("19750101"))
    run_comparison(city.db_url)
    start = dt.date(2020, 1, 1)
    deliver(city, "si_enrollment_change", "si_enrollment_change", "CBBG_20261202.txt", dt.date(2026, 12, 2),
            dt.datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI),
            [{"person_id": pid, "insurance_code": code, "status": "ACTIVE", "start_date": start,
              "change_type": "ENROLL", "effective_date": dt.date(2026, 12, 1)} for code in ("110", "310")])
    run_comparison(city.db_url)
    rows = applied(city, target="si_enrollment_change")
    assert sorted(r["row_key"]["insurance_code"] for r in rows) == ["110", "310"]
    assert {r["row_key"]["start_date"] for r in rows} == {start.isoformat()}
    text = format_history([], person_applied_changes(city.db_url, pid))
    assert "insurance_code=110" in text and "insurance_code=310" in text


def test_history_shows_the_changes_of_the_persons_employer(city):
    employer = "91330604MA2BXXXX1X"
    pid = city.ps(make_id("19850101"))
    city.employee_full(pid, employer=employer)
    run_comparison(city.db_url)
    deliver(city, "mr_enterprise", "mr_enterprise", "SCJG_20261203.txt", dt.date(2026, 12, 3),
            dt.datetime(2026, 12, 3, 9, 0, tzinfo=SHANGHAI),
            [{"uscc": employer, "uscc_raw": employer, "uscc_status": "VALID", "name": "某某制造有限公司",
              "status": "CANCELLED", "registration_date": dt.date(2010, 5, 1), "region_code": "330604"}])
    run_comparison(city.db_url)
    [row] = applied(city, target="mr_enterprise")
    assert row["person_id"] is None and row["uscc"] == employer
    changes = person_applied_changes(city.db_url, pid)
    assert [c["target"] for c in changes if c["employer"]] == ["mr_enterprise"]
    assert f"employer {employer}" in format_history([], changes)
    other = city.ps(make_id("19860101"))
    run_comparison(city.db_url)
    assert not [c for c in person_applied_changes(city.db_url, other) if c["employer"]]
