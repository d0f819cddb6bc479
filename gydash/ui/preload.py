"""The libraries pages use, imported once before any page runs, and kept out of the cycle collector."""

from __future__ import annotations

import gc
import importlib

# Everything pages import on first use is imported here, before any page runs (the libraries only rare actions
# need, the meeting pack, chart pictures and Excel files, are imported on first use one at a time: gydash.base.libs).
# A fresh server runs its first visitors' scripts side by side, each on its own thread, and a library imported on
# first use can reach a second session half-initialised: polars' to_pandas() takes pandas straight from sys.modules
# while another session's thread is still importing it ("partially initialized module 'pandas' has no attribute
# 'Timestamp'"). app.py imports this module first; one thread runs these imports while every other session waits.
# pandas is not among them: no page uses it (tables are plain HTML, charts get their rows from polars), and held
# by the server it costs about 40 MB for good. tests/test_app.py checks that neither pages nor rare actions load it.
PRELOADED = (
    "_strptime",  # datetime.strptime's own lazy import
    "PIL.Image",  # st.set_page_config's icon (app.py)
    "pyarrow",  # files are read with it (gydash.snapshots.parquet), charts' rows sent in its format (numpy with it)
    "altair",
    "fontTools.ttLib",  # the CJK font check (gydash.meeting.render), on every chart's download menu
    "argon2",  # staff sign-in (gydash.access.auth)
    "streamlit.emojis",  # compiles a large pattern on first use (segmented controls, icons): 0.3 s of a first visit
)
for _name in PRELOADED:
    importlib.import_module(_name)
# What is imported by now lives as long as the server: kept out of the cycle collector's full passes. They went
# over these 150 000 objects every time (0.15 s on the full data, a pause falling on whichever page was running;
# 0.03 s without them).
gc.freeze()
