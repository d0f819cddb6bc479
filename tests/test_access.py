"""Viewing is open by default; with view_requires_sign_in the pages show only the staff sign-in."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gydash.access import auth

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse 2025"
HASH = auth.hash_password(PASSWORD)


def _app(secrets: dict, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("GYDASH_DATA_DIR", str(ROOT / "data"))
    monkeypatch.setenv("GYDASH_TODAY", "2026-11-26")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in secrets.items():
        at.secrets[key] = value
    return at.run()


def _headline_shown(at: AppTest) -> bool:
    return any("项目标" in m.value for m in at.markdown)


def test_viewing_is_open_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    at = _app({"gydash_staff": {"users": {"张三": HASH}}}, monkeypatch)
    assert not at.exception
    assert _headline_shown(at)


def test_private_dashboard_shows_only_the_sign_in_until_staff_sign_in(monkeypatch: pytest.MonkeyPatch) -> None:
    at = _app({"gydash_staff": {"users": {"张三": HASH}, "view_requires_sign_in": True}}, monkeypatch)
    assert not at.exception
    assert not _headline_shown(at)
    assert not at.sidebar.markdown  # not even the data date leaks
    at.text_input(key="staff_name").input("张三")
    at.text_input(key="staff_password").input("not the password")
    at.button[0].click().run()
    assert not _headline_shown(at)
    at.text_input(key="staff_name").input("张三")
    at.text_input(key="staff_password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert _headline_shown(at)
