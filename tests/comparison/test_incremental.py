"""Dynamic update: an incremental run gives exactly the base a full rebuild gives."""

from __future__ import annotations

import datetime as dt

from city import REF, make_id, wrong_check

from canbao.comparison.run import run_comparison

DAY2 = dt.date(2026, 12, 5)  # next month: the lapse line and the withholding window move
EMPLOYER = "91330604MA2BXXXX1X"


def build_day1(city) -> dict[str, str]:
    p = {}
    p["steady"] = city.ps(make_id("19800101"))
    city.resident_full(p["steady"])
    p["turns16"] = city.ps(make_id("20101201"))
    p["graduates"] = city.ps(make_id("20050101"))
    city.student(p["graduates"], graduation=dt.date(2026, 11, 30))
    p["lapses"] = city.ps(make_id("19700101"))
    city.enroll(p["lapses"], "170", last_paid="2026-08")
    city.enroll(p["lapses"], "390")
    p["withheld"] = city.ps(make_id("19850101"))
    city.resident_full(p["withheld"])
    city.withholding(p["withheld"], EMPLOYER, "2026-08")
    p["dies"] = city.ps(make_id("19400101"))
    city.enroll(p["dies"], "110", receiving=True)
    city.enroll(p["dies"], "310")
    p["suspends"] = city.ps(make_id("19900101"))
    city.resident_full(p["suspends"])
    p["repaired"] = city.ps(make_id("19950101"))
    p["birthday"] = city.ps(make_id("19601203"))
    return p


def load_day2(city, p: dict[str, str]) -> None:
    city.cremation(p["dies"], dt.date(2026, 11, 28), as_of=DAY2)
    city.enroll(p["suspends"], "170", status="SUSPENDED", as_of=DAY2)
    bad = wrong_check(p["repaired"])
    city.si_person(bad, status="CHECK_FAIL")
    city.enroll(bad, "170", id_status="CHECK_FAIL", as_of=DAY2)
    city.enroll(bad, "390", id_status="CHECK_FAIL", as_of=DAY2)
    p["born"] = city.ps(make_id("20261201"), as_of=DAY2)


def test_incremental_run_equals_a_full_rebuild(city):
    p = build_day1(city)
    run_comparison(city.db_url)
    load_day2(city, p)
    inc = run_comparison(city.db_url)
    assert inc.scope_mode == "INCREMENTAL" and inc.ref_date == DAY2
    full = run_comparison(city.db_url, scope="full")
    assert full.scope_mode == "FULL"
    # a full rebuild finds nothing the incremental run left different, in any column
    assert (full.versions_written, full.rows_refreshed) == (0, 0)
    cats = {k: city.current(v)["category"] for k, v in p.items()}
    assert cats == {"steady": "INSURED", "turns16": "UNINSURED", "graduates": "UNINSURED", "lapses": "LAPSED",
                    "withheld": "INSURED", "dies": "DECEASED_ACTIVE", "suspends": "LAPSED", "repaired": "INSURED",
                    "birthday": "UNINSURED", "born": "NOT_APPLICABLE"}
    assert city.current(p["birthday"])["age"] == 66


def test_incremental_scope_is_only_who_changed(city):
    p = build_day1(city)
    for i in range(20):
        city.resident_full(city.ps(make_id("19750615", seq=500 + i)))
    run_comparison(city.db_url)
    load_day2(city, p)
    inc = run_comparison(city.db_url)
    assert inc.scope_size < len(p) + 2
    assert inc.scope_size >= 9
    assert REF < inc.ref_date


def test_per_county_steps_give_the_same_base_as_one_run(city):
    from canbao.comparison import run as comparison

    p = build_day1(city)
    other = make_id("19850101", region="110105")
    city.si_person(other)
    city.resident_full(other)
    city.ps(make_id("19810101"), region="330602001001")
    run_id = comparison.prepare(city.db_url)
    counties = comparison.list_counties(city.db_url, run_id)
    assert counties == ["", "330602", "330604"]
    for county in counties:
        comparison.run_county(city.db_url, run_id, county)
    summary = comparison.finish(city.db_url, run_id)
    assert summary.versions_written == len(p) + 2
    again = run_comparison(city.db_url, scope="full")
    assert (again.versions_written, again.rows_refreshed) == (0, 0)


def test_counties_on_parallel_connections_give_the_same_base_as_one_run(city):
    from canbao.comparison.run import run_by_county

    p = build_day1(city)
    city.ps(make_id("19810101"), region="330602001001")
    first = run_by_county(city.db_url, scope="full", workers=2)
    assert first.versions_written == len(p) + 1
    load_day2(city, p)
    inc = run_by_county(city.db_url, workers=2)
    assert inc.scope_mode == "INCREMENTAL" and inc.ref_date == DAY2
    # the day applied by county on two connections leaves nothing a one-transaction full rebuild would change
    full = run_comparison(city.db_url, scope="full")
    assert (full.versions_written, full.rows_refreshed) == (0, 0)
    assert city.current(p["dies"])["category"] == "DECEASED_ACTIVE"
    assert city.current(p["repaired"])["category"] == "INSURED"


def test_counties_split_into_parts_give_the_same_base_as_one_run(city):
    """A county larger than work.unit_max_persons is computed in equal parts (hash of the ID): every
    person lands in exactly one part, and the base is the one a single transaction builds."""
    from canbao.comparison import run as comparison
    from canbao.comparison.config import load_config

    p = build_day1(city)
    city.ps(make_id("19810101"), region="330602001001")
    config = load_config(unit_max_persons=3)
    run_id = comparison.prepare(city.db_url, scope="full", config=config)
    sizes = dict(comparison.county_sizes(city.db_url, run_id))
    units = comparison.list_units(city.db_url, run_id, config)
    assert len(units) > len(sizes) and any(":" in u for u in units)
    for unit in units:
        comparison.run_county(city.db_url, run_id, unit, config)
    summary = comparison.finish(city.db_url, run_id)
    assert summary.versions_written == sum(sizes.values()) == len(p) + 1
    again = run_comparison(city.db_url, scope="full")
    assert (again.versions_written, again.rows_refreshed) == (0, 0)
    # the same day applied by parts on parallel connections: the incremental run splits too
    load_day2(city, p)
    inc = comparison.run_by_county(city.db_url, workers=2, config=config)
    assert inc.scope_mode == "INCREMENTAL"
    full = run_comparison(city.db_url, scope="full")
    assert (full.versions_written, full.rows_refreshed) == (0, 0)
