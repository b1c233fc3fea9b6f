"""The quality gate on real PostgreSQL: decisions, rejects, promotion, quarantine, release, privacy."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from gate_helpers import CREMATION, PS_HOUSEHOLD, SI_PERSON, fetch, make_id, person, staged_delivery

from canbao.validation.gate import run_gate
from canbao.validation.promote import NotQuarantined, release

AS_OF = dt.date(2026, 6, 1)
TODAY = dt.date(2026, 6, 2)


def gate(env, feed, delivery_id, today=TODAY):
    return run_gate(env["db_url"], feed, delivery_id, today=today, data_docs_dir=env["docs"])


def si_row(i: int, **overrides):
    p = person(i)
    row = {k: p[k] for k in ("person_id", "person_id_raw", "person_id_status", "name", "sex", "birth_date",
                             "ethnicity", "residence_address", "phone")}
    row.update(overrides)
    return row


def test_clean_snapshot_is_accepted_promoted_and_logged(gate_env):
    rows = [person(i) for i in range(1, 11)]
    d = staged_delivery(gate_env["db_url"], PS_HOUSEHOLD, AS_OF, rows)

    decision = gate(gate_env, PS_HOUSEHOLD, d)

    assert decision.outcome == "ACCEPT"
    assert decision.counts == {"parsed": 10, "rejected": 0, "promoted": 10}
    curated = fetch(gate_env["db_url"], "select person_id, absent_since from curated.ps_person")
    assert sorted(r["person_id"] for r in curated) == sorted(r["person_id"] for r in rows)
    log = fetch(gate_env["db_url"], "select change, count(*) as n from curated.change_log where delivery_id = :d "
                "group by change", d=d)
    assert log == [{"change": "INSERT", "n": 10}]
    state = fetch(gate_env["db_url"], "select state, rows_promoted, decided_at, data_docs from intake.delivery "
                  "where delivery_id = :d", d=d)[0]
    assert state["state"] == "ACCEPTED" and state["rows_promoted"] == 10 and state["decided_at"] is not None
    assert state["data_docs"] and Path(state["data_docs"]).is_file()
    events = fetch(gate_env["db_url"], "select kind, subject from audit.event where kind = 'gate_decision'")
    assert events == [{"kind": "gate_decision", "subject": f"delivery:{d}"}]


def test_row_failures_under_the_share_are_rejected_by_row_number_and_the_rest_promoted(gate_env):
    rows = [person(i) for i in range(1, 21)]
    rows[3]["sex"] = "9"                                  # row 4: not in the code list
    rows[6]["person_id_status"] = "CHECK_FAIL"            # row 7: strict identity feed
    rows[9]["birth_date"] = dt.date(2027, 1, 1)           # row 10: after the data date
    d = staged_delivery(gate_env["db_url"], PS_HOUSEHOLD, AS_OF, rows)

    decision = gate(gate_env, PS_HOUSEHOLD, d)

    assert decision.outcome == "ACCEPT_WITH_REJECTS"
    assert decision.counts == {"parsed": 20, "rejected": 3, "promoted": 17}
    rejects = fetch(gate_env["db_url"], "select source_row, rule from intake.reject where delivery_id = :d "
                    "order by source_row", d=d)
    assert rejects == [{"source_row": 4, "rule": "sex.code"}, {"source_row": 7, "rule": "person_id.id_status"},
                       {"source_row": 10, "rule": "birth_date.range"}]
    promoted = {r["person_id"] for r in fetch(gate_env["db_url"], "select person_id from curated.ps_person")}
    assert rows[3]["person_id"] not in promoted and len(promoted) == 17


def test_non_strict_feed_carries_check_fail_ids_but_rejects_malformed_ones(gate_env):
    rows = [si_row(i) for i in range(1, 21)]
    rows[1]["person_id_status"] = "CHECK_FAIL"
    rows[2]["person_id_status"] = "SEX_MISMATCH"
    rows[3].update(person_id="ABC", person_id_status="MALFORMED")
    d = staged_delivery(gate_env["db_url"], SI_PERSON, AS_OF, rows)

    decision = gate(gate_env, SI_PERSON, d)

    assert decision.outcome == "ACCEPT_WITH_REJECTS"
    assert fetch(gate_env["db_url"], "select source_row, rule from intake.reject where delivery_id = :d", d=d) == [
        {"source_row": 4, "rule": "person_id.id_status"}]
    carried = fetch(gate_env["db_url"], "select person_id_status from curated.si_person where person_id_status <> "
                    "'VALID' order by 1")
    assert [r["person_id_status"] for r in carried] == ["CHECK_FAIL", "SEX_MISMATCH"]


def test_rejects_over_the_share_quarantine_with_nothing_promoted_and_a_masked_alert(gate_env):
    rows = [person(i) for i in range(1, 11)]
    planted_id = rows[0]["person_id"]
    for i in range(5):
        rows[i]["hukou_status"] = "UNKNOWN"
    d = staged_delivery(gate_env["db_url"], PS_HOUSEHOLD, AS_OF, rows)

    decision = gate(gate_env, PS_HOUSEHOLD, d)

    assert decision.outcome == "QUARANTINE"
    assert any("50.00%" in r for r in decision.reasons)
    assert fetch(gate_env["db_url"], "select count(*) as n from curated.ps_person") == [{"n": 0}]
    assert fetch(gate_env["db_url"], "select state, rows_promoted from intake.delivery where delivery_id = :d",
                 d=d) == [{"state": "QUARANTINED", "rows_promoted": 0}]
    mail = gate_env["smtp"].wait_for(1)[0]
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "t_ps_household" in mail["Subject"] and str(d) in body
    assert "hukou_status" in body and "5" in body and decision.data_docs in body
    assert planted_id not in body and rows[0]["name"] not in body


def test_row_count_different_from_the_manifest_quarantines_the_whole_delivery(gate_env):
    rows = [person(i) for i in range(1, 11)]
    d = staged_delivery(gate_env["db_url"], PS_HOUSEHOLD, AS_OF, rows, rows_declared=12)

    decision = gate(gate_env, PS_HOUSEHOLD, d)

    assert decision.outcome == "QUARANTINE"
    assert any("manifest" in r and "observed 10" in r and "manifest 12" in r for r in decision.reasons)
    assert fetch(gate_env["db_url"], "select count(*) as n from curated.ps_person") == [{"n": 0}]
    stored = fetch(gate_env["db_url"], "select reasons from intake.quarantine where delivery_id = :d", d=d)[0]
    assert any("清单" in r for r in stored["reasons"])


def test_snapshot_absence_sets_absent_since_and_never_deletes(gate_env):
    url = gate_env["db_url"]
    first = [person(i) for i in range(1, 11)]
    gate(gate_env, PS_HOUSEHOLD, staged_delivery(url, PS_HOUSEHOLD, AS_OF, first))
    second_as_of = AS_OF + dt.timedelta(days=1)
    second = first[:9]
    second[0] = {**second[0], "residence_address": "新地址1号"}
    d2 = staged_delivery(url, PS_HOUSEHOLD, second_as_of, second)

    decision = gate(gate_env, PS_HOUSEHOLD, d2, today=second_as_of)

    assert decision.outcome == "ACCEPT"
    assert fetch(url, "select count(*) as n from curated.ps_person") == [{"n": 10}]
    gone = fetch(url, "select person_id, absent_since from curated.ps_person where absent_since is not null")
    assert gone == [{"person_id": first[9]["person_id"], "absent_since": second_as_of}]
    changes = fetch(url, "select change, person_id from curated.change_log where delivery_id = :d order by change",
                    d=d2)
    assert changes == [{"change": "ABSENT", "person_id": first[9]["person_id"]},
                       {"change": "UPDATE", "person_id": first[0]["person_id"]}]


def test_an_older_snapshot_is_quarantined_as_stale_and_changes_nothing(gate_env):
    url = gate_env["db_url"]
    gate(gate_env, PS_HOUSEHOLD, staged_delivery(url, PS_HOUSEHOLD, AS_OF, [person(i) for i in range(1, 11)]))
    older = [person(i, residence_address="旧地址") for i in range(1, 11)]
    d = staged_delivery(url, PS_HOUSEHOLD, AS_OF - dt.timedelta(days=7), older)

    decision = gate(gate_env, PS_HOUSEHOLD, d)

    assert decision.outcome == "QUARANTINE"
    assert fetch(url, "select count(*) as n from curated.ps_person where residence_address = '旧地址'") == [{"n": 0}]


def test_volume_outside_the_band_of_the_last_accepted_snapshot_quarantines(gate_env):
    url = gate_env["db_url"]
    gate(gate_env, PS_HOUSEHOLD, staged_delivery(url, PS_HOUSEHOLD, AS_OF, [person(i) for i in range(1, 21)]))
    d = staged_delivery(url, PS_HOUSEHOLD, AS_OF + dt.timedelta(days=1), [person(i) for i in range(1, 6)])

    decision = gate(gate_env, PS_HOUSEHOLD, d, today=AS_OF + dt.timedelta(days=1))

    assert decision.outcome == "QUARANTINE"
    assert any("rows.volume" not in r and "allowed 10–30" in r for r in decision.reasons)
    assert fetch(url, "select count(*) as n from curated.ps_person where absent_since is not null") == [{"n": 0}]


def test_release_promotes_a_quarantined_delivery_and_is_audited(gate_env):
    url = gate_env["db_url"]
    rows = [person(i) for i in range(1, 11)]
    rows[2]["sex"] = "9"
    d = staged_delivery(url, PS_HOUSEHOLD, AS_OF, rows, rows_declared=11)
    assert gate(gate_env, PS_HOUSEHOLD, d).outcome == "QUARANTINE"

    counts = release(url, d, "王工", "清单行数含表头，已与公安核实")

    assert counts.promoted == 9 and counts.rejected == 1
    assert fetch(url, "select state from intake.delivery where delivery_id = :d", d=d) == [{"state": "RELEASED"}]
    assert fetch(url, "select count(*) as n from curated.ps_person") == [{"n": 9}]
    event = fetch(url, "select actor, detail from audit.event where kind = 'release'")[0]
    assert event["actor"] == "王工" and event["detail"]["outcome"] == "RELEASE"
    assert fetch(url, "select released_by from intake.quarantine where delivery_id = :d", d=d) == [
        {"released_by": "王工"}]
    with pytest.raises(NotQuarantined):
        release(url, d, "王工", "again")


def test_change_feed_never_lets_an_older_record_overwrite_a_newer_one(gate_env):
    url = gate_env["db_url"]
    pid = make_id("330604", dt.date(1940, 5, 5), 123)
    newer = {"person_id": pid, "person_id_raw": pid, "person_id_status": "VALID", "name": "李四",
             "death_date": dt.date(2026, 5, 20), "cremation_date": dt.date(2026, 5, 22)}
    gate(gate_env, CREMATION, staged_delivery(url, CREMATION, AS_OF, [newer]))
    older = {**newer, "death_date": dt.date(2026, 5, 1)}
    d = staged_delivery(url, CREMATION, AS_OF - dt.timedelta(days=3), [older])

    decision = gate(gate_env, CREMATION, d)

    assert decision.outcome == "QUARANTINE"  # freshness: older than the last accepted delivery
    assert fetch(url, "select death_date from curated.ca_cremation") == [{"death_date": dt.date(2026, 5, 20)}]


def test_duplicate_keys_within_a_delivery_are_rejected_rows(gate_env):
    rows = [person(i) for i in range(1, 21)]
    rows[5] = {**rows[4], "name": "王五"}
    d = staged_delivery(gate_env["db_url"], PS_HOUSEHOLD, AS_OF, rows)

    decision = gate(gate_env, PS_HOUSEHOLD, d)

    assert decision.outcome == "ACCEPT_WITH_REJECTS"
    assert fetch(gate_env["db_url"], "select source_row from intake.reject where delivery_id = :d and "
                 "rule = 'key.unique' order by 1", d=d) == [{"source_row": 5}, {"source_row": 6}]


def test_data_docs_and_stored_results_hold_no_planted_id_name_or_phone(gate_env):
    url = gate_env["db_url"]
    rows = [person(i) for i in range(1, 11)]
    planted = {"id": "330604199001010011", "name": "欧阳秘密", "phone": "13987654321"}
    rows[0].update(person_id=planted["id"], person_id_raw=planted["id"], person_id_status="CHECK_FAIL",
                   name=planted["name"], phone=planted["phone"], sex="X")
    rows[1].update(name=None, phone="13911112222")
    d = staged_delivery(url, PS_HOUSEHOLD, AS_OF, rows, rows_declared=11)

    decision = gate(gate_env, PS_HOUSEHOLD, d)

    assert decision.outcome == "QUARANTINE" and decision.data_docs
    html = [p.read_text(encoding="utf-8") for p in Path(gate_env["docs"]).rglob("*.html")]
    assert len(html) >= 2 and any("sex.code" in h or "sex" in h for h in html)
    stored = json.dumps(fetch(url, "select results, parameters from intake.gate_result where delivery_id = :d",
                              d=d), ensure_ascii=False, default=str)
    stored += json.dumps(fetch(url, "select * from intake.reject where delivery_id = :d", d=d),
                         ensure_ascii=False, default=str)
    stored += json.dumps(fetch(url, "select detail from audit.event"), ensure_ascii=False, default=str)
    for text in html + [stored, "\n".join(decision.reasons)]:
        for value in (*planted.values(), "13911112222", rows[2]["person_id"], rows[2]["name"]):
            assert value not in text


def test_a_duplicate_delivery_is_refused_by_the_gate(gate_env):
    from gate_helpers import add_delivery
    from sqlalchemy import text

    from canbao.db import engine

    d = add_delivery(gate_env["db_url"], PS_HOUSEHOLD, AS_OF, 1)
    with engine(gate_env["db_url"]).begin() as conn:
        conn.execute(text("update intake.delivery set state = 'DUPLICATE' where delivery_id = :d"), {"d": d})
    with pytest.raises(ValueError, match="DUPLICATE"):
        gate(gate_env, PS_HOUSEHOLD, d)


def test_bench_reports_the_gate_to_query_ratio(fresh_db_url):
    from canbao.validation.bench import gate_vs_query

    figures = gate_vs_query(fresh_db_url, rows=2000)

    assert figures["rows"] == 2000 and figures["rejected"] == 2 and figures["ratio"] > 0
    assert fetch(fresh_db_url, "select count(*) as n from intake.stg_ps_person") == [{"n": 0}]


def test_promote_refuses_a_snapshot_older_than_the_newest_promoted_one(gate_env):
    from canbao.validation.promote import StaleDelivery, promote

    url = gate_env["db_url"]
    gate(gate_env, PS_HOUSEHOLD, staged_delivery(url, PS_HOUSEHOLD, AS_OF, [person(i) for i in range(1, 4)]))
    d = staged_delivery(url, PS_HOUSEHOLD, AS_OF - dt.timedelta(days=1), [person(i) for i in range(1, 3)])

    with pytest.raises(StaleDelivery):
        promote(url, PS_HOUSEHOLD, d)
    assert fetch(url, "select count(*) as n from curated.ps_person where absent_since is not null") == [{"n": 0}]
    assert fetch(url, "select state from intake.delivery where delivery_id = :d", d=d) == [{"state": "STAGED"}]
