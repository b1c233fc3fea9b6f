"""Registration rate and data completeness per region against the plan's goals (seed 004: 90 % / 80 %).

Definitions (also in canbao/outputs/README.md):
- registration rate = should-insure persons covered by a pension (active or receiving, here
  or elsewhere) / should-insure persons;
- data completeness = base persons with all seven identity facts of the survey form present
  and none differing between public security and social insurance / base persons.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from openpyxl import Workbook
from sqlalchemy.engine import Connection

from canbao.db import run_sql
from canbao.outputs.context import OutputFile, RunContext
from canbao.outputs.sheets import set_cell, write_csv, write_simple_sheet

REGISTRATION_GOAL = 0.90
COMPLETENESS_GOAL = 0.80


def compute_indicators(conn: Connection, ctx: RunContext) -> list[dict[str, Any]]:
    rows = []
    for r in run_sql(conn, "outputs/indicators.sql"):
        m = dict(r._mapping)
        if m["region_level"] == "city":
            m["region_code"] = ctx.city_code
        m["region_name"] = ctx.region_name(m["region_level"], m["region_code"])
        m["registration_rate"] = m["pension_covered"] / m["should_insure"] if m["should_insure"] else None
        m["completeness"] = m["complete_persons"] / m["base_persons"] if m["base_persons"] else None
        rows.append(m)
    return rows


def build_indicators(conn: Connection, ctx: RunContext) -> tuple[list[dict[str, Any]], list[OutputFile]]:
    rows = compute_indicators(conn, ctx)
    conn.execute(sa.text("delete from base.output_indicator where run_id = :r"), {"r": ctx.run_id})
    if rows:
        conn.execute(sa.text(
            "insert into base.output_indicator (run_id, region_level, region_code, region_name, should_insure, "
            "pension_covered, registration_rate, base_persons, complete_persons, completeness, registration_goal, "
            "completeness_goal) values (:run_id, :region_level, :region_code, :region_name, :should_insure, "
            ":pension_covered, :registration_rate, :base_persons, :complete_persons, :completeness, :rg, :cg)"),
            [{**r, "run_id": ctx.run_id, "rg": REGISTRATION_GOAL, "cg": COMPLETENESS_GOAL,
              "registration_rate": _round(r["registration_rate"]), "completeness": _round(r["completeness"])}
             for r in rows])
    header = ["层级", "地区代码", "地区", "应参保人数", "其中养老已参保", "参保登记率", "达到90%",
              "基础库人数", "信息完整且一致人数", "数据完整度", "达到80%"]
    lines = [_line(r) for r in rows]
    folder = ctx.out_dir / "indicators"
    csv_path = folder / "indicators.csv"
    files = [OutputFile("indicators", "", csv_path, write_csv(csv_path, header, lines))]
    wb = Workbook()
    ws = wb.active
    ws.title = "登记率与完整度"
    n = write_simple_sheet(ws, "全民参保登记率与数据完整度", ctx.city_name, header, lines,
                           widths=[8, 14, 20, 12, 14, 12, 10, 12, 18, 12, 10])
    set_cell(ws, 5 + n, 1, "参保登记率 = 应参保人员中养老保险参保(缴费或领取待遇，含省内外)人数 / 应参保人数；"
                           "数据完整度 = 姓名、性别、身份证号、出生日期、民族、常住地址、手机七项齐全且公安与社保一致的人数 / 基础库人数。")
    xlsx_path = folder / "indicators.xlsx"
    folder.mkdir(parents=True, exist_ok=True)
    wb.save(xlsx_path)
    files.append(OutputFile("indicators", "", xlsx_path, n))
    return rows, files


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _line(r: Mapping[str, Any]) -> Sequence[Any]:
    level = {"city": "市", "county": "县(市、区)", "town": "乡镇(街道)"}[r["region_level"]]
    rate, comp = r["registration_rate"], r["completeness"]
    return [level, r["region_code"], r["region_name"], r["should_insure"], r["pension_covered"], _round(rate),
            "" if rate is None else ("是" if rate >= REGISTRATION_GOAL else "否"),
            r["base_persons"], r["complete_persons"], _round(comp),
            "" if comp is None else ("是" if comp >= COMPLETENESS_GOAL else "否")]
