"""A file's verdict, and the warehouse kept in step with the data dir: only new or changed files read, removed ones
forgotten."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from gydash.base.problems import Problem
from gydash.snapshots import tables, warehouse
from gydash.snapshots.file_entry import FileEntry

_lock = threading.RLock()


def reads() -> int:
    """How many files have been opened and checked in this process (a rerun with no new file adds none)."""
    from gydash.snapshots import ingest  # see sync

    return ingest.reads()


@dataclass(frozen=True)
class LoadedFile:
    """A snapshot file's verdict: rejected when it has errors. Its accepted rows (`frame`) are fetched from the
    warehouse when asked for; a file not yet stored (an import being previewed) carries them as `given`."""

    entry: FileEntry
    given: pl.DataFrame | None = None
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    sample: bool = False
    rows: int = 0
    fid: int | None = None
    data_dir: Path | None = None
    hash: str = ""  # SHA-256 of the contents as stored ("" for a file not stored, or one that could not be read)

    @property
    def accepted(self) -> bool:
        return not self.errors

    @property
    def status(self) -> str:
        if self.errors:
            return "rejected"
        return "warning" if self.warnings else "accepted"

    @property
    def frame(self) -> pl.DataFrame | None:
        """The file's accepted rows as checked (_row and the contract's columns), or None when it was rejected."""
        if self.errors:
            return None
        if self.given is not None or self.data_dir is None:
            return self.given
        cols = ", ".join(tables.data_columns(self.entry.dataset))
        sql = f"select _row, {cols} from rows_{self.entry.dataset} where _fid = $fid order by _row"
        found = warehouse.for_dir(self.data_dir).query(sql, {"fid": self.fid})
        return found if found.height else tables.empty_frame(self.entry.dataset).drop("_file", "_as_of", "_order")


class _Mirror:
    """What this process's warehouse holds for a data dir, by path (only this process writes its slot, so
    the copy in memory is exact): saves a query per rerun. A file's verdict is made into a LoadedFile on first use,
    with the scan's own entry (the same file, as `_same` checked)."""

    def __init__(self, wh: warehouse.Warehouse):
        self.data_dir = wh.data_dir
        rows = wh.query(
            "select path, fid, rel, size, mtime_ns, as_of, dataset, sample, rows, problems, hash from files"
        )
        # Paths are kept as bytes: a file name that is not valid UTF-8 is still one file, told apart from others.
        self.stored: dict[str, tuple] = {os.fsdecode(r[0]): r[1:] for r in rows.iter_rows()}
        self.files: dict[str, LoadedFile] = {}
        self.matched: dict[str, FileEntry] = {}  # the entry each stored file last matched
        self.synced: tuple[FileEntry, ...] | None = None  # the scan the warehouse was last brought in step with

    def same(self, e: FileEntry) -> bool:
        if self.matched.get(e.where) is e:  # a scan gives a file it saw before as the very same entry
            return True
        got = self.stored.get(e.where)
        if got is not None and got[2] == e.size and got[3] == e.mtime_ns and got[4] == e.as_of and got[5] == e.dataset:
            self.matched[e.where] = e
            return True
        return False

    def loaded(self, e: FileEntry) -> LoadedFile:
        key = e.where
        hit = self.files.get(key)
        if hit is None or (hit.entry is not e and hit.entry != e):
            fid, _, _, _, _, _, sample, rows, problems, digest = self.stored[key]
            errors, warnings = tables.problems_from_json(problems)
            hit = self.files[key] = LoadedFile(
                e, None, errors, warnings, sample, rows, fid, self.data_dir, digest or ""
            )
        return hit

    def forget(self, key: str) -> None:
        self.stored.pop(key, None)
        self.files.pop(key, None)
        self.matched.pop(key, None)

    def remember(self, j: tables.Ingested, fid: int) -> None:
        e = j.entry
        self.matched.pop(e.where, None)
        self.stored[e.where] = (fid, e.rel, e.size, e.mtime_ns, e.as_of, e.dataset, j.sample, j.rows, None, j.hash)
        self.files[e.where] = LoadedFile(e, None, j.errors, j.warnings, j.sample, j.rows, fid, self.data_dir, j.hash)


_mirrors: dict[int, tuple[warehouse.Warehouse, _Mirror]] = {}


def mirror_of(wh: warehouse.Warehouse) -> _Mirror:
    with _lock:
        hit = _mirrors.get(id(wh))
        if hit is None or hit[0] is not wh:
            hit = (wh, _Mirror(wh))
            _mirrors[id(wh)] = hit
        return hit[1]


def sync(root: Path, entries: tuple[FileEntry, ...]) -> warehouse.Warehouse:
    """Bring the warehouse in step with a scan: read only new or changed files, forget removed ones."""
    wh = warehouse.for_dir(root)
    with wh.lock:
        mirror = mirror_of(wh)
        dated = {e.where: e for e in entries if e.ignored is None}
        fresh = [e for e in dated.values() if not mirror.same(e)]
        changed = {e.where for e in fresh}
        gone = [key for key in mirror.stored if key not in dated or key in changed]
        if not gone and not fresh:
            mirror.synced = entries
            return wh
        wh.apply([mirror.stored[key][0] for key in gone], [])
        for key in gone:
            mirror.forget(key)
        # Imported only when a file is to be read: reading brings in pyarrow's Parquet reader, and a process that
        # finds nothing new (`gydash summary` on a built warehouse) starts faster without it.
        from gydash.snapshots import ingest

        for judged in ingest.batches(fresh):  # each batch stored before the next is read
            wh.apply([], judged)
            paths = [os.fsencode(j.entry.where) for j in judged]
            stored = wh.query("select path, fid from files where list_contains($paths, path)", {"paths": paths})
            fids = {os.fsdecode(path): fid for path, fid in stored.iter_rows()}
            for j in judged:
                mirror.remember(j, fids[j.entry.where])
        mirror.synced = entries
    return wh
