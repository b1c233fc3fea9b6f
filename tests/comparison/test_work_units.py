"""Units of work of a comparison run: counties, and equal parts of the large ones."""

from __future__ import annotations

import pytest

from canbao.comparison.config import load_config
from canbao.comparison.run import split_units, unit_params


def test_small_counties_stay_whole_and_large_ones_split_evenly() -> None:
    units = split_units([("330603", 166_667), ("330602", 60_000), ("", 10)], 60_000)
    assert units == [("330602", 60_000), ("330603:0/3", 55_556), ("330603:1/3", 55_556),
                     ("330603:2/3", 55_556), ("", 10)]
    assert split_units([("330603", 5)], 1) == [(f"330603:{i}/5", 1) for i in range(5)]


@pytest.mark.parametrize(("unit", "params"), [
    (None, {"county": None, "part": 0, "parts": 1}),
    ("330603", {"county": "330603", "part": 0, "parts": 1}),
    ("", {"county": "", "part": 0, "parts": 1}),
    ("330603:2/3", {"county": "330603", "part": 2, "parts": 3}),
    (":0/2", {"county": "", "part": 0, "parts": 2}),
])
def test_unit_params(unit, params) -> None:
    assert unit_params(unit) == params


@pytest.mark.parametrize("unit", ["330603:3/3", "330603:x/3", "330603:1", "330603:-1/2"])
def test_a_malformed_unit_is_refused(unit) -> None:
    with pytest.raises(ValueError, match="not a unit of work"):
        unit_params(unit)


def test_the_unit_size_is_not_a_classification_setting(tmp_path) -> None:
    """Changing how the work is split must not force a full run (the fingerprint ignores it)."""
    path = tmp_path / "canbao.yaml"
    path.write_text("work:\n  unit_max_persons: 5000\n", encoding="utf-8")
    split = load_config(path)
    assert split.unit_max_persons == 5000
    assert split.fingerprint() == load_config(tmp_path / "missing.yaml").fingerprint()
    assert load_config(tmp_path / "missing.yaml").unit_max_persons == 100_000


def test_a_run_by_units_reports_each_unit_as_it_finishes(city, caplog) -> None:
    """Progress on long work: one line per unit of work as it completes, with the count so far."""
    from city import make_id

    from canbao.comparison.run import run_by_county

    for i in range(7):
        city.ps(make_id(f"198{i}0101"), region="330602001001")
    city.ps(make_id("19790101"), region="330604001001")
    with caplog.at_level("INFO", logger="canbao.comparison.run"):
        summary = run_by_county(city.db_url, scope="full", workers=2, config=load_config(unit_max_persons=4))
    assert summary.versions_written == 8
    lines = [r.getMessage() for r in caplog.records if "done (" in r.getMessage()]
    # 330602 (7 persons) in two parts, 330604 whole
    assert len(lines) == 3
    assert sorted(line.split(" done (")[1].split(" of ")[0] for line in lines) == ["1", "2", "3"]
    assert sum(": unit 330602:" in line for line in lines) == 2 and sum(": unit 330604 " in line for line in lines) == 1
