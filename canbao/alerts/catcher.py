"""A local mail catcher: a real SMTP server (aiosmtpd) that keeps what it receives.

The demo and the local services run it in place of the bureau's mail relay,
so that alerts and receipts can be read as ``.eml`` files in a folder
(``$CANBAO_HOME/mail`` by default). Tests use the same handler through
:class:`canbao.alerts.testing.SmtpCatcher`.

Run: ``python -m canbao.alerts.catcher --port 8025 --dir .local/mail``
"""

from __future__ import annotations

import argparse
import email
import email.policy
import itertools
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller

from canbao.privacy import get_logger

log = get_logger("canbao.alerts.catcher")


@dataclass(frozen=True)
class CaughtMail:
    """One received message with its SMTP envelope (who the server was told it is for)."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: EmailMessage
    raw: bytes = b""
    path: Path | None = None


class MailKeeper:
    """aiosmtpd handler: parses each message, keeps it in memory and optionally writes it as ``.eml``.

    Thread-safe: the SMTP server runs in its own thread; readers wait on a
    condition instead of polling.
    """

    def __init__(self, maildir: Path | None = None) -> None:
        self.maildir = Path(maildir) if maildir else None
        if self.maildir:
            self.maildir.mkdir(parents=True, exist_ok=True)
        self._caught: list[CaughtMail] = []
        self._cond = threading.Condition()
        self._seq = itertools.count(1)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        message = email.message_from_bytes(raw, policy=email.policy.default)
        path = self._write(raw) if self.maildir else None
        caught = CaughtMail(str(envelope.mail_from), tuple(envelope.rcpt_tos), message, raw, path)
        with self._cond:
            self._caught.append(caught)
            self._cond.notify_all()
        return "250 Message accepted for delivery"

    def _write(self, raw: bytes) -> Path:
        """Write then rename, so a reader of the folder never sees half a mail."""
        assert self.maildir is not None
        name = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{next(self._seq):05d}.eml"
        tmp = self.maildir / f".{name}.tmp"
        tmp.write_bytes(raw)
        final = self.maildir / name
        os.replace(tmp, final)
        return final

    @property
    def caught(self) -> list[CaughtMail]:
        with self._cond:
            return list(self._caught)

    @property
    def messages(self) -> list[EmailMessage]:
        return [c.message for c in self.caught]

    def wait_for(self, n: int, timeout: float = 10.0) -> list[EmailMessage]:
        """Block until at least ``n`` messages arrived; ``TimeoutError`` otherwise."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._caught) >= n, timeout=timeout):
                raise TimeoutError(f"{len(self._caught)} of {n} messages arrived in {timeout} s")
            return [c.message for c in self._caught]


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def start(host: str = "127.0.0.1", port: int = 8025, maildir: Path | str | None = None) -> Controller:
    """Start the catcher in a background thread and return its controller (``.stop()`` to end it)."""
    keeper = MailKeeper(Path(maildir) if maildir else None)
    # a message of any size: receipts carry spreadsheets
    controller = Controller(keeper, hostname=host, port=port, data_size_limit=0)
    controller.start()
    log.info("mail catcher listening on %s:%s, writing to %s", host, port, maildir or "(memory)")
    return controller


def serve(host: str, port: int, maildir: Path | str) -> None:
    """Run the catcher until SIGINT/SIGTERM, writing each mail as an ``.eml`` file into ``maildir``."""
    controller = start(host, port, maildir)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        stop.wait()
    finally:
        controller.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m canbao.alerts.catcher", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", dest="maildir", default=".local/mail", help="folder for .eml files")
    args = parser.parse_args(argv)
    serve(args.host, args.port, args.maildir)
    return 0


if __name__ == "__main__":
    import logging
    import sys

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    sys.exit(main())
