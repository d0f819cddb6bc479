"""What a meeting pack is made of — charts, sections, the pack itself — and the pack's chart theme."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import altair as alt
import polars as pl

from gydash import vega
from gydash.meeting import changes, quarter
from gydash.meeting.quarter import Quarter, Stamp
from gydash.snapshots import kept

WIDTH = 560  # chart width in pixels for the pack: small enough that labels stay large on a slide


@dataclass
class Chart:
    name: str  # file-name stem for downloads, e.g. "2025Q4_主要目标"
    spec: dict  # the chart as the meeting page sends it and the pack draws it (vega.vega_spec); callers copy it
    data: pl.DataFrame  # what the chart draws, for the CSV download

    @classmethod
    def of(cls, name: str, chart: alt.TopLevelMixin, data: pl.DataFrame) -> Chart:
        return cls(name, vega.vega_spec(chart), data)


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


@dataclass
class Parts:
    """A built pack without its quarter (which holds the data it was cut from): what is kept in the warehouse."""

    plan_title: str
    stamp: Stamp
    sections: list[Section]
    changes: changes.Changes


def _section_value(s: Section) -> dict:
    chart = s.chart and {"name": s.chart.name, "spec": s.chart.spec, "data": kept.FRAMES.encode(s.chart.data)}
    tables = [[caption, kept.FRAMES.encode(frame)] for caption, frame in s.tables]
    return {"key": s.key, "title": s.title, "points": s.points, "note": s.note, "tables": tables, "chart": chart}


def _section(v: dict) -> Section:
    c = v["chart"]
    chart = c and Chart(c["name"], c["spec"], kept.FRAMES.decode(c["data"]))
    tables = [(caption, kept.FRAMES.decode(blob)) for caption, blob in v["tables"]]
    return Section(v["key"], v["title"], v["points"], chart, tables, v["note"])


def _parts_bytes(p: Parts) -> bytes:
    stamp = asdict(p.stamp) | {"files": [list(f) for f in p.stamp.files]}
    return kept.JSON.encode(
        {
            "plan_title": p.plan_title,
            "stamp": stamp,
            "sections": [_section_value(s) for s in p.sections],
            "changes": changes.KEPT.encode(p.changes),
        }
    )


def _parts(blob: bytes) -> Parts:
    v = kept.JSON.decode(blob)
    stamp = Stamp(**(v["stamp"] | {"files": tuple(tuple(f) for f in v["stamp"]["files"])}))
    return Parts(v["plan_title"], stamp, [_section(s) for s in v["sections"]], changes.KEPT.decode(v["changes"]))


# A past quarter's pack cannot change unless a file of that quarter does (Data.kept's key names every one): a
# restarted server opens 季度汇报 without working out the sections or building their charts again. Frames travel as
# Arrow IPC (exact types), the rest as JSON with dates and bytes tagged.
KEPT = kept.Codec(_parts_bytes, _parts)


def theme(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The shared chart theme with type a little larger, for a projector and a printed page."""
    return vega.configured(
        vega.themed(chart),
        axis={"labelFontSize": 14, "titleFontSize": 14, "labelLimit": 300},
        title={"fontSize": 16, "anchor": "start", "offset": 8},
        legend={"labelFontSize": 14, "titleFontSize": 14, "orient": "bottom"},
    )
