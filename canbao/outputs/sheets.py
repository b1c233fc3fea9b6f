"""Spreadsheet and CSV writing that no spreadsheet can turn into a formula.

Rosters carry names, addresses and employer names typed by other departments
and by the towns; a value such as ``=HYPERLINK(...)`` must stay text when a
town clerk opens the workbook (CSV/formula injection). Every text cell is
written as a string (``data_type = 's'``) and, when it starts with a
character a spreadsheet treats as a formula (= + - @, tab, CR), also with
the ``quotePrefix`` style so that Excel and LibreOffice show and keep it as text.
CSV has no cell types, so there such a value gets the OWASP-recommended
leading apostrophe.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

THIN = Side(style="thin")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FONT = Font(bold=True)
TITLE_FONT = Font(bold=True, size=14)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
VERIFY_FILL = PatternFill(fill_type="solid", start_color="FFFFFF99", end_color="FFFFFF99")  # 核对项
REASON_FILL = PatternFill(fill_type="solid", start_color="FFFFD8B0", end_color="FFFFD8B0")  # 未参保原因待填


def set_cell(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write one value; text is always a string cell, never a formula."""
    cell = ws.cell(row=row, column=column)
    if value is None:
        return cell
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
        if value.startswith(FORMULA_START):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def header_cell(ws: Worksheet, row: int, column: int, text: str | int, *, bold: bool = True) -> Cell:
    cell = set_cell(ws, row, column, text)
    cell.alignment = CENTER
    cell.border = BORDER
    if bold:
        cell.font = HEADER_FONT
    return cell


def merge_header(ws: Worksheet, first_row: int, first_col: int, last_row: int, last_col: int, text: str | int) -> None:
    """A merged header cell with borders on every cell of the range (so printed grids close)."""
    for r in range(first_row, last_row + 1):
        for c in range(first_col, last_col + 1):
            ws.cell(row=r, column=c).border = BORDER
    header_cell(ws, first_row, first_col, text)
    if (first_row, first_col) != (last_row, last_col):
        ws.merge_cells(start_row=first_row, start_column=first_col, end_row=last_row, end_column=last_col)


def csv_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """UTF-8 with BOM (Excel in a Chinese locale opens it right); returns data rows written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else csv_safe(v) for v in row])
            n += 1
    return n


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_simple_sheet(ws: Worksheet, title: str, unit: str, header: Sequence[str],
                       rows: Iterable[Sequence[Any]], widths: Sequence[int] | None = None) -> int:
    """A title row, a 填报单位 row, one header row and the data rows; returns data rows written."""
    set_cell(ws, 1, 1, title).font = TITLE_FONT
    set_cell(ws, 2, 1, f"填报单位：{unit}")
    for i, text in enumerate(header, start=1):
        header_cell(ws, 3, i, text)
    n = 0
    for n, row in enumerate(rows, start=1):
        for i, value in enumerate(row, start=1):
            set_cell(ws, 3 + n, i, value).border = BORDER
    for i, width in enumerate(widths or [], start=1):
        ws.column_dimensions[_col(i)].width = width
    ws.freeze_panes = "A4"
    return n


def _col(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)
