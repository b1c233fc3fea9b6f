"""Real loopback servers that receive alerts, for tests and local checks.

- :class:`SmtpCatcher`: an aiosmtpd SMTP server on a free loopback port that
  keeps every message (``.messages``, ``.wait_for(n)``).
- :class:`WebhookReceiver`: an ``http.server`` in a thread that keeps every
  JSON body posted to it and answers like a DingTalk robot (or fails on
  purpose with ``status=500``).
"""

from __future__ import annotations

import json
import threading
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from canbao.alerts.catcher import CaughtMail, MailKeeper, free_port


class SmtpCatcher:
    """Context manager running a real SMTP server on ``127.0.0.1:<free port>``."""

    def __init__(self, host: str = "127.0.0.1", port: int | None = None, maildir: Path | None = None) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.keeper = MailKeeper(maildir)
        self._controller: Controller | None = None

    def __enter__(self) -> SmtpCatcher:
        self._controller = Controller(self.keeper, hostname=self.host, port=self.port, data_size_limit=0)
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        return self.keeper.messages

    @property
    def caught(self) -> list[CaughtMail]:
        return self.keeper.caught

    def wait_for(self, n: int, timeout: float = 10.0) -> list[EmailMessage]:
        return self.keeper.wait_for(n, timeout)

    def env(self) -> dict[str, str]:
        """Environment variables pointing ``canbao.alerts`` at this server."""
        return {"CANBAO_SMTP_HOST": self.host, "CANBAO_SMTP_PORT": str(self.port)}


class WebhookReceiver:
    """Context manager running an HTTP server that records posted JSON bodies.

    ``status`` is the HTTP status it answers with; ``errcode`` the robot code
    in the JSON answer (DingTalk/WeCom answer 200 with ``errcode`` != 0 on
    refusal).
    """

    def __init__(self, status: int = 200, errcode: int = 0, host: str = "127.0.0.1") -> None:
        self.status = status
        self.errcode = errcode
        self.host = host
        self.posts: list[Any] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        return f"http://{self.host}:{self._server.server_address[1]}/robot/send?access_token=test"

    def __enter__(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's hook name)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body: Any = json.loads(raw.decode("utf-8"))
                except ValueError:
                    body = raw
                with receiver._lock:
                    receiver.posts.append(body)
                    receiver.headers.append(dict(self.headers.items()))
                answer = json.dumps({"errcode": receiver.errcode, "errmsg": "ok" if not receiver.errcode else "refused"})
                data = answer.encode("utf-8")
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
                return

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="webhook-receiver", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def received(self) -> list[Any]:
        with self._lock:
            return list(self.posts)
