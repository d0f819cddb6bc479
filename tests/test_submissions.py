"""报送情况: the due-date rule table, what counts as a county's submission, the page, and `summary --json`."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from conftest import activity, coverage_row, html_words, ind, tables
from streamlit.testing.v1 import AppTest

from gydash import cli
from gydash.base import palette, plan
from gydash.plan import submission_rules, submissions
from gydash.snapshots import store

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "submissions.py")
TODAY = date(2026, 11, 26)


def entry(tracked: dict, area: str, dataset: str) -> dict:
    code = plan.area_lookup()[area]
    return next(e for e in tracked["entries"] if e["area_code"] == code and e["dataset"] == dataset)


def test_the_rule_table_holds_the_offices_due_dates_with_their_source() -> None:
    by_dataset = {r.dataset: r for r in submission_rules.rules()}
    due = {ds: submission_rules.due_date(r, date(2026, 10, 31)) for ds, r in by_dataset.items() if r.period == "month"}
    assert due == {"activities": date(2026, 11, 5), "loans": date(2026, 11, 5), "coverage": date(2026, 10, 31)}
    assert by_dataset["coverage"].months == (3, 10) and by_dataset["coverage"].source_text == "方案第 8 条"
    assert submission_rules.due_date(by_dataset["indicators"], date(2026, 9, 30)) == date(2026, 10, 20)
    assert submission_rules.due_date(by_dataset["commendations"], date(2026, 12, 31)) == date(2026, 12, 31)
    assert {r.source_text for r in by_dataset.values() if r.dataset != "coverage"} == {"工作惯例"}


def test_a_bad_rule_row_is_refused_naming_its_line(tmp_path: Path) -> None:
    path = tmp_path / "submissions.csv"
    path.write_text(
        "plan,dataset,name_zh,period,months,due_after,due_day,source,areas,since,until\n"
        "2024,activities,活动记录,month,,1,5,工作惯例,,,\n"
        "2024,loans,天府科创贷,fortnight,,1,5,工作惯例,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"submissions\.csv 第 3 行：period"):
        submission_rules.load_rules(path)


def test_what_counts_as_a_countys_submission(write, load) -> None:
    # A city-wide activities file through September, 剑阁县's own (empty-of-others) file through October.
    write("activities", "2026-09-30.parquet", [activity("2026-09-03", "利州区")])
    write("activities", "2026-10-31_剑阁县.parquet", [activity("2026-10-09", "剑阁县")])
    # Indicators: Q3 rows for 利州区 only.
    write("indicators", "2026-10-15.parquet", [ind("tech_sme", "利州区", 2026, 9, 10.0)])
    # Coverage: 利州区 sent the October round, 青川县 did not.
    write("coverage", "2026-10-20_利州区.parquet", [coverage_row("甲公司", "利州区", "2026-10", "2026-10-20")])
    tracked = submissions.tracker(load(), TODAY)

    lizhou = entry(tracked, "利州区", "activities")
    assert lizhou["submitted_through"] == "2026-09" and lizhou["latest_as_of"] == "2026-09-30"
    assert (lizhou["overdue"][0]["period"], lizhou["overdue"][0]["days_overdue"]) == ("2026-10", 21)
    assert lizhou["status"] == "overdue" and lizhou["status_label"] == "逾期未报"
    assert (lizhou["next_period"], lizhou["next_due"], lizhou["days_to_due"]) == ("2026-11", "2026-12-05", 9)

    jiange = entry(tracked, "剑阁县", "activities")  # its own file covers October
    assert jiange["submitted_through"] == "2026-10" and jiange["latest_file"] == "activities/2026-10-31_剑阁县.parquet"
    assert "2026-10" not in [o["period"] for o in jiange["overdue"]]
    # Another county's file does not count for 利州区.
    assert "2026-10" in [o["period"] for o in entry(tracked, "利州区", "activities")["overdue"]]

    assert entry(tracked, "利州区", "indicators")["submitted_through"] == "2026Q3"
    assert "2026Q3" in [o["period"] for o in entry(tracked, "苍溪县", "indicators")["overdue"]]

    assert "2026-10" not in [o["period"] for o in entry(tracked, "利州区", "coverage")["overdue"]]
    qingchuan = entry(tracked, "青川县", "coverage")
    assert qingchuan["overdue"][0] == {
        "period": "2026-10",
        "label": "2026 年 10 月",
        "due": "2026-10-31",
        "days_overdue": 26,
    }


def test_due_soon_within_the_window_and_complete_otherwise(write, load) -> None:
    write("activities", "2026-10-31.parquet", [activity("2026-10-03", "利州区")])
    rules = [r for r in submission_rules.rules() if r.dataset == "activities"]
    data, day = load(), date(2026, 12, 1)  # every month through October is in; November is due on 5 December
    calm = entry(submissions.tracker(data, day, soon_days=3, table=rules), "利州区", "activities")
    assert (calm["status"], calm["status_label"], calm["days_to_due"], calm["overdue"]) == ("complete", "已报齐", 4, [])
    soon = entry(submissions.tracker(data, day, soon_days=7, table=rules), "利州区", "activities")
    assert (soon["status"], soon["status_label"]) == ("due_soon", "即将到期")
    assert submissions.describe(soon) == "下一期 2026 年 11 月，2026-12-05 前报送（还有 4 天）"


def test_rejected_files_wait_until_a_corrected_copy_is_accepted(write, load) -> None:
    bad = [coverage_row("甲公司", "剑阁县", "2026-10", "2026-10-20") | {"party_members": -1}]
    write("coverage", "2026-10-20_剑阁县.parquet", bad)
    write("indicators", "2026-10-10.parquet", [ind("no_such_indicator", "广元市", 2026, 9, 1.0)])
    tracked = submissions.tracker(load(), TODAY)
    waiting = {r["path"]: r for r in tracked["rejected_waiting"]}
    assert set(waiting) == {"coverage/2026-10-20_剑阁县.parquet", "indicators/2026-10-10.parquet"}
    assert waiting["coverage/2026-10-20_剑阁县.parquet"]["area"] == "剑阁县"
    assert waiting["coverage/2026-10-20_剑阁县.parquet"]["days_waiting"] == 37
    assert waiting["indicators/2026-10-10.parquet"]["area"] == ""  # city-wide
    assert entry(tracked, "剑阁县", "coverage")["rejected_waiting"] == ["coverage/2026-10-20_剑阁县.parquet"]
    # Another county's accepted file is no correction for 剑阁县; its own corrected copy is.
    write("coverage", "2026-10-22_利州区.parquet", [coverage_row("乙公司", "利州区", "2026-10", "2026-10-22")])
    assert "coverage/2026-10-20_剑阁县.parquet" in [
        r["path"] for r in submissions.tracker(load(), TODAY)["rejected_waiting"]
    ]
    write("coverage", "2026-10-25_剑阁县.parquet", [coverage_row("甲公司", "剑阁县", "2026-10", "2026-10-25")])
    write("indicators", "2026-10-12.parquet", [ind("tech_sme", "广元市", 2026, 9, 1.0)])
    assert submissions.tracker(load(), TODAY)["rejected_waiting"] == []


def test_the_bundled_data_on_a_fixed_day() -> None:
    tracked = submissions.tracker(store.load(ROOT / "data"), TODAY)
    assert len(tracked["entries"]) == 7 * 5
    qingchuan = entry(tracked, "青川县", "coverage")  # no 2026-10 ledger from 青川县 in the sample
    assert (qingchuan["status"], qingchuan["overdue"][0]["days_overdue"]) == ("overdue", 26)
    assert entry(tracked, "利州区", "coverage")["status"] == "complete"
    assert entry(tracked, "利州区", "activities")["overdue"][0]["label"] == "2026 年 10 月"
    assert entry(tracked, "利州区", "indicators")["next_due"] == "2027-01-20"


def test_summary_json_carries_the_same_tracker(capsys) -> None:
    assert cli.main(["summary", str(ROOT / "data"), "--json", "--today", TODAY.isoformat()]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["submissions"] == submissions.tracker(store.load(ROOT / "data"), TODAY)


def _page(monkeypatch, area: str | None = None) -> AppTest:
    monkeypatch.setenv("GYDASH_DATA_DIR", str(ROOT / "data"))
    monkeypatch.setenv("GYDASH_TODAY", TODAY.isoformat())
    at = AppTest.from_file(PAGE, default_timeout=120)
    if area:
        at.query_params["area"] = area
    return at.run()


def test_page_and_summary_json_agree(monkeypatch, capsys) -> None:
    at = _page(monkeypatch)
    assert not at.exception
    assert cli.main(["summary", str(ROOT / "data"), "--json", "--today", TODAY.isoformat()]) == 0
    entries = json.loads(capsys.readouterr().out)["submissions"]["entries"]
    shown = tables(at)[0]
    assert list(shown["县区"]) == [e["area"] for e in entries]
    assert list(shown["状态"]) == [palette.SUBMISSION[e["status"]].text for e in entries]
    assert list(shown["下一期截止日期"]) == [e["next_due"] or "—" for e in entries]
    assert list(shown["最新快照日期"]) == [e["latest_as_of"] or "—" for e in entries]
    assert "✗ 逾期未报 两个覆盖台账：2026 年 10 月应于 2026-10-31 前报送，已逾期 26 天" in html_words(
        at, 'class="gy-cards'
    )


def test_area_in_the_link_opens_one_county(monkeypatch) -> None:
    at = _page(monkeypatch, area="青川")
    assert not at.exception
    assert set(tables(at)[0]["县区"]) == {"青川县"}
    [cards] = [h.value for h in at.get("html") if "gy-cards" in h.value]
    titles = [re.sub(r"<[^>]+>", "", t) for t in re.findall(r"<h4>(.*?)</h4>", cards)]
    assert titles == ["青川县 ✗ 逾期未报"]


def test_no_rejected_file_waiting_is_said_as_none_not_as_all_submitted(write, load, data_dir, monkeypatch) -> None:
    write("activities", "2026-10-31.parquet", [activity("2026-10-09", "利州区")])
    monkeypatch.setenv("GYDASH_DATA_DIR", str(data_dir))
    monkeypatch.setenv("GYDASH_TODAY", TODAY.isoformat())
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    words = html_words(at)
    assert "✓ 无 没有等待更正的被拒文件。" in words and "已报齐 没有等待" not in words
