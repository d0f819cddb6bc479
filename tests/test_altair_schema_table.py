"""Altair's table of schema classes is built once (gydash.vega), and every chart comes out as Altair makes it."""

from __future__ import annotations

import json
from pathlib import Path

import altair as alt
import polars as pl
import pytest
from altair.utils import schemapi

from gydash import vega  # importing it installs the once-built table
from gydash.meeting import sections

ROOT = Path(__file__).resolve().parent.parent


def heatmap() -> alt.LayerChart:
    """A chart whose encodings go through from_dict: tooltips as a list, a legend, shorthand types."""
    frame = pl.DataFrame({"round": ["2025-03", "2025-10"], "县区": ["利州", "昭化"], "状态": ["按时", "逾期"]})
    base = alt.Chart(frame).encode(y=alt.Y("round:O", title=None), x=alt.X("县区:N", axis=alt.Axis(orient="top")))
    cells = base.mark_rect().encode(
        color=alt.Color("状态:N", legend=alt.Legend(orient="bottom")), tooltip=["县区", "round", "状态"]
    )
    return cells + base.mark_text().encode(text="状态:N")


def pack_specs() -> list[dict]:
    built = sections.build(ROOT / "data", "2025Q3", "2024")
    return [json.loads(json.dumps(vega.json_rows(s.chart.spec), default=str)) for s in built.sections if s.chart]


@pytest.fixture
def altair_own(monkeypatch):
    """Altair's own from_dict, for the length of a test."""
    own = schemapi.SchemaBase.from_dict.__func__.altair_own
    return lambda: monkeypatch.setattr(schemapi.SchemaBase, "from_dict", classmethod(own))


def test_the_table_is_built_once_not_per_call(monkeypatch):
    built = []
    real = schemapi._FromDict.__init__

    def counted(self, classes):
        built.append(1)
        real(self, classes)

    monkeypatch.setattr(schemapi._FromDict, "__init__", counted)
    for _ in range(3):
        alt.X.from_dict({"field": "v", "type": "quantitative"})
        heatmap().to_dict()
    assert len(built) <= 1


def test_charts_and_specs_read_back_come_out_as_altair_makes_them(altair_own):
    specs = pack_specs()
    assert len(specs) >= 3
    ours = [heatmap().to_dict(), *(alt.Chart.from_dict(s).to_dict() for s in specs)]
    altair_own()
    theirs = [heatmap().to_dict(), *(alt.Chart.from_dict(s).to_dict() for s in specs)]
    assert ours == theirs
