"""Writing a checked file as a new snapshot atomically: a hidden part file, read back, then linked into place."""

from __future__ import annotations

import errno
import json
import os
import secrets
from pathlib import Path

import pyarrow.parquet as pq

from gydash.base import clock
from gydash.base.problems import show_value
from gydash.snapshots.dating import date_from_name
from gydash.snapshots.intake import Prepared, Refused
from gydash.snapshots.opening import os_reason
from gydash.snapshots.parquet import read_parquet
from gydash.snapshots.parquet_checks import ReadError
from gydash.snapshots.target import IMPORT_META_KEY, already_imported, folder_check, target_rel
from gydash.snapshots.validate import validate


def write(prepared: Prepared, data_dir: Path | str, user: str | None = None) -> Path:
    """Write a prepared, valid file as a new snapshot; never replaces an existing file. Returns the new path."""
    if not prepared.ok:
        raise Refused("文件未通过检查，未写入")
    root = Path(data_dir)
    if not root.is_dir():
        reason = "不是文件夹" if root.exists() else "不存在"
        raise Refused(f"数据目录 {show_value(root)} {reason}，未写入（请检查 GYDASH_DATA_DIR）")
    folder_check(root, prepared.dataset)
    earlier = already_imported(root, prepared.dataset, prepared.sha256)
    if earlier:
        raise Refused(f"同一个文件已经导入过：{earlier}；未重复写入")
    prepared.rel = target_rel(root, prepared.dataset, prepared.as_of, prepared.name)
    target = root / prepared.rel
    try:
        target.parent.mkdir(exist_ok=True)
        folder_check(root, prepared.dataset)  # made just now, or swapped for a link meanwhile
        return _write_file(prepared, target, user)
    except OSError as exc:
        raise Refused(f"无法写入 {prepared.dataset}/（{_write_reason(exc)}），未写入任何文件") from exc
    except ReadError as exc:  # the file just written does not read back: say so, put nothing in place
        raise Refused(f"写入后的文件无法读回（{exc}），已放弃写入") from exc


def _write_reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "磁盘已满"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "没有写入权限"
    return os_reason(exc)


def _create_part(folder: Path, stem: str) -> tuple[int, Path]:
    """A new hidden .part file, created with the mode any program gets (0o666 less the umask), not mkstemp's
    0o600: a dashboard running under another account must be able to read what staff imported."""
    for _ in range(100):
        path = folder / f".{stem}.{secrets.token_hex(4)}.part"
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666), path
        except FileExistsError:
            continue
    raise Refused("无法创建临时文件，未写入")


def _write_file(prepared: Prepared, target: Path, user: str | None) -> Path:
    meta = {
        "source": prepared.source,
        "sha256": prepared.sha256,
        "sheet": prepared.sheet,
        "imported_at": clock.now().isoformat(timespec="seconds"),
        "by": user,
    }
    table = prepared.out.to_arrow()
    table = table.replace_schema_metadata({IMPORT_META_KEY: json.dumps(meta, ensure_ascii=False).encode()})
    fd, tmp = _create_part(target.parent, target.stem)
    try:
        with os.fdopen(fd, "wb") as fh:
            pq.write_table(table, fh)
            fh.flush()
            os.fsync(fh.fileno())
        _check_written(prepared, tmp)
        _link_into_place(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _check_written(prepared: Prepared, tmp: Path) -> None:
    """The written file must validate to exactly the rows that were previewed."""
    frame, _ = read_parquet(tmp, tmp.stat().st_size)
    again = validate(prepared.dataset, frame, prepared.rel)
    if again.frame is None or not again.frame.drop("_row").equals(prepared.frame.drop("_row")):
        raise Refused("写入后的文件与检查结果不一致，已放弃写入（这是程序问题，请联系维护人员）")
    if date_from_name(Path(prepared.rel).name) != prepared.as_of:  # the catalog must date it as previewed
        raise Refused("写入的文件名读不出原定的快照日期，已放弃写入（这是程序问题，请联系维护人员）")


def _link_into_place(tmp: Path, target: Path) -> None:
    try:
        os.link(tmp, target)  # fails if target exists: an existing file is never replaced
    except FileExistsError as exc:
        raise Refused(f"{target.name} 刚刚被别人写入，未覆盖；请重新导入") from exc
    except OSError:
        # A filesystem without hard links: create exclusively, then copy (still never replaces).
        with open(target, "xb") as out, open(tmp, "rb") as src:
            out.write(src.read())
            out.flush()
            os.fsync(out.fileno())
