"""Libraries only rare actions need (meeting pack, chart pictures, Excel files): imported on first use, one at a time.

A server imports every library its pages use before serving (gydash.ui.preload.PRELOADED): sessions run side by side on
their own threads, and a library that looks another up in ``sys.modules`` (polars and Altair do so for pandas) can
find it half-initialised while a second session is still importing it. The libraries below are used only when
someone downloads the meeting pack or a chart picture, or reads or writes an Excel file. Preloaded, they held
about 90 MB in every server process (measured on the full data: 498 → 407 MB after every page, 241 → 194 MB after
starting). So they are imported here, on first use, under one lock: a second session that needs them waits until
the first session's import has finished, and never sees a module half-made.
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType

RARE = (
    "fastexcel",  # polars.read_excel (upload of .xlsx)
    "fpdf",  # the meeting pack's PDF
    "lxml",  # the meeting pack's PPTX (fonts of East Asian text)
    "openpyxl",  # upload of .xlsx (formulas, merged cells)
    "pptx",  # the meeting pack's PPTX
    "vl_convert",  # chart pictures (gydash.meeting.render)
    "xlsxwriter",  # Excel downloads and templates
)
_lock = threading.RLock()


def load(*names: str) -> ModuleType:
    """Import the modules named (each a RARE library or one of its modules); the last one."""
    module = None
    with _lock:
        for name in names:
            if name.split(".")[0] not in RARE:
                raise ValueError(f"{name} is not a library imported on first use (gydash.base.libs.RARE)")
            module = importlib.import_module(name)
    if module is None:
        raise ValueError("no module named")
    return module
