"""The fast paths of the comparison give the same base as building everything.

c_record builds records only for persons whose state_hash (a hash of everything the row is computed
from) differs from base.person_current; these tests pin what that shortcut must not lose.
"""

from __future__ import annotations

import datetime as dt

from city import REF, make_id

from canbao.comparison.run import run_comparison

EMPLOYER = "91330604MA2BXXXX1X"


def test_what_if_run_counts_persons_whose_rows_do_not_change(city):
    pid = city.ps(make_id("19900101"))
    city.resident_full(pid)
    run_comparison(city.db_url)
    # one day later nothing about this person changes: no record is rebuilt, yet the person counts
    summary = run_comparison(city.db_url, ref_date=REF + dt.timedelta(days=1), scope="full")
    assert summary.what_if and summary.categories == {"INSURED": 1}


def test_a_row_written_under_another_state_hash_is_refreshed_without_a_new_version(city):
    pid = city.ps(make_id("19900101"))
    city.resident_full(pid)
    run_comparison(city.db_url)
    city.execute("update base.person_current set state_hash = 'from-an-older-release'")
    again = run_comparison(city.db_url, scope="full")
    assert (again.versions_written, again.rows_refreshed) == (0, 1)
    assert city.current(pid)["state_hash"] != "from-an-older-release"
    assert city.scalar("select count(*) from base.person_version where person_id = :p", p=pid) == 1


def test_an_employer_name_arriving_later_reaches_the_employee_row(city):
    pid = city.ps(make_id("19900101"))
    city.employee_full(pid, EMPLOYER)
    run_comparison(city.db_url)
    assert city.current(pid)["employer_name"] is None
    city.insert("si_employer", {"uscc": EMPLOYER, "name": "上虞某公司"}, id_fields=("uscc",))
    again = run_comparison(city.db_url, scope="full")
    assert city.current(pid)["employer_name"] == "上虞某公司"
    assert (again.versions_written, again.rows_refreshed) == (0, 1)


def test_unchanged_fields_keep_their_provenance_when_another_field_changes(city):
    pid = city.ps(make_id("19900101"))
    city.resident_full(pid)
    run_comparison(city.db_url)
    later = REF + dt.timedelta(days=1)
    city.ps(pid, phone="13712345678", as_of=later)
    city.enroll(pid, "170", status="SUSPENDED", as_of=later)
    summary = run_comparison(city.db_url)
    assert summary.versions_written == 1
    sources = city.current(pid)["sources"]
    assert sources["name"] == {"source": "public_security", "as_of": REF.isoformat()}
    assert sources["hukou_address"]["as_of"] == REF.isoformat()
    assert sources["phone"] == {"source": "public_security", "as_of": later.isoformat()}
    assert sources["insurance"]["as_of"] == later.isoformat()
