"""COPY text of a clean block built in numpy, without a Python string per value.

Why: after the fast path's examination (:mod:`canbao.intake.fastpath`) most of
intake's time went to Python objects: splitting a block into a string per
field, converting column by column, joining 19 values per row and encoding.
For a block the examination vouched for (no quoting, no whitespace, no
backslash, no full-width form, no formula start) the staging line of a row is
just pieces of the source line (text and code fields, IDs) and pieces of a
small pool of converted texts (value-map answers, ISO dates, statuses, row
numbers, constants). This module finds those pieces as (offset, length) pairs
over the block's UTF-8 bytes and gathers them in one numpy pass; the result
is the COPY text as sent, with no decoding or encoding of the output.

Exactness: every value that is not copied through is converted by the same
converters as :class:`canbao.intake.parse.BatchConverter` (value maps, date,
bool and number converters), once per distinct value of the block, and the ID
statuses follow :func:`canbao.ids.normalise_ids`'s arithmetic. Whenever any
value of a block would need more than that (a reject, an ID that is not a
clean 18-character one, a dirty column), :meth:`Renderer.render` answers None
and the block goes through the column converter as before. Tests compare the
result with the row-at-a-time reference.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from canbao.ids import ID_CHECK_CHARS, ID_STATUS_BY_CODE, ID_WEIGHTS, sex_number
from canbao.intake import parse as P

_MAX_UNIQUE_WIDTH = 96  # bytes (32 CJK characters): wider converted values are not worth a unique pass
_WEIGHTS_F32 = np.array(ID_WEIGHTS, dtype=np.float32)
_CHECK = np.frombuffer(ID_CHECK_CHARS, dtype=np.uint8)
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 0], dtype=np.int64)


class _Pool:
    """Converted texts of one block, as UTF-8 bytes placed after the block's own."""

    def __init__(self, base: int):
        self.base = base
        self.parts: list[bytes] = [b"\t", b"\n"]
        self.size = 2
        self.where: dict[str, tuple[int, int]] = {"\t": (base, 1), "\n": (base + 1, 1)}

    def add(self, text: str) -> tuple[int, int]:
        hit = self.where.get(text)
        if hit is None:
            data = text.encode("utf-8")
            hit = self.where[text] = (self.base + self.size, len(data))
            self.parts.append(data)
            self.size += len(data)
        return hit

    def add_units(self, units: np.ndarray) -> int:
        """Raw bytes (row numbers, dates: UTF-8 text); answers their offset."""
        at = self.base + self.size
        self.parts.append(units.tobytes())
        self.size += len(units)
        return at

    def units(self) -> np.ndarray:
        return np.frombuffer(b"".join(self.parts), dtype=np.uint8)


class Renderer:
    """A feed's COPY lines of clean pieces, when every output column is one it can build.

    Output columns are compiled once into kinds: ``const`` (delivery, as-of,
    constants and unmapped fields), ``row`` (source row number), ``pass``
    (text and code fields copied through, '' as NULL), ``unique`` (anything
    converted: each distinct value of the block converted once) and ``id``
    (citizen ID value, raw and status).
    """

    def __init__(self, converter: P.BatchConverter):
        self.ok = True
        plan = converter.plan
        self.kinds: list[tuple] = []
        self.caches: dict[str, dict[bytes, Any]] = {}
        self.person = plan.person_checks
        self.birth_col: int | None = None
        self.sex: tuple | None = None
        id_names = {name: (ftype, idx, const) for name, ftype, idx, const in plan.id_slots}
        for col in plan.columns:
            if col in ("delivery_id", "source_row", "as_of"):
                self.kinds.append((col,))
                continue
            base = col[:-4] if col.endswith("_raw") else col[:-7] if col.endswith("_status") else col
            if base in id_names and col != base or col in id_names:
                ftype, idx, const = id_names[base]
                if ftype != "id" or const is not None:
                    self.ok = False
                    return
                part = "value" if col == base else col[len(base) + 1:]
                self.kinds.append(("id", idx, part, base) if idx is not None else ("const", P.NULL))
                continue
            slot = plan.slots.get(col)
            if slot is None:  # a column this renderer does not know how to fill: the converter's
                self.ok = False
                return
            if slot.constant is not None:
                self.kinds.append(("const", slot.constant))
            elif slot.index is None:
                self.kinds.append(("const", P.NULL))
            elif slot.map is None and slot.type in ("text", "code") and not (self.person and col == "sex"):
                self.kinds.append(("pass", slot.index))
            elif slot.map is None and slot.type == "date" and plan.feed.format.type != "excel" and \
                    _date_format(plan, col) in ("%Y%m%d", "%Y-%m-%d"):
                self.kinds.append(("date", slot.index, _date_format(plan, col), col))
            else:
                self.kinds.append(("unique", slot.index, self._convert_of(converter, slot), col))
                self.caches[col] = {}
        if self.person:
            birth, sex = plan.slots.get("birth_date"), plan.slots.get("sex")
            if birth is None or sex is None or birth.map is not None or birth.constant is not None \
                    or birth.type != "date":
                self.ok = False
                return
            self.birth_col = birth.index  # None: no birth date given
            self.sex = ("const", sex.constant) if sex.constant is not None else (
                ("const", P.NULL) if sex.index is None else ("column", "sex"))

    @staticmethod
    def _convert_of(converter: P.BatchConverter, slot: P.Slot) -> Callable[[str], Any]:
        """raw -> COPY text or INVALID, as :meth:`BatchConverter.convert_columns` answers a clean value."""
        if slot.map is not None:
            value_map = converter.maps[slot.name]
            return lambda raw: value_map.get(raw, P.INVALID)
        if slot.type in ("text", "code"):
            return lambda raw: raw or P.NULL
        if slot.type == "date":
            convert = slot.convert

            def date(raw: str) -> Any:
                if not raw:
                    return P.NULL
                r = convert(raw)
                return P.INVALID if r is P.INVALID else r[0]
            return date
        if slot.type == "bool":
            return lambda raw: P._BOOL_WORDS_NULL.get(raw.lower(), P.INVALID)
        convert = slot.convert
        return lambda raw: convert(raw) if raw else P.NULL

    def render(self, piece: Any, first_row: int, lead: str, day: str) -> Callable[[], bytes] | None:
        """The piece's COPY text (UTF-8) to be gathered, or None when the column converter must do it.

        Each output column is one segment per row holding the value *and* the
        tab (or newline) after it whenever it can: pool texts carry their
        separator, and a source value followed by its delimiter (which the
        examination turned into a tab) is taken together with it. Half the
        segments of a value-then-separator layout, so half the index work.
        """
        if not self.ok or piece.spans is None or piece.backslash or piece.fullwidth or piece.formula:
            return None
        units, starts, lengths = piece.spans
        n = piece.n
        if n == 0:
            return _empty
        if piece.dirty and any(k[1] in piece.dirty for k in self.kinds if len(k) > 1 and k[0] in (
                "pass", "unique", "id", "date")):
            return None
        pool = _Pool(len(units))
        texts: dict[str, np.ndarray] = {}   # converted COPY text per unique, by column (for person checks)
        inverse: dict[str, np.ndarray] = {}
        born: dict[str, np.ndarray] = {}    # YYYYMMDD per row (-1 for NULL) of vectorised date columns
        id_cache: dict[str, np.ndarray | None] = {}  # status code per row, by ID column
        c, last_field = len(self.kinds), starts.shape[1] - 1
        segs: list[list] = [[] for _ in range(c)]  # per output column: its segments as (offset, length) pairs
        fixed = [self._fixed_text(kind, lead, day) + ("\t" if i < c - 1 else "\n") if self._fixed(kind) else None
                 for i, kind in enumerate(self.kinds)]
        # fixed columns right before and after the row number go into its pool entries (delivery, as-of)
        row_at = next((i for i, kind in enumerate(self.kinds) if kind[0] == "source_row"), None)
        before = after = row_at
        if row_at is not None:
            while before > 0 and fixed[before - 1] is not None:
                before -= 1
            while after < c - 1 and fixed[after + 1] is not None:
                after += 1
        # ID statuses look at the converted birth date and sex, so ID columns come last
        order = sorted(range(c), key=lambda i: self.kinds[i][0] == "id")
        for i in order:
            kind = self.kinds[i]
            tag = kind[0]
            sep = "\t" if i < c - 1 else "\n"
            if fixed[i] is not None:
                if row_at is None or not before <= i <= after:
                    segs[i].append(pool.add(fixed[i]))
            elif tag == "source_row":
                segs[i].append(self._row_numbers(pool, first_row, n, "".join(fixed[before:i]),
                                                 sep + "".join(fixed[i + 1:after + 1])))
            elif tag == "pass":
                segs[i] = _source_segments(starts[:, kind[1]], lengths[:, kind[1]], pool, sep,
                                           kind[1] < last_field)
            elif tag == "date":
                got = self._dates(kind[2], units, starts[:, kind[1]], lengths[:, kind[1]], pool, sep,
                                  kind[1] < last_field)
                if got is None:
                    return None
                segs[i], born[kind[3]] = got
            elif tag == "unique":
                got = self._unique(kind, units, starts[:, kind[1]], lengths[:, kind[1]], pool, sep)
                if got is None:
                    return None
                segs[i].append(got[0])
                texts[kind[3]], inverse[kind[3]] = got[2], got[1]
            else:  # id
                idx, part, name = kind[1], kind[2], kind[3]
                if name not in id_cache:
                    id_cache[name] = self._ids(units, starts[:, idx], lengths[:, idx], name == "person_id",
                                               texts, inverse, born, n)
                code = id_cache[name]
                if code is None:
                    return None
                s, k = starts[:, idx], lengths[:, idx]
                if part == "status":
                    placed = [pool.add(w + sep) for w in ID_STATUS_BY_CODE + (P.NULL,)]
                    at = np.array([p[0] for p in placed], dtype=np.int64)
                    ln = np.array([p[1] for p in placed], dtype=np.int64)
                    segs[i].append((at[code], ln[code]))
                else:
                    segs[i] = _source_segments(s, k, pool, sep, idx < last_field)
        return self._gather(units, pool, [seg for col in segs for seg in col], n)

    @staticmethod
    def _fixed(kind: tuple) -> bool:
        return kind[0] in ("delivery_id", "as_of", "const")

    @staticmethod
    def _fixed_text(kind: tuple, lead: str, day: str) -> str:
        return lead if kind[0] == "delivery_id" else day if kind[0] == "as_of" else kind[1]

    @staticmethod
    def _row_numbers(pool: _Pool, first_row: int, n: int, prefix: str, suffix: str) -> tuple[np.ndarray, np.ndarray]:
        """``prefix``, the source row number and ``suffix`` of each row as (offsets, lengths) of pool entries.

        Why one entry per row: the delivery, row number and as-of columns are
        then one segment to gather instead of three.
        """
        last = first_row + n - 1
        width = len(str(last))
        pre, suf = prefix.encode("utf-8"), suffix.encode("utf-8")
        p, q = len(pre), len(suf)
        stride = p + width + q
        nums = np.arange(first_row, last + 1, dtype=np.int64)
        ndig = np.ones(n, dtype=np.int64)
        for d in range(1, width):
            ndig += nums >= 10 ** d
        entries = np.zeros((n, stride), dtype=np.uint8)
        if p:
            entries[:, :p] = np.frombuffer(pre, dtype=np.uint8)
        for g in range(int(ndig[0]), width + 1):  # row numbers with g digits (a run: numbers only grow)
            rows = slice(int(np.searchsorted(ndig, g)), int(np.searchsorted(ndig, g, side="right")))
            powers = 10 ** np.arange(g - 1, -1, -1, dtype=np.int64)
            entries[rows, p:p + g] = (nums[rows, None] // powers) % 10 + 48
            entries[rows, p + g:p + g + q] = np.frombuffer(suf, dtype=np.uint8)
        at = pool.add_units(entries.ravel())
        return at + np.arange(n, dtype=np.int64) * stride, ndig + (p + q)

    def _unique(self, kind: tuple, units: np.ndarray, s: np.ndarray, k: np.ndarray, pool: _Pool,
                sep: str) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray, np.ndarray] | None:
        """Each distinct value of a column converted once: ((offsets, lengths), inverse, COPY text per unique).

        The segments are the converted text and ``sep``.
        """
        width = int(k.max())
        if width > _MAX_UNIQUE_WIDTH:
            return None
        if width <= 16 and len(units) >= 8:
            keys = _short_keys(units, s, k)
        else:  # each value as 64-bit words of its bytes, zero-padded (no value holds U+0000: the NUL check)
            cols = np.arange(8 * ((max(width, 1) + 7) // 8), dtype=np.int64)
            idx = np.minimum(s[:, None] + cols, len(units) - 1)
            keys = np.where(cols < k[:, None], np.take(units, idx), np.uint8(0)).astype(np.uint8).view(np.uint64)
        got = _few_distinct(keys)
        if got is None:  # many distinct values: sort them
            void = np.ascontiguousarray(keys).view(np.dtype((np.void, 8 * keys.shape[1]))).ravel()
            _, first_at, inv = np.unique(void, return_index=True, return_inverse=True)
            first, inv = first_at.tolist(), inv.ravel()
        else:
            first, inv = got
        convert, cache = kind[2], self.caches[kind[3]]
        outs = []
        for r in first:
            key = units[s[r]:s[r] + k[r]].tobytes()
            text = cache.get(key)
            if text is None:
                text = convert(key.decode("utf-8"))
                if text is P.INVALID:
                    return None  # the row is rejected: the column converter reports it
                if len(cache) < 200_000:
                    cache[key] = text
            outs.append(text)
        placed = [pool.add(t + sep) for t in outs]
        at = np.array([p[0] for p in placed], dtype=np.int64)
        ln = np.array([p[1] for p in placed], dtype=np.int64)
        return (at[inv], ln[inv]), inv, np.array(outs, dtype=object)

    def _ids(self, units: np.ndarray, s: np.ndarray, k: np.ndarray, person: bool,
             texts: dict[str, np.ndarray], inverse: dict[str, np.ndarray], born: dict[str, np.ndarray],
             n: int) -> np.ndarray | None:
        """Status code per row (index of ``ID_STATUS_BY_CODE``, or its length for no ID) of a column of clean
        18-character IDs (None if any is not one)."""
        has = k != 0
        if not ((k == 18) | ~has).all():
            return None
        rows = np.flatnonzero(has)
        m = np.take(units, s[rows, None] + np.arange(18, dtype=np.int64))
        raw = m[:, :17] - np.uint8(48)  # bytes below '0' wrap to large numbers
        last = m[:, 17]
        if not ((raw <= 9).all() and (((last >= 48) & (last <= 57)) | (last == 88)).all()):
            return None
        # the weighted sum in float32 (exact: at most 1,530) goes through BLAS, far faster than integer matmul
        check = _CHECK[(raw.astype(np.float32) @ _WEIGHTS_F32).astype(np.int32) % 11]
        digits = raw.astype(np.int32)
        year = digits[:, 6] * 1000 + digits[:, 7] * 100 + digits[:, 8] * 10 + digits[:, 9]
        month = digits[:, 10] * 10 + digits[:, 11]
        day = digits[:, 12] * 10 + digits[:, 13]
        leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
        dim = _MONTH_DAYS[np.clip(month, 0, 13)] + ((month == 2) & leap)
        born_ok = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= dim)
        code = np.where((check != last) | ~born_ok, 1, 0).astype(np.int8)
        if self.person and person:  # only person_id is held to the row's birth date and sex
            if self.birth_col is not None:
                if "birth_date" in born:
                    given_born = born["birth_date"][rows]
                elif "birth_date" in inverse:
                    given_born = np.array([_iso_number(t) for t in texts["birth_date"].tolist()],
                                          dtype=np.int64)[inverse["birth_date"][rows]]
                else:
                    return None
                id_born = year * 10000 + month * 100 + day
                code[(code == 0) & (given_born >= 0) & (given_born != id_born)] = 2
            sex = self.sex
            if sex[0] == "const":
                sx = np.full(len(rows), sex_number(sex[1]), dtype=np.int8)
            else:
                if "sex" not in inverse:
                    return None
                sx = np.array([sex_number(t) for t in texts["sex"].tolist()],
                              dtype=np.int8)[inverse["sex"][rows]]
            id_sex = np.where(digits[:, 16] % 2 == 1, 1, 2).astype(np.int8)
            code[(code == 0) & (sx != 0) & (id_sex != sx)] = 3
        out = np.full(n, len(ID_STATUS_BY_CODE), dtype=np.int8)  # no ID: NULL, after the statuses
        out[rows] = code
        return out

    @staticmethod
    def _dates(fmt: str, units: np.ndarray, s: np.ndarray, k: np.ndarray, pool: _Pool, sep: str,
               delimited: bool) -> tuple[list, np.ndarray] | None:
        """A ``%Y%m%d`` or ``%Y-%m-%d`` date column as ISO text: (segments, YYYYMMDD or -1 per row).

        Only real dates written with ASCII digits are vouched for (the date
        converter's own fast branch answers exactly those); anything else
        leaves the block to the converter.
        """
        n = len(s)
        has = k != 0
        rows = np.flatnonzero(has)
        iso = fmt == "%Y-%m-%d"
        width = 10 if iso else 8
        if not (k[rows] == width).all():
            return None
        if len(rows) == 0:  # no dates at all (a column rarely filled in, like a cancellation date)
            return [pool.add(P.NULL + sep)], np.full(n, -1, dtype=np.int64)
        m = np.take(units, s[rows, None] + np.arange(width, dtype=np.int64)).astype(np.int64)
        pos = [0, 1, 2, 3, 5, 6, 8, 9] if iso else list(range(8))
        d = m[:, pos] - 48
        if not ((d >= 0) & (d <= 9)).all():
            return None
        if iso and not ((m[:, 4] == 45) & (m[:, 7] == 45)).all():
            return None
        year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
        month = d[:, 4] * 10 + d[:, 5]
        day = d[:, 6] * 10 + d[:, 7]
        leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
        dim = _MONTH_DAYS[np.clip(month, 0, 13)] + ((month == 2) & leap)
        if not ((year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= dim)).all():
            return None
        ymd = np.full(n, -1, dtype=np.int64)
        ymd[rows] = year * 10000 + month * 100 + day
        if iso:  # already ISO: the source text itself
            return _source_segments(s, k, pool, sep, delimited), ymd
        null_at, null_len = pool.add(P.NULL + sep)
        offs = np.full(n, null_at, dtype=np.int64)
        lens = np.full(n, null_len, dtype=np.int64)
        lens[rows] = 11
        text = np.empty((len(rows), 11), dtype=np.uint8)
        text[:, [0, 1, 2, 3, 5, 6, 8, 9]] = m
        text[:, [4, 7]] = 45
        text[:, 10] = ord(sep)
        at = pool.add_units(text.ravel())
        offs[rows] = at + np.arange(len(rows), dtype=np.int64) * 11
        return [(offs, lens)], ymd

    @staticmethod
    def _gather(units: np.ndarray, pool: _Pool, segs: list[tuple[Any, Any]], n: int) -> _Gather:
        """The rows' COPY text: each row's segments in order, in one gather.

        ``segs``: each row's segments in output order as (offset, length) in the
        block's bytes followed by the pool's; each an array (per row) or a number (all rows).
        """
        src = np.concatenate([units, pool.units()])
        total = sum(int(k.sum()) if isinstance(k, np.ndarray) else int(k) * n for _, k in segs)
        index_type = np.int32 if len(src) + total < 2**31 else np.int64  # int32: half the memory traffic
        seg_off = np.empty((n, len(segs)), dtype=index_type)
        seg_len = np.empty((n, len(segs)), dtype=index_type)
        for j, (o, k) in enumerate(segs):
            seg_off[:, j] = o
            seg_len[:, j] = k
        seg_off, seg_len = seg_off.ravel(), seg_len.ravel()
        ends = np.cumsum(seg_len, dtype=index_type)
        ends -= seg_len
        seg_off -= ends  # each segment's source offset less its output offset
        return _Gather(src, seg_off, seg_len, total, index_type)


def _source_segments(s: np.ndarray, k: np.ndarray, pool: _Pool, sep: str, delimited: bool) -> list:
    """Segments of source values (``\\N`` for empty ones) followed by ``sep``.

    ``delimited``: the value is followed by its delimiter, which the
    examination turned into a tab, so value and tab are one segment.
    """
    empty = k == 0
    if delimited and sep == "\t":
        null_at, null_len = pool.add(P.NULL + sep)
        return [(np.where(empty, null_at, s), np.where(empty, null_len, k + 1))]
    null_at, null_len = pool.add(P.NULL)
    return [(np.where(empty, null_at, s), np.where(empty, null_len, k)), pool.add(sep)]


_LOW_BYTES = np.array([(1 << (8 * j)) - 1 for j in range(8)] + [(1 << 64) - 1], dtype=np.uint64)


def _short_keys(units: np.ndarray, s: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Values of at most 16 bytes as (rows x words) numbers that are equal exactly when the values are.

    Read as unaligned little-endian 64-bit words straight from the block (no
    per-byte matrix): a value of at most 8 bytes is its bytes masked to its
    length (values hold no NUL byte, so the length is implied); a longer one
    is its first 8 bytes, its last 8 bytes (the two overlap and cover it) and
    its length.
    """
    last = len(units) - 8
    words = np.ndarray((last + 1,), dtype="<u8", buffer=units, strides=(1,))  # the 8 bytes at every offset
    if int(s.max()) <= last:
        head = words[s]
    else:  # a value in the block's last 8 bytes: read the last word and shift
        base = np.minimum(s, last)
        head = words[base] >> ((s - base) * 8).astype(np.uint64)
    if int(k.max()) <= 8:
        head &= _LOW_BYTES[k]
        return head[:, None]
    head &= _LOW_BYTES[np.minimum(k, 8)]
    long = k > 8
    tail = words[np.where(long, s + k - 8, 0)]
    tail[~long] = 0
    return np.stack([head, tail, k.astype(np.uint64)], axis=1)


def _few_distinct(keys: np.ndarray, most: int = 8) -> tuple[list[int], np.ndarray] | None:
    """(first row of each distinct key, index of each row's key) when ``keys`` (rows x words) has at most
    ``most`` distinct rows, else None.

    Why: value-mapped columns (sex, household type, status) hold a handful of
    values per block; a few comparisons over the column beat sorting it.
    """
    n = len(keys)
    inv = np.zeros(n, dtype=np.intp)
    first: list[int] = []
    left: np.ndarray | None = None  # rows not yet matched
    r = 0
    for code in range(most):
        eq = keys[:, 0] == keys[r, 0]
        for w in range(1, keys.shape[1]):
            eq &= keys[:, w] == keys[r, w]
        first.append(r)
        if code:
            inv[eq] = code
        left = ~eq if left is None else left & ~eq
        r = int(left.argmax())
        if not left[r]:
            return first, inv
    return None


class _Gather:
    """A rendered piece's COPY text, gathered when called.

    Why deferred: the COPY thread calls it (:meth:`canbao.intake.parse.Batch.copy_data`),
    and numpy's gather runs without the interpreter lock, so it overlaps with
    the parser working on the next block. Holds the block's UTF-8 bytes and
    one (offset, length) pair per value: memory stays bounded by the batches
    in flight.
    """

    __slots__ = ("src", "seg_off", "seg_len", "total", "index_type")

    def __init__(self, src: np.ndarray, seg_off: np.ndarray, seg_len: np.ndarray, total: int, index_type):
        self.src, self.seg_off, self.seg_len, self.total, self.index_type = src, seg_off, seg_len, total, index_type

    def __call__(self) -> bytes:
        idx = np.repeat(self.seg_off, self.seg_len)
        idx += np.arange(self.total, dtype=self.index_type)
        return np.take(self.src, idx).tobytes()  # take: about twice as fast as src[idx] here


def _iso_number(text: str) -> int:
    """YYYYMMDD of an ISO date's COPY text; -1 for NULL (no birth date given)."""
    if text == P.NULL:
        return -1
    return int(text[:4]) * 10000 + int(text[5:7]) * 100 + int(text[8:10])


def _date_format(plan: P.RowPlan, name: str) -> str:
    spec = plan.feed.columns.get(name)
    return (spec.date_format if spec is not None else None) or "%Y-%m-%d"


def _empty() -> bytes:
    return b""
