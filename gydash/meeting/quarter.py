"""A reporting quarter: "2025Q3" → its end, the data in effect at that end, and the stamp naming the files used.

Everything about a quarter is judged as the county scoreboard judges it (``scoreboard.board``): only snapshots
dated on or before the quarter end are read (``store.load(dir, cutoff=end)``), and "today" is the morning after
the quarter end (``end + 1 day``), so periods ending on the quarter-end day are over. Because the cut-off is a date
in the snapshot file names, a pack for a past quarter can be regenerated later and comes out the same, even after
newer files have arrived.

The stamp: the accepted snapshot files of that cut, each with the first 8 hex digits of the SHA-256 of its
contents, and a combined fingerprint = SHA-256 over the sorted "path\\0sha256\\n" lines, first 8 hex digits. Two
packs with the same fingerprint were built from byte-identical files. A file's hash is computed once per file
version (path, size, mtime) and kept for the life of the process.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from gydash.base import plan
from gydash.plan import scoreboard
from gydash.snapshots import store
from gydash.snapshots.store import Data

_PATTERN = re.compile(r"^\s*(\d{4})\s*[-_ ]?\s*[Qq]([1-4])\s*$")
_hash_lock = threading.Lock()
_hashes: dict[tuple, str] = {}  # file fingerprint (path, size, mtime_ns) → sha256 hex of its contents


def parse(text: str) -> date:
    """'2025Q3' (also '2025q3', '2025-Q3') → 2025-09-30; ValueError in Chinese otherwise."""
    match = _PATTERN.match(text or "")
    if not match:
        raise ValueError(f"季度应写成 YYYYQn（如 2025Q3），收到「{text}」")
    year, q = int(match.group(1)), int(match.group(2))
    return plan.month_end(year, q * 3)


def label(end: date) -> str:
    """2025-09-30 → '2025Q3'."""
    return scoreboard.quarter_label(end)


def words(end: date) -> str:
    """2025-09-30 → '2025 年第三季度'."""
    return f"{end.year} 年第{'一二三四'[(end.month - 1) // 3]}季度"


def judged(end: date) -> date:
    """The 'today' a quarter is judged on: the morning after its last day (as scoreboard.board does)."""
    return end + timedelta(days=1)


def available(data: Data, today: date) -> list[date]:
    """Quarters that have ended by today with at least one snapshot dated by their end, newest first."""
    dates = [f.entry.as_of for f in data.accepted()]
    return [q for q in scoreboard.quarter_ends(data, today) if dates and q >= min(dates)]


def is_quarter_end(d: date) -> bool:
    return d.month % 3 == 0 and d == plan.month_end(d.year, d.month)


@dataclass(frozen=True)
class Stamp:
    """Which data a page or slide came from: plan, quarter, as-of date, file count and combined fingerprint."""

    plan_id: str
    quarter: str
    as_of: date | None
    count: int
    fingerprint: str
    files: tuple[tuple[str, str], ...]  # (path relative to the data dir, first 8 hex of its sha256)
    sample: bool = False

    def line(self) -> str:
        """'方案 2024 · 2025Q4 · 数据截至 2025-12-31 · 快照 86 个 · 指纹 1a2b3c4d' (and 示例数据 when it is)."""
        parts = [
            f"方案 {self.plan_id}",
            self.quarter,
            f"数据截至 {self.as_of or '—'}",
            f"快照 {self.count} 个",
            f"指纹 {self.fingerprint}",
        ]
        if self.sample:
            parts.append("示例数据")
        return " · ".join(parts)


def file_hash(entry) -> str:
    """SHA-256 of a snapshot file's contents, once per file version."""
    key = entry.fingerprint
    with _hash_lock:
        hit = _hashes.get(key)
    if hit is not None:
        return hit
    digest = hashlib.sha256()
    with open(entry.path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    value = digest.hexdigest()
    with _hash_lock:
        _hashes[key] = value
    return value


def stamp(data: Data, plan_id: str, end: date) -> Stamp:
    """The stamp for the quarter ending `end`, over the accepted files of `data` (the quarter's cut)."""

    def compute() -> Stamp:
        # The hash the warehouse took when it read the file; computed here only for a file not stored (a preview).
        files = sorted((f.entry.rel, f.hash or file_hash(f.entry)) for f in data.accepted())
        combined = hashlib.sha256("".join(f"{rel}\0{h}\n" for rel, h in files).encode()).hexdigest()
        return Stamp(
            plan_id=plan_id,
            quarter=label(end),
            as_of=data.as_of,
            count=len(files),
            fingerprint=combined[:8],
            files=tuple((rel, h[:8]) for rel, h in files),
            sample=data.uses_sample,
        )

    return data.cached(f"stamp:{plan_id}:{end}", compute)


@dataclass(frozen=True)
class Quarter:
    """One quarter's view of the data dir: its end, the data cut at that end, and the day it is judged on."""

    end: date
    data: Data
    previous_end: date

    @property
    def label(self) -> str:
        return label(self.end)

    @property
    def today(self) -> date:
        return judged(self.end)

    @property
    def previous_label(self) -> str:
        return label(self.previous_end)

    def previous(self) -> Quarter:
        return load(self.data, self.previous_end)


def load(source: Data | Path | str, end: date | str) -> Quarter:
    """The quarter ending `end` (a date or '2025Q3'): snapshots dated after it are not read. From the data now
    (its scan is reused) or from a data dir (scanned afresh)."""
    if isinstance(end, str):
        end = parse(end)
    if not is_quarter_end(end):
        raise ValueError(f"{end} 不是季度末")
    cut = store.cut(source, end) if isinstance(source, Data) else store.load(source, cutoff=end)
    return Quarter(end, cut, scoreboard.previous_quarter_end(end))
