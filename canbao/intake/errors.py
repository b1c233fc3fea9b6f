"""Whole-file faults of a delivery: typed, coded, explained in Chinese and English.

A bad delivery is a business outcome (the department is told by receipt and
must deliver again), not an infrastructure failure: intake records it and
moves on to the next delivery instead of failing the DAG run.
"""

from __future__ import annotations

# code -> (中文, English) explanation shown in receipts and reports
CODES: dict[str, tuple[str, str]] = {
    "ENCODING": ("文件编码与登记的编码不符，无法解码", "the file does not decode with the registered encoding"),
    "BINARY": ("文件含有二进制内容（NUL 字节），不是文本数据文件", "the file holds binary content (NUL bytes)"),
    "TRUNCATED": ("文件不完整（字节数或行数少于清单声明）", "the file is truncated (fewer bytes or rows than declared)"),
    "SIZE_MISMATCH": ("文件字节数与清单声明不符", "the file size differs from the manifest"),
    "CHECKSUM_MISMATCH": ("文件 SHA-256 校验值与清单不符", "the SHA-256 checksum differs from the manifest"),
    "ROW_COUNT_MISMATCH": ("数据行数与清单声明不符", "the number of data rows differs from the manifest"),
    "MISSING_COLUMNS": ("缺少登记映射要求的列", "columns required by the feed mapping are missing"),
    "EXTRA_COLUMNS": ("出现登记映射之外的列", "the file has columns the feed mapping does not know"),
    "EMPTY": ("全量文件没有数据行", "a snapshot file with no data rows"),
    "LINE_TOO_LONG": ("单行长度超过上限", "a single line is longer than the limit"),
    "PATH_TRAVERSAL": ("文件名或清单试图访问投递目录之外的位置", "a file name or proof points outside its folder"),
    "SYMLINK": ("投递文件是符号链接", "a delivered file is a symbolic link"),
    "MANIFEST_INVALID": ("清单文件格式错误", "the manifest is not valid"),
    "MANIFEST_MISMATCH": ("清单所指文件与数据文件不符", "the manifest names another data file"),
    "NO_AS_OF": ("无法确定数据日期", "the data date (as_of) cannot be determined"),
    "UNREADABLE": ("文件无法按登记格式读取", "the file cannot be read in the registered format"),
}


class BadDelivery(Exception):
    """A delivery refused as a whole; ``code`` is one of :data:`CODES`."""

    def __init__(self, code: str, message: str = ""):
        if code not in CODES:
            raise ValueError(f"unknown BadDelivery code {code}")
        self.code = code
        self.detail = message
        zh, en = CODES[code]
        text = f"[{code}] {zh} / {en}"
        if message:
            text += f": {message}"
        super().__init__(text)

    @property
    def message(self) -> str:
        return str(self)
