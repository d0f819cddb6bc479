"""The meeting pack: a 16:9 PPTX for the projector and an A4 portrait PDF for the printed minutes, same content.

Both are written from ``sections.build`` (the quarter's sections), so they carry the dashboard's numbers for that
quarter. Layout: a title slide/page, one slide/page per section (its chart as a PNG from ``render``, its talking
points; the PDF adds the section's tables), then a 数据来源 appendix listing every snapshot file used with the first
8 hex digits of its SHA-256. Every slide and page is stamped with plan, quarter, data as-of date, file count and
the combined fingerprint (``quarter.Stamp``), plus 示例数据 when the data is the bundled sample.

Fonts: slides name "Microsoft YaHei" for Latin and East Asian text — the officials' Windows PCs render the PPTX
with their own fonts (other machines substitute a CJK font of their own); the chart images are already drawn
with Noto Sans CJK SC. The PDF embeds a subset of the Noto Sans CJK SC face found by ``render.font()`` (Debian
``fonts-noto-cjk``), so it prints the same anywhere. fpdf2 reads the CFF-flavoured .ttc directly
(``collection_font_number``); a glyph the face lacks (✗) is replaced by a close one (×) in the PDF and in chart
text, never left as a box.
"""

from __future__ import annotations

import io
import math
import re
from datetime import UTC, datetime

from gydash.meeting import render
from gydash.meeting.sections import Pack, Section

PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
PDF_MIME = "application/pdf"
SLIDE_FONT = "Microsoft YaHei"
ACCENT = (0xB3, 0x26, 0x1E)
INK = (0x1F, 0x1F, 0x1F)
GREY = (0x66, 0x66, 0x66)
safe = render.safe


def file_name(pack: Pack, ext: str) -> str:
    return f"季度汇报_{pack.quarter.label}_方案{pack.plan_id}.{ext}"


def _text_units(text: str) -> float:
    """Width of text in ems: CJK and full-width characters 1, others about half."""
    return sum(1.0 if ord(c) >= 0x2E80 else 0.55 for c in text)


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


# --- PPTX ----------------------------------------------------------------------------------------------------------


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
        png = render.png(section.chart.chart, width=None)
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


# --- PDF -----------------------------------------------------------------------------------------------------------

FAMILY = "cjk"
# Chinese may break between any two characters; runs of digits, Latin letters and their punctuation ("93.3%",
# "indicators/2025-09-30.parquet") stay whole; closing punctuation never starts a line (the usual CJK rule).
_TOKEN = re.compile(r"[0-9A-Za-z.,%/_\-+()·:]+|\s+|.", re.S)
_NO_LINE_START = set("，。、；：？！）》」』】〕%…”’·,.;:!?)]}")


def wrap(pdf, text: str, width: float) -> list[str]:
    """Lines of `text` that fit `width` (mm) in the current font, broken the way Chinese text is broken."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        line: list[str] = []
        for token in _TOKEN.findall(paragraph):
            if not line and token.isspace():
                continue
            if not line or pdf.get_string_width("".join([*line, token])) <= width:
                line.append(token)
                continue
            carry = []
            if token[0] in _NO_LINE_START and len(line) > 1:
                carry = [line.pop()]  # take the last character along rather than start a line with "。"
            out.append("".join(line).rstrip())
            line = [*carry, token] if not token.isspace() else carry
        out.append("".join(line).rstrip())
    return out


def _pdf_class():
    from fpdf import FPDF

    class PackPDF(FPDF):
        pack: Pack

        def header(self) -> None:
            if self.page_no() == 1:
                return
            self.set_font(FAMILY, size=8)
            self.set_text_color(*GREY)
            self.cell(0, 5, safe(f"{self.pack.title} · {self.pack.plan_title}"), align="L")
            self.set_x(self.l_margin)
            self.cell(0, 5, self.pack.quarter.label, align="R")
            self.ln(9)

        def footer(self) -> None:
            self.set_y(-13)
            self.set_draw_color(*GREY)
            self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
            self.ln(1)
            self.set_font(FAMILY, size=7.5)
            self.set_text_color(*GREY)
            self.cell(0, 5, safe(self.pack.stamp.line()), align="L")
            self.set_x(self.l_margin)
            self.cell(0, 5, f"第 {self.page_no()} 页，共 {{nb}} 页", align="R")

    return PackPDF


def _pdf_points(pdf, points: list[str], size: float = 11) -> None:
    pdf.set_font(FAMILY, size=size)
    pdf.set_text_color(*INK)
    for p in points:
        pdf.set_x(pdf.l_margin)
        pdf.cell(5, size * 0.5, "•")
        width = pdf.epw - 5
        lines = wrap(pdf, safe(p), width - 2 * pdf.c_margin - 0.3)
        pdf.multi_cell(width, size * 0.5, "\n".join(lines), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.2)


def _column_widths(frame, size: float, total: float) -> list[float]:
    """Column widths in mm: each column as wide as its longest entry on one line; when the page is too narrow,
    columns that fit within their proportional share keep their width and the others share the rest in
    proportion to their length (their text wraps)."""
    em = size * 0.3528  # mm per em at this type size
    natural = [
        max(_text_units(str(v)) for v in [c, *frame[c].to_list()] if v is not None) * em + 3.0 for c in frame.columns
    ]
    if sum(natural) <= total:
        spare = total - sum(natural)
        return [w + spare * w / sum(natural) for w in natural]
    whole: set[int] = set()  # columns shown on one line: those within an equal share of what is left
    while True:
        rest = total - sum(natural[i] for i in whole)
        others = [i for i in range(len(natural)) if i not in whole]
        fits = {i for i in others if natural[i] <= rest / len(others)}
        if not fits or len(fits) == len(others):
            break
        whole |= fits
    rest = total - sum(natural[i] for i in whole)
    long = sum(natural[i] for i in range(len(natural)) if i not in whole)
    return [natural[i] if i in whole else natural[i] * rest / long for i in range(len(natural))]


def _pdf_table(pdf, caption: str, frame, size: float = 8.5) -> None:
    if frame.is_empty():
        return
    if pdf.will_page_break(25):
        pdf.add_page()
    pdf.set_font(FAMILY, "B", size=10)
    pdf.set_text_color(*INK)
    pdf.cell(0, 7, safe(caption), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=size)
    widths = _column_widths(frame, size, pdf.epw)
    padding = 0.8
    with pdf.table(
        width=pdf.epw,
        col_widths=widths,
        text_align="LEFT",
        line_height=size * 0.5,
        headings_style=_heading_style(),
        padding=padding,
    ) as table:
        head = table.row()
        for c in frame.columns:
            head.cell(safe(c))
        for values in frame.iter_rows():
            row = table.row()
            for v, w in zip(values, widths, strict=True):
                text = "—" if v is None else safe(str(v))
                row.cell("\n".join(wrap(pdf, text, w - 2 * padding - 0.6)))
    pdf.ln(3)


def _heading_style():
    from fpdf.fonts import FontFace

    return FontFace(family=FAMILY, emphasis="BOLD", fill_color=(0xF4, 0xF1, 0xEC))


def _pdf_title_page(pdf, pack: Pack) -> None:
    pdf.add_page()
    pdf.set_fill_color(*ACCENT)
    pdf.rect(0, 0, pdf.w, 6, style="F")
    pdf.set_fill_color(255, 255, 255)
    pdf.set_y(50)
    pdf.set_font(FAMILY, "B", size=26)
    pdf.set_text_color(*INK)
    pdf.multi_cell(0, 13, pack.title, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FAMILY, size=14)
    pdf.multi_cell(0, 8, safe(pack.plan_title), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font(FAMILY, size=11)
    pdf.set_text_color(*GREY)
    facts = [
        f"季度：{pack.quarter.label}（截至 {pack.quarter.end}，按季度末次日 {pack.quarter.today} 判断）",
        f"数据截至：{pack.stamp.as_of or '—'}（只使用快照日期不晚于 {pack.quarter.end} 的文件）",
        f"使用快照文件：{pack.stamp.count} 个，组合指纹 {pack.stamp.fingerprint}（清单见附录“数据来源”）",
    ]
    if pack.stamp.sample:
        facts.append("注意：本材料使用系统自带的示例数据，不是真实统计")
    for line in facts:
        pdf.multi_cell(0, 7, line, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font(FAMILY, "B", size=13)
    pdf.set_text_color(*INK)
    pdf.cell(0, 9, "目录", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, size=12)
    for i, s in enumerate(pack.sections, 1):
        pdf.cell(0, 8, safe(f"{i}. {s.title}"), new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, f"{len(pack.sections) + 1}. 附录：数据来源", new_x="LMARGIN", new_y="NEXT")


def _pdf_section(pdf, section: Section, number: int) -> None:
    pdf.add_page()
    pdf.set_font(FAMILY, "B", size=17)
    pdf.set_text_color(*INK)
    pdf.cell(0, 10, safe(f"{number}. {section.title}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_fill_color(*ACCENT)
    pdf.rect(pdf.l_margin, pdf.get_y(), 30, 1.2, style="F")
    pdf.set_fill_color(255, 255, 255)
    pdf.ln(5)
    if section.chart is not None:
        png = render.png(section.chart.chart, width=None)
        w, h = render.png_size(png)
        max_w, max_h = pdf.epw, 95
        scale = min(max_w / w, max_h / h)
        pdf.image(io.BytesIO(png), x=pdf.l_margin, w=w * scale, h=h * scale)
        pdf.ln(4)
    _pdf_points(pdf, section.points)
    pdf.ln(2)
    for caption, frame in section.tables:
        _pdf_table(pdf, caption, frame)
    if section.note:
        pdf.set_font(FAMILY, size=8)
        pdf.set_text_color(*GREY)
        lines = wrap(pdf, safe(section.note), pdf.epw - 2 * pdf.c_margin - 0.3)
        pdf.multi_cell(0, 4.2, "\n".join(lines), align="L", new_x="LMARGIN", new_y="NEXT")


def _pdf_appendix(pdf, pack: Pack) -> None:
    import polars as pl

    pdf.add_page()
    pdf.set_font(FAMILY, "B", size=17)
    pdf.set_text_color(*INK)
    pdf.cell(0, 10, f"{len(pack.sections) + 1}. 附录：数据来源", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font(FAMILY, size=9.5)
    pdf.multi_cell(
        0,
        5,
        f"{pack.quarter.label} 的全部数字来自下列 {pack.stamp.count} 个快照文件（快照日期不晚于 {pack.quarter.end}，"
        f"数据截至 {pack.stamp.as_of or '—'}）。每个文件后为其内容 SHA-256 的前 8 位；组合指纹 "
        f"{pack.stamp.fingerprint} 是按路径排序的“路径 + SHA-256”清单的 SHA-256 前 8 位。文件内容不变，指纹就不变，"
        "用同一数据目录重新生成本季度材料，指纹和数字都相同。",
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    files = list(pack.stamp.files)
    half = math.ceil(len(files) / 2)
    left, right = files[:half], files[half:]
    right += [("", "")] * (len(left) - len(right))
    frame = pl.DataFrame(
        {
            "文件": [r for r, _ in left],
            "SHA-256 前 8 位": [h for _, h in left],
            "文件 ": [r for r, _ in right],
            "SHA-256 前 8 位 ": [h for _, h in right],
        },
        schema=dict.fromkeys(("文件", "SHA-256 前 8 位", "文件 ", "SHA-256 前 8 位 "), pl.String),
    )
    _pdf_table(pdf, "快照文件清单", frame, size=7.5)


def pdf(pack: Pack) -> bytes:
    """The pack as an A4 portrait PDF with the CJK font embedded: title page, one page (or more) per section with
    its chart, points and tables, and the 数据来源 appendix; every page stamped."""
    f = render.font()
    doc = _pdf_class()(orientation="P", unit="mm", format="A4")
    doc.pack = pack
    doc.set_margins(15, 14, 15)
    doc.set_auto_page_break(True, margin=18)
    doc.add_font(FAMILY, "", str(f.path), collection_font_number=f.index)
    bold = f.bold_path or f.path
    doc.add_font(FAMILY, "B", str(bold), collection_font_number=f.bold_index if f.bold_path else f.index)
    doc.set_title(pack.title)
    doc.set_subject(safe(pack.stamp.line()))
    doc.set_author("gydash")
    doc.set_lang("zh-CN")
    # A fixed creation date (the day the quarter is judged) keeps a regenerated pack byte-for-byte the same.
    judged = pack.quarter.today
    doc.set_creation_date(datetime(judged.year, judged.month, judged.day, tzinfo=UTC))
    _pdf_title_page(doc, pack)
    for number, section in enumerate(pack.sections, 1):
        _pdf_section(doc, section, number)
    _pdf_appendix(doc, pack)
    return bytes(doc.output())


def cached(pack: Pack, kind: str) -> bytes:
    """write(), kept on the quarter's data version: a second click (or a second person) gets the same bytes."""
    return pack.quarter.data.cached(f"file:{pack.plan_id}:{kind}", lambda: write(pack, kind))


def write(pack: Pack, kind: str) -> bytes:
    """'pptx' or 'pdf' → the file's bytes."""
    if kind == "pptx":
        return pptx(pack)
    if kind == "pdf":
        return pdf(pack)
    raise ValueError(f"格式只能是 pptx 或 pdf，收到「{kind}」")
