"""Where an imported snapshot goes: the dataset folder checked, a free file name, a repeat import found."""

from __future__ import annotations

import json
import os
import stat
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq

from gydash.base.problems import show_value
from gydash.snapshots.catalog import UNREADABLE_FOLDER, scan
from gydash.snapshots.intake import Refused
from gydash.snapshots.opening import open_regular, os_reason

IMPORT_META_KEY = b"gydash_import"


def folder_check(root: Path, dataset: str) -> None:
    """Refused unless DATA_DIR/<dataset> is a real folder the dashboard reads (or not there yet, to be made):
    the catalog never follows a linked dataset folder, so a file written through one would never count."""
    folder = root / dataset
    try:
        st = os.lstat(folder)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise Refused(f"无法查看数据集文件夹 {dataset}/（{os_reason(exc)}），未写入") from exc
    if stat.S_ISLNK(st.st_mode):
        try:
            points_to = os.readlink(folder)
        except OSError:
            points_to = "?"
        raise Refused(
            f"数据集文件夹 {dataset}/ 是一个链接（指向 {show_value(points_to)}）：看板不读取链接的文件夹，"
            "写进去的文件不会计入。请管理员把它换成数据目录中的真实文件夹后再导入"
        )
    if not stat.S_ISDIR(st.st_mode):
        raise Refused(
            f"数据目录中的「{dataset}」是一个文件，不是文件夹：看板无法从中读取，也无法写入。"
            "请管理员把它改名或移走后再导入"
        )


def _unchecked_folders(root: Path, dataset: str) -> list[str]:
    """Sub-folders of the dataset that could not be opened: files in them were not checked for a repeat import
    (and do not count on the dashboard either, which lists them with the reason)."""
    return [
        f"文件夹 {e.rel} 无法打开，其中的文件未检查（看板也不读取它们）"
        for e in scan(root)
        if e.dataset == dataset and e.ignored and e.ignored.startswith(UNREADABLE_FOLDER)
    ]


def target_rel(data_dir: Path, dataset: str, as_of: date, name: str) -> str:
    """dataset/<as-of>_<name>.parquet, with _2 … _9 when the name is taken; Refused when all are."""
    folder = data_dir / dataset
    for n in range(1, 10):
        stem = f"{as_of.isoformat()}_{name}" + (f"_{n}" if n > 1 else "")
        if not os.path.lexists(folder / f"{stem}.parquet"):  # a dangling link takes the name too
            return f"{dataset}/{stem}.parquet"
    raise Refused(f"{dataset}/{as_of.isoformat()}_{name}.parquet 及 _2 至 _9 都已存在：请换一个名称或快照日期")


def already_imported(data_dir: Path, dataset: str, sha256: str) -> str | None:
    """The file in data_dir that was imported from exactly these bytes, if any. Only the files the dashboard reads
    are looked at, as the catalog finds them: a named pipe called *.parquet is never opened (it would wait for a
    writer for ever), nor anything through a link out of the data dir."""
    for entry in scan(data_dir):
        if entry.dataset != dataset or entry.ignored is not None:
            continue
        try:
            with open_regular(entry.path) as fh:
                meta = pq.ParquetFile(fh).schema_arrow.metadata or {}
            info = json.loads(meta.get(IMPORT_META_KEY, b"{}"))
        except Exception:  # an unreadable file is the catalog's business, not the importer's
            continue
        if isinstance(info, dict) and info.get("sha256") == sha256:
            return entry.rel
    return None
