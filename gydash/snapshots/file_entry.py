"""One file found under the data dir: its dataset, snapshot date and fingerprint, or why it does not count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path


@dataclass(frozen=True)
class FileEntry:
    """One file found under the data dir; `ignored` holds the reason when it does not count."""

    dataset: str | None
    where: str  # the path as the OS gave it: a Path is made only when asked for (a scan finds thousands)
    rel: str
    size: int
    mtime_ns: int
    as_of: date | None
    dated_by: str  # "name" | "mtime" | ""
    ignored: str | None = None

    @cached_property
    def path(self) -> Path:
        return Path(self.where)

    @cached_property
    def fingerprint(self) -> tuple[str, int, int]:
        return (self.where, self.size, self.mtime_ns)

    @cached_property
    def order(self) -> tuple:
        """Which snapshot wins, as the README states it: the later snapshot date, then among same-date files the
        file name (base name, compared character by character) that sorts later; the path relative to the data
        dir only breaks a tie between equal names in different subfolders, so the order is always the same."""
        return (self.as_of, self.rel.rsplit("/", 1)[-1], self.rel)
