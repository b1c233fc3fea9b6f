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
