"""The meeting pack opened back: PPTX with python-pptx, PDF text with pypdf — stamps, titles, Chinese, numbers."""

from __future__ import annotations

import io
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from conftest import ind
from fontTools.ttLib import TTFont
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn
from pypdf import PdfReader
from pypdf.generic import NameObject

from gydash import cli
from gydash.base import fmt, plan
from gydash.meeting import pack_parts, pack_pdf, pack_pptx, pack_style, render, sections
from gydash.plan import progress, scoreboard
from gydash.snapshots import store

ROOT = Path(__file__).resolve().parent.parent
END = date(2025, 12, 31)
TITLES = ["主要目标完成情况", "责任落实", "两个覆盖台账与动态清零", "表扬推荐（2025 年）", "县区红黑榜（2025Q4）"]
TITLES += ["较上季度变化（2025Q3 → 2025Q4）", "下一步工作"]


def squash(text: str) -> str:
    """Text to compare without whitespace (line breaks fall anywhere in Chinese text)."""
    return re.sub(r"\s+", "", text)


def pdf_text(data: bytes) -> list[str]:
    """Each page's text. fpdf2 writes the CFF font with 2-byte codes, declared in an embedded CMap that pypdf
    reads as a 1-byte encoding; telling it Identity-H (2-byte codes, Unicode from the ToUnicode map) gives the
    text that poppler's pdftotext extracts from the file as it is."""
    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font.get_object()[NameObject("/Encoding")] = NameObject("/Identity-H")
    return [page.extract_text() for page in reader.pages]


def cjk_cmap() -> dict[int, str]:
    f = render.font()
    with TTFont(f.path, fontNumber=f.index, lazy=True) as face:
        return face.getBestCmap()


@pytest.fixture(scope="module")
def built() -> pack_parts.Pack:
    return sections.build(ROOT / "data", END, "2024")


@pytest.fixture(scope="module")
def slides(built) -> Presentation:
    return Presentation(io.BytesIO(pack_pptx.pptx(built)))


@pytest.fixture(scope="module")
def pdf_bytes(built) -> bytes:
    return pack_pdf.pdf(built)


@pytest.fixture(scope="module")
def pdf_pages(pdf_bytes) -> list[str]:
    return pdf_text(pdf_bytes)


def slide_text(slide) -> str:
    return "\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)


def test_sections_in_order(built) -> None:
    assert [s.title for s in built.sections] == TITLES
    assert built.title == "2025 年第四季度工作汇报"
    assert built.stamp.quarter == "2025Q4" and built.stamp.as_of == END and built.stamp.sample


@pytest.mark.cjk_font
def test_pptx_is_16_9_with_a_title_slide_a_slide_per_section_and_the_appendix(built, slides) -> None:
    assert slides.slide_width * 9 == slides.slide_height * 16
    texts = [slide_text(s) for s in slides.slides]
    assert "2025 年第四季度工作汇报" in texts[0] and "《党建引领科技创新高质量发展实施方案》（2024）" in texts[0]
    for title, text in zip(TITLES, texts[1:8], strict=True):
        assert text.startswith(title), (title, text[:40])
    assert texts[8].startswith("数据来源")
    assert len(texts) == 1 + len(TITLES) + 1  # 81 files fit on one appendix slide
    for rel, short in built.stamp.files:
        assert f"{rel}  {short}" in texts[8]
    stamp = built.stamp.line()
    for number, text in enumerate(texts, 1):
        assert stamp in text and f"{number} / {len(texts)}" in text
    assert "2025Q4" in stamp and "数据截至 2025-12-31" in stamp and "快照 81 个" in stamp and "示例数据" in stamp


@pytest.mark.cjk_font
def test_pptx_section_slides_carry_their_chart_points_and_east_asian_font(built, slides) -> None:
    for section, slide in zip(built.sections, list(slides.slides)[1:8], strict=True):
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert len(pictures) == (1 if section.chart else 0), section.key
        text = slide_text(slide)
        assert section.points[0].replace("✗", "×") in text
        assert slide.notes_slide.notes_text_frame.text.startswith(section.points[0])
    runs = [r for s in slides.slides[1].shapes if s.has_text_frame for p in s.text_frame.paragraphs for r in p.runs]
    eastern = {r._r.rPr.find(qn("a:ea")).get("typeface") for r in runs}
    assert eastern == {pack_pptx.SLIDE_FONT}
    assert "全市高新技术企业 2025 年末 57 家，到期未完成：完成率 95.0%，差目标 3 家" in slide_text(slides.slides[1])


@pytest.mark.cjk_font
def test_every_pdf_page_is_stamped_and_the_appendix_lists_the_files(built, pdf_pages) -> None:
    assert len(pdf_pages) >= 1 + len(TITLES) + 1
    stamp = squash(built.stamp.line())
    for page in pdf_pages:
        assert stamp in squash(page)
    joined = squash("\n".join(pdf_pages))
    for number, title in enumerate(TITLES, 1):
        assert squash(f"{number}. {title}") in joined
    appendix = squash("\n".join(p for p in pdf_pages if "SHA-256" in p))
    for rel, short in built.stamp.files:
        assert squash(rel) in appendix and short in appendix


@pytest.mark.cjk_font
def test_pdf_numbers_are_the_dashboards_for_that_quarter(pdf_pages) -> None:
    text = squash("\n".join(pdf_pages))
    cut = store.load(ROOT / "data", cutoff=END)  # what every page shows for this quarter
    city = [r for r in progress.target_progress(cut, "2024") if r["area_code"] == plan.CITY]
    assert len(city) == 5
    for r in city:
        assert squash(f"{r['name']}") in text
        assert squash(fmt.actual(r)) in text and fmt.percent(r["progress"]) in text
    board = scoreboard.with_change(cut, END, "2024")
    for r in board.iter_rows(named=True):
        assert squash(f"{r['area']}{fmt.number(r['score'], digits=1)}") in text
    assert squash("全市高新技术企业2025年末57家，到期未完成：完成率95.0%，差目标3家") in text


@pytest.mark.cjk_font
def test_pdf_embeds_the_cjk_font_and_every_character_has_a_glyph(built, pdf_bytes) -> None:
    reader = PdfReader(io.BytesIO(pdf_bytes))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            assert any(k.startswith("/FontFile") for k in descriptor), font["/BaseFont"]
            names.add(str(font["/BaseFont"]))
    assert names and all("NotoSansCJK" in n for n in names)
    cmap = cjk_cmap()
    words = [built.title, built.plan_title, built.stamp.line()]
    for s in built.sections:
        words += [s.title, s.note, *s.points]
        words += [str(v) for _, t in s.tables for row in t.iter_rows() for v in row if v is not None]
    missing = {c for w in words for c in pack_style.safe(w) if not c.isspace() and ord(c) not in cmap}
    assert not missing


def _strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


@pytest.mark.cjk_font
def test_chart_text_has_glyphs_in_the_cjk_font(built) -> None:
    cmap = cjk_cmap()
    for s in built.sections:
        if s.chart is not None:
            missing = {c for w in _strings(render.spec_of(s.chart.spec)) for c in w if ord(c) not in cmap and c != "\n"}
            assert not missing, (s.key, missing)


@pytest.mark.cjk_font
def test_chart_png_is_drawn_once_per_spec(built) -> None:
    chart = built.section("scoreboard").chart.spec
    first = render.png(chart, width=None)
    assert first[:8] == b"\x89PNG\r\n\x1a\n" and render.png_size(first)[0] > 600
    assert render.png(chart, width=None) is first


@pytest.fixture
def small_dir(data_dir, write) -> Path:
    write(
        "indicators",
        "2025-09-30.parquet",
        [ind("hitech_enterprise", "广元市", 2023, 12, 40.0), ind("hitech_enterprise", "广元市", 2025, 9, 52.0)],
    )
    return data_dir


@pytest.mark.cjk_font
def test_a_later_snapshot_changes_nothing_in_a_past_quarters_pack(small_dir, write, tmp_path) -> None:
    first = pack_pdf.pdf(sections.build(small_dir, "2025Q3"))
    text = squash("".join(pdf_text(first)))
    assert squash("全市高新技术企业2025年9月末52家，完成率86.7%，落后序时进度9.2个百分点（约6家）") in text
    # Later a correction arrives, dated after the quarter; regenerating 2025Q3 (here from a copy of the
    # directory, so nothing is served from memory) gives the same file, byte for byte.
    later = tmp_path / "later"
    shutil.copytree(small_dir, later)
    (later / "indicators" / "2025-10-20_revised.parquet").write_bytes(b"")  # rejected files are not used either
    write("indicators", "2025-10-15_revised.parquet", [ind("hitech_enterprise", "广元市", 2025, 9, 55.0)])
    shutil.copy(small_dir / "indicators" / "2025-10-15_revised.parquet", later / "indicators")
    again = pack_pdf.pdf(sections.build(later, "2025Q3"))
    assert again == first
    q4 = sections.build(later, "2025Q4")  # the next quarter does use the correction
    assert any(p.startswith("全市高新技术企业 2025 年 9 月末 55 家") for p in q4.section("targets").points)
    assert "indicators/2025-10-15_revised.parquet" in dict(q4.stamp.files)


@pytest.mark.cjk_font
def test_cli_report_writes_pptx_and_pdf(small_dir, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("GYDASH_TODAY", "2025-11-01")
    out = tmp_path / "out" / "pack.pdf"
    assert cli.main(["report", "--quarter", "2025Q3", "--format", "pdf", "-o", str(out), str(small_dir)]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    assert "2025Q3" in capsys.readouterr().out
    deck = tmp_path / "pack.pptx"
    assert cli.main(["report", str(small_dir), "--quarter", "2025q3", "--format", "pptx", "-o", str(deck)]) == 0
    assert len(Presentation(str(deck)).slides) == 1 + 7 + 1


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--quarter", "2025Q5", "--format", "pdf"], 2, "YYYYQn"),
        (["--quarter", "2025Q4", "--format", "pdf"], 2, "尚未结束"),
        (["--quarter", "2025Q3", "--format", "doc"], 2, "invalid choice"),
        (["--quarter", "2024Q3", "--format", "pdf"], 1, "没有可用的数据文件"),
        (["--quarter", "2025Q3", "--format", "pdf", "--plan", "2030"], 2, "没有方案「2030」，可选：2024"),
    ],
    ids=["bad-quarter", "running-quarter", "bad-format", "no-data", "unknown-plan"],
)
def test_cli_report_refuses(small_dir, tmp_path, monkeypatch, capsys, args, code, message) -> None:
    monkeypatch.setenv("GYDASH_TODAY", "2025-11-01")
    try:
        got = cli.main(["report", *args, "-o", str(tmp_path / "x"), str(small_dir)])
    except SystemExit as exc:
        got = exc.code
    assert got == code
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


@pytest.fixture
def no_font(monkeypatch):
    render.font.cache_clear()
    monkeypatch.setenv(render.FONT_ENV, "/nonexistent/font.ttc")
    yield
    monkeypatch.delenv(render.FONT_ENV)
    render.font.cache_clear()


def test_a_missing_font_is_a_clear_message_not_tofu(small_dir, tmp_path, monkeypatch, capsys, no_font) -> None:
    with pytest.raises(render.FontMissing, match="fonts-noto-cjk"):
        render.font()
    monkeypatch.setenv("GYDASH_TODAY", "2025-11-01")
    out = tmp_path / "x.pdf"
    assert cli.main(["report", "--quarter", "2025Q3", "--format", "pdf", "-o", str(out), str(small_dir)]) == 1
    err = capsys.readouterr().err
    assert "未找到中文字体" in err and "fonts-noto-cjk" in err and "GYDASH_CJK_FONT" in err
    assert not out.exists()


@pytest.mark.parametrize("kind", ["text.ttc", "text.ttf"])
def test_a_font_setting_naming_a_file_that_is_no_font_is_a_clear_message(tmp_path, monkeypatch, kind) -> None:
    bad = tmp_path / kind
    bad.write_text("not a font")
    render.font.cache_clear()
    monkeypatch.setenv(render.FONT_ENV, str(bad))
    try:
        with pytest.raises(render.FontMissing, match="不是可用的字体文件"):
            render.font()
    finally:
        monkeypatch.delenv(render.FONT_ENV)
        render.font.cache_clear()


def test_safe_replaces_only_missing_symbols() -> None:
    assert render.safe("✗ 未完成 ✓ 完成 ▲ 滞后") == "× 未完成 ✓ 完成 ▲ 滞后"


def test_a_period_not_reported_by_the_quarter_end_is_awaiting_data_not_unmet(data_dir, write) -> None:
    # Activities reported to 2025-09-30 only: at the 2025Q4 cut-off, every 2025 year and Oct–Dec month has ended
    # without data reaching it. A snapshot dated after the quarter end must not change that.
    write("activities", "2025-09-30.parquet", [{"date": "2025-03-01", "area": "广元市", "kind": "secretary_report"}])
    write("activities", "2026-01-20.parquet", [{"date": "2025-05-01", "area": "利州区", "kind": "other"}])
    built = sections.build(data_dir, END, "2024")
    duties_sec = built.section("duties")
    text = "\n".join(duties_sec.points)
    assert "另有 23 项期间已结束但数据尚未报送到期末（待报送），不计为未完成" in text  # 7+8 yearly, 2×3 months, 2
    assert "广元市 2025 年科普活动 0/12 次，待报送" in text
    listed = dict(duties_sec.tables)["未完成事项（近 12 个月）"]  # only the months up to September, unmet
    assert listed.height == 14 and max(listed["期间截止"]) == "2025-09-30"
    summary = {r["工作"]: r for r in dict(duties_sec.tables)["各项工作完成情况"].iter_rows(named=True)}
    assert (summary["政策宣讲"]["未完成"], summary["政策宣讲"]["待报送"]) == ("0 项", "7 项")
    drawn = duties_sec.chart.data
    assert drawn.filter(drawn["rule"] == "policy_briefing")["words"].to_list() == ["◇7"]
    assert all("已逾期" not in p for p in built.section("next").points)
    board = scoreboard.board(store.load(data_dir), END)
    assert not any("未完成" in t for drags in board["drags"] for t in drags)


def _same_pack(a: pack_parts.Pack, b: pack_parts.Pack) -> None:
    assert (a.plan_title, a.stamp, a.changes, a.title) == (b.plan_title, b.stamp, b.changes, b.title)
    for x, y in zip(a.sections, b.sections, strict=True):
        assert (x.key, x.title, x.points, x.note) == (y.key, y.title, y.points, y.note)
        assert [c for c, _ in x.tables] == [c for c, _ in y.tables]
        assert all(f.equals(g) and f.schema == g.schema for (_, f), (_, g) in zip(x.tables, y.tables, strict=True))
        assert (x.chart is None) == (y.chart is None)
        if x.chart is not None:
            assert (x.chart.name, x.chart.spec) == (y.chart.name, y.chart.spec)
            assert x.chart.data.equals(y.chart.data) and x.chart.data.schema == y.chart.data.schema


def test_a_restart_finds_a_past_quarters_pack_kept_and_a_file_of_that_quarter_rebuilds_it(
    small_dir, write, monkeypatch
) -> None:
    """A restarted server opens 季度汇报 without working out the sections again; the pack it finds is the one that
    was built, to the last table cell and chart spec. A new file of that quarter builds it again."""
    from gydash.snapshots import warehouse

    monkeypatch.setenv("GYDASH_WAREHOUSE", "file")  # kept in the warehouse file a server keeps
    warehouse.close_all()
    worked: list[date] = []
    real = sections.targets_section
    monkeypatch.setattr(sections, "targets_section", lambda q, plan_id: worked.append(q.end) or real(q, plan_id))
    first = sections.build(small_dir, "2025Q3")
    assert worked == [date(2025, 9, 30)]

    warehouse.close_all()  # a restart: nothing in memory, the warehouse file as it was left
    store._versions.clear()
    again = sections.build(small_dir, "2025Q3")
    assert worked == [date(2025, 9, 30)]
    _same_pack(again, first)
    assert again.quarter.end == date(2025, 9, 30) and again.quarter.data.as_of == first.quarter.data.as_of

    write("indicators", "2025-09-30_revised.parquet", [ind("hitech_enterprise", "广元市", 2025, 9, 55.0)])
    rebuilt = sections.build(small_dir, "2025Q3")
    assert worked == [date(2025, 9, 30)] * 2
    assert any("55 家" in p for p in rebuilt.section("targets").points)
    warehouse.close_all()
