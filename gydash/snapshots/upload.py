"""The upload size limit (GYDASH_MAX_UPLOAD_MB) and reading a given file's bytes within it."""

from __future__ import annotations

import logging
import math
import os
import stat
from pathlib import Path

from gydash.base.problems import show_value
from gydash.snapshots.intake import Refused
from gydash.snapshots.opening import open_regular

DEFAULT_MAX_UPLOAD_MB = 50

MAX_UPLOAD_MB_CAP = 1024  # a file is held in memory whole while it is checked

log = logging.getLogger(__name__)


def upload_limit() -> tuple[float, str | None]:
    """(MB, problem): GYDASH_MAX_UPLOAD_MB when it is a number above 0 and at most MAX_UPLOAD_MB_CAP; otherwise
    the default (or the cap) and a sentence saying why, which import shows and the server log records."""
    raw = os.environ.get("GYDASH_MAX_UPLOAD_MB", "")
    if not raw.strip():
        return DEFAULT_MAX_UPLOAD_MB, None
    try:
        mb = float(raw)
    except ValueError:
        mb = math.nan
    if not math.isfinite(mb) or mb <= 0:
        problem = (
            f"设置 GYDASH_MAX_UPLOAD_MB 的值「{show_value(raw)}」无效（应为大于 0 的数，单位 MB），"
            f"已按默认 {DEFAULT_MAX_UPLOAD_MB} MB"
        )
        return _logged(DEFAULT_MAX_UPLOAD_MB, problem)
    if mb > MAX_UPLOAD_MB_CAP:
        problem = f"设置 GYDASH_MAX_UPLOAD_MB 的值「{show_value(raw)}」超过上限 {MAX_UPLOAD_MB_CAP} MB，已按上限"
        return _logged(MAX_UPLOAD_MB_CAP, problem)
    return mb, None


_said: set[str] = set()


def _logged(mb: float, problem: str) -> tuple[float, str]:
    if problem not in _said:  # once per process, not on every page rerun
        _said.add(problem)
        log.warning(problem)
    return mb, problem


def max_upload_bytes() -> int:
    """The size limit in bytes, from GYDASH_MAX_UPLOAD_MB (default 50 MB; see upload_limit)."""
    return int(upload_limit()[0] * 1024 * 1024)


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def _read_source(path: Path) -> bytes:
    """The file's bytes, at most the size limit: a named pipe or device is refused, not waited on, and a file
    growing while it is read is cut off at the limit and refused rather than read without end."""
    limit = max_upload_bytes()
    if stat.S_ISDIR(os.stat(path).st_mode):
        raise Refused(f"{show_value(path)} 是一个文件夹，不是文件")
    with open_regular(path) as fh:
        size = os.fstat(fh.fileno()).st_size
        content = fh.read(limit + 1) if size <= limit else b""
    if size > limit or len(content) > limit:
        raise Refused(
            f"文件太大（{_mb(max(size, len(content)))}），上限为 {_mb(limit)}；请拆分，或调整 GYDASH_MAX_UPLOAD_MB"
        )
    return content
