"""Discovering snapshot files under the data dir: which dataset, as-of date, fingerprint, or why ignored."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from gydash.contract import DATASETS

_DASHED = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_COMPACT = re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")
IN_FLIGHT_SUFFIXES = (".tmp", ".part")


@dataclass(frozen=True)
class FileEntry:
    """One file found under the data dir; `ignored` holds the reason when it does not count."""

    dataset: str | None
    path: Path
    rel: str
    size: int
    mtime_ns: int
    as_of: date | None
    dated_by: str  # "name" | "mtime" | ""
    ignored: str | None = None

    @property
    def fingerprint(self) -> tuple[str, int, int]:
        return (str(self.path), self.size, self.mtime_ns)


def default_data_dir() -> Path:
    env = os.environ.get("GYDASH_DATA_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "data"


def date_from_name(name: str) -> date | None:
    """The first valid YYYY-MM-DD or YYYYMMDD in a file name, whichever comes first."""
    matches = sorted([*_DASHED.finditer(name), *_COMPACT.finditer(name)], key=lambda m: m.start())
    for match in matches:
        try:
            return date(*(int(g) for g in match.groups()))
        except ValueError:
            continue
    return None


def display_path(path: Path, root: Path) -> str:
    """Path relative to the data dir with forward slashes; undecodable bytes shown as �, never a crash."""
    rel = os.path.relpath(path, root)
    text = os.fsencode(rel).decode("utf-8", errors="replace")
    return text.replace(os.sep, "/")


def _in_flight(name: str) -> bool:
    return name.startswith((".", "~")) or name.lower().endswith(IN_FLIGHT_SUFFIXES)


def _entry(root: Path, path: Path, dataset: str | None, st: os.stat_result, ignored: str | None) -> FileEntry:
    as_of, dated_by = None, ""
    if ignored is None:
        as_of = date_from_name(path.name)
        dated_by = "name"
        if as_of is None:
            as_of = datetime.fromtimestamp(st.st_mtime).date()
            dated_by = "mtime"
    return FileEntry(dataset, path, display_path(path, root), st.st_size, st.st_mtime_ns, as_of, dated_by, ignored)


def _classify(root: Path, path: Path, dataset: str | None) -> FileEntry | None:
    """A FileEntry for a file, or None for a hidden dot-file outside any dataset (not worth listing)."""
    try:
        st = path.stat()  # follows symlinks; a broken one raises
    except OSError:
        st = path.lstat()
        return _entry(root, path, dataset, st, "链接指向的文件不存在")
    name = path.name
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(root.resolve()):
            return _entry(root, path, dataset, st, "链接指向数据目录之外，出于安全不读取")
    if path.is_dir():
        return _entry(root, path, dataset, st, "这是一个文件夹，不是文件")
    if _in_flight(name):
        if dataset is None and name.startswith("."):
            return None
        return _entry(root, path, dataset, st, "正在复制中的临时文件（以 . 或 ~ 开头，或以 .tmp/.part 结尾），暂不读取")
    if dataset is None:
        return _entry(root, path, dataset, st, "不在数据集文件夹内（应放在 indicators/、activities/ 等文件夹中）")
    if not name.lower().endswith(".parquet"):
        return _entry(
            root, path, dataset, st, "不是 .parquet 文件，不读取（Excel/CSV 请先用“数据管理”页或 gydash import 导入）"
        )
    return _entry(root, path, dataset, st, None)


def _walk(root: Path, folder: Path, dataset: str | None) -> list[FileEntry]:
    out: list[FileEntry] = []
    try:
        children = sorted(folder.iterdir(), key=lambda p: os.fsencode(p.name))
    except OSError:
        return out
    for child in children:
        # Descend into real sub-folders of a dataset (staff may file snapshots by year), never through links,
        # nor into a folder named *.parquet (Spark/pandas partitioned output): its parts are not snapshots.
        folder_ok = not _in_flight(child.name) and not child.name.lower().endswith(".parquet")
        if dataset is not None and child.is_dir() and not child.is_symlink() and folder_ok:
            out.extend(_walk(root, child, dataset))
            continue
        entry = _classify(root, child, dataset)
        if entry is not None:
            out.append(entry)
    return out


def scan(data_dir: Path) -> list[FileEntry]:
    """Every file under data_dir: dataset files (dated) and everything else (ignored, with the reason)."""
    root = Path(data_dir)
    if not root.is_dir():
        return []
    entries: list[FileEntry] = []
    for child in sorted(root.iterdir(), key=lambda p: os.fsencode(p.name)):
        if child.name in DATASETS and child.is_dir() and not child.is_symlink():
            entries.extend(_walk(root, child, child.name))
        elif child.is_dir() and not child.is_symlink():
            if not child.name.startswith("."):
                entries.append(_entry(root, child, None, child.stat(), "不是约定的数据集文件夹，未读取"))
        else:
            entry = _classify(root, child, None)
            if entry is not None:
                entries.append(entry)
    return entries
