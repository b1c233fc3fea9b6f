"""Writing deliveries: text files through csv writers, fixed-width text, and a small deterministic
xlsx writer, each followed by its completion proof (manifest JSON or ``.ok`` marker).

The xlsx writer is our own (inline strings, fixed zip timestamps) because openpyxl stamps the
current time into every workbook, and the same seed must give the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import json
import zipfile
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape

EXCEL_MAX_ROWS = 1_048_576


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_proof(path: Path, rows: int, as_of: str, proof: str) -> Path:
    """The completion proof beside the data file: ``<file>.manifest.json`` or an empty ``<file>.ok``."""
    if proof == "marker":
        marker = path.with_name(path.name + ".ok")
        marker.write_bytes(b"")
        return marker
    manifest = {"file": path.name, "bytes": path.stat().st_size, "rows": rows, "sha256": sha256_of(path),
                "as_of": as_of}
    out = path.with_name(path.name + ".manifest.json")
    out.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return out


def write_delimited(path: Path, header: list[str] | None, rows: Iterable[list[str]], encoding: str,
                    delimiter: str, quoting: bool = True) -> int:
    """Write a delimited text file; returns the number of data rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f, delimiter=delimiter, lineterminator="\r\n",
                       quoting=csv.QUOTE_MINIMAL if quoting else csv.QUOTE_NONE)
        if header:
            w.writerow(header)
        for row in rows:
            w.writerow(row)
            n += 1
    return n


def write_fixed(path: Path, widths: list[int], rows: Iterable[list[str]], encoding: str) -> int:
    """Fixed-width text: each field left-aligned and padded with spaces to its width in characters."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with open(path, "w", encoding=encoding, newline="") as f:
        for row in rows:
            line = "".join(str(v)[:w].ljust(w) for v, w in zip(row, widths, strict=True))
            f.write(line + "\r\n")
            n += 1
    return n


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


_FIXED_TIME = (2026, 1, 1, 0, 0, 0)
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '</Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WB_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>')


def write_xlsx(path: Path, rows: list[list[str]], sheet_name: str = "Sheet1") -> None:
    """A one-sheet workbook of text cells (inline strings). Deterministic bytes for the same rows."""
    if len(rows) > EXCEL_MAX_ROWS:
        raise ValueError(f"{path.name}: {len(rows)} rows exceed one sheet's {EXCEL_MAX_ROWS}")
    path.parent.mkdir(parents=True, exist_ok=True)
    parts = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
    for r, row in enumerate(rows, start=1):
        cells = "".join(
            f'<c r="{_col(c)}{r}" t="inlineStr"><is><t xml:space="preserve">{escape(str(v))}</t></is></c>'
            for c, v in enumerate(row) if v is not None and v != "")
        parts.append(f'<row r="{r}">{cells}</row>')
    parts.append("</sheetData></worksheet>")
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{escape(sheet_name)}" sheetId="1" r:id="rId1"/></sheets></workbook>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in (("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _RELS),
                           ("xl/workbook.xml", workbook), ("xl/_rels/workbook.xml.rels", _WB_RELS),
                           ("xl/worksheets/sheet1.xml", "".join(parts))):
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data.encode("utf-8"))
