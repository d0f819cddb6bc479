"""County comparison, the scoreboard (红黑榜) and the ?area= round trip, on small data dirs built here."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import tables
from streamlit.testing.v1 import AppTest

from gydash.plan import counties, scoreboard
from gydash.snapshots import store

ROOT = Path(__file__).resolve().parent.parent
COUNTIES = ["利州区", "昭化区", "朝天区", "旺苍县", "青川县", "剑阁县", "苍溪县"]


def _write(path: Path, rows: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pydict(rows), path)


def _indicators(d: Path, name: str, rows: list[tuple[str, int, int, float]], indicator: str = "tech_sme") -> None:
    _write(
        d / "indicators" / name,
        {
            "indicator": [indicator] * len(rows),
            "area": [r[0] for r in rows],
            "year": [r[1] for r in rows],
            "month": [r[2] for r in rows],
            "value": [r[3] for r in rows],
        },
    )


def test_compare_ranks_ties_missing_and_year_on_year(tmp_path: Path) -> None:
    d = tmp_path / "data"
    _indicators(
        d,
        "2025-06-30.parquet",
        [
            ("利州区", 2025, 6, 50.0),
            ("昭化区", 2025, 6, 30.0),
            ("朝天区", 2025, 6, 30.0),
            ("旺苍县", 2025, 6, 10.0),
            ("利州区", 2024, 6, 40.0),
        ],
    )
    _write(
        d / "targets/2025-01-01.parquet",
        {"plan": ["2024"], "indicator": ["tech_sme"], "area": ["利州区"], "year": [2025], "target": [100.0]},
    )
    table = counties.compare(store.load(d), "tech_sme", 2025, 6)
    by = {r["area"]: r for r in table.iter_rows(named=True)}
    # Competition ranks: 50 → 1; 30, 30 → 2, 2; 10 → 4; counties without a figure are unranked, never zero.
    assert [by[a]["rank"] for a in ("利州区", "昭化区", "朝天区", "旺苍县")] == [1, 2, 2, 4]
    assert by["青川县"]["rank"] is None and by["青川县"]["value"] is None
    assert table["area"].to_list()[-3:] == ["青川县", "剑阁县", "苍溪县"]
    assert by["利州区"]["yoy"] == pytest.approx(50 / 40 - 1)  # 40 → 50 is +25 %
    assert by["利州区"]["attainment"] == pytest.approx(0.5)  # 50 of its own target 100
    assert counties.average(table) == pytest.approx((50 + 30 + 30 + 10) / 4)


def _briefings(d: Path, counts: dict[str, int], year: int) -> None:
    rows = [(area, date(year, 5, 1 + i)) for area, n in counts.items() for i in range(n)]
    _write(
        d / f"activities/{year}-12-31.parquet",
        {
            "date": [r[1] for r in rows],
            "area": [r[0] for r in rows],
            "kind": ["policy_briefing"] * len(rows),
            "id": [f"B{year}-{i}" for i in range(len(rows))],
        },
    )


def _meetings(d: Path, areas: list[str], year: int) -> None:
    _write(
        d / f"activities/{year}-12-30_meetings.parquet",
        {
            "date": [date(year, 3, 1)] * len(areas),
            "area": areas,
            "kind": ["promotion_meeting"] * len(areas),
            "id": [f"M{year}-{a}" for a in areas],
        },
    )


def _ledger(d: Path, area: str, rnd: str, updated: date, uncovered: int) -> None:
    n = 3 + uncovered
    _write(
        d / f"coverage/{updated}_{area}_{rnd}.parquet",
        {
            "round": [rnd] * n,
            "updated_on": [updated] * n,
            "area": [area] * n,
            "org_name": [f"{area}组织{i}" for i in range(n)],
            "party_members": [3] * n,
            "org_coverage": ["single"] * 3 + ["none"] * uncovered,
            "work_coverage": [True] * 3 + [False] * uncovered,
        },
    )


@pytest.fixture
def board_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    # 2024: every county 2 briefings and 1 meeting, except 朝天区 with 1 briefing (unmet).
    _briefings(d, {a: (1 if a == "朝天区" else 2) for a in COUNTIES}, 2024)
    _meetings(d, ["广元市", *COUNTIES], 2024)
    for a in COUNTIES:
        _ledger(d, a, "2024-03", date(2024, 3, 20), 0)
        late = a == "旺苍县"
        _ledger(d, a, "2024-10", date(2024, 11, 5) if late else date(2024, 10, 20), 2 if a == "剑阁县" else 0)
    return d


def test_scoreboard_hand_worked(board_dir: Path) -> None:
    b = scoreboard.board(store.load(board_dir), date(2024, 12, 31))
    by = {r["area"]: r for r in b.iter_rows(named=True)}
    # Weights 0.4 duties, 0.3 ledger, 0.2 uncovered; no county targets, so weights rescale over 0.9.
    # 朝天区: duties 1 of 2 periods met (briefing unmet, meeting met) → 0.5; ledger 1.0; uncovered 1.0
    #   → (0.4×0.5 + 0.3 + 0.2) / 0.9 × 100 = 77.8
    assert by["朝天区"]["duties_score"] == pytest.approx(0.5)
    assert by["朝天区"]["score"] == pytest.approx((0.4 * 0.5 + 0.3 + 0.2) / 0.9 * 100)
    # 旺苍县: 2024-10 first update 11-05 is late → ledger 1 of 2 on time → 0.5 → (0.4 + 0.15 + 0.2) / 0.9 = 83.3
    assert by["旺苍县"]["ledger_score"] == pytest.approx(0.5)
    assert by["旺苍县"]["score"] == pytest.approx((0.4 + 0.3 * 0.5 + 0.2) / 0.9 * 100)
    # 剑阁县: 2 uncovered in its latest round → 1 − 0.4 = 0.6 → (0.4 + 0.3 + 0.12) / 0.9 = 91.1
    assert by["剑阁县"]["uncovered"] == 2
    assert by["剑阁县"]["score"] == pytest.approx((0.4 + 0.3 + 0.2 * 0.6) / 0.9 * 100)
    # The four clean counties tie at 100 and share rank 1; then 剑阁 5, 旺苍 6, 朝天 7.
    assert [by[a]["rank"] for a in ("利州区", "剑阁县", "旺苍县", "朝天区")] == [1, 5, 6, 7]
    assert any("政策宣讲 1/2" in t for t in by["朝天区"]["drags"])
    assert any("逾期 5 天" in t for t in by["旺苍县"]["drags"])
    assert any("2 个未覆盖" in t for t in by["剑阁县"]["drags"])


def test_scoreboard_uses_only_snapshots_up_to_the_quarter_end(board_dir: Path) -> None:
    # A correction dated 2025-01-10 adds 朝天区's second 2024 briefing: it must not change the 2024Q4 board.
    _write(
        board_dir / "activities/2025-01-10.parquet",
        {"date": [date(2024, 6, 1)], "area": ["朝天区"], "kind": ["policy_briefing"], "id": ["late-entry"]},
    )
    data = store.load(board_dir)
    q4 = {r["area"]: r for r in scoreboard.board(data, date(2024, 12, 31)).iter_rows(named=True)}
    q1 = {r["area"]: r for r in scoreboard.board(data, date(2025, 3, 31)).iter_rows(named=True)}
    assert q4["朝天区"]["duties_score"] == pytest.approx(0.5)
    assert q1["朝天区"]["duties_score"] == pytest.approx(1.0)


def test_a_period_not_yet_reported_at_the_quarter_end_neither_scores_nor_drags(tmp_path: Path) -> None:
    # Activities reported to 2024-09-30: 朝天区 has one 2024 briefing of two, every county its meeting. The year
    # has ended by the 2024Q4 board, but no snapshot dated by 2024-12-31 reaches its end: 待报送, not 未完成.
    d = tmp_path / "data"
    rows = [("朝天区", "policy_briefing")] + [(a, "promotion_meeting") for a in COUNTIES]
    _write(
        d / "activities/2024-09-30.parquet",
        {
            "date": [date(2024, 5, 1)] * len(rows),
            "area": [r[0] for r in rows],
            "kind": [r[1] for r in rows],
            "id": [f"A{i}" for i in range(len(rows))],
        },
    )
    # A snapshot dated after the quarter end (nothing new in it) is not in effect at the 2024Q4 cut-off.
    _write(
        d / "activities/2025-01-06.parquet",
        {"date": [date(2024, 5, 1)], "area": ["朝天区"], "kind": ["policy_briefing"], "id": ["A0"]},
    )
    data = store.load(d)
    q4 = {r["area"]: r for r in scoreboard.board(data, date(2024, 12, 31)).iter_rows(named=True)}
    assert q4["朝天区"]["duties_score"] == pytest.approx(1.0)  # only the met meeting is judged
    assert not any("政策宣讲" in t for t in q4["朝天区"]["drags"])
    # By 2025Q1 the 2025-01-06 snapshot covers 2024: the briefings are judged, and missed.
    q1 = {r["area"]: r for r in scoreboard.board(data, date(2025, 3, 31)).iter_rows(named=True)}
    assert q1["朝天区"]["duties_score"] == pytest.approx(0.5)
    assert any("政策宣讲 1/2 次，未完成" in t for t in q1["朝天区"]["drags"])


@pytest.mark.parametrize(
    ("rank", "previous", "text"),
    [(1, 3, "↑2"), (4, 3, "↓1"), (2, 2, "持平"), (2, None, "首期"), (None, 1, "未排名"), (None, None, "未排名")],
    ids=["up", "down", "same", "first", "unranked", "unranked-both"],
)
def test_rank_change_words(rank, previous, text) -> None:
    assert scoreboard.change_text(rank, previous) == text


def test_rank_change_is_computed_from_the_previous_quarters_board(board_dir: Path) -> None:
    data = store.load(board_dir)
    # 2024Q3: only the 2024-03 ledger round is due, every county on time → all tie at rank 1.
    q3 = {r["area"]: r["rank"] for r in scoreboard.board(data, date(2024, 9, 30)).iter_rows(named=True)}
    assert set(q3.values()) == {1}
    q4 = {r["area"]: r for r in scoreboard.with_change(data, date(2024, 12, 31)).iter_rows(named=True)}
    assert {a: r["previous_rank"] for a, r in q4.items()} == q3
    # 剑阁县 1 → 5, 旺苍县 1 → 6, 朝天区 1 → 7; the four clean counties stay first.
    assert [q4[a]["change"] for a in ("剑阁县", "旺苍县", "朝天区", "利州区")] == ["↓4", "↓5", "↓6", "持平"]
    # 2024Q1 is the first quarter with data: no earlier board, so no county reads as unchanged or as missing.
    first = scoreboard.with_change(data, date(2024, 3, 31))
    assert set(first["change"]) <= {"首期", "未排名"} and "—" not in first["change"].to_list()


def _board_words(at: AppTest) -> list[str]:
    board = next(df for df in tables(at) if "较上季" in df.columns)
    return list(board["较上季"])


def test_page_and_meeting_pack_show_the_same_rank_change_words(board_dir: Path, monkeypatch) -> None:
    from gydash.meeting import sections

    monkeypatch.setenv("GYDASH_DATA_DIR", str(board_dir))
    monkeypatch.setenv("GYDASH_TODAY", "2025-01-15")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/counties.py").run()
    assert not at.exception, [e.value for e in at.exception]
    page = _board_words(at)
    assert sorted(page) == sorted(["持平"] * 4 + ["↓4", "↓5", "↓6"])
    assert any("持平＝名次不变" in c.value for c in at.caption)
    built = sections.build(board_dir, date(2024, 12, 31), "2024")
    (_caption, table), *_ = built.section("scoreboard").tables
    assert table["较上季"].to_list() == page
    assert "持平＝名次不变" in built.section("scoreboard").note
    # 2025Q1: every county keeps its 2024Q4 rank; the talking points say so rather than staying silent.
    q1 = sections.build(board_dir, date(2025, 3, 31), "2024").section("scoreboard")
    assert set(q1.tables[0][1]["较上季"]) == {"持平"} and q1.points[-1] == "名次较上季度：各县区均持平"


@pytest.mark.parametrize(
    ("day", "end"),
    [
        (date(2025, 11, 26), date(2025, 9, 30)),
        (date(2025, 3, 31), date(2025, 3, 31)),
        (date(2025, 2, 1), date(2024, 12, 31)),
    ],
)
def test_quarter_end(day: date, end: date) -> None:
    assert scoreboard.quarter_end(day) == end


def test_area_query_parameter_round_trip(board_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GYDASH_DATA_DIR", str(board_dir))
    monkeypatch.setenv("GYDASH_TODAY", "2025-01-15")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["area"] = "旺苍"  # a short name in a link works as well as the code
    at.run()
    assert any("关注县区" in m.value and "旺苍县" in m.value for m in at.sidebar.markdown)
    at.switch_page("pages/counties.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.main.radio[0].value == "510821"  # the county choice, set by the link
    assert any("★ 旺苍县" in df.to_string() for df in tables(at))
    at.switch_page("pages/overview.py").run()  # the county follows the official to another page
    assert at.query_params["area"] in ("510821", ["510821"])


def test_a_quarter_with_nothing_to_judge_gives_an_unranked_board(tmp_path: Path) -> None:
    d = tmp_path / "data"
    # Before the plan starts (2024) no duty period, ledger round or county target is due.
    _indicators(d, "2023-06-30.parquet", [("利州区", 2023, 6, 50.0)])
    b = scoreboard.with_change(store.load(d), date(2023, 6, 30))
    assert b.height == 7
    assert b["score"].dtype == pl.Float64 and b["score"].null_count() == 7
    assert b["rank"].null_count() == 7 and set(b["change"]) == {"未排名"}


def test_followed_county_preselects_duties_and_filters_the_follow_up_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GYDASH_DATA_DIR", str(ROOT / "data"))
    monkeypatch.setenv("GYDASH_TODAY", "2026-11-26")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["area"] = "剑阁县"
    at.run()
    at.session_state["duty_view"] = "完成情况日历"  # the official opens the calendar
    at.switch_page("pages/duties.py").run()
    assert not at.exception
    assert at.selectbox(key="duty_cell_area").value == "剑阁县"
    at.session_state["coverage_view"] = "清零与待跟进"  # the official opens the follow-up list
    at.switch_page("pages/coverage.py").run()
    assert not at.exception
    follow = next(df for df in tables(at) if "跟进原因" in df.columns)
    # The bundled sample's 2026-10 round leaves two uncovered organisations in 剑阁县 (and one in 旺苍县).
    assert set(follow["县区"]) == {"剑阁县"} and len(follow) >= 2


def test_county_trends_chart_sends_only_what_it_draws() -> None:
    """Each viewer's browser gets the small multiples' points (county, period, value), not the series' files,
    sources and revision columns: at full scale those made the chart 150 kB a view."""
    from gydash import charts

    data = store.load(ROOT / "data")
    trends = counties.trends(data, "tech_sme")
    assert {"file", "source", "as_of"} <= set(trends.columns)
    spec = charts.small_multiples(trends, "家").to_dict()
    [rows] = spec["datasets"].values()
    assert {tuple(sorted(r)) for r in rows} == {("period", "short", "value")}
    assert len(rows) == trends.height
