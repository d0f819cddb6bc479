"""Vega-Lite specs: Altair charts made into the specs pages send, the shared theme, and the projector's sizes."""

from __future__ import annotations

import altair as alt
import polars as pl

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
MIN_PROJECTED_PX = 18  # presenter mode: every chart text at least this size, legible from the back of the room


def _schema_table_built_once() -> None:
    """Altair 6 builds its table of schema classes (about 570, each schema hashed as JSON) on every call of
    SchemaBase.from_dict (vega/altair#3547, open), and encoding a chart makes a few such calls: 40 of the 48 ms a
    ledger heatmap took to build. The table depends only on the classes it is made from, so it is made once per
    set of classes. Skipped when Altair no longer builds it per call."""
    from altair.utils import schemapi

    original = schemapi.SchemaBase.from_dict.__func__
    if "_FromDict" not in original.__code__.co_names or getattr(original, "gydash_once", False):
        return
    tables: dict[tuple, schemapi._FromDict] = {}

    def from_dict(cls, dct, validate=True):
        if validate:
            cls.validate(dct)
        classes = tuple(cls._default_wrapper_classes())
        table = tables.get(classes)
        if table is None:
            table = tables[classes] = schemapi._FromDict(classes)
        return table.from_dict(dct, cls)

    from_dict.gydash_once = True
    from_dict.altair_own = original  # what Altair does itself (tests compare the two)
    from_dict.__doc__ = original.__doc__
    schemapi.SchemaBase.from_dict = classmethod(from_dict)


_schema_table_built_once()


# Whether a chart is checked against the Vega-Lite schema as it becomes a spec. The test suite turns it on
# (tests/conftest.py), so every chart a page or the pack draws is checked there; a server skips it: the check costs
# 20–60 ms per chart and the charts come from code that does not change while it runs.
CHECK_SPECS = False


def vega_spec(chart: alt.TopLevelMixin) -> dict:
    """The chart as a Vega-Lite dict as the pages send it (checked against the schema when CHECK_SPECS is on), its
    rows as Arrow IPC bytes: st.vega_lite_chart sends bytes as they are, where it would turn rows into a pandas
    frame and then Arrow on every rerun. Made once and cached by its callers; json_rows turns it back for a PNG."""
    spec = chart.to_dict(validate=CHECK_SPECS)
    if "datasets" in spec:
        spec["datasets"] = {name: _arrow_rows(rows) for name, rows in spec["datasets"].items()}
    return spec


def _arrow_rows(rows):
    """Rows as Arrow IPC bytes; rows that do not make one column type each (never in gydash's charts) stay as
    they are."""
    import pyarrow as pa

    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        return rows
    columns = {n: [r.get(n) for r in rows] for n in dict.fromkeys(k for r in rows for k in r)}
    if not all(_one_kind(values) for values in columns.values()):
        return rows
    # Made by polars, not pa.array: pyarrow's conversion of Python values imports pandas (about 40 MB held by the
    # server for good, for nothing else; see gydash.ui.preload). strict=False only lets whole numbers and decimals
    # share a column, as pyarrow did; _one_kind has turned away any other mix, which polars would make text.
    try:
        table = pl.DataFrame(columns, strict=False).to_arrow()
        table = table.cast(pa.schema([_plain(f) for f in table.schema]))
    except (pa.ArrowException, pl.exceptions.PolarsError, TypeError, ValueError):
        return rows
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _one_kind(values: list) -> bool:
    """Whether a column's values (None aside) are of one Python type, or whole numbers and decimals."""
    kinds = {type(v) for v in values if v is not None}
    return len(kinds) <= 1 or kinds <= {int, float}


def _plain(field):
    """Text as Arrow's plain string, as pyarrow makes it from Python values (polars exports large strings)."""
    import pyarrow as pa

    return field.with_type(pa.string()) if pa.types.is_large_string(field.type) else field


def json_rows(spec: dict) -> dict:
    """A spec with its rows as JSON again (what vega_spec made Arrow), for drawing it outside the browser."""
    import pyarrow as pa

    if not any(isinstance(v, bytes) for v in spec.get("datasets", {}).values()):
        return spec
    rows = {
        name: pa.ipc.open_stream(v).read_all().to_pylist() if isinstance(v, bytes) else v
        for name, v in spec["datasets"].items()
    }
    return spec | {"datasets": rows}


def configured(chart: alt.TopLevelMixin, **parts) -> alt.TopLevelMixin:
    """The chart itself with these parts of its Vega-Lite config set (font="…", axis={…}, view={…}), each part
    replacing the chart's own as Altair's configure_axis and the like do. Those copy the chart first, and copying a
    layered or concatenated chart merges its layers again: theming the meeting pack that way took a fifth of the
    page's first visit. Callers pass a chart they have just built and do not keep the unthemed one."""
    if chart.config is alt.Undefined:
        chart.config = alt.Config()
    for part, value in parts.items():
        chart.config[part] = value
    return chart


def themed(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The shared theme (what chart.configure(font=…).configure_axis(…).configure_view(…) makes), set in place."""
    chart.config = alt.Config()
    return configured(chart, font=FONT, axis={"labelFontSize": 12, "titleFontSize": 12}, view={"stroke": None})


def _enlarged(node, smallest: int):
    """The spec with every font size below `smallest` raised to it (marks, axes, legends, headers, titles)."""
    if isinstance(node, dict):
        out = {k: _enlarged(v, smallest) for k, v in node.items() if k != "datasets"}
        for key, value in node.items():
            if key.endswith("FontSize") or key == "fontSize":
                out[key] = max(value, smallest) if isinstance(value, int | float) else value
        if "datasets" in node:
            out["datasets"] = node["datasets"]
        return out
    if isinstance(node, list):
        return [_enlarged(v, smallest) for v in node]
    return node


PROJECTED_CONFIG = {  # sizes that nothing in a spec sets explicitly default to Vega-Lite's 10–11 px
    "axis": {"labelFontSize": MIN_PROJECTED_PX, "titleFontSize": MIN_PROJECTED_PX},
    "legend": {"labelFontSize": MIN_PROJECTED_PX, "titleFontSize": MIN_PROJECTED_PX},
    "header": {"labelFontSize": MIN_PROJECTED_PX, "titleFontSize": MIN_PROJECTED_PX},
    "title": {"fontSize": MIN_PROJECTED_PX + 2},
    "text": {"fontSize": MIN_PROJECTED_PX},
}


def projected(drawn: dict) -> dict:
    """A spec for the projector: all labels, axis and legend text at least MIN_PROJECTED_PX."""
    config = drawn.get("config", {})
    for part, sizes in PROJECTED_CONFIG.items():
        config = config | {part: sizes | config.get(part, {})}
    return _enlarged(drawn | {"config": config}, MIN_PROJECTED_PX)
