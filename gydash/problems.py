"""A problem found in a file: an error rejects the file, a warning does not; both read as one Chinese sentence."""

from __future__ import annotations

from dataclasses import dataclass

MAX_VALUE_CHARS = 60


@dataclass(frozen=True)
class Problem:
    file: str
    message: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    level: str = "error"  # "error" rejects the file; "warning" does not

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"第 {self.row} 行")
        if self.column:
            where.append(f"列「{self.column}」")
        if self.value is not None:
            where.append(f"值「{self.value}」")
        return " ".join(where) + "：" + self.message

    def as_dict(self) -> dict:
        return {
            "path": self.file,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
            "text": str(self),
        }


def show_value(value: object) -> str:
    """A value as staff would recognise it, cut short so a 10 000-character cell cannot flood a message."""
    if hasattr(value, "to_list"):  # a cell of a list column arrives as a polars Series: show its items
        value = value.to_list()
    text = "（空）" if value is None else str(value)
    if len(text) > MAX_VALUE_CHARS:
        text = text[:MAX_VALUE_CHARS] + f"…（共 {len(text)} 字符）"
    return text
