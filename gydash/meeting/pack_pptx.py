"""The pack as a 16:9 PPTX for the projector: title slide, a slide per section, the 数据来源 appendix."""

from __future__ import annotations

import io
import math

from gydash.base import libs
from gydash.meeting import render
from gydash.meeting.pack_parts import Pack, Section
from gydash.meeting.pack_style import ACCENT, GREY, INK, _text_units, safe

SLIDE_FONT = "Microsoft YaHei"


def _fits(points: list[str], size_pt: float, width_in: float, height_in: float, spacing: float = 1.25) -> bool:
    per_line = max(width_in * 72 / size_pt - 1.5, 1)  # less the bullet's hanging indent
    lines = sum(max(math.ceil(_text_units(p) / per_line), 1) for p in points)
    gaps = (len(points) - 1) * 0.45  # paragraph space after, in lines
    return (lines + gaps) * size_pt * spacing / 72 <= height_in


def _points_size(
    points: list[str], width_in: float, height_in: float, sizes=(24, 22, 20, 18, 16)
) -> tuple[int, list[str]]:
    """The largest type size at which the points fit the box; at the smallest, drop points from the end."""
    for size in sizes:
        if _fits(points, size, width_in, height_in):
            return size, points
    kept = list(points)
    while len(kept) > 1 and not _fits([*kept, "（其余见书面材料）"], sizes[-1], width_in, height_in):
        kept.pop()
    return sizes[-1], [*kept, "（其余见书面材料）"] if len(kept) < len(points) else kept


def _set_font(run, size: float, bold: bool = False, colour=INK) -> None:
    from lxml import etree
    from pptx.dml.color import RGBColor
    from pptx.oxml.ns import qn
    from pptx.util import Pt

    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = RGBColor(*colour)
    run.font.name = SLIDE_FONT  # a:latin
    rpr = run._r.get_or_add_rPr()
    rpr.set("lang", "zh-CN")
    rpr.set("altLang", "en-US")
    if rpr.find(qn("a:ea")) is None:
        ea = etree.SubElement(rpr, qn("a:ea"))
        rpr.find(qn("a:latin")).addnext(ea)
    rpr.find(qn("a:ea")).set("typeface", SLIDE_FONT)


def _textbox(slide, left, top, width, height, lines, size, bold=False, colour=INK, align=None, bullets=False):
    from pptx.oxml.ns import qn
    from pptx.util import Emu, Pt

    box = slide.shapes.add_textbox(left, top, width, height)
    tf = box.text_frame
    tf.word_wrap = True
    for side in ("margin_left", "margin_right", "margin_top", "margin_bottom"):
        setattr(tf, side, Emu(0))
    for i, line in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        if align is not None:
            p.alignment = align
        if bullets:
            p.space_after = Pt(size * 0.45)
            ppr = p._p.get_or_add_pPr()
            ppr.set("marL", str(int(Pt(size * 1.1))))
            ppr.set("indent", str(-int(Pt(size * 1.1))))
            bu = ppr.makeelement(qn("a:buChar"), {"char": "•"})
            ppr.append(bu)
        run = p.add_run()
        run.text = line
        _set_font(run, size, bold, colour)
    return box


def _rule(slide, left, top, width, height, colour=ACCENT):
    from pptx.dml.color import RGBColor
    from pptx.enum.shapes import MSO_SHAPE

    shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, left, top, width, height)
    shape.fill.solid()
    shape.fill.fore_color.rgb = RGBColor(*colour)
    shape.line.fill.background()
    return shape


def _stamp_slide(slide, prs, pack: Pack, number: int, total: int) -> None:
    from pptx.enum.text import PP_ALIGN
    from pptx.util import Inches

    width = prs.slide_width
    _rule(slide, Inches(0.45), Inches(6.92), width - Inches(0.9), Inches(0.02), GREY)
    _textbox(slide, Inches(0.45), Inches(6.98), width - Inches(2.2), Inches(0.35), [pack.stamp.line()], 12, colour=GREY)
    _textbox(
        slide,
        width - Inches(1.7),
        Inches(6.98),
        Inches(1.25),
        Inches(0.35),
        [f"{number} / {total}"],
        12,
        colour=GREY,
        align=PP_ALIGN.RIGHT,
    )


def _title(slide, prs, text: str) -> None:
    from pptx.util import Inches

    _textbox(slide, Inches(0.45), Inches(0.3), prs.slide_width - Inches(0.9), Inches(0.75), [text], 32, bold=True)
    _rule(slide, Inches(0.45), Inches(1.08), Inches(1.6), Inches(0.07))


def _picture(slide, png: bytes, left, top, max_w, max_h):
    w, h = render.png_size(png)
    scale = min(max_w / w, max_h / h)
    return slide.shapes.add_picture(io.BytesIO(png), left, top, width=int(w * scale), height=int(h * scale))


def _title_slide(prs, pack: Pack) -> None:
    from pptx.util import Inches

    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _rule(slide, 0, 0, prs.slide_width, Inches(0.25))
    _textbox(slide, Inches(0.8), Inches(1.5), Inches(11.7), Inches(1.0), [pack.title], 44, bold=True)
    _textbox(slide, Inches(0.8), Inches(2.6), Inches(11.7), Inches(0.6), [safe(pack.plan_title)], 26)
    facts = [
        f"季度：{pack.quarter.label}（截至 {pack.quarter.end}）",
        f"数据截至：{pack.stamp.as_of or '—'}，使用快照文件 {pack.stamp.count} 个，组合指纹 {pack.stamp.fingerprint}",
    ]
    if pack.stamp.sample:
        facts.append("注意：本材料使用系统自带的示例数据，不是真实统计")
    _textbox(slide, Inches(0.8), Inches(3.45), Inches(11.7), Inches(1.3), facts, 20, colour=GREY)
    agenda = [f"{i}. {s.title}" for i, s in enumerate(pack.sections, 1)]
    half = math.ceil(len(agenda) / 2)
    _textbox(slide, Inches(0.8), Inches(4.85), Inches(5.6), Inches(2.0), agenda[:half], 20)
    _textbox(slide, Inches(6.6), Inches(4.85), Inches(5.6), Inches(2.0), agenda[half:], 20)


def _section_slide(prs, pack: Pack, section: Section) -> None:
    from pptx.util import Inches

    slide = prs.slides.add_slide(prs.slide_layouts[6])
    _title(slide, prs, safe(section.title))
    points = [safe(p) for p in section.points]
    top, height = 1.4, 5.35
    if section.chart is not None:
        png = render.png(section.chart.spec, width=None)
        pic = _picture(slide, png, Inches(0.45), Inches(top), Inches(6.7), Inches(height))
        left = pic.left + pic.width + Inches(0.35)
        width_in = (prs.slide_width - left - Inches(0.45)) / 914400
    else:
        left, width_in = Inches(0.6), 12.1
    size, shown = _points_size(points, width_in, height)
    _textbox(slide, left, Inches(top), Inches(width_in), Inches(height), shown, size, bullets=True)
    slide.notes_slide.notes_text_frame.text = "\n".join(section.points) + (
        f"\n\n{section.note}" if section.note else ""
    )


def _appendix_chunks(files, per: int) -> list[list[tuple[str, str]]]:
    return [list(files[i : i + per]) for i in range(0, len(files), per)] or [[]]


def _appendix_slides(prs, pack: Pack) -> None:
    from pptx.util import Inches

    columns, rows = 3, 30
    chunks = _appendix_chunks(pack.stamp.files, columns * rows)
    for n, chunk in enumerate(chunks, 1):
        slide = prs.slides.add_slide(prs.slide_layouts[6])
        more = f"（{n}/{len(chunks)}）" if len(chunks) > 1 else ""
        _title(slide, prs, f"数据来源{more}")
        intro = (
            f"{pack.quarter.label} 使用快照文件 {pack.stamp.count} 个，数据截至 {pack.stamp.as_of or '—'}，"
            f"组合指纹 {pack.stamp.fingerprint}；文件名后为该文件内容 SHA-256 的前 8 位"
        )
        _textbox(slide, Inches(0.45), Inches(1.25), Inches(12.4), Inches(0.4), [intro], 14, colour=GREY)
        for c in range(columns):
            part = chunk[c * rows : (c + 1) * rows]
            if part:
                lines = [f"{rel}  {h}" for rel, h in part]
                _textbox(slide, Inches(0.45 + c * 4.15), Inches(1.75), Inches(4.05), Inches(5.1), lines, 9.5)


def pptx(pack: Pack) -> bytes:
    """The pack as a 16:9 PowerPoint file: title, one slide per section, the 数据来源 appendix; all stamped."""
    libs.load("lxml.etree", "pptx")
    from pptx import Presentation
    from pptx.util import Emu

    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(12192000), Emu(6858000)  # 13.333 × 7.5 in, exactly 16:9
    prs.core_properties.title = pack.title
    prs.core_properties.subject = pack.stamp.line()
    prs.core_properties.author = "gydash"
    _title_slide(prs, pack)
    for section in pack.sections:
        _section_slide(prs, pack, section)
    _appendix_slides(prs, pack)
    total = len(prs.slides)
    for number, slide in enumerate(prs.slides, 1):
        _stamp_slide(slide, prs, pack, number, total)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
