"""Properties (hypothesis): valid indicator files always pass; resolution is "the newest file wins per key";
events spread over several files count once each."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from conftest import activity, ind, write_parquet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gydash.base import plan
from gydash.base.contract import columns
from gydash.snapshots import resolve, store, validate

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])

AREAS = plan.areas().to_dicts()
CATALOGUE = plan.indicators().to_dicts()
# Every spelling staff may use, paired with the code it must become.
AREA_SPELLINGS = [(r[k], r["code"]) for r in AREAS for k in ("code", "name", "short")]
INDICATOR_SPELLINGS = [(r[k], r["code"]) for r in CATALOGUE for k in ("code", "name")]
UNITS = {r["code"]: r["unit"] for r in CATALOGUE}

MAXES = {r["code"]: r["max_value"] for r in CATALOGUE}


def values(limit: float):
    return st.floats(min_value=0, max_value=limit, allow_nan=False, allow_infinity=False)


@st.composite
def indicator_rows(draw) -> tuple[list[dict], list[tuple]]:
    """Rows with distinct keys, written with any accepted spelling; and each row's expected (normalised) form."""
    n = draw(st.integers(1, 12))
    rows, expected, seen = [], [], set()
    for _ in range(n):
        indicator, ind_code = draw(st.sampled_from(INDICATOR_SPELLINGS))
        area, area_code = draw(st.sampled_from(AREA_SPELLINGS))
        year = draw(st.integers(2000, 2100))
        month = draw(st.one_of(st.none(), st.integers(1, 12)))
        key = (ind_code, area_code, year, month or 12)
        if key in seen:
            continue
        seen.add(key)
        units = [None, UNITS[ind_code]] + (["万元"] if UNITS[ind_code] == "亿元" else [])
        unit = draw(st.sampled_from(units))
        # Any value up to the catalogue's plausible maximum (in the unit written) is valid.
        value = draw(values(MAXES[ind_code] * (10_000 if unit == "万元" else 1)))
        rows.append({"indicator": indicator, "area": area, "year": year, "month": month, "value": value, "unit": unit})
        expected.append((*key, value / 10_000 if unit == "万元" else value))  # 1 亿元 = 10 000 万元
    return rows, expected


@SETTINGS
@given(indicator_rows(), st.booleans())
def test_valid_indicator_rows_always_pass(case, chinese_headers):
    rows, expected = case
    raw = pl.DataFrame(rows, schema_overrides={"month": pl.Int64, "unit": pl.String})
    if chinese_headers:
        raw = raw.rename({c.name: c.zh for c in columns("indicators") if c.name in raw.columns})
    result = validate.validate("indicators", raw, "indicators/x.parquet")
    assert result.errors == [], [str(p) for p in result.errors]
    got = result.frame.select("indicator", "area", "year", "month", "value").rows()
    assert [g[:4] for g in got] == [e[:4] for e in expected]
    assert [g[4] for g in got] == pytest.approx([e[4] for e in expected], rel=1e-12)


# --- newest file wins ---------------------------------------------------------------------------------------------

KEY_SPACE = st.tuples(
    st.sampled_from(["tech_sme", "conversion_output"]),
    st.sampled_from(["利州区", "昭化区", "广元市"]),
    st.sampled_from([2024, 2025]),
    st.sampled_from([6, 12]),
)
SNAPSHOT = st.dictionaries(KEY_SPACE, st.integers(0, 3).map(float), min_size=1, max_size=6)
NAMES = ("{d:%Y-%m-%d}.parquet", "{d:%Y%m%d}_统计局.parquet", "sub/指标_{d:%Y-%m-%d}.parquet")


@SETTINGS
@given(
    snapshots=st.lists(st.tuples(SNAPSHOT, st.sampled_from(NAMES)), min_size=1, max_size=5),
    start=st.dates(date(2024, 1, 1), date(2026, 1, 1)),
    gaps=st.lists(st.integers(1, 200), min_size=5, max_size=5),
)
def test_resolution_is_last_file_wins_per_key(tmp_path_factory, snapshots, start, gaps):
    root = tmp_path_factory.mktemp("newest")
    day = start
    history: dict[tuple, list[float]] = {}
    for (rows, name), gap in zip(snapshots, gaps, strict=False):  # files in date order, names in any order
        day += timedelta(days=gap)
        write_parquet(root / "indicators" / name.format(d=day), [ind(*key, value) for key, value in rows.items()])
        for key, value in rows.items():
            history.setdefault(key, []).append(value)

    resolved = resolve.indicator_values(store.load(root))

    codes = plan.area_lookup()
    got = {
        (r["indicator"], r["area"], r["year"], r["month"]): (r["value"], r["previous_value"])
        for r in resolved.iter_rows(named=True)
    }
    expected = {}
    for (indicator, area, year, month), versions in history.items():
        final = versions[-1]
        different = [v for v in versions[:-1] if v != final]
        expected[(indicator, codes[area], year, month)] = (final, different[-1] if different else None)
    assert got == expected


# --- events count once ------------------------------------------------------------------------------------------


@SETTINGS
@given(
    placements=st.lists(st.sets(st.integers(0, 3), min_size=1), min_size=1, max_size=12),
    with_ids=st.booleans(),
)
def test_events_spread_over_files_count_once(tmp_path_factory, placements, with_ids):
    root = tmp_path_factory.mktemp("events")
    files: dict[int, list[dict]] = {}
    for i, where in enumerate(placements):
        extra = {"id": f"E{i}"} if with_ids else {}
        for f in sorted(where):
            # the same event, re-sent in a later file with its participant count revised
            row = activity(f"2025-{1 + i % 12:02d}-05", title=f"活动{i}", participants=10 + f, **extra)
            files.setdefault(f, []).append(row if with_ids else row | {"participants": 10})
    for f, rows in files.items():
        write_parquet(root / "activities" / f"2025-12-{10 + f}.parquet", rows)

    events = resolve.events(store.load(root), "activities")

    assert sorted(events["title"].to_list()) == sorted(f"活动{i}" for i in range(len(placements)))
    if with_ids:  # the newest file holding an event wins
        got = dict(zip(events["title"], events["participants"], strict=True))
        assert got == {f"活动{i}": 10 + max(where) for i, where in enumerate(placements)}
