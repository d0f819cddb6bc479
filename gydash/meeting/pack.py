"""The meeting pack: a 16:9 PPTX for the projector and an A4 portrait PDF for the printed minutes, same content.

Both are written from ``sections.build`` (the quarter's sections), so they carry the dashboard's numbers for that
quarter. Layout: a title slide/page, one slide/page per section (its chart as a PNG from ``render``, its talking
points; the PDF adds the section's tables), then a 数据来源 appendix listing every snapshot file used with the first
8 hex digits of its SHA-256. Every slide and page is stamped with plan, quarter, data as-of date, file count and
the combined fingerprint (``quarter.Stamp``), plus 示例数据 when the data is the bundled sample.
The writers are ``pack_pptx`` and ``pack_pdf``; what they share (colours, text widths) is ``pack_style``.

Fonts: slides name "Microsoft YaHei" for Latin and East Asian text — the officials' Windows PCs render the PPTX
with their own fonts (other machines substitute a CJK font of their own); the chart images are already drawn
with Noto Sans CJK SC. The PDF embeds a subset of the Noto Sans CJK SC face found by ``render.font()`` (Debian
``fonts-noto-cjk``), so it prints the same anywhere. fpdf2 reads the CFF-flavoured .ttc directly
(``collection_font_number``); a glyph the face lacks (✗) is replaced by a close one (×) in the PDF and in chart
text, never left as a box.
"""

from __future__ import annotations

from gydash.meeting.pack_parts import Pack
from gydash.meeting.pack_pdf import pdf
from gydash.meeting.pack_pptx import pptx

PPTX_MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
PDF_MIME = "application/pdf"


def file_name(pack: Pack, ext: str) -> str:
    return f"季度汇报_{pack.quarter.label}_方案{pack.plan_id}.{ext}"


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
