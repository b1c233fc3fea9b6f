"""What happens during ``--days``: births, people moving in, address updates, new enrollments and
new enterprises (deaths, cremations, cancellations and their terminations are already dated by the
population builder). Each event is dated; the change files of day k carry the events dated as_of + k.
"""

from __future__ import annotations

import datetime as dt

from canbao.generate import reference as ref
from canbao.generate.model import Employer, Person, month_index
from canbao.generate.population import (
    City,
    _address,
    _given,
    _phone,
    id_region,
    make_id,
    make_uscc,
    pension_code,
    region_valid,
    stream,
)


def _per_day(rng, expected: float) -> int:
    """At least one event a day so that small test cities exercise every change type."""
    base = int(expected)
    return max(1, base + (1 if rng.random() < expected - base else 0))


def schedule_days(city: City, seed: int, taken_ids: set[str], taken_uscc: set[str],
                  active_ents: list[Employer], cum_emp: list[float], tot_emp: float) -> None:
    if city.days <= 0:
        return
    rng = stream(seed, "days")
    n = len(city.persons)
    locals_ = [p for p in city.persons if p.local and p.ps_id is None and p.cancel_date is None
               and p.death_date is None]
    registered_ents = [e for e in active_ents if e.si_unit_no is not None]
    for k in range(1, city.days + 1):
        day = city.as_of + dt.timedelta(days=k)
        ref_month = month_index(day)
        for _ in range(_per_day(rng, n * 0.007 / 365)):  # births into an existing household
            mother = rng.choice(locals_)
            sex = "1" if rng.random() < 0.51 else "2"
            p = Person()
            p.sex = sex
            p.birth = day - dt.timedelta(days=rng.randrange(3, 30))
            p.pid = make_id(rng, id_region(mother.county, p.birth.year), p.birth, sex, taken_ids)
            p.name = mother.name[0] + _given(rng, sex)
            p.eth = mother.eth
            p.county, p.village, p.hh_no, p.hh_type = mother.county, mother.village, mother.hh_no, mother.hh_type
            p.hukou_addr, p.res_addr, p.phone = mother.hukou_addr, mother.res_addr, mother.phone
            p.local = True
            p.since = day
            p.change_type = "BIRTH"
            city.persons.append(p)
        for _ in range(_per_day(rng, n * 0.005 / 365)):  # moves in from elsewhere, starting a job here
            town = rng.choice(city.towns)
            vcode, vname = rng.choice(town.villages)
            sex = "1" if rng.random() < 0.5 else "2"
            p = Person()
            p.sex = sex
            p.birth = day - dt.timedelta(days=rng.randrange(22 * 365, 45 * 365))
            region = rng.choice(ref.OTHER_COUNTIES)
            if not region_valid(region, p.birth.year):
                region = id_region("330602", p.birth.year)
            p.pid = make_id(rng, region, p.birth, sex, taken_ids)
            p.name = rng.choice(ref.SURNAMES)[0] + _given(rng, sex)
            p.eth = "01"
            city.households += 1
            p.county, p.village = town.county, vcode
            p.hh_no = f"{vcode[:9]}{city.households:09d}"
            p.hh_type = "NONAGRI"
            p.hukou_addr = p.res_addr = _address(rng, ref.COUNTIES[town.county][0], town.name, vname)
            p.phone = _phone(rng)
            p.local = True
            p.since = day
            p.change_type = "MOVE_IN"
            if registered_ents and rng.random() < 0.7:
                emp = rng.choice(registered_ents)
                p.employer = emp.uscc
                start = day + dt.timedelta(days=rng.randrange(0, 4))
                p.enr = [(c, emp.uscc, "ACTIVE", start, ref_month, False, None, None)
                         for c in (pension_code(emp), "310", "210", "410", "510")]
            city.persons.append(p)
        for _ in range(_per_day(rng, n * 0.0003)):  # public security updates a residence address
            p = rng.choice(locals_)
            if p.res_update is None:
                town = next(t for t in city.towns if t.code == p.village[:9])
                p.res_update = (day, _address(rng, ref.COUNTIES[p.county][0], town.name,
                                              rng.choice(town.villages)[1]))
                p.planted.append("ps_residence_update")
        for _ in range(_per_day(rng, n * 0.0002)):  # an uninsured resident enrolls in the resident schemes
            p = rng.choice(locals_)
            if not p.enr and p.since <= city.as_of and (day - p.birth).days >= 16 * 365:
                p.enr = [(c, "", "ACTIVE", day, ref_month, False, None, None) for c in ("170", "390")]
                p.planted.append("enrolled_during_days")
        for _ in range(_per_day(rng, len(city.employers) * 0.0005)):  # a new enterprise opens
            county = rng.choice(list(ref.COUNTIES))
            e = Employer()
            e.uscc = make_uscc(rng, "91", county, taken_uscc)
            e.entity_type, e.unit_type, e.status = "ENTERPRISE", "1", "ACTIVE"
            trade = "".join(rng.choice(ref.VILLAGE_STEMS) for _ in range(2))
            e.name = f"绍兴{ref.COUNTIES[county][0][:2]}{trade}{rng.choice(ref.ENTERPRISE_WORDS)}有限公司"
            e.reg_date, e.region = day, county
            e.legal_rep = rng.choice(locals_).pid
            e.tax_status = "NORMAL"
            city.employers.append(e)
            city.employer_by_uscc[e.uscc] = e
