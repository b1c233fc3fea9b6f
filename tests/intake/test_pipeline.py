"""Deliveries end to end on the real SFTP server and PostgreSQL: proof, checksum, archive, staging, dedupe."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))
from helpers import citizen_id, drop, ps_row, ps_text  # noqa: E402

from canbao.intake.delivery import discover, sftp_hook  # noqa: E402
from canbao.intake.pipeline import GateUnavailable, process_feed, reprocess  # noqa: E402

PS = "HJRK_20260301.txt"


def inbox(env, dept: str = "public_security") -> Path:
    return env["root"] / dept / "inbox"


def ps_bytes(n: int = 10, start: int = 0) -> bytes:
    return ps_text([ps_row(i) for i in range(start, start + n)]).encode("gbk")


def query(env, sql: str, **params):
    eng = sa.create_engine(env["db_url"])
    with eng.connect() as conn:
        out = conn.execute(sa.text(sql), params).mappings().all()
    eng.dispose()
    return out


def run(registry, name: str = "ps_household"):
    return process_feed(registry[name], "test_run", gate=False)


def test_delivery_is_archived_recorded_and_staged(intake_env, registry):
    data = ps_bytes(10)
    drop(inbox(intake_env), PS, data, rows=10)
    [out] = run(registry)
    assert out.state == "STAGED" and out.rows == 10
    [d] = query(intake_env, "select * from intake.delivery")
    archived = Path(d["archive_path"])
    assert archived == intake_env["archive"] / d["sha256"][:2] / d["sha256"]
    assert archived.read_bytes() == data
    assert stat.S_IMODE(archived.stat().st_mode) == 0o444
    assert (d["feed"], d["file_name"], d["bytes"], d["run_id"]) == ("ps_household", PS, len(data), "test_run")
    staged = query(intake_env, "select source_row, as_of::text, person_id from intake.stg_ps_person "
                               "where delivery_id = :d order by source_row", d=d["delivery_id"])
    assert [r["source_row"] for r in staged] == list(range(1, 11))
    assert staged[0]["as_of"] == "2026-03-01" and staged[0]["person_id"] == citizen_id(0)


def test_processed_files_are_moved_aside_not_deleted(intake_env, registry):
    drop(inbox(intake_env), PS, ps_bytes(3), rows=3)
    run(registry)
    moved = inbox(intake_env) / "processed" / "2026-03-01"
    assert (moved / PS).exists() and (moved / (PS + ".manifest.json")).exists()
    assert not (inbox(intake_env) / PS).exists()


def test_delivery_without_proof_is_not_picked_up(intake_env, registry):
    (inbox(intake_env) / PS).write_bytes(ps_bytes(3))
    assert run(registry) == []
    assert (inbox(intake_env) / PS).exists()
    assert query(intake_env, "select count(*) as n from intake.delivery")[0]["n"] == 0


def test_duplicate_bytes_are_a_no_op_whose_outcome_says_so(intake_env, registry):
    data = ps_bytes(5)
    drop(inbox(intake_env), PS, data, rows=5)
    [first] = run(registry)
    drop(inbox(intake_env), "HJRK_20260302.txt", data, rows=5, file="HJRK_20260302.txt")
    # a duplicate of a STAGED delivery is taken up again; once decided, the same bytes are a duplicate
    query_engine = sa.create_engine(intake_env["db_url"])
    with query_engine.begin() as conn:
        conn.execute(sa.text("update intake.delivery set state = 'ACCEPTED'"))
    query_engine.dispose()
    [second] = run(registry)
    assert second.state == "DUPLICATE" and second.duplicate_of == first.delivery_id
    assert "delivery" in second.message and "相同" in second.message
    assert query(intake_env, "select count(*) as n from intake.delivery")[0]["n"] == 1
    events = query(intake_env, "select kind from audit.event where kind = 'delivery.duplicate'")
    assert len(events) == 1


def test_deliveries_are_processed_in_order_of_as_of_then_file_name(intake_env, registry):
    drop(inbox(intake_env), "HJRK_b.txt", ps_bytes(2, 0), rows=2, as_of="2026-03-02")
    drop(inbox(intake_env), "HJRK_c.txt", ps_bytes(2, 10), rows=2, as_of="2026-03-01")
    drop(inbox(intake_env), "HJRK_a.txt", ps_bytes(2, 20), rows=2, as_of="2026-03-02")
    assert [o.file_name for o in run(registry)] == ["HJRK_c.txt", "HJRK_a.txt", "HJRK_b.txt"]


def bad(intake_env, registry, data: bytes, **manifest) -> str:
    drop(inbox(intake_env), PS, data, **manifest)
    [out] = run(registry)
    assert out.state == "FAILED"
    assert (inbox(intake_env) / "rejected").exists() and not (inbox(intake_env) / PS).exists()
    return out.code


def test_checksum_mismatch_is_a_bad_delivery(intake_env, registry):
    assert bad(intake_env, registry, ps_bytes(3), rows=3, sha256="0" * 64) == "CHECKSUM_MISMATCH"
    [d] = query(intake_env, "select state, reason from intake.delivery")
    assert d["state"] == "FAILED" and d["reason"].startswith("[CHECKSUM_MISMATCH]")


def test_truncated_file_is_a_bad_delivery(intake_env, registry):
    data = ps_bytes(5)
    assert bad(intake_env, registry, data, rows=5, bytes=len(data) + 100) == "TRUNCATED"


def test_fewer_rows_than_declared_is_truncated_and_nothing_stays_staged(intake_env, registry):
    assert bad(intake_env, registry, ps_bytes(5), rows=6) == "TRUNCATED"
    assert query(intake_env, "select count(*) as n from intake.stg_ps_person")[0]["n"] == 0


def test_more_rows_than_declared_is_a_row_count_mismatch(intake_env, registry):
    assert bad(intake_env, registry, ps_bytes(5), rows=4) == "ROW_COUNT_MISMATCH"


@pytest.mark.parametrize("named", ["../../tax/inbox/x.txt", "/etc/passwd", "..", "sub/" + PS])
def test_manifest_pointing_outside_its_folder_is_refused(intake_env, registry, named):
    assert bad(intake_env, registry, ps_bytes(2), rows=2, file=named) == "PATH_TRAVERSAL"
    assert query(intake_env, "select count(*) as n from intake.delivery")[0]["n"] == 0


def test_symlinked_data_file_is_refused_without_reading_it(intake_env, registry, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_bytes(ps_bytes(2))
    folder = inbox(intake_env)
    os.symlink(secret, folder / PS)
    (folder / (PS + ".manifest.json")).write_text('{"file": "%s", "bytes": 1, "rows": 1, "sha256": "%s", '
                                                  '"as_of": "2026-03-01"}' % (PS, "0" * 64))
    [out] = run(registry)
    assert out.state == "FAILED" and out.code in ("SYMLINK", "PATH_TRAVERSAL")
    assert secret.exists() and query(intake_env, "select count(*) as n from intake.delivery")[0]["n"] == 0


def test_bad_manifest_is_a_bad_delivery(intake_env, registry):
    folder = inbox(intake_env)
    (folder / PS).write_bytes(ps_bytes(2))
    (folder / (PS + ".manifest.json")).write_text("{not json")
    [out] = run(registry)
    assert out.code == "MANIFEST_INVALID"


def test_restaging_a_delivery_replaces_its_rows(intake_env, registry):
    drop(inbox(intake_env), PS, ps_bytes(4), rows=4)
    [first] = run(registry)
    out = reprocess(intake_env["db_url"], registry["ps_household"], first.delivery_id, gate=False)
    assert out.state == "STAGED" and out.rows == 4
    n = query(intake_env, "select count(*) as n from intake.stg_ps_person where delivery_id = :d",
              d=first.delivery_id)[0]["n"]
    assert n == 4
    assert query(intake_env, "select count(*) as n from audit.event where kind = 'delivery.reprocess'")[0]["n"] == 1


def test_parse_rejects_are_written_without_personal_data(intake_env, registry):
    data = ps_text([ps_row(1), ps_row(2, 出生日期="19800231")]).encode("gbk")
    drop(inbox(intake_env), PS, data, rows=2)
    [out] = run(registry)
    rejects = query(intake_env, "select source_row, rule, reason from intake.reject where delivery_id = :d",
                    d=out.delivery_id)
    assert [(r["source_row"], r["rule"]) for r in rejects] == [(2, "parse:birth_date")]
    assert "19800231" not in rejects[0]["reason"] and out.rejected_rows == 1


def test_fixed_width_feed_with_marker_is_onboarded_by_configuration_only(intake_env, registry):
    line = citizen_id(4, birth="20100505") + "王小明丽" + "02" + "1" + "20220901"
    folder = inbox(intake_env, "education")
    drop(folder, "XJ_20260301.dat", (line + "\r\n").encode("gb18030"), proof=".ok")
    [out] = run(registry, "edu_fixed")
    assert out.state == "STAGED" and out.rows == 1
    [row] = query(intake_env, "select as_of::text, level, full_time from intake.stg_edu_student")
    assert row == {"as_of": "2026-03-01", "level": "JUNIOR", "full_time": True}


def test_discovery_lists_only_complete_deliveries(intake_env, registry):
    drop(inbox(intake_env), PS, ps_bytes(1), rows=1)
    (inbox(intake_env) / "HJRK_20260305.txt").write_bytes(b"still uploading")
    with sftp_hook(registry["ps_household"]).get_managed_conn() as sftp:
        found = discover(registry["ps_household"], sftp)
    assert [c.file_name for c in found] == [PS] and found[0].rows == 1


def test_gate_missing_fails_clearly_and_leaves_the_delivery_staged(intake_env, registry, monkeypatch):
    monkeypatch.setitem(sys.modules, "canbao.validation.gate", None)
    drop(inbox(intake_env), PS, ps_bytes(2), rows=2)
    with pytest.raises(GateUnavailable, match="质量闸门"):
        process_feed(registry["ps_household"], "t", gate=True)
    assert query(intake_env, "select state from intake.delivery")[0]["state"] == "STAGED"


def test_folder_with_a_glob_segment_is_searched_in_every_matching_folder(intake_env, registry):
    import dataclasses

    from canbao.registry.loader import SftpSpec

    feed = registry["si_pipe"]
    feed = dataclasses.replace(feed, sftp=SftpSpec("canbao_sftp", "/towns/*/returns", "SBRY_*.txt", "/towns"))
    root = intake_env["root"] / "towns"
    for town in ("330604001", "330604002"):
        drop(root / town / "returns", f"SBRY_{town}.txt", f"{citizen_id(1)}|赵六|1|1980-01-01|139\n".encode(), rows=1)
    with sftp_hook(feed).get_managed_conn() as sftp:
        found = discover(feed, sftp)
    assert [c.folder for c in found] == ["/towns/330604001/returns", "/towns/330604002/returns"]


def test_a_town_folder_without_returns_does_not_stop_discovery(intake_env, registry):
    """Rosters create /towns/<town>/rosters before a town ever returns a survey."""
    import dataclasses

    from canbao.registry.loader import SftpSpec

    feed = registry["si_pipe"]
    feed = dataclasses.replace(feed, sftp=SftpSpec("canbao_sftp", "/towns/*/returns", "SBRT_*.txt", "/towns"))
    root = intake_env["root"] / "towns"
    (root / "330604009" / "rosters").mkdir(parents=True)
    drop(root / "330604010" / "returns", "SBRT_330604010.txt", f"{citizen_id(2)}|赵六|1|1980-01-01|139\n".encode(),
         rows=1)
    with sftp_hook(feed).get_managed_conn() as sftp:
        found = discover(feed, sftp)
    assert [c.folder for c in found] == ["/towns/330604010/returns"]
