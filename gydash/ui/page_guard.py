"""A page that fails shows officials a short Chinese message with an error number, not Python's traceback.

Every file staff drop is checked before it counts, so a failure here is a bug in gydash, not something a user did.
Streamlit would show the exception itself: an English traceback with file paths, meaningless to an official and
more than a public screen should show. The guard shows where it stopped (what the page drew before stays), an
error number, and writes the traceback with that number to the server's log for the IT staff.

`GYDASH_ERRORS=raise` lets the exception through to Streamlit as before (snapshots.guard.in_chinese): the test
suite sets it (tests/conftest.py), so a failing page still fails its tests, and IT staff may set it to see the
traceback on the page.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from gydash.base import clock
from gydash.snapshots.guard import in_chinese

log = logging.getLogger(__name__)
T = TypeVar("T")


def error_number() -> str:
    """A number an official can read out on the phone and IT can find in the log: the time and four letters (the
    clock as gydash reads it everywhere, base.clock; the letters tell apart two failures in one second)."""
    return f"{clock.now():%m%d-%H%M%S}-{secrets.token_hex(2)}"


def message(number: str) -> str:
    return (
        "这部分内容出错，没能显示。请刷新页面再试；如果仍然出错，请把下面的错误编号告诉系统管理员（详细情况已记在"
        f"服务器日志里）。数据文件没有受到影响。\n\n错误编号 **{number}**"
    )


def guarded(run: Callable[[], T], where: str) -> T | None:
    """Run a page (or the sidebar, or the sign-in check) and return what it returns; an unexpected failure becomes
    the Chinese message, and None (so a sign-in check that fails lets no one in). Streamlit's own control flow
    (st.rerun, st.stop, st.switch_page), Ctrl-C and exits are not Exceptions and pass through; a panic in a Rust
    library (polars, the Excel reader) is not one either, and is caught with the rest."""
    try:
        return run()
    except BaseException as exc:  # a Rust panic is a BaseException: in_chinese tells it from Streamlit's control flow
        if not in_chinese(exc):
            raise
        number = error_number()
        log.error("页面出错 %s（错误编号 %s）", where, number, exc_info=exc)
        st.error(message(number), icon=":material/error:")
        return None
