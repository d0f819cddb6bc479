"""Loading snapshots: each file read and validated once per fingerprint, accepted rows gathered per dataset."""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from pathlib import Path

import polars as pl

from gydash import limits
from gydash.catalog import (
    FileEntry,
    date_out_of_range,
    default_data_dir,
    invalid_date_in_name,
    os_reason,
    scan,
)
from gydash.contract import DATASETS, KEYS
from gydash.guard import FILE_FAILURES, reason
from gydash.parquet import NOT_PARQUET_ZIP, SAMPLE_KEY, ReadError, read_parquet  # noqa: F401  (store's API)
from gydash.problems import Problem
from gydash.validate import Result, validate, validate_many

MAX_DATA_VERSIONS = 8
_lock = threading.RLock()
_files: dict[str, tuple[tuple, LoadedFile]] = {}  # path → (fingerprint, result): one version per path
_versions: OrderedDict[tuple, Data] = OrderedDict()
_reads = 0


@dataclass(frozen=True)
class LoadedFile:
    entry: FileEntry
    frame: pl.DataFrame | None
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    sample: bool = False
    rows: int = 0

    @property
    def status(self) -> str:
        if self.frame is None:
            return "rejected"
        return "warning" if self.warnings else "accepted"


def reads() -> int:
    """How many files have been opened and validated in this process (a rerun with no new file adds none)."""
    return _reads


def _read(entry: FileEntry) -> tuple[pl.DataFrame, bool] | LoadedFile | None:
    """The raw rows and sample flag; a rejected LoadedFile when unreadable; None when the file changed meanwhile."""
    global _reads
    undatable = date_out_of_range(entry)
    if undatable:  # judged by its name and stat alone (not opened): its rows could not be placed in time
        return LoadedFile(entry, None, (Problem(entry.rel, undatable),))
    try:
        got: tuple[pl.DataFrame, bool] | LoadedFile = read_parquet(entry.path, entry.size)
    except ReadError as exc:
        got = LoadedFile(entry, None, (Problem(entry.rel, str(exc), exc.row, exc.column, exc.value),))
    except limits.TooLarge as exc:
        got = LoadedFile(entry, None, (Problem(entry.rel, f"文件太大，未读取：{exc}"),))
    except OSError as exc:
        got = LoadedFile(entry, None, (Problem(entry.rel, f"无法打开文件（{os_reason(exc)}）"),))
    except FILE_FAILURES as exc:  # anything unforeseen while reading rejects this file only
        got = LoadedFile(entry, None, (Problem(entry.rel, f"无法读取此文件：{reason(exc)}"),))
    finally:
        with _lock:
            _reads += 1
    try:
        after = entry.path.stat()
    except OSError:
        return None
    if (after.st_size, after.st_mtime_ns) != (entry.size, entry.mtime_ns):
        return None  # replaced while being read (even if that made it unreadable): judge it on the next rerun
    return got


def _judged(entry: FileEntry, raw: pl.DataFrame, sample: bool, result: Result | None = None) -> LoadedFile:
    try:
        result = result or validate(entry.dataset, raw, entry.rel)
    except FILE_FAILURES as exc:  # a shape of file the checks did not foresee rejects that file, never the others
        why = f"无法按数据约定检查此文件：{reason(exc)}"
        return LoadedFile(entry, None, (Problem(entry.rel, why),), (), sample, raw.height)
    return LoadedFile(entry, result.frame, tuple(result.errors), tuple(result.warnings), sample, raw.height)


def _read_and_validate(entry: FileEntry) -> LoadedFile | None:
    got = _read(entry)
    if got is None or isinstance(got, LoadedFile):
        return got
    return _judged(entry, *got)


def _remember(entry: FileEntry, result: LoadedFile | None) -> None:
    if result is not None:
        with _lock:
            _files[str(entry.path)] = (entry.fingerprint, result)


def load_file(entry: FileEntry) -> LoadedFile | None:
    """A file's validation result, from cache when its path, size and mtime are unchanged."""
    key = str(entry.path)
    with _lock:
        hit = _files.get(key)
    if hit is not None and hit[0] == entry.fingerprint:
        return hit[1]
    result = _read_and_validate(entry)
    _remember(entry, result)
    return result


@dataclass
class Data:
    """Everything in effect for one state of the data dir (optionally cut off at a date)."""

    data_dir: Path
    cutoff: date | None
    files: tuple[LoadedFile, ...]
    ignored: tuple[FileEntry, ...]
    frames: dict[str, pl.DataFrame]
    key: tuple
    entries: tuple[FileEntry, ...] = ()  # the whole scan this version was made from (cut() makes others from it)
    memo: dict = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    needs: dict = field(default_factory=dict)  # memo name → what it was computed from (see cached)

    def __post_init__(self):
        self.frames = _Frames(self.frames)

    def __getattribute__(self, name: str):
        if name in _WHOLE:  # anything but frames makes a derived table depend on the whole version
            _note(ANYTHING)
        return object.__getattribute__(self, name)

    def accepted(self, dataset: str | None = None) -> list[LoadedFile]:
        return [f for f in self.files if f.frame is not None and dataset in (None, f.entry.dataset)]

    def rejected(self) -> list[LoadedFile]:
        return [f for f in self.files if f.frame is None]

    @property
    def as_of(self) -> date | None:
        dates = [f.entry.as_of for f in self.accepted()]
        return max(dates) if dates else None

    @property
    def uses_sample(self) -> bool:
        return any(f.sample for f in self.accepted())

    def cached(self, name: str, compute):
        """Memoise a derived table on this data version, so reruns with no new file recompute nothing.

        What the computation read is noted (which datasets' frames, or anything else of the version), so the next
        version can keep the tables whose inputs did not change: a new indicators file leaves the duties alone."""
        with self.lock:
            if name not in self.memo:
                reads = _reads_stack()
                reads.append(set())
                try:
                    value = compute()
                finally:
                    used = reads.pop()
                self.memo[name], self.needs[name] = value, frozenset(used)
                if object.__getattribute__(self, "cutoff") is not None:  # (not noted as a read of the version)
                    _cut_versions_used().append(self)
            _note(*self.needs.get(name, (ANYTHING,)))  # an outer computation needs what this one needed
            value = self.memo[name]
        if not _reads_stack():
            _settle()
        return value

    def drop_large(self) -> None:
        """Let go of the large derived tables (resolved events, ledger rows: a million rows is ~100 MB), keeping
        the small results computed from them."""
        with self.lock:
            for name in [n for n, v in self.memo.items() if _large(v)]:
                del self.memo[name], self.needs[name]

    def keep_unchanged(self, previous: Data) -> None:
        """Take over the previous version's derived tables that read only frames which are the very same now."""
        mine, theirs = self.frames.plain(), previous.frames.plain()
        with previous.lock:
            for name, used in previous.needs.items():
                if ANYTHING not in used and all(mine.get(ds) is theirs.get(ds) for ds in used):
                    self.memo[name], self.needs[name] = previous.memo[name], used

    def notes(self, today: date) -> list[Problem]:
        return dating_notes(self, today)


ANYTHING = "*"
_WHOLE = frozenset({"files", "ignored", "cutoff", "data_dir", "key", "entries"})
_reading = threading.local()


LARGE_TABLE_BYTES = 8 << 20


def _large(value: object) -> bool:
    return isinstance(value, pl.DataFrame) and value.estimated_size() > LARGE_TABLE_BYTES


def _cut_versions_used() -> list[Data]:
    """Versions cut off at a date that this thread's computation in progress has derived tables on."""
    if not hasattr(_reading, "cut"):
        _reading.cut = []
    return _reading.cut


def _settle() -> None:
    """After the outermost computation: versions cut off at a date keep only their small results.

    Such a version (a quarter's end, a date to compare with) is a step towards a few small tables: the meeting
    pack, a quarter's scoreboard, a change list. Its resolved events would otherwise stay in memory beside the
    current data's, one copy per quarter looked at. A rerun asks only for the small results again; a later
    computation that needs a dropped table recomputes it."""
    used = _cut_versions_used()
    while used:
        used.pop().drop_large()


def _reads_stack() -> list[set[str]]:
    """This thread's computations in progress, innermost last (Streamlit runs each session on its own thread)."""
    if not hasattr(_reading, "stack"):
        _reading.stack = []
    return _reading.stack


def _note(*what: str) -> None:
    stack = _reads_stack()
    if stack:
        stack[-1].update(what)


class _Frames(dict):
    """Data.frames: a plain dict of frames that notes which datasets a derived table reads."""

    def __getitem__(self, dataset):
        _note(dataset)
        return super().__getitem__(dataset)

    def get(self, dataset, default=None):
        _note(dataset)
        return super().get(dataset, default)

    def _all(self):
        _note(*super().keys())

    def items(self):
        self._all()
        return super().items()

    def values(self):
        self._all()
        return super().values()

    def __iter__(self):
        self._all()
        return super().__iter__()

    def plain(self) -> dict[str, pl.DataFrame]:
        return dict(super().items())


def _in_effect(files: list[LoadedFile]) -> dict[str, pl.DataFrame]:
    """Accepted rows per dataset with provenance: _file, _as_of and _order (newer snapshots have higher order)."""
    frames: dict[str, pl.DataFrame] = {}
    for dataset in DATASETS:
        chosen = sorted(
            (f for f in files if f.frame is not None and f.entry.dataset == dataset),
            key=lambda f: f.entry.order,
        )
        frames[dataset] = _combined(dataset, chosen) if chosen else empty_frame(dataset)
    return frames


BATCH_FILES = 500  # files read and checked together on a cold start
MAX_COMBINED = 4  # recent combinations kept per dataset; they share their column buffers
MAX_CHUNKS = 64
_combos: dict[str, list[tuple[tuple, pl.DataFrame]]] = {}


def _annotated(f: LoadedFile, order: int) -> pl.DataFrame:
    return f.frame.with_columns(
        pl.lit(f.entry.rel).alias("_file"),
        pl.lit(f.entry.as_of).alias("_as_of"),
        pl.lit(order, dtype=pl.Int64).alias("_order"),
    )


def _combined(dataset: str, chosen: list[LoadedFile]) -> pl.DataFrame:
    """One dataset's accepted files as one frame, reusing a recent combination when it can: a cutoff sees a prefix
    of the files (a zero-copy slice), a new snapshot usually sorts last (only its rows are appended). So a new
    file costs its own rows, not a copy of a million, and versions of the data share memory."""
    key = tuple((f.entry.fingerprint, f.entry.as_of, f.entry.rel) for f in chosen)
    with _lock:
        known = list(_combos.get(dataset, ()))
    for seen, frame in known:
        if seen[: len(key)] == key:
            rows = sum(f.frame.height for f in chosen)
            return frame if len(seen) == len(key) else frame.slice(0, rows)
    base = max((c for c in known if key[: len(c[0])] == c[0]), key=lambda c: len(c[0]), default=None)
    start = len(base[0]) if base else 0
    parts = [_annotated(f, order) for order, f in enumerate(chosen[start:], start)]
    if base is not None:
        parts.insert(0, base[1])
    frame = pl.concat(parts, how="vertical_relaxed", rechunk=False)
    if frame.n_chunks() > MAX_CHUNKS:  # thousands of small chunks make every query several times slower
        frame = frame.rechunk()
        _rehome(chosen, frame)
    with _lock:
        combos = _combos.setdefault(dataset, [])
        combos.insert(0, (key, frame))
        del combos[MAX_COMBINED:]
    return frame


def _rehome(chosen: list[LoadedFile], frame: pl.DataFrame) -> None:
    """After a rechunk (a contiguous copy), point each file's own rows at their slice of that copy, so the rows
    are held once rather than twice (per file and combined). Load() then hands out these file results."""
    start = 0
    for f in chosen:
        n = f.frame.height
        piece = frame.slice(start, n).drop("_file", "_as_of", "_order")
        start += n
        with _lock:
            key = str(f.entry.path)
            if _files.get(key, (None, None))[1] is f:
                _files[key] = (f.entry.fingerprint, replace(f, frame=piece))


def _current(f: LoadedFile) -> LoadedFile:
    with _lock:
        fingerprint, now = _files.get(str(f.entry.path), (None, f))
    return now if fingerprint == f.entry.fingerprint and now.entry == f.entry else f


@cache
def empty_frame(dataset: str) -> pl.DataFrame:
    """The shape of a dataset's accepted rows when no file is in effect."""
    from gydash.coerce import DTYPES
    from gydash.contract import columns

    schema = {"_row": pl.UInt32} | {c.name: DTYPES[c.type] for c in columns(dataset)}
    schema |= {"_file": pl.String, "_as_of": pl.Date, "_order": pl.Int64}
    return pl.DataFrame(schema=schema)


def _load_many(fresh: list[FileEntry]) -> set[str]:
    """A cold start: read the files in threads (pyarrow releases the GIL), then check each dataset's files together
    (validate_many gives the same results as one file at a time, several times faster for many small files)."""
    by_dataset: dict[str, list[FileEntry]] = {}
    changed: set[str] = set()  # files that changed while being read: left for the next load
    for e in fresh:
        by_dataset.setdefault(e.dataset, []).append(e)
    groups = [(ds, es[i : i + BATCH_FILES]) for ds, es in by_dataset.items() for i in range(0, len(es), BATCH_FILES)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for dataset, entries in groups:  # a few hundred files at a time bounds the raw rows held at once
            reads = list(pool.map(_read, entries))
            readable = [(e, got) for e, got in zip(entries, reads, strict=True) if isinstance(got, tuple)]
            try:
                results = validate_many(dataset, [(e.rel, got[0]) for e, got in readable])
            except FILE_FAILURES:  # judge file by file instead, so one odd file cannot reject the others
                results = [None] * len(readable)
            for (e, (raw, sample)), result in zip(readable, results, strict=True):
                _remember(e, _judged(e, raw, sample, result))
            for e, got in zip(entries, reads, strict=True):
                if isinstance(got, LoadedFile):
                    _remember(e, got)
                elif got is None:
                    changed.add(str(e.path))
    return changed


def _load_all(entries: list[FileEntry]) -> list[LoadedFile]:
    with _lock:
        fresh = [e for e in entries if _files.get(str(e.path), (None,))[0] != e.fingerprint]
    changed = _load_many(fresh) if len(fresh) > 4 else set()
    loaded = [load_file(e) for e in entries if str(e.path) not in changed]
    return [f for f in loaded if f is not None]


def load(data_dir: Path | str | None = None, cutoff: date | None = None) -> Data:
    """The data in effect now: scans the dir (stat only), reads only new or changed files."""
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    return _version(root, tuple(scan(root)), cutoff)


def cut(data: Data, cutoff: date | None) -> Data:
    """`data` as it stood from the snapshots dated up to `cutoff`: the same look at the dir, not a new scan (a scan
    of thousands of files is most of a rerun, and a page comparing with a date needs both versions)."""
    if cutoff == data.cutoff:
        return data
    return _version(data.data_dir, data.entries, cutoff)


def _version(root: Path, entries: tuple[FileEntry, ...], cutoff: date | None) -> Data:
    dated = [e for e in entries if e.ignored is None and (cutoff is None or e.as_of <= cutoff)]
    ignored = tuple(e for e in entries if e.ignored is not None)
    key = (str(root.resolve()), cutoff, tuple(e.fingerprint for e in dated), tuple(e.rel for e in ignored))
    with _lock:
        if key in _versions:
            _versions.move_to_end(key)
            return _versions[key]
    files = tuple(_load_all(dated))
    frames = _in_effect(list(files))
    files = tuple(_current(f) for f in files)  # the same results, their rows now slices of the combined frames
    data = Data(root, cutoff, files, ignored, frames, key, entries)
    with _lock:
        superseded = [k for k in _versions if k[:2] == key[:2]]  # same dir and cutoff, other files
        previous = _versions[superseded[-1]] if superseded else None
    if previous is not None:
        data.keep_unchanged(previous)
    with _lock:
        # A superseded version will not be asked for again, and its derived tables can be large: let it go now
        # rather than when it falls off the end. A session still running on it keeps its own reference.
        for old in superseded:
            _versions.pop(old, None)
        _versions[key] = data
        while len(_versions) > MAX_DATA_VERSIONS:
            _versions.popitem(last=False)
    return data


def dating_notes(data: Data, today: date) -> list[Problem]:
    """Warnings about the data dir and snapshot dates: missing dir, same-date snapshots, future or undated files."""
    notes: list[Problem] = []
    if not data.data_dir.is_dir():
        return [Problem(str(data.data_dir), "数据目录不存在，请检查路径或 GYDASH_DATA_DIR 设置", level="warning")]
    if not data.files:
        notes.append(Problem(str(data.data_dir), "数据目录中还没有可用的数据文件", level="warning"))
    seen: dict[tuple[str, date], str] = {}
    for f in sorted(data.files, key=lambda f: (f.entry.dataset, f.entry.order)):
        e = f.entry
        if date_out_of_range(e):
            continue  # rejected for its date, which the file's own reason already names
        if e.dated_by == "mtime":
            invalid = invalid_date_in_name(e.path.name)
            why = f"文件名中的日期「{invalid}」不是有效日期" if invalid else "文件名中没有日期"
            notes.append(Problem(e.rel, f"{why}，按修改时间 {e.as_of} 作为快照日期", level="warning"))
        if e.as_of > today:
            notes.append(Problem(e.rel, f"快照日期 {e.as_of} 晚于今天（{today}），请核对文件名", level="warning"))
        same = seen.get((e.dataset, e.as_of))
        # Only keyed datasets can have one file's rows override another's; elsewhere a shared date is normal.
        if same is not None and e.dataset in KEYS:
            notes.append(
                Problem(e.rel, f"与 {same} 快照日期相同（{e.as_of}），按文件名排序，本文件优先", level="warning")
            )
        seen[(e.dataset, e.as_of)] = e.rel
    return notes
