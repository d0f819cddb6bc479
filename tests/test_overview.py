"""The app shell and the 目标进度 overview, run by AppTest on small data dirs built here."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import html_words, tables
from streamlit.testing.v1 import AppTest

from gydash import summary
from gydash.base import fmt, plan
from gydash.base.clock import today
from gydash.snapshots import looks, store

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
CITY = "广元市"


def _write(path: Path, rows: dict, sample: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pydict(rows)
    if sample:
        table = table.replace_schema_metadata({b"gydash_sample": b"1"})
    pq.write_table(table, path)


def _indicator_rows(*rows: tuple[str, int, int, float]) -> dict:
    return {
        "indicator": [r[0] for r in rows],
        "area": [CITY] * len(rows),
        "year": [r[1] for r in rows],
        "month": [r[2] for r in rows],
        "value": [r[3] for r in rows],
    }


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """hitech_enterprise revised 50 → 52 for 2025-09; tech_sme reported; a rejected file; the rest without data."""
    d = tmp_path / "data"
    _write(
        d / "indicators/2025-09-30.parquet",
        _indicator_rows(
            ("hitech_enterprise", 2023, 12, 40.0),
            ("hitech_enterprise", 2025, 9, 50.0),
            ("tech_sme", 2023, 12, 300.0),
            ("tech_sme", 2025, 9, 480.0),
        ),
    )
    _write(d / "indicators/2025-10-15_revised.parquet", _indicator_rows(("hitech_enterprise", 2025, 9, 52.0)))
    _write(d / "indicators/2025-10-20.parquet", _indicator_rows(("no_such_indicator", 2025, 9, 1.0)))
    monkeypatch.setenv("GYDASH_DATA_DIR", str(d))
    monkeypatch.setenv("GYDASH_TODAY", "2025-11-01")
    return d


def _run() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.body for e in at.error] + [w.body for w in at.warning]
    return "\n".join(parts) + "\n" + html_words(at, 'class="gy-cards')


def test_overview_shows_summary_figures(data_dir: Path) -> None:
    at = _run()
    text = _texts(at)
    obj = summary.build(store.load(data_dir), today())
    city = [t for t in obj["targets"] if t["area"] == CITY and t["plan"] == plan.BUILTIN_PLAN]
    assert len(city) == 5
    # The page's figures are the summary's figures: each reported actual appears formatted with its unit.
    for t in city:
        if t["actual"] is not None:
            assert fmt.actual(t) in text, t["indicator"]
    # hitech 52 of 60 → 86.7 %; expected by 2025-09 from 40 at 2023-12: 40 + 20 × 21/24 = 57.5 → pace 95.8 %
    assert "52 家" in text and "86.7%" in text and "95.8%" in text
    # the gap in the target's unit too: 57.5 − 52 = 5.5 家 short of pace; the card names the figure's period
    assert "完成率 86.7%，落后序时进度 9.2 个百分点（约 6 家）" in text
    assert "2025 年 9 月末\n目标 60 家" in text
    assert "5 项目标：" in text and "3 项无数据" in text


def test_revision_rejected_file_and_no_data_are_visible(data_dir: Path) -> None:
    at = _run()
    text = _texts(at)
    assert "✎ 数据已修订，见下方逐项详情" in text  # on the card; the wording is in the target's own details
    assert "数据已修订" not in text.replace("✎ 数据已修订，见下方逐项详情", "")
    at.session_state["target_detail"] = "高新技术企业"  # the official opens that target's tab
    text = _texts(at.run())
    assert "数据已修订：原为 50 家（indicators/2025-09-30.parquet），现为 52 家" in text
    assert "有 **1** 个数据文件未通过检查" in text
    assert "无数据" in text
    assert "示例数据" not in text  # real files: no sample banner


def test_sample_files_show_the_banner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    d = tmp_path / "data"
    _write(d / "indicators/2025-06-30.parquet", _indicator_rows(("tech_sme", 2025, 6, 400.0)), sample=True)
    monkeypatch.setenv("GYDASH_DATA_DIR", str(d))
    at = _run()
    assert any("示例数据" in w.body for w in at.sidebar.warning)


def test_bundled_data_passes_and_shows_final_verdicts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GYDASH_DATA_DIR", str(ROOT / "data"))
    at = _run()
    text = _texts(at)
    assert "✓ 完成" in text and "✗ 未完成" in text
    assert any("示例数据" in w.body for w in at.sidebar.warning)


def test_plan_selector_switches_to_a_later_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GYDASH_DATA_DIR", str(ROOT / "data"))
    at = _run()
    box = at.sidebar.radio(key="plan")
    assert box.options == ["《党建引领科技创新高质量发展实施方案》（2024）", "2026年度目标"]
    box.set_value("2026年度目标").run()
    assert not at.exception
    text = _texts(at)
    # 2026 plan, hitech 66 at 2026-12 from 57 at 2025-12; 61 at 2026-09 → pace (57 + 9 × 9/12) / 66 = 96.6 %
    assert "61 家" in text and "96.6%" in text


def test_every_page_runs(data_dir: Path) -> None:
    at = _run()
    pages = [
        "pages/duties.py",
        "pages/coverage.py",
        "pages/commendations.py",
        "pages/counties.py",
        "pages/meeting.py",
        "pages/data.py",
    ]
    for page in pages:
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
    # The data page lists the rejected file's reasons: row, column and the offending value.
    assert any("no_such_indicator" in df.to_string() for df in tables(at))


def test_headline_counts_statuses() -> None:
    rows = [{"status_label": s} for s in ("达标", "达标", "滞后", "无数据")]
    assert summary.progress.headline(rows) == "4 项目标：2 项达标，1 项滞后，1 项无数据"


def test_frames_are_not_reread_on_rerun(data_dir: Path) -> None:
    at = _run()
    before = store.reads()
    at.run()
    assert store.reads() == before


def test_fmt_trims_amounts() -> None:
    assert fmt.number(286.30, "亿元") == "286.3 亿元"
    assert fmt.number(57.0, "家") == "57 家"


@pytest.mark.parametrize(
    "text",
    [
        "[点我](javascript:alert(1))",
        "<img src=x onerror=alert(1)>",
        "**粗体** _斜体_ `代码` $x$ :red[红]",
        "a\\b",
        "- 列表",
        "# 标题",
    ],
    ids=["link", "html", "markdown-and-directives", "backslash", "list-marker", "heading"],
)
def test_md_escapes_every_markup_character(text: str) -> None:
    import re

    escaped = fmt.md(text)
    # Every markup character is preceded by a backslash, and removing the escapes gives back what staff typed.
    assert re.sub(r"\\(.)", r"\1", escaped) == text
    assert not re.search(r"(?<!\\)[\[\]()<>*_`$:#]", escaped.replace("\\\\", ""))
    assert not re.match(r"\s*[-+]\s", escaped)
    assert fmt.md("完成目标 93.3%") == "完成目标 93.3%"  # figures stay readable in the page source


def test_one_look_at_the_data_dir_per_rerun(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sidebar and the page share one look per run, and pages that compare with a date or a quarter end cut
    that same look: a rerun stats the thousands of files once at most, not once per use (and not at all when
    the kernel reports nothing changed, see test_watch; full scans are asked for here to count them)."""
    monkeypatch.setenv("GYDASH_FULL_SCAN", "1")
    at = _run()
    scans: list[Path] = []
    real = looks.scan
    monkeypatch.setattr(looks, "scan", lambda root, *args: scans.append(root) or real(root, *args))
    for page in ("pages/overview.py", "pages/counties.py", "pages/meeting.py", "pages/data.py"):
        at.switch_page(page).run()
        scans.clear()
        at.run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert len(scans) == 1, page
    scans.clear()
    at.session_state["data_tab"] = "变化对比"
    at.run()
    assert len(scans) == 1 and at.date_input(key="since").value


def test_county_targets_say_the_gap_in_the_targets_unit(data_dir: Path) -> None:
    county = {"indicator": ["hitech_enterprise"], "area": ["利州区"], "year": [2025], "month": [9], "value": [15.0]}
    _write(data_dir / "indicators/2025-10-25.parquet", county)
    target = {
        "plan": ["2024"],
        "indicator": ["hitech_enterprise"],
        "area": ["利州区"],
        "year": [2025],
        "month": [12],
        "target": [18.0],
        "kind": ["level"],
        "base_year": [2023],
    }
    _write(data_dir / "targets/2025-10-25.parquet", target)
    at = _run()
    [table] = [df for df in tables(at) if "县区" in df.columns and "与目标差距" in df.columns]
    assert table.iloc[0][["县区", "实际", "目标", "与目标差距"]].tolist() == ["利州区", "15 家", "18 家", "差目标 3 家"]
