"""On-call alerts (email + chat webhook) and plain mail to department contacts.

Alerts are raised from failure paths (a quarantined delivery, a late feed, a
failed DAG task, a rejected publication batch). They must therefore never
raise themselves and never leak personal data: every text goes through
:func:`canbao.privacy.mask_text` before it leaves the process, and a channel
that fails is logged (masked) without hiding the channel that worked.
"""

from __future__ import annotations

import json
import mimetypes
import smtplib
import ssl
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from canbao.privacy import get_logger, mask_id, mask_name, mask_phone, mask_text
from canbao.settings import Settings, getenv

log = get_logger("canbao.alerts")

SEVERITIES = ("info", "warning", "error", "critical")
_SEVERITY_LABEL = {"info": "信息", "warning": "警告", "error": "错误", "critical": "严重"}
_TRUE = {"1", "true", "yes", "on"}

# Context keys whose values are personal data, masked with the dedicated masker
# (free-text masking cannot recognise a name). Compared in lower case.
_NAME_KEYS = {"name", "person_name", "姓名", "contact_name"}
_ID_KEYS = {"person_id", "id_no", "id_number", "citizen_id", "legal_rep_id", "公民身份号码", "身份证号"}
_PHONE_KEYS = {"phone", "mobile", "telephone", "联系电话", "手机号", "电话"}


class MailDeliveryError(RuntimeError):
    """A mail could not be handed to the SMTP server (message already masked)."""


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to hand mail over; read at send time, never at import time."""

    host: str
    port: int
    sender: str
    alert_to: tuple[str, ...]
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0
    webhook: str | None = None
    webhook_style: str = "dingtalk"

    @classmethod
    def load(cls, settings: Settings | None = None) -> SmtpConfig:
        """Build from :class:`Settings` when given (or obtainable), else from the same variables.

        ``Settings.from_env`` refuses to work without a database URL; alerts
        must still go out in that state (it is often *why* we alert), so the
        SMTP variables are then read one by one with the same defaults.
        """
        if settings is None:
            try:
                settings = Settings.from_env()
            except RuntimeError:
                settings = None
        if settings is not None:
            host, port = settings.smtp_host, settings.smtp_port
            sender, to, webhook = settings.alert_from, settings.alert_to, settings.alert_webhook
        else:
            host = getenv("CANBAO_SMTP_HOST", "127.0.0.1") or "127.0.0.1"
            port = int(getenv("CANBAO_SMTP_PORT", "8025") or "8025")
            sender = getenv("CANBAO_ALERT_FROM", "canbao@canbao.local") or "canbao@canbao.local"
            to = getenv("CANBAO_ALERT_TO", "oncall@canbao.local") or "oncall@canbao.local"
            webhook = getenv("CANBAO_ALERT_WEBHOOK") or None
        return cls(
            host=host,
            port=port,
            sender=sender,
            alert_to=split_addresses(to),
            user=getenv("CANBAO_SMTP_USER") or None,
            password=getenv("CANBAO_SMTP_PASSWORD") or None,
            starttls=(getenv("CANBAO_SMTP_STARTTLS", "") or "").strip().lower() in _TRUE,
            timeout=float(getenv("CANBAO_SMTP_TIMEOUT", "10") or "10"),
            webhook=webhook,
            webhook_style=(getenv("CANBAO_ALERT_WEBHOOK_STYLE", "dingtalk") or "dingtalk").lower(),
        )


@dataclass
class AlertResult:
    """What an alert reached. ``webhook`` is ``None`` when no webhook is configured."""

    email: bool = False
    webhook: bool | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def delivered(self) -> bool:
        """At least one channel took the alert: on-call will hear of it."""
        return self.email or bool(self.webhook)

    @property
    def channels(self) -> list[str]:
        return [name for name, ok in (("email", self.email), ("webhook", self.webhook)) if ok]


def split_addresses(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"a@x, b@y;c@z"`` or a list -> a tuple of trimmed addresses."""
    if not value:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    out: list[str] = []
    for item in items:
        out.extend(p.strip() for p in str(item).replace(";", ",").split(",") if p.strip())
    return tuple(out)


def mask_context_value(key: str, value: Any) -> str:
    """Mask one context value, using the field-specific masker when the key names personal data."""
    k = key.strip().lower()
    text = "" if value is None else str(value)
    if k in _NAME_KEYS:
        return mask_name(text)
    if k in _ID_KEYS:
        return mask_id(text)
    if k in _PHONE_KEYS:
        return mask_phone(text)
    return mask_text(text)


def _personal_values(context: Mapping[str, Any] | None) -> dict[str, str]:
    """Personal values named in the context -> their masked form, to scrub them from free text too."""
    found: dict[str, str] = {}
    for key, value in (context or {}).items():
        k = str(key).strip().lower()
        if value and (k in _NAME_KEYS or k in _ID_KEYS or k in _PHONE_KEYS):
            found[str(value).strip()] = mask_context_value(k, value)
    return found


def scrub(text: str, personal: Mapping[str, str] | None = None) -> str:
    """Mask IDs/phones anywhere, and the given known personal values (e.g. a name) wherever they occur."""
    out = text or ""
    # longest first, so that "张三丰" is replaced before a shorter value it contains
    for raw in sorted(personal or {}, key=len, reverse=True):
        if raw:
            out = out.replace(raw, personal[raw])
    return mask_text(out)


def _context_lines(context: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    return [(str(k), mask_context_value(str(k), v)) for k, v in (context or {}).items()]


def build_message(
    *,
    sender: str,
    to: Sequence[str],
    subject: str,
    body: str,
    attachments: Iterable[Path | str | tuple[str, bytes]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """A UTF-8 message; ``EmailMessage`` encodes Chinese subjects (RFC 2047) and file names (RFC 2231)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "canbao.local")
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body, charset="utf-8")
    for item in attachments or ():
        if isinstance(item, tuple):
            filename, data = item
        else:
            path = Path(item)
            filename, data = path.name, path.read_bytes()
        ctype, encoding = mimetypes.guess_type(filename)
        if ctype is None or encoding is not None:
            ctype = "application/octet-stream"
        maintype, subtype = ctype.split("/", 1)
        if maintype == "text":
            # a text part without a charset is read as ASCII: declare UTF-8 when it is,
            # and send anything else (e.g. a GBK export) as opaque bytes rather than mojibake
            try:
                msg.add_attachment(data.decode("utf-8"), subtype=subtype, charset="utf-8", filename=filename)
                continue
            except UnicodeDecodeError:
                maintype, subtype = "application", "octet-stream"
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return msg


def _smtp_send(config: SmtpConfig, msg: EmailMessage, recipients: Sequence[str]) -> None:
    """Hand one message to the SMTP server; raises ``MailDeliveryError`` with a masked reason."""
    if not recipients:
        raise MailDeliveryError("no recipient")
    try:
        with smtplib.SMTP(config.host, config.port, timeout=config.timeout) as smtp:
            smtp.ehlo()
            if config.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if config.user:
                smtp.login(config.user, config.password or "")
            refused = smtp.send_message(msg, from_addr=config.sender, to_addrs=list(recipients))
    except (OSError, smtplib.SMTPException) as exc:
        raise MailDeliveryError(
            mask_text(f"SMTP {config.host}:{config.port}: {type(exc).__name__}: {exc}")
        ) from exc
    if refused:
        # some recipients were refused; the others got it. Report, but it was sent.
        log.warning("SMTP refused recipients: %s", mask_text(", ".join(refused)))


def _webhook_payload(style: str, title: str, text: str) -> dict[str, Any]:
    """DingTalk robots read ``markdown.title/text``; WeCom robots read ``markdown.content``."""
    if style == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n\n{text}"}}
    return {"msgtype": "markdown", "markdown": {"title": title, "text": text}}


def _post_webhook(url: str, payload: Mapping[str, Any], timeout: float) -> None:
    """POST the JSON; a non-2xx status or a robot ``errcode`` other than 0 is a failure."""
    import httpx  # imported here: DAG files import this package at parse time

    response = httpx.post(
        url,
        content=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        timeout=timeout,
    )
    response.raise_for_status()
    try:
        answer = response.json()
    except ValueError:
        return
    if isinstance(answer, dict) and answer.get("errcode") not in (None, 0, "0"):
        raise RuntimeError(f"robot answered errcode={answer.get('errcode')} {answer.get('errmsg', '')}")


def send_alert(
    subject: str,
    body: str,
    *,
    severity: str = "error",
    to: str | Sequence[str] | None = None,
    settings: Settings | None = None,
    context: Mapping[str, Any] | None = None,
) -> AlertResult:
    """Tell on-call: email always, chat webhook when ``CANBAO_ALERT_WEBHOOK`` is set.

    Never raises for a delivery failure (the caller is usually already
    handling one); the returned :class:`AlertResult` says which channels took
    it. ``context`` values are listed under the body; values under personal
    keys (``name``, ``person_id``, ``phone``...) are masked with their own
    masker and also scrubbed from the subject and body.
    """
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {SEVERITIES}, not {severity!r}")
    config = SmtpConfig.load(settings)
    personal = _personal_values(context)
    safe_subject = scrub(subject, personal)
    safe_body = scrub(body, personal)
    lines = _context_lines(context)
    label = _SEVERITY_LABEL[severity]
    result = AlertResult()

    mail_body = safe_body
    if lines:
        mail_body += "\n\n" + "\n".join(f"{k}: {scrub(v, personal)}" for k, v in lines)
    mail_body += "\n\n-- canbao 全民参保登记数据交换平台\n"
    recipients = split_addresses(to) if to else config.alert_to
    try:
        msg = build_message(
            sender=config.sender,
            to=recipients,
            subject=f"[canbao][{label}] {safe_subject}",
            body=mail_body,
            headers={"X-Canbao-Severity": severity},
        )
        _smtp_send(config, msg, recipients)
        result.email = True
    except Exception as exc:  # one channel failing must not hide the other
        result.errors["email"] = mask_text(str(exc))
        log.error("alert email not delivered: %s (subject: %s)", result.errors["email"], safe_subject)

    if config.webhook:
        text = f"#### [{label}] {safe_subject}\n\n{safe_body}"
        if lines:
            text += "\n\n" + "\n".join(f"- **{k}**: {scrub(v, personal)}" for k, v in lines)
        payload = _webhook_payload(config.webhook_style, f"[{label}] {safe_subject}", text)
        try:
            _post_webhook(config.webhook, payload, config.timeout)
            result.webhook = True
        except Exception as exc:
            result.webhook = False
            result.errors["webhook"] = mask_text(f"{type(exc).__name__}: {exc}")
            log.error("alert webhook not delivered: %s (subject: %s)", result.errors["webhook"], safe_subject)

    if not result.delivered:
        log.critical("alert reached no channel: %s", safe_subject)
    return result


def send_mail(
    to: str | Sequence[str],
    subject: str,
    body: str,
    attachments: Iterable[Path | str | tuple[str, bytes]] | None = None,
    *,
    settings: Settings | None = None,
) -> None:
    """Mail a department contact (e.g. a receipt, 回执) through the same SMTP server.

    Unlike :func:`send_alert` this raises :class:`MailDeliveryError` on
    failure: the receipt step must record that the contact was not reached.
    Subject and body are still passed through ``mask_text`` (receipts mask
    IDs already; this is the last guard). Attachments are sent as given.
    """
    config = SmtpConfig.load(settings)
    recipients = split_addresses(to)
    msg = build_message(
        sender=config.sender,
        to=recipients,
        subject=mask_text(subject),
        body=mask_text(body),
        attachments=attachments,
    )
    _smtp_send(config, msg, recipients)
