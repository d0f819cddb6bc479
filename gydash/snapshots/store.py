"""The data in effect: a look at the data dir, kept in step with the warehouse, and a view of it at a cut-off date.

Each look (snapshots.looks) stats the data dir (catalog.scan); only new or changed files are read and judged
(snapshots.ingest), and the warehouse forgets removed ones. A Data is one state of the dir, optionally cut off at a
date: the cut-off is a condition on snapshot dates in every query, not a second copy of the rows (snapshots.frames
slices one frame for every cut-off). Derived results are cached on a Data (`cached`) and a Data is cached per state
of the files it sees, so a rerun with no new file computes nothing, and a past quarter's results outlive new files
dated after it.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import polars as pl

from gydash.base.problems import Problem
from gydash.snapshots import dating, kept, looks, tables, verdicts, warehouse
from gydash.snapshots.catalog import default_data_dir
from gydash.snapshots.file_entry import FileEntry
from gydash.snapshots.frames import FOREVER, Frames
from gydash.snapshots.verdicts import LoadedFile, reads  # noqa: F401  (store's API: a file's verdict, files read)

MAX_DATA_VERSIONS = 12  # the current state and the dates pages compare with (quarter ends, a chosen date)
_lock = threading.RLock()
_versions: OrderedDict[tuple, Data] = OrderedDict()
# (dir, cut-off) → the scan last asked with, and its version
_by_look: dict[tuple[str, date | None], tuple[tuple, Data]] = {}
MAX_SCOPED = 64  # results kept across states by the datasets they read (Data.cached's `only`): a few kB each
_scoped: OrderedDict[tuple, object] = OrderedDict()


@dataclass
class Data:
    """Everything in effect for one state of the data dir (optionally cut off at a date)."""

    data_dir: Path
    cutoff: date | None
    files: tuple[LoadedFile, ...]
    ignored: tuple[FileEntry, ...]
    key: tuple
    entries: tuple[FileEntry, ...] = ()  # the whole scan this version was made from (cut() makes others from it)
    extra: tuple[LoadedFile, ...] = ()  # files not in the warehouse (an import being previewed), with their frames
    memo: dict = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def frames(self) -> Frames:
        return Frames(self)

    @property
    def warehouse(self) -> warehouse.Warehouse:
        """The process's warehouse for the dir. One closed meanwhile (a process looking at many dirs keeps a few
        open) is opened again and brought in step with the look this data was made from."""
        wh = warehouse.for_dir(self.data_dir)
        if verdicts.mirror_of(wh).synced is None:
            verdicts.sync(self.data_dir, self.entries)
        return wh

    @property
    def until(self) -> date:
        """The last snapshot date in effect: the cut-off, or no limit."""
        return self.cutoff or FOREVER

    def accepted(self, dataset: str | None = None) -> list[LoadedFile]:
        by_dataset = self.cached("accepted", self._accepted)  # asked for many times per page: sorted out once
        return list(by_dataset.get(dataset, ()))

    def _accepted(self) -> dict[str | None, tuple[LoadedFile, ...]]:
        out: dict[str | None, list[LoadedFile]] = {None: []}
        for f in self.files:
            if f.accepted:
                out[None].append(f)
                out.setdefault(f.entry.dataset, []).append(f)
        return {k: tuple(v) for k, v in out.items()}

    def rejected(self) -> list[LoadedFile]:
        return list(self.cached("rejected", lambda: tuple(f for f in self.files if not f.accepted)))

    @property
    def as_of(self) -> date | None:
        """The newest snapshot date among the accepted files (every page shows it: worked out once per state)."""
        return self.cached("as_of", lambda: max((f.entry.as_of for f in self.accepted()), default=None))

    @property
    def uses_sample(self) -> bool:
        return self.cached("uses_sample", lambda: any(f.sample for f in self.accepted()))

    def cached(self, name: str, compute, only: tuple[str, ...] | None = None):
        """A derived result, computed once per state of the data: a rerun with no new file recomputes nothing.
        A result that reads `only` the datasets named is also kept across new files of the others (the targets in
        effect are not worked out again after a weekly activities file)."""
        with self.lock:
            if name not in self.memo:
                self.memo[name] = compute() if only is None or self.extra else self._scoped(name, compute, only)
            return self.memo[name]

    def _scoped(self, name: str, compute, only: tuple[str, ...]):
        key = (str(self.data_dir), self.cutoff, name, tuple(self._files_of(ds) for ds in sorted(only)))
        with _lock:
            if key in _scoped:
                _scoped.move_to_end(key)
                return _scoped[key]
        value = compute()
        with _lock:
            _scoped[key] = value
            while len(_scoped) > MAX_SCOPED:
                _scoped.popitem(last=False)
        return value

    def _files_of(self, dataset: str) -> tuple:
        """The fingerprints of the dataset's files in this state (what its results depend on)."""
        by_dataset = self.cached("fingerprints", self._fingerprints)
        return by_dataset.get(dataset, ())

    def _fingerprints(self) -> dict[str, tuple]:
        out: dict[str, list] = {}
        for f in self.files:
            out.setdefault(f.entry.dataset, []).append(f.entry.fingerprint)
        return {ds: tuple(v) for ds, v in out.items()}

    def kept(self, name: str, compute, codec: kept.Codec = kept.FRAMES):
        """A derived frame, computed once per state of the data like `cached`, and also kept in the warehouse: a
        restarted app finds it there instead of working it out again (a past quarter's board, whose files rarely
        change). The key names the result, every file of this state (path, size, mtime) and the code, so a changed
        file or a new release never gets an old answer. `name` must carry every other input (quarter, day, plan).
        A result that is not a frame comes with the `codec` that turns it into bytes and back exactly."""

        def fetch():
            if self.extra:  # an import being previewed: its file is not stored, nor is anything worked out from it
                return compute()
            key = hashlib.sha256(repr((name, self.key, code_version())).encode()).hexdigest()
            return kept.remembered(self.warehouse, key, compute, codec)

        return self.cached(name, fetch)

    def query(
        self,
        sql: str,
        params: dict | None = None,
        rows: dict[str, str] | None = None,
        views: dict[str, str] | None = None,
        **frames: pl.DataFrame,
    ) -> pl.DataFrame:
        """SQL over the warehouse, with `$until` bound to the last snapshot date in effect, `rows` (name → dataset)
        naming each dataset's accepted rows in effect, with provenance, and `views` (name → SQL over those) more
        tables the SQL reads, all made for this query alone."""
        derived, views = views or {}, {}
        for name, dataset in (rows or {}).items():
            if any(f.entry.dataset == dataset for f in self.extra):
                frames[name] = self.frames[dataset]  # a file not yet stored: its rows exist only as a frame
            else:
                views[name] = tables.accepted_sql(dataset, self.until)
        bound = ({"until": self.until} if "$until" in sql else {}) | (params or {})  # DuckDB refuses unused ones
        return self.warehouse.query(sql, bound, views | derived, **frames)

    def notes(self, today: date) -> list[Problem]:
        """Notes on the dir and snapshot dates (dating.dating_notes), worked out once per state and day."""
        return list(self.cached(f"notes:{today}", lambda: dating.dating_notes(self, today)))


@cache
def code_version() -> str:
    """A digest of gydash's code and plan tables: results kept by an older release are not used by a newer one (the
    kept frames here, the kept chart specs in ui)."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(p for p in package.rglob("*") if p.suffix in (".py", ".csv") and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def load(data_dir: Path | str | None = None, cutoff: date | None = None) -> Data:
    """The data in effect now: scans the dir (stat only), reads only new or changed files."""
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    return _version(root, looks.LOOKS.look(root), cutoff)


def cut(data: Data, cutoff: date | None) -> Data:
    """`data` as it stood from the snapshots dated up to `cutoff`: the same look at the dir, not a new scan."""
    if cutoff == data.cutoff:
        return data
    return _version(data.data_dir, data.entries, cutoff)


def _version(root: Path, entries: tuple[FileEntry, ...], cutoff: date | None) -> Data:
    # The same look at the dir as last time (nothing changed, see watch.py): the same version, without going
    # through its thousands of files to make the key.
    with _lock:
        seen = _by_look.get((str(root), cutoff))
        if seen is not None and seen[0] is entries and _versions.get(seen[1].key) is seen[1]:
            _versions.move_to_end(seen[1].key)
            return seen[1]
    data = _made(root, entries, cutoff)
    with _lock:
        _by_look[(str(root), cutoff)] = (entries, data)
        while len(_by_look) > 4 * MAX_DATA_VERSIONS:
            _by_look.pop(next(iter(_by_look)))
    return data


def _made(root: Path, entries: tuple[FileEntry, ...], cutoff: date | None) -> Data:
    dated = [e for e in entries if e.ignored is None and (cutoff is None or e.as_of <= cutoff)]
    ignored = tuple(e for e in entries if e.ignored is not None)
    key = (str(root.resolve()), cutoff, tuple(e.fingerprint for e in dated), tuple(e.rel for e in ignored))
    with _lock:
        if key in _versions:
            _versions.move_to_end(key)
            return _versions[key]
    wh = verdicts.sync(root, entries) if root.is_dir() else None
    mirror = verdicts.mirror_of(wh) if wh is not None else None
    files = tuple(mirror.loaded(e) for e in dated if mirror is not None and mirror.same(e))
    data = Data(root, cutoff, files, ignored, key, entries)
    with _lock:
        # A superseded version (same dir and cut-off, other files) will not be asked for again: let it go now.
        for old in [k for k in _versions if k[:2] == key[:2]]:
            _versions.pop(old, None)
        _versions[key] = data
        while len(_versions) > MAX_DATA_VERSIONS:
            _versions.popitem(last=False)
    return data


def with_extra(data: Data, extra: LoadedFile) -> Data:
    """`data` with one more accepted file that is not stored (an import being previewed)."""
    files = (*data.files, extra)
    return Data(data.data_dir, data.cutoff, files, data.ignored, (*data.key, extra.entry.rel), data.entries, (extra,))
