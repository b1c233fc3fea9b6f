"""Citizen ID (GB 11643) and USCC (GB 32100) normalisation and classification.

Validation is python-stdnum's; this module only adds the form clean-up real
feeds need (full-width digits, spaces, lower-case x), the legacy 15-digit
upgrade, and the status vocabulary of docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from stdnum.cn import ric, uscc

VALID = "VALID"
UPGRADED_15 = "UPGRADED_15"
CHECK_FAIL = "CHECK_FAIL"
BIRTH_MISMATCH = "BIRTH_MISMATCH"
SEX_MISMATCH = "SEX_MISMATCH"
MALFORMED = "MALFORMED"

# Full-width forms (U+FF01..U+FF5E) map to ASCII by a fixed offset; the ideographic space to a space.
_HALFWIDTH = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_SPACES = re.compile(r"[\s\u00a0\u200b\ufeff-]+")
_SHAPE18 = re.compile(r"^\d{17}[\dX]$")
_SHAPE15 = re.compile(r"^\d{15}$")


def to_halfwidth(text: str) -> str:
    return text.translate(_HALFWIDTH)


def clean_id(raw: str | None) -> str:
    """Form-only clean-up: half-width, no spaces or dashes, upper-case X."""
    if raw is None:
        return ""
    return _SPACES.sub("", to_halfwidth(str(raw))).upper()


def check_char(first17: str) -> str:
    return ric.calc_check_digit(first17 + "0")


def upgrade_15(id15: str) -> str:
    """Legacy 15-digit ID (6 region, 6 birth yymmdd, 3 sequence) -> 18 digits with century 19."""
    body = id15[:6] + "19" + id15[6:]
    return body + check_char(body)


@dataclass(frozen=True)
class IdResult:
    value: str  # the normalised 18-character ID, or the cleaned text when MALFORMED
    status: str

    @property
    def carried(self) -> bool:
        return self.status != MALFORMED


def birth_date_of(id18: str) -> dt.date | None:
    try:
        return dt.date(int(id18[6:10]), int(id18[10:12]), int(id18[12:14]))
    except ValueError:
        return None


def sex_of(id18: str) -> str:
    """GB/T 2261.1 code from the sequence digit: odd = ``1`` male, even = ``2`` female."""
    return "1" if int(id18[16]) % 2 else "2"


def normalise_id(raw: str | None, birth_date: dt.date | None = None, sex: str | None = None) -> IdResult:
    """Clean, upgrade and classify one citizen ID.

    ``birth_date`` and ``sex`` are the values delivered beside the ID; when
    given, disagreement with the ID is reported (BIRTH_MISMATCH / SEX_MISMATCH).
    """
    value = clean_id(raw)
    status = VALID
    if _SHAPE15.match(value):
        value, status = upgrade_15(value), UPGRADED_15
        if birth_date_of(value) is None:
            return IdResult(value, CHECK_FAIL)
    elif not _SHAPE18.match(value):
        return IdResult(value, MALFORMED)
    elif value[-1] != check_char(value[:17]) or birth_date_of(value) is None:
        return IdResult(value, CHECK_FAIL)
    if birth_date is not None and birth_date_of(value) != birth_date:
        return IdResult(value, BIRTH_MISMATCH)
    if sex and sex in ("1", "2") and sex_of(value) != sex:
        return IdResult(value, SEX_MISMATCH)
    return IdResult(value, status)


def is_valid_id(value: str) -> bool:
    """Strict GB 11643 validity (python-stdnum), birthplace included."""
    return ric.is_valid(value)


def normalise_uscc(raw: str | None) -> tuple[str, bool]:
    """(cleaned USCC, valid per GB 32100)."""
    value = clean_id(raw)
    return value, bool(value) and uscc.is_valid(value)


# --------------------------------------------------------------------------- whole columns at once

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # GB 11643 / ISO 7064 MOD 11-2
_ID_CHECK = b"10X98765432"  # check character by weighted sum mod 11
_STATUS_BY_CODE = (VALID, CHECK_FAIL, BIRTH_MISMATCH, SEX_MISMATCH)
_SEX_NUMBER = {"1": 1, "2": 2}
_NO_BIRTH = "0000-00-00"  # no ISO date has year 0

# The same rules as public names, for other whole-column code (intake's numpy renderer) to share.
ID_WEIGHTS = _ID_WEIGHTS          # weight of each of the first 17 digits (GB 11643, ISO 7064 MOD 11-2)
ID_CHECK_CHARS = _ID_CHECK        # the check character, indexed by the weighted sum mod 11
ID_STATUS_BY_CODE = _STATUS_BY_CODE  # the status of code 0 (VALID), 1, 2, 3 as :func:`normalise_ids` counts them


def sex_number(code: str | None) -> int:
    """1 or 2 for the GB/T 2261.1 codes ``1``/``2`` compared with an ID's sequence digit, else 0 (not compared)."""
    return _SEX_NUMBER.get(code, 0) if code is not None else 0


def normalise_ids(raws: list[str], birth_dates: list[str | None] | None = None,
                  sexes: list[str | None] | None = None) -> tuple[list[str], list[str]]:
    """:func:`normalise_id` over a whole column: (values, statuses), element by element the same answers.

    Intake normalises millions of IDs per delivery, and one Python call per ID
    (clean-up, regexes, python-stdnum) costs more than reading the file. Here
    the common case, an already clean 18-character ID, is judged on a digit
    matrix in numpy (check character, birth-date validity, agreement with the
    delivered birth date and sex); everything else (15-digit IDs, lower-case x,
    full-width or spaced forms, junk) goes through :func:`normalise_id` itself.

    ``birth_dates`` are ISO dates (``YYYY-MM-DD``, as intake's date converter
    writes them) or None; ``sexes`` GB/T 2261.1 codes or anything else (only
    ``1``/``2`` are compared). A test holds this function to :func:`normalise_id`
    and so to python-stdnum's check digit.
    """
    import numpy as np

    n = len(raws)
    if n == 0:
        return [], []
    joined = "".join(raws)
    if len(joined) == 18 * n and joined.isascii() and max(map(len, raws)) == 18:  # so every one has 18
        m = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(n, 18)
        digits = m[:, :17] - 48  # uint8: non-digits wrap to values above 9
        last = m[:, 17]
        shaped = (digits <= 9).all(axis=1) & (((last >= 48) & (last <= 57)) | (last == 88))
    else:
        m = digits = None
        shaped = np.zeros(n, dtype=bool)
    values = list(raws)
    if m is None or not shaped.any():
        statuses = [MALFORMED] * n
    else:
        d = digits.astype(np.int64)
        check = np.frombuffer(_ID_CHECK, dtype=np.uint8)[(d @ np.array(_ID_WEIGHTS, dtype=np.int64)) % 11]
        year = d[:, 6] * 1000 + d[:, 7] * 100 + d[:, 8] * 10 + d[:, 9]
        month = d[:, 10] * 10 + d[:, 11]
        day = d[:, 12] * 10 + d[:, 13]
        leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
        month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 0], dtype=np.int64)
        dim = month_days[np.clip(month, 0, 13)] + ((month == 2) & leap)
        born_ok = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= dim)
        code = np.where((check != last) | ~born_ok, 1, 0).astype(np.int8)
        if birth_dates is not None:
            text = "".join([b or _NO_BIRTH for b in birth_dates]
                           if None in birth_dates or "" in birth_dates else birth_dates)
            if len(text) != 10 * n or not text.isascii():
                raise ValueError("birth_dates must be ISO dates (YYYY-MM-DD) or None")
            bm = np.frombuffer(text.encode("ascii"), dtype=np.uint8).reshape(n, 10)
            given = (bm[:, 0:4] != 48).any(axis=1)
            same = ((bm[:, 0:4] == m[:, 6:10]).all(axis=1) & (bm[:, 5:7] == m[:, 10:12]).all(axis=1)
                    & (bm[:, 8:10] == m[:, 12:14]).all(axis=1))
            code[(code == 0) & given & ~same] = 2
        if sexes is not None:
            sx = np.fromiter(map(_SEX_NUMBER.get, sexes, [0] * n), dtype=np.int8, count=n)
            id_sex = np.where(d[:, 16] % 2 == 1, 1, 2).astype(np.int8)
            code[(code == 0) & (sx != 0) & (id_sex != sx)] = 3
        code[~shaped] = 0
        statuses = np.array(_STATUS_BY_CODE, dtype=object)[code].tolist()
    for i in np.flatnonzero(~shaped).tolist():
        birth = birth_dates[i] if birth_dates is not None else None
        res = normalise_id(raws[i], dt.date.fromisoformat(birth) if birth else None,
                           sexes[i] if sexes is not None else None)
        values[i], statuses[i] = res.value, res.status
    return values, statuses
