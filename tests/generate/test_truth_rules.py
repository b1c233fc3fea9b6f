"""The truth's classification (canbao.generate.rules) on hand-made people: one DOMAIN.md rule per test."""

from __future__ import annotations

import datetime as dt

import pytest

from canbao.generate.model import Person, month_index
from canbao.generate.rules import RULES, Rules, classify, mismatched_fields

REF = dt.date(2026, 11, 1)
PAID = month_index(REF) - 1
EMP = "91330602MA2D7K4X1Y"


def enr(code: str, status: str = "ACTIVE", employer: str = "", paid: int | None = PAID, receiving: bool = False,
        term: dt.date | None = None, start: dt.date = dt.date(2020, 1, 1)) -> tuple:
    return (code, employer, status, start, paid, receiving, term, term)


def person(age: int = 40, **kw) -> Person:
    p = Person()
    p.pid = "330602198601010013"
    p.name, p.sex, p.eth = "张伟", "1", "01"
    p.birth = dt.date(REF.year - age, 1, 1)
    p.county, p.village, p.hh_no, p.hh_type = "330602", "330602001001", "1", "NONAGRI"
    p.hukou_addr = p.res_addr = "浙江省绍兴市越城区塔山街道人民路1号"
    p.phone, p.local, p.since = "13800000000", True, dt.date(2026, 1, 1)
    for k, v in kw.items():
        setattr(p, k, v)
    return p


def employee(**kw) -> Person:
    codes = ("110", "310", "210", "410", "510")
    return person(enr=[enr(c, employer=EMP) for c in codes], **kw)


def test_resident_with_pension_and_medical_is_insured():
    assert classify(person(enr=[enr("170"), enr("390")]), REF).category == "INSURED"


def test_nobody_enrolled_adult_is_uninsured_with_reason_1():
    o = classify(person(), REF)
    assert (o.category, o.reason) == ("UNINSURED", "1")


def test_terminated_enrollment_does_not_count_and_gives_reason_2():
    o = classify(person(enr=[enr("170", "TERMINATED", term=dt.date(2025, 1, 1)), enr("390")]), REF)
    assert (o.category, o.reason) == ("PARTIAL", "2")


def test_suspended_only_is_lapsed_not_uninsured():
    assert classify(person(enr=[enr("170", "SUSPENDED"), enr("390")]), REF).category == "LAPSED"


def test_active_but_unpaid_for_more_than_three_months_is_lapsed():
    assert classify(person(enr=[enr("170", paid=PAID - 3), enr("390")]), REF).category == "LAPSED"
    assert classify(person(enr=[enr("170", paid=month_index(REF) - 3), enr("390")]), REF).category == "INSURED"


def test_receiving_pensioner_is_never_lapsed():
    p = person(age=70, enr=[enr("110", paid=PAID - 100, receiving=True), enr("310", paid=PAID - 100, receiving=True)])
    assert classify(p, REF).category == "INSURED"


def test_employee_by_tax_withholding_needs_the_five_and_gets_reason_3():
    p = person(enr=[enr("170"), enr("390")], wh=((PAID, EMP, 5000.0),))
    o = classify(p, REF)
    assert (o.category, o.reason, o.reason_employer) == ("PARTIAL", "3", EMP)
    assert set(o.reasons) == {"210", "410", "510"}


def test_withholding_older_than_three_months_does_not_make_an_employee():
    p = person(enr=[enr("170"), enr("390")], wh=((month_index(REF) - 4, EMP, 5000.0),))
    assert classify(p, REF).category == "INSURED"


def test_employee_enrolled_in_all_five_is_insured_and_maternity_merge_is_configurable():
    assert classify(employee(), REF).category == "INSURED"
    p = person(enr=[enr(c, employer=EMP) for c in ("110", "310", "210", "410")])
    assert classify(p, REF).category == "PARTIAL"
    assert classify(p, REF, Rules(maternity_merged=True)).category == "INSURED"


def test_two_covering_pensions_are_duplicate_here_or_with_feedback():
    assert classify(person(enr=[enr("110"), enr("170"), enr("390")]), REF).category == "DUPLICATE"
    p = person(enr=[enr("170"), enr("390")], fb=[("110", "330106", "ACTIVE", dt.date(2025, 1, 1), None)])
    assert classify(p, REF).category == "DUPLICATE"
    ended = person(enr=[enr("170"), enr("390")], fb=[("110", "330106", "ACTIVE", dt.date(2025, 1, 1),
                                                      dt.date(2026, 6, 30))])
    assert classify(ended, REF).category == "INSURED"


def test_dead_with_active_enrollment_is_deceased_active_even_when_cancelled():
    p = person(enr=[enr("170"), enr("390")], death_date=dt.date(2026, 9, 1), cremation_date=dt.date(2026, 9, 2),
               cancel_type="DEATH", cancel_date=dt.date(2026, 10, 1))
    assert classify(p, REF).category == "DECEASED_ACTIVE"


def test_death_not_yet_delivered_is_unknown():
    p = person(enr=[enr("170"), enr("390")], death_date=dt.date(2026, 10, 30), cremation_date=dt.date(2026, 11, 2))
    assert classify(p, REF).category == "INSURED"
    assert classify(p, dt.date(2026, 11, 2)).category == "DECEASED_ACTIVE"


def test_dead_not_cancelled_and_terminated_is_not_applicable_reason_11():
    p = person(enr=[enr("170", "TERMINATED", term=dt.date(2026, 10, 1))], death_date=dt.date(2026, 9, 1),
               cremation_date=dt.date(2026, 9, 2))
    o = classify(p, REF)
    assert (o.category, o.reason) == ("NOT_APPLICABLE", "11")


@pytest.mark.parametrize(("kw", "reason"), [
    ({"student": ("COLLEGE", True, "浙江大学", dt.date(2025, 9, 1), dt.date(2029, 6, 30))}, "4"),
    ({"military": True}, "5"),
    ({"cancel_type": "MILITARY", "cancel_date": dt.date(2026, 3, 1)}, "5"),
    ({"cancel_type": "MOVED_OUT", "cancel_date": dt.date(2026, 3, 1)}, ""),
])
def test_not_applicable_reasons(kw, reason):
    o = classify(person(age=19, **kw), REF)
    assert (o.category, o.reason) == ("NOT_APPLICABLE", reason)


def test_part_time_student_and_children():
    part_time = person(age=30, student=("COLLEGE", False, "开放大学", dt.date(2025, 9, 1), dt.date(2028, 6, 30)))
    assert classify(part_time, REF).category == "UNINSURED"
    o = classify(person(age=10), REF)
    assert (o.category, o.reason) == ("NOT_APPLICABLE", "")


def test_non_local_insured_here_is_not_applicable_but_can_be_duplicate():
    p = employee(local=False, in_ps=False)
    assert classify(p, REF).category == "NOT_APPLICABLE"
    p.enr.append(enr("390"))
    assert classify(p, REF).category == "DUPLICATE"


def test_insured_elsewhere_only_is_insured():
    fb = [("110", "330106", "ACTIVE", dt.date(2025, 1, 1), None), ("310", "330106", "ACTIVE", dt.date(2025, 1, 1), None)]
    assert classify(person(fb=fb), REF, RULES).category == "INSURED"


def test_form_only_differences_are_not_mismatches():
    p = person(enr=[enr("170")])
    p.si = ("３３０６０２ 198601010013", "张伟", "1", p.birth, "01", "浙江省绍兴市越城区塔山街道人民路１ 号", "138 0000 0000")
    assert mismatched_fields(p, REF) == []


def test_each_differing_fact_is_named():
    p = person(enr=[enr("170")])
    p.si = ("330602198601010012", "张玮", "2", dt.date(1986, 1, 2), "22", "别处", "13900000000")
    assert mismatched_fields(p, REF) == ["name", "sex", "person_id", "birth_date", "ethnicity",
                                         "residence_address", "phone"]
