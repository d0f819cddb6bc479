"""Charts to PNG without a browser (vl-convert), and the CJK font every rendered chart and PDF page uses.

Font decision: the meeting pack needs a Simplified Chinese font file on the machine that builds it, or Chinese
comes out as empty boxes. We use Noto Sans CJK SC from Debian's ``fonts-noto-cjk`` package (maintained by Debian,
the same file the browser screenshots use); ``.ci/run`` installs it with apt-get and the README says so.
The PyPI packages that ship CJK fonts were young single-maintainer releases (0.0.x) of 15–50 MB, so we did
not tie the project's install to them. Lookup order:

1. ``GYDASH_CJK_FONT`` — path to a .ttc/.otf/.ttf with Simplified Chinese glyphs (e.g. ``C:\\Windows\\Fonts\\msyh.ttc``
   on a Windows server);
2. the Noto Sans CJK file where Debian/Ubuntu, Fedora, Arch and Alpine put it.

Nothing found → ``FontMissing`` with a message in Chinese naming the package. In a .ttc the face whose family name
ends in "SC" is used (index 2 in Noto's collection). vl-convert is given the font's folder once per process; chart
PNGs are cached on the chart spec, so a chart is drawn once however often it is asked for.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import altair as alt

from gydash import vega
from gydash.base import libs

FONT_ENV = "GYDASH_CJK_FONT"
DEBIAN_PACKAGE = "fonts-noto-cjk"
FAMILY = "Noto Sans CJK SC"
CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Debian, Ubuntu (fonts-noto-cjk)
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Arch (noto-fonts-cjk), Alpine
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",  # Fedora
    "/usr/share/fonts/google-noto-sans-cjk-fonts/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
)
DEFAULT_WIDTH = 720
MAX_CACHED = 256
SUBSTITUTES = {"✗": "×"}  # symbols the status words use that Noto Sans CJK SC lacks → the nearest it has

_lock = threading.Lock()
_registered: set[str] = set()
_pngs: OrderedDict[str, bytes] = OrderedDict()


class FontMissing(RuntimeError):
    """No Chinese font file: the message tells staff what to install."""


MISSING_MESSAGE = (
    "未找到中文字体文件（Noto Sans CJK），无法生成会议材料，否则中文会显示为方框。"
    f"请安装 Debian 软件包 {DEBIAN_PACKAGE}（sudo apt-get install {DEBIAN_PACKAGE}，.ci/run 会自动安装），"
    f"或用环境变量 {FONT_ENV} 指定一个含简体中文的字体文件（.ttc/.otf/.ttf）。"
)


@dataclass(frozen=True)
class Font:
    path: Path
    index: int  # face number inside a .ttc collection (0 for a single font)
    bold_path: Path | None
    bold_index: int
    family: str


def _sc_face(path: Path) -> tuple[int, str]:
    """The collection index and family name of the Simplified Chinese face (0 and its name for a plain font)."""
    from fontTools.ttLib import TTCollection, TTFont

    with open(path, "rb") as fh:  # ours to close, also when fontTools gives up on a file that is no font
        if path.suffix.lower() not in (".ttc", ".otc"):
            return 0, TTFont(fh, lazy=True)["name"].getDebugName(1) or FAMILY
        names = [f["name"].getDebugName(1) or "" for f in TTCollection(fh, lazy=True).fonts]
    for i, name in enumerate(names):
        if name.endswith(" SC") and "Mono" not in name:
            return i, name
    return 0, names[0] if names else FAMILY


@cache
def font() -> Font:
    """The CJK font file to draw with; FontMissing (in Chinese) when the machine has none."""
    given = os.environ.get(FONT_ENV)
    paths = [Path(given)] if given else [Path(p) for p in CANDIDATES]
    found = next((p for p in paths if p.is_file()), None)
    if found is None:
        where = f"（{FONT_ENV}={given} 不存在）" if given else ""
        raise FontMissing(MISSING_MESSAGE + where)
    try:
        index, family = _sc_face(found)
    except Exception as exc:  # fontTools raises many kinds for a file that is not a font: a setting to fix, not a crash
        raise FontMissing(MISSING_MESSAGE + f"（{found} 不是可用的字体文件：{type(exc).__name__}）") from exc
    bold = found.with_name(found.name.replace("Regular", "Bold"))
    bold_index = index
    if bold == found or not bold.is_file():
        bold = None
    else:
        try:
            bold_index = _sc_face(bold)[0]
        except Exception:  # an unusable bold face: draw with the regular one
            bold = None
    return Font(found, index, bold, bold_index, family)


def safe(text: str) -> str:
    """Text with the few symbols the CJK font lacks replaced (✗ → ×), for chart labels and the PDF: a fresh
    machine may have no other font to fall back on, and a missing glyph prints as an empty box."""
    for missing, instead in SUBSTITUTES.items():
        text = text.replace(missing, instead)
    return text


def ensure_fonts() -> Font:
    """Give vl-convert the font's folder (once per process), so charts draw Chinese with it."""
    vlc = libs.load("vl_convert")

    f = font()
    folder = str(f.path.parent)
    with _lock:
        if folder not in _registered:
            vlc.register_font_directory(folder)
            _registered.add(folder)
    return f


def _vl_version() -> str:
    """Altair's Vega-Lite version as vl-convert names it ('6.4.1' → '6_4')."""
    major, minor = alt.SCHEMA_VERSION.lstrip("v").split(".")[:2]
    return f"{major}_{minor}"


def spec_of(chart: alt.TopLevelMixin | dict, width: int | None = DEFAULT_WIDTH) -> dict:
    """The chart's Vega-Lite spec with its rows as JSON (a page's spec carries them as Arrow bytes); a single or
    layered chart without its own width gets `width` (pages draw it container-wide, which a PNG has no container
    for). Concatenated and faceted charts keep their own sizes."""
    spec = vega.json_rows(chart) if isinstance(chart, dict) else chart.to_dict(validate=vega.CHECK_SPECS)
    if width and "width" not in spec and not any(k in spec for k in ("facet", "hconcat", "vconcat", "concat")):
        spec = spec | {"width": width}
    return spec


def png(chart: alt.TopLevelMixin | dict, width: int | None = DEFAULT_WIDTH, scale: float = 2.0) -> bytes:
    """The chart as PNG bytes (white background), drawn once per spec and scale."""
    spec = spec_of(chart, width)
    spec.setdefault("background", "white")
    text = json.dumps(spec, sort_keys=True, ensure_ascii=False, default=str)
    key = hashlib.sha256(f"{scale}\0{text}".encode()).hexdigest()
    with _lock:
        hit = _pngs.get(key)
        if hit is not None:
            _pngs.move_to_end(key)
            return hit
    ensure_fonts()
    vlc = libs.load("vl_convert")

    data = vlc.vegalite_to_png(text, vl_version=_vl_version(), scale=scale)
    with _lock:
        _pngs[key] = data
        while len(_pngs) > MAX_CACHED:
            _pngs.popitem(last=False)
    return data


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels, read from the PNG header."""
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
