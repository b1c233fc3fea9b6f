"""Parse and normalise (no database): formats, encodings, ID normalisation, row rejects, whole-file faults."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from helpers import PS_HEADER, citizen_id, ps_row, ps_text  # noqa: E402

from canbao.intake import parse  # noqa: E402
from canbao.intake.errors import BadDelivery  # noqa: E402
from canbao.intake.parse import ParseStats, parse_file, unescape_copy  # noqa: E402


def rows_of(feed, path, **kw) -> tuple[list[dict], list[tuple], ParseStats]:
    stats = ParseStats()
    out, rejects = [], []
    for batch in parse_file(feed, path, 1, None, stats=stats, **kw):
        for line in batch.lines:
            out.append(dict(zip(stats.columns, [unescape_copy(v) for v in line.split("\t")], strict=True)))
        rejects += batch.rejects
    return out, rejects, stats


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_gbk_pipe_snapshot_is_parsed_and_normalised(registry, tmp_path):
    path = write(tmp_path, "a.txt", ps_text([ps_row(1), ps_row(2, 性别="女", 户口性质="非农业")]).encode("gbk"))
    rows, rejects, stats = rows_of(registry["ps_household"], path)
    assert stats.encoding == "gbk" and len(rows) == 2 and rejects == []
    assert rows[0]["person_id"] == citizen_id(1) and rows[0]["person_id_status"] == "VALID"
    assert rows[0]["name"] == "张三" and rows[0]["sex"] == "1" and rows[0]["birth_date"] == "1980-01-01"
    assert rows[0]["military"] == "f" and rows[0]["hukou_status"] == "REGISTERED"
    assert rows[1]["household_type"] == "NONAGRI" and rows[1]["source_row"] == "2"


def test_chunked_parse_of_a_file_larger_than_the_chunks_keeps_every_row(registry, tmp_path, monkeypatch):
    monkeypatch.setattr(parse, "READ_BYTES", 97)  # multi-byte GBK characters split across reads
    path = write(tmp_path, "big.txt", ps_text([ps_row(i) for i in range(250)]).encode("gbk"))
    stats = ParseStats()
    batches = list(parse_file(registry["ps_household"], path, 1, None, chunk_rows=40, stats=stats))
    assert len(batches) == 7 and stats.rows == 250
    assert sum(len(b.lines) for b in batches) == 250
    assert all(line.split("\t")[6] == "张三" for b in batches for line in b.lines)


def test_utf8_bom_is_read_as_utf8_sig(registry, tmp_path):
    text = "身份证号,姓名,死亡日期,火化日期\r\n" + f"{citizen_id(3)},李四,2026-02-01,2026-02-03\r\n"
    path = write(tmp_path, "HH_1.csv", b"\xef\xbb\xbf" + text.encode("utf-8"))
    rows, rejects, stats = rows_of(registry["ca_cremation"], path)
    assert stats.encoding == "utf-8-sig" and rows[0]["death_date"] == "2026-02-01" and rejects == []


def test_fixed_width_gb18030_is_parsed_by_configuration(registry, tmp_path):
    line = citizen_id(4, birth="20100505") + "王小明丽" + "02" + "1" + "20220901"
    path = write(tmp_path, "XJ_20260301.dat", (line + "\r\n").encode("gb18030"))
    rows, rejects, _ = rows_of(registry["edu_fixed"], path)
    assert rows == [rows[0]] and rejects == []
    assert rows[0]["name"] == "王小明丽" and rows[0]["level"] == "JUNIOR" and rows[0]["full_time"] == "t"
    assert rows[0]["enrol_date"] == "2022-09-01" and rows[0]["person_id_status"] == "VALID"


def test_headerless_pipe_file_maps_columns_by_index(registry, tmp_path):
    path = write(tmp_path, "SBRY_1.txt", f"{citizen_id(5)}|赵六|1|1980-01-01|13900000000\n".encode())
    rows, rejects, _ = rows_of(registry["si_pipe"], path)
    assert rows[0]["name"] == "赵六" and rows[0]["phone"] == "13900000000" and rejects == []


def test_excel_workbook_is_read_row_by_row(registry, tmp_path):
    import datetime as dt

    from openpyxl import Workbook
    from stdnum.cn import uscc

    code = "91330604MA2D" + "12345"
    code += uscc.calc_check_digit(code)
    wb = Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "企业名称", "主体类型", "登记状态", "成立日期", "法定代表人证件号"])
    ws.append([code, "某某有限公司", "企业", "存续", dt.datetime(2019, 5, 6), citizen_id(6)])
    ws.append([code.lower(), "=HYPERLINK(\"x\")", "个体工商户", "吊销", "2020-01-02", "12345"])
    path = tmp_path / "SCZT_1.xlsx"
    wb.save(path)
    rows, rejects, _ = rows_of(registry["mr_excel"], path)
    assert rows[0]["uscc"] == code and rows[0]["uscc_status"] == "VALID"
    assert rows[0]["registration_date"] == "2019-05-06" and rows[0]["entity_type"] == "ENTERPRISE"
    assert rows[1]["uscc"] == code and rows[1]["legal_rep_id_status"] == "MALFORMED"
    assert rows[1]["name"].startswith("'=") and (2, "formula") in [(r[0], r[1]) for r in rejects]


def test_fifteen_digit_ids_are_upgraded_and_flagged(registry, tmp_path):
    id18 = citizen_id(7)
    id15 = id18[:6] + id18[8:17]
    path = write(tmp_path, "a.txt", ps_text([ps_row(7, 公民身份号码=id15)]).encode("gbk"))
    rows, _, _ = rows_of(registry["ps_household"], path)
    assert rows[0]["person_id"] == id18 and rows[0]["person_id_raw"] == id15
    assert rows[0]["person_id_status"] == "UPGRADED_15"


@pytest.mark.parametrize("raw,status", [
    ("lower_x", "VALID"), ("fullwidth", "VALID"), ("bad_check", "CHECK_FAIL"),
    ("birth", "BIRTH_MISMATCH"), ("sex", "SEX_MISMATCH"), ("junk", "MALFORMED"),
])
def test_id_status_is_set_from_the_row(registry, tmp_path, raw, status):
    n = next(i for i in range(100) if citizen_id(i).endswith("X"))
    good = citizen_id(n)
    value, over = {
        "lower_x": (good.lower(), {}),
        "fullwidth": ("".join(chr(ord(c) + 0xFEE0) for c in good), {}),
        "bad_check": (good[:17] + ("0" if good[17] != "0" else "1"), {}),
        "birth": (good, {"出生日期": "19800102"}),
        "sex": (good, {"性别": "女"}),
        "junk": ("不详", {}),
    }[raw]
    path = write(tmp_path, "a.txt", ps_text([ps_row(n, 公民身份号码=value, **over)]).encode("gbk"))
    rows, _, _ = rows_of(registry["ps_household"], path)
    assert rows[0]["person_id_status"] == status
    assert rows[0]["person_id_raw"] == value


def test_bad_values_become_null_with_a_row_reject_naming_no_personal_data(registry, tmp_path):
    path = write(tmp_path, "a.txt", ps_text([ps_row(8, 出生日期="19801399", 性别="男性")]).encode("gbk"))
    rows, rejects, stats = rows_of(registry["ps_household"], path)
    assert rows[0]["birth_date"] is None and rows[0]["sex"] is None
    assert {r[1] for r in rejects} == {"parse:birth_date", "parse:sex"}
    assert all("19801399" not in r[2] and "男性" not in r[2] for r in rejects)
    assert stats.rejected_rows == 1


def test_formula_in_a_text_field_is_neutralised_and_flagged(registry, tmp_path):
    path = write(tmp_path, "a.txt", ps_text([ps_row(9, 户籍地址="@SUM(A1)", 联系电话="+8613800000000")]).encode("gbk"))
    rows, rejects, _ = rows_of(registry["ps_household"], path)
    assert rows[0]["hukou_address"] == "'@SUM(A1)" and rows[0]["phone"] == "+8613800000000"
    assert [(r[0], r[1]) for r in rejects] == [(1, "formula")]


def test_change_feed_with_no_rows_is_valid(registry, tmp_path):
    path = write(tmp_path, "HH_1.csv", "身份证号,姓名,死亡日期,火化日期\r\n".encode())
    rows, _, stats = rows_of(registry["ca_cremation"], path)
    assert rows == [] and stats.rows == 0


def bad_code(feed, path) -> str:
    with pytest.raises(BadDelivery) as info:
        rows_of(feed, path)
    assert "/" in str(info.value)  # Chinese / English
    return info.value.code


def test_wrong_encoding_is_a_bad_delivery(registry, tmp_path):
    path = write(tmp_path, "a.txt", ps_text([ps_row(1)]).encode("gbk"))
    assert bad_code(registry["si_pipe"], path) == "ENCODING"


def test_binary_garbage_is_a_bad_delivery(registry, tmp_path):
    path = write(tmp_path, "a.txt", ps_text([ps_row(1)]).encode("gbk") + b"\x00\x01\x02PK\x03\x04")
    assert bad_code(registry["ps_household"], path) == "BINARY"


def test_a_ten_megabyte_single_line_fails_fast(registry, tmp_path):
    path = write(tmp_path, "a.txt", ("|".join(PS_HEADER) + "\n").encode("gbk") + b"a" * (10 * 1024 * 1024))
    assert bad_code(registry["ps_household"], path) == "LINE_TOO_LONG"


def test_missing_columns_are_a_bad_delivery(registry, tmp_path):
    text = "|".join(PS_HEADER[:-1]) + "\n" + "|".join(ps_row(1)[:-1]) + "\n"
    assert bad_code(registry["ps_household"], write(tmp_path, "a.txt", text.encode("gbk"))) == "MISSING_COLUMNS"


def test_extra_column_in_a_file_read_by_position_is_a_bad_delivery(registry, tmp_path):
    path = write(tmp_path, "SBRY_1.txt", f"{citizen_id(5)}|赵六|1|1980-01-01|13900000000|x\n".encode())
    assert bad_code(registry["si_pipe"], path) == "EXTRA_COLUMNS"


def test_missing_column_in_a_file_read_by_position_is_a_bad_delivery(registry, tmp_path):
    path = write(tmp_path, "SBRY_1.txt", f"{citizen_id(5)}|赵六|1|1980-01-01\n".encode())
    assert bad_code(registry["si_pipe"], path) == "MISSING_COLUMNS"


def test_a_mapped_column_named_twice_is_a_bad_delivery(registry, tmp_path):
    text = "|".join(PS_HEADER + ["姓名"]) + "\n" + "|".join(ps_row(1) + ["x"]) + "\n"
    assert bad_code(registry["ps_household"], write(tmp_path, "a.txt", text.encode("gbk"))) == "EXTRA_COLUMNS"


def test_unmapped_named_columns_are_read_past_and_reported(registry, tmp_path):
    text = "|".join(["序号"] + PS_HEADER + ["签名"]) + "\n" + "|".join(["1"] + ps_row(1) + ["x"]) + "\n"
    rows, rejects, stats = rows_of(registry["ps_household"], write(tmp_path, "a.txt", text.encode("gbk")))
    assert stats.unmapped_columns == ["序号", "签名"] and rejects == []
    assert rows[0]["person_id"] == citizen_id(1) and rows[0]["name"] == "张三"


def test_header_only_snapshot_is_a_bad_delivery(registry, tmp_path):
    path = write(tmp_path, "a.txt", ps_text([]).encode("gbk"))
    assert bad_code(registry["ps_household"], path) == "EMPTY"


def test_empty_snapshot_file_is_a_bad_delivery(registry, tmp_path):
    assert bad_code(registry["ps_household"], write(tmp_path, "a.txt", b"")) == "EMPTY"


def test_a_row_with_the_wrong_number_of_fields_is_a_row_reject(registry, tmp_path):
    text = ps_text([ps_row(1)]) + "|".join(ps_row(2)[:5]) + "\r\n"
    rows, rejects, _ = rows_of(registry["ps_household"], write(tmp_path, "a.txt", text.encode("gbk")))
    assert len(rows) == 2 and (2, "parse:columns") in [(r[0], r[1]) for r in rejects]


def test_compiled_row_plan_agrees_with_the_reference_conversion(registry):
    from canbao.intake.parse import BatchConverter, RowPlan

    feed = registry["ps_household"]
    plan = RowPlan(feed, PS_HEADER)
    n = next(i for i in range(100) if citizen_id(i).endswith("X"))
    samples = [
        ps_row(1), ps_row(2, 性别="女"), ps_row(3, 出生日期="19800230"), ps_row(n, 公民身份号码=citizen_id(n).lower()),
        ps_row(5, 公民身份号码="１２３"), ps_row(6, 姓名="　王\t五 ", 户籍地址="-DROP", 是否服役="是"),
        ps_row(7, 户口状态="死亡注销", 注销日期="20200101", 户口性质="城镇"), ps_row(8, 公民身份号码=""),
        ps_row(9, 居住地址="a\\b\nc"), ps_row(10)[:6], ps_row(11, 户籍地址="＝１+１", 联系电话="１３８"),
        ps_row(12, 公民身份号码="１２３＼４"),
    ]
    slow_lines, slow_rejects, fast_rejects = [], [], []
    for i, rec in enumerate(samples, 1):
        slow_lines.append(f"7\t{i}\t2026-03-01\t" + plan.convert(list(rec), i, slow_rejects))
    fast_lines = BatchConverter(plan).convert([list(r) for r in samples], 1, "7", "2026-03-01", fast_rejects)
    assert fast_lines == slow_lines
    assert fast_rejects == slow_rejects


def test_fast_id_path_agrees_with_normalise_id():
    import datetime as dt

    from canbao.ids import normalise_id
    from canbao.intake.parse import fast_id

    good = citizen_id(11)
    cases = [good, good[:17] + "0", good[:10] + "1399" + good[14:], "12345", good.lower(), " " + good]
    for raw in cases:
        for birth, sex in [(None, None), (dt.date(1980, 1, 1), "1"), (dt.date(1980, 1, 2), "2"), (None, "2")]:
            res = normalise_id(raw, birth, sex)
            assert fast_id(raw, birth, sex) == (res.value, res.status)
