"""Clean blocks rendered in numpy (canbao.intake.render) stage exactly what the row-at-a-time reference stages.

Each test also counts the pieces the renderer answered, so a renderer that
silently declined everything (and left the work to the column converter)
would fail instead of passing on the fallback.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from helpers import citizen_id, ps_row, ps_text  # noqa: E402
from test_fastpath import assert_same, write  # noqa: E402

from canbao.intake import fastpath, parse  # noqa: E402
from canbao.intake.parse import ParseStats, parse_file  # noqa: E402
from canbao.intake.render import Renderer  # noqa: E402
from canbao.registry.loader import parse_feed  # noqa: E402


@pytest.fixture
def rendered(monkeypatch):
    """Counts of pieces the renderer built and declined during a test."""
    counts = {"built": 0, "declined": 0}
    original = Renderer.render

    def counting(self, piece, first_row, lead, day):
        out = original(self, piece, first_row, lead, day)
        counts["built" if out is not None else "declined"] += 1
        return out

    monkeypatch.setattr(Renderer, "render", counting)
    return counts


def varied_rows(n: int) -> list[list[str]]:
    """Clean rows (no whitespace, quoting or full-width forms) with every outcome the renderer decides."""
    rows = []
    for i in range(n):
        birth = f"19{50 + i % 50:02d}{1 + i % 12:02d}{1 + i % 28:02d}"
        male = i % 2 == 0
        row = ps_row(i, 公民身份号码=citizen_id(i, birth=birth, male=male), 出生日期=birth,
                     性别="男" if male else "女", 户口性质="农业" if i % 3 else "非农业",
                     户口状态="正常" if i % 7 else "死亡注销", 注销日期="" if i % 7 else "20250102",
                     是否服役="否" if i % 5 else "是", 姓名="张犇" if i % 11 == 0 else "李四")
        kind = i % 13
        if kind == 1:
            row[4] = "19800102"                                  # birth date differs from the ID
        elif kind == 2:
            row[2] = "女" if male else "男"                       # sex differs from the ID
        elif kind == 3:
            row[0] = row[0][:17] + ("0" if row[0][17] != "0" else "1")  # check character wrong
        elif kind == 4:
            row[0] = ""                                          # no ID
        elif kind == 5:
            row[4] = ""                                          # no birth date
        elif kind == 6:
            row[2] = "未知"                                       # sex mapped to nothing
        elif kind == 7:
            row[1] = ""                                          # empty text
        elif kind == 8:
            row[0] = row[0][:6] + "19990231" + row[0][14:]       # ID with an impossible birth date
        rows.append(row)
    return rows


def test_rendered_clean_blocks_match_the_reference(registry, tmp_path, monkeypatch, rendered):
    monkeypatch.setattr(parse, "READ_BYTES", 4099)  # many blocks; row numbers cross 9, 99, 999
    path = write(tmp_path, "a.txt", ps_text(varied_rows(1200)).encode("gbk"))
    result = assert_same(registry["ps_household"], path, chunk_rows=97)  # pieces cut at batch ends
    assert result[0] == "ok" and result[2][0] == 1200
    assert rendered["built"] > 20


@pytest.mark.parametrize("bad", [
    {"性别": "x"},                                 # not in the value map: a reject
    {"出生日期": "19801301"},                       # not a date: a reject
    {"出生日期": "1980-01-01"},                     # another format: a reject
    {"公民身份号码": "33060419800101001x"},         # lower-case x: cleaned up by the reference
    {"公民身份号码": "330604800101001"},            # 15 digits
    {"是否服役": "maybe"},                           # not a yes/no answer of the map
    {"姓名": "=1+1"},                               # formula start: neutralised and reported
    {"姓名": "a\\b"},                               # backslash: escaped
    {"户籍地址": "ＡＢＣ"},                          # full-width: folded
    {"居住地址": " padded "},                        # whitespace: trimmed
])
def test_blocks_the_renderer_declines_still_match_the_reference(registry, tmp_path, monkeypatch, rendered, bad):
    monkeypatch.setattr(parse, "READ_BYTES", 4099)
    rows = varied_rows(600)
    rows[300] = ps_row(300, **bad)
    path = write(tmp_path, "a.txt", ps_text(rows).encode("gbk"))
    assert assert_same(registry["ps_household"], path, chunk_rows=128)[0] == "ok"
    assert rendered["built"] > 5 and rendered["declined"] >= 1


def test_the_benchmark_feed_renders_as_the_reference(tmp_path, monkeypatch, rendered):
    from canbao.intake.bench import BENCH_FEED, write_snapshot

    monkeypatch.setattr(parse, "READ_BYTES", 65536)
    feed = parse_feed(BENCH_FEED, Path("<bench>"))
    path = tmp_path / "BENCH_20260301.txt"
    write_snapshot(path, 5000)
    assert assert_same(feed, path, chunk_rows=1000)[0] == "ok"
    assert rendered["declined"] == 0 and rendered["built"] > 5


def test_rendering_off_and_on_give_the_same_copy_text(registry, tmp_path, monkeypatch):
    monkeypatch.setattr(parse, "READ_BYTES", 8191)
    path = write(tmp_path, "a.txt", ps_text(varied_rows(900)).encode("gbk"))
    texts = []
    for on in (True, False):
        monkeypatch.setattr(fastpath, "RENDER", on)
        stats = ParseStats()
        texts.append(b"".join(b.copy_data() for b in parse_file(registry["ps_household"], path, 3,
                                                                  dt.date(2026, 3, 1), 200, stats)))
    assert texts[0] == texts[1] and texts[0].count(b"\n") == 900


def test_characters_beyond_the_basic_plane_render_as_the_reference(tmp_path, monkeypatch, rendered):
    import copy

    from canbao.intake.bench import BENCH_FEED, HEADER

    spec = copy.deepcopy(BENCH_FEED)
    spec["format"]["encoding"] = "utf-8"
    feed = parse_feed(spec, Path("<bench>"))
    monkeypatch.setattr(parse, "READ_BYTES", 2048)
    rows = varied_rows(300)
    for i, row in enumerate(rows):
        if i % 4 == 0:
            row[1], row[7] = "张𠀀", "𠀋路𠀀号"  # surrogate pairs in UTF-16: two code units each
    text = "\r\n".join(["|".join(HEADER)] + ["|".join(r) for r in rows]) + "\r\n"
    path = write(tmp_path, "b.txt", text.encode("utf-8"))
    assert assert_same(feed, path, chunk_rows=50)[0] == "ok"
    assert rendered["built"] >= 3  # blocks with a sex of 未知 (not in this feed's map) are the converter's


def _bench_variant(**changes):
    """The benchmark feed with format or column changes (a deep copy)."""
    import copy

    from canbao.intake.bench import BENCH_FEED

    spec = copy.deepcopy(BENCH_FEED)
    spec["format"].update(changes.pop("format", {}))
    spec["columns"].update(changes.pop("columns", {}))
    return parse_feed(spec, Path("<bench>"))


def bench_rows(n: int) -> list[list[str]]:
    """:func:`varied_rows` the benchmark feed renders (its sex map knows only 男 and 女)."""
    rows = varied_rows(n)
    for row in rows:
        if row[2] == "未知":
            row[2] = "男"
    return rows


def _bench_text(rows: list[list[str]], delimiter: str = "|", newline: str = "\r\n", final: bool = True) -> str:
    from canbao.intake.bench import HEADER

    text = newline.join([delimiter.join(HEADER)] + [delimiter.join(r) for r in rows])
    return text + newline if final else text


def test_value_maps_with_many_and_long_values_render_as_the_reference(tmp_path, monkeypatch, rendered):
    # more than a handful of distinct values (sorted, not peeled) and values over 16 bytes (no short keys)
    feed = _bench_variant(columns={
        "ethnicity": {"column": "民族", "map": {f"{i:02d}": f"E{i:02d}" for i in range(1, 41)}},
        "hukou_status": {"column": "户口状态", "map": {"正常户口登记状态有效": "REGISTERED", "死亡注销": "CANCELLED_DEATH",
                                                     "正常": "REGISTERED"}},
    })
    monkeypatch.setattr(parse, "READ_BYTES", 8192)
    rows = bench_rows(700)
    for i, row in enumerate(rows):
        row[3] = f"{1 + i % 40:02d}"
        row[11] = ("正常户口登记状态有效", "死亡注销", "正常")[i % 3]
    path = write(tmp_path, "m.txt", _bench_text(rows).encode("gbk"))
    assert assert_same(feed, path, chunk_rows=150)[0] == "ok"
    assert rendered["built"] >= 10


@pytest.mark.parametrize("delimiter", ["\t", ","])
def test_other_delimiters_render_as_the_reference(tmp_path, monkeypatch, rendered, delimiter):
    feed = _bench_variant(format={"delimiter": delimiter})
    monkeypatch.setattr(parse, "READ_BYTES", 4096)
    path = write(tmp_path, "d.txt", _bench_text(bench_rows(400), delimiter).encode("gbk"))
    assert assert_same(feed, path, chunk_rows=64)[0] == "ok"
    assert rendered["built"] >= 5


@pytest.mark.parametrize("final", [True, False])
def test_line_feed_files_with_or_without_a_last_newline_render_as_the_reference(tmp_path, monkeypatch, rendered,
                                                                                final):
    feed = _bench_variant()
    monkeypatch.setattr(parse, "READ_BYTES", 3000)
    rows = bench_rows(300)
    rows[-1][13] = "是"  # the file's last value: a short mapped value in the block's last 8 bytes
    path = write(tmp_path, "n.txt", _bench_text(rows, newline="\n", final=final).encode("gbk"))
    assert assert_same(feed, path, chunk_rows=41)[0] == "ok"
    assert rendered["built"] >= 5


@pytest.mark.parametrize("value", [
    "某\u3000路",      # ideographic space: whitespace and full-width
    "某\u00a0路",      # no-break space (UTF-8 C2 A0)
    "某\u2003路",      # em space (E2 80 83)
    "某\u205f路",      # medium mathematical space (E2 81 9F)
    "某\u1680路",      # ogham space mark (E1 9A 80)
    "某ＡＢ路",         # full-width letters (EF BC A1)
    "某\uff5e路",      # full-width tilde, the last folded form (EF BD 9E)
])
def test_non_ascii_whitespace_and_full_width_forms_are_seen_in_utf8_blocks(tmp_path, monkeypatch, rendered,
                                                                         value):
    feed = _bench_variant(format={"encoding": "utf-8"})
    monkeypatch.setattr(parse, "READ_BYTES", 4096)
    rows = bench_rows(300)
    rows[150][7] = value
    path = write(tmp_path, "w.txt", _bench_text(rows).encode("utf-8"))
    assert assert_same(feed, path, chunk_rows=64)[0] == "ok"
    assert rendered["built"] >= 3 and rendered["declined"] >= 1


def test_look_alike_non_ascii_characters_render_as_the_reference(tmp_path, monkeypatch, rendered):
    # characters whose UTF-8 starts like a space or a full-width form's (C2, E1-E3, EF) but are neither
    feed = _bench_variant(format={"encoding": "utf-8"})
    monkeypatch.setattr(parse, "READ_BYTES", 4096)
    rows = bench_rows(300)
    for i, row in enumerate(rows):
        row[7] = ("某©路", "某°路", "某—路", "某€路", "某｡路", "某\u3001路", "某ﾊ路")[i % 7]
    path = write(tmp_path, "l.txt", _bench_text(rows).encode("utf-8"))
    assert assert_same(feed, path, chunk_rows=64)[0] == "ok"
    assert rendered["built"] >= 5


def test_public_id_rules_match_the_column_normaliser():
    from canbao import ids

    body = "33060419800101001"
    total = sum(int(d) * w for d, w in zip(body, ids.ID_WEIGHTS, strict=True))
    assert chr(ids.ID_CHECK_CHARS[total % 11]) == ids.check_char(body)
    assert ids.ID_STATUS_BY_CODE[0] == ids.VALID and ids.ID_STATUS_BY_CODE[3] == ids.SEX_MISMATCH
    assert [ids.sex_number(c) for c in ("1", "2", "9", "", None)] == [1, 2, 0, 0, 0]
