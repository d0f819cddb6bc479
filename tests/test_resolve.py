"""resolve: the newest snapshot wins per key with its history kept, city figures fall back to county sums,
events count once, the ledger's newest county file replaces earlier ones, and targets are data."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import activity, coverage_row, ind

from gydash.plan import ledger
from gydash.snapshots import key_history, resolve

LIZHOU, ZHAOHUA, CANGXI, CITY = "510802", "510811", "510824", "510800"


def one(frame, **key) -> dict:
    rows = frame.filter(**key).to_dicts()
    assert len(rows) == 1, rows
    return rows[0]


# --- indicators -------------------------------------------------------------------------------------------------


def test_newest_snapshot_wins_and_keeps_what_it_replaced(write, load):
    write("indicators", "2025-03-31.parquet", [ind("hitech_enterprise", "利州区", 2024, 12, 10.0)])
    write("indicators", "2025-06-30.parquet", [ind("hitech_enterprise", "利州", 2024, 12, 12.0)])
    data = load()
    got = one(resolve.indicator_values(data), area=LIZHOU)
    assert (got["value"], got["file"], got["as_of"]) == (12.0, "indicators/2025-06-30.parquet", date(2025, 6, 30))
    assert got["revised"] is True
    assert (got["previous_value"], got["previous_file"]) == (10.0, "indicators/2025-03-31.parquet")
    assert got["since"] == date(2025, 6, 30)
    history = resolve.indicator_history(data, "hitech_enterprise", LIZHOU, 2024, 12)
    assert history.select("value", "file").rows() == [
        (10.0, "indicators/2025-03-31.parquet"),
        (12.0, "indicators/2025-06-30.parquet"),
    ]


def test_resent_identical_value_is_not_a_revision(write, load):
    write("indicators", "2025-03-31.parquet", [ind("hitech_enterprise", "利州区", 2024, 12, 10.0)])
    write("indicators", "2025-06-30.parquet", [ind("hitech_enterprise", "510802", 2024, 12, 10.0)])
    got = one(resolve.indicator_values(load()), area=LIZHOU)
    assert got["revised"] is False
    assert got["previous_value"] is None
    assert got["file"] == "indicators/2025-06-30.parquet"
    assert got["since"] == date(2025, 3, 31)  # unchanged since the first time it was reported


def test_value_changed_back_is_a_revision_from_the_middle_value(write, load):
    key = ("hitech_enterprise", "利州区", 2024, 12)
    write("indicators", "2025-03-31.parquet", [ind(*key, 10.0)])
    write("indicators", "2025-06-30.parquet", [ind(*key, 12.0)])
    write("indicators", "2025-09-30.parquet", [ind(*key, 10.0)])
    got = one(resolve.indicator_values(load()), area=LIZHOU)
    assert (got["value"], got["revised"], got["previous_value"]) == (10.0, True, 12.0)
    assert got["since"] == date(2025, 9, 30)


def test_same_date_revised_file_wins_by_name(write, load):
    key = ("tech_sme", "昭化区", 2025, 6)
    write("indicators", "2025-09-30_revised.parquet", [ind(*key, 41.0)])
    write("indicators", "2025-09-30.parquet", [ind(*key, 40.0)])
    got = one(resolve.indicator_values(load()), area=ZHAOHUA)
    assert (got["value"], got["previous_value"]) == (41.0, 40.0)


def test_keys_missing_from_the_newest_file_keep_their_older_value(write, load):
    write(
        "indicators",
        "2025-03-31.parquet",
        [ind("tech_sme", "利州区", 2024, 12, 100.0), ind("tech_sme", "昭化区", 2024, 12, 30.0)],
    )
    write("indicators", "2025-06-30.parquet", [ind("tech_sme", "利州区", 2024, 12, 101.0)])
    values = resolve.indicator_values(load())
    assert sorted(values.select("area", "value").rows()) == [(LIZHOU, 101.0), (ZHAOHUA, 30.0)]


def test_rows_of_a_rejected_file_do_not_count(write, load):
    write("indicators", "2025-03-31.parquet", [ind("tech_sme", "利州区", 2024, 12, 100.0)])
    write(
        "indicators",
        "2025-06-30.parquet",
        [ind("tech_sme", "利州区", 2024, 12, 999.0), ind("tech_sme", "利州区", 2024, 13, 1.0)],
    )
    got = one(resolve.indicator_values(load()), area=LIZHOU)
    assert (got["value"], got["revised"]) == (100.0, False)


# --- city figure ---------------------------------------------------------------------------------------------------


def test_city_row_wins_over_county_sum(write, load):
    write(
        "indicators",
        "2025-03-31.parquet",
        [
            ind("hitech_enterprise", "广元市", 2024, 12, 50.0),
            ind("hitech_enterprise", "利州区", 2024, 12, 20.0),
            ind("hitech_enterprise", "昭化区", 2024, 12, 5.0),
        ],
    )
    got = one(resolve.series(load()), area=CITY)
    assert (got["value"], got["derived"], got["counties"]) == (50.0, False, None)


def test_city_derived_from_county_sum_when_not_reported(write, load):
    write(
        "indicators",
        "2025-03-31.parquet",
        [
            ind("conversion_output", "利州区", 2024, 12, 100.5, source="利州统计局"),
            ind("conversion_output", "昭化区", 2024, 12, 20.25),
        ],
    )
    write("indicators", "2025-04-30.parquet", [ind("conversion_output", "苍溪县", 2024, 12, 30.0)])
    series = resolve.series(load())
    got = one(series, area=CITY)
    # 100.5 + 20.25 + 30.0 = 150.75 from three counties
    assert got["value"] == pytest.approx(150.75)
    assert (got["derived"], got["counties"]) == (True, 3)
    assert got["file"] == "indicators/2025-03-31.parquet; indicators/2025-04-30.parquet"
    assert got["as_of"] == date(2025, 4, 30)
    assert one(series, area=CANGXI)["derived"] is False  # the county rows themselves stay as reported


def test_a_derived_city_figure_names_each_source_once_in_order_and_none_when_no_county_gave_one(write, load):
    write(
        "indicators",
        "2025-03-31.parquet",
        [
            ind("conversion_output", "利州区", 2024, 12, 1.0, source="市统计局"),
            ind("conversion_output", "昭化区", 2024, 12, 2.0, source="区科技局"),
            ind("conversion_output", "苍溪县", 2024, 12, 3.0, source="市统计局"),
            ind("conversion_output", "利州区", 2024, 11, 1.0),
            ind("conversion_output", "昭化区", 2024, 11, 2.0),
        ],
    )
    series = resolve.series(load())
    assert one(series, area=CITY, month=12)["source"] == "区科技局; 市统计局"
    assert one(series, area=CITY, month=11)["source"] is None


def test_non_additive_indicator_is_never_summed(write, load):
    write(
        "indicators",
        "2025-03-31.parquet",
        [ind("rd_intensity", "利州区", 2024, 12, 2.1), ind("rd_intensity", "昭化区", 2024, 12, 1.4)],
    )
    series = resolve.series(load())
    assert series.filter(area=CITY).is_empty()
    assert sorted(series["area"].to_list()) == [LIZHOU, ZHAOHUA]


def test_city_derived_per_period(write, load):
    # 2024-12 has a city row; 2025-06 does not, so only that period is derived (8 + 3 = 11).
    write(
        "indicators",
        "2025-07-31.parquet",
        [
            ind("tech_sme", "全市", 2024, 12, 10.0),
            ind("tech_sme", "利州区", 2025, 6, 8.0),
            ind("tech_sme", "昭化区", 2025, 6, 3.0),
        ],
    )
    city = resolve.series(load()).filter(area=CITY).sort("year")
    assert city.select("year", "value", "derived").rows() == [(2024, 10.0, False), (2025, 11.0, True)]


# --- events --------------------------------------------------------------------------------------------------------


def test_event_with_id_newest_row_wins(write, load):
    write("activities", "2025-03-31.parquet", [activity("2025-03-05", id="A1", participants=10)])
    write("activities", "2025-06-30.parquet", [activity("2025-03-05", id="A1", participants=20)])
    events = resolve.events(load(), "activities")
    assert events.select("id", "participants", "file").rows() == [("A1", 20, "activities/2025-06-30.parquet")]


def test_idless_identical_rows_across_files_count_once(write, load):
    row = activity("2025-03-05", title="政策宣讲会")
    write("activities", "2025-03-31.parquet", [row])
    write("activities", "2025-06-30.parquet", [row, activity("2025-05-05", title="第二场")])
    events = resolve.events(load(), "activities")
    assert sorted(events["title"].to_list()) == ["政策宣讲会", "第二场"]


def test_row_repeated_in_one_file_counts_that_many_times(write, load):
    # Two identical briefings on the same day (e.g. morning and afternoon) written as two rows.
    row = activity("2025-03-05")
    write("activities", "2025-03-31.parquet", [row, row])
    write("activities", "2025-06-30.parquet", [row])  # re-sent once later: still two events, not three
    assert resolve.events(load(), "activities").height == 2


def test_events_from_a_rejected_file_are_not_counted(write, load):
    write("activities", "2025-03-31.parquet", [activity("2025-03-05")])
    write("activities", "2025-06-30.parquet", [activity("2025-05-05"), activity("2025-05-06", kind="茶话会")])
    events = resolve.events(load(), "activities")
    assert events["date"].to_list() == [date(2025, 3, 5)]


def test_loans_follow_the_same_rules(write, load):
    loan = {"date": "2025-03-05", "area": "利州区", "enterprise": "天华科技", "amount_wan": 500.0}
    write("loans", "2025-03-31.parquet", [loan, loan | {"id": "L2", "amount_wan": 300.0}])
    write("loans", "2025-06-30.parquet", [loan, loan | {"id": "L2", "amount_wan": 350.0}])
    loans = resolve.events(load(), "loans")
    # 500 (id-less, sent twice: once) + 350 (L2's newest) = 850 万元
    assert loans["amount_wan"].sum() == 850.0


# --- commendations -------------------------------------------------------------------------------------------------


def test_commendation_newest_snapshot_wins_per_key(write, load):
    first = {"year": 2025, "category": "model_case", "name": "天华科技党支部", "area": "利州区"}
    other = first | {"name": "嘉陵党支部"}
    write("commendations", "2025-06-30.parquet", [first, other])
    write("commendations", "2025-12-31.parquet", [first | {"area": "昭化区", "organization": "天华科技"}])
    got = resolve.commendations(load()).sort("name")
    assert got.select("name", "area", "organization", "file").rows() == [
        ("嘉陵党支部", LIZHOU, None, "commendations/2025-06-30.parquet"),
        ("天华科技党支部", ZHAOHUA, "天华科技", "commendations/2025-12-31.parquet"),
    ]


# --- coverage ledger -----------------------------------------------------------------------------------------------


def test_newest_county_file_replaces_its_round_entirely(write, load):
    write(
        "coverage",
        "2025-03-20_利州区.parquet",
        [coverage_row("甲公司", updated_on="2025-03-20"), coverage_row("乙公司", updated_on="2025-03-20")],
    )
    write("coverage", "2025-03-25_昭化区.parquet", [coverage_row("丙公司", area="昭化区", updated_on="2025-03-25")])
    write("coverage", "2025-04-10_利州区.parquet", [coverage_row("甲公司", updated_on="2025-04-10", party_members=5)])
    write("coverage", "2024-10-15_利州区.parquet", [coverage_row("乙公司", rnd="2024-10", updated_on="2024-10-15")])
    data = load()
    rows = resolve.ledger_rows(data)
    # 乙公司 left 利州区's 2025-03 ledger; 昭化区 and the earlier round are untouched.
    assert rows.select("round", "area", "org_name", "party_members").rows() == [
        ("2024-10", LIZHOU, "乙公司", 3),
        ("2025-03", LIZHOU, "甲公司", 5),
        ("2025-03", ZHAOHUA, "丙公司", 3),
    ]
    # Timeliness is the ledger module's judgement (first update), over the same rows.
    subs = ledger.status(data, date(2025, 5, 1))
    lizhou = one(subs, area=LIZHOU, round="2025-03")
    assert lizhou["first_updated_on"] == date(2025, 3, 20)
    assert lizhou["first_file"] == "coverage/2025-03-20_利州区.parquet"
    assert lizhou["latest_file"] == "coverage/2025-04-10_利州区.parquet"
    assert lizhou["submissions"] == 2


def test_one_file_for_all_counties_then_a_county_update(write, load):
    write(
        "coverage",
        "2025-03-31_全市汇总.parquet",
        [coverage_row("甲公司"), coverage_row("丙公司", area="昭化区")],
    )
    write("coverage", "2025-04-02_昭化区.parquet", [coverage_row("丁公司", area="昭化区", updated_on="2025-04-02")])
    rows = resolve.ledger_rows(load())
    assert sorted(rows.select("area", "org_name").rows()) == [(LIZHOU, "甲公司"), (ZHAOHUA, "丁公司")]


# --- targets -------------------------------------------------------------------------------------------------------


def target(**row) -> dict:
    return {"plan": "2024", "indicator": "hitech_enterprise", "area": "广元市", "year": 2025, "kind": "level"} | row


def test_target_rows_add_county_targets_and_replace_builtin_ones(write, load):
    write(
        "targets",
        "2025-01-15.parquet",
        [target(area="利州区", target=18.0), target(plan="2024方案", target=65.0)],
    )
    targets = resolve.targets(load())
    hitech = targets.filter(indicator="hitech_enterprise").sort("area")
    assert hitech.select("plan", "area", "target", "file").rows() == [
        ("2024", CITY, 65.0, "targets/2025-01-15.parquet"),
        ("2024", LIZHOU, 18.0, "targets/2025-01-15.parquet"),
    ]
    assert set(hitech["clause"]) == {"二"}  # the clause of the plan's own target is kept
    # the other four built-in targets are still there, from the plan's text
    rest = targets.filter(indicator="tech_sme")
    assert rest.select("target", "file").rows() == [(500.0, "内置（方案原文）")]
    assert targets.height == 6


def test_newer_target_file_wins(write, load):
    write("targets", "2025-01-15.parquet", [target(area="利州区", target=18.0)])
    write("targets", "2025-06-15.parquet", [target(area="利州", target=20.0)])
    got = one(resolve.targets(load()), area=LIZHOU)
    assert (got["target"], got["file"]) == (20.0, "targets/2025-06-15.parquet")


def test_targets_in_effect_follow_every_change_of_the_targets_files_only(write, load):
    """The targets in effect are worked out again for a new, replaced or removed targets file and at a cut-off,
    and stay what they were when another dataset gets a new file."""
    first = write("targets", "2025-01-15.parquet", [target(area="利州区", target=18.0)])
    assert one(resolve.targets(load()), area=LIZHOU)["target"] == 18.0
    write("activities", "2025-02-01.parquet", [activity("2025-01-20")])
    assert one(resolve.targets(load()), area=LIZHOU)["target"] == 18.0
    later = write("targets", "2025-06-15.parquet", [target(area="利州区", target=20.0)])
    assert one(resolve.targets(load()), area=LIZHOU)["target"] == 20.0
    assert one(resolve.targets(load(cutoff=date(2025, 3, 31))), area=LIZHOU)["target"] == 18.0
    write("targets", "2025-06-15.parquet", [target(area="利州区", target=25.0)], mtime=later.stat().st_mtime + 5)
    assert one(resolve.targets(load()), area=LIZHOU)["target"] == 25.0
    later.unlink()
    first.unlink()
    assert resolve.targets(load()).filter(area=LIZHOU).is_empty()


def test_targets_without_a_targets_file_are_the_builtin_plan(load):
    targets = resolve.targets(load())
    assert sorted(targets.select("indicator", "target").rows()) == [
        ("conversion_output", 300.0),
        ("hitech_enterprise", 60.0),
        ("hitech_revenue", 450.0),
        ("tech_contract_turnover", 0.15),
        ("tech_sme", 500.0),
    ]
    assert set(targets["plan"]) == {"2024"}


# --- same-date snapshots: the later file name wins ----------------------------------------------------------------

SUBFOLDER, REVISED = "2025/2025-09-30.parquet", "2025-09-30_revised.parquet"


def test_same_date_the_later_file_name_wins_not_the_later_path(write, load):
    # By path, "indicators/2025/…" sorts after "indicators/2025-09-30_revised…" ('/' > '-'); by file name,
    # "2025-09-30_revised.parquet" sorts after "2025-09-30.parquet": the README's rule is the file name.
    write("indicators", SUBFOLDER, [ind("tech_sme", "利州区", 2025, 9, 40.0)])
    write("indicators", REVISED, [ind("tech_sme", "利州区", 2025, 9, 42.0)])
    data = load()
    got = one(resolve.indicator_values(data), area=LIZHOU)
    assert (got["value"], got["file"]) == (42.0, f"indicators/{REVISED}")
    history = resolve.indicator_history(data, "tech_sme", LIZHOU, 2025, 9)
    assert history["file"].to_list() == [f"indicators/{SUBFOLDER}", f"indicators/{REVISED}"]
    notes = [n for n in data.notes(date(2026, 1, 1)) if "快照日期相同" in n.message]
    assert [n.file for n in notes] == [f"indicators/{REVISED}"]  # the note sits on the file that wins


def test_same_date_rule_holds_for_events_commendations_targets_and_the_ledger(write, load):
    write("activities", SUBFOLDER, [activity("2025-09-05", id="A1", title="旧标题")])
    write("activities", REVISED, [activity("2025-09-05", id="A1", title="新标题")])
    row = {"year": 2025, "category": "model_case", "name": "甲组织", "area": "利州区"}
    write("commendations", SUBFOLDER, [row | {"organization": "旧单位"}])
    write("commendations", REVISED, [row | {"organization": "新单位"}])
    target = {"plan": "2024", "indicator": "tech_sme", "area": "利州区", "year": 2025}
    write("targets", SUBFOLDER, [target | {"target": 100.0}])
    write("targets", REVISED, [target | {"target": 120.0}])
    write("coverage", SUBFOLDER, [coverage_row("甲", updated_on="2025-03-20")])
    write("coverage", REVISED, [coverage_row("乙", updated_on="2025-03-20")])
    data = load()
    assert resolve.events(data, "activities")["title"].to_list() == ["新标题"]
    assert resolve.commendations(data)["organization"].to_list() == ["新单位"]
    mine = resolve.targets(data).filter(area=LIZHOU, indicator="tech_sme", year=2025)
    assert mine["target"].to_list() == [120.0]
    assert resolve.ledger_rows(data)["org_name"].to_list() == ["乙"]
    rnd = one(ledger.status(data, date(2025, 4, 1)), area=LIZHOU, round="2025-03")
    assert rnd["latest_file"] == f"coverage/{REVISED}"
    files = key_history.ledger_round_history(data, LIZHOU, "2025-03").select("file", "in_use").rows()
    assert files == [(f"coverage/{SUBFOLDER}", "已被后来的文件替换"), (f"coverage/{REVISED}", "✓ 当前采用")]


def test_equal_file_names_in_different_subfolders_have_a_fixed_order(write, load):
    write("indicators", "a/2025-09-30.parquet", [ind("tech_sme", "利州区", 2025, 9, 1.0)])
    write("indicators", "b/2025-09-30.parquet", [ind("tech_sme", "利州区", 2025, 9, 2.0)])
    assert one(resolve.indicator_values(load()), area=LIZHOU)["file"] == "indicators/b/2025-09-30.parquet"
