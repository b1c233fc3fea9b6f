"""The same publish run triggered twice at the same moment: one sends, the other steps aside; exactly once."""

from __future__ import annotations

from faultkit import assert_exactly_once, publisher_env, start_publisher, stop_process, summary_of

from canbao.services.process import wait_until


def test_two_publishers_started_together_deliver_every_version_once_with_contiguous_seq(
        fault_province, node, outbox, tmp_path):
    outbox.add_versions(15, 2)  # three batches of 10
    fault_province.set_fault("slow", delay=1, count=2)  # the winner's run lasts while the other one starts
    go = tmp_path / "go"
    procs, logs = [], []
    try:
        for n in range(2):
            log, ready = tmp_path / f"publisher{n}.log", tmp_path / f"ready{n}"
            env = publisher_env(outbox.db_url, fault_province, node, FAULT_GO_FILE=str(go),
                                FAULT_READY_FILE=str(ready))
            procs.append(start_publisher(env, log))
            logs.append(log)
        # Both processes have imported everything and wait on the same file: released together.
        wait_until(lambda: all((tmp_path / f"ready{n}").exists() for n in range(2)), 60, "publishers ready")
        go.touch()
        for proc in procs:
            proc.wait(60)
    finally:
        for proc in procs:
            stop_process(proc)
    assert [p.returncode for p in procs] == [0, 0], [log.read_text() for log in logs]
    summaries = sorted((summary_of(log) for log in logs), key=lambda s: s["batches_delivered"])
    loser, winner = summaries
    assert winner["batches_delivered"] == 3 and winner["stopped"] is None
    # The other run either found the lock taken or (started later) found nothing left to send.
    assert loser["stopped"] == "another publisher is running" or loser["sends"] == 0
    assert loser["batches_delivered"] == 0
    assert_exactly_once(fault_province, node[0], outbox)
