"""The fast path (blocks and columns) stages exactly what the row-at-a-time reference stages.

The oracle is :meth:`canbao.intake.parse.RowPlan.convert` applied record by
record (``reference_parse(..., row_at_a_time=True)``): COPY lines, row rejects,
batch boundaries, statistics and whole-file faults must all agree.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from helpers import PS_HEADER, citizen_id, ps_row, ps_text  # noqa: E402

from canbao.intake import parse  # noqa: E402
from canbao.intake.errors import BadDelivery  # noqa: E402
from canbao.intake.parse import ParseStats, parse_file, reference_parse  # noqa: E402
from canbao.registry.loader import parse_feed  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def outcome(batches_of, feed, path, **kw):
    """Everything a parse produces: batches (lines, rejects), stats, or the whole-file fault."""
    stats = ParseStats()
    got = []
    try:
        for batch in batches_of(feed, path, 7, dt.date(2026, 3, 1), stats=stats, **kw):
            got.append((list(batch.lines), list(batch.rejects)))
    except BadDelivery as exc:
        return ("fault", exc.code, str(exc), got)
    return ("ok", got, (stats.rows, stats.rejects, stats.rejected_rows, stats.encoding, stats.columns,
                        stats.unmapped_columns))


def reference(feed, path, delivery_id, as_of, stats, **kw):
    return reference_parse(feed, path, delivery_id, as_of, stats=stats, row_at_a_time=True, **kw)


def assert_same(feed, path, **kw):
    fast = outcome(parse_file, feed, path, **kw)
    ref = outcome(reference, feed, path, **kw)
    assert fast == ref
    return fast


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_fast_path_is_the_default_for_delimited_files(registry, tmp_path, monkeypatch):
    from canbao.intake import fastpath

    called = []
    real = fastpath.parse_csv
    monkeypatch.setattr(fastpath, "parse_csv", lambda *a, **k: called.append(1) or real(*a, **k))
    path = write(tmp_path, "a.txt", ps_text([ps_row(1)]).encode("gbk"))
    list(parse_file(registry["ps_household"], path))
    assert called == [1]


# --------------------------------------------------------------------------- hand-made edge cases

EDGE_ROWS = {
    "clean": [ps_row(i) for i in range(1, 30)],
    "blank and whitespace lines": [ps_row(1), ["   "], [""], ps_row(2)],
    "trimmed values": [ps_row(1, 姓名=" 张三 ", 户号="\tH1"), ps_row(2, 公民身份号码=" " + citizen_id(2) + " ")],
    "full-width values": [ps_row(1, 姓名="ＡＢＣ", 民族="０１", 户籍地址="＝１+１", 居住地址="Ａ＼Ｂ")],
    "ideographic spaces": [ps_row(1, 姓名="\u3000王五\u3000")],
    "formula starts": [ps_row(1, 户籍地址="=SUM(A1)", 居住地址="-x", 联系电话="+8613800000000"),
                       ps_row(2, 姓名="@me", 户号="-12.5")],
    "backslashes": [ps_row(1, 户籍地址="a\\b", 居住地址="\\N"), ps_row(2, 公民身份号码="\\N"),
                    ps_row(3, 公民身份号码="12\\3")],
    "ragged rows": [ps_row(1), ps_row(2)[:5], ps_row(3) + ["extra"], ps_row(4)],
    "bad values": [ps_row(1, 出生日期="19801399", 性别="男性", 户口性质="城镇", 是否服役="也许"),
                   ps_row(2, 注销日期="2020-01-01", 户口状态="死亡注销")],
    "id forms": [ps_row(1, 公民身份号码=citizen_id(1).lower()),
                 ps_row(2, 公民身份号码=citizen_id(2)[:6] + citizen_id(2)[8:17]),
                 ps_row(3, 公民身份号码=citizen_id(3)[:17] + "0"),
                 ps_row(4, 公民身份号码="１２３"), ps_row(5, 公民身份号码="不详"), ps_row(6, 公民身份号码=""),
                 ps_row(7, 公民身份号码=citizen_id(7, birth="19800230")),
                 ps_row(8, 出生日期="19800102"), ps_row(9, 性别="女"), ps_row(10, 出生日期=""),
                 ps_row(11, 公民身份号码="１２３＼４")],
    "quoted fields": [ps_row(1), ps_row(2, 姓名='"王|五"'), ps_row(3, 户籍地址='"多\r\n行"'), ps_row(4)],
    "quote inside a field": [ps_row(1, 姓名='王"五')],
    "whitespace inside values": [ps_row(1, 居住地址="a\tb", 户籍地址=" =A1", 姓名="王 五"), ps_row(2, 户号="H\x0b1 "),
                                 ps_row(3, 居住地址="某小区\u30002幢", 联系电话="\u3000")],
}


@pytest.mark.parametrize("case", sorted(EDGE_ROWS))
def test_fast_path_matches_the_reference_on_edge_rows(registry, tmp_path, case):
    path = write(tmp_path, "a.txt", ps_text(EDGE_ROWS[case]).encode("gbk"))
    result = assert_same(registry["ps_household"], path)
    assert result[0] == "ok"


@pytest.mark.parametrize("data", [
    b"", b"\r\n", "|".join(PS_HEADER).encode("gbk"), ("|".join(PS_HEADER) + "\r\n\r\n").encode("gbk"),
    ("|".join(PS_HEADER[:-1]) + "\n" + "|".join(ps_row(1)[:-1]) + "\n").encode("gbk"),
    ps_text([ps_row(1)]).encode("gbk") + b"\x00\x01",
    ps_text([ps_row(1)]).encode("gbk") + "\ufffd".encode("utf-8") * 3 + b"\xff\xff",
    ps_text([ps_row(1)]).encode("gbk")[:-2] + b"\r" + ps_text([ps_row(2)], header=False).encode("gbk"),
    ps_text([ps_row(1)]).encode("gbk") + b'"' + b"a" * 70_000,
    ps_text([ps_row(1)]).encode("gbk").replace(b"\r\n", b"\r\r\n"),
    ps_text([ps_row(1), ps_row(2)]).encode("gbk").rstrip(b"\n"),
], ids=["empty", "blank", "header-no-newline", "header-blank", "missing-column", "nul", "bad-bytes",
        "lone-cr", "open-quote", "cr-cr-lf", "last-line-cr"])
def test_fast_path_matches_the_reference_on_whole_file_cases(registry, tmp_path, data):
    assert_same(registry["ps_household"], write(tmp_path, "a.txt", data))


def test_headerless_feed_with_longer_and_shorter_rows_matches(registry, tmp_path):
    rows = [f"{citizen_id(i)}|赵六|{1 + i % 2}|1980-01-01|139{i:08d}" for i in range(40)]
    rows[5] += "|extra"
    rows[9] = rows[9].rsplit("|", 1)[0]
    rows[11] = ""
    path = write(tmp_path, "SBRY_1.txt", ("\n".join(rows) + "\n").encode())
    assert assert_same(registry["si_pipe"], path)[0] == "ok"


def test_utf8_bom_comma_feed_with_quotes_matches(registry, tmp_path):
    text = "身份证号,姓名,死亡日期,火化日期\r\n" + "".join(
        f'{citizen_id(i)},"李,四{i}",2026-02-0{1 + i % 9},2026-02-1{i % 9}\r\n' for i in range(30))
    path = write(tmp_path, "HH_1.csv", b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert assert_same(registry["ca_cremation"], path)[0] == "ok"


def test_tab_delimited_feed_matches(tmp_path):
    from canbao.intake.bench import BENCH_FEED

    doc = dict(BENCH_FEED, format={"type": "csv", "encoding": "utf-8", "delimiter": "\t", "quotechar": None,
                                    "header": True})
    feed = parse_feed(doc, Path("<test>"))
    rows = [ps_row(i) for i in range(30)] + [ps_row(31, 姓名=" 钱七"), ps_row(32, 居住地址="a b"),
                                             ps_row(33, 户籍地址="\u2028x\x85", 联系电话="\xa0=1"),
                                             ps_row(34, 姓名="\U00020000\U0002A6D6", 居住地址="𠀀 =1")]
    text = "\r\n".join("\t".join(r) for r in [PS_HEADER] + rows) + "\r\n"
    assert assert_same(feed, write(tmp_path, "a.txt", text.encode("utf-8")))[0] == "ok"


# --------------------------------------------------------------------------- generated variety, many blocks


def noisy_rows(seed: int, n: int) -> list[list[str]]:
    """Household rows with every kind of blemish a department file shows, at random."""
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        row = ps_row(i, 性别=rnd.choice("男女"), 出生日期=f"19{rnd.randint(40, 99)}0{rnd.randint(1, 9)}1{rnd.randint(0, 9)}")
        born = row[4]
        row[0] = citizen_id(i, birth=born, male=row[2] == "男")
        r = rnd.random()
        if r < 0.02:
            row[0] = row[0][:6] + row[0][8:17]
        elif r < 0.04:
            row[0] = row[0][:17] + rnd.choice("0123456789X")
        elif r < 0.05:
            row[0] = row[0].lower()
        elif r < 0.06:
            row[0] = rnd.choice(["", "不详", "１２３", " " + row[0], "\\N"])
        elif r < 0.07:
            row[4] = rnd.choice(["19800231", "", "abc", "20000229"])
        elif r < 0.08:
            row[2] = rnd.choice(["男性", "", "女"])
        elif r < 0.09:
            row[7] = rnd.choice(["=A1", "＝B2", "a\\b", " 有空格 ", "\u3000全角空格", "@x", "-1"])
        elif r < 0.095:
            row = row[:rnd.randint(1, 13)]
        elif r < 0.10:
            row = row + ["多余"]
        elif r < 0.105:
            row = ["  "]
        rows.append(row)
    return rows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fast_path_matches_the_reference_on_noisy_files_read_in_small_pieces(registry, tmp_path, monkeypatch,
                                                                              seed):
    monkeypatch.setattr(parse, "READ_BYTES", 997)  # many blocks, multi-byte characters split across reads
    rows = noisy_rows(seed, 1500)
    clean_rows = [ps_row(i) for i in range(600)]
    text = ps_text(clean_rows + rows + clean_rows)  # clean blocks before and after noisy ones
    path = write(tmp_path, "a.txt", text.encode("gbk"))
    result = assert_same(registry["ps_household"], path, chunk_rows=257)
    data_rows = 1200 + sum(1 for r in rows if r != ["  "])  # whitespace-only lines are not rows
    assert result[0] == "ok" and result[2][0] == data_rows and result[2][1] > 0


def test_a_quoted_field_late_in_the_file_hands_the_rest_to_the_csv_module(registry, tmp_path, monkeypatch):
    monkeypatch.setattr(parse, "READ_BYTES", 4096)
    rows = [ps_row(i) for i in range(800)]
    rows[700] = ps_row(700, 户籍地址='"越城区\n某路"')
    assert assert_same(registry["ps_household"], write(tmp_path, "a.txt", ps_text(rows).encode("gbk")),
                       chunk_rows=100)[0] == "ok"


def test_a_csv_error_late_in_the_file_reports_the_same_line(registry, tmp_path, monkeypatch):
    monkeypatch.setattr(parse, "READ_BYTES", 4096)
    rows = [ps_row(i) for i in range(500)]
    text = ps_text(rows[:400]) + "|".join(ps_row(400)).replace("越城区", "越\r城区") + "\r\n" + ps_text(rows[401:],
                                                                                                header=False)
    result = assert_same(registry["ps_household"], write(tmp_path, "a.txt", text.encode("gbk")))
    assert result[:2] == ("fault", "UNREADABLE") and "line 402" in result[2]


def test_a_long_line_after_clean_blocks_is_the_same_fault(registry, tmp_path, monkeypatch):
    monkeypatch.setattr(parse, "READ_BYTES", 4096)
    monkeypatch.setattr(parse, "MAX_LINE_CHARS", 5000)
    text = ps_text([ps_row(i) for i in range(300)]) + "x" * 6000 + "\r\n"
    result = assert_same(registry["ps_household"], write(tmp_path, "a.txt", text.encode("gbk")))
    assert result[:2] == ("fault", "LINE_TOO_LONG")


# --------------------------------------------------------------------------- a generated city


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    from canbao.generate import generate_city

    out = tmp_path_factory.mktemp("city")
    summary = generate_city(out, persons=2000, seed=1)
    return out, summary


def test_every_delimited_feed_of_a_generated_city_stages_as_the_reference(city):
    from canbao.registry import load_registry

    out, summary = city
    feeds = load_registry(REPO / "config" / "feeds")
    compared = 0
    seen: set[str] = set()
    for f in summary["files"]:
        feed = feeds.get(f["feed"])
        if feed is None or feed.format.type != "csv":
            continue
        result = assert_same(feed, out / f["path"], chunk_rows=500)
        assert result[0] == "ok", f["path"]
        compared += 1
        for lines, _ in result[1]:
            seen.update(v for line in lines for v in line.split("\t") if v.endswith(("CHECK_FAIL", "MALFORMED",
                                                                                      "UPGRADED_15")))
    assert compared >= 8
    assert {"CHECK_FAIL", "UPGRADED_15"} <= seen  # the planted bad and legacy IDs went through both paths


# --------------------------------------------------------------------------- citizen IDs a column at a time


def test_column_id_normalisation_agrees_with_normalise_id():
    from canbao.ids import check_char, normalise_id, normalise_ids

    rnd = random.Random(5)
    raws, births, sexes = [], [], []
    for _ in range(20_000):
        y, mo, da = rnd.choice([1900, 1980, 2000, 2004, 2100, 1, 0]), rnd.randint(0, 13), rnd.randint(0, 32)
        body = f"{rnd.randint(100000, 999999)}{y:04d}{mo:02d}{da:02d}{rnd.randint(0, 999):03d}"
        r = rnd.random()
        raw = (body + check_char(body) if r < 0.5 else body + rnd.choice("0123456789Xx") if r < 0.7
               else body[:6] + body[8:17] if r < 0.8 else rnd.choice(["", "abc", body + "1 ", "１２３", body + "X"]))
        birth = None
        if rnd.random() < 0.7:
            try:
                birth = (dt.date(y, mo, da) if rnd.random() < 0.6 else dt.date(1980, 1, 2)).isoformat()
            except ValueError:
                pass
        raws.append(raw)
        births.append(birth)
        sexes.append(rnd.choice([None, "1", "2", "9", "\\N"]))
    values, statuses = normalise_ids(raws, births, sexes)
    expected = [normalise_id(r, dt.date.fromisoformat(b) if b else None, s)
                for r, b, s in zip(raws, births, sexes, strict=True)]
    assert list(zip(values, statuses, strict=True)) == [(e.value, e.status) for e in expected]
    assert len(set(statuses)) == 6


def test_column_id_normalisation_without_birth_or_sex():
    from canbao.ids import normalise_id, normalise_ids

    raws = [citizen_id(i, birth="20000229") for i in range(50)] + [citizen_id(1)[:17] + "0"]
    values, statuses = normalise_ids(raws)
    assert list(zip(values, statuses, strict=True)) == [(normalise_id(r).value, normalise_id(r).status) for r in raws]
    assert normalise_ids([]) == ([], [])


# --------------------------------------------------------------------------- in the database


def test_staged_rows_and_rejects_are_identical_to_the_reference(fresh_db_url, registry, tmp_path, monkeypatch):
    import sqlalchemy as sa

    from canbao.db import engine
    from canbao.intake.stage import stage_delivery

    noisy = noisy_rows(9, 300)
    path = write(tmp_path, "a.txt", ps_text([ps_row(i) for i in range(300)] + noisy).encode("gbk"))
    eng = engine(fresh_db_url)
    staged = []
    for fast in (True, False):
        monkeypatch.setattr(parse, "FAST_PATH", fast)
        with eng.begin() as conn:
            did = conn.execute(sa.text(
                "insert into intake.delivery (feed, file_name, sha256, bytes, state) "
                "values ('ps_household', :f, :s, 1, 'RECEIVED') returning delivery_id"),
                {"f": f"a{fast}.txt", "s": ("f" if fast else "r") * 64}).scalar_one()
        stage_delivery(fresh_db_url, registry["ps_household"], path, did, dt.date(2026, 3, 1))
        with eng.begin() as conn:
            rows = conn.execute(sa.text(
                "select to_jsonb(s) - 'delivery_id' from intake.stg_ps_person s where delivery_id = :d "
                "order by source_row"), {"d": did}).scalars().all()
            rejects = conn.execute(sa.text(
                "select source_row, rule, reason from intake.reject where delivery_id = :d "
                "order by source_row, rule"), {"d": did}).all()
        staged.append((rows, [tuple(r) for r in rejects]))
    data_rows = 300 + sum(1 for r in noisy if r != ["  "])
    assert staged[0] == staged[1] and len(staged[0][0]) == data_rows and staged[0][1]
