"""send_alert / send_mail against a real aiosmtpd server and a real HTTP webhook receiver."""

from __future__ import annotations

from email import message_from_bytes
from email.header import decode_header, make_header
from email.policy import compat32

import pytest

from canbao.alerts import send_alert, send_mail
from canbao.alerts.catcher import free_port
from canbao.alerts.testing import WebhookReceiver

PERSON_ID = "330604198001010012"
PHONE = "13812345678"
NAME = "张三丰"


def test_alert_email_arrives_with_chinese_subject_decoded(smtp):
    result = send_alert("公安户籍数据已隔离", "拒绝率超过阈值。")

    assert result.email is True
    (caught,) = smtp.caught
    message = caught.message
    assert message["Subject"] == "[canbao][错误] 公安户籍数据已隔离"
    wire_subject = message_from_bytes(caught.raw, policy=compat32)["Subject"]  # as it travelled
    assert wire_subject.isascii() and "=?utf-8?" in wire_subject  # RFC 2047 encoded words
    assert str(make_header(decode_header(wire_subject))) == "[canbao][错误] 公安户籍数据已隔离"
    assert "拒绝率超过阈值。" in message.get_content()


def test_alert_email_goes_to_the_on_call_address_from_settings(smtp):
    send_alert("feed late", "ps_household has not arrived")

    (caught,) = smtp.caught
    assert caught.rcpt_tos == ("oncall@bureau.example",)
    assert caught.mail_from == "canbao@bureau.example"
    assert caught.message["X-Canbao-Severity"] == "error"


def test_alert_email_masks_ids_phones_and_context_names(smtp):
    send_alert(
        f"拒收 {PERSON_ID}",
        f"{NAME} 的身份证 {PERSON_ID}，电话 {PHONE}，核对失败",
        context={"name": NAME, "person_id": PERSON_ID, "phone": PHONE, "feed": "ps_household"},
    )

    (message,) = smtp.wait_for(1)
    text = message["Subject"] + "\n" + message.get_content()
    assert PERSON_ID not in text and PHONE not in text and NAME not in text
    assert "330604********0012" in message["Subject"]
    assert "张** 的身份证 330604********0012，电话 138****5678" in text
    assert "feed: ps_household" in text


def test_webhook_receives_dingtalk_markdown_with_everything_masked(smtp, webhook):
    result = send_alert(f"{NAME} 数据异常", f"ID {PERSON_ID} phone {PHONE}", context={"name": NAME})

    assert result.webhook is True
    (post,) = webhook.received()
    assert post["msgtype"] == "markdown"
    assert set(post["markdown"]) == {"title", "text"}
    payload = post["markdown"]["title"] + post["markdown"]["text"]
    assert PERSON_ID not in payload and PHONE not in payload and NAME not in payload
    assert "330604********0012" in payload and "138****5678" in payload and "张**" in payload


def test_webhook_body_is_utf8_json(smtp, webhook):
    send_alert("税务数据迟到", "超过宽限期")

    (headers,) = webhook.headers
    assert "utf-8" in headers["Content-Type"].lower()
    assert webhook.received()[0]["markdown"]["title"] == "[错误] 税务数据迟到"


def test_smtp_down_still_delivers_the_webhook(monkeypatch, webhook):
    monkeypatch.setenv("CANBAO_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CANBAO_SMTP_PORT", str(free_port()))  # nobody listens there

    result = send_alert("publication batch rejected", f"person {PERSON_ID}")

    assert result.email is False
    assert result.webhook is True
    assert result.delivered is True
    assert len(webhook.received()) == 1
    assert PERSON_ID not in result.errors["email"]


def test_webhook_failing_still_delivers_the_email(smtp, monkeypatch):
    with WebhookReceiver(status=500) as broken:
        monkeypatch.setenv("CANBAO_ALERT_WEBHOOK", broken.url)
        result = send_alert("gate failed", "civil affairs delivery quarantined")

    assert result.email is True
    assert result.webhook is False
    assert "webhook" in result.errors
    assert len(smtp.wait_for(1)) == 1


def test_robot_refusal_errcode_counts_as_webhook_failure(smtp, monkeypatch):
    with WebhookReceiver(errcode=310000) as refusing:
        monkeypatch.setenv("CANBAO_ALERT_WEBHOOK", refusing.url)
        result = send_alert("gate failed", "x")

    assert result.webhook is False
    assert "310000" in result.errors["webhook"]


def test_no_webhook_configured_reports_webhook_as_none(smtp):
    result = send_alert("info", "nothing", severity="info")

    assert result.webhook is None
    assert result.channels == ["email"]


def test_both_channels_down_returns_undelivered_without_raising(monkeypatch):
    monkeypatch.setenv("CANBAO_SMTP_PORT", str(free_port()))
    monkeypatch.setenv("CANBAO_ALERT_WEBHOOK", f"http://127.0.0.1:{free_port()}/hook")

    result = send_alert("x", "y")

    assert result.delivered is False
    assert set(result.errors) == {"email", "webhook"}


def test_failed_channel_is_logged_masked(monkeypatch, caplog):
    monkeypatch.setenv("CANBAO_SMTP_PORT", str(free_port()))

    with caplog.at_level("ERROR", logger="canbao.alerts"):
        send_alert(f"拒收 {PERSON_ID}", "body")

    assert "alert email not delivered" in caplog.text
    assert PERSON_ID not in caplog.text


def test_unknown_severity_is_refused():
    with pytest.raises(ValueError):
        send_alert("x", "y", severity="fatal")


def test_explicit_recipients_override_the_on_call_address(smtp):
    send_alert("x", "y", to=["a@bureau.example", "b@bureau.example"])

    assert smtp.caught[0].rcpt_tos == ("a@bureau.example", "b@bureau.example")


def test_send_mail_delivers_receipt_with_chinese_attachment_name(smtp, tmp_path):
    receipt = tmp_path / "回执_HJRK_20260301.txt"
    receipt.write_text(f"数据接收回执\n身份证 {PERSON_ID} 校验失败\n", encoding="utf-8")

    send_mail("hj-data@ga.example.gov.cn", "数据接收回执：公安户籍人口全量", "请查收附件。", attachments=[receipt])

    (caught,) = smtp.caught
    assert caught.rcpt_tos == ("hj-data@ga.example.gov.cn",)
    message = caught.message
    assert message["Subject"] == "数据接收回执：公安户籍人口全量"
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "回执_HJRK_20260301.txt"
    assert "数据接收回执" in attachment.get_content()


def test_send_mail_masks_ids_in_subject_and_body(smtp):
    send_mail("contact@x.example", f"回执 {PERSON_ID}", f"电话 {PHONE}")

    message = smtp.wait_for(1)[0]
    assert PERSON_ID not in message["Subject"]
    assert PHONE not in message.get_content()


def test_send_mail_raises_when_smtp_is_down(monkeypatch):
    from canbao.alerts import MailDeliveryError

    monkeypatch.setenv("CANBAO_SMTP_PORT", str(free_port()))

    with pytest.raises(MailDeliveryError):
        send_mail("contact@x.example", "回执", "body")
