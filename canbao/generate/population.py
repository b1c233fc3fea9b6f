"""Building the synthetic city: geography, employers, households and people, then the planted problems.

Everything is drawn from ``random.Random`` streams seeded from the run seed and a stream name, so
one seed always gives the same city. The clean population is built first; problems are then planted
by sampling exact quotas from the people eligible for each, so that every tag appears (at least once
when anyone is eligible) and the counts are known.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import sys
from dataclasses import dataclass, field

from stdnum.cn import ric

from canbao.generate import reference as ref
from canbao.generate.model import (
    E_CODE,
    E_EMPLOYER,
    E_LAST_PAID,
    E_RECEIVING,
    E_START,
    E_STATUS,
    E_TERM,
    Employer,
    Person,
    month_index,
)
from canbao.ids import check_char

DEFAULT_RATES: dict[str, float] = {
    # identity problems (share of the people eligible for each)
    "ps_invalid_id": 0.0005,  # public security row with a wrong check character: a row reject, nobody else knows them
    "si_check_digit": 0.002,
    "si_transposed": 0.001,
    "si_legacy15": 0.002,
    "si_fullwidth": 0.002,  # form only: not a mismatch
    "si_lower_x": 0.02,  # of social-insurance IDs ending in X; form only
    "mismatch_name": 0.002,
    "mismatch_sex": 0.001,
    "mismatch_birth_date": 0.001,
    "mismatch_ethnicity": 0.001,
    "mismatch_residence_address": 0.003,
    "mismatch_phone": 0.003,
    "address_form_only": 0.002,  # full-width digits / spaces in the social-insurance address: not a mismatch
    "tax_check_digit": 0.002,
    "edu_check_digit": 0.002,
    "ca_check_digit": 0.01,
    "ca_fullwidth": 0.01,
    # coverage problems
    "duplicate_here": 0.003,
    "duplicate_elsewhere": 0.003,
    "deceased_active": 0.08,  # of the dead who were enrolled
    "lapsed_suspended": 0.01,
    "lapsed_unpaid": 0.01,
    "partial_employee": 0.01,
    "employer_not_enrolling": 0.01,
    "enterprise_not_registered": 0.03,  # of active enterprises
    "insured_elsewhere": 0.01,  # not a problem: insured only elsewhere (province feedback)
}

MIGRANT_SHARE = 0.03


def stream(seed: int, name: str) -> random.Random:
    """An independent, reproducible random stream per purpose (str seeds hash deterministically)."""
    return random.Random(f"canbao-generate:{seed}:{name}")


def cumulative(weights) -> tuple[list[float], float]:
    cum = list(itertools.accumulate(weights))
    return cum, cum[-1]


@dataclass
class Town:
    code: str
    name: str
    county: str
    villages: list[tuple[str, str]]  # (12-digit code, name)


@dataclass
class City:
    as_of: dt.date
    days: int
    towns: list[Town]
    persons: list[Person]
    employers: list[Employer]
    households: int = 0
    employer_by_uscc: dict[str, Employer] = field(default_factory=dict)
    county_of_village: dict[str, str] = field(default_factory=dict)
    village_names: dict[str, str] = field(default_factory=dict)
    town_names: dict[str, str] = field(default_factory=dict)


# ----------------------------------------------------------------------------- geography
def build_towns(seed: int) -> list[Town]:
    rng = stream(seed, "geography")
    towns = []
    for county, (_, _, names) in ref.COUNTIES.items():
        street = town = xiang = 0
        for name in names:
            if name.endswith("街道"):
                street += 1
                code = f"{county}{street:03d}"
            elif name.endswith("镇"):
                town += 1
                code = f"{county}{100 + town:03d}"
            else:
                xiang += 1
                code = f"{county}{200 + xiang:03d}"
            villages = []
            used = set()
            n_comm = n_vill = 0
            for _ in range(12):
                while True:
                    stem = rng.choice(ref.VILLAGE_STEMS) + rng.choice(ref.VILLAGE_STEMS)
                    if stem not in used:
                        used.add(stem)
                        break
                suffix = "社区" if (name.endswith("街道") and rng.random() < 0.7) or rng.random() < 0.15 else "村"
                if suffix == "社区":
                    n_comm += 1
                    vcode = f"{code}{n_comm:03d}"
                else:
                    n_vill += 1
                    vcode = f"{code}{200 + n_vill:03d}"
                villages.append((vcode, stem + suffix))
            towns.append(Town(code, name, county, villages))
    return towns


# ----------------------------------------------------------------------------- identifiers
_valid_cache: dict[tuple[str, int], bool] = {}


def region_valid(code: str, year: int) -> bool:
    """Whether python-stdnum accepts an ID with this region code and birth year (cached)."""
    key = (code, year)
    hit = _valid_cache.get(key)
    if hit is None:
        body = f"{code}{year:04d}0101001"
        hit = _valid_cache[key] = ric.is_valid(body + check_char(body))
    return hit


def id_region(county: str, year: int) -> str:
    for code, start, end in ref.ID_LINEAGE[county]:
        if start <= year <= end and region_valid(code, year):
            return code
    for code in ref.OTHER_COUNTIES:  # a year no code of the lineage covers
        if region_valid(code, year):
            return code
    raise ValueError(f"no valid region code for {county} in {year}")


def make_id(rng: random.Random, region: str, birth: dt.date, sex: str, taken: set[str]) -> str:
    stem = f"{region}{birth.year:04d}{birth.month:02d}{birth.day:02d}"
    odd = sex == "1"
    while True:
        seq = rng.randrange(500) * 2 + (1 if odd else 0)
        body = f"{stem}{seq:03d}"
        pid = body + check_char(body)
        if pid not in taken:
            taken.add(pid)
            return pid


def org_code(rng: random.Random) -> str:
    """GB 11714 organisation code: 8 characters and its MOD 11 check character."""
    body = f"{rng.randrange(10**7, 10**8)}"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    c = 11 - sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11
    return body + ("X" if c == 10 else "0" if c == 11 else str(c))


def make_uscc(rng: random.Random, kind: str, region: str, taken: set[str]) -> str:
    from stdnum.cn import uscc

    while True:
        body = kind + region + org_code(rng)
        code = body + uscc.calc_check_digit(body)
        if code not in taken:
            taken.add(code)
            return code


def wrong_check(pid: str) -> str:
    """The same ID with a different (wrong) check character."""
    alt = "0123456789X"
    return pid[:17] + alt[(alt.index(pid[17]) + 1 + int(pid[16]) % 10) % 11]


def transposed(pid: str) -> str | None:
    """Swap the first two sequence digits (region, birth date and sex digit unchanged)."""
    if pid[14] == pid[15]:
        return None
    return pid[:14] + pid[15] + pid[14] + pid[16:]


def legacy15(pid: str) -> str | None:
    if pid[6:8] != "19":
        return None
    return pid[:6] + pid[8:17]


_FULLWIDTH = str.maketrans({str(i): chr(0xFF10 + i) for i in range(10)} | {"X": "Ｘ"})


def fullwidth(text: str) -> str:
    return text.translate(_FULLWIDTH)


# ----------------------------------------------------------------------------- build
def retire_age(sex: str) -> int:
    return 60 if sex == "1" else 55


def _given(rng: random.Random, sex: str) -> str:
    pool = ref.GIVEN_MALE if sex == "1" else ref.GIVEN_FEMALE
    first = rng.choice(pool if rng.random() < 0.6 else ref.GIVEN_ANY)
    if rng.random() < 0.2:
        return first
    return first + rng.choice(pool)


def _phone(rng: random.Random) -> str:
    return rng.choice(ref.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _address(rng: random.Random, county_name: str, town_name: str, village_name: str) -> str:
    if village_name.endswith("社区"):
        return (f"{ref.PROVINCE_NAME}{ref.CITY_NAME}{county_name}{town_name}{rng.choice(ref.ROAD_STEMS)}路"
                f"{rng.randrange(1, 400)}号{rng.randrange(1, 30)}幢{rng.randrange(1, 6)}0{rng.randrange(1, 4)}室")
    return f"{ref.PROVINCE_NAME}{ref.CITY_NAME}{county_name}{town_name}{village_name}{rng.randrange(1, 600)}号"


def build_employers(seed: int, persons: int, as_of: dt.date, taken: set[str]) -> list[Employer]:
    rng = stream(seed, "employers")
    counties = list(ref.COUNTIES)
    cum, total = cumulative(v[1] for v in ref.COUNTIES.values())
    out = []
    n_ent = max(12, persons // 30)
    n_ind = max(6, persons // 60)
    for i in range(n_ent + n_ind):
        e = Employer()
        individual = i >= n_ent
        county = counties[bisect.bisect(cum, rng.random() * total)]
        cname = ref.COUNTIES[county][0]
        e.uscc = make_uscc(rng, "92" if individual else "91", county, taken)
        e.entity_type = "INDIVIDUAL" if individual else "ENTERPRISE"
        e.unit_type = "8" if individual else "1"
        trade = "".join(rng.choice(ref.VILLAGE_STEMS) for _ in range(2))
        if individual:
            e.name = f"{cname}{trade}{rng.choice(ref.SHOP_WORDS)}"
        else:
            e.name = f"绍兴{cname[:2]}{trade}{rng.choice(ref.ENTERPRISE_WORDS)}{rng.choice(ref.ENTERPRISE_FORMS)}"
        r = rng.random()
        e.status = "ACTIVE" if r < 0.9 else "CANCELLED" if r < 0.97 else "REVOKED"
        e.reg_date = as_of - dt.timedelta(days=rng.randrange(60, 365 * 30))
        e.region = county
        e.legal_rep = ""
        e.tax_status = ("NORMAL" if rng.random() < 0.96 else "ABNORMAL") if e.status == "ACTIVE" else "CANCELLED"
        registered = (rng.random() < 0.25) if individual else (e.status == "ACTIVE" or rng.random() < 0.5)
        if registered:
            e.si_unit_no = f"33060{i + 1:07d}"
        out.append(e)
    # Public bodies (机关 USCC 11…, 事业单位 12…): not market entities, their staff are in pension 120.
    for j in range(max(3, persons // 4000)):
        e = Employer()
        county = counties[bisect.bisect(cum, rng.random() * total)]
        organ = j % 3 == 0
        e.uscc = make_uscc(rng, "11" if organ else "12", county, taken)
        e.entity_type, e.unit_type, e.status = "INSTITUTION", "2" if organ else "4", "ACTIVE"
        cname = ref.COUNTIES[county][0]
        e.name = f"绍兴市{cname}{rng.choice(INSTITUTION_NAMES)}" + ("" if organ else f"第{j}分中心")
        e.reg_date = as_of - dt.timedelta(days=rng.randrange(3650, 365 * 40))
        e.region, e.legal_rep, e.tax_status = county, "", "NORMAL"
        e.si_unit_no = f"33069{j + 1:07d}"
        out.append(e)
    return out


INSTITUTION_NAMES = ("人力资源和社会保障局", "教育局", "卫生健康局", "自然资源和规划局", "住房和城乡建设局",
                     "交通运输局", "农业农村局", "文化广电旅游局", "市场监督管理局", "人民医院")


def pension_code(emp: Employer) -> str:
    """Staff of public bodies are in the public-institution pension (120), everyone else's employer scheme is 110."""
    return "120" if emp.entity_type == "INSTITUTION" else "110"


def build_city(seed: int, persons: int, as_of: dt.date, days: int, rates: dict[str, float] | None = None,
               progress: bool = True) -> City:
    """The whole city in memory: clean population first, then the planted problems."""
    rates = {**DEFAULT_RATES, **(rates or {})}
    taken_ids: set[str] = set()
    taken_uscc: set[str] = set()
    towns = build_towns(seed)
    employers = build_employers(seed, persons, as_of, taken_uscc)
    city = City(as_of, days, towns, [], employers)
    city.employer_by_uscc = {e.uscc: e for e in employers}
    for t in towns:
        city.town_names[t.code] = t.name
        for vcode, vname in t.villages:
            city.county_of_village[vcode] = t.county
            city.village_names[vcode] = vname

    rng = stream(seed, "people")
    ref_month = month_index(as_of)
    window_days = 365 + days
    window_start = as_of - dt.timedelta(days=365)

    county_list = list(ref.COUNTIES)
    cum_county, tot_county = cumulative(v[1] for v in ref.COUNTIES.values())
    towns_by_county: dict[str, list[Town]] = {}
    for t in towns:
        towns_by_county.setdefault(t.county, []).append(t)
    cum_sur, tot_sur = cumulative(w for _, w in ref.SURNAMES)
    cum_eth, tot_eth = cumulative(w for _, w in ref.ETHNICITY_WEIGHTS)
    cum_age, tot_age = cumulative(ref.AGE_BANDS)
    active_ents = [e for e in employers if e.status == "ACTIVE" and e.entity_type in ("ENTERPRISE", "INSTITUTION")]
    # Firm sizes are heavy-tailed; public bodies employ about 8 % of the employees.
    cum_emp, tot_emp = cumulative(120.0 if e.entity_type == "INSTITUTION" else rng.paretovariate(1.1)
                                  for e in active_ents)

    def pick_surname() -> str:
        return ref.SURNAMES[bisect.bisect(cum_sur, rng.random() * tot_sur)][0]

    def new_person(sex: str, age_days: int, county: str | None, born_elsewhere: bool) -> Person:
        p = Person()
        p.sex = sex
        p.birth = as_of - dt.timedelta(days=age_days)
        if born_elsewhere or county is None:
            region = rng.choice(ref.OTHER_COUNTIES)
            if not region_valid(region, p.birth.year):
                region = id_region("330602", p.birth.year)
        else:
            region = id_region(county, p.birth.year)
        p.pid = make_id(rng, region, p.birth, sex, taken_ids)
        p.eth = ref.ETHNICITY_WEIGHTS[bisect.bisect(cum_eth, rng.random() * tot_eth)][0]
        return p

    def draw_age_days() -> int:
        band = bisect.bisect(cum_age, rng.random() * tot_age)
        return (band * 5 + rng.randrange(5)) * 365 + rng.randrange(365)

    n_migrants = int(round(persons * MIGRANT_SHARE))
    n_local = persons - n_migrants
    out = city.persons
    hh_seq = 0
    while len(out) < n_local:
        hh_seq += 1
        county = county_list[bisect.bisect(cum_county, rng.random() * tot_county)]
        town = rng.choice(towns_by_county[county])
        vcode, vname = rng.choice(town.villages)
        cname = ref.COUNTIES[county][0]
        hukou_addr = _address(rng, cname, town.name, vname)
        hh_no = f"{vcode[:9]}{hh_seq:09d}"
        hh_type = "AGRI" if vname.endswith("村") and rng.random() < 0.8 else "NONAGRI"
        surname = pick_surname()
        size = min(n_local - len(out), 1 + bisect.bisect((0.22, 0.52, 0.77, 0.92), rng.random()))
        hh_phone = _phone(rng)
        for j in range(size):
            sex = "1" if rng.random() < 0.505 else "2"
            p = new_person(sex, draw_age_days(), county, rng.random() < 0.04)
            p.name = (surname if j == 0 or rng.random() < 0.8 else pick_surname()) + _given(rng, sex)
            p.county, p.village, p.hh_no, p.hh_type, p.local = county, vcode, hh_no, hh_type, True
            p.hukou_addr = hukou_addr
            p.res_addr = hukou_addr if rng.random() < 0.85 else _address(
                rng, cname, town.name, rng.choice(town.villages)[1])
            p.phone = _phone(rng) if rng.random() < 0.9 else hh_phone
            p.since = as_of
            _life(p, rng, as_of, window_start, window_days, ref_month, active_ents, cum_emp, tot_emp)
            out.append(p)
            if progress and len(out) % 100_000 == 0:
                print(f"generate: {len(out):,} persons", file=sys.stderr, flush=True)
    city.households = hh_seq
    for _ in range(n_migrants):
        sex = "1" if rng.random() < 0.55 else "2"
        p = new_person(sex, (rng.randrange(20, 50)) * 365 + rng.randrange(365), None, True)
        p.name = pick_surname() + _given(rng, sex)
        p.local = False
        p.in_ps = False
        p.county = rng.choice(county_list)
        town = rng.choice(towns_by_county[p.county])
        p.village = ""
        p.hh_no = p.hukou_addr = p.hh_type = ""
        p.res_addr = _address(rng, ref.COUNTIES[p.county][0], town.name, rng.choice(town.villages)[1])
        p.phone = _phone(rng)
        p.since = as_of
        emp = active_ents[bisect.bisect(cum_emp, rng.random() * tot_emp)] if active_ents else None
        if emp is not None:
            _employ(p, rng, emp, as_of, ref_month)
        _death(p, rng, as_of, window_start, window_days, migrant=True)
        out.append(p)
    # legal representatives: insured local adults
    lrng = stream(seed, "legal_reps")
    reps = [p for p in out if p.local and p.enr and p.death_date is None and (as_of - p.birth).days > 20 * 365]
    for e in employers:
        e.legal_rep = lrng.choice(reps).pid if reps else ""
    from canbao.generate.plant import plant_all

    plant_all(city, seed, rates)
    from canbao.generate.dynamics import schedule_days

    schedule_days(city, seed, taken_ids, taken_uscc, active_ents, cum_emp, tot_emp)
    return city


def _employ(p: Person, rng: random.Random, emp: Employer, as_of: dt.date, ref_month: int) -> None:
    """An employee of ``emp``: wages withheld for the last 3 months; enrolled in the five if registered."""
    p.employer = emp.uscc
    emp.employees += 1
    income = round(rng.lognormvariate(8.6, 0.45), 2)
    p.wh = tuple((ref_month - k, emp.uscc, income) for k in (3, 2, 1))
    hired = as_of - dt.timedelta(days=rng.randrange(60, 365 * 12))
    if emp.si_unit_no is not None:
        for code in (pension_code(emp), "310", "210", "410", "510"):
            p.enr.append((code, emp.uscc, "ACTIVE", hired, ref_month - 1, False, None, None))
    if rng.random() < 0.2:  # an earlier job, ended
        start = hired - dt.timedelta(days=rng.randrange(400, 3000))
        p.enr.append(("110", "", "TERMINATED", start, month_index(hired) - 2, False, None,
                      hired - dt.timedelta(days=40)))


def _death(p: Person, rng: random.Random, as_of: dt.date, window_start: dt.date, window_days: int,
           migrant: bool = False) -> None:
    age = (as_of - p.birth).days // 365
    q = 0.0005 if age < 50 else 0.004 if age < 65 else 0.02 if age < 80 else 0.09
    if rng.random() >= q * window_days / 365:
        return
    death = window_start + dt.timedelta(days=rng.randrange(window_days))
    if death <= p.birth:
        return
    p.death_date = death
    p.wh = tuple(w for w in p.wh if w[0] <= month_index(death))
    if rng.random() < 0.93:
        p.cremation_date = death + dt.timedelta(days=rng.randrange(0, 3))
    known = p.cremation_date or death
    if not migrant and p.cancel_date is None:
        p.cancel_type = "DEATH"
        p.cancel_date = known + dt.timedelta(days=rng.randrange(3, 60))
    first_known = p.cancel_date if p.cremation_date is None else p.cremation_date
    if first_known is None:
        return
    term = (p.cancel_date or first_known) + dt.timedelta(days=rng.randrange(0, 10))
    p.enr = [e if e[E_TERM] is not None and e[E_TERM] <= death else
             (*e[:E_TERM], term, death) for e in p.enr]


def _life(p: Person, rng: random.Random, as_of: dt.date, window_start: dt.date, window_days: int,
          ref_month: int, active_ents: list[Employer], cum_emp: list[float], tot_emp: float) -> None:
    """Schooling, work, enrollments, cancellations and death of one local person."""
    age = (as_of - p.birth).days // 365
    y = as_of.year if as_of.month >= 9 else as_of.year - 1  # current school year started in September y

    def school(level: str, years: int, started_age: int, name: str, full_time: bool = True) -> None:
        start_year = y - (age - started_age)
        enrol = dt.date(start_year, 9, 1)
        grad = dt.date(start_year + years, 6, 30)
        if grad < as_of:
            grad = dt.date(y + 1, 6, 30)
        p.student = (level, full_time, name, enrol, grad)

    cname = ref.COUNTIES[p.county][0]
    r = rng.random()
    if 6 <= age <= 11:
        school("PRIMARY", 6, 6, f"{cname}第{rng.randrange(1, 20)}小学")
    elif 12 <= age <= 14:
        school("JUNIOR", 3, 12, f"{cname}第{rng.randrange(1, 12)}初级中学")
    elif 15 <= age <= 17 and r < 0.95:
        if r < 0.6:
            school("SENIOR", 3, 15, f"{cname}第{rng.randrange(1, 6)}高级中学")
        else:
            school("VOCATIONAL", 3, 15, f"{cname}职业教育中心")
    elif 18 <= age <= 21 and r < 0.5:
        school("COLLEGE", 4, 18, rng.choice(("绍兴文理学院", "浙江工业职业技术学院", "浙江大学", "浙江工业大学",
                                            "杭州电子科技大学", "浙江农林大学", "宁波大学")))
    elif 22 <= age <= 24 and r < 0.1:
        school("GRADUATE", 3, 22, rng.choice(("浙江大学", "浙江工业大学", "浙江师范大学")))
    elif 25 <= age <= 45 and r < 0.01:
        school("COLLEGE", 3, age, "国家开放大学绍兴分校", full_time=False)

    # cancellations other than death, within the window
    if p.sex == "1" and 18 <= age <= 22 and p.student is None:
        m = rng.random()
        if m < 0.015:
            p.cancel_type = "MILITARY"
            p.cancel_date = window_start + dt.timedelta(days=rng.randrange(window_days))
        elif m < 0.018:
            p.military = True
    if p.cancel_date is None and age >= 18:
        m = rng.random()
        if m < 0.004:
            p.cancel_type = "MOVED_OUT"
            p.cancel_date = window_start + dt.timedelta(days=rng.randrange(window_days))
        elif m < 0.005:
            p.cancel_type = "ABROAD"
            p.cancel_date = window_start + dt.timedelta(days=rng.randrange(window_days))

    full_time_student = p.student is not None and p.student[1]
    resident_paid = ref_month - 1
    if age < 16 or full_time_student:
        if rng.random() < 0.9:
            p.enr.append(("390", "", "ACTIVE", max(p.birth, as_of - dt.timedelta(days=300)), resident_paid,
                          False, None, None))
    elif p.cancel_type == "MILITARY" or p.military:
        pass
    elif age < retire_age(p.sex):
        w = rng.random()
        if w < 0.6 and active_ents:
            _employ(p, rng, active_ents[bisect.bisect(cum_emp, rng.random() * tot_emp)], as_of, ref_month)
        elif w < 0.72:  # flexible employment: employee schemes paid individually
            start = as_of - dt.timedelta(days=rng.randrange(100, 3000))
            p.enr.append(("110", "", "ACTIVE", start, resident_paid, False, None, None))
            p.enr.append(("310", "", "ACTIVE", start, resident_paid, False, None, None))
        else:
            start = as_of - dt.timedelta(days=rng.randrange(100, 4000))
            if rng.random() < 0.8:
                p.enr.append(("170", "", "ACTIVE", start, resident_paid, False, None, None))
            if rng.random() < 0.9:
                p.enr.append(("390", "", "ACTIVE", start, resident_paid, False, None, None))
    else:
        retired = dt.date(p.birth.year + retire_age(p.sex), p.birth.month, 1)
        if rng.random() < 0.45:
            start = retired - dt.timedelta(days=365 * rng.randrange(15, 35))
            paid = month_index(retired) - 1
            p.enr.append(("110", "", "ACTIVE", start, paid, True, None, None))
            p.enr.append(("310", "", "ACTIVE", start, paid, True, None, None))
        else:
            start = as_of - dt.timedelta(days=365 * rng.randrange(3, 12))
            if rng.random() < 0.85:
                if age >= 60:
                    p.enr.append(("170", "", "ACTIVE", start, month_index(start) - 1, True, None, None))
                else:
                    p.enr.append(("170", "", "ACTIVE", start, resident_paid, False, None, None))
            if rng.random() < 0.95:
                p.enr.append(("390", "", "ACTIVE", start, resident_paid, False, None, None))
    if rng.random() < 0.004 and 16 <= age:
        p.assist = ("DIBAO" if rng.random() < 0.8 else "TEKUN", as_of - dt.timedelta(days=rng.randrange(30, 3000)))
    _death(p, rng, as_of, window_start, window_days)


__all__ = ["City", "Town", "build_city", "DEFAULT_RATES", "stream", "wrong_check", "transposed", "legacy15",
           "fullwidth", "make_id", "make_uscc", "id_region", "E_CODE", "E_EMPLOYER", "E_STATUS", "E_START",
           "E_LAST_PAID", "E_RECEIVING"]


def region_names(seed: int) -> dict[str, str]:
    """Code -> name of the city, its counties, towns and villages (what the outputs print in 甲栏)."""
    from canbao.generate.reference import CITY_CODE, CITY_NAME, COUNTIES

    names = {CITY_CODE: CITY_NAME}
    names.update({code: spec[0] for code, spec in COUNTIES.items()})
    for town in build_towns(seed):
        names[town.code] = town.name
        names.update(dict(town.villages))
    return names
