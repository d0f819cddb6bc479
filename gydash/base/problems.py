"""A problem found in a file: an error rejects the file, a warning does not; both read as one Chinese sentence."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

MAX_VALUE_CHARS = 60
# Control characters (escape codes, newlines, tabs), format characters (BOM, zero-width space, bidi overrides), line
# and paragraph separators, and code points that are no character: none shows as itself, so each is spelled out.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def visible(text: object) -> str:
    """Text with every character that would be invisible, or act on a terminal or a page, shown as <U+XXXX>: a
    value with a BOM reads 「<U+FEFF>利州区」, and an escape code or newline in a cell or file name cannot forge
    output."""
    text = str(text)
    if text.isprintable():  # the usual case, in one call: every hidden character makes isprintable() False
        return text
    return "".join(f"<U+{ord(ch):04X}>" if unicodedata.category(ch) in HIDDEN_CATEGORIES else ch for ch in text)


@dataclass(frozen=True)
class Problem:
    file: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    level: str = "error"  # "error" rejects the file; "warning" does not

    def __str__(self) -> str:
        where = [visible(self.file)]
        if self.row is not None:
            where.append(f"第 {self.row} 行")
        if self.column:
            where.append(f"列「{visible(self.column)}」")
        if self.value is not None:
            where.append(f"值「{visible(self.value)}」")
        return " ".join(where) + "：" + visible(self.message)

    def as_dict(self) -> dict:
        return {
            "path": self.file,
            "row": self.row,
            "column": None if self.column is None else visible(self.column),
            "value": None if self.value is None else visible(self.value),
            "message": visible(self.message),
            "text": str(self),
        }


def show_value(value: object) -> str:
    """A value as staff would recognise it, cut short so a 10 000-character cell cannot flood a message."""
    if hasattr(value, "to_list"):  # a cell of a list column arrives as a polars Series: show its items
        value = value.to_list()
    text = "（空）" if value is None else visible(value)
    if len(text) > MAX_VALUE_CHARS:
        text = text[:MAX_VALUE_CHARS] + f"…（共 {len(text)} 字符）"
    return text
