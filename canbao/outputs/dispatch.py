"""全民参保计划工作调度表（一）and（二） (seed 003), per city, county and town.

Table 1 counts the register the way the seed defines it; the classification's
should-insure population differs from its column 5 by the people known dead
whose household record is not yet cancelled, and every table says how many.
Table 2 sets each quarter's configured expansion target against the people who
became covered in that quarter (completion rate = done / target).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlalchemy.engine import Connection

from canbao.db import run_sql
from canbao.outputs.codes import FAMILIES, FAMILY_ALIASES
from canbao.outputs.context import OutputError, OutputFile, RunContext, safe_name
from canbao.outputs.sheets import BORDER, TITLE_FONT, header_cell, merge_header, set_cell, write_csv
from canbao.paths import CONFIG_DIR
from canbao.privacy import get_logger

log = get_logger(__name__)

COLUMNS = [f"c{i}" for i in range(1, 15)]
LEVEL_ORDER = {"city": 0, "county": 1, "town": 2}


class DispatchFormulaError(OutputError):
    """Table 1 breaks the seed's logical relation (5) = (2) - (3) - (4)."""


# ---------------------------------------------------------------- table 1

def compute_table1(conn: Connection, ctx: RunContext) -> list[dict[str, Any]]:
    """Rows of table 1 (city, counties, towns), checked against the seed's formula."""
    rows = [dict(r._mapping) for r in run_sql(conn, "outputs/dispatch_table1.sql")]
    if not rows:
        rows = [{"region_level": "city", "region_code": "", **{c: 0 for c in COLUMNS},
                 "dead_not_cancelled": 0, "should_insure": 0}]
    for row in rows:
        if row["region_level"] == "city":
            row["region_code"] = ctx.city_code
        row["region_name"] = ctx.region_name(row["region_level"], row["region_code"])
        for key in (*COLUMNS, "dead_not_cancelled", "should_insure"):
            row[key] = int(row[key])
    check_table1_formula(rows)
    return rows


def check_table1_formula(rows: Sequence[Mapping[str, Any]]) -> None:
    """Raise when any row breaks (5) = (2) - (3) - (4), or 7 = 5, or 11 = 13 = 9 (the seed's own identities)."""
    broken = [r for r in rows if r["c5"] != r["c2"] - r["c3"] - r["c4"]
              or r["c7"] != r["c5"] or not (r["c9"] == r["c11"] == r["c13"])]
    if broken:
        where = ", ".join(f"{r['region_level']} {r['region_code']}: 2={r['c2']} 3={r['c3']} 4={r['c4']} 5={r['c5']}"
                          for r in broken[:5])
        raise DispatchFormulaError(f"调度表一 逻辑关系式 (5)=(2)-(3)-(4) 不成立: {where}")


def store_table1(conn: Connection, ctx: RunContext, rows: Sequence[Mapping[str, Any]]) -> None:
    conn.execute(sa.text("delete from base.dispatch_table1 where run_id = :r"), {"r": ctx.run_id})
    cols = ["region_level", "region_code", "region_name", *COLUMNS, "dead_not_cancelled", "should_insure"]
    conn.execute(
        sa.text(f"insert into base.dispatch_table1 (run_id, {', '.join(cols)}) "  # noqa: S608 - fixed names
                f"values (:run_id, {', '.join(':' + c for c in cols)})"),
        [{"run_id": ctx.run_id, **{c: r[c] for c in cols}} for r in rows],
    )
    # The same check in SQL, on what was stored (the table's CHECK constraint holds it too).
    broken = run_sql(conn, "outputs/dispatch_table1_check.sql", {"run_id": ctx.run_id}).all()
    if broken:
        raise DispatchFormulaError(f"调度表一 stored rows break (5)=(2)-(3)-(4): {len(broken)} rows")


TABLE1_HEADS = ["户籍人口数", "16岁以上人口数", "16岁以上在校学生数", "16岁以上现役军人数"]


def write_table1_xlsx(path: Path, ctx: RunContext, unit_name: str, rows: Sequence[Mapping[str, Any]]) -> int:
    """The seed's layout: three header rows (户籍情况 / 数据比对核查情况, insurance, 应参保/未参保),
    the 甲栏 1-14 number row, the 合计 row (first of ``rows``) and one row per sub-region."""
    wb = Workbook()
    ws = wb.active
    ws.title = "调度表一"
    set_cell(ws, 1, 1, "全民参保计划工作调度表（一）").font = TITLE_FONT
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=15)
    set_cell(ws, 2, 1, f"填报单位：{unit_name}")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=8)
    set_cell(ws, 2, 12, f"数据截至：{ctx.ref_date.isoformat()}")
    merge_header(ws, 3, 1, 5, 1, "地区")
    merge_header(ws, 3, 2, 3, 5, "户籍情况")
    merge_header(ws, 3, 6, 3, 15, "数据比对核查情况")
    for i, text in enumerate(TABLE1_HEADS):
        merge_header(ws, 4, 2 + i, 5, 2 + i, text)
    for i, (_, label, _, _) in enumerate(FAMILIES):
        col = 6 + 2 * i
        merge_header(ws, 4, col, 4, col + 1, "基本" + label if i < 2 else label)
        header_cell(ws, 5, col, "应参保人数")
        header_cell(ws, 5, col + 1, "未参保人数")
    header_cell(ws, 6, 1, "甲栏")
    for i in range(1, 15):
        header_cell(ws, 6, 1 + i, i)
    r = 7
    for n, row in enumerate(rows):
        set_cell(ws, r, 1, "合计" if n == 0 else row["region_name"]).border = BORDER
        for i, key in enumerate(_table1_order(), start=2):
            set_cell(ws, r, i, row[key]).border = BORDER
        r += 1
    total = rows[0]
    notes = [
        "逻辑关系式：宾栏 (5) = (2) - (3) - (4)（已校验）。",
        f"注：第5栏含已知死亡但户口尚未注销的 {total['dead_not_cancelled']} 人；"
        f"按分类口径（另除去上述人员）的应参保人数为 {total['should_insure']} 人。",
        "第4栏仅计户籍仍在册的现役军人（入伍注销户口者不在第1栏）；既是在校生又是军人的计入第3栏。",
        "第9、11、13栏为第5栏中的职工（经单位参保或近3个月有个税扣缴）。",
        f"比对批次：{ctx.run_id}",
    ]
    for note in notes:
        r += 1
        set_cell(ws, r, 1, note)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=15)
    ws.column_dimensions["A"].width = 22
    for i in range(2, 16):
        ws.column_dimensions[get_column_letter(i)].width = 11
    ws.freeze_panes = "B7"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return len(rows)


def _table1_order() -> list[str]:
    # columns 5..14 alternate 应参保 / 未参保 per insurance, in the seed's order
    return ["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11", "c12", "c13", "c14"]


def scopes(rows: Sequence[Mapping[str, Any]]) -> list[tuple[str, str, list[Mapping[str, Any]]]]:
    """(file region, unit name, rows) per workbook: the city with its counties, each county with its towns."""
    city = [r for r in rows if r["region_level"] == "city"]
    counties = [r for r in rows if r["region_level"] == "county"]
    towns = [r for r in rows if r["region_level"] == "town"]
    out: list[tuple[str, str, list[Mapping[str, Any]]]] = []
    if city:
        out.append((city[0]["region_code"], city[0]["region_name"], city + counties))
    for county in counties:
        out.append((county["region_code"], county["region_name"],
                    [county] + [t for t in towns if t["region_code"].startswith(county["region_code"])]))
    return out


def build_table1(conn: Connection, ctx: RunContext) -> tuple[list[dict[str, Any]], list[OutputFile]]:
    rows = compute_table1(conn, ctx)
    store_table1(conn, ctx, rows)
    files: list[OutputFile] = []
    folder = ctx.out_dir / "dispatch"
    for region, unit, scoped in scopes(rows):
        path = folder / f"dispatch_table1_{safe_name(region)}.xlsx"
        files.append(OutputFile("dispatch_table1", region, path, write_table1_xlsx(path, ctx, unit, scoped)))
    header = ["region_level", "region_code", "甲栏", "1户籍人口数", "2 16岁以上人口数", "3 16岁以上在校学生数",
              "4 16岁以上现役军人数", "5养老应参保", "6养老未参保", "7医疗应参保", "8医疗未参保", "9工伤应参保",
              "10工伤未参保", "11生育应参保", "12生育未参保", "13失业应参保", "14失业未参保",
              "已知死亡未注销(含于5)", "分类口径应参保"]
    path = folder / "dispatch_table1.csv"
    n = write_csv(path, header, ([r["region_level"], r["region_code"], r["region_name"], *[r[c] for c in COLUMNS],
                                  r["dead_not_cancelled"], r["should_insure"]] for r in rows))
    files.append(OutputFile("dispatch_table1", "", path, n))
    log.info("dispatch table 1: %d regions, city c1=%d c5=%d", len(rows), rows[0]["c1"], rows[0]["c5"])
    return rows, files


# ---------------------------------------------------------------- table 2

@dataclass(frozen=True)
class Quarter:
    year: int
    q: int

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.q}"

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.q - 2, 1)

    @property
    def end(self) -> date:
        nxt = Quarter(self.year + (self.q == 4), 1 if self.q == 4 else self.q + 1).start
        return date.fromordinal(nxt.toordinal() - 1)

    @classmethod
    def parse(cls, text: str) -> Quarter:
        year, _, q = text.upper().partition("Q")
        return cls(int(year), int(q))

    @classmethod
    def previous_of(cls, day: date) -> Quarter:
        """上季度: the quarter before the one the reference date falls in."""
        q = (day.month - 1) // 3 + 1
        return cls(day.year - 1, 4) if q == 1 else cls(day.year, q - 1)


def load_targets(path: Path | None = None) -> dict:
    """The ``expansion_targets`` mapping: config/canbao.yaml when it has the key, else
    config/expansion_targets.yaml (see that file for the layout)."""
    candidates = [path] if path else [CONFIG_DIR / "canbao.yaml", CONFIG_DIR / "expansion_targets.yaml"]
    for candidate in candidates:
        if candidate and candidate.is_file():
            data = yaml.safe_load(candidate.read_text(encoding="utf-8")) or {}
            if isinstance(data, dict) and "expansion_targets" in data:
                return data["expansion_targets"] or {}
    return {}


def _family_counts(raw: Mapping[str, Any] | None) -> dict[str, int]:
    out: dict[str, int] = {}
    for key, value in (raw or {}).items():
        family = FAMILY_ALIASES.get(str(key))
        if family is None:
            raise OutputError(f"expansion target for unknown insurance {key!r} (use 养老/医疗/工伤/生育/失业)")
        out[family] = int(value)
    return out


def targets_for(targets: Mapping[str, Any], quarter: Quarter, region_level: str, region_code: str,
                ) -> tuple[dict[str, int], dict[str, int]]:
    """(quarter target, annual plan) per family for one region; the city may be keyed ``city``."""
    year = targets.get(str(quarter.year)) or targets.get(quarter.year) or {}
    keys = [region_code] + (["city"] if region_level == "city" else [])

    def pick(section: Mapping[str, Any] | None) -> dict[str, int]:
        for k in keys:
            if section and k in section:
                return _family_counts(section[k])
        return {}

    return pick(year.get(f"Q{quarter.q}")), pick(year.get("plan"))


def compute_table2(conn: Connection, ctx: RunContext, quarter: Quarter, targets: Mapping[str, Any],
                   regions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per region of table 1, with target, done and rate per family."""
    done_rows = run_sql(conn, "outputs/dispatch_table2_done.sql",
                        {"quarter_start": quarter.start, "quarter_end": quarter.end}).all()
    done: dict[tuple[str, str], Mapping[str, Any]] = {}
    for r in done_rows:
        m = dict(r._mapping)
        code = ctx.city_code if m["region_level"] == "city" else m["region_code"]
        done[(m["region_level"], code)] = m
    out = []
    for region in regions:
        level, code = region["region_level"], region["region_code"]
        target, plan = targets_for(targets, quarter, level, code)
        row: dict[str, Any] = {"region_level": level, "region_code": code, "region_name": region["region_name"]}
        for family, _, _, _ in FAMILIES:
            d = int((done.get((level, code)) or {}).get(family) or 0)
            t = target.get(family)
            row[family] = {"target": t, "done": d, "rate": (d / t) if t else None, "plan": plan.get(family)}
        out.append(row)
    return out


def store_table2(conn: Connection, ctx: RunContext, quarter: Quarter, rows: Sequence[Mapping[str, Any]]) -> None:
    conn.execute(sa.text("delete from base.dispatch_table2 where run_id = :r and quarter = :q"),
                 {"r": ctx.run_id, "q": quarter.label})
    params = []
    for row in rows:
        for family, _, _, _ in FAMILIES:
            f = row[family]
            params.append({"run_id": ctx.run_id, "quarter": quarter.label, "region_level": row["region_level"],
                           "region_code": row["region_code"], "region_name": row["region_name"], "family": family,
                           "target": f["target"], "done": f["done"],
                           "rate": None if f["rate"] is None else round(f["rate"], 4), "plan": f["plan"]})
    if params:
        conn.execute(sa.text(
            "insert into base.dispatch_table2 (run_id, quarter, region_level, region_code, region_name, family, "
            "target, done, completion_rate, annual_plan) values (:run_id, :quarter, :region_level, :region_code, "
            ":region_name, :family, :target, :done, :rate, :plan)"), params)


def write_table2_xlsx(path: Path, ctx: RunContext, quarter: Quarter, unit_name: str,
                      rows: Sequence[Mapping[str, Any]]) -> int:
    wb = Workbook()
    ws = wb.active
    ws.title = "调度表二"
    set_cell(ws, 1, 1, "全民参保计划工作调度表（二）").font = TITLE_FONT
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=21)
    set_cell(ws, 2, 1, f"填报单位：{unit_name}")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=8)
    set_cell(ws, 2, 12, f"上季度：{quarter.label}（{quarter.start.isoformat()} 至 {quarter.end.isoformat()}）")
    merge_header(ws, 3, 1, 5, 1, "项目")
    merge_header(ws, 3, 2, 3, 16, "上季度扩面任务完成情况")
    merge_header(ws, 3, 17, 3, 21, "本年度扩面计划")
    for i, (_, label, _, _) in enumerate(FAMILIES):
        col = 2 + 3 * i
        merge_header(ws, 4, col, 4, col + 2, "基本" + label if i < 2 else label)
        header_cell(ws, 5, col, "上季度扩面任务")
        header_cell(ws, 5, col + 1, "上季度已完成扩面人数")
        header_cell(ws, 5, col + 2, "完成率")
        merge_header(ws, 4, 17 + i, 5, 17 + i, ("基本" + label if i < 2 else label) + "扩面人数")
    header_cell(ws, 6, 1, "甲栏")
    for i in range(1, 21):
        header_cell(ws, 6, 1 + i, i)
    r = 7
    for n, row in enumerate(rows):
        set_cell(ws, r, 1, "合计" if n == 0 else row["region_name"]).border = BORDER
        for i, (family, _, _, _) in enumerate(FAMILIES):
            f = row[family]
            set_cell(ws, r, 2 + 3 * i, f["target"]).border = BORDER
            set_cell(ws, r, 3 + 3 * i, f["done"]).border = BORDER
            rate = set_cell(ws, r, 4 + 3 * i, None if f["rate"] is None else round(f["rate"], 4))
            rate.number_format = "0.00%"
            rate.border = BORDER
            set_cell(ws, r, 17 + i, f["plan"]).border = BORDER
        r += 1
    for note in ["审核：            填表：            电话：",
                 "主要指标解释 宾栏：完成率=上季度已完成扩面人数/上季度计划扩面人数",
                 "已完成扩面人数：该季度内（按比对数据日期）由未参保变为参保的人数，取自参保登记基础库历史版本。",
                 f"比对批次：{ctx.run_id}；数据截至：{ctx.ref_date.isoformat()}"]:
        r += 1
        set_cell(ws, r, 1, note)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=21)
    ws.column_dimensions["A"].width = 22
    ws.freeze_panes = "B7"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return len(rows)


def build_table2(conn: Connection, ctx: RunContext, table1_rows: Sequence[Mapping[str, Any]],
                 quarter: Quarter | None = None, targets: Mapping[str, Any] | None = None,
                 ) -> tuple[list[dict[str, Any]], list[OutputFile]]:
    quarter = quarter or Quarter.previous_of(ctx.ref_date)
    targets = load_targets() if targets is None else targets
    rows = compute_table2(conn, ctx, quarter, targets, table1_rows)
    store_table2(conn, ctx, quarter, rows)
    files: list[OutputFile] = []
    folder = ctx.out_dir / "dispatch"
    by_code = {(r["region_level"], r["region_code"]): r for r in rows}
    for region, unit, scoped in scopes(table1_rows):
        picked = [by_code[(r["region_level"], r["region_code"])] for r in scoped]
        path = folder / f"dispatch_table2_{quarter.label}_{safe_name(region)}.xlsx"
        files.append(OutputFile("dispatch_table2", region, path, write_table2_xlsx(path, ctx, quarter, unit, picked)))
    header = ["quarter", "region_level", "region_code", "甲栏"]
    for _, label, _, _ in FAMILIES:
        header += [f"{label}上季度扩面任务", f"{label}上季度已完成扩面人数", f"{label}完成率"]
    header += [f"{label}本年度扩面计划" for _, label, _, _ in FAMILIES]

    def line(row: Mapping[str, Any]) -> list[Any]:
        out: list[Any] = [quarter.label, row["region_level"], row["region_code"], row["region_name"]]
        for family, _, _, _ in FAMILIES:
            f = row[family]
            out += [f["target"], f["done"], None if f["rate"] is None else round(f["rate"], 4)]
        return out + [row[family]["plan"] for family, _, _, _ in FAMILIES]

    path = folder / f"dispatch_table2_{quarter.label}.csv"
    files.append(OutputFile("dispatch_table2", "", path, write_csv(path, header, (line(r) for r in rows))))
    return rows, files
