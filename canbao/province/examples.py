"""Well-formed sample records of the interface, for tests, the sandbox demo and the benchmark.

They follow rules.py exactly, so a test can break one field at a time and
know any rejection is about that field.
"""

from __future__ import annotations

import datetime as dt

from canbao.ids import check_char


def _valid_uscc() -> str:
    from stdnum.cn import uscc

    body = "91330600MA2D0000"
    for tail in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        candidate = body + tail
        check = uscc.calc_check_digit(candidate)
        if uscc.is_valid(candidate + check):
            return candidate + check
    raise RuntimeError("no valid sample USCC")


SAMPLE_USCC = _valid_uscc()


def person_id(n: int, region: str = "330602", born: dt.date = dt.date(2005, 1, 1)) -> str:
    """The n-th synthetic citizen ID (valid check character); sequence digits from n, dates spread over days."""
    birth = born + dt.timedelta(days=n // 1000)
    body = f"{region}{birth:%Y%m%d}{n % 1000:03d}"
    return body + check_char(body)


def upsert_data(pid: str, name: str = "测试人", insured: bool = True) -> dict:
    """A whole UPSERT ``data`` object agreeing with ``pid``."""
    from canbao.ids import birth_date_of, sex_of

    birth = birth_date_of(pid)
    assert birth is not None
    insurance = [{"code": "110", "status": "ACTIVE", "since": "2024-01-01", "employer_uscc": SAMPLE_USCC},
                 {"code": "310", "status": "ACTIVE", "since": "2024-01-01", "employer_uscc": SAMPLE_USCC}]
    return {
        "person_id": pid, "name": name, "sex": sex_of(pid), "ethnicity": "01", "birth_date": birth.isoformat(),
        "hukou_region": pid[:6] + "001001", "hukou_status": "REGISTERED", "hukou_address": "浙江省绍兴市越城区某路1号",
        "residence_address": "", "phone": "", "employment_status": "EMPLOYED" if insured else "UNKNOWN",
        "employer_uscc": SAMPLE_USCC if insured else "", "insurance": insurance if insured else [],
        "category": "INSURED" if insured else "UNINSURED", "mismatched_fields": [],
        "non_enrollment_reason": "" if insured else "1", "deceased_on": None,
        "sources": {"name": {"source": "public_security", "as_of": "2020-05-01"}},
    }


def upsert(pid: str, version: int, changed_at: str = "2026-11-21T18:00:00Z", **data_overrides) -> dict:
    data = upsert_data(pid)
    data.update(data_overrides)
    return {"op": "UPSERT", "person_id": pid, "version": version, "changed_at": changed_at, "data": data}


def delete(pid: str, version: int, reason: str = "MERGED_DUPLICATE",
           changed_at: str = "2026-11-21T18:00:00Z") -> dict:
    return {"op": "DELETE", "person_id": pid, "version": version, "changed_at": changed_at, "reason": reason}
