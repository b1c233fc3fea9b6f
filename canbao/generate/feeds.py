"""Each department's export layout: file names, columns, encodings, value codes and date formats.

These layouts are what config/feeds/<feed>.yaml describe; a test parses every file written here with
its registry entry. Folders mirror the SFTP drop areas: ``<out>/<department>/inbox/<file>``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from canbao.generate import reference as ref
from canbao.generate.files import write_delimited, write_fixed, write_proof, write_xlsx
from canbao.generate.model import (
    E_CODE,
    E_EMPLOYER,
    E_END,
    E_LAST_PAID,
    E_START,
    E_TERM,
    enrollment_at,
    month_text,
)
from canbao.generate.population import City

SEX_CN = {"1": "男", "2": "女"}
HH_TYPE_CN = {"AGRI": "农业", "NONAGRI": "非农业"}
HUKOU_STATUS_CN = {"REGISTERED": "正常", "CANCELLED_DEATH": "死亡注销", "CANCELLED_MOVED_OUT": "迁出注销",
                   "CANCELLED_MILITARY": "服兵役注销", "CANCELLED_ABROAD": "出国注销", "CANCELLED_OTHER": "其他注销"}
CANCEL_CN = {"DEATH": "死亡", "MOVED_OUT": "迁出", "MILITARY": "服兵役", "ABROAD": "出国(境)", "OTHER": "其他"}
CHANGE_CN = {"BIRTH": "出生", "MOVE_IN": "迁入", "UPDATE": "变更"}
EDU_STAGE = {"PRIMARY": "primary", "JUNIOR": "junior_high", "SENIOR": "senior_high", "VOCATIONAL": "vocational",
             "COLLEGE": "undergraduate", "GRADUATE": "postgraduate"}
MR_STATUS = {"ACTIVE": "1", "CANCELLED": "2", "REVOKED": "3"}
MR_ENTITY = {"ENTERPRISE": "1", "INDIVIDUAL": "2"}
TAX_STATUS_CN = {"NORMAL": "正常", "ABNORMAL": "非正常", "CANCELLED": "注销"}
SI_STATUS = {"ACTIVE": "1", "SUSPENDED": "2", "TERMINATED": "3"}
SI_CHANGE = {"ENROLL": "01", "SUSPEND": "02", "RESUME": "03", "TERMINATE": "04", "PAYMENT": "05",
             "BENEFIT_START": "06"}
ASSIST_CN = {"DIBAO": "低保", "TEKUN": "特困"}

PS_HEADER = ["公民身份号码", "姓名", "性别", "民族", "出生日期", "户号", "户口所在地代码", "户籍地址", "居住地址",
             "联系电话", "户口性质", "户口状态", "注销日期", "服役标志"]
MR_FIELDS = [("TYSHXYDM", 18), ("ZTMC", 40), ("ZTLX", 1), ("DWLX", 2), ("DJZT", 1), ("CLRQ", 8), ("XZQH", 6),
             ("FDDBR", 18)]
SURVEY_HEADER = ["序号", "姓名", "性别", "公民身份证号码", "出生日期", "民族", "户口所在地", "常住所在地地址",
                 "手机(联系电话)", "单位名称", "单位类型", "个人身份", "养老保险", "医疗保险", "工伤保险", "生育保险",
                 "失业保险", "备注", "签名", "乡镇(街道)代码", "村(社区)代码", "调查日期"]


def ymd(d: dt.date | None) -> str:
    return "" if d is None else d.isoformat().replace("-", "")


def slash(d: dt.date | None) -> str:
    return "" if d is None else d.isoformat().replace("-", "/")


def iso(d: dt.date | None) -> str:
    return "" if d is None else d.isoformat()


class Writer:
    """Writes one city's deliveries under ``out`` and remembers every file for the summary."""

    def __init__(self, city: City, out: Path) -> None:
        self.city = city
        self.out = out
        self.files: list[dict] = []

    def _done(self, feed: str, path: Path, rows: int, as_of: dt.date, proof: str) -> None:
        proof_path = write_proof(path, rows, as_of.isoformat(), proof)
        self.files.append({"feed": feed, "path": str(path.relative_to(self.out)), "rows": rows,
                           "as_of": as_of.isoformat(), "proof": str(proof_path.relative_to(self.out))})

    def inbox(self, department: str) -> Path:
        folder = self.out / department / "inbox"
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    # --- public security ----------------------------------------------------------------------
    def _ps_row(self, p, day: dt.date) -> list[str]:
        status = p.ps_status(day)
        return [p.ps_id or p.pid, p.name, SEX_CN[p.sex], p.eth, ymd(p.birth), p.hh_no, p.village, p.hukou_addr,
                p.ps_residence(day), p.phone, HH_TYPE_CN[p.hh_type], HUKOU_STATUS_CN[status],
                ymd(p.cancel_date) if status != "REGISTERED" else "", "是" if p.military else "否"]

    def ps_household(self, day: dt.date) -> None:
        path = self.inbox("public_security") / f"HJRK_QL_{ymd(day)}.txt"
        rows = (self._ps_row(p, day) for p in self.city.persons if p.in_ps and p.local and p.since <= day)
        n = write_delimited(path, PS_HEADER, rows, "gbk", "|", quoting=False)
        self._done("ps_household", path, n, day, "manifest")

    def ps_household_change(self, day: dt.date) -> None:
        path = self.inbox("public_security") / f"HJBD_{ymd(day)}.txt"

        def rows() -> Iterator[list[str]]:
            for p in self.city.persons:
                if p.change_type and p.since == day:
                    yield self._ps_row(p, day) + [CHANGE_CN[p.change_type], ymd(day)]
                elif p.res_update is not None and p.res_update[0] == day:
                    yield self._ps_row(p, day) + [CHANGE_CN["UPDATE"], ymd(day)]

        n = write_delimited(path, PS_HEADER + ["变动类型", "变动日期"], rows(), "gbk", "|", quoting=False)
        self._done("ps_household_change", path, n, day, "manifest")

    def ps_cancellation(self, day: dt.date, initial: bool) -> None:
        path = self.inbox("public_security") / f"HJZX_{ymd(day)}.txt"
        rows = ([p.pid, p.name, CANCEL_CN[p.cancel_type], ymd(p.cancel_date)] for p in self.city.persons
                if p.in_ps and p.local and p.cancel_date is not None
                and (p.cancel_date <= day if initial else p.cancel_date == day))
        n = write_delimited(path, ["公民身份号码", "姓名", "注销原因", "注销日期"], rows, "gbk", "|", quoting=False)
        self._done("ps_cancellation", path, n, day, "manifest")

    # --- civil affairs ------------------------------------------------------------------------
    def ca_cremation(self, day: dt.date, initial: bool) -> None:
        path = self.inbox("civil_affairs") / f"HHJL_{ymd(day)}.xlsx"
        rows = [["序号", "逝者姓名", "身份证号码", "性别", "死亡日期", "火化日期", "殡仪馆"]]
        for p in self.city.persons:
            c = p.cremation_date
            if c is not None and (c <= day if initial else c == day):
                cid = (p.ids or {}).get("ca", p.pid)
                rows.append([str(len(rows)), p.name, cid, SEX_CN[p.sex], slash(p.death_date), slash(c),
                             f"{ref.COUNTIES[p.county][0]}殡仪馆"])
        write_xlsx(path, rows, "火化信息")
        self._done("ca_cremation", path, len(rows) - 1, day, "marker")

    def ca_assistance(self, day: dt.date) -> None:
        path = self.inbox("civil_affairs") / f"DBTK_{ymd(day)}.csv"
        rows = ([p.pid, p.name, ASSIST_CN[p.assist[0]], iso(p.assist[1])] for p in self.city.persons
                if p.assist is not None and p.death_known(day) is None and p.ps_status(day) == "REGISTERED")
        n = write_delimited(path, ["身份证号", "姓名", "救助类别", "救助开始日期"], rows, "utf-8", ",")
        self._done("ca_assistance", path, n, day, "manifest")

    # --- education ----------------------------------------------------------------------------
    def edu_student(self, day: dt.date) -> None:
        path = self.inbox("education") / f"XJ_STUDENTS_{ymd(day)}.csv"
        rows = ([(p.ids or {}).get("edu", p.pid), p.name, p.student[2], EDU_STAGE[p.student[0]],
                 "Y" if p.student[1] else "N", p.village, iso(p.student[3]), iso(p.student[4])]
                for p in self.city.persons if p.student is not None and p.since <= day
                and p.death_known(day) is None)
        n = write_delimited(path, ["id_card_no", "student_name", "school_name", "stage", "full_time", "hukou_code",
                                   "enrol_date", "expected_grad_date"], rows, "utf-8", ",")
        self._done("edu_student", path, n, day, "manifest")

    # --- market regulation --------------------------------------------------------------------
    def mr_enterprise(self, day: dt.date) -> None:
        path = self.inbox("market_regulation") / f"SCZT_{ymd(day)}.dat"
        rows = ([e.uscc, e.name, MR_ENTITY[e.entity_type], e.unit_type, MR_STATUS[e.status], ymd(e.reg_date),
                 e.region, e.legal_rep] for e in self.city.employers
                if e.reg_date <= day and e.entity_type != "INSTITUTION")
        n = write_fixed(path, [w for _, w in MR_FIELDS], rows, "gb18030")
        self._done("mr_enterprise", path, n, day, "manifest")

    # --- tax ----------------------------------------------------------------------------------
    def tax_enterprise(self, day: dt.date, months: list[int]) -> None:
        path = self.inbox("tax") / f"SWZT_{ymd(day)}.csv"
        rows = ([e.uscc, month_text(m), TAX_STATUS_CN[e.tax_status]] for e in self.city.employers
                if e.reg_date <= day and e.entity_type != "INSTITUTION" for m in months)
        n = write_delimited(path, ["纳税人识别号", "所属期", "纳税人状态"], rows, "utf-8-sig", ",")
        self._done("tax_enterprise", path, n, day, "manifest")

    def tax_withholding(self, day: dt.date) -> None:
        path = self.inbox("tax") / f"GSKJ_{ymd(day)}.csv"
        rows = ([emp, (p.ids or {}).get("tax", p.pid), p.name, month_text(m), f"{income:.2f}"]
                for p in self.city.persons for m, emp, income in p.wh)
        n = write_delimited(path, ["扣缴义务人纳税人识别号", "证件号码", "姓名", "所得期间", "收入额"], rows,
                            "utf-8-sig", ",")
        self._done("tax_withholding", path, n, day, "manifest")

    # --- social insurance ---------------------------------------------------------------------
    def si_person(self, day: dt.date) -> None:
        path = self.inbox("social_insurance") / f"SB_GRXX_{ymd(day)}.csv"
        rows = ([si[0], si[1], si[2], si[4], iso(si[3]), si[5], si[6]] for p in self.city.persons
                if (si := p.si) is not None and any(e[E_START] <= day for e in p.enr))
        n = write_delimited(path, ["AAC002", "AAC003", "AAC004", "AAC005", "AAC006", "AAE006", "AAE005"], rows,
                            "gb18030", ",")
        self._done("si_person", path, n, day, "manifest")

    def si_employer(self, day: dt.date) -> None:
        path = self.inbox("social_insurance") / f"SB_DWXX_{ymd(day)}.csv"
        rows = ([e.si_unit_no, e.uscc, e.name, e.region] for e in self.city.employers
                if e.si_unit_no is not None and e.reg_date <= day)
        n = write_delimited(path, ["AAB001", "AAB998", "AAB004", "AAB301"], rows, "gb18030", ",")
        self._done("si_employer", path, n, day, "manifest")

    @staticmethod
    def _enr_row(p, e, day: dt.date) -> list[str] | None:
        st = enrollment_at(e, day)
        if st is None:
            return None
        status, receiving = st
        sid = p.si[0] if p.si is not None else p.pid
        end = e[E_END] if status == "TERMINATED" else None
        paid = e[E_LAST_PAID]
        return [sid, e[E_CODE], e[E_EMPLOYER], SI_STATUS[status], slash(e[E_START]), slash(end),
                month_text(paid) if paid is not None else "", "1" if receiving else "0"]

    SI_ENR_HEADER = ["AAC002", "AAE140", "AAB998", "AAC008", "AAC030", "AAE031", "AAE114", "DYXSBZ"]

    def si_enrollment(self, day: dt.date) -> None:
        path = self.inbox("social_insurance") / f"SB_CBXX_{ymd(day)}.txt"

        def rows() -> Iterator[list[str]]:
            for p in self.city.persons:
                for e in p.enr:
                    row = self._enr_row(p, e, day)
                    if row is not None:
                        yield row

        n = write_delimited(path, self.SI_ENR_HEADER, rows(), "gb18030", "\t", quoting=False)
        self._done("si_enrollment", path, n, day, "manifest")

    def si_enrollment_change(self, day: dt.date) -> None:
        path = self.inbox("social_insurance") / f"SB_CBBD_{ymd(day)}.txt"

        def rows() -> Iterator[list[str]]:
            for p in self.city.persons:
                for e in p.enr:
                    if e[E_START] == day:
                        yield self._enr_row(p, e, day) + [SI_CHANGE["ENROLL"], slash(day)]
                    if e[E_TERM] == day:
                        yield self._enr_row(p, e, day) + [SI_CHANGE["TERMINATE"], slash(day)]

        n = write_delimited(path, self.SI_ENR_HEADER + ["BGLX", "BGRQ"], rows(), "gb18030", "\t", quoting=False)
        self._done("si_enrollment_change", path, n, day, "manifest")

    # --- towns --------------------------------------------------------------------------------
    def survey_return(self, day: dt.date, town_code: str, entries: list[list[str]]) -> None:
        folder = self.out / "towns" / town_code / "returns"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"DCB_{town_code}_{ymd(day)}.xlsx"
        town = self.city.town_names[town_code]
        rows = [["浙江省全民参保登记个人信息登记(核对)表"],
                [f"乡镇(街道)：{town}", "", "村(社区)：", "", "填表人签名：", "", f"填报日期：{iso(day)}"],
                SURVEY_HEADER] + entries
        write_xlsx(path, rows, "登记表")
        self._done("survey_return", path, len(entries), day, "marker")
