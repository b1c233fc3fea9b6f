"""The intake and registry commands: feeds, check, intake run, status, reprocess."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from helpers import drop, manifest_for, ps_row, ps_text  # noqa: E402

from canbao.cli import main  # noqa: E402

FEEDS = str(Path(__file__).parent / "feeds")


def test_feeds_lists_the_registry_as_a_table(capsys):
    assert main(["feeds", "--registry", FEEDS]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["name", "department", "folder", "pattern", "kind", "target", "suite"]
    assert any(line.split()[:2] == ["ps_household", "public_security"] for line in out)


def test_check_passes_a_good_file_with_its_manifest(tmp_path, capsys):
    data = ps_text([ps_row(i) for i in range(5)]).encode("gbk")
    (tmp_path / "HJRK_1.txt").write_bytes(data)
    (tmp_path / "m.json").write_bytes(manifest_for(data, "HJRK_1.txt", 5))
    code = main(["check", "--feed", "ps_household", "--registry", FEEDS, str(tmp_path / "HJRK_1.txt"),
                 "--manifest", str(tmp_path / "m.json")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "数据行 rows: 5" in out


def test_check_refuses_a_file_in_the_wrong_encoding_with_a_bilingual_report(tmp_path, capsys):
    path = tmp_path / "SBRY_1.txt"
    path.write_bytes(ps_text([ps_row(1)]).encode("gbk"))
    assert main(["check", "--feed", "si_pipe", "--registry", FEEDS, str(path)]) == 1
    out = capsys.readouterr().out
    assert "[ENCODING]" in out and "不通过" in out and "would NOT pass" in out


def test_check_fails_when_the_manifest_checksum_differs(tmp_path, capsys):
    data = ps_text([ps_row(1)]).encode("gbk")
    (tmp_path / "HJRK_1.txt").write_bytes(data)
    (tmp_path / "m.json").write_bytes(manifest_for(data, "HJRK_1.txt", 1, sha256="1" * 64))
    assert main(["check", "--feed", "ps_household", "--registry", FEEDS, str(tmp_path / "HJRK_1.txt"),
                 "--manifest", str(tmp_path / "m.json")]) == 1
    assert "CHECKSUM_MISMATCH" in capsys.readouterr().out


def test_intake_run_status_and_reprocess_work_without_airflow(intake_env, capsys):
    folder = intake_env["root"] / "public_security" / "inbox"
    drop(folder, "HJRK_20260301.txt", ps_text([ps_row(i) for i in range(3)]).encode("gbk"), rows=3)
    assert main(["intake", "run", "--feed", "ps_household", "--no-gate"]) == 0
    outcome = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert outcome["state"] == "STAGED" and outcome["rows"] == 3
    assert main(["status"]) == 0
    status = capsys.readouterr().out
    assert "ps_household" in status and "STAGED" in status and "无投递 none" in status
    assert main(["reprocess", "--delivery", str(outcome["delivery_id"]), "--no-gate", "--by", "tester"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["state"] == "STAGED"


def test_lateness_counts_from_the_expected_time_plus_grace(registry):
    import datetime as dt

    from canbao.intake.status import lateness

    feed = registry["ps_household"]  # expected 06:00 Asia/Shanghai, grace 6 h
    now = dt.datetime(2026, 3, 2, 6, 0, tzinfo=dt.UTC)  # 14:00 in Shanghai
    assert lateness(feed, None, now) == dt.timedelta(hours=2)
    on_time = dt.datetime(2026, 3, 1, 23, 0, tzinfo=dt.UTC)  # 07:00 on 2 March in Shanghai
    assert lateness(feed, on_time, now) is None
