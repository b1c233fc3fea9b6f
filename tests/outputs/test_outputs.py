"""Outputs on a handcrafted registration base with known answers (real PostgreSQL, real SFTP)."""

from __future__ import annotations

import csv
import zipfile
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from outputs_base import ensure_base_tables, insert, make_id, make_uscc, person

from canbao.db import engine
from canbao.outputs.build import build_outputs, deliver_rosters
from canbao.outputs.deliver import SftpTarget, conn_from_airflow
from canbao.outputs.dispatch import DispatchFormulaError, Quarter, check_table1_formula
from canbao.outputs.sheets import VERIFY_FILL

V1A, V1B = "330604001001", "330604001002"   # town 1, two villages
V2A, V2B = "330604002001", "330604002002"   # town 2, two villages
FORMULA_NAME = '=HYPERLINK("http://evil.example","点我")'

E_ACTIVE_UNREGISTERED = make_uscc("330604", 1)
E_REGISTERED = make_uscc("330604", 2)
E_TAX_ONLY = make_uscc("330604", 3)
E_ABNORMAL = make_uscc("330604", 4)
I_NO_EMPLOYEES = make_uscc("330604", 5)

P = {k: make_id("330604", b, s) for k, b, s in [
    ("insured", "19860101", 11), ("uninsured", "19900202", 21), ("student", "20080303", 31),
    ("soldier", "20040404", 41), ("child", "20160505", 51), ("partial", "19850606", 61),
    ("dead_uncancelled", "19560707", 71), ("moved_out", "19800808", 81), ("elsewhere", "19810909", 91),
    ("deceased_active", "19500110", 13), ("employee", "19870211", 15), ("lapsed", "19960312", 17),
    ("newcomer", "19950413", 19)]}


def handcrafted_base() -> list[dict]:
    return [
        person(P["insured"], V1A, name="李一"),
        person(P["uninsured"], V1A, name=FORMULA_NAME, category="UNINSURED", cov_pension=False, cov_medical=False,
               ins_170=None, ins_390=None, reasons={"110": "1", "310": "1"}, non_enrollment_reason="1",
               phone="+8613900000000"),
        person(P["student"], V1B, age=18, student=True, should_insure=False, category="NOT_APPLICABLE",
               cov_pension=False, cov_medical=True, ins_170=None, reasons={"110": "4"}, employment_status="STUDENT"),
        person(P["soldier"], V2A, age=22, military=True, should_insure=False, category="NOT_APPLICABLE",
               cov_pension=False, cov_medical=False, reasons={"110": "5", "310": "5"}),
        person(P["child"], V2A, age=10, should_insure=False, category="NOT_APPLICABLE", cov_pension=False,
               employment_status="PRESCHOOL"),
        person(P["partial"], V2A, name="王五", is_employee=True, employment_status="EMPLOYED",
               employer_uscc=E_REGISTERED, employer_name="上虞示范有限公司", category="PARTIAL",
               ins_110="ACTIVE", ins_310="ACTIVE", ins_170=None, ins_390=None,
               reasons={"410": "3", "510": "3", "210": "3"}, non_enrollment_reason="3",
               reason_employer_uscc=E_REGISTERED, mismatched_fields=["name", "phone"]),
        person(P["dead_uncancelled"], V2B, age=70, deceased_on=date(2026, 1, 5), should_insure=False,
               category="NOT_APPLICABLE", cov_pension=False, cov_medical=False, ins_170=None, ins_390=None,
               reasons={"110": "11", "310": "11"}, non_enrollment_reason="11", residence_address=None),
        person(P["moved_out"], V1A, registered=False, hukou_status="CANCELLED_MOVED_OUT", should_insure=False,
               category="NOT_APPLICABLE"),
        person(P["elsewhere"], None, registered=False, hukou_status="NOT_REGISTERED_HERE", should_insure=False,
               hukou_region="110101", category="INSURED"),
        person(P["deceased_active"], V1B, name="赵六", age=76, registered=False, hukou_status="CANCELLED_DEATH",
               deceased_on=date(2026, 3, 1), should_insure=False, category="DECEASED_ACTIVE", ins_170="RECEIVING",
               sources={"deceased_on": {"source": "civil_affairs", "as_of": "2026-03-01"}},
               record={"insurance": [
                   {"code": "170", "status": "RECEIVING", "since": "2015-02-01", "employer_uscc": ""},
                   {"code": "390", "status": "ACTIVE", "since": "2019-01-01", "employer_uscc": ""},
                   {"code": "310", "status": "TERMINATED", "since": "2010-01-01", "employer_uscc": ""}]}),
        person(P["employee"], V1A, is_employee=True, employer_uscc=E_REGISTERED, cov_210=True, cov_410=True,
               cov_510=True, employment_status="EMPLOYED"),
        person(P["lapsed"], V1B, age=30, category="LAPSED", cov_pension=False, ins_170="SUSPENDED",
               reasons={"110": "2"}, non_enrollment_reason="2"),
    ]


# Expected 调度表一 (columns 1-14), worked out by hand from the base above.
EXPECTED_CITY = [9, 8, 1, 1, 6, 3, 6, 2, 2, 1, 2, 1, 2, 1]
EXPECTED_TOWN1 = [5, 5, 1, 0, 4, 2, 4, 1, 1, 0, 1, 0, 1, 0]
EXPECTED_TOWN2 = [4, 3, 0, 1, 2, 1, 2, 1, 1, 1, 1, 1, 1, 1]


def seed_curated(conn: sa.Connection) -> None:
    insert(conn, "curated.mr_enterprise", [
        {"uscc": E_ACTIVE_UNREGISTERED, "name": "未登记经营有限公司", "entity_type": "ENTERPRISE", "unit_type": "1",
         "status": "ACTIVE", "region_code": "330604", "registration_date": date(2020, 1, 1)},
        {"uscc": E_REGISTERED, "name": "上虞示范有限公司", "entity_type": "ENTERPRISE", "unit_type": "1",
         "status": "ACTIVE", "region_code": "330604"},
        {"uscc": E_TAX_ONLY, "name": "@纳税但注销公司", "entity_type": "ENTERPRISE", "unit_type": "1",
         "status": "CANCELLED", "region_code": "330604"},
        {"uscc": E_ABNORMAL, "name": "吊销公司", "entity_type": "ENTERPRISE", "unit_type": "1",
         "status": "REVOKED", "region_code": "330604"},
        {"uscc": I_NO_EMPLOYEES, "name": "个体小店", "entity_type": "INDIVIDUAL", "unit_type": "8",
         "status": "ACTIVE", "region_code": "330604"},
    ])
    insert(conn, "curated.tax_enterprise", [
        {"uscc": E_TAX_ONLY, "period": "2026-02", "tax_status": "ABNORMAL"},
        {"uscc": E_TAX_ONLY, "period": "2026-03", "tax_status": "NORMAL"},
        {"uscc": E_ABNORMAL, "period": "2026-03", "tax_status": "ABNORMAL"},
    ])
    insert(conn, "curated.si_employer", [{"uscc": E_REGISTERED, "unit_no": "U0002", "name": "上虞示范有限公司",
                                          "region_code": "330604"}])
    insert(conn, "curated.tax_withholding", [
        {"employer_uscc": E_REGISTERED, "person_id": P["partial"], "name": "王五", "month": "2026-03", "income": 6000},
        {"employer_uscc": E_REGISTERED, "person_id": P["partial"], "name": "王五", "month": "2026-04", "income": 6000},
        {"employer_uscc": E_REGISTERED, "person_id": P["employee"], "name": "张三", "month": "2026-03", "income": 7000},
        {"employer_uscc": E_REGISTERED, "person_id": P["insured"], "name": "李一", "month": "2025-10", "income": 5000},
    ])
    insert(conn, "curated.si_enrollment", [
        {"person_id": P["employee"], "insurance_code": "110", "employer_uscc": E_REGISTERED, "status": "ACTIVE",
         "start_date": date(2020, 1, 1), "last_paid_month": "2026-03", "receiving": False},
        {"person_id": P["deceased_active"], "insurance_code": "170", "status": "ACTIVE", "receiving": True,
         "start_date": date(2015, 2, 1), "last_paid_month": "2026-04"},
    ])
    insert(conn, "curated.ca_cremation", [{"person_id": P["deceased_active"], "name": "赵六",
                                           "death_date": date(2026, 3, 1), "cremation_date": date(2026, 3, 3)}])


def seed_versions(conn: sa.Connection) -> None:
    """History for 调度表二: quarter 2026Q1 saw one new pension and one new medical coverage."""
    first, in_q, after = date(2025, 12, 31), date(2026, 2, 15), date(2026, 4, 10)
    insert(conn, "base.person_version", [
        person(P["insured"], V1A, ref_date=first),                                   # covered from the first load
        person(P["uninsured"], V1A, ref_date=first, cov_pension=False, cov_medical=False),
        person(P["uninsured"], V1A, ref_date=in_q, version=2, cov_pension=True, cov_medical=False),
        person(P["newcomer"], V1B, ref_date=in_q, cov_pension=False, cov_medical=True),  # moved in, covered
        person(P["lapsed"], V1B, ref_date=first, cov_pension=False, cov_medical=True),
        person(P["lapsed"], V1B, ref_date=after, version=2, cov_pension=True),         # after the quarter
    ])


TARGETS = {"2026": {"Q1": {"city": {"养老": 4, "医疗": 2}, "330604001": {"养老": 2}},
                    "plan": {"city": {"养老": 20, "医疗": 10, "工伤": 5, "生育": 5, "失业": 5}}}}


@pytest.fixture
def seeded_db(fresh_db_url: str) -> str:
    with engine(fresh_db_url).begin() as conn:
        ensure_base_tables(conn)
        insert(conn, "base.person_current", handcrafted_base())
        seed_curated(conn)
        seed_versions(conn)
    return fresh_db_url


@pytest.fixture
def built(seeded_db: str, tmp_path: Path):
    result = build_outputs(url=seeded_db, output_root=tmp_path / "outputs", targets=TARGETS)
    return seeded_db, result


def table1(url: str, level: str, code: str) -> list[int]:
    with engine(url).connect() as conn:
        row = conn.execute(sa.text(
            "select c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, c13, c14 from base.dispatch_table1 "
            "where region_level = :l and region_code = :c"), {"l": level, "c": code}).one()
    return list(row)


def test_dispatch_table1_city_counts_match_the_handcrafted_base(built):
    url, _ = built
    assert table1(url, "city", "330600") == EXPECTED_CITY


def test_dispatch_table1_town_counts_match_the_handcrafted_base(built):
    url, _ = built
    assert table1(url, "town", "330604001") == EXPECTED_TOWN1
    assert table1(url, "town", "330604002") == EXPECTED_TOWN2


def test_dispatch_table1_notes_the_dead_not_yet_cancelled(built):
    url, result = built
    with engine(url).connect() as conn:
        dead, should = conn.execute(sa.text(
            "select dead_not_cancelled, should_insure from base.dispatch_table1 where region_level = 'city'")).one()
    assert (dead, should) == (1, 5)
    wb = load_workbook(next(f.path for f in result.of_kind("dispatch_table1") if f.region == "330600"))
    notes = [c.value for row in wb.active.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("户口尚未注销的 1 人" in n and "应参保人数为 5 人" in n for n in notes)


def test_dispatch_table1_workbook_has_the_seed_header_layout(built):
    _, result = built
    ws = load_workbook(next(f.path for f in result.of_kind("dispatch_table1") if f.region == "330604")).active
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"B3:E3", "F3:O3", "F4:G4", "N4:O4", "B4:B5"} <= merged
    assert ws["B3"].value == "户籍情况" and ws["F3"].value == "数据比对核查情况"
    assert ws["F4"].value == "基本养老保险" and ws["F5"].value == "应参保人数" and ws["G5"].value == "未参保人数"
    assert [ws.cell(6, c).value for c in range(1, 16)] == ["甲栏", *range(1, 15)]
    assert ws["A7"].value == "合计" and ws["A2"].value.startswith("填报单位：")
    assert [ws.cell(7, c).value for c in range(2, 16)] == EXPECTED_CITY  # the county is the whole city here


def test_table1_formula_violation_raises():
    good = dict(region_level="town", region_code="x", c1=5, c2=4, c3=1, c4=1, c5=2, c6=0, c7=2, c8=0,
                c9=1, c10=0, c11=1, c12=0, c13=1, c14=0)
    check_table1_formula([good])
    with pytest.raises(DispatchFormulaError):
        check_table1_formula([{**good, "c5": 3, "c7": 3}])


def test_stored_table1_refuses_a_row_breaking_the_formula(built):
    url, _ = built
    with pytest.raises(sa.exc.IntegrityError), engine(url).begin() as conn:
        conn.execute(sa.text(
            "insert into base.dispatch_table1 values ('bad', 'town', '1', 'x', 5, 4, 1, 1, 3, 0, 3, 0, 0, 0, 0, 0, 0,"
            " 0, 0, 0)"))


def test_dispatch_table2_completion_rate_is_done_over_target(built):
    url, result = built
    with engine(url).connect() as conn:
        rows = {(r.region_code, r.family): r for r in conn.execute(sa.text(
            "select region_code, family, target, done, completion_rate, annual_plan from base.dispatch_table2 "
            "where quarter = '2026Q1'"))}
    city_pension = rows[("330600", "pension")]
    assert (city_pension.target, city_pension.done, float(city_pension.completion_rate)) == (4, 1, 0.25)
    assert (rows[("330600", "medical")].done, float(rows[("330600", "medical")].completion_rate)) == (1, 0.5)
    assert float(rows[("330604001", "pension")].completion_rate) == 0.5
    assert rows[("330600", "pension")].annual_plan == 20
    assert rows[("330604002", "pension")].completion_rate is None  # no target configured
    ws = load_workbook(next(f.path for f in result.of_kind("dispatch_table2") if f.region == "330600")).active
    assert [ws.cell(6, c).value for c in range(1, 22)] == ["甲栏", *range(1, 21)]
    assert ws["B7"].value == 4 and ws["C7"].value == 1 and ws["D7"].value == 0.25


def test_quarter_before_the_reference_date():
    assert Quarter.previous_of(date(2026, 4, 15)).label == "2026Q1"
    assert Quarter.previous_of(date(2026, 2, 1)) == Quarter(2025, 4)
    assert Quarter(2025, 4).end == date(2025, 12, 31)


def test_indicators_give_registration_rate_and_completeness(built):
    url, _ = built
    with engine(url).connect() as conn:
        city = conn.execute(sa.text("select * from base.output_indicator where region_level = 'city'")).one()
    # should-insure: insured, uninsured, partial, employee, lapsed; pension-covered: insured, partial, employee
    assert (city.should_insure, city.pension_covered, float(city.registration_rate)) == (5, 3, 0.6)
    # 11 base persons with a county; incomplete: partial (mismatch), dead_uncancelled (no residence address)
    assert (city.base_persons, city.complete_persons) == (11, 9)


def roster(result, town: str):
    return load_workbook(next(f.path for f in result.of_kind("roster") if f.region == town))


def test_roster_has_one_sheet_per_village_with_the_people_to_survey(built):
    _, result = built
    town1, town2 = roster(result, "330604001"), roster(result, "330604002")
    assert town1.sheetnames == [V1A, V1B, "填写说明"]
    assert town2.sheetnames == [V2A, V2B, "填写说明"]
    ids = {ws.title: [ws.cell(r, 4).value for r in range(6, ws.max_row + 1)] for ws in town1.worksheets[:2]}
    assert ids == {V1A: [P["uninsured"]], V1B: [P["lapsed"]]}
    assert town2[V2A].cell(6, 4).value == P["partial"] and town2[V2B].cell(6, 4).value == P["dead_uncancelled"]


def test_roster_header_follows_the_zhejiang_form(built):
    _, result = built
    ws = roster(result, "330604001")[V1A]
    assert ws["A1"].value == "浙江省全民参保登记个人信息登记(核对)表"
    assert [ws["A2"].value[:6], ws["F2"].value[:5], ws["K2"].value, ws["P2"].value] == \
        ["乡镇(街道)", "村(社区)", "填表人签名：", "填报日期："]
    assert [ws.cell(3, c).value for c in (1, 2, 4, 10, 12, 13, 18, 19)] == \
        ["序号", "姓 名", "公民身份证号码", "就业状态", "个人身份", "现参保情况及未参保原因", "备 注", "签 名"]
    assert [ws.cell(4, c).value for c in range(10, 12)] == ["单位名称", "单位类型"]
    assert [ws.cell(4, c).value for c in range(13, 18)] == ["养老保险", "医疗保险", "工伤保险", "生育保险", "失业保险"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A3:A4", "J3:K3", "M3:Q3", "M5:Q5", "R3:R4", "S3:S4"} <= merged
    numbers = [ws.cell(5, c).value for c in range(1, 20) if ws.cell(5, c).value is not None]
    assert numbers == list(range(1, 16))


def test_roster_prefills_the_person_and_marks_what_to_verify(built):
    _, result = built
    ws = roster(result, "330604002")[V2A]
    row = [ws.cell(6, c).value for c in range(1, 20)]
    assert row[:3] == [1, "王五", "男"] and row[7] == "√"            # 常住地址 same as 户口所在地
    assert row[9] == "上虞示范有限公司" and row[10] == "1"
    assert row[12:17] == ["√", "√", "3", "3", "3"]                  # 工伤/生育/失业: 单位未予参保
    assert "核对: 姓名、手机" in row[17] and "上虞示范有限公司" in row[17]
    assert ws.cell(6, 2).fill.fgColor.rgb == VERIFY_FILL.fgColor.rgb
    assert ws.cell(6, 9).fill.fgColor.rgb == VERIFY_FILL.fgColor.rgb
    assert ws.cell(6, 3).fill.fgColor.rgb != VERIFY_FILL.fgColor.rgb


def test_roster_writes_formula_like_names_as_text(built):
    _, result = built
    path = next(f.path for f in result.of_kind("roster") if f.region == "330604001")
    cell = load_workbook(path)[V1A].cell(6, 2)
    assert cell.value == FORMULA_NAME and cell.data_type == "s" and cell.quotePrefix
    assert load_workbook(path)[V1A].cell(6, 9).quotePrefix  # "+86..." phone
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any("<f>" in z.read(n).decode() for n in sheets)


def test_roster_file_names_carry_no_personal_data(built):
    _, result = built
    names = [f.path.name for f in result.files]
    assert all(pid not in name for name in names for pid in P.values())
    assert {f.path.name for f in result.of_kind("roster")} == \
        {"roster_330604001_ref-2026-04-15.xlsx", "roster_330604002_ref-2026-04-15.xlsx"}


def test_rosters_are_delivered_into_the_towns_sftp_folder(built, sftp_server, monkeypatch):
    url, result = built
    monkeypatch.setenv("AIRFLOW_CONN_CANBAO_SFTP", sftp_server.airflow_conn())
    written = deliver_rosters(url=url, run_id=result.run_id, target=conn_from_airflow("canbao_sftp"))
    assert "/towns/330604001/rosters/roster_330604001_ref-2026-04-15.xlsx" in written
    delivered = sftp_server.root / "towns" / "330604001" / "rosters" / "roster_330604001_ref-2026-04-15.xlsx"
    local = next(f.path for f in result.of_kind("roster") if f.region == "330604001")
    assert delivered.read_bytes() == local.read_bytes()
    assert not list(delivered.parent.glob("*.part"))


def test_sftp_target_reads_the_airflow_connection(sftp_server, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_CANBAO_SFTP", sftp_server.airflow_conn())
    target = conn_from_airflow()
    assert target == SftpTarget("127.0.0.1", sftp_server.port, "canbao", str(sftp_server.platform_key), None)


def read_csv(result, kind: str) -> list[dict]:
    path = next(f.path for f in result.of_kind(kind) if f.format == "csv")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_expansion_list_finds_unregistered_enterprises(built):
    _, result = built
    usccs = {r["统一社会信用代码"] for r in read_csv(result, "employer_expansion")}
    assert usccs == {E_ACTIVE_UNREGISTERED, E_TAX_ONLY}


def test_expansion_list_escapes_formula_like_names_in_csv(built):
    _, result = built
    names = {r["单位名称"] for r in read_csv(result, "employer_expansion")}
    assert "'@纳税但注销公司" in names


def test_expansion_list_finds_the_employee_paid_without_enrollment(built):
    _, result = built
    rows = read_csv(result, "employee_expansion")
    assert [(r["单位统一社会信用代码"], r["公民身份证号码"], r["扣缴月数"]) for r in rows] == \
        [(E_REGISTERED, P["partial"], "2")]


def test_stop_list_lists_the_deceased_active_persons_enrollments(built):
    _, result = built
    rows = read_csv(result, "stop_list")
    assert {(r["公民身份证号码"], r["险种代码"], r["当前状态"]) for r in rows} == \
        {(P["deceased_active"], "170", "领取待遇"), (P["deceased_active"], "390", "参保缴费")}
    first = next(r for r in rows if r["险种代码"] == "170")
    assert first["死亡日期"] == "2026-03-01" and first["死亡信息来源"] == "民政(殡葬火化)"
    assert "民政(殡葬火化) 2026-03-01" in first["各部门死亡记录"] and first["最近缴费月份"] == "2026-04"


def test_every_output_is_recorded_with_its_checksum(built):
    url, result = built
    with engine(url).connect() as conn:
        recorded = conn.execute(sa.text("select kind, path, rows from base.output where run_id = :r"),
                                {"r": result.run_id}).all()
    assert len(recorded) == len(result.files)
    assert {k for k, _, _ in recorded} == {"dispatch_table1", "dispatch_table2", "indicators", "roster",
                                          "employer_expansion", "employee_expansion", "stop_list"}


def test_rebuilding_a_run_replaces_its_rows(built, tmp_path):
    url, result = built
    again = build_outputs(url=url, output_root=tmp_path / "outputs", targets=TARGETS)
    with engine(url).connect() as conn:
        n = conn.execute(sa.text("select count(*) from base.dispatch_table1 where run_id = :r"),
                         {"r": again.run_id}).scalar()
    assert again.run_id == result.run_id and n == 4  # city, county, two towns: nothing doubled


def test_cli_build_writes_the_run_folder(seeded_db, tmp_path, monkeypatch):
    from canbao.cli import main

    monkeypatch.setenv("CANBAO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CANBAO_DATABASE_URL", seeded_db)
    monkeypatch.setenv("CANBAO_OUTPUT_DIR", str(tmp_path / "out"))
    assert main(["outputs", "build"]) == 0
    assert (tmp_path / "out" / "ref-2026-04-15" / "dispatch" / "dispatch_table1.csv").is_file()
    assert (tmp_path / "out" / "ref-2026-04-15" / "dispatch" / "dispatch_table2_2026Q1.csv").is_file()
