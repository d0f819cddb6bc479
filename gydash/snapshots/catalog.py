"""Discovering snapshot files under the data dir: which dataset, as-of date, fingerprint, or why ignored."""

from __future__ import annotations

import bisect
import os
import stat
from pathlib import Path
from typing import Protocol

from gydash.base.contract import DATASETS
from gydash.snapshots.dating import date_from_mtime, date_from_name
from gydash.snapshots.file_entry import FileEntry
from gydash.snapshots.opening import NOT_REGULAR, os_reason

IN_FLIGHT_SUFFIXES = (".tmp", ".part")
IN_FLIGHT = "正在复制中的临时文件（以 . 或 ~ 开头，或以 .tmp/.part 结尾），暂不读取"
OUTSIDE_DATASET = "不在数据集文件夹内（应放在 indicators/、activities/ 等文件夹中）"
UNDATABLE = (
    "文件名中没有日期，文件的修改时间也不在 2000–2100 年之间，无法确定快照日期：请在文件名中写上日期（如 2025-06-30）"
)
TOO_DEEP = "文件夹层级太深（超过 {} 层），其中的文件未读取：请把快照文件放在数据集文件夹或其下几层子文件夹中"
UNREADABLE = "无法读取此文件的信息（{}），未读取"
MAX_DEPTH = 16  # sub-folder levels under a dataset folder (staff file by year, county, month: a handful)
NOT_PARQUET = "不是 .parquet 文件，不读取（Excel/CSV 请先用“数据管理”页或 gydash import 导入）"
UNREADABLE_FOLDER = "无法打开此文件夹"


def default_data_dir() -> Path:
    env = os.environ.get("GYDASH_DATA_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "data"


def display_path(path: Path, root: Path) -> str:
    """Path relative to the data dir with forward slashes; undecodable bytes shown as �, never a crash."""
    rel = os.path.relpath(path, root)
    text = os.fsencode(rel).decode("utf-8", errors="replace")
    return text.replace(os.sep, "/")


def _in_flight(name: str) -> bool:
    return name.startswith((".", "~")) or name.lower().endswith(IN_FLIGHT_SUFFIXES)


def _entry(rel: str, path: str, dataset: str | None, st: os.stat_result, ignored: str | None) -> FileEntry:
    as_of, dated_by = None, ""
    if ignored is None:
        as_of = date_from_name(os.path.basename(path))
        dated_by = "name"
        if as_of is None:
            as_of = date_from_mtime(st)
            dated_by = "mtime"
            if as_of is None:
                ignored = UNDATABLE
    return FileEntry(dataset, path, rel, st.st_size, st.st_mtime_ns, as_of, "" if ignored else dated_by, ignored)


MAX_SEEN = 200_000
_SEEN: dict[tuple, FileEntry | None] = {}  # (path, dataset, stat) → entry; FileEntry is immutable, so shared


class _Scan:
    """One pass over the data dir. os.scandir answers "is it a folder / a link" from the directory listing itself,
    so each file costs one stat call (a rerun scans thousands of files; it must stay a few milliseconds)."""

    def __init__(self, root: Path, seen: Seen):
        self.root = root
        self.real_root = root.resolve()
        self.seen = seen

    def rel(self, prefix: str, name: str) -> str:
        # Relative path with forward slashes; undecodable bytes shown as �, never a crash.
        return os.fsencode(prefix + name).decode("utf-8", errors="replace")

    def classify(self, child: os.DirEntry, prefix: str, dataset: str | None) -> FileEntry | None:
        """A FileEntry for a file, or None for a hidden dot-file outside any dataset (not worth listing)."""
        try:
            st = child.stat()  # follows symlinks; a broken one raises
        except OSError:
            st = None
        if st is None or st.st_nlink > 1 or child.is_symlink():
            self.seen.unsure()  # a change through another name (or the link's target) is not reported here
        # A file seen before with the same stat gets the same entry back: no Path to build, no name to parse.
        seen = (child.path, dataset, st and (st.st_mode, st.st_ino, st.st_size, st.st_mtime_ns))
        if st is not None and not child.is_symlink() and seen in _SEEN:
            return _SEEN[seen]
        entry = self._classify(child, prefix, dataset, st)
        if st is not None and not child.is_symlink():
            if len(_SEEN) > MAX_SEEN:
                _SEEN.clear()
            _SEEN[seen] = entry
        return entry

    def _classify(
        self, child: os.DirEntry, prefix: str, dataset: str | None, st: os.stat_result | None
    ) -> FileEntry | None:
        path, name, rel = child.path, child.name, self.rel(prefix, child.name)
        if st is None:
            return _entry(rel, path, dataset, child.stat(follow_symlinks=False), "链接指向的文件不存在")
        if child.is_symlink() and not Path(path).resolve().is_relative_to(self.real_root):
            return _entry(rel, path, dataset, st, "链接指向数据目录之外，出于安全不读取")
        if stat.S_ISDIR(st.st_mode):
            return _entry(rel, path, dataset, st, "这是一个文件夹，不是文件")
        if not stat.S_ISREG(st.st_mode):  # opening a named pipe would wait for a writer for ever
            return _entry(rel, path, dataset, st, NOT_REGULAR)
        if _in_flight(name):
            if dataset is None and name.startswith("."):
                return None
            return _entry(rel, path, dataset, st, IN_FLIGHT)
        if dataset is None:
            return _entry(rel, path, dataset, st, OUTSIDE_DATASET)
        if not name.lower().endswith(".parquet"):
            return _entry(rel, path, dataset, st, NOT_PARQUET)
        return _entry(rel, path, dataset, st, None)

    def unreadable_folder(self, folder: str, prefix: str, dataset: str | None, exc: OSError) -> FileEntry:
        try:
            st = os.stat(folder, follow_symlinks=False)
        except OSError:
            st = os.stat_result((stat.S_IFDIR, 0, 0, 0, 0, 0, 0, 0, 0, 0))
        self.seen.unsure()
        reason = f"{UNREADABLE_FOLDER}（{os_reason(exc)}），其中的文件都未读取"
        return _entry(self.rel("", prefix.rstrip("/")), folder, dataset, st, reason)

    def listed(self, folder: str) -> list[os.DirEntry]:
        """The folder's entries in the order a scan takes them, watched (if at all) from before it is listed."""
        self.seen.folder(folder)
        with os.scandir(folder) as listing:
            return sorted(listing, key=lambda e: os.fsencode(e.name))

    def walk(self, folder: str, prefix: str, dataset: str | None, depth: int = 0) -> list[FileEntry]:
        out: list[FileEntry] = []
        try:
            children = self.listed(folder)
        except OSError as exc:  # named, not skipped in silence: its files would be missing from every figure
            return [self.unreadable_folder(folder, prefix, dataset, exc)]
        for child in children:
            try:
                out.extend(self.child(child, prefix, dataset, depth))
            except OSError as exc:  # vanished or unreadable meanwhile: this entry only, never the scan
                out.extend(self.unreadable(child, prefix, dataset, exc))
        return out

    def child(self, child: os.DirEntry, prefix: str, dataset: str | None, depth: int) -> list[FileEntry]:
        name = child.name
        if _is_subfolder(child, dataset):
            if depth >= MAX_DEPTH:  # a folder nested without end is skipped, named, and costs nothing more
                self.seen.unsure()
                st = child.stat(follow_symlinks=False)
                return [_entry(self.rel(prefix, name), child.path, dataset, st, TOO_DEEP.format(MAX_DEPTH))]
            return self.walk(child.path, f"{prefix}{name}/", dataset, depth + 1)
        entry = self.classify(child, prefix, dataset)
        return [] if entry is None else [entry]

    def files_in(self, folder: str, prefix: str, dataset: str, depth: int) -> list[FileEntry] | None:
        """What `walk` finds directly in a dataset's folder, not below it (None when it cannot be listed)."""
        try:
            children = self.listed(folder)
        except OSError:
            return None
        out: list[FileEntry] = []
        for child in children:
            try:
                if not (depth < MAX_DEPTH and _is_subfolder(child, dataset)):  # what walk goes into is kept as it was
                    out.extend(self.child(child, prefix, dataset, depth))
            except OSError as exc:
                out.extend(self.unreadable(child, prefix, dataset, exc))
        return out

    def unreadable(self, child: os.DirEntry, prefix: str, dataset: str | None, exc: OSError) -> list[FileEntry]:
        self.seen.unsure()
        rel = self.rel(prefix, child.name)
        reason = UNREADABLE.format(os_reason(exc))
        return [FileEntry(dataset, child.path, rel, 0, 0, None, "", reason)]


def _is_subfolder(child: os.DirEntry, dataset: str | None) -> bool:
    """A real sub-folder of a dataset, which a scan goes into (staff may file snapshots by year): never through a
    link, nor into a folder named *.parquet (Spark/pandas partitioned output: its parts are not snapshots)."""
    name = child.name
    folder_ok = not _in_flight(name) and not name.lower().endswith(".parquet")
    return dataset is not None and folder_ok and child.is_dir(follow_symlinks=False)


class Seen(Protocol):
    """Told of each folder before it is listed, and of anything a watch for changes could not vouch for."""

    def folder(self, path: str) -> None: ...

    def unsure(self) -> None: ...


class _Unwatched:
    def folder(self, path: str) -> None:
        pass

    def unsure(self) -> None:
        pass


def scan(data_dir: Path, seen: Seen | None = None) -> list[FileEntry]:
    """Every file under data_dir: dataset files (dated) and everything else (ignored, with the reason)."""
    root = Path(data_dir)
    if not root.is_dir():
        return []
    walk = _Scan(root, seen or _Unwatched())
    entries: list[FileEntry] = []
    try:
        children = walk.listed(str(root))
    except OSError:
        walk.seen.unsure()
        return entries
    for child in children:
        try:
            entries.extend(_top(walk, child))
        except OSError as exc:
            entries.extend(walk.unreadable(child, "", None, exc))
    return entries


def rescan(data_dir: Path, last: tuple[FileEntry, ...], folders: tuple[str, ...], seen: Seen) -> list[FileEntry] | None:
    """`scan` again when only files directly in `folders` changed (no folder made, removed or renamed: see
    watch.py): those folders are listed again and every other entry of the `last` scan is kept, in the order `scan`
    gives. None when a folder is not a dataset's folder or sub-folder, or cannot be listed: scan it all then."""
    root = Path(data_dir)
    walk = _Scan(root, seen)
    kept = set(folders)
    entries = [e for e in last if os.path.dirname(e.where) not in kept]  # still in walk's order
    start = len(os.path.join(str(root), ""))  # every path the scan gives starts with the dir and a separator

    def order(e: FileEntry) -> list[bytes]:  # walk's order: name by name
        return os.fsencode(e.where[start:]).split(os.sep.encode())

    for folder in folders:
        parts = os.path.relpath(folder, root).split(os.sep)
        if parts[0] not in DATASETS or ".." in parts or not Path(root, parts[0]).is_dir():
            return None
        found = walk.files_in(folder, "".join(f"{p}/" for p in parts), parts[0], len(parts) - 1)
        if found is None:
            return None
        for entry in found:  # each put in its place: a few comparisons, not a sort of every file
            bisect.insort(entries, entry, key=order)
    return entries


def _top(walk: _Scan, child: os.DirEntry) -> list[FileEntry]:
    real_dir = child.is_dir(follow_symlinks=False)
    if child.name in DATASETS and real_dir:
        return walk.walk(child.path, f"{child.name}/", child.name)
    if real_dir:
        if child.name.startswith("."):
            return []
        reason = "不是约定的数据集文件夹，未读取"
        return [_entry(walk.rel("", child.name), child.path, None, child.stat(), reason)]
    entry = walk.classify(child, "", None)
    return [] if entry is None else [entry]
