"""Parse and normalise one delivered file into COPY-ready rows of its canonical target, in chunks.

Memory stays bounded whatever the file size: bytes are read and decoded in
chunks, rows are converted one at a time and handed on in batches of
``chunk_rows``. Whole-file faults raise :class:`BadDelivery`; faults of one
value (a bad date, a value outside the map) make that value NULL and add a
row reject with a rule ``parse:<field>`` and a reason that never quotes the
value (it may be personal data).

The hot path is built once per feed (:class:`RowPlan`): a list of small
converters with per-value caches (dates and codes repeat a lot), so a row
costs a few dictionary look-ups plus the citizen-ID check.

Delimited files go through :mod:`canbao.intake.fastpath` (1 MiB blocks
examined as whole strings, split into columns in one call, IDs judged a
column at a time in numpy); :func:`reference_parse` is the record-by-record
path it must agree with byte for byte, and still reads fixed-width and Excel
files.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import chain, repeat
from pathlib import Path
from typing import Any, Protocol

from canbao.ids import (
    BIRTH_MISMATCH,
    CHECK_FAIL,
    MALFORMED,
    SEX_MISMATCH,
    VALID,
    birth_date_of,
    check_char,
    normalise_id,
    normalise_ids,
    normalise_uscc,
    sex_of,
    to_halfwidth,
)
from canbao.intake.errors import BadDelivery
from canbao.registry.loader import Feed

READ_BYTES = 1 << 20          # bytes read per chunk
MAX_LINE_CHARS = 1 << 20      # a single line longer than this is a whole-file fault
DEFAULT_CHUNK_ROWS = 50_000   # rows per COPY batch
NULL = "\\N"
_NUL = b"\x00"
INVALID = object()            # a converter's answer for a value it cannot read

_TRUE = {"1", "true", "t", "y", "yes", "是", "√", "真"}
_FALSE = {"0", "false", "f", "n", "no", "否", "×", "假"}
_NUMBER_RE = re.compile(r"^[+-]?\d+(\.\d+)?$")
_MONTH_RE = re.compile(r"^(\d{4})[-/.年]?(\d{1,2})月?$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class Batch:
    """A chunk of converted rows and their row rejects (``(source_row, rule, reason)``).

    The rows are either COPY text lines (without newline) or, from the fast
    path's vectorised rendering, the finished UTF-8 COPY text (every line
    newline-terminated): building that as one buffer is what lets intake keep
    up with COPY, and :attr:`lines` still answers the lines for readers that
    want them (checks, tests).
    """

    __slots__ = ("_lines", "_data", "rejects")

    def __init__(self, lines: list[str] | None, rejects: list[tuple[int, str, str]],
                 data: list[bytes | Callable[[], bytes]] | None = None):
        self._lines, self._data, self.rejects = lines, data, rejects

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            text = self.copy_data().decode("utf-8")
            self._lines = text.split("\n")[:-1] if text else []
        return self._lines

    def copy_data(self) -> bytes:
        """The rows as COPY text (UTF-8, one newline-terminated line per row).

        Rendered parts are gathered here, in whichever thread asks (the COPY thread when staging).
        """
        if self._data is None:
            lines = self._lines or []
            return ("\n".join(lines) + "\n").encode("utf-8") if lines else b""
        if not isinstance(self._data, bytes):
            self._data = b"".join(part if isinstance(part, bytes) else part() for part in self._data)
        return self._data

    def release(self) -> None:
        """Drop the rows (the COPY thread has sent them): memory stays bounded by the batches in flight."""
        self._lines, self._data = None, []


@dataclass
class ParseStats:
    rows: int = 0
    rejects: int = 0
    rejected_rows: int = 0
    encoding: str = ""
    columns: list[str] = field(default_factory=list)
    unmapped_columns: list[str] = field(default_factory=list)  # header names the mapping does not use


def escape_copy(text: str) -> str:
    """Escape one value for PostgreSQL's COPY text format."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def unescape_copy(text: str) -> str | None:
    if text == NULL:
        return None
    if "\\" not in text:
        return text
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), text)


# --------------------------------------------------------------------------- decoding


def detect_encoding(head: bytes) -> str:
    """BOM → utf-8-sig; valid UTF-8 → utf-8; otherwise GB18030 (a superset of GBK)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def resolve_encoding(path: Path, declared: str) -> str:
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    if declared == "detect":
        return detect_encoding(head)
    if declared == "utf-8" and head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"  # a BOM is a difference of form, not a wrong encoding
    return declared


def decoded_lines(path: Path, encoding: str, read_bytes: int | None = None,
                  max_line: int | None = None) -> Iterator[str]:
    """Lines of a text file (with their ``\\n``), decoded incrementally; guards NULs and line length."""
    read_bytes = read_bytes or READ_BYTES
    max_line = max_line or MAX_LINE_CHARS
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    pending = ""
    offset = 0
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(read_bytes)
            final = not chunk
            if chunk and b"\x00" in chunk:
                raise BadDelivery("BINARY", f"NUL byte near byte {offset + chunk.index(_NUL)}")
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                raise BadDelivery("ENCODING", f"{encoding} cannot decode near byte {offset + exc.start}") from None
            offset += len(chunk)
            if text:
                parts = (pending + text).split("\n")
                pending = parts.pop()
                if parts and max(map(len, parts)) > max_line:
                    raise BadDelivery("LINE_TOO_LONG", f"a line is longer than {max_line} characters")
                if len(pending) > max_line:
                    raise BadDelivery("LINE_TOO_LONG", f"a line is longer than {max_line} characters")
                for part in parts:
                    yield part + "\n"
            if final:
                break
    if pending:
        yield pending


# --------------------------------------------------------------------------- readers: rows of str


def _csv_records(feed: Feed, lines: Iterator[str]) -> Iterator[list[str]]:
    fmt = feed.format
    opts: dict[str, Any] = {"delimiter": fmt.delimiter, "strict": False}
    if fmt.quotechar is None:
        opts["quoting"] = csv.QUOTE_NONE
    else:
        opts["quotechar"] = fmt.quotechar
    csv.field_size_limit(MAX_LINE_CHARS)
    reader = csv.reader(lines, **opts)
    try:
        for rec in reader:
            if rec and not (len(rec) == 1 and not rec[0].strip()):
                yield rec
    except csv.Error as exc:
        raise BadDelivery("UNREADABLE", f"CSV error at line {reader.line_num}: {exc}") from None


def _fixed_records(feed: Feed, lines: Iterator[str]) -> Iterator[list[str]]:
    spans = list(feed.format.fields.values())
    for line in lines:
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        yield [line[start:start + width] for start, width in spans]


def _excel_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _excel_records(feed: Feed, path: Path) -> Iterator[list[str]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        # data_only=False: a formula cell is read as its formula text, never trusted as a value.
        # A file object, not the path: archived deliveries are named by their SHA-256, without
        # the .xlsx extension openpyxl insists on for paths.
        wb = load_workbook(open(path, "rb"), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise BadDelivery("UNREADABLE", f"not an .xlsx workbook ({type(exc).__name__})") from None
    try:
        sheet = feed.format.sheet
        if sheet is None:
            ws = wb.worksheets[0]
        elif isinstance(sheet, int):
            ws = wb.worksheets[sheet]
        else:
            ws = wb[sheet]
        for values in ws.iter_rows(values_only=True):
            rec = [_excel_text(v) for v in values]
            if any(rec):  # wholly empty rows are layout, not data
                yield rec
    finally:
        wb.close()


def records(feed: Feed, path: Path, encoding: str) -> Iterator[list[str]]:
    """The file's records (lists of raw strings), header and skipped rows included."""
    if feed.format.type == "excel":
        return _excel_records(feed, path)
    lines = decoded_lines(path, encoding)
    if feed.format.type == "fixed_width":
        return _fixed_records(feed, lines)
    return _csv_records(feed, lines)


# --------------------------------------------------------------------------- converters


def _reason(fld: str, zh: str, en: str) -> str:
    return f"{fld}: {zh} / {en}"


def _date_converter(fmt: str | None, iso_fallback: bool) -> Callable[[str], Any]:
    """raw -> (iso text, date) with a cache; INVALID when it is not a date in ``fmt``."""
    fmt = fmt or "%Y-%m-%d"
    cache: dict[str, Any] = {}

    def parse(raw: str) -> Any:
        hit = cache.get(raw)
        if hit is not None:
            return hit
        value: Any = INVALID
        try:
            if fmt == "%Y%m%d" and len(raw) == 8 and raw.isdigit():
                d = dt.date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
            elif fmt == "%Y-%m-%d" and len(raw) == 10 and raw[4] == "-" and raw[7] == "-":
                d = dt.date(int(raw[:4]), int(raw[5:7]), int(raw[8:]))
            else:
                d = dt.datetime.strptime(raw, fmt).date()
            value = (d.isoformat(), d)
        except ValueError:
            if iso_fallback:
                try:
                    d = dt.date.fromisoformat(raw[:10])
                    value = (d.isoformat(), d)
                except ValueError:
                    pass
        if len(cache) < 200_000:
            cache[raw] = value
        return value

    parse.cache = cache  # type: ignore[attr-defined]
    return parse


def _month_converter(fmt: str | None) -> Callable[[str], Any]:
    cache: dict[str, Any] = {}

    def parse(raw: str) -> Any:
        hit = cache.get(raw)
        if hit is not None:
            return hit
        value: Any = INVALID
        if fmt:
            try:
                d = dt.datetime.strptime(raw, fmt)
                value = f"{d.year:04d}-{d.month:02d}"
            except ValueError:
                pass
        else:
            m = _MONTH_RE.match(raw)
            if m and 1 <= int(m.group(2)) <= 12:
                value = f"{m.group(1)}-{int(m.group(2)):02d}"
        if len(cache) < 200_000:
            cache[raw] = value
        return value

    parse.cache = cache  # type: ignore[attr-defined]
    return parse


def _bool_text(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return "t" if value else "f"
    low = str(value).strip().lower()
    if low in _TRUE:
        return "t"
    if low in _FALSE:
        return "f"
    return INVALID


def _int_text(raw: str) -> Any:
    try:
        return str(int(raw.replace(",", "")))
    except ValueError:
        return INVALID


def _numeric_text(raw: str) -> Any:
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        return INVALID
    return str(value) if value.is_finite() else INVALID


@dataclass
class Slot:
    """How one canonical (non-ID) field of a row is produced."""

    name: str
    type: str
    index: int | None               # source index in the record; None for constants
    constant: str | None = None     # COPY text of a constant
    map: dict[str, Any] | None = None
    convert: Callable[[str], Any] | None = None
    reason: str = ""


class RowPlan:
    """A feed's conversion of one source record into one COPY line of ``intake.stg_<target>``."""

    def __init__(self, feed: Feed, header: list[str] | None):
        self.feed = feed
        target = feed.target_def
        self.columns = [c for c, _ in target.columns()]
        index = self._resolve(feed, header)
        # Named columns the mapping does not use are read past (departments add columns such as 序号 or
        # 签名); they are reported, never loaded. Files read by position have no such freedom: there an
        # extra column shifts the layout, and parse_file refuses it.
        used = {str(spec.column) for spec in feed.columns.values()}
        self.unmapped = ([h.strip() for h in header if h.strip() and to_halfwidth(h).strip().lstrip("\ufeff") not in used]
                         if header is not None and feed.format.type != "fixed_width" else [])
        self.width = (len(header) if header is not None else max(index.values(), default=-1) + 1)
        self.slots: dict[str, Slot] = {}
        iso_fallback = feed.format.type == "excel"
        for fld in target.fields:
            if fld.type in ("id", "uscc"):
                continue
            zh_en = {
                "date": ("日期格式不符", f"not a date in format {(feed.columns.get(fld.name) and feed.columns[fld.name].date_format) or '%Y-%m-%d'}"),
                "month": ("月份格式不符", "not a month (YYYY-MM)"),
                "bool": ("不是是/否值", "not a yes/no value"),
                "int": ("不是整数", "not a whole number"),
                "numeric": ("不是数值", "not a number"),
            }.get(fld.type, ("值不在映射表中", "value not in the feed's value map"))
            slot = Slot(fld.name, fld.type, index.get(fld.name), reason=_reason(fld.name, *zh_en))
            spec = feed.columns.get(fld.name)
            if spec is not None and spec.map is not None:
                slot.map = spec.map
                slot.reason = _reason(fld.name, "值不在映射表中", "value not in the feed's value map")
            if fld.type == "date":
                slot.convert = _date_converter(spec.date_format if spec else None, iso_fallback)
            elif fld.type == "month":
                slot.convert = _month_converter(spec.date_format if spec else None)
            elif fld.type == "int":
                slot.convert = _int_text
            elif fld.type == "numeric":
                slot.convert = _numeric_text
            if fld.name in feed.constants:
                slot.constant = self._constant_text(fld.type, feed.constants[fld.name])
            self.slots[fld.name] = slot
        self.id_slots = [(f.name, f.type, index.get(f.name),
                          self._constant_text("text", feed.constants[f.name]) if f.name in feed.constants else None)
                         for f in target.fields if f.type in ("id", "uscc")]
        names = set(target.field_names)
        self.person_checks = "birth_date" in names and "sex" in names

    @staticmethod
    def _constant_text(ftype: str, value: Any) -> str:
        if value is None:
            return NULL
        if ftype == "bool":
            b = _bool_text(value)
            return NULL if b is INVALID or b is None else b
        if isinstance(value, dt.date):
            return value.isoformat()
        return escape_copy(str(value))

    @staticmethod
    def _resolve(feed: Feed, header: list[str] | None) -> dict[str, int]:
        """Canonical field -> source index; refuses missing or extra columns as whole-file faults."""
        if feed.format.type == "fixed_width":
            names = list(feed.format.fields)
            return {f: names.index(str(spec.column)) for f, spec in feed.columns.items()}
        if header is None:
            return {f: int(spec.column) for f, spec in feed.columns.items()}
        clean = [to_halfwidth(h).strip().lstrip("\ufeff") for h in header]
        wanted = {f: str(spec.column) for f, spec in feed.columns.items()}
        missing = sorted({c for c in wanted.values() if c not in clean})
        if missing:
            raise BadDelivery("MISSING_COLUMNS", "missing: " + ", ".join(missing))
        dupes = sorted({c for c in wanted.values() if clean.count(c) > 1})
        if dupes:
            raise BadDelivery("EXTRA_COLUMNS", "column named more than once: " + ", ".join(dupes))
        return {f: clean.index(c) for f, c in wanted.items()}

    def convert(self, rec: list[str], source_row: int, rejects: list[tuple[int, str, str]]) -> str:
        """COPY text of the canonical fields of ``rec`` (lineage excluded); appends its row rejects."""
        out: dict[str, str] = {}
        if len(rec) != self.width and self.feed.format.type != "fixed_width":
            if len(rec) < self.width or self.feed.format.header:
                rejects.append((source_row, "parse:columns",
                                f"列数 {len(rec)} 与表头 {self.width} 不符 / {len(rec)} fields, expected {self.width}"))
                rec = (rec + [""] * self.width)[:self.width] if len(rec) < self.width else rec
        formula = False
        birth: dt.date | None = None
        for name, slot in self.slots.items():
            if slot.constant is not None:
                out[name] = slot.constant
                continue
            if slot.index is None:
                out[name] = NULL
                continue
            raw = rec[slot.index].strip()
            if raw and not raw.isascii():
                raw = to_halfwidth(raw).strip()
            if not raw:
                out[name] = NULL
                continue
            if slot.map is not None:
                if raw not in slot.map:
                    rejects.append((source_row, f"parse:{name}", slot.reason))
                    out[name] = NULL
                    continue
                mapped = slot.map[raw]
                if mapped is None:
                    out[name] = NULL
                    continue
                if slot.type == "bool":
                    b = _bool_text(mapped)
                    out[name] = NULL if b is INVALID or b is None else b
                    continue
                if slot.type == "date" and isinstance(mapped, dt.date):
                    out[name] = mapped.isoformat()
                    continue
                raw = str(mapped)
            ftype = slot.type
            if ftype == "text":
                if raw[0] in _FORMULA_START and not _NUMBER_RE.match(raw):
                    raw = "'" + raw  # neutralised: a spreadsheet shows it as text
                    formula = True
                out[name] = escape_copy(raw)
            elif ftype == "code":
                out[name] = escape_copy(raw)
            elif ftype == "date":
                value = slot.convert(raw)
                if value is INVALID:
                    rejects.append((source_row, f"parse:{name}", slot.reason))
                    out[name] = NULL
                else:
                    out[name] = value[0]
                    if name == "birth_date":
                        birth = value[1]
            elif ftype == "bool":
                b = _bool_text(raw)
                if b is INVALID:
                    rejects.append((source_row, f"parse:{name}", slot.reason))
                    out[name] = NULL
                else:
                    out[name] = b
            else:
                value = slot.convert(raw)
                if value is INVALID:
                    rejects.append((source_row, f"parse:{name}", slot.reason))
                    out[name] = NULL
                else:
                    out[name] = value
        if formula:
            rejects.append((source_row, "formula",
                            "文本字段以公式字符开头，已按文本处理 / text field starting with a formula character, "
                            "neutralised to text"))
        if birth is None and self.person_checks and out.get("birth_date", NULL) != NULL:
            birth = dt.date.fromisoformat(out["birth_date"])
        for name, ftype, idx, constant in self.id_slots:
            if constant is not None:
                raw = constant
            elif idx is None:
                raw = ""
            else:
                raw = rec[idx].strip()
            if not raw or raw == NULL:
                out[name] = out[name + "_raw"] = out[name + "_status"] = NULL
                continue
            out[name + "_raw"] = escape_copy(raw)
            if ftype == "id":
                if self.person_checks and name == "person_id":
                    sex = out.get("sex", NULL)
                    res = normalise_id(raw, birth, sex if sex != NULL else None)
                else:
                    res = normalise_id(raw)
                out[name] = escape_copy(res.value)
                out[name + "_status"] = res.status
            else:
                value, valid = normalise_uscc(raw)
                out[name] = escape_copy(value)
                out[name + "_status"] = VALID if valid else (
                    "CHECK_FAIL" if len(value) == 18 and value.isalnum() else MALFORMED)
        return "\t".join([out[c] for c in self.columns[3:]])


# --------------------------------------------------------------------------- driver


FAST_PATH = True  # delimited files through canbao.intake.fastpath (blocks and columns); tests switch it off


def parse_file(feed: Feed, path: str | Path, delivery_id: int | None = None, as_of: dt.date | None = None,
               chunk_rows: int = DEFAULT_CHUNK_ROWS, stats: ParseStats | None = None) -> Iterator[Batch]:
    """Batches of converted rows of one delivered file; updates ``stats`` as it goes.

    Raises :class:`BadDelivery` for whole-file faults (which may surface after
    some batches were produced: callers stage inside one transaction).
    Delimited files take the block-and-column fast path
    (:mod:`canbao.intake.fastpath`), which gives the same batches as
    :func:`reference_parse`; fixed-width and Excel files take the latter.
    """
    path = Path(path)
    stats = stats if stats is not None else ParseStats()
    if FAST_PATH and feed.format.type == "csv":
        from canbao.intake.fastpath import parse_csv

        encoding = resolve_encoding(path, feed.format.encoding)
        stats.encoding = encoding
        yield from parse_csv(feed, path, encoding, delivery_id, as_of, chunk_rows, stats)
    else:
        yield from reference_parse(feed, path, delivery_id, as_of, chunk_rows, stats)


def reference_parse(feed: Feed, path: str | Path, delivery_id: int | None = None, as_of: dt.date | None = None,
                    chunk_rows: int = DEFAULT_CHUNK_ROWS, stats: ParseStats | None = None,
                    row_at_a_time: bool = False) -> Iterator[Batch]:
    """:func:`parse_file` by records: the csv module, then :class:`BatchConverter` per chunk.

    With ``row_at_a_time`` each record goes through :meth:`RowPlan.convert`
    instead: the plain reference the faster paths are tested against.
    """
    path = Path(path)
    stats = stats if stats is not None else ParseStats()
    encoding = resolve_encoding(path, feed.format.encoding) if feed.format.type != "excel" else "xlsx"
    stats.encoding = encoding
    recs = records(feed, path, encoding)
    for _ in range(feed.format.skip_rows):
        if next(recs, None) is None:
            break
    header = None
    if feed.format.header:
        header = next(recs, None)
        if header is None:
            if feed.kind == "snapshot":
                raise BadDelivery("EMPTY", "no header and no data rows")
            return
    plan = RowPlan(feed, header if feed.format.type != "fixed_width" else None)
    stats.columns = plan.columns
    stats.unmapped_columns = plan.unmapped
    if header is None and feed.format.type == "csv":
        first = next(recs, None)
        if first is not None:
            if len(first) < plan.width:
                raise BadDelivery("MISSING_COLUMNS", f"{len(first)} fields, the mapping reads {plan.width}")
            if len(first) > plan.width:
                raise BadDelivery("EXTRA_COLUMNS", f"{len(first)} fields, the mapping knows {plan.width}")
            recs = chain([first], recs)
    lead = str(delivery_id) if delivery_id is not None else NULL
    day = as_of.isoformat() if as_of is not None else NULL
    converter = BatchConverter(plan)
    n = 0
    pending: list[list[str]] = []

    def flush() -> Batch:
        rejects: list[tuple[int, str, str]] = []
        first_row = n - len(pending) + 1
        if row_at_a_time:
            lines = [f"{lead}\t{first_row + i}\t{day}\t" + plan.convert(list(rec), first_row + i, rejects)
                     for i, rec in enumerate(pending)]
        else:
            lines = converter.convert(pending, first_row, lead, day, rejects)
        stats.rows = n
        stats.rejects += len(rejects)
        stats.rejected_rows += len({r[0] for r in rejects})
        return Batch(lines, rejects)

    for rec in recs:
        n += 1
        pending.append(rec)
        if len(pending) >= chunk_rows:
            yield flush()
            pending = []
    if n == 0 and feed.kind == "snapshot":
        raise BadDelivery("EMPTY", "header only or empty file for a snapshot feed")
    if pending:
        yield flush()
    stats.rows = n


# --------------------------------------------------------------------------- compiled hot path

_FULLWIDTH_RE = re.compile("[\uff01-\uff5e\u3000]")
_BOOL_WORDS = {w: "t" for w in _TRUE} | {w: "f" for w in _FALSE}
_ID_LAST = frozenset("0123456789X")
_MISSING = object()


def _halfwidth(v: str) -> str:
    return to_halfwidth(v).strip() if _FULLWIDTH_RE.search(v) else v


def _birth_cache() -> Callable[[str], dt.date | None]:
    cache: dict[str, dt.date | None] = {}

    def birth_of(id18: str) -> dt.date | None:
        key = id18[6:14]
        if key in cache:
            return cache[key]
        value = birth_date_of(id18)
        cache[key] = value
        return value

    return birth_of


_BIRTH_OF = _birth_cache()


def fast_id(raw: str, birth: dt.date | None, sex: str | None) -> tuple[str, str]:
    """``normalise_id`` with a fast path for the common case, an already clean 18-character ID.

    Same answers as :func:`canbao.ids.normalise_id` (a test compares them);
    only the form clean-up is skipped when there is nothing to clean, and the
    check character still comes from python-stdnum (``canbao.ids.check_char``).
    """
    if len(raw) == 18 and raw.isascii() and raw[:17].isdigit() and raw[17] in _ID_LAST:
        if raw[17] != check_char(raw[:17]):
            return raw, CHECK_FAIL
        born = _BIRTH_OF(raw)
        if born is None:
            return raw, CHECK_FAIL
        if birth is not None and born != birth:
            return raw, BIRTH_MISMATCH
        if sex and sex in ("1", "2") and sex_of(raw) != sex:
            return raw, SEX_MISMATCH
        return raw, VALID
    res = normalise_id(raw, birth, sex)
    return res.value, res.status


def _fix_width(rec: list[str], width: int, header: bool, source_row: int,
               rejects: list[tuple[int, str, str]]) -> list[str]:
    if len(rec) < width or header:
        rejects.append((source_row, "parse:columns",
                        f"列数 {len(rec)} 与表头 {width} 不符 / {len(rec)} fields, expected {width}"))
        if len(rec) < width:
            return rec + [""] * (width - len(rec))
    return rec


class SourceColumns(Protocol):
    """A batch's source columns (index -> values) and what is already known of them.

    Why: the converter below serves both the record path (nothing known, every
    check runs) and the fast path's :class:`canbao.intake.fastpath.Piece`
    (a block examined as one string, so many checks are known to be needless).
    ``clean_column(i)``: column ``i`` is trimmed and holds no tab, newline or
    carriage return; then ``backslash``, ``fullwidth`` and ``formula`` say
    whether any of its values may need escaping, folding or neutralising.
    """

    columns: Any
    n: int
    backslash: bool
    fullwidth: bool
    formula: bool

    def clean_column(self, index: int) -> bool: ...


class RecordColumns:
    """Source columns of records: nothing is known of them, so every column is trimmed and checked."""

    backslash = fullwidth = formula = True

    def __init__(self, recs: list[list[str]]):
        self.columns = list(zip(*recs, strict=False)) if recs else []  # longer records: extra fields unused
        self.n = len(recs)

    def clean_column(self, index: int) -> bool:
        return False


def _reject_invalid(vals: list[Any], first_row: int, rule: str, reason: str,
                    found: list[tuple[int, str, str]]) -> list[str]:
    """``vals`` with each INVALID made NULL and its row rejected: a bad value rejects its row, not the batch."""
    if INVALID in vals:
        for i, v in enumerate(vals):
            if v is INVALID:
                found.append((first_row + i, rule, reason))
                vals[i] = NULL
    return vals


def mapped_column(col: list[str], value_map: dict[str, Any], first_row: int, rule: str, reason: str,
                  found: list[tuple[int, str, str]]) -> list[str]:
    """A column read through the feed's value map (COPY text answers; a value not in it rejects its row)."""
    return _reject_invalid(list(map(value_map.get, col, repeat(INVALID))), first_row, rule, reason, found)


def text_column(col: list[str], ftype: str, formula_rows: set[int], look_formula: bool, look_escape: bool,
                joined: str | None = None) -> list[str]:
    """A text or code column as COPY text: formula starts neutralised (text only), escaped, '' as NULL.

    ``look_formula``/``look_escape`` false: the caller knows no value needs
    that work (a clean block); ``joined``, the column NUL-joined, if at hand.
    Rows neutralised are added to ``formula_rows`` (0-based).
    """
    if ftype == "text" and look_formula:
        if joined is None:
            joined = "\x00".join(col)
        if _has_formula_start(joined):
            col = list(col)  # the caller's column may be shared by another slot
            for i, v in enumerate(col):
                if v and v[0] in _FORMULA_START and not _NUMBER_RE.match(v):
                    col[i] = "'" + v
                    formula_rows.add(i)
            joined = None
    if look_escape:
        # folding can make a backslash (＼): the caller says when to look
        if _needs_escape("\x00".join(col) if joined is None else joined):
            col = list(map(escape_copy, col))
    return [v or NULL for v in col] if "" in col else col


def date_column(col: list[str], cache: dict[str, Any], convert: Callable[[str], Any],
                date_objects: dict[str, dt.date | None], first_row: int, rule: str, reason: str,
                found: list[tuple[int, str, str]]) -> list[str]:
    """A date column as ISO text through a per-column cache; ``date_objects`` learns each ISO text's date."""
    vals = list(map(cache.get, col))
    if None in vals:
        for i, v in enumerate(vals):
            if v is None:
                r = convert(col[i])
                vals[i] = cache[col[i]] = INVALID if r is INVALID else r[0]
                if r is not INVALID:
                    date_objects[r[0]] = r[1]
    return _reject_invalid(vals, first_row, rule, reason, found)


def bool_column(col: list[str], first_row: int, rule: str, reason: str,
                found: list[tuple[int, str, str]]) -> list[str]:
    """A boolean column as ``t``/``f``/NULL; a word not known rejects its row."""
    vals = list(map(_BOOL_WORDS_NULL.get, map(str.lower, col), repeat(INVALID)))
    return _reject_invalid(vals, first_row, rule, reason, found)


def converted_column(col: list[str], convert: Callable[[str], Any], first_row: int, rule: str, reason: str,
                     found: list[tuple[int, str, str]]) -> list[str]:
    """A month, int or numeric column through its converter ('' is NULL; INVALID rejects the row)."""
    vals = [convert(v) if v else NULL for v in col]
    return _reject_invalid(vals, first_row, rule, reason, found)


def id_columns(col: list[str], ftype: str, births: list[str | None] | None, sexes: list[str] | None,
               look_raw: bool, look_value: bool) -> tuple[list[str], list[str], list[str]]:
    """(values, raws, statuses) of a citizen-ID or USCC column, as COPY text; rows without an ID are NULL.

    Citizen IDs are judged a column at a time (:func:`canbao.ids.normalise_ids`),
    against ``births`` (ISO dates) and ``sexes`` when given. ``look_raw`` false:
    the caller knows no delivered value needs escaping; ``look_value`` false:
    nor any cleaned-up one (clean-up removes characters and folds full-width
    ones, so ＼ becomes a backslash).
    """
    n = len(col)
    esc = look_raw and _needs_escape("\x00".join(col))
    keep: list[int] | None = None  # rows with an ID, when some have none
    sub = col
    if "" in col or NULL in col:
        keep = [i for i, v in enumerate(col) if v and v != NULL]
        sub = [col[i] for i in keep]
    if ftype == "id":
        if births is not None and sexes is not None:
            b = births if keep is None else [births[i] for i in keep]
            s = sexes if keep is None else [sexes[i] for i in keep]
            values, statuses = normalise_ids(sub, b, s)
        else:
            values, statuses = normalise_ids(sub)
    else:
        pairs = [_uscc_pair(v) for v in sub]
        values, statuses = ([p[0] for p in pairs], [p[1] for p in pairs])
    raws = sub
    if esc:
        raws = list(map(escape_copy, raws))
    if esc or (look_value and _needs_escape("\x00".join(values))):
        values = list(map(escape_copy, values))
    if keep is not None:
        full_v, full_r, full_s = [NULL] * n, [NULL] * n, [NULL] * n
        for j, i in enumerate(keep):
            full_v[i], full_r[i], full_s[i] = values[j], raws[j], statuses[j]
        values, raws, statuses = full_v, full_r, full_s
    return values, raws, statuses


class BatchConverter:
    """A feed's conversion of a batch of rows, column by column.

    Equivalent to :meth:`RowPlan.convert` row by row (the reference; tests
    compare both), but each step runs over a whole column through ``map``
    and per-column caches, and whole-column checks (one search over the
    joined column) skip folding, escaping and formula work for the many
    columns that need none. This is what makes intake keep up with COPY.
    Records (:meth:`convert`) and the fast path's pieces
    (:meth:`convert_columns`) go through the same column functions above.
    """

    def __init__(self, plan: RowPlan):
        self.plan = plan
        self.fixed = plan.feed.format.type == "fixed_width"
        self.header = bool(plan.feed.format.header)
        # value maps answering COPY text (NULL for a value mapped to nothing)
        self.maps: dict[str, dict[str, Any]] = {}
        self.dates: dict[str, dict[str, Any]] = {}
        self.date_objects: dict[str, dt.date | None] = {NULL: None}
        self.iso_births: dict[str, str] = {}  # birth_date COPY text -> ISO form of the date it stands for
        self.odd_births = False               # has any birth_date text differed from its ISO form?
        for name, slot in plan.slots.items():
            if slot.map is not None:
                self.maps[name] = {k: NULL if v is None else v for k, v in self._converted_map(slot).items()}
            elif slot.type == "date":
                self.dates[name] = {"": NULL}

    @staticmethod
    def _converted_map(slot: Slot) -> dict[str, Any]:
        converted: dict[str, Any] = {"": None}
        for k, mapped in slot.map.items():
            if mapped is None:
                converted[k] = None
            elif slot.type == "bool":
                b = _bool_text(mapped)
                converted[k] = None if b is INVALID or b is None else b
            elif slot.type == "date" and isinstance(mapped, dt.date):
                converted[k] = mapped.isoformat()
            elif slot.convert is not None:
                r = slot.convert(str(mapped))
                converted[k] = INVALID if r is INVALID else (r[0] if slot.type == "date" else r)
            else:
                converted[k] = escape_copy(str(mapped))
        return converted

    @staticmethod
    def _clean(col: tuple[str, ...] | list[str]) -> tuple[list[str], str]:
        """Trimmed, half-width values of one column and the column joined (for whole-column checks)."""
        col = list(map(str.strip, col))
        joined = "\x00".join(col)
        if _has_fullwidth(joined):
            col = [_halfwidth(v) if not v.isascii() else v for v in col]
            joined = "\x00".join(col)
        return col, joined

    def convert(self, recs: list[list[str]], first_row: int, lead: str, as_of: str,
                rejects: list[tuple[int, str, str]]) -> list[str]:
        """COPY lines of ``recs`` (source rows ``first_row``…); appends the row rejects in row order."""
        plan = self.plan
        found: list[tuple[int, str, str]] = []
        if not self.fixed and recs and set(map(len, recs)) != {plan.width}:
            recs = [r if len(r) == plan.width else _fix_width(r, plan.width, self.header, first_row + i, found)
                    for i, r in enumerate(recs)]
        return self.convert_columns(RecordColumns(recs), first_row, lead, as_of, found, rejects)

    def convert_columns(self, src: SourceColumns, first_row: int, lead: str, as_of: str,
                        found: list[tuple[int, str, str]], rejects: list[tuple[int, str, str]]) -> list[str]:
        """COPY lines of source columns (rows ``first_row``…); ``found`` holds their column-count rejects.

        Appends all the rows' rejects to ``rejects`` in row order.
        """
        plan = self.plan
        n = src.n
        out: dict[str, list[str]] = {}
        formula_rows: set[int] = set()
        for name, slot in plan.slots.items():
            if slot.constant is not None:
                out[name] = [slot.constant] * n
                continue
            if slot.index is None:
                out[name] = [NULL] * n
                continue
            col = src.columns[slot.index]
            joined: str | None = None
            clean = src.clean_column(slot.index)
            if not clean:
                col, joined = self._clean(col)
            elif src.fullwidth:
                col = list(map(_halfwidth, col))
            reason, rule = slot.reason, f"parse:{name}"
            ftype = slot.type
            if slot.map is not None:
                out[name] = mapped_column(col, self.maps[name], first_row, rule, reason, found)
            elif ftype in ("text", "code"):
                out[name] = text_column(col, ftype, formula_rows, not clean or src.formula or src.fullwidth,
                                        not clean or src.backslash or src.fullwidth, joined)
            elif ftype == "date":
                out[name] = date_column(col, self.dates[name], slot.convert, self.date_objects,
                                        first_row, rule, reason, found)
            elif ftype == "bool":
                out[name] = bool_column(col, first_row, rule, reason, found)
            else:
                out[name] = converted_column(col, slot.convert, first_row, rule, reason, found)
        if formula_rows:
            found += [(first_row + i, "formula", _FORMULA_REASON) for i in sorted(formula_rows)]
        births = self._iso_births(out) if plan.person_checks else None
        for name, ftype, idx, constant in plan.id_slots:
            clean_ids = idx is not None and src.clean_column(idx)
            if constant is not None:
                col = [constant] * n
            elif idx is None:
                col = [""] * n
            elif clean_ids:
                col = src.columns[idx]
            else:
                col = list(map(str.strip, src.columns[idx]))
            person = births is not None and name == "person_id"
            out[name], out[name + "_raw"], out[name + "_status"] = id_columns(
                col, ftype, births if person else None, out["sex"] if person else None,
                not clean_ids or src.backslash, not clean_ids or src.fullwidth)
        if found:
            found.sort(key=_row_of)
            rejects += found
        cols = [[lead] * n, list(map(str, range(first_row, first_row + n))), [as_of] * n]
        cols += [out[c] for c in plan.columns[3:]]
        return list(map("\t".join, zip(*cols, strict=True)))

    def _iso_births(self, out: dict[str, list[str]]) -> list[str | None]:
        """The birth_date column as ISO dates or None (what :func:`canbao.ids.normalise_ids` compares).

        The reference compares the date the value stands for; a birth date from
        a map or constant is read with ``date.fromisoformat`` (which also takes
        forms like ``20200101``), so such a value is rewritten to its ISO form.
        """
        col = out["birth_date"]
        births = [None if v == NULL else v for v in col] if NULL in col else col
        known = self.iso_births
        fresh = set(births).difference(known)
        fresh.discard(None)
        for v in fresh:
            d = self.date_objects.get(v) or dt.date.fromisoformat(v)
            known[v] = d.isoformat()
        if any(known[v] != v for v in fresh) or self.odd_births:
            self.odd_births = self.odd_births or any(known[v] != v for v in fresh)
            births = [None if v is None else known[v] for v in births]
        return births


def _has_fullwidth(text: str) -> bool:
    """Any full-width form (U+FF01..U+FF5E) or ideographic space; ASCII-only text answers at once."""
    return not text.isascii() and _FULLWIDTH_RE.search(text) is not None


def _needs_escape(text: str) -> bool:
    return "\\" in text or "\t" in text or "\n" in text or "\r" in text


def _has_formula_start(joined: str) -> bool:
    """Does any value of a NUL-joined column start like a spreadsheet formula?"""
    return joined[:1] in _FORMULA_START or any(f"\x00{c}" in joined for c in _FORMULA_START)


_BOOL_WORDS_NULL = _BOOL_WORDS | {"": NULL}
_FORMULA_REASON = ("文本字段以公式字符开头，已按文本处理 / text field starting with a formula character, "
                   "neutralised to text")


def _row_of(reject: tuple[int, str, str]) -> int:
    return reject[0]


def _uscc_pair(raw: str) -> tuple[str, str]:
    value, valid = normalise_uscc(raw)
    return value, VALID if valid else ("CHECK_FAIL" if len(value) == 18 and value.isalnum() else MALFORMED)
