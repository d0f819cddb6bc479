"""Preparing an import: the file read and validated against the data contract, nothing written."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import date
from pathlib import Path

import polars as pl

from gydash.base import clock
from gydash.base.contract import DATASETS
from gydash.base.problems import Problem, show_value
from gydash.snapshots.dating import invalid_date_in_name
from gydash.snapshots.guard import FILE_FAILURES, unchecked, unreadable
from gydash.snapshots.headers import _header_hint, canonical
from gydash.snapshots.intake import Prepared, Raw, Refused
from gydash.snapshots.naming import _date_text, check_name, date_check, name_from_source, source_parts
from gydash.snapshots.reading import read_raw
from gydash.snapshots.target import _unchecked_folders, already_imported, folder_check, target_rel
from gydash.snapshots.upload import _mb, max_upload_bytes, upload_limit
from gydash.snapshots.validate import validate


def _remap(problems: list[Problem], rows: list[int], offset: int) -> list[Problem]:
    """Row numbers as validate() counted them (offset + position) → the rows staff see (blank rows skipped)."""
    out = []
    for p in problems:
        i = p.row - 1 - offset if p.row is not None else None
        if i is not None and 0 <= i < len(rows):
            p = dataclasses.replace(p, row=rows[i])
        out.append(p)
    return out


def _file_problem(source: str, message: str) -> Problem:
    return Problem(source, message)


def prepare(
    content: bytes,
    filename: str,
    dataset: str,
    data_dir: Path | str,
    as_of: date | None = None,
    name: str | None = None,
    force: bool = False,
) -> Prepared:
    """Read and validate a file staff gave; nothing is written. `prepared.ok` says whether it can be.
    `force` lets a snapshot date more than FUTURE_MARGIN_DAYS ahead through (the command line's --force)."""
    source = filename
    prepared = Prepared(dataset, source, as_of, "", "", hashlib.sha256(content).hexdigest())
    if dataset not in DATASETS:
        prepared.errors.append(_file_problem(source, f"没有数据集「{dataset}」，可选：{'、'.join(DATASETS)}"))
        return prepared
    limit_problem = upload_limit()[1]
    if limit_problem:
        prepared.notes.append(limit_problem)
    try:
        stem, suffix = source_parts(filename)
        if len(content) > max_upload_bytes():
            raise Refused(
                f"文件太大（{_mb(len(content))}），上限为 {_mb(max_upload_bytes())}；"
                "请拆分成几个文件，或请管理员调整 GYDASH_MAX_UPLOAD_MB"
            )
        folder_check(Path(data_dir), dataset)
        named_as_of, date_text = _date_text(stem)
        if prepared.as_of is None:
            invalid = invalid_date_in_name(stem)
            if named_as_of is None and invalid:
                raise Refused(
                    f"文件名中的日期「{show_value(invalid)}」不是有效日期：请改正文件名中的日期（如 2025-09-30），"
                    "或另行指定快照日期"
                )
            prepared.as_of = named_as_of or clock.today()
            prepared.notes.append(
                f"快照日期 {prepared.as_of}（取自文件名）"
                if named_as_of
                else f"快照日期 {prepared.as_of}（文件名中没有日期，取今天；可另行指定）"
            )
        date_check(prepared.as_of, force)
        if name is not None and name.strip():
            prepared.name = check_name(name)
        else:
            prepared.name, note = name_from_source(stem, date_text, dataset)
            if note:
                prepared.notes.append(note)
        prepared.rel = target_rel(Path(data_dir), dataset, prepared.as_of, prepared.name)
        earlier = already_imported(Path(data_dir), dataset, prepared.sha256)
        if earlier:
            raise Refused(f"同一个文件已经导入过：{earlier}；不会重复写入")
        raw = read_raw(content, suffix, dataset)
    except Refused as exc:
        prepared.errors.extend(_file_problem(source, line) for line in str(exc).split("\n"))
        return prepared
    except FILE_FAILURES as exc:  # a shape of file the reader did not foresee refuses this file, never crashes
        prepared.errors.append(_file_problem(source, unreadable(exc, source)))
        return prepared
    prepared.notes.extend(raw.notes)
    prepared.notes.extend(_unchecked_folders(Path(data_dir), dataset))
    prepared.sheet, prepared.rows, prepared.source_rows = raw.sheet, raw.frame.height, raw.rows
    if prepared.as_of > clock.today():
        prepared.notes.append(f"快照日期 {prepared.as_of} 晚于今天，请核对")
    _validate_into(prepared, raw)
    return prepared


def _validate_into(prepared: Prepared, raw: Raw) -> None:
    offset = raw.rows[0] - 1 if raw.rows else 0
    try:
        result = validate(prepared.dataset, raw.frame, prepared.source, row_offset=offset)
    except FILE_FAILURES as exc:  # as in store: an unforeseen shape refuses this file with a reason, never crashes
        prepared.errors.append(_file_problem(prepared.source, unchecked(exc, prepared.source)))
        return
    prepared.errors = _remap(result.errors, raw.rows, offset)
    prepared.warnings = _remap(result.warnings, raw.rows, offset)
    if result.frame is None:
        if any("缺少必填列" in p.message for p in result.errors):
            hint = _header_hint(raw.frame, raw.rows, prepared.dataset)
            if hint:
                prepared.errors.insert(0, _file_problem(prepared.source, hint))
            elif prepared.source.lower().endswith(".csv"):
                prepared.notes.append("如果表头在这里显示为乱码，说明文件编码不对：请另存为“CSV UTF-8（逗号分隔）”")
        return
    if raw.frame.height == 0:
        prepared.errors.append(_file_problem(prepared.source, "文件没有数据行，未导入"))
        return
    position = {i + 1 + offset: r for i, r in enumerate(raw.rows)}
    try:
        prepared.frame = result.frame.with_columns(pl.col("_row").replace_strict(position, return_dtype=pl.UInt32))
        prepared.out = canonical(prepared.dataset, raw.frame)
    except FILE_FAILURES as exc:
        prepared.frame = prepared.out = None
        prepared.errors.append(_file_problem(prepared.source, unchecked(exc, prepared.source)))
