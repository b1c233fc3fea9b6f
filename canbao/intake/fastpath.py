"""The fast path of delimited-file intake: whole blocks of lines and whole columns, not one row at a time.

Why: a department snapshot has millions of rows, and the row-at-a-time path
(:class:`canbao.intake.parse.RowPlan`) spends ~17 µs of Python per row, six
times what PostgreSQL's COPY needs. Here a file is decoded in 1 MiB blocks and
each block is first *examined* as one string (C-speed searches): when it has
no quoted field, no whitespace besides line ends and the same number of
fields on every line (almost every block of a real feed), it is split into
fields in one call and sliced into columns, and most per-value work is known
to be unnecessary (no trimming, no full-width folding, no escaping, no formula
characters). Such a clean block is then rendered straight to COPY text in
numpy (:mod:`canbao.intake.render`: field spans and a pool of converted
values, one gather, no string per value), and its string columns are never
split; a block the renderer declines, and every other block, is converted by
:meth:`canbao.intake.parse.BatchConverter.convert_columns`, the batch path's
own converter, told what the examination vouched for.

Exactness: the answers are those of the reference row-at-a-time path, byte
for byte (tests compare them on the test feeds and on a generated city).
A block the examination cannot vouch for goes through a general per-line
split with the reference's clean-up; a quoted field or a stray carriage return
hands the rest of the file to the csv module exactly as the reference reads
it (same records, same error line numbers). Whole-file checks (NUL bytes,
decode errors, line length, header, column count) are the reference's.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from canbao.intake import parse as P
from canbao.intake.errors import BadDelivery
from canbao.intake.render import Renderer
from canbao.registry.loader import Feed

# code units str.strip() and str.split() treat as whitespace (all in the BMP)
_WHITESPACE = np.zeros(1 << 16, dtype=bool)
_WHITESPACE[[c for c in range(1 << 16) if chr(c).isspace()]] = True
_NUL = b"\x00"
RENDER = True  # clean blocks rendered in numpy (canbao.intake.render); tests switch it off to compare
_FORMULA_CHARS = ("=", "+", "-", "@")  # "\t" and "\r" cannot start a field of a clean block


def _code_points(a: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Code points of the characters starting at ``at`` in UTF-8 bytes ``a`` (ASCII, 2- or 3-byte forms only).

    Why: the examination only asks about ASCII and a few BMP characters, so
    the lead byte decides the length and 4-byte forms never need decoding.
    """
    last = len(a) - 1
    b0 = a[at].astype(np.int32)
    b1 = a[np.minimum(at + 1, last)].astype(np.int32) & 0x3F
    b2 = a[np.minimum(at + 2, last)].astype(np.int32) & 0x3F
    two = ((b0 & 0x1F) << 6) | b1
    three = ((b0 & 0x0F) << 12) | (b1 << 6) | b2
    return np.where(b0 < 0x80, b0, np.where(b0 < 0xE0, two, np.where(b0 < 0xF0, three, 0)))


# --------------------------------------------------------------------------- blocks of decoded lines


def text_blocks(path: Path, encoding: str, read_bytes: int | None = None,
                max_line: int | None = None) -> Iterator[tuple[str, bool]]:
    """(text, final) pieces of a text file, each made of whole lines (the last piece may lack its ``\\n``).

    The checks and their order are :func:`canbao.intake.parse.decoded_lines`'s,
    read by read: NUL bytes, decode errors (with the byte offset), lines longer
    than the limit.
    """
    read_bytes = read_bytes or P.READ_BYTES
    max_line = max_line or P.MAX_LINE_CHARS
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
                buf = pending + text
                cut = buf.rfind("\n") + 1
                whole, pending = buf[:cut], buf[cut:]
                if len(whole) > max_line and max(map(len, whole.split("\n"))) > max_line:
                    raise BadDelivery("LINE_TOO_LONG", f"a line is longer than {max_line} characters")
                if len(pending) > max_line:
                    raise BadDelivery("LINE_TOO_LONG", f"a line is longer than {max_line} characters")
                if whole:
                    yield whole, False
            if final:
                break
    if pending:
        yield pending, True


def _physical_lines(text: str) -> list[str]:
    """The lines of a block as the reference hands them to the csv module (each with its ``\\n``)."""
    lines = text.split("\n")
    last = lines.pop()
    out = [line + "\n" for line in lines]
    if last:
        out.append(last)
    return out


class _Lines:
    """The file's physical lines one at a time (for csv readers), block by block."""

    def __init__(self, blocks: Iterator[tuple[str, bool]]):
        self.blocks = blocks
        self.buf: list[str] = []
        self.pos = 0
        self.final = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        while self.pos >= len(self.buf):
            text, self.final = next(self.blocks)  # StopIteration ends the file
            self.buf, self.pos = _physical_lines(text), 0
        self.pos += 1
        return self.buf[self.pos - 1]

    def rest(self) -> Iterator[tuple[str, bool]]:
        """The unread part of the current block, then the following blocks."""
        if self.pos < len(self.buf):
            yield "".join(self.buf[self.pos:]), self.final
        self.buf, self.pos = [], 0
        yield from self.blocks


def _csv_reader(feed: Feed, lines: Iterator[str]):
    fmt = feed.format
    opts: dict[str, Any] = {"delimiter": fmt.delimiter, "strict": False}
    if fmt.quotechar is None:
        opts["quoting"] = csv.QUOTE_NONE
    else:
        opts["quotechar"] = fmt.quotechar
    csv.field_size_limit(P.MAX_LINE_CHARS)
    return csv.reader(lines, **opts)


def _csv_records(feed: Feed, lines: Iterator[str], line_offset: int) -> Iterator[list[str]]:
    """The reference's record reading (:func:`canbao.intake.parse._csv_records`), line numbers from ``line_offset``."""
    return _filtered(_csv_reader(feed, lines), line_offset)


def _filtered(reader, line_offset: int = 0) -> Iterator[list[str]]:
    """Records of a csv reader without blank lines, csv errors as the reference reports them."""
    try:
        for rec in reader:
            if rec and not (len(rec) == 1 and not rec[0].strip()):
                yield rec
    except csv.Error as exc:
        raise BadDelivery("UNREADABLE", f"CSV error at line {line_offset + reader.line_num}: {exc}") from None


# --------------------------------------------------------------------------- pieces of rows


class Piece:
    """Consecutive data rows as source columns (index -> values), with what the examination vouched for.

    ``clean``: every value is already trimmed and holds no tab, newline or
    carriage return; then ``backslash``, ``fullwidth`` and ``formula`` say
    whether any value of the block may need escaping, folding or
    neutralising (when false, no value does). Pieces that are not clean are
    checked column by column, as the reference does.

    A clean piece also carries ``spans``: the block's UTF-8 bytes (delimiters
    turned into tabs) and each field's start and length in bytes (rows x fields), which is all
    :mod:`canbao.intake.render` needs; its string ``columns`` are then only
    split when something asks for them (a block the renderer cannot vouch for).
    """

    __slots__ = ("_columns", "_split", "_lo", "n", "clean", "backslash", "fullwidth", "formula", "dirty", "spans")

    def __init__(self, columns: dict[int, list[str]] | None, n: int, clean: bool,
                 split: list | None = None, lo: int = 0):
        self._columns, self.n, self.clean = columns, n, clean
        self._split, self._lo = split, lo  # split: [callable making the whole block's columns, or its result]
        self.backslash = self.fullwidth = self.formula = True
        self.dirty: set[int] = set()  # source columns of a clean piece whose values hold whitespace
        self.spans: tuple | None = None  # (UTF-8 bytes, starts, lengths) of a clean block's fields

    @property
    def columns(self) -> dict[int, list[str]]:
        if self._columns is None:
            holder = self._split
            if callable(holder[0]):
                holder[0] = holder[0]()
            lo, hi = self._lo, self._lo + self.n
            whole = holder[0]
            self._columns = {i: col[lo:hi] for i, col in whole.items()} if (lo, hi) != (0, len_of(whole)) else whole
        return self._columns

    def clean_column(self, index: int) -> bool:
        """Are this column's values trimmed and free of tabs, newlines and carriage returns?"""
        return self.clean and index not in self.dirty

    def cut(self, k: int) -> tuple[Piece, Piece]:
        if self._columns is None:
            head = Piece(None, k, self.clean, self._split, self._lo)
            tail = Piece(None, self.n - k, self.clean, self._split, self._lo + k)
        else:
            head, tail = Piece({}, k, self.clean), Piece({}, self.n - k, self.clean)
            for i, col in self._columns.items():
                head._columns[i], tail._columns[i] = col[:k], col[k:]
        for p in (head, tail):
            p.backslash, p.fullwidth, p.formula, p.dirty = self.backslash, self.fullwidth, self.formula, self.dirty
        if self.spans is not None:
            units, starts, lengths = self.spans
            head.spans, tail.spans = (units, starts[:k], lengths[:k]), (units, starts[k:], lengths[k:])
        return head, tail


def len_of(columns: dict[int, list[str]]) -> int:
    """Rows of a dict of columns (0 when it has none)."""
    return len(next(iter(columns.values()))) if columns else 0


def _columns_of_records(recs: list[list[str]], width: int, header: bool, first_row: int, used: list[int],
                        found: list[tuple[int, str, str]]) -> dict[int, list[str]]:
    """Source columns of records of any widths, with the reference's column-count rejects."""
    if any(len(r) != width for r in recs):
        recs = [r if len(r) == width else P._fix_width(r, width, header, first_row + i, found)
                for i, r in enumerate(recs)]
    return {i: [r[i] for r in recs] for i in used}


class BlockReader:
    """Data rows of a delimited file after its header, as :class:`Piece` s (one per block, mostly)."""

    def __init__(self, feed: Feed, width: int, used: list[int]):
        fmt = feed.format
        self.feed, self.width, self.used = feed, width, used
        self.header = bool(fmt.header)
        self.delim = fmt.delimiter
        self.quote = fmt.quotechar
        self.lines_before = 0  # physical lines consumed before the current block (csv error line numbers)

    def pieces(self, blocks: Iterator[tuple[str, bool]], lines_before: int,
               first_row: int) -> Iterator[tuple[Piece, list[tuple[int, str, str]]]]:
        """(piece, column-count rejects) for each block; ``first_row`` is the source row of the first."""
        self.lines_before = lines_before
        row = first_row
        blocks = iter(blocks)
        for text, final in blocks:
            # the block's UTF-8 bytes: the examination and the renderer work on them, and the rendered
            # COPY text is gathered from them as is (no decoding and re-encoding of the output)
            units = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
            if self._quoted(text) or not self._carriage_returns_ok(text, final, units):
                yield from self._csv_rest(text, final, blocks, row)
                return
            n_lines = int(np.count_nonzero(units == 10)) + (0 if text.endswith("\n") else 1)
            piece = self._clean_piece(text, n_lines, units)
            found: list[tuple[int, str, str]] = []
            if piece is None:
                piece = self._general_piece(text, row, found)
            self.lines_before += n_lines
            if piece.n:
                yield piece, found
            row += piece.n

    def _quoted(self, text: str) -> bool:
        """Does a value of the block start with the quote character (a quoted field, for the csv module)?"""
        q = self.quote
        if q is None or q not in text:
            return False
        return text.startswith(q) or ("\n" + q) in text or (self.delim + q) in text

    @staticmethod
    def _carriage_returns_ok(text: str, final: bool, units: np.ndarray) -> bool:
        """Only line-ending CRs (``\\r\\n``, or a last line ending in ``\\r``): anything else is the csv module's call."""
        if "\r" not in text:
            return True
        cr = np.flatnonzero(units == 13)
        if final and text.endswith("\r"):
            cr = cr[:-1]
        return bool(len(cr) == 0 or (cr[-1] + 1 < len(units) and (units[cr + 1] == 10).all()))

    def _clean_piece(self, text: str, n_lines: int, units: np.ndarray) -> Piece | None:
        """Columns of a block with ``width`` fields on every line, else None.

        The examination runs on the block's UTF-8 bytes in numpy (a few
        passes in C); only a block that passes is split, in one call. Columns
        with whitespace anywhere in the block are marked ``dirty`` and get the
        reference's trimming and checks; the others are known to need none.
        """
        w = self.width
        if w < 2 or not text:  # with one field a blank line would look like a row: the general path skips it
            return None
        delim = ord(self.delim)
        if delim >= 0x80:  # a delimiter of several UTF-8 bytes: the general path splits such a block
            return None
        a = units
        nl = a == 10
        sep = a == delim
        # whitespace: ASCII controls and space, or a non-ASCII space (U+0085..U+3000, whose UTF-8 starts with
        # C2, E1, E2 or E3); full-width forms U+FF01..U+FF5E start with EF. ``ws`` holds the first byte of each
        maybe = np.flatnonzero((a <= 32) | (a == 0xC2) | ((a - np.uint8(0xE1)) <= 2) | (a == 0xEF))
        points = _code_points(a, maybe)
        ws = maybe[_WHITESPACE[points]]
        ws = ws[(a[ws] != 10) & (a[ws] != delim)]
        crs = 0
        other = ws
        if len(ws):  # CRs right before a line feed (or ending the last line) are line ends
            nxt = ws + 1
            line_end = (a[ws] == 13) & ((nxt == len(a)) | (a[np.minimum(nxt, len(a) - 1)] == 10))
            crs = int(np.count_nonzero(line_end))
            other = ws[~line_end]
        ends = np.flatnonzero(nl)
        if not text.endswith("\n"):
            ends = np.append(ends, len(a) - 1)
        if len(ends) != n_lines:
            return None
        seps = np.flatnonzero(sep)
        if len(seps) != n_lines * (w - 1):
            return None
        per_line = np.diff(np.searchsorted(seps, ends), prepend=0)
        if (per_line != w - 1).any():
            return None
        dirty: set[int] = set()
        if len(other):  # whitespace inside values: those columns are trimmed and checked as the reference does
            line = np.searchsorted(ends, other)
            dirty = set((np.searchsorted(seps, other) - (w - 1) * line).tolist())
        delim_s, used = self.delim, self.used

        def split() -> dict[int, list[str]]:
            if crs == len(ends) and text.endswith("\r\n"):  # every line ends CR LF: one replace
                flat = text[:-2].replace("\r\n", delim_s).split(delim_s)
            else:
                t = text.replace("\r\n", "\n") if crs else text
                if t.endswith("\r"):
                    t = t[:-1]
                if t.endswith("\n"):
                    t = t[:-1]
                flat = t.replace("\n", delim_s).split(delim_s)
            if len(flat) != n_lines * w:  # cannot happen after the checks above
                raise AssertionError("a clean block split into an unexpected number of fields")
            return {i: flat[i::w] for i in used}

        piece = Piece(None, n_lines, True, [split])
        piece.dirty = dirty
        # field spans: a field ends at a separator or at its line's end (before a CR of CR LF)
        line_end = ends.copy()
        if a[line_end[-1]] != 10:  # the last line has no newline: it ends with the block
            line_end[-1] = len(a)
        cr = np.flatnonzero(a[np.maximum(line_end - 1, 0)] == 13)
        line_end[cr] -= 1
        field_end = np.empty((n_lines, w), dtype=np.int64)
        field_end[:, :w - 1] = seps.reshape(n_lines, w - 1)
        field_end[:, w - 1] = line_end
        field_start = np.empty((n_lines, w), dtype=np.int64)
        field_start[:, 1:] = field_end[:, :w - 1] + 1
        field_start[0, 0] = 0
        field_start[1:, 0] = ends[:-1] + 1
        # the renderer reads values from these bytes and takes each value with the byte after it: with the
        # delimiters as tabs (no value of a clean block holds one), a value and its COPY separator are one piece
        tabbed = a
        if delim != 9:
            tabbed = a.copy()
            tabbed[seps] = 9
        piece.spans = (tabbed, field_start, field_end - field_start)
        piece.backslash = "\\" in text
        # full-width forms U+FF01..U+FF5E (UTF-8 EF BC 81 .. EF BD 9E) and the ideographic space U+3000
        piece.fullwidth = bool(((points >= 0xFF01) & (points <= 0xFF5E)).any() or (points == 0x3000).any())
        # a formula starts a value with = + - or @: look at the first byte of every non-empty field
        first = np.take(a, np.minimum(field_start, len(a) - 1))
        formula = (first == 61) | (first == 43) | (first == 45) | (first == 64)
        piece.formula = bool((formula & (field_end > field_start)).any())
        return piece

    def _general_piece(self, text: str, first_row: int, found: list[tuple[int, str, str]]) -> Piece:
        """Any block without quoted fields or stray CRs: per-line split, the reference's skips and rejects."""
        t = text.replace("\r\n", "\n")
        lines = t.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if lines and lines[-1].endswith("\r"):
            lines[-1] = lines[-1][:-1]
        d = self.delim
        recs = [r for r in (line.split(d) for line in lines) if not (len(r) == 1 and not r[0].strip())]
        return Piece(_columns_of_records(recs, self.width, self.header, first_row, self.used, found),
                     len(recs), False)

    def _csv_rest(self, text: str, final: bool, blocks: Iterator[tuple[str, bool]],
                  first_row: int) -> Iterator[tuple[Piece, list[tuple[int, str, str]]]]:
        """The rest of the file through the csv module, as the reference reads it."""
        def chained() -> Iterator[tuple[str, bool]]:
            yield text, final
            yield from blocks

        lines = _Lines(chained())
        recs: list[list[str]] = []
        row = first_row
        for rec in _csv_records(self.feed, lines, self.lines_before):
            recs.append(rec)
            if len(recs) >= 8192:
                found: list[tuple[int, str, str]] = []
                yield Piece(_columns_of_records(recs, self.width, self.header, row, self.used, found),
                            len(recs), False), found
                row += len(recs)
                recs = []
        if recs:
            found = []
            yield Piece(_columns_of_records(recs, self.width, self.header, row, self.used, found),
                        len(recs), False), found


# --------------------------------------------------------------------------- driver


def parse_csv(feed: Feed, path: Path, encoding: str, delivery_id: int | None, as_of: dt.date | None,
              chunk_rows: int, stats: P.ParseStats) -> Iterator[P.Batch]:
    """:func:`canbao.intake.parse.parse_file` for delimited files, by blocks and columns."""
    lines = _Lines(text_blocks(path, encoding))
    head_reader = _csv_reader(feed, lines)
    head = _filtered(head_reader)
    for _ in range(feed.format.skip_rows):
        if next(head, None) is None:
            break
    header = None
    if feed.format.header:
        header = next(head, None)
        if header is None:
            if feed.kind == "snapshot":
                raise BadDelivery("EMPTY", "no header and no data rows")
            return
    plan = P.RowPlan(feed, header)
    stats.columns = plan.columns
    stats.unmapped_columns = plan.unmapped
    first: list[str] | None = None
    if header is None:
        first = next(head, None)
        if first is not None:
            if len(first) < plan.width:
                raise BadDelivery("MISSING_COLUMNS", f"{len(first)} fields, the mapping reads {plan.width}")
            if len(first) > plan.width:
                raise BadDelivery("EXTRA_COLUMNS", f"{len(first)} fields, the mapping knows {plan.width}")
    consumed = head_reader.line_num
    used = sorted({s.index for s in plan.slots.values() if s.index is not None and s.constant is None}
                  | {idx for _, _, idx, c in plan.id_slots if idx is not None and c is None})
    reader = BlockReader(feed, plan.width, used)
    lead = str(delivery_id) if delivery_id is not None else P.NULL
    day = as_of.isoformat() if as_of is not None else P.NULL
    converter = P.BatchConverter(plan)  # a Piece is its SourceColumns
    renderer: Renderer | None = Renderer(converter) if RENDER else None
    if renderer is not None and not renderer.ok:
        renderer = None
    row = 1
    pieces: Iterator[tuple[Piece, list[tuple[int, str, str]]]]
    if first is not None:
        lead_found: list[tuple[int, str, str]] = []
        lead_piece = Piece(_columns_of_records([first], plan.width, False, 1, used, lead_found), 1, False)
        pieces = _chain_pieces((lead_piece, lead_found), reader.pieces(lines.rest(), consumed, 2))
    else:
        pieces = reader.pieces(lines.rest(), consumed, 1)

    pending: list[tuple[Piece, list[tuple[int, str, str]]]] = []
    pending_rows = 0

    def flush(parts: list[tuple[Piece, list[tuple[int, str, str]]]], first_row: int) -> P.Batch:
        rejects: list[tuple[int, str, str]] = []
        out: list[str] = []
        data: list[Any] = []  # once a piece is rendered, the batch is COPY text (bytes, or gathers to call)
        r = first_row
        for piece, found in parts:
            text = renderer.render(piece, r, lead, day) if renderer is not None and not found else None
            if text is None:
                lines = converter.convert_columns(piece, r, lead, day, list(found), rejects)
                if data and lines:
                    data.append(("\n".join(lines) + "\n").encode("utf-8"))
                else:
                    out += lines
            else:
                if out:
                    data.append(("\n".join(out) + "\n").encode("utf-8"))
                    out = []
                data.append(text)
            r += piece.n
        stats.rows = r - 1
        stats.rejects += len(rejects)
        stats.rejected_rows += len({x[0] for x in rejects})
        if data:
            return P.Batch(None, rejects, data)
        return P.Batch(out, rejects)

    for piece, found in pieces:
        while piece.n:
            room = chunk_rows - pending_rows
            if piece.n > room:
                head_piece, piece = piece.cut(room)
                cut_row = row + pending_rows + room
                pending.append((head_piece, [f for f in found if f[0] < cut_row]))
                found = [f for f in found if f[0] >= cut_row]
                pending_rows += room
            else:
                pending.append((piece, found))
                pending_rows += piece.n
                piece = Piece({}, 0, True)
            if pending_rows >= chunk_rows:
                yield flush(pending, row)
                row += pending_rows
                pending, pending_rows = [], 0
    if row == 1 and not pending and feed.kind == "snapshot":
        raise BadDelivery("EMPTY", "header only or empty file for a snapshot feed")
    if pending:
        yield flush(pending, row)
        row += pending_rows
    stats.rows = row - 1


def _chain_pieces(first: tuple[Piece, list[tuple[int, str, str]]],
                  rest: Iterator[tuple[Piece, list[tuple[int, str, str]]]]):
    yield first
    yield from rest
