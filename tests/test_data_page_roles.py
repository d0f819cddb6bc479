"""数据管理 with staff roles, run by AppTest: a county account's upload of another area's rows is refused whole,
naming the rows, and nothing is written; city staff upload anything; both are in the 导入记录 tab, newest first."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ind, tables, write_parquet
from streamlit.testing.v1 import AppTest
from test_data_page import filled_template
from test_importer import dir_hash

from gydash import ui
from gydash.access import auth, lockout
from gydash.snapshots import importlog

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
HASH = auth.hash_password(PASSWORD)
SECRETS = {
    "gydash_staff": {
        "users": {
            "张三": HASH,  # an account from before roles: city staff
            "旺苍": {"hash": HASH, "role": "county", "area": "旺苍县"},
            "错配": {"hash": HASH, "role": "county"},
        }
    }
}


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "data"
    write_parquet(d / "indicators/2025-09-30.parquet", [ind("hitech_enterprise", "广元市", 2025, 9, 50.0)])
    monkeypatch.setenv("GYDASH_DATA_DIR", str(d))
    monkeypatch.setenv("GYDASH_TODAY", "2025-11-27")
    monkeypatch.setattr(lockout, "limiter", lockout.RateLimiter())
    return d


def signed_in(name: str, tab: str = "上传导入") -> AppTest:
    at = AppTest.from_file(str(ROOT / ui.DATA_PAGE), default_timeout=60)
    at.secrets.update(SECRETS)
    at.run()
    at.session_state["data_tab"] = tab
    at.run()
    at.text_input(key="staff_name").input(name)
    at.text_input(key="staff_password").input(PASSWORD)
    at.button[[b.label for b in at.button].index("登录")].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def upload(at: AppTest, name: str = "2025-11-20_报表.xlsx") -> AppTest:
    at.file_uploader[0].set_value((name, filled_template(), "application/octet-stream")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_county_account_cannot_upload_other_areas_rows_and_nothing_is_written(data_dir):
    before = dir_hash(data_dir)
    at = upload(signed_in("旺苍"))
    assert any("角色：县区工作人员（旺苍县）" in c.value for c in at.caption)
    assert any("未通过检查，不会写入任何文件" in e.value for e in at.error)
    reasons = next(t for t in tables(at) if "问题与可填写的值" in t.columns)
    rows = list(zip(reasons["行"], reasons["列"], reasons["值"], strict=True))
    assert rows[:2] == [("2", "县区", "广元市"), ("3", "县区", "利州区")]  # Excel rows under the template header
    assert "旺苍县的账号只能导入旺苍县的数据" in reasons.iloc[1]["问题与可填写的值"]
    assert "confirm_import" not in {b.key for b in at.button}
    assert dir_hash(data_dir) == before
    [entry], _ = importlog.read()
    assert (entry["user"], entry["role"], entry["via"], entry["outcome"]) == ("旺苍", "county", "page", "refused")
    assert "利州区" in entry["reason"] and entry["rows"] == 2


def test_city_staff_upload_any_area_and_the_log_tab_lists_both_newest_first(data_dir):
    upload(signed_in("旺苍"))
    at = upload(signed_in("张三"))
    assert any("角色：市级工作人员（全部县区）" in c.value for c in at.caption)
    at.button(key="confirm_import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert (data_dir / "indicators/2025-11-20_报表.parquet").is_file()
    at.session_state["data_tab"] = "导入记录"
    at.run()
    log = next(df for df in tables(at) if "账号" in df.columns)
    assert list(log["账号"]) == ["张三", "旺苍"]
    assert list(log["结果"]) == ["✓ 已导入", "✗ 已拒绝"]
    assert list(log["角色"]) == ["市级", "县区（旺苍县）"]
    assert list(log["方式"]) == ["网页上传", "网页上传"]
    assert log["写入文件"][0] == "indicators/2025-11-20_报表.parquet" and log["时间"][0].startswith("2025-11-27 ")
    assert {"时间", "源文件", "数据集", "行数", "原因", "内容哈希（SHA-256）"} <= set(log.columns)


def test_a_misconfigured_role_is_shown_to_signed_in_staff_and_may_not_upload(data_dir):
    at = signed_in("错配")
    assert any("没有填 area" in w.value for w in at.warning)
    assert any("角色配置有误，暂不能导入数据" in e.value for e in at.error)
    assert not at.file_uploader


def test_a_log_that_cannot_be_written_is_said_and_the_upload_still_stands(data_dir, tmp_path, monkeypatch):
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("x")
    monkeypatch.setenv("GYDASH_STATE_DIR", str(blocker / "state"))
    at = upload(signed_in("张三"))
    at.button(key="confirm_import").click().run()
    assert (data_dir / "indicators/2025-11-20_报表.parquet").is_file()
    assert any("数据已导入，但导入记录未能写入" in w.value for w in at.warning)


def test_a_file_without_the_optional_columns_previews_and_imports(data_dir):
    at = signed_in("旺苍")
    plain = "指标,县区,年份,月份,数值\n高新技术企业,旺苍,2025,9,12\n".encode()
    at.file_uploader[0].set_value(("2025-11-20_旺苍.csv", plain, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("检查通过：1 行" in s.value for s in at.success)
    at.button(key="confirm_import").click().run()
    assert (data_dir / "indicators/2025-11-20_旺苍.parquet").is_file()
    [entry], _ = importlog.read()
    assert (entry["user"], entry["outcome"], entry["path"]) == (
        "旺苍",
        "imported",
        "indicators/2025-11-20_旺苍.parquet",
    )
