"""The pack as an A4 portrait PDF for the printed minutes, the CJK font embedded, tables included."""

from __future__ import annotations

import io
import math
import re
from datetime import UTC, datetime

from gydash.base import libs
from gydash.meeting import render
from gydash.meeting.pack_parts import Pack, Section
from gydash.meeting.pack_style import ACCENT, GREY, INK, _text_units, safe

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
    libs.load("fpdf")
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
        png = render.png(section.chart.spec, width=None)
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
