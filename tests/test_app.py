"""The app starts on the bundled sample data."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def test_app_starts_on_bundled_data(monkeypatch):
    monkeypatch.setenv("GYDASH_DATA_DIR", str(ROOT / "data"))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert any("项目标" in m.value for m in at.markdown)
