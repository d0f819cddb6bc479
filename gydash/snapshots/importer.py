"""Importing a staff file (.parquet, .xlsx, .csv) as a new snapshot: read, validate, then write it atomically.

The rules, in the order a file meets them:

- The name: a source name trying to reach another folder (``../``, ``/etc``, ``C:\\``) or holding control
  characters is refused; other punctuation in a name taken from the file is replaced by ``_`` (and said so);
  an explicit ``name`` must already be clean (Chinese letters, letters, digits, ``-`` and ``_``).
- The size: above ``GYDASH_MAX_UPLOAD_MB`` (default 50, at most 1024; an unusable value means the default, said
  so) the file is refused before it is read. A named pipe or device is refused, never waited on.
- Where it goes: ``DATA_DIR/<dataset>`` must be a real folder (or not there yet): a linked folder is never read
  by the catalog and a file in its place cannot hold snapshots, so both are refused before anything is written.
- The date: from the name (a date that does not exist is refused), else today, or as given; within 2000–2100 and
  at most ``FUTURE_MARGIN_DAYS`` ahead unless forced, since the newest snapshot outranks every correction.
- The header: a column name given twice is refused, naming the columns.
- Spreadsheets (.xlsx): the sheet named like the dataset (``indicators`` or ``指标数据``) is read, else the
  first sheet that is not the template's 数据字典; the report says which, and names the sheets left out.
  Formulas are **refused** (a cached result may be stale, or absent when the file was made by a script:
  a snapshot must hold the figures themselves). Merged cells are refused (a merged header hides columns, a
  merged block of data leaves rows empty). Fully blank rows are skipped and counted. The header is the first
  row with any value; row numbers in messages are the rows staff see in Excel.
- CSV: UTF-8 (with or without BOM) or GBK/GB18030, comma- or tab-separated; any other encoding is refused.
- The rows then go through the same validation as files in data/. Only a valid file is written, as
  ``DATA_DIR/<dataset>/<as-of>_<name>.parquet``: English column names, contract types, values as staff gave
  them (so the written file re-validates to the same rows — checked before it is put in place). It is written
  under a hidden ``.…part`` name and hard-linked into place, which fails rather than replace an existing
  file; a taken name gets ``_2`` … ``_9``, and the same source file imported twice is refused. The file gets the
  mode any program's new file gets there (0o666 less the umask), so a dashboard under another account reads it.

Each step lives in a module named for it: ``upload`` (the size limit), ``naming`` (name and date), ``reading``
with ``spreadsheet`` and ``csvfile`` (the rows), ``headers`` (header and blank rows), ``checking`` (``prepare``),
``target`` (the folder, the free name, a repeat import) and ``writer`` (``write``); ``intake`` holds what they pass
along. This module runs them for the command line (``import_path``, ``report``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from gydash.base.contract import DATASET_LABELS
from gydash.base.problems import Problem, visible
from gydash.snapshots.checking import prepare
from gydash.snapshots.dating import FUTURE_MARGIN_DAYS
from gydash.snapshots.intake import Prepared, Refused
from gydash.snapshots.opening import os_reason
from gydash.snapshots.upload import _read_source, max_upload_bytes, upload_limit
from gydash.snapshots.writer import write

# The data page (pages/data.py) reaches the import through this module: these names are kept here for it.
__all__ = [
    "FUTURE_MARGIN_DAYS",
    "Prepared",
    "Refused",
    "import_path",
    "max_upload_bytes",
    "prepare",
    "report",
    "upload_limit",
    "write",
]


def import_path(
    path: Path | str,
    dataset: str,
    data_dir: Path | str,
    as_of: date | None = None,
    name: str | None = None,
    dry_run: bool = False,
    user: str | None = None,
    force: bool = False,
    check=None,
) -> tuple[Prepared, Path | None]:
    """The command line's import: size checked before reading; written only when valid and not a dry run.
    `check(prepared)` may add errors after validation (a county account's rows, gydash.access.scope) to stop the
    write."""
    path = Path(path)
    try:
        content = _read_source(path)
    except (Refused, OSError) as exc:
        reason = str(exc) if isinstance(exc, Refused) else f"无法打开文件（{os_reason(exc)}）"
        prepared = Prepared(dataset, path.name, as_of, "", "", "")
        prepared.notes.extend(p for p in [upload_limit()[1]] if p)
        prepared.errors.append(Problem(path.name, reason))
        return prepared, None
    prepared = prepare(content, path.name, dataset, data_dir, as_of=as_of, name=name, force=force)
    if check is not None:
        check(prepared)
    if not prepared.ok or dry_run:
        return prepared, None
    try:
        return prepared, write(prepared, data_dir, user=user)
    except Refused as exc:
        prepared.errors.append(Problem(prepared.source, str(exc)))
        prepared.out = None
        return prepared, None


def report(prepared: Prepared, path: Path | None, dry_run: bool = False) -> int:
    """Print what happened for the command line; the exit code is 0 only when the file was (or would be) written."""
    import sys

    label = DATASET_LABELS.get(prepared.dataset, "")
    print(f"文件：{visible(prepared.source)}    数据集：{visible(prepared.dataset)}（{label}）")
    for note in prepared.notes:
        print(f"· {visible(note)}")
    for p in prepared.errors:
        print(f"✗ 错误  {p}", file=sys.stderr)
    for p in prepared.warnings:
        print(f"! 警告  {p}")
    if prepared.errors or not prepared.ok:
        print(f"未写入任何文件：共 {len(prepared.errors)} 个问题，请改正后重新导入。", file=sys.stderr)
        return 1
    if dry_run:
        print(f"检查通过（{prepared.rows} 行）；--dry-run，未写入。导入时将写入 {visible(prepared.rel)}")
        return 0
    print(f"已写入 {visible(path)}（{prepared.rows} 行）。原有文件均未改动。")
    return 0
