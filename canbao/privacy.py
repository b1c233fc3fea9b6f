"""Masking of personal data (ID numbers, names, phones) for logs, alerts, receipts and reports."""

from __future__ import annotations

import logging
import re

# 18-digit IDs (last may be X), legacy 15-digit IDs, and 11-digit mainland mobiles,
# not glued to other digits. Full-width digits are folded before matching.
_ID18_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_ID15_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{5}(\d{4})(?![0-9A-Za-z])")
_PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_FULLWIDTH = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)} | {"Ｘ": "X", "ｘ": "x"})


def mask_id(value: str | None) -> str:
    """``330604198001010012`` -> ``330604********0012``; anything else keeps at most its first 2 characters."""
    if not value:
        return ""
    v = str(value).strip().translate(_FULLWIDTH)
    if len(v) == 18:
        return v[:6] + "*" * 8 + v[-4:]
    if len(v) == 15:
        return v[:6] + "*" * 5 + v[-4:]
    return v[:2] + "*" * max(len(v) - 2, 0)


def mask_name(value: str | None) -> str:
    """``张三丰`` -> ``张**``."""
    if not value:
        return ""
    v = str(value).strip()
    return v[:1] + "*" * max(len(v) - 1, 1)


def mask_phone(value: str | None) -> str:
    """``13812345678`` -> ``138****5678``."""
    if not value:
        return ""
    v = str(value).strip()
    if len(v) >= 7:
        return v[:3] + "*" * (len(v) - 7) + v[-4:]
    return "*" * len(v)


def mask_text(text: str) -> str:
    """Mask every ID number or mobile number found in free text."""
    if not text:
        return text
    t = str(text).translate(_FULLWIDTH)
    t = _ID18_RE.sub(lambda m: m.group(1) + "*" * 8 + m.group(2), t)
    t = _ID15_RE.sub(lambda m: m.group(1) + "*" * 5 + m.group(2), t)
    t = _PHONE_RE.sub(lambda m: m.group(1) + "****" + m.group(2), t)
    return t


class MaskingFilter(logging.Filter):
    """Logging filter: rewrites each record's message with :func:`mask_text`."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install_log_masking(logger_name: str = "canbao") -> None:
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, MaskingFilter) for f in logger.filters):
        logger.addFilter(MaskingFilter())
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())


def get_logger(name: str) -> logging.Logger:
    """A ``canbao.*`` logger whose messages are masked."""
    logger = logging.getLogger(name if name.startswith("canbao") else f"canbao.{name}")
    if not any(isinstance(f, MaskingFilter) for f in logger.filters):
        logger.addFilter(MaskingFilter())
    return logger
