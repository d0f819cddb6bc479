"""Discovering snapshot files under the data dir: which dataset, as-of date, fingerprint, or why ignored."""

from __future__ import annotations

import bisect
import errno
import os
import re
import stat
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Protocol

from gydash.base.contract import DATASETS, YEAR_MAX, YEAR_MIN

_DASHED = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_COMPACT = re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")
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
NOT_REGULAR = "不是普通文件（如命名管道、设备或套接字），不读取：打开它可能永远等不到数据"
_OS_REASONS = {
    errno.EACCES: "没有读取权限",
    errno.EPERM: "没有读取权限",
    errno.ENOENT: "已不存在",
    errno.ELOOP: "链接循环",
    errno.ENAMETOOLONG: "路径太长",
    errno.ENOTDIR: "不是文件夹",
    errno.EIO: "磁盘读写错误",
}


class NotRegularFile(OSError):
    """A path that is a named pipe, device or socket where a file was expected."""


def os_reason(exc: OSError) -> str:
    """An operating-system error in words staff can act on (the system's own text is often English)."""
    if isinstance(exc, NotRegularFile):
        return NOT_REGULAR
    return _OS_REASONS.get(exc.errno, f"系统错误 {exc.errno}" if exc.errno else "系统错误")


def open_regular(path: Path | str):
    """A binary file object for `path`, only if it is a regular file: a named pipe or device is never opened for
    reading in a way that waits (O_NONBLOCK), and is refused with NotRegularFile once its type is seen."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFile(errno.EINVAL, NOT_REGULAR)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


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


def default_data_dir() -> Path:
    env = os.environ.get("GYDASH_DATA_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "data"


# Either form in one pattern: both dashes or none (the backreference). Matches of the two forms can never overlap
# (each is a whole run of digits: 4-2-2 between dashes, or exactly 8), so one pass finds them all in order.
_EITHER = re.compile(r"(?<!\d)(\d{4})(-?)(\d{2})\2(\d{2})(?!\d)")


@lru_cache(maxsize=65536)
def date_from_name(name: str) -> date | None:
    """The first valid YYYY-MM-DD or YYYYMMDD in a file name, whichever comes first."""
    for match in _EITHER.finditer(name):
        year, _, month, day = match.groups()
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            continue
    return None


# Every date of the data contract, a snapshot's own date included.
FIRST_YEAR, LAST_YEAR = YEAR_MIN, YEAR_MAX
FUTURE_MARGIN_DAYS = 7  # import takes a snapshot dated a few days ahead (figures finished early), no more unless forced


@lru_cache(maxsize=4096)
def invalid_date_in_name(name: str) -> str | None:
    """Text in a file name that is written as a date but is not one ('2026-02-30', '20250931'), when the name
    has no valid date: the snapshot is then dated by its modification time, and staff should be told why. Eight
    digits count only when they read as a month and day (01–12, 01–31), so an order number is not a date."""
    if date_from_name(name) is not None:
        return None
    for match in sorted([*_DASHED.finditer(name), *_COMPACT.finditer(name)], key=lambda m: m.start()):
        _, month, day = (int(g) for g in match.groups())
        if match.re is _DASHED or (1 <= month <= 12 and 1 <= day <= 31):
            return match.group(0)
    return None


def date_out_of_range(entry: FileEntry) -> str | None:
    """Why a snapshot's date cannot be used, when its file name gives a date outside the contract's years (a file
    named 00010101_….parquet): such a date would put the file before or after every other and stretch every period
    list across centuries. (An undated file whose modification time is outside them is ignored by the scan.)"""
    if entry.as_of is None or FIRST_YEAR <= entry.as_of.year <= LAST_YEAR:
        return None
    return (
        f"文件名中的日期 {entry.as_of.isoformat()} 不在 {FIRST_YEAR}–{LAST_YEAR} 年之间：请改正文件名中的日期"
        "（写成 YYYY-MM-DD，如 2025-09-30）"
    )


def display_path(path: Path, root: Path) -> str:
    """Path relative to the data dir with forward slashes; undecodable bytes shown as �, never a crash."""
    rel = os.path.relpath(path, root)
    text = os.fsencode(rel).decode("utf-8", errors="replace")
    return text.replace(os.sep, "/")


def _in_flight(name: str) -> bool:
    return name.startswith((".", "~")) or name.lower().endswith(IN_FLIGHT_SUFFIXES)


def date_from_mtime(st: os.stat_result) -> date | None:
    """The local date of a file's modification time, or None when it is no date of the years data can be for."""
    try:
        day = datetime.fromtimestamp(st.st_mtime).date()
    except (OverflowError, OSError, ValueError):  # past year 9999, or before 1 AD
        return None
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else None


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
