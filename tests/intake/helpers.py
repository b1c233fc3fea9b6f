"""Small builders of department files for the intake tests (no personal data: synthetic IDs)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from canbao.ids import check_char

PS_HEADER = ["公民身份号码", "姓名", "性别", "民族", "出生日期", "户号", "户籍地区划", "户籍地址", "居住地址",
             "联系电话", "户口性质", "户口状态", "注销日期", "是否服役"]


def citizen_id(n: int, birth: str = "19800101", region: str = "330604", male: bool = True) -> str:
    """A valid 18-character ID with sequence derived from ``n`` (odd sequence = male)."""
    seq = (n * 2 + (1 if male else 0)) % 1000
    body = f"{region}{birth}{seq:03d}"
    return body + check_char(body)


def ps_row(n: int, **over: str) -> list[str]:
    row = {
        "公民身份号码": citizen_id(n), "姓名": "张三", "性别": "男", "民族": "01", "出生日期": "19800101",
        "户号": f"H{n:08d}", "户籍地区划": "330604001001", "户籍地址": "越城区某路1号", "居住地址": "某小区2幢",
        "联系电话": "13800000000", "户口性质": "农业", "户口状态": "正常", "注销日期": "", "是否服役": "否",
    }
    row.update(over)
    return [row[h] for h in PS_HEADER]


def ps_text(rows: list[list[str]], header: bool = True) -> str:
    lines = (["|".join(PS_HEADER)] if header else []) + ["|".join(r) for r in rows]
    return "\r\n".join(lines) + "\r\n"


def manifest_for(data: bytes, file_name: str, rows: int, as_of: str = "2026-03-01", **over) -> bytes:
    doc = {"file": file_name, "bytes": len(data), "rows": rows, "sha256": hashlib.sha256(data).hexdigest(),
           "as_of": as_of}
    doc.update(over)
    return json.dumps(doc, ensure_ascii=False).encode()


def drop(folder: Path, file_name: str, data: bytes, rows: int | None = None, proof: str = "manifest",
         as_of: str = "2026-03-01", **manifest_over) -> Path:
    """Put a delivery (data file, then its proof) into a served inbox folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / file_name).write_bytes(data)
    if proof == "manifest":
        (folder / (file_name + ".manifest.json")).write_bytes(
            manifest_for(data, file_name, rows if rows is not None else 0, as_of, **manifest_over))
    elif proof:
        (folder / (file_name + proof)).write_bytes(b"")
    return folder / file_name
