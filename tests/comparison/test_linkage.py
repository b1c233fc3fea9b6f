"""Linkage: deterministic repair, probabilistic match, review queue and decisions, merges."""

from __future__ import annotations

import datetime as dt

from city import make_id, transpose, wrong_check

from canbao.comparison import review
from canbao.comparison.run import run_comparison


def link(city, raw):
    rows = city.rows("select * from base.person_link where raw_id = :r", r=raw)
    return rows[0] if rows else None


def test_wrong_check_character_is_repaired_when_name_and_birth_agree(city):
    pid = city.ps(make_id("19900101"))
    bad = wrong_check(pid)
    city.si_person(bad, status="CHECK_FAIL")
    run_comparison(city.db_url)
    assert (link(city, bad)["person_id"], link(city, bad)["method"]) == (pid, "CHECK_CHAR")


def test_adjacent_transposition_is_repaired(city):
    pid = city.ps(make_id("19900101", seq=123))
    bad = transpose(pid, 15)
    assert bad != pid
    city.si_person(bad, status="CHECK_FAIL", birth_date=dt.date(1990, 1, 1))
    run_comparison(city.db_url)
    assert link(city, bad)["person_id"] == pid


def test_repair_candidate_with_another_name_is_not_linked_deterministically(city):
    pid = city.ps(make_id("19900101"), name="李四")
    bad = wrong_check(pid)
    city.si_person(bad, status="CHECK_FAIL", name="王五", phone="13911112222", residence_address="别处")
    run_comparison(city.db_url)
    assert link(city, bad) is None or link(city, bad)["method"] != "CHECK_CHAR"


def test_record_below_certainty_waits_in_review_and_is_not_merged(city):
    pid = city.ps(make_id("19900101"), name="李四")
    bad = wrong_check(pid)
    city.si_person(bad, status="CHECK_FAIL", name="王五", phone="13911112222", residence_address="别处")
    city.enroll(bad, "170", id_status="CHECK_FAIL")
    run_comparison(city.db_url)
    queue = review.list_queue(city.db_url)
    assert [(q["kind"], q["raw_id"], q["candidate_person_id"]) for q in queue] == [("MATCH", bad, pid)]
    assert city.current(pid)["ins_170"] is None
    assert "LINK_REVIEW" in city.current(pid)["review_flags"]


def test_accepted_review_decision_links_in_the_next_run_and_keeps_applying(city):
    pid = city.ps(make_id("19900101"), name="李四")
    bad = wrong_check(pid)
    city.si_person(bad, status="CHECK_FAIL", name="王五", phone="13911112222", residence_address="别处")
    city.enroll(bad, "170", id_status="CHECK_FAIL")
    run_comparison(city.db_url)
    item = review.list_queue(city.db_url)[0]
    review.accept(city.db_url, item["queue_id"], by="tester")
    run_comparison(city.db_url)
    assert (link(city, bad)["method"], city.current(pid)["ins_170"]) == ("REVIEW", "ACTIVE")
    run_comparison(city.db_url, scope="full")
    assert link(city, bad)["person_id"] == pid
    assert review.list_queue(city.db_url) == []


def test_rejected_record_stays_held_out_and_leaves_the_queue(city):
    pid = city.ps(make_id("19900101"), name="李四")
    bad = wrong_check(pid)
    city.si_person(bad, status="CHECK_FAIL", name="王五", phone="13911112222", residence_address="别处")
    run_comparison(city.db_url)
    review.reject(city.db_url, review.list_queue(city.db_url)[0]["queue_id"], by="tester")
    run_comparison(city.db_url)
    assert link(city, bad) is None
    assert review.list_queue(city.db_url) == []
    assert city.current(bad) is None


def test_unrepairable_id_is_held_out_in_the_invalid_identity_queue(city):
    city.ps(make_id("19900101"))
    bad = "330604" + "99999999" + "1234"
    city.si_person(bad, status="CHECK_FAIL", name="赵六", birth_date=None, sex="1")
    run_comparison(city.db_url)
    assert [q["kind"] for q in review.list_queue(city.db_url)] == ["INVALID_IDENTITY"]
    assert city.current(bad) is None


def test_probabilistic_match_links_a_two_digit_error_when_facts_agree(city):
    pid = city.ps(make_id("19900101", seq=201))
    bad = pid[:14] + ("9" if pid[14] != "9" else "8") + pid[15:17] + ("0" if pid[17] != "0" else "1")
    city.si_person(bad, status="CHECK_FAIL", birth_date=dt.date(1990, 1, 1))
    run_comparison(city.db_url)
    assert (link(city, bad)["person_id"], link(city, bad)["method"]) == (pid, "PROBABILISTIC")


def test_reviewer_merge_withdraws_the_duplicate_person_with_a_delete(city):
    pid = city.ps(make_id("19900101"))
    city.resident_full(pid)
    other = make_id("19900101", region="110105")
    city.si_person(other)
    city.enroll(other, "410", employer="91330604MA2BXXXX1X")
    run_comparison(city.db_url)
    assert city.current(other)["hukou_status"] == "NOT_REGISTERED_HERE"
    review.merge(city.db_url, other, into=pid, by="tester")
    run_comparison(city.db_url)
    assert city.current(other) is None
    assert city.current(pid)["ins_410"] == "ACTIVE"
    if city.scalar("select to_regclass('publication.outbox') is not null"):
        ops = city.rows("select op, reason, version from publication.outbox where person_id = :p order by version",
                        p=other)
        assert [(o["op"], o["reason"]) for o in ops] == [("UPSERT", None), ("DELETE", "MERGED_DUPLICATE")]
