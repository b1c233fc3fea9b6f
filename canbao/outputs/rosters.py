"""入户调查名册: survey rosters per town (one workbook) and village (one sheet), in the column
layout and headings of the Zhejiang form 浙江省全民参保登记个人信息登记(核对)表 (seed 002, 附件2).

Pre-filled from the registration base so the surveyor only checks and completes: the cells
of facts that differ between public security and social insurance (or are missing) are
coloured and listed in 备注 (``核对: 姓名、手机``); insurances without coverage carry the
base's likely reason code and are coloured for the surveyor to confirm. Full ID numbers are
printed (the towns need them); file and sheet names carry only region codes.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.engine import Connection

from canbao.db import run_sql
from canbao.outputs.codes import (
    CATEGORY,
    ETHNICITY,
    FAMILIES,
    IDENTITY_FACTS,
    NO_EMPLOYER_NOTE,
    PERSONAL_STATUS,
    PERSONAL_STATUS_FROM_EMPLOYMENT,
    REASON,
    REVIEW_FLAG,
    SEX,
    UNIT_TYPE,
)
from canbao.outputs.context import OutputFile, RunContext, safe_name
from canbao.outputs.sheets import (
    BORDER,
    CENTER,
    REASON_FILL,
    TITLE_FONT,
    VERIFY_FILL,
    header_cell,
    merge_header,
    set_cell,
)
from canbao.privacy import get_logger

log = get_logger(__name__)

FORM_TITLE = "浙江省全民参保登记个人信息登记(核对)表"
# Physical columns A..S: items 1-12, item 13 over five insurances, 14 备注, 15 签名.
SINGLE_HEADS = {1: "序号", 2: "姓 名", 3: "性别", 4: "公民身份证号码", 5: "出生日期", 6: "民族", 7: "户口所在地",
                8: "常住所在地地址", 9: "手机(联系电话)", 12: "个人身份", 18: "备 注", 19: "签 名"}
EMPLOYMENT_HEAD = (10, 11, "就业状态", ["单位名称", "单位类型"])
INSURANCE_HEAD = (13, 17, "现参保情况及未参保原因", [label for _, label, _, _ in FAMILIES])
ITEM_OF_COLUMN = {**{c: c for c in range(1, 13)}, 13: 13, 18: 14, 19: 15}  # column -> form item number
FACT_COLUMN = {"name": 2, "sex": 3, "person_id": 4, "birth_date": 5, "ethnicity": 6, "residence_address": 8,
               "phone": 9}
FIRST_DATA_ROW = 6
N_COLUMNS = 19
WIDTHS = [6, 10, 6, 21, 12, 8, 24, 24, 14, 22, 8, 8, 8, 8, 8, 8, 8, 30, 10]


def _norm_address(text: str | None) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def roster_line(p: Mapping[str, Any], names: Any = None) -> tuple[list[Any], set[int], set[int], str]:
    """One person's 19 cells, the columns to mark for checking, the insurance columns whose
    reason the survey must confirm, and the 备注 text."""
    verify: set[int] = set()
    confirm: set[int] = set()
    missing: list[str] = []
    mismatched = [f for f in (p.get("mismatched_fields") or []) if f in IDENTITY_FACTS]
    for fact in mismatched:
        verify.add(FACT_COLUMN[fact])

    def fact(key: str, value: Any) -> Any:
        if value in (None, ""):
            verify.add(FACT_COLUMN[key])
            missing.append(IDENTITY_FACTS[key])
        return value

    birth = p.get("birth_date")
    eth = p.get("ethnicity")
    hukou_place = p.get("hukou_address") or (names.name(p.get("hukou_region")) if names else p.get("hukou_region"))
    residence = p.get("residence_address")
    if residence and hukou_place and _norm_address(residence) == _norm_address(p.get("hukou_address")):
        residence_cell: Any = "√"
    else:
        residence_cell = fact("residence_address", residence)
    employer = p.get("employer_name") or NO_EMPLOYER_NOTE.get(p.get("employment_status") or "", None)
    if p.get("military"):
        status = "9"
    else:
        status = PERSONAL_STATUS_FROM_EMPLOYMENT.get(p.get("employment_status") or "")
    reasons = p.get("reasons") or {}
    insurance_cells: list[Any] = []
    for i, (_, _, cov_key, codes) in enumerate(FAMILIES):
        if p.get(cov_key):
            insurance_cells.append("√")
            continue
        reason = next((str(reasons[c]) for c in codes if c in reasons), None)
        if reason is not None or i < 2:  # the form asks pension and medical of everyone
            confirm.add(13 + i)
        insurance_cells.append(reason)
    cells = [
        None,  # 序号, set by the sheet
        fact("name", p.get("name")),
        fact("sex", SEX.get(str(p.get("sex") or ""), p.get("sex"))),
        fact("person_id", p.get("person_id")),
        fact("birth_date", birth.isoformat() if isinstance(birth, date) else birth),
        fact("ethnicity", ETHNICITY.get(str(eth or ""), eth)),
        hukou_place,
        residence_cell,
        fact("phone", p.get("phone")),
        employer,
        p.get("unit_type"),
        status,
        *insurance_cells,
        None,  # 备注, below
        None,  # 签名: the person signs in the field
    ]
    notes = [f"类别: {CATEGORY.get(p.get('category') or '', p.get('category') or '')}"]
    if mismatched:
        notes.append("核对: " + "、".join(IDENTITY_FACTS[f] for f in mismatched))
    if missing:
        notes.append("补充: " + "、".join(dict.fromkeys(missing)))
    if p.get("non_enrollment_reason") == "3" or "3" in {str(v) for v in reasons.values()}:
        if p.get("reason_employer_name"):
            notes.append(f"单位未予参保, 工作单位名称: {p['reason_employer_name']}")
    if p.get("elsewhere"):
        notes.append("外地参保: " + ", ".join(f"{k}:{v}" for k, v in sorted(p["elsewhere"].items())))
    flags = p.get("review_flags") or []
    if flags:
        notes.append("复核: " + "、".join(REVIEW_FLAG.get(f, f) for f in flags))
    cells[17] = "; ".join(notes)
    return cells, verify, confirm, cells[17]


def _write_header(ws: Worksheet, town_name: str, village_name: str) -> None:
    set_cell(ws, 1, 1, FORM_TITLE).font = TITLE_FONT
    ws.cell(row=1, column=1).alignment = CENTER
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=N_COLUMNS)
    set_cell(ws, 2, 1, f"乡镇(街道)：{town_name}")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=5)
    set_cell(ws, 2, 6, f"村(社区)：{village_name}")
    ws.merge_cells(start_row=2, start_column=6, end_row=2, end_column=10)
    set_cell(ws, 2, 11, "填表人签名：")
    ws.merge_cells(start_row=2, start_column=11, end_row=2, end_column=15)
    set_cell(ws, 2, 16, "填报日期：")
    ws.merge_cells(start_row=2, start_column=16, end_row=2, end_column=19)
    for col, text in SINGLE_HEADS.items():
        merge_header(ws, 3, col, 4, col, text)
    for first, last, text, subs in (EMPLOYMENT_HEAD, INSURANCE_HEAD):
        merge_header(ws, 3, first, 3, last, text)
        for i, sub in enumerate(subs):
            header_cell(ws, 4, first + i, sub)
    for col, item in ITEM_OF_COLUMN.items():
        if col == 13:
            merge_header(ws, 5, 13, 5, 17, item)  # item 13 spans the five insurances
        else:
            header_cell(ws, 5, col, item)
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=3)


def write_village_sheet(ws: Worksheet, town_name: str, village_name: str, people: Sequence[Mapping[str, Any]],
                        names: Any = None) -> int:
    _write_header(ws, town_name, village_name)
    for n, person in enumerate(people, start=1):
        row = FIRST_DATA_ROW + n - 1
        cells, verify, confirm, _ = roster_line(person, names)
        cells[0] = n
        for col, value in enumerate(cells, start=1):
            cell = set_cell(ws, row, col, value)
            cell.border = BORDER
            if col in verify:
                cell.fill = VERIFY_FILL
            elif col in confirm:
                cell.fill = REASON_FILL
    return len(people)


def _write_codes_sheet(ws: Worksheet) -> None:
    """The form's 填写说明 code lists, so the surveyor needs no other paper."""
    set_cell(ws, 1, 1, "填写说明(代码)").font = TITLE_FONT
    r = 2
    for title, codes in (("单位类型(11)", UNIT_TYPE), ("个人身份(12)", PERSONAL_STATUS),
                         ("未参保原因(13)", REASON)):
        r += 1
        set_cell(ws, r, 1, title).font = TITLE_FONT
        for code, label in codes.items():
            r += 1
            set_cell(ws, r, 1, code)
            set_cell(ws, r, 2, label)
    r += 2
    set_cell(ws, r, 1, "黄色: 公安与社保不一致或缺项，请核对；橙色: 未参保险种，请核实未参保原因。"
                       "户口所在地与常住地址一致的打“√”。已参保险种为“√”。")
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 40


def write_town_workbook(path: Path, ctx: RunContext, town_code: str, people: Sequence[Mapping[str, Any]]) -> int:
    """One workbook per town: a sheet per village (named by its code), then the code lists."""
    by_village: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for p in people:
        by_village[p["village_code"]].append(p)
    wb = Workbook()
    wb.remove(wb.active)
    town_name = ctx.names.name(town_code)
    for village_code in sorted(by_village):
        ws = wb.create_sheet(title=village_code[-31:])
        village_name = ctx.names.name(village_code) if not village_code.endswith("000") or \
            village_code in ctx.names.names else "村(社区)不详"
        write_village_sheet(ws, town_name, village_name, by_village[village_code], ctx.names)
    _write_codes_sheet(wb.create_sheet(title="填写说明"))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return len(people)


def roster_file_name(ctx: RunContext, town_code: str) -> str:
    return f"roster_{safe_name(town_code)}_{safe_name(ctx.run_id)}.xlsx"


def build_rosters(conn: Connection, ctx: RunContext) -> list[OutputFile]:
    by_town: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in run_sql(conn, "outputs/roster_persons.sql"):
        by_town[r.town_code].append(dict(r._mapping))
    files = []
    for town_code, people in sorted(by_town.items()):
        path = ctx.out_dir / "rosters" / roster_file_name(ctx, town_code)
        files.append(OutputFile("roster", town_code, path, write_town_workbook(path, ctx, town_code, people)))
    log.info("rosters: %d towns, %d people to survey", len(files), sum(f.rows for f in files))
    return files
