"""Receipts over real SFTP + SMTP, lateness alerts, the offline check, the CLI and the generated files."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
import sqlalchemy as sa
from gate_helpers import PS_HOUSEHOLD, SI_PERSON, add_delivery, fetch, person, staged_delivery

from canbao.db import engine
from canbao.validation import receipt
from canbao.validation.gate import run_gate
from canbao.validation.lateness import TZ, check_late
from canbao.validation.offline import check_dataframe

AS_OF = dt.date(2026, 6, 1)
TODAY = dt.date(2026, 6, 2)


def test_receipt_in_chinese_lands_in_the_sftp_receipts_folder_and_the_mailbox(gate_env):
    url = gate_env["db_url"]
    rows = [person(i) for i in range(1, 21)]
    rows[4]["sex"] = "9"
    d = staged_delivery(url, PS_HOUSEHOLD, AS_OF, rows, file_name="HJRK_20260601.txt")
    decision = run_gate(url, PS_HOUSEHOLD, d, today=TODAY, data_docs_dir=gate_env["docs"])

    remote = receipt.deliver_receipt(url, PS_HOUSEHOLD, d, decision)

    assert remote == "/public_security/receipts/HJRK_20260601.txt.receipt.txt"
    landed = gate_env["sftp"].root / "public_security" / "receipts" / "HJRK_20260601.txt.receipt.txt"
    text = landed.read_text(encoding="utf-8")
    assert "部分接收（有拒收行）" in text and "第 5 行" in text and "修正后重新上传" in text
    assert fetch(url, "select sha256 from intake.delivery where delivery_id = :d", d=d)[0]["sha256"] in text
    mail = gate_env["smtp"].wait_for(1)[0]
    assert mail["To"] == PS_HOUSEHOLD.contact and "回执" in mail["Subject"]
    assert "第 5 行" in mail.get_body(preferencelist=("plain",)).get_content()
    assert rows[4]["person_id"] not in text


def test_receipt_lists_at_most_the_cap_and_attaches_every_rejected_row_as_csv(gate_env, monkeypatch):
    monkeypatch.setattr(receipt, "MAX_LISTED", 3)
    url = gate_env["db_url"]
    rows = [person(i) for i in range(1, 11)]
    for i in range(5):
        rows[i]["ethnicity"] = "99"
    d = staged_delivery(url, PS_HOUSEHOLD, AS_OF, rows, file_name="HJRK_CAP.txt")
    run_gate(url, PS_HOUSEHOLD, d, today=TODAY, data_docs_dir=gate_env["docs"])

    receipt.deliver_receipt(url, PS_HOUSEHOLD, d)

    mail = [m for m in gate_env["smtp"].wait_for(2) if m["To"] == PS_HOUSEHOLD.contact][0]  # the other: on-call
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "已隔离" in body and "第 3 行" in body and "第 4 行" not in body
    csv_part = [p for p in mail.iter_attachments() if p.get_filename() == "HJRK_CAP.txt.rejects.csv"][0]
    assert csv_part.get_content().count("ethnicity.code,") == 5


def test_receipt_masks_ids_found_in_reasons():
    text = receipt.render(PS_HOUSEHOLD, {"file_name": "a.txt", "sha256": "ab" * 32, "as_of": AS_OF},
                          {"outcome": "QUARANTINE", "reasons": ["编号 330604198001010012 有误 / bad id"],
                           "counts": {"parsed": 1, "rejected": 1, "promoted": 0}},
                          [(1, "person_id.id_status", "证件号 330604198001010012 无效")])
    assert "330604198001010012" not in text and "330604********0012" in text and "已隔离" in text


def test_duplicate_delivery_receipt_says_it_was_not_processed():
    text = receipt.render(SI_PERSON, {"file_name": "b.txt", "sha256": "cd" * 32}, "DUPLICATE")
    assert "重复交付未处理" in text


def test_a_feed_without_delivery_past_its_grace_is_late_and_alerted_once(gate_env):
    url = gate_env["db_url"]
    now = dt.datetime(2026, 6, 2, 15, 0, tzinfo=TZ)  # ps: 06:00 + 6 h passed; si: 07:00 + 2 h passed
    d = add_delivery(url, SI_PERSON, AS_OF, 1)
    with engine(url).begin() as conn:
        conn.execute(sa.text("update intake.delivery set received_at = :t where delivery_id = :d"),
                     {"t": dt.datetime(2026, 6, 2, 7, 10, tzinfo=TZ), "d": d})

    # the platform has watched since the day before (the first check finds ps never delivered)
    assert check_late(url, [PS_HOUSEHOLD, SI_PERSON], now - dt.timedelta(days=1, hours=4)) == []
    late = check_late(url, [PS_HOUSEHOLD, SI_PERSON], now)
    again = check_late(url, [PS_HOUSEHOLD, SI_PERSON], now + dt.timedelta(minutes=30))

    assert [x.feed for x in late] == [PS_HOUSEHOLD.name] and [x.feed for x in again] == [PS_HOUSEHOLD.name]
    assert late[0].expected_at == dt.datetime(2026, 6, 2, 6, 0, tzinfo=TZ)
    mails = gate_env["smtp"].wait_for(1)
    assert len(gate_env["smtp"].messages) == 1 and PS_HOUSEHOLD.name in mails[0]["Subject"]


def test_a_new_install_is_not_alerted_for_deliveries_expected_before_it_watched(gate_env):
    url = gate_env["db_url"]
    first = dt.datetime(2026, 6, 2, 15, 0, tzinfo=TZ)  # ps 06:00 + 6 h passed, but nothing watched it then
    assert check_late(url, [PS_HOUSEHOLD], first) == []
    assert check_late(url, [PS_HOUSEHOLD], first + dt.timedelta(hours=2)) == []
    assert gate_env["smtp"].messages == []
    next_day = dt.datetime(2026, 6, 3, 12, 30, tzinfo=TZ)  # the 06-03 06:00 slot came after watching began
    assert [x.expected_at for x in check_late(url, [PS_HOUSEHOLD], next_day)] == \
        [dt.datetime(2026, 6, 3, 6, 0, tzinfo=TZ)]


def test_a_feed_within_its_grace_is_not_late(gate_env):
    now = dt.datetime(2026, 6, 2, 10, 0, tzinfo=TZ)  # 06:00 + 6 h not over yet; yesterday's slot delivered
    d = add_delivery(gate_env["db_url"], PS_HOUSEHOLD, AS_OF, 1)
    with engine(gate_env["db_url"]).begin() as conn:
        conn.execute(sa.text("update intake.delivery set received_at = :t where delivery_id = :d"),
                     {"t": dt.datetime(2026, 6, 1, 6, 30, tzinfo=TZ), "d": d})
    assert check_late(gate_env["db_url"], [PS_HOUSEHOLD], now) == []


def test_offline_check_names_failing_rows_without_a_database():
    rows = [person(i) for i in range(1, 11)]
    rows[2]["sex"] = "7"
    rows[5]["birth_date"] = dt.date(1850, 1, 1)
    frame = pd.DataFrame(rows)

    report = check_dataframe(PS_HOUSEHOLD, [frame.iloc[:5], frame.iloc[5:]], as_of=AS_OF, today=TODAY)

    assert report.outcome == "ACCEPT_WITH_REJECTS" and report.exit_code == 1
    assert report.rejected_rows == {3: ["sex.code"], 6: ["birth_date.range"]}
    assert rows[2]["person_id"] not in report.text()


def test_offline_check_of_a_clean_file_exits_zero():
    report = check_dataframe(PS_HOUSEHOLD, pd.DataFrame([person(i) for i in range(1, 6)]), as_of=AS_OF,
                             today=TODAY, rows_declared=5)
    assert report.ok and report.exit_code == 0


def test_offline_check_with_a_row_count_other_than_declared_would_quarantine():
    report = check_dataframe(PS_HOUSEHOLD, pd.DataFrame([person(i) for i in range(1, 6)]), as_of=AS_OF,
                             today=TODAY, rows_declared=6)
    assert report.outcome == "QUARANTINE" and report.exit_code == 2


def test_cli_lists_shows_and_releases_a_quarantined_delivery(gate_env, capsys):
    from canbao.cli import main

    url = gate_env["db_url"]
    d = staged_delivery(url, PS_HOUSEHOLD, AS_OF, [person(i) for i in range(1, 6)], rows_declared=7)
    run_gate(url, PS_HOUSEHOLD, d, today=TODAY, data_docs_dir=gate_env["docs"])

    assert main(["quarantine", "list"]) == 0
    assert str(d) in capsys.readouterr().out
    assert main(["quarantine", "show", str(d)]) == 0
    shown = capsys.readouterr().out
    assert "rows.manifest" in shown and "critical" in shown
    assert main(["release", str(d), "--by", "李工", "--note", "已核实"]) == 0
    assert "5 rows promoted" in capsys.readouterr().out
    assert main(["release", str(d), "--by", "李工", "--note", "again"]) == 1


@pytest.mark.parametrize("name", ["ps_household", "si_person"])
def test_committed_suites_load_into_gx(name):
    from canbao.validation.runner import _context, _suite
    from canbao.validation.suites import SUITES_DIR

    suite = json.loads((SUITES_DIR / f"{name}.json").read_text(encoding="utf-8"))
    loaded = _suite(_context(None), suite)
    assert len(loaded.expectations) == len(suite["expectations"])
    assert all("critical" in e.meta for e in loaded.expectations)


def test_committed_suites_and_generated_sql_are_up_to_date():
    from canbao.validation.suites import stale_files

    assert stale_files() == [], "run: python -m canbao.validation.suites --write"


def test_intake_receipt_of_a_duplicate_lands_in_the_receipts_folder(gate_env):
    from canbao.validation.receipts import intake_receipt

    remote = intake_receipt(gate_env["db_url"], SI_PERSON, {
        "feed": SI_PERSON.name, "file_name": "SB_RY_20260601.txt", "state": "DUPLICATE", "duplicate_of": 7})

    assert remote == "/social_insurance/receipts/SB_RY_20260601.txt.receipt.txt"
    text = (gate_env["sftp"].root / "social_insurance" / "receipts" / "SB_RY_20260601.txt.receipt.txt").read_text(
        encoding="utf-8")
    assert "重复交付未处理" in text and "第 7 号交付" in text


def test_intake_receipt_never_raises_when_the_mail_relay_is_down(canbao_env, monkeypatch):
    from canbao.validation.receipts import intake_receipt

    monkeypatch.setenv("CANBAO_SMTP_PORT", "1")  # nothing listens there
    assert intake_receipt(canbao_env["db_url"], SI_PERSON, {
        "feed": SI_PERSON.name, "file_name": "SB_RY_X.txt", "state": "FAILED", "code": "TRUNCATED",
        "message": "5 data rows parsed, 6 declared"}) is None
