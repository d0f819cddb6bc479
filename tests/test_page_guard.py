"""A page or command that fails shows a Chinese message, never a traceback; the log has the details."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from polars.exceptions import PanicException
from streamlit.testing.v1 import AppTest

from gydash.plan import progress

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
NUMBER = re.compile(r"错误编号 \*\*(\d{4}-\d{6}-[0-9a-f]{4})\*\*")


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> None:
    """The guard as officials meet it (the suite lets failures through, conftest.py), on the bundled sample data."""
    monkeypatch.delenv("GYDASH_ERRORS", raising=False)
    monkeypatch.setenv("GYDASH_DATA_DIR", str(ROOT / "data"))
    monkeypatch.setenv("GYDASH_TODAY", "2026-11-26")


def _fail_with(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    def broken(*args, **kwargs):
        raise exc

    monkeypatch.setattr(progress, "target_progress", broken)


@pytest.mark.parametrize("failure", ["error", "panic"])
def test_a_failing_page_shows_a_chinese_message_and_logs_the_traceback(
    shown, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, failure: str
) -> None:
    # polars raises PanicException (a BaseException, not an Exception) when its Rust code panics
    exc = RuntimeError("boom inside the overview") if failure == "error" else PanicException("boom in Rust")
    _fail_with(monkeypatch, exc)
    with caplog.at_level(logging.ERROR, logger="gydash.ui.page_guard"):
        at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception  # no traceback on the page
    errors = [e.value for e in at.error]
    assert any("这部分内容出错" in e for e in errors), errors
    number = next(NUMBER.search(e).group(1) for e in errors if NUMBER.search(e))
    assert all("boom" not in e and "Traceback" not in e for e in errors)  # Python's words stay in the log
    logged = [r for r in caplog.records if number in r.getMessage()]
    assert logged and logged[0].exc_info is not None  # IT finds the traceback by the number the official reads out
    assert "数据截至" in " ".join(m.value for m in at.sidebar.markdown)  # the sidebar and menu still work
    at.switch_page("pages/duties.py").run()  # another page is unaffected
    assert not at.exception and not any("这部分内容出错" in e.value for e in at.error)


def test_streamlit_control_flow_passes_through(shown) -> None:
    """st.stop inside a guarded part stops the run as it should: no error message, nothing after it drawn."""

    def script() -> None:
        import streamlit as st

        from gydash import ui

        ui.guarded(st.stop, "test")
        st.markdown("after the stop")

    at = AppTest.from_function(script).run()
    assert not at.exception and not at.error
    assert not [m for m in at.markdown if m.value == "after the stop"]


def test_the_suite_sees_failures_as_exceptions(monkeypatch: pytest.MonkeyPatch) -> None:
    """GYDASH_ERRORS=raise (set for the whole suite) lets the failure through, as a developer wants to see it."""
    monkeypatch.setenv("GYDASH_ERRORS", "raise")
    monkeypatch.setenv("GYDASH_DATA_DIR", str(ROOT / "data"))
    monkeypatch.setenv("GYDASH_TODAY", "2026-11-26")
    _fail_with(monkeypatch, RuntimeError("boom"))
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert at.exception and "boom" in at.exception[0].value


def test_a_failing_command_says_so_in_chinese(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """`gydash summary` failing inside: one Chinese line on stderr, exit code 70, no traceback; raise mode shows it."""
    from gydash import cli, summary

    def broken(*args, **kwargs):
        raise PanicException("boom in Rust")

    monkeypatch.setattr(summary, "build", broken)
    monkeypatch.delenv("GYDASH_ERRORS", raising=False)
    code = cli.main(["summary", str(ROOT / "data"), "--today", "2026-11-26"])
    out, err = capsys.readouterr()
    assert code == cli.EX_SOFTWARE and not out
    said = "gydash summary 没能完成：程序内部出错（PanicException: boom in Rust）。数据文件没有受到影响。"
    assert err.startswith(said)
    assert "Traceback" not in err and "GYDASH_ERRORS=raise" in err
    monkeypatch.setenv("GYDASH_ERRORS", "raise")
    with pytest.raises(PanicException):
        cli.main(["summary", str(ROOT / "data"), "--today", "2026-11-26"])


def test_a_failing_sign_in_check_shows_no_page(shown, monkeypatch: pytest.MonkeyPatch) -> None:
    """If deciding whether viewing needs a sign-in fails, the message shows and no page or menu does (closed, not
    open)."""
    from gydash.access import auth

    def broken(*args, **kwargs):
        raise RuntimeError("boom in the staff list")

    monkeypatch.setattr(auth, "config", broken)
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    assert any(NUMBER.search(e.value) for e in at.error)
    assert "目标进度" not in " ".join(m.value for m in at.markdown)  # the overview did not run
    assert not at.sidebar.markdown  # nor the sidebar
