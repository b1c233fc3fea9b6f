"""The feed registry loader: typed feeds, and refusals that name the file and the key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from canbao.registry import Feed, RegistryError, load_registry
from canbao.registry.loader import parse_duration

TEST_FEEDS = Path(__file__).parent.parent / "intake" / "feeds"
BASE = yaml.safe_load((TEST_FEEDS / "ps_household.yaml").read_text(encoding="utf-8"))


def write_feed(folder: Path, name: str, doc: dict) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def variant(**changes) -> dict:
    doc = yaml.safe_load(yaml.safe_dump(BASE, allow_unicode=True))
    for dotted, value in changes.items():
        node = doc
        keys = dotted.split("__")
        for k in keys[:-1]:
            node = node[k]
        if value is ...:
            node.pop(keys[-1])
        else:
            node[keys[-1]] = value
    return doc


def test_registry_loads_typed_feeds():
    feeds = load_registry(TEST_FEEDS)
    feed = feeds["ps_household"]
    assert isinstance(feed, Feed) and feed.dag_id == "intake__ps_household"
    assert feed.sftp.folder == "/public_security/inbox" and feed.format.delimiter == "|"
    assert feed.columns["sex"].map == {"男": "1", "女": "2", "未知": None}
    assert feed.schedule.grace == dt.timedelta(hours=6) and feed.gate.strict_identity is True
    assert feeds["edu_fixed"].format.fields["SFZH"] == (0, 18)
    assert feeds["si_pipe"].columns["name"].column == 1


def test_project_registry_loads_when_present():
    from canbao.paths import FEEDS_DIR

    if not list(FEEDS_DIR.glob("*.yaml")):
        pytest.skip("config/feeds has no feed files yet")
    assert load_registry(FEEDS_DIR)


@pytest.mark.parametrize("changes,key", [
    ({"target": "nope"}, "target"),
    ({"columns__person_id": ...}, "columns.person_id"),
    ({"columns__shoe_size": "鞋码"}, "columns.shoe_size"),
    ({"sftp__folder": "public_security/inbox"}, "sftp.folder"),
    ({"sftp__receipts": "receipts"}, "sftp.receipts"),
    ({"sftp__pattern": "../HJRK_*.txt"}, "sftp.pattern"),
    ({"format__encoding": "big5"}, "format.encoding"),
    ({"format__delimiter": "||"}, "format.delimiter"),
    ({"name": "Bad-Name"}, "name"),
    ({"department": "police"}, "department"),
    ({"constants": {"no_such_field": 1}}, "constants.no_such_field"),
    ({"schedule__grace": "six hours"}, "schedule.grace"),
    ({"sftp__pattern": "*"}, "sftp.pattern"),
])
def test_bad_feed_is_refused_naming_file_and_key(tmp_path, changes, key):
    write_feed(tmp_path, "broken_feed", variant(**changes))
    with pytest.raises(RegistryError) as info:
        load_registry(tmp_path)
    assert info.value.key == key
    assert str(info.value).startswith(f"broken_feed.yaml: {key}:")


def test_duplicate_feed_name_is_refused(tmp_path):
    write_feed(tmp_path, "a", BASE)
    write_feed(tmp_path, "b", BASE)
    with pytest.raises(RegistryError, match=r"b\.yaml: name: .*already defined in a\.yaml"):
        load_registry(tmp_path)


def test_required_field_may_come_from_constants(tmp_path):
    doc = variant(columns__hukou_status=...)
    doc["constants"] = {"hukou_status": "REGISTERED"}
    write_feed(tmp_path, "c", doc)
    assert load_registry(tmp_path)["ps_household"].constants == {"hukou_status": "REGISTERED"}


def test_iso_durations_are_read():
    assert parse_duration("P1DT2H30M") == dt.timedelta(days=1, hours=2, minutes=30)
