"""history: every value a key has had and since when, a county's ledger round over its files, what changed since
a date (revised, added, withdrawn), the preview of an import, and how fresh each dataset is."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from conftest import activity, coverage_row, ind

from gydash.snapshots import change_report, checking, freshness, key_history, preview, store, validate


@pytest.fixture
def revised(write, load):
    """hitech_enterprise for 2025-09 in Lizhou: 30, restated 30 again, then revised to 32."""
    write("indicators", "2025-09-30.parquet", [ind("hitech_enterprise", "利州区", 2025, 9, 30.0)])
    write("indicators", "2025-10-10.parquet", [ind("hitech_enterprise", "利州区", 2025, 9, 30.0)])
    write("indicators", "2025-10-20_revised.parquet", [ind("hitech_enterprise", "利州区", 2025, 9, 32.0)])
    return load()


def test_indicator_key_history_lists_every_value_file_and_change(revised):
    table = key_history.indicator_key_history(revised, "hitech_enterprise", "510802", 2025, 9)
    assert table.select("as_of", "file", "value", "change", "in_use").rows() == [
        (date(2025, 9, 30), "indicators/2025-09-30.parquet", "30 家", "首次报送", ""),
        (date(2025, 10, 10), "indicators/2025-10-10.parquet", "30 家", "未变", ""),
        (date(2025, 10, 20), "indicators/2025-10-20_revised.parquet", "32 家", "修订（原为 30 家）", "✓ 当前采用"),
    ]


def test_indicator_key_summary_says_since_when_and_what_it_replaced(revised):
    text = key_history.indicator_key_summary(revised, "hitech_enterprise", "510802", 2025, 9)
    assert text == (
        "现值 32 家，自 2025-10-20 起（indicators/2025-10-20_revised.parquet）；"
        "此前为 30 家（indicators/2025-10-10.parquet）"
    )
    assert key_history.key_label("hitech_enterprise", "510802", 2025, 9) == "高新技术企业 · 利州区 · 2025 年 9 月末"


def test_ledger_round_history_shows_each_file_and_who_joined_or_left(write, load):
    write(
        "coverage",
        "2025-03-20_利州区.parquet",
        [coverage_row("甲"), coverage_row("乙", org_coverage="none", work_coverage=False)],
    )
    write(
        "coverage",
        "2025-04-02_利州区.parquet",
        [coverage_row("甲", updated_on="2025-04-02"), coverage_row("丙", updated_on="2025-04-02")],
    )
    table = key_history.ledger_round_history(load(), "510802", "2025-03")
    assert table.select("file", "orgs", "uncovered", "joined", "left", "in_use").rows() == [
        ("coverage/2025-03-20_利州区.parquet", 2, 1, "", "", "已被后来的文件替换"),
        ("coverage/2025-04-02_利州区.parquet", 2, 0, "丙", "乙", "✓ 当前采用"),
    ]
    assert key_history.ledger_keys(load()).rows() == [("510802", "2025-03")]


def test_changes_since_a_date_lists_revised_added_and_withdrawn_across_datasets(write, data_dir):
    write("indicators", "2025-06-30.parquet", [ind("tech_sme", "利州区", 2025, 6, 40.0)])
    write(
        "activities",
        "2025-06-30.parquet",
        [activity("2025-06-01", title="宣讲"), activity("2025-06-02", id="A-1", participants=10)],
    )
    write("coverage", "2025-03-20_利州区.parquet", [coverage_row("甲"), coverage_row("乙")])
    # after the cut-off: a revision, a new figure, an event changed by id, one added, and an organisation leaving
    write(
        "indicators",
        "2025-09-30.parquet",
        [ind("tech_sme", "利州区", 2025, 6, 41.0), ind("tech_sme", "利州区", 2025, 9, 44.0)],
    )
    write(
        "activities",
        "2025-09-30.parquet",
        [activity("2025-06-02", id="A-1", participants=12), activity("2025-09-01", kind="other")],
    )
    write("coverage", "2025-07-15_利州区.parquet", [coverage_row("甲", updated_on="2025-07-15", party_members=4)])

    frame = change_report.changes_since(data_dir, date(2025, 7, 1))
    got = {(r["dataset"], r["change"], r["item"]): (r["before"], r["after"]) for r in frame.iter_rows(named=True)}
    assert got == {
        ("indicators", "revised", "科技型中小企业 · 利州区 · 2025 年 6 月末"): ("40 家", "41 家"),
        ("indicators", "added", "科技型中小企业 · 利州区 · 2025 年 9 月末"): ("", "44 家"),
        ("activities", "revised", "2025-06-02 · 利州区 · 政策宣讲（编号 A-1）"): ("参与人数 10", "参与人数 12"),
        ("activities", "added", "2025-09-01 · 利州区 · 其他"): ("", ""),
        ("coverage", "revised", "2025-03 期 · 利州区 · 甲"): ("党员人数 3", "党员人数 4"),
        ("coverage", "withdrawn", "2025-03 期 · 利州区 · 乙"): ("党员人数 3；组织覆盖 单独组建；工作覆盖 是", ""),
    }
    assert frame["dataset"].to_list()[:2] == ["indicators", "indicators"]
    assert change_report.counts(frame) == [
        "指标数据：修订 1 项，新增 1 项",
        "活动记录：修订 1 项，新增 1 项",
        "两个覆盖台账：修订 1 项，撤回 1 项",
    ]


def test_events_without_id_are_compared_by_count(write, data_dir):
    same = activity("2025-06-01", title="宣讲")
    write("activities", "2025-06-30.parquet", [same])
    write("activities", "2025-09-30.parquet", [same, same])  # now the fullest file says it happened twice
    frame = change_report.changes_since(data_dir, date(2025, 7, 1))
    assert frame.select("change", "item").rows() == [("added", "2025-06-01 · 利州区 · 政策宣讲 · 宣讲")]


def test_nothing_changed_gives_an_empty_table(write, data_dir):
    write("indicators", "2025-06-30.parquet", [ind("tech_sme", "利州区", 2025, 6, 40.0)])
    assert change_report.changes_since(data_dir, date(2025, 7, 1)).is_empty()


def test_preview_of_an_import_shows_new_keys_and_changed_values(write, load, data_dir):
    write("indicators", "2025-06-30.parquet", [ind("tech_sme", "利州区", 2025, 6, 40.0)])
    data = load()
    csv = "指标,县区,年份,月份,数值\ntech_sme,利州,2025,6,42\ntech_sme,利州,2025,9,45\n".encode()
    p = checking.prepare(csv, "2025-09-30.csv", "indicators", data_dir)
    after = preview.with_file(data, p.dataset, p.rel, p.as_of, p.frame, p.rows)
    frame = change_report.changes(data, after, ("indicators",))
    assert frame.select("change", "before", "after", "file").rows() == [
        ("revised", "40 家", "42 家", "indicators/2025-09-30_indicators.parquet"),
        ("added", "", "45 家", "indicators/2025-09-30_indicators.parquet"),
    ]
    assert not (data_dir / p.rel).exists()  # a preview writes nothing


def test_freshness_line_per_dataset_with_a_warning_past_the_limit(write, load):
    write("indicators", "2025-09-30.parquet", [ind("tech_sme", "利州区", 2025, 9, 40.0)])
    write("activities", "2025-03-31.parquet", [activity("2025-03-01")])
    lines = {f["dataset"]: f for f in freshness.freshness(load(), date(2025, 11, 27))}
    assert lines["indicators"]["text"] == "指标数据截至 2025-09-30，已 58 天未更新"
    assert not lines["indicators"]["stale"]
    assert lines["activities"]["stale"] and lines["activities"]["text"].endswith("（超过 100 天，请督促报送）")
    assert lines["loans"]["text"] == "天府科创贷：还没有可用的数据文件"
    assert lines["targets"]["limit"] is None


def test_stale_age_is_configurable_for_all_or_one_dataset(write, load, monkeypatch):
    write("indicators", "2025-09-30.parquet", [ind("tech_sme", "利州区", 2025, 9, 40.0)])
    monkeypatch.setenv("GYDASH_STALE_DAYS", "30")
    assert {f["dataset"]: f["stale"] for f in freshness.freshness(load(), date(2025, 11, 27))}["indicators"]
    monkeypatch.setenv("GYDASH_STALE_DAYS_INDICATORS", "90")
    assert freshness.stale_days("indicators") == 90 and freshness.stale_days("loans") == 30
    assert freshness.stale_days("targets") is None
    assert not {f["dataset"]: f["stale"] for f in freshness.freshness(load(), date(2025, 11, 27))}["indicators"]


def test_freshness_flags_a_snapshot_dated_in_the_future(write, load):
    write("indicators", "2026-01-31.parquet", [ind("tech_sme", "利州区", 2025, 12, 40.0)])
    [line] = [f for f in freshness.freshness(load(), date(2025, 11, 27)) if f["dataset"] == "indicators"]
    assert "晚于今天" in line["text"]


def test_indicator_keys_put_the_newest_period_first(revised, write, load):
    write("indicators", "2025-12-31.parquet", [ind("tech_sme", "利州区", 2025, 12, 1.0)])
    keys = key_history.indicator_keys(load())
    assert keys.select("indicator", "year", "month").rows()[0] == ("tech_sme", 2025, 12)
    assert keys.filter(pl.col("indicator") == "hitech_enterprise")["revised"].to_list() == [True]


ROOT_DATA = Path(__file__).resolve().parent.parent / "data"


def compared_in_full(monkeypatch: pytest.MonkeyPatch, old, new) -> pl.DataFrame:
    """The change table with every dataset resolved whole on both sides (what _touched must agree with)."""
    with monkeypatch.context() as m:
        m.setattr(change_report, "_added", lambda old, new, dataset: None)
        return change_report.changes(old, new)


@pytest.mark.parametrize("since", ["2024-03-31", "2025-01-15", "2025-06-30", "2025-09-30"])
def test_comparing_only_what_new_files_touch_equals_comparing_everything(monkeypatch, since):
    """The bundled sample data has revisions, id-less repeats, re-sent ledgers: every kind of change."""
    new = store.load(ROOT_DATA)
    old = store.cut(new, date.fromisoformat(since))
    quick = change_report.changes(old, new)
    assert not quick.is_empty()
    assert quick.equals(compared_in_full(monkeypatch, old, new))


def test_a_previewed_file_dated_before_others_is_compared_like_everything_else(write, load, monkeypatch):
    """An import dated between existing snapshots shifts their order; the groups it does not touch still resolve
    the same on both sides."""
    same = activity("2025-06-01", title="宣讲")
    write("activities", "2025-06-30.parquet", [same, activity("2025-06-02", id="A-1", participants=10)])
    write("activities", "2025-09-30.parquet", [same, same, activity("2025-06-02", id="A-1", participants=12)])
    data = load()
    rows = [same, same, same, activity("2025-06-02", id="A-1", participants=11), activity("2025-07-01", id="B")]
    rel = "activities/2025-07-31.parquet"
    checked = validate.validate("activities", pl.DataFrame(rows), rel)
    assert not checked.errors
    after = preview.with_file(data, "activities", rel, date(2025, 7, 31), checked.frame, len(rows))
    quick = change_report.changes(data, after)
    assert quick.select("change", "item").rows() == [
        ("added", "2025-06-01 · 利州区 · 政策宣讲 · 宣讲"),
        ("added", "2025-07-01 · 利州区 · 政策宣讲（编号 B）"),
    ]
    assert quick.equals(compared_in_full(monkeypatch, data, after))


def test_the_same_files_on_both_sides_are_not_resolved_again(write, load):
    write("activities", "2025-06-30.parquet", [activity("2025-06-01", title="宣讲")])
    data = load()
    assert change_report.changes(store.cut(data, date(2025, 12, 31)), data).is_empty()
    assert "events:activities" not in data.memo


@pytest.mark.parametrize("value", ["²", "-5", "1e3", "3.5", "", "九十"])
def test_a_stale_age_that_is_not_a_whole_number_of_days_is_ignored(monkeypatch, value):
    monkeypatch.setenv("GYDASH_STALE_DAYS", value)
    monkeypatch.setenv("GYDASH_STALE_DAYS_LOANS", value)
    assert freshness.stale_days("indicators") == freshness.DEFAULT_STALE_DAYS["indicators"]
    assert freshness.stale_days("loans") == freshness.DEFAULT_STALE_DAYS["loans"]
