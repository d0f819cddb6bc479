"""What a meeting pack is made of — charts, sections, the pack itself — and the pack's chart theme."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import altair as alt
import polars as pl

from gydash import charts
from gydash.meeting import changes, quarter
from gydash.meeting.quarter import Quarter, Stamp

WIDTH = 560  # chart width in pixels for the pack: small enough that labels stay large on a slide


@dataclass
class Chart:
    name: str  # file-name stem for downloads, e.g. "2025Q4_主要目标"
    chart: alt.TopLevelMixin
    data: pl.DataFrame  # what the chart draws, for the CSV download

    @cached_property
    def spec(self) -> dict:
        """The chart as the meeting page sends it (charts.vega_spec), made once: a built pack is cached per state of
        the data, and the page draws its sections on every rerun. Callers copy before changing it."""
        return charts.vega_spec(self.chart)


@dataclass
class Section:
    key: str
    title: str
    points: list[str]
    chart: Chart | None = None
    tables: list[tuple[str, pl.DataFrame]] = field(default_factory=list)
    note: str = ""


@dataclass
class Pack:
    plan_id: str
    plan_title: str
    quarter: Quarter
    stamp: Stamp
    sections: list[Section]
    changes: changes.Changes

    @property
    def title(self) -> str:
        return f"{quarter.words(self.quarter.end)}工作汇报"

    def section(self, key: str) -> Section:
        return next(s for s in self.sections if s.key == key)


def theme(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The shared chart theme with type a little larger, for a projector and a printed page."""
    return charts.configured(
        charts.themed(chart),
        axis={"labelFontSize": 14, "titleFontSize": 14, "labelLimit": 300},
        title={"fontSize": 16, "anchor": "start", "offset": 8},
        legend={"labelFontSize": 14, "titleFontSize": 14, "orient": "bottom"},
    )
