"""Lists for the bureau's own staff: employer expansion lists (单位扩面名单) and the benefit
stop-list for the deceased (死亡人员停保/停发待遇名单).

These are internal working lists for the analysts, labour inspection and the insurance
agencies: they carry full ID numbers (an agency cannot stop a payment on a masked ID).
They are written under the run's output folder only and never delivered to the towns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from openpyxl import Workbook
from sqlalchemy.engine import Connection

from canbao.db import run_sql
from canbao.outputs.codes import DEATH_SOURCE, ENROLLMENT_STATUS, INSURANCE, SEX, UNIT_TYPE
from canbao.outputs.context import OutputFile, RunContext, safe_name
from canbao.outputs.sheets import write_csv, write_simple_sheet
from canbao.privacy import get_logger

log = get_logger(__name__)

WITHHOLDING_MONTHS = 3  # "paid wages by one in the last 3 months of tax withholding" (DOMAIN.md)


def month_window(ref_date: date, months: int = WITHHOLDING_MONTHS) -> tuple[str, str]:
    """(first, last) ``YYYY-MM`` of the ``months`` months ending with the reference date's month."""
    index = ref_date.year * 12 + ref_date.month - 1 - (months - 1)
    return f"{index // 12:04d}-{index % 12 + 1:02d}", f"{ref_date.year:04d}-{ref_date.month:02d}"


def _by_county(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    grouped: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for r in rows:
        grouped[r.get("county_code") or ""].append(r)
    return grouped


def _save(ctx: RunContext, kind: str, stem: str, title: str, header: Sequence[str],
          rows: Sequence[Mapping[str, Any]], line, widths: Sequence[int]) -> list[OutputFile]:
    """One workbook with a sheet per county (plus the whole list as CSV)."""
    folder = ctx.out_dir / "lists"
    folder.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    wb.remove(wb.active)
    grouped = _by_county(rows)
    for county in sorted(grouped) or [""]:
        ws = wb.create_sheet(title=(county or "地区不详")[:31])
        unit = ctx.names.name(county, "地区不详")
        write_simple_sheet(ws, title, unit, header, [line(r) for r in grouped.get(county, [])], widths)
    xlsx = folder / f"{stem}.xlsx"
    wb.save(xlsx)
    csv_path = folder / f"{stem}.csv"
    n = write_csv(csv_path, ["县(市、区)代码", *header], ([r.get("county_code"), *line(r)] for r in rows))
    return [OutputFile(kind, "", xlsx, len(rows)), OutputFile(kind, "", csv_path, n)]


def build_employer_expansion(conn: Connection, ctx: RunContext) -> list[OutputFile]:
    first, last = month_window(ctx.ref_date)
    params = {"ref_date": ctx.ref_date, "ref_month": last, "from_month": first}
    employers = [dict(r._mapping) for r in run_sql(conn, "outputs/expansion_employers.sql", params)]
    employees = [dict(r._mapping) for r in run_sql(conn, "outputs/expansion_employees.sql", params)]
    files = _save(
        ctx, "employer_expansion", f"employer_expansion_{safe_name(ctx.run_id)}",
        "单位扩面名单（正常经营或纳税但未参保登记的单位）",
        ["统一社会信用代码", "单位名称", "主体类型", "单位类型", "市场监管状态", "成立日期", "最近纳税期", "纳税状态",
         f"近{WITHHOLDING_MONTHS}个月个税扣缴人数", "最近扣缴月份"],
        employers,
        lambda r: [r["uscc"], r["name"], {"ENTERPRISE": "企业", "INDIVIDUAL": "个体工商户"}.get(r["entity_type"] or "", r["entity_type"]),
                   UNIT_TYPE.get(r["unit_type"] or "", r["unit_type"]),
                   {"ACTIVE": "存续", "CANCELLED": "注销", "REVOKED": "吊销"}.get(r["mr_status"] or "", r["mr_status"]),
                   _iso(r["registration_date"]), r["tax_period"],
                   {"NORMAL": "正常", "ABNORMAL": "非正常", "CANCELLED": "注销"}.get(r["tax_status"] or "", r["tax_status"]),
                   r["employees_paid"], r["last_paid_month"]],
        [20, 30, 10, 16, 10, 12, 10, 8, 14, 10],
    )
    files += _save(
        ctx, "employee_expansion", f"employee_expansion_{safe_name(ctx.run_id)}",
        f"单位未予参保人员名单（{first}至{last}有个税扣缴但无该单位职工参保）",
        ["单位统一社会信用代码", "单位名称", "单位社保编号", "单位已参保登记", "公民身份证号码", "姓名", "户籍乡镇(街道)",
         "扣缴起始月", "扣缴最近月", "扣缴月数", "收入合计", "登记库类别"],
        employees,
        lambda r: [r["employer_uscc"], r["employer_name"], r["employer_unit_no"], "是" if r["employer_registered"] else "否",
                   r["person_id"], r["name"], ctx.names.name(r["town_code"]) if r["town_code"] else None,
                   r["first_month"], r["last_month"], r["months_paid"],
                   None if r["income"] is None else float(r["income"]), r["category"]],
        [20, 30, 14, 8, 21, 10, 16, 10, 10, 8, 12, 12],
    )
    log.info("expansion lists: %d employers without registration, %d employees paid without enrollment",
             len(employers), len(employees))
    return files


def build_stop_list(conn: Connection, ctx: RunContext) -> list[OutputFile]:
    rows = [dict(r._mapping) for r in run_sql(conn, "outputs/stop_list.sql")]
    files = _save(
        ctx, "stop_list", f"stop_list_{safe_name(ctx.run_id)}",
        "死亡人员停保/停发待遇名单",
        ["公民身份证号码", "姓名", "性别", "出生日期", "死亡日期", "死亡信息来源", "来源数据日期", "各部门死亡记录",
         "险种代码", "险种", "当前状态", "状态起始日期", "缴费单位", "最近缴费月份", "乡镇(街道)", "比对日期"],
        rows,
        lambda r: [r["person_id"], r["name"], SEX.get(r["sex"] or "", r["sex"]), _iso(r["birth_date"]),
                   _iso(r["deceased_on"]), DEATH_SOURCE.get(r["death_source"] or "", r["death_source"]),
                   r["death_source_as_of"], r["death_sources"], r["insurance_code"],
                   INSURANCE.get(r["insurance_code"] or "", r["insurance_code"]),
                   ENROLLMENT_STATUS.get(r["status"] or "", r["status"]), _iso(r["since"]), r["employer_uscc"],
                   r["last_paid_month"], ctx.names.name(r["town_code"]) if r["town_code"] else None,
                   _iso(r["ref_date"])],
        [21, 10, 6, 12, 12, 14, 12, 36, 8, 20, 10, 12, 20, 10, 16, 12],
    )
    log.info("stop-list: %d enrollments of %d deceased people", len(rows), len({r["person_id"] for r in rows}))
    return files


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
