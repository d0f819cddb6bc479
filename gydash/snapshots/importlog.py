"""Who imported what: an append-only JSON-lines log of every import and refused attempt, kept outside the data dir.

The log is ``imports.jsonl`` in the state dir: ``GYDASH_STATE_DIR``, else ``$XDG_CACHE_HOME/gydash``, else
``~/.cache/gydash`` (made when missing). It is never inside the data dir, so it is not a snapshot, survives
anything rebuilt from the data and cannot be dropped into a dataset by mistake; a state dir configured inside the
data dir is refused. Each entry is one line appended with O_APPEND under an exclusive lock, so two processes (the
dashboard and a command-line import) never interleave. Nothing here edits or removes an entry.

When the log cannot be written the import still stands (the data file is the user's work; the parquet file also
carries who imported it in its metadata): `append` raises LogError and the page or command says so in Chinese.
"""

from __future__ import annotations

import json
import os
from collections import deque
from pathlib import Path

import polars as pl

from gydash.base import clock

FILE_NAME = "imports.jsonl"
MAX_READ = 5000  # newest entries read back: years of imports, and a bounded amount of memory
MAX_REASON_CHARS = 1000
HEADERS = {
    "at": "时间",
    "user": "账号",
    "role": "角色",
    "via": "方式",
    "outcome": "结果",
    "dataset": "数据集",
    "source": "源文件",
    "rows": "行数",
    "path": "写入文件",
    "reason": "原因",
    "sha256": "内容哈希（SHA-256）",
}
OUTCOME_WORDS = {"imported": "✓ 已导入", "refused": "✗ 已拒绝"}
ROLE_WORDS = {"city": "市级", "admin": "服务器管理员", "unconfigured": "角色配置有误"}
VIA_WORDS = {"page": "网页上传", "cli": "命令行"}


class LogError(Exception):
    """The log could not be written or read; the message is Chinese and names the file."""


def state_dir() -> Path:
    explicit = os.environ.get("GYDASH_STATE_DIR", "").strip()
    if explicit:
        return Path(explicit).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(cache) if cache else Path.home() / ".cache") / "gydash"


def log_path() -> Path:
    return state_dir() / FILE_NAME


def inside(path: Path, folder: Path) -> bool:
    """Whether `path` is `folder` or lies under it (links resolved): the state dir must stay out of the data dir."""
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError):
        return False
    return True


def entry(
    *,
    user: str | None,
    role: str,
    area: str | None = None,
    via: str,
    outcome: str,
    dataset: str,
    source: str,
    rows: int = 0,
    sha256: str = "",
    path: str | None = None,
    data_dir: Path | str | None = None,
    reason: str = "",
) -> dict:
    """One log line; `at` is gydash.base.clock.now(), so GYDASH_TODAY demos and tests stamp a known day."""
    return {
        "at": clock.now().isoformat(timespec="seconds"),
        "user": user,
        "role": role,
        "area": area,
        "via": via,
        "outcome": outcome,
        "dataset": dataset,
        "source": source,
        "rows": rows,
        "sha256": sha256,
        "path": path,
        "data_dir": str(data_dir) if data_dir is not None else None,
        "reason": reason[:MAX_REASON_CHARS],
    }


def _lock(fd: int, exclusive: bool) -> None:
    try:
        import fcntl
    except ImportError:  # no fcntl (Windows): O_APPEND of one short line is still a single write
        return
    fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)


def append(record: dict, data_dir: Path | str | None = None) -> Path:
    """Append one entry; LogError (in Chinese) when it cannot be written."""
    path = log_path()
    if data_dir is not None and inside(path.parent, Path(data_dir)):
        raise LogError(f"导入记录目录 {path.parent} 在数据目录里面，未写入记录：请把 GYDASH_STATE_DIR 设到数据目录以外")
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    except OSError as exc:
        raise LogError(f"无法写入导入记录 {path}：{exc.strerror or exc}") from exc
    try:
        _lock(fd, exclusive=True)
        written = os.write(fd, line)
        if written != len(line):
            raise OSError(f"只写入了 {written}/{len(line)} 字节")
        os.fsync(fd)
    except OSError as exc:
        raise LogError(f"无法写入导入记录 {path}：{getattr(exc, 'strerror', None) or exc}") from exc
    finally:
        os.close(fd)  # closing releases the lock
    return path


def read(limit: int = MAX_READ) -> tuple[list[dict], int]:
    """(entries newest first, number of unreadable lines); a missing log is an empty one."""
    path = log_path()
    if not path.is_file():
        return [], 0
    try:
        with open(path, "rb") as fh:
            _lock(fh.fileno(), exclusive=False)
            lines = deque(fh, maxlen=limit)
    except OSError as exc:
        raise LogError(f"无法读取导入记录 {path}：{exc.strerror or exc}") from exc
    entries, bad = [], 0
    for raw in lines:
        try:
            item = json.loads(raw)
        except ValueError:
            bad += 1
            continue
        if isinstance(item, dict):
            entries.append(item)
        else:
            bad += 1
    entries.reverse()  # the file is oldest first; this keeps same-second entries newest first through the sort
    entries.sort(key=lambda e: str(e.get("at") or ""), reverse=True)  # by time: a clock set back stays in order
    return entries, bad


def role_words(role: object, area: object) -> str:
    from gydash.base import plan

    if role == "county":
        return f"县区（{plan.area_name(str(area))}）"
    return ROLE_WORDS.get(role, str(role or ""))


def table(entries: list[dict]) -> pl.DataFrame:
    """The log as staff read it: Chinese headers and words, newest first."""
    from gydash.base.contract import DATASET_LABELS

    cols = {key: [] for key in HEADERS}
    for e in entries:
        cols["at"].append(str(e.get("at") or "").replace("T", " "))
        cols["user"].append(str(e.get("user") or "（未指定）"))
        cols["role"].append(role_words(e.get("role"), e.get("area")))
        cols["via"].append(VIA_WORDS.get(e.get("via"), str(e.get("via") or "")))
        cols["outcome"].append(OUTCOME_WORDS.get(e.get("outcome"), str(e.get("outcome") or "")))
        cols["dataset"].append(DATASET_LABELS.get(e.get("dataset"), str(e.get("dataset") or "")))
        cols["source"].append(str(e.get("source") or ""))
        rows = e.get("rows")
        cols["rows"].append(rows if isinstance(rows, int) and not isinstance(rows, bool) else None)
        cols["path"].append(str(e.get("path") or ""))
        cols["reason"].append(str(e.get("reason") or ""))
        cols["sha256"].append(str(e.get("sha256") or ""))
    schema = {key: (pl.Int64 if key == "rows" else pl.String) for key in HEADERS}
    return pl.DataFrame(cols, schema=schema).rename(HEADERS)


def record(prepared, written: Path | None, data_dir: Path | str, *, user: str | None, role, via: str) -> str | None:
    """Log one import (written) or refused attempt of an intake.Prepared by `user` with `role` (a roles.Role,
    None when the account's role is misconfigured, or "admin" for the command line without --as). Returns the
    Chinese warning to show when the log could not be written; the import itself stands either way."""
    if role == "admin":
        kind, area = "admin", None
    elif role is None:
        kind, area = "unconfigured", None
    else:
        kind, area = role.kind, role.area
    rel = None
    if written is not None:
        try:
            rel = Path(written).relative_to(data_dir).as_posix()
        except ValueError:
            rel = str(written)
    # The source file is a column of its own: each reason starts at its row.
    reason = "；".join(str(p).removeprefix(p.file).lstrip(" ：") for p in prepared.errors[:5])
    if len(prepared.errors) > 5:
        reason += f"；等共 {len(prepared.errors)} 个问题"
    record = entry(
        user=user,
        role=kind,
        area=area,
        via=via,
        outcome="imported" if written is not None else "refused",
        dataset=prepared.dataset,
        source=prepared.source,
        rows=prepared.rows,
        sha256=prepared.sha256,
        path=rel,
        data_dir=Path(data_dir).resolve() if data_dir is not None else None,
        reason="" if written is not None else reason,
    )
    try:
        append(record, data_dir)
    except LogError as exc:
        done = "数据已导入" if written is not None else "本次拒绝"
        return f"{done}，但导入记录未能写入：{exc}。请告知管理员（见 README 第 9 节“导入记录”）。"
    return None
