"""What may fail while one file is read or checked: any error, or a panic inside polars — never Ctrl-C or an exit."""

from __future__ import annotations

import logging
import os

from polars.exceptions import PanicException

# PanicException derives from BaseException, so `except Exception` lets it through and one odd file would take down
# every page. KeyboardInterrupt and SystemExit are deliberately not listed: they must still stop the program.
FILE_FAILURES: tuple[type[BaseException], ...] = (Exception, PanicException)
log = logging.getLogger("gydash.snapshots")
LOGGED = "（技术细节已写入服务器日志，可请管理员查看）"
ERRORS_ENV = "GYDASH_ERRORS"  # "raise": an unforeseen failure shows Python's own traceback (pages and commands)


def is_panic(exc: BaseException) -> bool:
    """A panic inside any Rust library: polars' PanicException, or another extension's own class of that name
    (fastexcel, which reads Excel, raises pyo3_runtime.PanicException, which polars' class does not catch)."""
    return isinstance(exc, PanicException) or type(exc).__name__ == "PanicException"


def in_chinese(exc: BaseException) -> bool:
    """Whether an unforeseen failure is told in Chinese (pages: gydash.ui.page_guard; commands: gydash.cli), not as
    Python's traceback: any Exception or Rust panic, unless GYDASH_ERRORS=raise (the test suite sets it, so a
    failure still fails its test; IT staff may set it while looking into one). Streamlit's control flow, Ctrl-C and
    exits are neither, and always pass."""
    if not (isinstance(exc, Exception) or is_panic(exc)):
        return False
    return os.environ.get(ERRORS_ENV, "").strip().lower() != "raise"


def technical(exc: BaseException) -> str:
    """The library's own words for a failure (English, naming its internals), cut short: for the server log."""
    detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def reason(exc: BaseException, checking: bool = False, where: str = "") -> str:
    """A failure no rule foresaw, in words for the end of a Chinese sentence; the libraries' English text, which
    staff cannot act on, goes to the server log for IT staff instead (with the file, when `where` names it)."""
    log.warning("%s%s：%s", where and f"{where} ", "检查时出错" if checking else "读取时出错", technical(exc))
    if is_panic(exc):
        what = "程序内部错误"
    elif isinstance(exc, MemoryError) or "MemoryError" in type(exc).__name__:
        what = "内容展开后太大，内存不足"
    elif checking:
        what = "程序未能处理这个文件的内容"
    else:
        what = "文件内容不符合格式，可能已损坏或由其他软件写成"
    return what + LOGGED


def unreadable(exc: BaseException, where: str) -> str:
    """The reason a file that failed in a way no rule foresaw is refused, for the file list and the import page."""
    return f"无法读取此文件：{reason(exc, where=where)}"


def unchecked(exc: BaseException, where: str) -> str:
    """The reason a file read well is refused when the contract's checks failed on it in a way no rule foresaw."""
    return f"无法按数据约定检查此文件：{reason(exc, checking=True, where=where)}"
