"""The local mail catcher writes every received mail as an .eml file the demo user can open."""

from __future__ import annotations

import email
import email.policy
import os
import signal
import smtplib
import subprocess
import sys
import time

from canbao.alerts import send_alert
from canbao.alerts.catcher import free_port, start


def test_catcher_writes_each_alert_as_an_eml_file(tmp_path, monkeypatch):
    port = free_port()
    maildir = tmp_path / "mail"
    controller = start("127.0.0.1", port, maildir)
    try:
        monkeypatch.setenv("CANBAO_SMTP_PORT", str(port))
        send_alert("教育学籍数据迟到", "超过宽限期 6 小时")
        send_alert("second", "alert")
    finally:
        controller.stop()

    files = sorted(maildir.glob("*.eml"))
    assert len(files) == 2
    first = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert first["Subject"] == "[canbao][错误] 教育学籍数据迟到"
    assert not list(maildir.glob(".*.tmp"))


def _wait_until_listening(port: int, proc: subprocess.Popen) -> None:
    """The server process needs a moment to bind; wait for it (not a timing assertion)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode()
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=2) as smtp:
                smtp.noop()
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError("catcher did not start listening")


def test_catcher_module_runs_as_a_process_and_stops_on_sigterm(tmp_path):
    port = free_port()
    maildir = tmp_path / "mail"
    proc = subprocess.Popen(
        [sys.executable, "-m", "canbao.alerts.catcher", "--port", str(port), "--dir", str(maildir)],
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        _wait_until_listening(port, proc)
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.sendmail("a@x.example", ["b@y.example"], b"Subject: hi\r\n\r\nbody\r\n")
    finally:
        proc.send_signal(signal.SIGTERM)
        returncode = proc.wait(timeout=30)

    assert returncode == 0
    assert len(list(maildir.glob("*.eml"))) == 1
