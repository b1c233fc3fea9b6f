"""Identity mismatches between public security and social insurance (DOMAIN.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from city import make_id, to_15, wrong_check

from canbao.comparison.run import run_comparison

DIFFERENT = {
    "name": {"name": "张山"},
    "sex": {"sex": "2"},
    "birth_date": {"birth_date": dt.date(1990, 1, 2)},
    "ethnicity": {"ethnicity": "02"},
    "residence_address": {"residence_address": "浙江省绍兴市上虞区别路9号"},
    "phone": {"phone": "13900000000"},
}


@pytest.mark.parametrize("field", list(DIFFERENT))
def test_each_differing_fact_is_reported_as_mismatch(city, field):
    pid = city.ps(make_id("19900101"))
    city.si_person(pid, **DIFFERENT[field])
    city.resident_full(pid)
    run_comparison(city.db_url)
    assert city.current(pid)["mismatched_fields"] == [field]


def test_form_only_differences_are_not_mismatches(city):
    pid = city.ps(make_id("19900101"))
    city.si_person(pid, residence_address="浙江省绍兴市 上虞区某路１号", phone="138 0000 0000", name=" 张三 ")
    run_comparison(city.db_url)
    assert city.current(pid)["mismatched_fields"] == []


def test_insurance_record_under_a_repaired_id_is_a_person_id_mismatch(city):
    pid = city.ps(make_id("19900101"))
    bad = wrong_check(pid)
    city.si_person(bad, status="CHECK_FAIL")
    city.enroll(bad, "170", id_status="CHECK_FAIL")
    city.enroll(bad, "390", id_status="CHECK_FAIL")
    run_comparison(city.db_url)
    row = city.current(pid)
    assert row["mismatched_fields"] == ["person_id"]
    assert row["category"] == "INSURED"
    assert city.current(bad) is None


def test_legacy_15_digit_number_in_insurance_is_a_person_id_mismatch(city):
    pid = city.ps(make_id("19700101"))
    city.si_person(pid, status="UPGRADED_15", raw=to_15(pid))
    run_comparison(city.db_url)
    assert city.current(pid)["mismatched_fields"] == ["person_id"]
