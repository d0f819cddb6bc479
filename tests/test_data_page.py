"""数据管理 page, run by AppTest on a data dir made here: catalog with reasons and freshness, history, changes,
templates, and upload — disabled without configured staff, and sign-in → upload → preview → confirm → shown."""

from __future__ import annotations

import io
import logging
import re
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from conftest import ind, tables, write_parquet
from streamlit.testing.v1 import AppTest

from gydash import ui
from gydash.access import auth, lockout
from gydash.snapshots import store, templates

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PASSWORD = "correct horse battery"
HASH = auth.hash_password(PASSWORD)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "data"
    write_parquet(d / "indicators/2025-09-30.parquet", [ind("hitech_enterprise", "广元市", 2025, 9, 50.0)])
    write_parquet(d / "indicators/2025-10-15_revised.parquet", [ind("hitech_enterprise", "广元市", 2025, 9, 52.0)])
    write_parquet(d / "indicators/2025-10-20.parquet", [ind("no_such_indicator", "广元市", 2025, 9, 1.0)])
    write_parquet(d / "activities/2025-03-31.parquet", [{"date": "2025-03-05", "area": "利州区", "kind": "other"}])
    (d / "indicators/说明.txt").write_text("readme")
    monkeypatch.setenv("GYDASH_DATA_DIR", str(d))
    monkeypatch.setenv("GYDASH_TODAY", "2025-11-27")
    monkeypatch.setattr(lockout, "limiter", lockout.RateLimiter())
    return d


def page(secrets: dict | None = None, through_app: bool = False, tab: str = "数据文件") -> AppTest:
    """The page run on its own (so clicks reach it; through app.py, ui.route_through_app's rerun on a page
    switch swallows button clicks in AppTest), or through the router to check it sits in the app shell; with
    `tab` open (only the open tab runs, as when staff click it)."""
    at = AppTest.from_file(APP if through_app else str(ROOT / ui.DATA_PAGE), default_timeout=60)
    # Always inject something, so a developer's own .streamlit/secrets.toml never leaks into the test.
    at.secrets.update(secrets or {"unrelated": {"x": 1}})
    at.run()
    if through_app:
        at.switch_page(ui.DATA_PAGE).run()
    if tab != "数据文件":
        at.session_state["data_tab"] = tab
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    """The page's text as staff read it (markdown escapes removed)."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for kind in (at.info, at.warning, at.error, at.success) for e in kind]
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))


def test_catalog_shows_every_file_status_reasons_and_freshness(data_dir):
    at = page(through_app=True)
    assert any("数据截至" in m.value for m in at.sidebar.markdown)  # inside the app shell
    text = texts(at)
    assert "指标数据截至 2025-10-20，已 38 天未更新" not in text  # a rejected file does not make data fresh
    assert "指标数据截至 2025-10-15，已 43 天未更新" in text
    assert any("活动记录截至 2025-03-31，已 241 天未更新（超过 100 天" in w.value for w in at.warning)
    assert "✗ 已拒绝：indicators/2025-10-20.parquet" in text
    reasons = [r for r in tables(at) if "问题与可填写的值" in r.columns]
    [first] = [r for r in reasons if "no_such_indicator" in set(r["值"])]
    assert first.iloc[0]["行"] == "1" and first.iloc[0]["列"] == "indicator"
    assert "不是目录中的指标" in first.iloc[0]["问题与可填写的值"]
    files = next(df for df in tables(at) if "快照日期" in df.columns and "状态" in df.columns)
    statuses = dict(zip(files["文件"], files["状态"], strict=True))
    assert statuses == {
        "indicators/2025-10-20.parquet": "✗ 已拒绝",
        "indicators/2025-10-15_revised.parquet": "✓ 已采用",
        "indicators/2025-09-30.parquet": "✓ 已采用",
        "indicators/说明.txt": "– 已忽略",
    }


def test_without_configured_staff_upload_is_disabled_and_says_how_to_enable(data_dir):
    at = page(tab="上传导入")
    assert any("上传已停用" in i.value and "系统管理员" in i.value for i in at.info)
    assert any(e.label == "系统管理员：开启上传的方法" for e in at.expander)  # the commands, folded away
    assert "gydash hash-password" in texts(at)
    assert not at.file_uploader
    assert "staff_name" not in {t.key for t in at.text_input}


def visible(at: AppTest) -> str:
    """Everything a visitor can read on the page, widgets' labels and the sidebar included."""
    parts = [texts(at)] + [e.value for e in at.exception]
    parts += [w.label for kind in (at.text_input, at.button, at.selectbox) for w in kind]
    return "\n".join(parts)


@pytest.mark.parametrize("valid", [False, True], ids=["no-usable-account", "one-usable-account"])
def test_configuration_problems_reach_the_log_and_signed_in_staff_never_visitors(data_dir, caplog, monkeypatch, valid):
    monkeypatch.setattr(auth, "_logged", set())  # each problem is logged once per server process
    users = {"王五": "123456"} | ({"张三": HASH} if valid else {})
    with caplog.at_level(logging.WARNING, logger="gydash.access.auth"):
        at = page({"gydash_staff": {"users": users}}, tab="上传导入")
        at_private = page({"gydash_staff": {"users": users, "view_requires_sign_in": True}})
    for shown in (visible(at), visible(at_private)):
        assert "王五" not in shown and "明文" not in shown
    assert any("王五" in r.getMessage() and "不接受明文密码" in r.getMessage() for r in caplog.records)
    if not valid:
        assert any("上传已停用" in i.value and "服务器日志" in i.value for i in at.info)
        return
    at = sign_in(at, PASSWORD)
    assert any("王五" in w.value and "不接受明文密码" in w.value for w in at.warning)


def test_history_tab_shows_every_value_of_a_key(data_dir):
    at = page(tab="修订记录")
    text = texts(at)
    assert "现值 52 家，自 2025-10-15 起（indicators/2025-10-15_revised.parquet）；此前为 50 家" in text
    table = next(df for df in tables(at) if "变化" in df.columns and "数值" in df.columns)
    assert list(table["数值"]) == ["50 家", "52 家"] and list(table["采用"]) == ["", "✓ 当前采用"]


def test_changes_tab_compares_with_a_chosen_date(data_dir):
    at = page(tab="变化对比")
    at.date_input(key="since").set_value(date(2025, 10, 1)).run()
    assert not at.exception
    assert "指标数据：修订 1 项" in texts(at)


def test_templates_tab_offers_one_download_per_dataset(data_dir):
    at = page(tab="导入模板")
    keys = {b.key for b in at.get("download_button")}
    assert {f"tpl_{d}" for d in ("indicators", "activities", "loans", "commendations", "coverage", "targets")} <= keys


def filled_template() -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(templates.template("indicators")))
    ws = wb["指标数据"]
    ws.append(["高新技术企业", "广元市", 2025, 9, 55, "家", "市统计局"])
    ws.append(["科技型中小企业", "利州区", 2025, 9, 120, None, None])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def sign_in(at: AppTest, password: str) -> AppTest:
    at.text_input(key="staff_name").input("张三")
    at.text_input(key="staff_password").input(password)
    at.button[[b.label for b in at.button].index("登录")].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_wrong_password_is_refused(data_dir):
    at = sign_in(page({"gydash_staff": {"users": {"张三": HASH}}}, tab="上传导入"), "wrong")
    assert any("用户名或密码不正确" in e.value for e in at.error)
    assert not at.file_uploader


def test_staff_upload_previews_changes_then_writes_on_confirm(data_dir):
    before = sorted(p.name for p in (data_dir / "indicators").iterdir())
    at = sign_in(page({"gydash_staff": {"users": {"张三": HASH}}}, tab="上传导入"), PASSWORD)
    assert "已登录：张三" in texts(at)
    at.file_uploader[0].set_value(("2025-11-20_市统计局.xlsx", filled_template(), "application/octet-stream")).run()
    assert not at.exception, [e.value for e in at.exception]
    text = texts(at)
    assert "检查通过：2 行，将写入 `indicators/2025-11-20_市统计局.parquet`" in text
    assert "指标数据：修订 1 项，新增 1 项" in text
    [diff] = [df for df in tables(at) if "原来" in df.columns]
    assert ("修订", "52 家", "55 家") in set(zip(diff["变化"], diff["原来"], diff["现在"], strict=True))
    assert sorted(p.name for p in (data_dir / "indicators").iterdir()) == before  # preview wrote nothing

    at.button(key="confirm_import").click().run()
    assert not at.exception, [e.value for e in at.exception]
    written = data_dir / "indicators/2025-11-20_市统计局.parquet"
    assert written.is_file()
    assert any("已写入 indicators/2025-11-20_市统计局.parquet" in s.value for s in at.success)
    at.session_state["data_tab"] = "修订记录"
    at.run()
    at.selectbox(key="h_indicator").set_value("hitech_enterprise").run()
    at.selectbox(key="h_area").set_value("510800").run()
    assert "现值 55 家，自 2025-11-20 起" in texts(at)  # the next rerun shows the new figure
    assert store.load(data_dir).as_of.isoformat() == "2025-11-20"


def test_a_bad_upload_is_refused_with_reasons_and_nothing_written(data_dir):
    before = sorted(p.name for p in (data_dir / "indicators").iterdir())
    at = sign_in(page({"gydash_staff": {"users": {"张三": HASH}}}, tab="上传导入"), PASSWORD)
    bad = "指标,县区,年份,数值\n高新技术企业,外省,2025,1\n".encode("gbk")
    at.file_uploader[0].set_value(("bad.csv", bad, "text/csv")).run()
    assert any("未通过检查，不会写入任何文件" in e.value for e in at.error)
    reasons = next(t for t in tables(at) if "问题与可填写的值" in t.columns and "外省" in set(t["值"]))
    assert reasons.iloc[0]["行"] == "2"
    assert "confirm_import" not in {b.key for b in at.button}
    assert sorted(p.name for p in (data_dir / "indicators").iterdir()) == before


@pytest.mark.parametrize("limit", ["nan", "inf", "-1"])
def test_a_bad_size_setting_leaves_the_upload_working_and_is_said(data_dir, monkeypatch, limit):
    monkeypatch.setenv("GYDASH_MAX_UPLOAD_MB", limit)
    at = sign_in(page({"gydash_staff": {"users": {"张三": HASH}}}, tab="上传导入"), PASSWORD)
    assert "不超过 50 MB" in at.file_uploader[0].label
    assert f"设置 GYDASH_MAX_UPLOAD_MB 的值「{limit}」无效" in texts(at)


def test_upload_into_a_linked_dataset_folder_is_refused_before_confirming(data_dir, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (data_dir / "loans").symlink_to(outside, target_is_directory=True)
    at = sign_in(page({"gydash_staff": {"users": {"张三": HASH}}}, tab="上传导入"), PASSWORD)
    at.selectbox(key="up_dataset").set_value("loans").run()
    loan = "日期,县区,企业,金额(万元)\n2025-10-08,利州,某公司,100\n".encode()
    at.file_uploader[0].set_value(("2025-10-31.csv", loan, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    cells = [str(v) for t in tables(at) for column in t.columns for v in t[column]]
    assert "数据集文件夹 loans/ 是一个链接" in texts(at) + "".join(cells)
    assert "confirm_import" not in {b.key for b in at.button}
    assert list(outside.iterdir()) == []


def test_file_names_are_shown_as_typed_not_as_markdown(data_dir):
    name = "2025-10-21_[点我](javascript:alert(1))<img src=x>.parquet"
    write_parquet(data_dir / "indicators" / name, [ind("no_such_indicator", "广元市", 2025, 9, 1.0)])
    at = page()
    [header] = [m.value for m in at.markdown if "已拒绝" in m.value and "点我" in m.value]
    assert r"\[点我\]\(javascript\:alert\(1\)\)\<img" in header  # every markdown/HTML character is escaped
    assert f"✗ 已拒绝：indicators/{name}" in texts(at)


def test_only_the_open_tab_does_its_work(data_dir):
    """A hidden tab costs nothing: the change list (which may compare a million rows) is made when opened."""
    at = page()
    assert not any(name.startswith("changes_since") for name in store.load(data_dir).memo)
    assert "since" not in {d.key for d in at.date_input}
    at.session_state["data_tab"] = "变化对比"
    at.run()
    assert any(name.startswith("changes_since") for name in store.load(data_dir).memo)
