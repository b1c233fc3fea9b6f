"""Classification rule by rule (DOMAIN.md), on curated rows written directly."""

from __future__ import annotations

import datetime as dt

import pytest
from city import REF, make_id

from canbao.comparison.config import load_config
from canbao.comparison.run import run_comparison

EMPLOYER = "91330604MA2BXXXX1X"


def run(city, **kw):
    return run_comparison(city.db_url, **kw)


def test_registered_adult_without_enrollment_is_uninsured_reason_1(city):
    pid = city.ps(make_id("19900101"))
    run(city)
    row = city.current(pid)
    assert (row["category"], row["non_enrollment_reason"], row["reasons"]) == ("UNINSURED", "1", {"110": "1", "310": "1"})


def test_resident_with_pension_and_medical_is_insured(city):
    pid = city.ps(make_id("19900101"))
    city.resident_full(pid)
    run(city)
    assert city.current(pid)["category"] == "INSURED"


def test_employee_paid_by_employer_with_resident_schemes_only_is_partial_reason_3(city):
    pid = city.ps(make_id("19900101"))
    city.resident_full(pid)
    city.withholding(pid, EMPLOYER, "2026-10")
    run(city)
    row = city.current(pid)
    assert row["category"] == "PARTIAL"
    assert row["reasons"] == {"210": "3", "410": "3", "510": "3"}
    assert row["non_enrollment_reason"] == "3"
    assert row["reason_employer_uscc"] == EMPLOYER
    assert row["is_employee"] is True


def test_employee_with_all_five_insurances_is_insured(city):
    pid = city.ps(make_id("19900101"))
    city.employee_full(pid)
    run(city)
    assert city.current(pid)["category"] == "INSURED"


def test_employee_missing_work_injury_is_partial(city):
    pid = city.ps(make_id("19900101"))
    for code in ("110", "210", "310", "510"):
        city.enroll(pid, code, employer=EMPLOYER)
    run(city)
    row = city.current(pid)
    assert (row["category"], row["reasons"]) == ("PARTIAL", {"410": "3"})


def test_withholding_older_than_three_months_does_not_make_an_employee(city):
    pid = city.ps(make_id("19900101"))
    city.resident_full(pid)
    city.withholding(pid, EMPLOYER, "2026-07")
    run(city)
    assert city.current(pid)["category"] == "INSURED"


def test_suspended_pension_is_lapsed(city):
    pid = city.ps(make_id("19900101"))
    city.enroll(pid, "170", status="SUSPENDED")
    city.enroll(pid, "390")
    run(city)
    assert city.current(pid)["category"] == "LAPSED"


@pytest.mark.parametrize("last_paid, category", [("2026-08", "INSURED"), ("2026-07", "LAPSED")])
def test_lapse_line_is_more_than_three_months_before_the_reference_month(city, last_paid, category):
    pid = city.ps(make_id("19900101"))
    city.enroll(pid, "170", last_paid=last_paid)
    city.enroll(pid, "390")
    run(city)
    assert city.current(pid)["category"] == category


def test_stale_insurance_data_call_nobody_lapsed_and_warn(city):
    pid = city.ps(make_id("19900101"))
    old = REF - dt.timedelta(days=90)
    city.enroll(pid, "170", last_paid="2026-01", as_of=old)
    city.enroll(pid, "390", as_of=old)
    summary = run(city)
    assert city.current(pid)["category"] == "INSURED"
    assert summary.warnings and "lapsed" in summary.warnings[0]


def test_terminated_enrollment_gives_uninsured_reason_2(city):
    pid = city.ps(make_id("19900101"))
    city.enroll(pid, "170", status="TERMINATED", end=dt.date(2025, 1, 1))
    run(city)
    row = city.current(pid)
    assert (row["category"], row["reasons"]) == ("UNINSURED", {"110": "2", "310": "1"})


def test_pension_and_resident_pension_at_once_is_duplicate(city):
    pid = city.ps(make_id("19900101"))
    city.employee_full(pid)
    city.enroll(pid, "170")
    run(city)
    assert city.current(pid)["category"] == "DUPLICATE"


def test_medical_here_and_elsewhere_is_duplicate_across_regions(city):
    if not city.scalar("select to_regclass('publication.feedback') is not null"):
        pytest.skip("publication.feedback not migrated yet")
    pid = city.ps(make_id("19900101"))
    city.resident_full(pid)
    city.execute("insert into publication.feedback (node_id, cursor, person_id, insurance, region_code, status, since, item) "
                 "values ('330604', 'c1', :p, '390', '330102', 'ACTIVE', '2020-01-01', '{}')", p=pid)
    run(city)
    row = city.current(pid)
    assert row["category"] == "DUPLICATE"
    assert row["elsewhere"] == {"390": "ACTIVE"}


def test_dead_per_civil_affairs_with_active_enrollment_is_deceased_active(city):
    pid = city.ps(make_id("19500101"))
    city.enroll(pid, "110", receiving=True)
    city.enroll(pid, "310")
    city.cremation(pid, dt.date(2026, 9, 1))
    run(city)
    row = city.current(pid)
    assert row["category"] == "DECEASED_ACTIVE"
    assert row["deceased_on"] == dt.date(2026, 9, 1)
    assert row["sources"]["deceased_on"]["source"] == "civil_affairs"


def test_dead_but_household_not_cancelled_without_enrollment_is_not_applicable_reason_11(city):
    pid = city.ps(make_id("19500101"))
    city.cremation(pid, dt.date(2026, 9, 1))
    run(city)
    row = city.current(pid)
    assert (row["category"], row["non_enrollment_reason"], row["should_insure"]) == ("NOT_APPLICABLE", "11", False)


def test_dead_with_household_cancelled_is_not_applicable_without_reason(city):
    pid = city.ps(make_id("19500101"))
    city.cancellation(pid, "DEATH", dt.date(2026, 9, 1))
    run(city)
    row = city.current(pid)
    assert (row["category"], row["non_enrollment_reason"], row["hukou_status"]) == (
        "NOT_APPLICABLE", None, "CANCELLED_DEATH")
    assert row["deceased_on"] == dt.date(2026, 9, 1)


def test_full_time_student_over_16_is_not_applicable_reason_4(city):
    pid = city.ps(make_id("20080101"))
    city.student(pid)
    run(city)
    row = city.current(pid)
    assert (row["category"], row["non_enrollment_reason"], row["student"]) == ("NOT_APPLICABLE", "4", True)


def test_graduated_student_is_should_insure(city):
    pid = city.ps(make_id("20040101"))
    city.student(pid, graduation=dt.date(2026, 7, 1))
    run(city)
    assert city.current(pid)["category"] == "UNINSURED"


def test_soldier_still_on_the_register_is_not_applicable_reason_5(city):
    pid = city.ps(make_id("20000101"), military=True)
    run(city)
    row = city.current(pid)
    assert (row["category"], row["non_enrollment_reason"]) == ("NOT_APPLICABLE", "5")


def test_child_under_16_is_not_applicable_without_reason(city):
    pid = city.ps(make_id("20150101"))
    run(city)
    row = city.current(pid)
    assert (row["category"], row["non_enrollment_reason"], row["age"]) == ("NOT_APPLICABLE", None, 11)


@pytest.mark.parametrize("birth, category", [("20101120", "UNINSURED"), ("20101121", "NOT_APPLICABLE")])
def test_age_16_is_reached_on_the_16th_birthday(city, birth, category):
    pid = city.ps(make_id(birth))
    run(city)
    assert city.current(pid)["category"] == category


def test_survey_reason_wins_over_the_computed_one(city):
    pid = city.ps(make_id("19900101"))
    city.survey(pid, dt.date(2026, 11, 1), status_110="7", status_310="7")
    run(city)
    assert city.current(pid)["non_enrollment_reason"] == "7"


def test_insured_here_registered_elsewhere_is_in_the_base_not_applicable(city):
    city.ps(make_id("19900101"))
    other = make_id("19850101", region="110105")
    city.si_person(other)
    city.resident_full(other)
    run(city)
    row = city.current(other)
    assert (row["hukou_status"], row["category"], row["county_code"]) == ("NOT_REGISTERED_HERE", "NOT_APPLICABLE", None)


def test_person_missing_from_snapshot_keeps_state_and_is_flagged(city):
    pid = city.ps(make_id("19900101"))
    city.resident_full(pid)
    run(city)
    city.execute("update curated.ps_person set absent_since = :d where person_id = :p", d=REF, p=pid)
    city.touch(pid, "ps_person", "ABSENT")
    run(city)
    row = city.current(pid)
    assert row["category"] == "INSURED"
    assert row["review_flags"] == ["MISSING_FROM_SNAPSHOT"]


def test_maternity_merged_into_employee_medical_when_configured(city):
    pid = city.ps(make_id("19900101"))
    for code in ("110", "210", "310", "410"):
        city.enroll(pid, code, employer=EMPLOYER)
    run(city, config=load_config(maternity_merged_into_310=True))
    assert city.current(pid)["category"] == "INSURED"
