"""COPY text of a clean block built in numpy, without a Python string per value.

Why: after the fast path's examination (:mod:`canbao.intake.fastpath`) most of
intake's time went to Python objects: splitting a block into a string per
field, converting column by column, joining 19 values per row and encoding.
For a block the examination vouched for (no quoting, no whitespace, no
backslash, no full-width form, no formula start) the staging line of a row is
just pieces of the source line (text and code fields, IDs) and pieces of a
small pool of converted texts (value-map answers, ISO dates, statuses, row
numbers, constants). This module finds those pieces as (offset, length) pairs
over the block's UTF-16 code units and gathers them in one numpy pass.

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

from canbao.ids import _ID_CHECK, _ID_WEIGHTS, _SEX_NUMBER, _STATUS_BY_CODE
from canbao.intake import parse as P

_MAX_UNIQUE_WIDTH = 32  # wider converted values (free text) are not worth a per-block unique pass
_TAB, _NL = 0, 1        # pool positions of the separators
_WEIGHTS = np.array(_ID_WEIGHTS, dtype=np.int64)
_CHECK = np.frombuffer(_ID_CHECK, dtype=np.uint8).astype(np.uint16)
_MONTH_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 0], dtype=np.int64)


class _Pool:
    """Converted texts of one block, as UTF-16 code units placed after the block's own."""

    def __init__(self, base: int):
        self.base = base
        self.parts: list[str] = ["\t", "\n"]
        self.size = 2
        self.where: dict[str, tuple[int, int]] = {"\t": (base, 1), "\n": (base + 1, 1)}

    def add(self, text: str) -> tuple[int, int]:
        hit = self.where.get(text)
        if hit is None:
            units = len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2
            hit = self.where[text] = (self.base + self.size, units)
            self.parts.append(text)
            self.size += units
        return hit

    def add_units(self, units: np.ndarray) -> int:
        """Raw code units (row numbers); answers their offset."""
        at = self.base + self.size
        self.parts.append(units.tobytes().decode("utf-16-le"))
        self.size += len(units)
        return at

    def units(self) -> np.ndarray:
        return np.frombuffer("".join(self.parts).encode("utf-16-le"), dtype=np.uint16)


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
        """The piece's COPY text (UTF-8) to be gathered, or None when the column converter must do it."""
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
        null_at, null_len = pool.add(P.NULL)
        id_cache: dict[str, tuple[np.ndarray, np.ndarray] | None] = {}
        offs = [np.empty(0)] * len(self.kinds)
        lens = [np.empty(0)] * len(self.kinds)
        # ID statuses look at the converted birth date and sex, so ID columns come last
        order = sorted(range(len(self.kinds)), key=lambda i: self.kinds[i][0] == "id")
        for i in order:
            kind = self.kinds[i]
            tag = kind[0]
            if tag == "delivery_id" or tag == "as_of" or tag == "const":
                text = lead if tag == "delivery_id" else day if tag == "as_of" else kind[1]
                at, k = pool.add(text)
                offs[i] = np.full(n, at, dtype=np.int64)
                lens[i] = np.full(n, k, dtype=np.int64)
            elif tag == "source_row":
                o, k = self._row_numbers(pool, first_row, n)
                offs[i] = o
                lens[i] = k
            elif tag == "pass":
                s, k = starts[:, kind[1]], lengths[:, kind[1]]
                empty = k == 0
                offs[i] = np.where(empty, null_at, s)
                lens[i] = np.where(empty, null_len, k)
            elif tag == "date":
                got = self._dates(kind[2], units, starts[:, kind[1]], lengths[:, kind[1]], pool, null_at, null_len)
                if got is None:
                    return None
                offs[i], lens[i], born[kind[3]] = got
            elif tag == "unique":
                got = self._unique(kind, units, starts[:, kind[1]], lengths[:, kind[1]], pool)
                if got is None:
                    return None
                o, k, inv, outs = got
                offs[i] = o
                lens[i] = k
                texts[kind[3]], inverse[kind[3]] = outs, inv
            else:  # id
                idx, part, name = kind[1], kind[2], kind[3]
                if name not in id_cache:
                    id_cache[name] = self._ids(units, starts[:, idx], lengths[:, idx], name == "person_id",
                                               texts, inverse, born, n, pool)
                got = id_cache[name]
                if got is None:
                    return None
                status_off, status_len = got
                s, k = starts[:, idx], lengths[:, idx]
                empty = k == 0
                if part == "status":
                    offs[i] = np.where(empty, null_at, status_off)
                    lens[i] = np.where(empty, null_len, status_len)
                else:
                    offs[i] = np.where(empty, null_at, s)
                    lens[i] = np.where(empty, null_len, k)
        return self._gather(units, pool, offs, lens, n)

    @staticmethod
    def _row_numbers(pool: _Pool, first_row: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        last = first_row + n - 1
        width = len(str(last))
        nums = np.arange(first_row, last + 1, dtype=np.int64)
        powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
        digits = (nums[:, None] // powers) % 10 + 48
        at = pool.add_units(digits.astype(np.uint16).ravel())
        ndig = np.ones(n, dtype=np.int64)
        for p in range(1, width):
            ndig += nums >= 10 ** p
        return at + np.arange(n, dtype=np.int64) * width + (width - ndig), ndig

    def _unique(self, kind: tuple, units: np.ndarray, s: np.ndarray, k: np.ndarray,
                pool: _Pool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """Each distinct value of a column converted once: (offsets, lengths, inverse, COPY text per unique)."""
        width = int(k.max())
        if width > _MAX_UNIQUE_WIDTH:
            return None
        width = max(width, 1)
        cols = np.arange(width, dtype=np.int64)
        idx = np.minimum(s[:, None] + cols, len(units) - 1)
        mat = np.where(cols < k[:, None], units[idx], 0).astype(np.uint16)  # no value holds U+0000 (NUL check)
        if width <= 4:  # short codes (most value maps): a number per value sorts far faster than bytes
            packed = np.zeros((len(mat), 4), dtype=np.uint16)
            packed[:, :width] = mat
            uniq_keys, inv = np.unique(packed.view(np.uint64).ravel(), return_inverse=True)
            uniq = [int(u).to_bytes(8, "little") for u in uniq_keys.tolist()]
        else:
            keys = np.ascontiguousarray(mat).view(np.dtype((np.void, 2 * width))).ravel()
            uniq_void, inv = np.unique(keys, return_inverse=True)
            uniq = [bytes(u) for u in uniq_void.tolist()]
        inv = inv.ravel()
        convert, cache = kind[2], self.caches[kind[3]]
        outs = []
        for key in uniq:
            text = cache.get(key)
            if text is None:
                text = convert(key.decode("utf-16-le").rstrip("\x00"))
                if text is P.INVALID:
                    return None  # the row is rejected: the column converter reports it
                if len(cache) < 200_000:
                    cache[key] = text
            outs.append(text)
        placed = [pool.add(t) for t in outs]
        at = np.array([p[0] for p in placed], dtype=np.int64)
        ln = np.array([p[1] for p in placed], dtype=np.int64)
        return at[inv], ln[inv], inv, np.array(outs, dtype=object)

    def _ids(self, units: np.ndarray, s: np.ndarray, k: np.ndarray, person: bool,
             texts: dict[str, np.ndarray], inverse: dict[str, np.ndarray], born: dict[str, np.ndarray],
             n: int, pool: _Pool) -> tuple[np.ndarray, np.ndarray] | None:
        """Status offsets/lengths of a column of clean 18-character IDs (None if any is not one)."""
        has = k != 0
        if not ((k == 18) | ~has).all():
            return None
        rows = np.flatnonzero(has)
        m = units[s[rows, None] + np.arange(18, dtype=np.int64)]
        digits = m[:, :17].astype(np.int64) - 48
        last = m[:, 17]
        if not (((digits >= 0) & (digits <= 9)).all() and (((last >= 48) & (last <= 57)) | (last == 88)).all()):
            return None
        check = _CHECK[(digits @ _WEIGHTS) % 11]
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
                sx = np.full(len(rows), _SEX_NUMBER.get(sex[1], 0), dtype=np.int8)
            else:
                if "sex" not in inverse:
                    return None
                sx = np.array([_SEX_NUMBER.get(t, 0) for t in texts["sex"].tolist()],
                              dtype=np.int8)[inverse["sex"][rows]]
            id_sex = np.where(digits[:, 16] % 2 == 1, 1, 2).astype(np.int8)
            code[(code == 0) & (sx != 0) & (id_sex != sx)] = 3
        placed = [pool.add(w) for w in _STATUS_BY_CODE]
        at = np.zeros(n, dtype=np.int64)
        ln = np.zeros(n, dtype=np.int64)
        at[rows] = np.array([p[0] for p in placed], dtype=np.int64)[code]
        ln[rows] = np.array([p[1] for p in placed], dtype=np.int64)[code]
        return at, ln

    @staticmethod
    def _dates(fmt: str, units: np.ndarray, s: np.ndarray, k: np.ndarray, pool: _Pool, null_at: int,
               null_len: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """A ``%Y%m%d`` or ``%Y-%m-%d`` date column as ISO text: (offsets, lengths, YYYYMMDD or -1 per row).

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
        m = units[s[rows, None] + np.arange(width, dtype=np.int64)].astype(np.int64)
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
        offs = np.full(n, null_at, dtype=np.int64)
        lens = np.full(n, null_len, dtype=np.int64)
        lens[rows] = 10
        if iso:  # already ISO: the source text itself
            offs[rows] = s[rows]
        else:
            text = np.empty((len(rows), 10), dtype=np.uint16)
            text[:, [0, 1, 2, 3, 5, 6, 8, 9]] = m
            text[:, [4, 7]] = 45
            at = pool.add_units(text.ravel())
            offs[rows] = at + np.arange(len(rows), dtype=np.int64) * 10
        return offs, lens, ymd

    @staticmethod
    def _gather(units: np.ndarray, pool: _Pool, offs: list[np.ndarray], lens: list[np.ndarray],
                n: int) -> _Gather:
        """The rows' COPY text: each row's values with tabs between and a newline after, in one gather.

        ``offs``/``lens``: per output column, each row's value as (offset, length)
        in the block's code units followed by the pool's.
        """
        c = len(offs)
        src = np.concatenate([units, pool.units()])
        total = int(sum(int(k.sum()) for k in lens)) + n * c  # values, tabs and newlines
        index_type = np.int32 if len(src) + total < 2**31 else np.int64  # int32: half the memory traffic
        seg_off = np.empty((n, 2 * c), dtype=index_type)
        seg_len = np.ones((n, 2 * c), dtype=index_type)
        for i in range(c):
            seg_off[:, 2 * i] = offs[i]
            seg_len[:, 2 * i] = lens[i]
        seg_off[:, 1::2] = pool.base + _TAB
        seg_off[:, -1] = pool.base + _NL
        seg_off, seg_len = seg_off.ravel(), seg_len.ravel()
        ends = np.cumsum(seg_len)
        seg_off -= ends - seg_len  # each value's source offset less its output offset
        return _Gather(src, seg_off, seg_len, total, index_type)


class _Gather:
    """A rendered piece's COPY text, gathered when called.

    Why deferred: the COPY thread calls it (:meth:`canbao.intake.parse.Batch.copy_data`),
    and numpy's gather runs without the interpreter lock, so it overlaps with
    the parser working on the next block. Holds the block's code units and
    one (offset, length) pair per value: memory stays bounded by the batches
    in flight.
    """

    __slots__ = ("src", "seg_off", "seg_len", "total", "index_type")

    def __init__(self, src: np.ndarray, seg_off: np.ndarray, seg_len: np.ndarray, total: int, index_type):
        self.src, self.seg_off, self.seg_len, self.total, self.index_type = src, seg_off, seg_len, total, index_type

    def __call__(self) -> bytes:
        idx = np.repeat(self.seg_off, self.seg_len)
        idx += np.arange(self.total, dtype=self.index_type)
        return self.src[idx].tobytes().decode("utf-16-le").encode("utf-8")


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
