"""Receipts (回执) for department data contacts: what became of their delivery, in Chinese.

``render`` writes the plain-text receipt (UTF-8, readable in any editor and in
mail); ``deliver_receipt`` puts it beside the department's data in its SFTP
receipts folder as ``<data file>.receipt.txt`` and mails it to the feed's
contact, with the full list of refused rows attached as CSV when the receipt
lists only the first ``MAX_LISTED`` of them. Rows are named by their data
row number and reason; IDs in any text are masked.
"""

from __future__ import annotations

import csv
import io
import os
import posixpath
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from canbao.db import engine, run_sql
from canbao.privacy import get_logger, mask_text
from canbao.validation.feeds import GateFeed, resolve_feed

log = get_logger(__name__)

MAX_LISTED = 1000
SUPPORT = "全民参保登记数据交换平台运维组（canbao 平台）"

OUTCOME_TEXT = {
    "ACCEPT": "已接收",
    "ACCEPT_WITH_REJECTS": "部分接收（有拒收行）",
    "QUARANTINE": "已隔离",
    "DUPLICATE": "重复交付未处理",
    "RELEASE": "已接收（人工复核后放行）",
    "FAILED": "交付无法处理（已拒收）",
}
NEXT_STEP = {
    "ACCEPT": "无需处理。",
    "ACCEPT_WITH_REJECTS": "请按下列行号和原因修正被拒收的行，修正后重新上传（可只上传修正后的完整文件）。",
    "QUARANTINE": "本次交付整体未入库。请按原因修正后重新上传；如认为数据无误，请联系平台运维人员复核。",
    "DUPLICATE": "该文件与此前交付的文件内容完全相同（SHA-256 一致），未重复处理，无需处理。",
    "RELEASE": "无需处理。被拒收的行（如有）请修正后重新上传。",
    "FAILED": "整个文件未被读取或未入库（原因见上）。请修正后重新上传数据文件及其清单/完成标记。",
}


@dataclass(frozen=True)
class RejectedRow:
    source_row: int
    reason: str
    rules: str = ""


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


def _rows(rejects: Iterable[Any]) -> list[RejectedRow]:
    out = []
    for r in rejects:
        if isinstance(r, RejectedRow):
            out.append(r)
        elif isinstance(r, Mapping):
            out.append(RejectedRow(int(r["source_row"]), str(r.get("reason", "")), str(r.get("rules", r.get("rule", "")))))
        else:  # (source_row, rule, reason) or (source_row, reason)
            t = tuple(r)
            out.append(RejectedRow(int(t[0]), str(t[-1]), str(t[1]) if len(t) > 2 else ""))
    return out


def outcome_of(decision: Any) -> str:
    """``GateDecision.outcome``, a plain outcome string, or the delivery state (DUPLICATE, RELEASED...)."""
    if isinstance(decision, str):
        value = decision
    else:
        value = _get(decision, "outcome") or _get(decision, "state") or ""
    return {"ACCEPTED": "ACCEPT", "ACCEPTED_WITH_REJECTS": "ACCEPT_WITH_REJECTS", "QUARANTINED": "QUARANTINE",
            "RELEASED": "RELEASE"}.get(value, value)


def render(feed: Any, delivery: Any, decision: Any, rejects: Iterable[Any] = ()) -> str:
    """The receipt text (Chinese, UTF-8). ``delivery`` is a mapping/object with file_name, sha256, as_of..."""
    f = GateFeed.of(feed)
    outcome = outcome_of(decision)
    rows = _rows(rejects)
    counts = _get(decision, "counts") if not isinstance(decision, str) else None
    counts = counts or {}
    parsed = counts.get("parsed", _get(delivery, "rows_parsed"))
    rejected = counts.get("rejected", _get(delivery, "rows_rejected", len(rows)))
    promoted = counts.get("promoted", _get(delivery, "rows_promoted"))
    reasons = list(_get(decision, "reasons") or []) if not isinstance(decision, str) else []

    def n(v: Any) -> str:
        return "—" if v is None else str(v)

    lines = [
        f"数据交付回执 — {f.title}",
        "",
        f"处理结果：{OUTCOME_TEXT.get(outcome, outcome)}",
        f"数据源：{f.name}（{f.title}）",
        f"交付编号：{n(_get(delivery, 'delivery_id'))}",
        f"文件名：{_get(delivery, 'file_name')}",
        f"SHA-256：{_get(delivery, 'sha256')}",
        f"数据日期：{n(_get(delivery, 'as_of'))}",
        f"清单声明行数：{n(_get(delivery, 'rows_declared'))}",
        f"实际数据行数：{n(parsed)}",
        f"拒收行数：{n(rejected)}",
        f"入库行数：{n(promoted)}",
        "",
    ]
    if reasons and outcome != "ACCEPT":
        lines.append("未通过的检查：" if outcome in ("QUARANTINE", "ACCEPT_WITH_REJECTS", "RELEASE") else "原因：")
        lines += [f"  - {r.split(' / ')[0]}" for r in reasons]
        lines.append("")
    if rows:
        shown = rows[:MAX_LISTED]
        lines.append(f"拒收明细（行号为数据行序号，不含表头；共 {len(rows)} 行"
                     + (f"，此处列出前 {MAX_LISTED} 行，完整清单见附件 CSV）：" if len(rows) > MAX_LISTED else "）："))
        lines += [f"  第 {r.source_row} 行：{r.reason.split(' / ')[0] if ' / ' in r.reason else r.reason}"
                  for r in shown]
        lines.append("")
    lines += [
        f"后续处理：{NEXT_STEP.get(outcome, '')}",
        f"联系：{SUPPORT}；本回执发送至 {f.contact or '（未登记联系人）'}。",
        "",
        "（本回执由系统自动生成，证件号码等个人信息已脱敏。）",
    ]
    return mask_text("\n".join(lines)) + "\n"


def rejects_csv(rejects: Iterable[Any]) -> bytes:
    """Every refused row as CSV (UTF-8 with BOM, so that Excel opens it as UTF-8)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["行号", "规则", "原因"])
    for r in _rows(rejects):
        writer.writerow([r.source_row, r.rules, mask_text(r.reason)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def load_rejects(db_url: str, delivery_id: int) -> list[RejectedRow]:
    with engine(db_url).connect() as conn:
        return [RejectedRow(int(r.source_row), r.reason, r.rules)
                for r in run_sql(conn, "intake/gate_rejects_of_delivery.sql", {"delivery_id": delivery_id})]


def _upload(conn_id: str, remote_path: str, data: bytes) -> None:
    """Write through the feed's Airflow SFTP connection: a ``.part`` file renamed when complete."""
    from airflow.providers.sftp.hooks.sftp import SFTPHook

    hook = SFTPHook(ssh_conn_id=conn_id)
    with tempfile.NamedTemporaryFile(delete=False, suffix=".receipt.txt") as tmp:
        tmp.write(data)
        local = tmp.name
    try:
        with hook.get_managed_conn() as sftp:
            partial = remote_path + ".part"
            sftp.put(local, partial)
            try:
                sftp.posix_rename(partial, remote_path)
            except OSError:
                try:
                    sftp.remove(remote_path)
                except OSError:
                    pass
                sftp.rename(partial, remote_path)
    finally:
        os.unlink(local)


def send_receipt(feed: GateFeed, file_name: str, text: str, rejects: Sequence[RejectedRow] = (),
                 outcome: str = "", *, mail: bool = True, upload: bool = True) -> str:
    """Put a rendered receipt into the feed's SFTP receipts folder and mail it; returns the remote path."""
    name = f"{file_name}.receipt.txt"
    remote = posixpath.join(feed.sftp_receipts or "/", name)
    if upload:
        _upload(feed.sftp_conn_id, remote, text.encode("utf-8"))
    if mail and feed.contact:
        from canbao.alerts import send_mail

        attachments: list[tuple[str, bytes]] = [(name, text.encode("utf-8"))]
        if len(rejects) > MAX_LISTED:
            attachments.append((f"{file_name}.rejects.csv", rejects_csv(rejects)))
        send_mail(feed.contact, f"数据交付回执：{feed.title} {file_name} — {OUTCOME_TEXT.get(outcome, outcome)}",
                  text, attachments)
    log.info("receipt of %s (%s) written to %s", file_name, feed.name, remote)
    return remote


def deliver_receipt(db_url: str, feed: Any, delivery_id: int, decision: Any = None, *,
                    mail: bool = True, upload: bool = True) -> str:
    """Render the receipt of a delivery, put it in the feed's SFTP receipts folder and mail it to the contact.

    ``decision`` defaults to what the database says (the delivery's state and
    counts, its stored reasons). Returns the remote path written.
    """
    f = resolve_feed(feed)
    with engine(db_url).connect() as conn:
        delivery = dict(run_sql(conn, "intake/gate_delivery.sql", {"delivery_id": delivery_id}).mappings().one())
    if decision is None:
        decision = {"outcome": outcome_of(delivery["state"]),
                    "reasons": [r for r in (delivery.get("reason") or "").splitlines() if r],
                    "counts": {"parsed": delivery["rows_parsed"], "rejected": delivery["rows_rejected"],
                               "promoted": delivery["rows_promoted"]}}
    rejects = load_rejects(db_url, delivery_id)
    text = render(f, delivery, decision, rejects)
    return send_receipt(f, delivery["file_name"], text, rejects, outcome_of(decision), mail=mail, upload=upload)
