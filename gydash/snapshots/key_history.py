"""One key's history: each value an indicator key has had, and each file a county sent for a ledger round."""

from __future__ import annotations

import polars as pl

from gydash.base import fmt, plan
from gydash.snapshots import resolve
from gydash.snapshots.store import Data


def _indicator_name(code: str) -> str:
    try:
        return plan.indicator(code)["name"]
    except KeyError:
        return code


def _indicator_unit(code: str) -> str:
    try:
        return plan.indicator(code)["unit"]
    except KeyError:
        return ""


def _period(indicator: str, year: int, month: int) -> str:
    try:
        measure = plan.indicator(indicator)["measure"]
    except KeyError:
        measure = "flow"
    return fmt.period(year, month, measure)


def indicator_keys(data: Data) -> pl.DataFrame:
    """Every (indicator, area, year, month) with a value, with labels for pickers; newest period first."""
    values = resolve.indicator_values(data)
    if values.is_empty():
        return pl.DataFrame(schema={"indicator": pl.String, "area": pl.String, "year": pl.Int64, "month": pl.Int64})
    keys = values.select("indicator", "area", "year", "month", "revised")
    return keys.sort(["year", "month", "indicator", "area"], descending=[True, True, False, False])


def indicator_key_history(data: Data, indicator: str, area: str, year: int, month: int) -> pl.DataFrame:
    """Every value the key has had, oldest first: snapshot date, file, row, value, what changed, in use."""
    hist = resolve.indicator_history(data, indicator, area, year, month)
    unit = _indicator_unit(indicator)
    rows, previous = [], None
    for i, r in enumerate(hist.iter_rows(named=True)):
        if previous is None:
            change = "首次报送"
        elif r["value"] != previous:
            change = f"修订（原为 {fmt.number(previous, unit)}）"
        else:
            change = "未变"
        rows.append(
            {
                "as_of": r["as_of"],
                "file": r["file"],
                "row": r["row"],
                "value": fmt.number(r["value"], unit),
                "source": r["source"] or "",
                "change": change,
                "in_use": "✓ 当前采用" if i == hist.height - 1 else "",
            }
        )
        previous = r["value"]
    schema = {
        "as_of": pl.Date,
        "file": pl.String,
        "row": pl.Int64,
        "value": pl.String,
        "source": pl.String,
        "change": pl.String,
        "in_use": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def indicator_key_summary(data: Data, indicator: str, area: str, year: int, month: int) -> str:
    """'现值 56 家，自 2025-10-15 起（indicators/…）；此前为 55 家' for the chosen key."""
    values = resolve.indicator_values(data).filter(
        (pl.col("indicator") == indicator)
        & (pl.col("area") == area)
        & (pl.col("year") == year)
        & (pl.col("month") == month)
    )
    if values.is_empty():
        return "没有这项数据"
    r = values.row(0, named=True)
    unit = _indicator_unit(indicator)
    text = f"现值 {fmt.number(r['value'], unit)}，自 {r['since']} 起（{r['file']}）"
    if r["revised"]:
        text += f"；此前为 {fmt.number(r['previous_value'], unit)}（{r['previous_file']}）"
    return text


def key_label(indicator: str, area: str, year: int, month: int) -> str:
    return f"{_indicator_name(indicator)} · {plan.area_name(area)} · {_period(indicator, year, month)}"


def ledger_keys(data: Data) -> pl.DataFrame:
    """Every (area, round) the ledger has rows for; newest round first."""
    sql = "select distinct area, round from t order by round desc, area"
    return data.query(sql, rows={"t": "coverage"}).cast({"area": pl.String, "round": pl.String})


def ledger_round_history(data: Data, area: str, round_: str) -> pl.DataFrame:
    """Each file a county submitted for a round, oldest first: organisations, uncovered, who joined or left."""
    # In the order the files take effect (snapshot date, then file name), the order the README states.
    sql = "select * from t where area = $area and round = $round order by _order, _row"
    frame = data.query(sql, {"area": area, "round": round_}, rows={"t": "coverage"})
    rows, before = [], None
    newest = frame["_order"].max() if frame.height else None
    for (file, as_of, order), part in frame.group_by(["_file", "_as_of", "_order"], maintain_order=True):
        del order
        orgs = set(part["org_name"].to_list())
        uncovered = part.filter((pl.col("org_coverage") == "none") & ~pl.col("work_coverage").fill_null(False))
        joined = sorted(orgs - before) if before is not None else []
        left = sorted(before - orgs) if before is not None else []
        rows.append(
            {
                "as_of": as_of,
                "file": file,
                "updated_on": part["updated_on"].min(),
                "orgs": len(orgs),
                "party_members": int(part["party_members"].sum()),
                "uncovered": uncovered.height,
                "joined": "、".join(joined),
                "left": "、".join(left),
                "in_use": "✓ 当前采用" if part["_order"][0] == newest else "已被后来的文件替换",
            }
        )
        before = orgs
    schema = {
        "as_of": pl.Date,
        "file": pl.String,
        "updated_on": pl.Date,
        "orgs": pl.Int64,
        "party_members": pl.Int64,
        "uncovered": pl.Int64,
        "joined": pl.String,
        "left": pl.String,
        "in_use": pl.String,
    }
    out = pl.DataFrame(rows, schema=schema)
    return out
