"""The record rules of the spec's field table (canbao.province.rules)."""

from __future__ import annotations

import pytest

from canbao.province import examples, rules

PID = examples.person_id(7)


def _with(**changes):
    record = examples.upsert(PID, 1)
    record["data"].update(changes)
    return record


def test_sample_upsert_and_delete_are_valid():
    assert rules.check_record(examples.upsert(PID, 1)) is None
    assert rules.check_record(examples.delete(PID, 2)) is None


def test_bad_check_character_is_id_invalid():
    bad = PID[:17] + ("0" if PID[17] != "0" else "1")
    record = examples.upsert(PID, 1)
    record["person_id"] = bad
    assert rules.check_record(record)[0] == rules.ID_INVALID


def test_lower_case_x_is_id_invalid_on_the_wire():
    pid = next(examples.person_id(n) for n in range(1, 200) if examples.person_id(n).endswith("X"))
    record = examples.upsert(pid, 1)
    record["person_id"] = pid.lower()
    assert rules.check_record(record)[0] == rules.ID_INVALID


def test_sex_disagreeing_with_the_id_is_field_invalid():
    other = "2" if examples.upsert_data(PID)["sex"] == "1" else "1"
    assert rules.check_record(_with(sex=other)) == (rules.FIELD_INVALID, "sex: disagrees with the ID")


def test_birth_date_disagreeing_with_the_id_is_field_invalid():
    assert rules.check_record(_with(birth_date="1999-01-01")) == (rules.FIELD_INVALID,
                                                                 "birth_date: disagrees with the ID")


@pytest.mark.parametrize("code", ["00", "57", "99", "1", ""])
def test_ethnicity_outside_gb3304_is_field_invalid(code):
    assert rules.check_record(_with(ethnicity=code))[1].startswith("ethnicity")


@pytest.mark.parametrize("code", ["97", "98", "56"])
def test_ethnicity_97_98_and_56_are_valid(code):
    assert rules.check_record(_with(ethnicity=code)) is None


@pytest.mark.parametrize("region", ["33060", "3306021", "33060200100", "33060200100a"])
def test_region_code_not_6_9_or_12_digits_is_field_invalid(region):
    assert rules.check_record(_with(hukou_region=region))[1].startswith("hukou_region")


@pytest.mark.parametrize("region", ["330602", "330602001", "330602001001"])
def test_region_code_of_6_9_or_12_digits_is_valid(region):
    assert rules.check_record(_with(hukou_region=region)) is None


def test_unknown_enum_value_names_the_field():
    assert rules.check_record(_with(employment_status="RICH")) == (rules.FIELD_INVALID,
                                                                   "employment_status: not a known status")


def test_invalid_employer_uscc_is_field_invalid():
    assert rules.check_record(_with(employer_uscc="91330600MA2D000000"))[1].startswith("employer_uscc")


def test_empty_employer_uscc_is_valid():
    assert rules.check_record(_with(employer_uscc="")) is None


def test_insurance_item_with_unknown_code_names_the_item():
    items = [{"code": "999", "status": "ACTIVE", "since": "2024-01-01", "employer_uscc": ""}]
    assert rules.check_record(_with(insurance=items))[1] == "insurance[0].code: not a known insurance code"


def test_insurance_item_with_bad_since_date_is_field_invalid():
    items = [{"code": "110", "status": "RECEIVING", "since": "2024-02-30", "employer_uscc": ""}]
    assert rules.check_record(_with(insurance=items))[1].startswith("insurance[0].since")


def test_missing_field_is_field_invalid():
    record = examples.upsert(PID, 1)
    del record["data"]["phone"]
    assert rules.check_record(record) == (rules.FIELD_INVALID, "phone: missing")


def test_name_longer_than_50_characters_is_field_invalid():
    assert rules.check_record(_with(name="张" * 51))[1].startswith("name")


def test_mismatched_fields_must_name_identity_facts():
    assert rules.check_record(_with(mismatched_fields=["salary"]))[1].startswith("mismatched_fields")
    assert rules.check_record(_with(mismatched_fields=["phone", "name"])) is None


def test_source_outside_the_list_is_field_invalid():
    sources = {"name": {"source": "rumour", "as_of": "2020-01-01"}}
    assert rules.check_record(_with(sources=sources))[1] == "sources.name.source: not a known source"


def test_non_enrollment_reason_13_is_field_invalid():
    assert rules.check_record(_with(non_enrollment_reason="13"))[1].startswith("non_enrollment_reason")


def test_delete_with_unknown_reason_is_field_invalid():
    assert rules.check_record(examples.delete(PID, 2, reason="MOVED"))[1].startswith("reason")


def test_message_never_carries_the_id():
    record = examples.upsert(PID, 1, sex="9")
    assert PID not in rules.check_record(record)[1]
