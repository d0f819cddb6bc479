"""Revision history and change reports: each value a key has had, what changed since a date or with a new
file (values revised, rows added or withdrawn), and how fresh each dataset is."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from gydash.base import fmt, plan
from gydash.base.contract import DATASET_LABELS, DATASETS, column, columns
from gydash.snapshots import resolve, store
from gydash.snapshots.catalog import FileEntry
from gydash.snapshots.store import Data, LoadedFile

CHANGE_WORDS = {"revised": "修订", "added": "新增", "withdrawn": "撤回"}
CHANGE_ORDER = {"revised": 0, "added": 1, "withdrawn": 2}

# Days after which a dataset counts as stale. Indicators, activities and loans come quarterly; commendations
# yearly; the coverage ledger twice a year (March and October, so up to seven months apart). Targets are
# optional and never stale. GYDASH_STALE_DAYS sets all of them; GYDASH_STALE_DAYS_<DATASET> one of them.
DEFAULT_STALE_DAYS: dict[str, int | None] = {
    "indicators": 100,
    "activities": 100,
    "loans": 100,
    "commendations": 400,
    "coverage": 230,
    "targets": None,
}


# ---------------------------------------------------------------- freshness


def _env_days(name: str) -> int | None:
    """A whole number of days from the environment; anything else (blank, negative, '1e3', '²') means unset."""
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() else None


def stale_days(dataset: str) -> int | None:
    own = _env_days(f"GYDASH_STALE_DAYS_{dataset.upper()}")
    if own is not None:
        return own
    if DEFAULT_STALE_DAYS[dataset] is None:
        return None
    shared = _env_days("GYDASH_STALE_DAYS")
    return shared if shared is not None else DEFAULT_STALE_DAYS[dataset]


def freshness(data: Data, today: date) -> list[dict]:
    """Per dataset: newest accepted snapshot date, days since, whether stale, and a sentence saying so."""
    out = []
    for dataset in DATASETS:
        label = DATASET_LABELS[dataset]
        dates = [f.entry.as_of for f in data.accepted(dataset)]
        limit = stale_days(dataset)
        if not dates:
            text = f"{label}：还没有可用的数据文件"
            out.append({"dataset": dataset, "as_of": None, "days": None, "limit": limit, "stale": False, "text": text})
            continue
        as_of = max(dates)
        days = (today - as_of).days
        if days < 0:
            text = f"{label}截至 {as_of}（晚于今天 {today}，请核对文件名中的日期）"
        elif days == 0:
            text = f"{label}截至 {as_of}，今天刚更新"
        else:
            text = f"{label}截至 {as_of}，已 {days} 天未更新"
        stale = limit is not None and days > limit
        if stale:
            text += f"（超过 {limit} 天，请督促报送）"
        out.append({"dataset": dataset, "as_of": as_of, "days": days, "limit": limit, "stale": stale, "text": text})
    return out


# ---------------------------------------------------------------- one key's history


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


# ---------------------------------------------------------------- what changed


def _show(dataset: str, col: str, value: object) -> str:
    """A stored value as staff wrote it in Chinese: area and enumeration labels, 是/否, numbers without .0."""
    if value is None:
        return "（空）"
    if col == "area":
        return plan.area_name(value)
    if col == "indicator":
        return _indicator_name(value)
    spec = next((c for c in columns(dataset) if c.name == col), None)
    if spec is not None and spec.enum:
        return spec.enum.get(value, str(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return fmt.number(value)
    return str(value)


@dataclass(frozen=True)
class Spec:
    """How one dataset is compared: its resolved rows, the key, the compared values, how a row is named; and, where
    rows resolve in independent groups, how a subset of accepted rows resolves and the columns of a group (the key
    unless set; events group by id or whole row, see _touched)."""

    rows: Callable[[Data], pl.DataFrame]
    key: tuple[str, ...]
    values: tuple[str, ...]
    item: Callable[[dict], str]
    rows_in: Callable[[pl.DataFrame], pl.DataFrame] | None = None
    group: tuple[str, ...] | None = None


def _events(dataset: str) -> Callable[[Data], pl.DataFrame]:
    return lambda d: resolve.events(d, dataset)


def _events_in(dataset: str) -> Callable[[pl.DataFrame], pl.DataFrame]:
    return lambda t: resolve.events_in(t, dataset)


def _activity(r: dict) -> str:
    text = f"{r['date']} · {plan.area_name(r['area'])} · {_show('activities', 'kind', r['kind'])}"
    return text + (f" · {r['title']}" if r.get("title") else "") + (f"（编号 {r['id']}）" if r.get("id") else "")


def _loan(r: dict) -> str:
    text = f"{r['date']} · {plan.area_name(r['area'])} · {r['enterprise']}"
    return text + (f"（编号 {r['id']}）" if r.get("id") else "")


def _data_cols(dataset: str) -> tuple[str, ...]:
    return tuple(c.name for c in columns(dataset) if c.name != "id")


SPECS: dict[str, Spec] = {
    "indicators": Spec(
        resolve.indicator_values,
        ("indicator", "area", "year", "month"),
        ("value",),
        lambda r: key_label(r["indicator"], r["area"], r["year"], r["month"]),
        resolve.indicator_values_in,
    ),
    "activities": Spec(_events("activities"), ("id",), _data_cols("activities"), _activity, _events_in("activities")),
    "loans": Spec(_events("loans"), ("id",), _data_cols("loans"), _loan, _events_in("loans")),
    "commendations": Spec(
        resolve.commendations,
        ("year", "category", "name"),
        ("organization", "area", "date"),
        lambda r: f"{r['year']} 年 · {_show('commendations', 'category', r['category'])} · {r['name']}",
        resolve.commendations_in,
    ),
    "coverage": Spec(
        resolve.ledger_rows,
        ("round", "area", "org_name"),
        # updated_on changes with every resubmission; it is not a change in the organisation itself.
        (
            "credit_code",
            "org_type",
            "employees",
            "party_members",
            "org_coverage",
            "work_coverage",
            "mobile_members",
            "mobile_members_placed",
        ),
        lambda r: f"{r['round']} 期 · {plan.area_name(r['area'])} · {r['org_name']}",
        resolve.ledger_rows_in,
        ("area", "round"),  # a county's newest file for a round replaces its rows for that round
    ),
    "targets": Spec(
        resolve.targets,
        ("plan", "indicator", "area", "year"),
        ("month", "target", "kind", "base_year"),
        lambda r: f"{r['plan']} · {_indicator_name(r['indicator'])} · {plan.area_name(r['area'])} · {r['year']} 年",
    ),
}
UNKEYED = {"activities": _activity, "loans": _loan}  # events: by id as keyed rows; id-less ones as whole rows, counted


def _value_text(dataset: str, col: str, value: object, row: dict) -> str:
    if dataset == "indicators" and col == "value":
        return fmt.number(value, _indicator_unit(row["indicator"]))
    if dataset == "loans" and col == "amount_wan":
        return fmt.number(value, "万元")
    return _show(dataset, col, value)


def _label(dataset: str, col: str) -> str:
    return column(dataset, col).zh


def _summary(dataset: str, spec: Spec, row: dict, suffix: str = "") -> str:
    if dataset == "indicators":
        return _value_text(dataset, "value", row["value" + suffix], row)
    parts = [
        f"{_label(dataset, c)} {_value_text(dataset, c, row[c + suffix], row)}"
        for c in spec.values
        if c not in spec.key
        and row[c + suffix] is not None
        and c not in ("date", "area", "kind", "enterprise", "title")
    ]
    return "；".join(parts)


def _keyed(dataset: str, spec: Spec, old: pl.DataFrame, new: pl.DataFrame) -> list[dict]:
    cols = [*spec.key, *spec.values, "file"]
    o = old.select(cols).with_columns(pl.lit(True).alias("_old"))
    n = new.select(cols).with_columns(pl.lit(True).alias("_new"))
    joined = o.join(n, on=list(spec.key), how="full", coalesce=True, nulls_equal=True, suffix="_n")
    # Rows present on both sides with every value the same cannot be a change: drop them before the row-by-row
    # wording below (a million unchanged activities made that loop take half a minute). NaN is never "the same"
    # here, as in the Python comparison that decides.
    same = pl.col("_old").fill_null(False) & pl.col("_new").fill_null(False)
    for c in spec.values:
        same &= pl.col(c).eq_missing(pl.col(c + "_n"))
        if joined.schema[c].is_float():
            same &= ~(pl.col(c).is_nan() | pl.col(c + "_n").is_nan()).fill_null(False)
    joined = joined.filter(~same)
    out = []
    for r in joined.iter_rows(named=True):
        base = {c: r[c] for c in spec.key} | {c: r[c] if r["_old"] else r[c + "_n"] for c in spec.values}
        item = spec.item(base | {c: r[c + "_n"] for c in spec.values if r["_new"]})
        if not r["_old"]:
            after = _summary(dataset, spec, {**base, **{c: r[c + "_n"] for c in spec.values}})
            out.append(
                {"dataset": dataset, "change": "added", "item": item, "before": "", "after": after, "file": r["file_n"]}
            )
        elif not r["_new"]:
            out.append(
                {
                    "dataset": dataset,
                    "change": "withdrawn",
                    "item": item,
                    "before": _summary(dataset, spec, base),
                    "after": "",
                    "file": r["file"],
                }
            )
        else:
            diff = [c for c in spec.values if r[c] != r[c + "_n"]]
            if not diff:
                continue
            before = "；".join(
                (f"{_label(dataset, c)} " if dataset != "indicators" else "") + _value_text(dataset, c, r[c], base)
                for c in diff
            )
            after = "；".join(
                (f"{_label(dataset, c)} " if dataset != "indicators" else "")
                + _value_text(dataset, c, r[c + "_n"], base)
                for c in diff
            )
            out.append(
                {
                    "dataset": dataset,
                    "change": "revised",
                    "item": item,
                    "before": before,
                    "after": after,
                    "file": r["file_n"],
                }
            )
    return out


def _counted(dataset: str, old: pl.DataFrame, new: pl.DataFrame) -> list[dict]:
    """Id-less events: identical rows are one event each; compare how many of each row there are."""
    cols = list(_data_cols(dataset))
    o = old.filter(pl.col("id").is_null()).group_by(cols).agg(pl.len().alias("n_old"), pl.col("file").last())
    n = new.filter(pl.col("id").is_null()).group_by(cols).agg(pl.len().alias("n_new"), pl.col("file").last())
    joined = o.join(n, on=cols, how="full", coalesce=True, nulls_equal=True, suffix="_n")
    joined = joined.filter(pl.col("n_new").fill_null(0) != pl.col("n_old").fill_null(0))  # only rows that changed
    out = []
    for r in joined.iter_rows(named=True):
        delta = (r["n_new"] or 0) - (r["n_old"] or 0)
        if delta == 0:
            continue
        item = UNKEYED[dataset](r) + (f" × {abs(delta)}" if abs(delta) > 1 else "")
        if dataset == "loans":
            what = _value_text(dataset, "amount_wan", r["amount_wan"], r)
        else:
            what = "；".join(
                f"{_label(dataset, c)} {_show(dataset, c, r[c])}"
                for c in ("organizer", "enterprises_served", "participants")
                if r[c] is not None
            )
        change = "added" if delta > 0 else "withdrawn"
        out.append(
            {
                "dataset": dataset,
                "change": change,
                "item": item,
                "before": what if delta < 0 else "",
                "after": what if delta > 0 else "",
                "file": r["file_n"] if delta > 0 else r["file"],
            }
        )
    return out


CHANGES_SCHEMA = {
    "dataset": pl.String,
    "change": pl.String,
    "item": pl.String,
    "before": pl.String,
    "after": pl.String,
    "file": pl.String,
}


def _added(old: Data, new: Data, dataset: str) -> list[str] | None:
    """The dataset's files in `new` that `old` has not, when `new` only adds files; None when a file of `old` is
    gone or has changed (then nothing can be ruled out)."""
    before = {f.entry.rel: f.entry.fingerprint for f in old.accepted(dataset)}
    after = {f.entry.rel: f.entry.fingerprint for f in new.accepted(dataset)}
    if any(after.get(rel) != fingerprint for rel, fingerprint in before.items()):
        return None
    return [rel for rel in after if rel not in before]


def _touched(old: Data, new: Data, dataset: str, added: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Both sides resolved from only the groups of rows the added files can affect (the spec's group: a key, a
    county's round; an event's id, or for an id-less event its whole row). Every other group resolves from the very
    same rows on both sides, so it cannot differ; a comparison then costs the new files' rows, not a million."""
    spec = SPECS[dataset]
    if dataset in UNKEYED:
        return _touched_events(old, new, dataset, added)
    fresh = new.frames[dataset].filter(pl.col("_file").is_in(added))
    group = list(spec.group or spec.key)
    groups = fresh.select(group).unique()

    def rows(t: pl.DataFrame) -> pl.DataFrame:
        return t.join(groups, on=group, how="semi", nulls_equal=True)

    return spec.rows_in(rows(old.frames[dataset])), spec.rows_in(rows(new.frames[dataset]))


def _touched_events(old: Data, new: Data, dataset: str, added: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """_touched for events: the rows sharing an id, or for an id-less event its whole row, with the added files' rows,
    picked where they are stored (a million activity rows never leave the warehouse)."""
    cols = list(_data_cols(dataset))
    fresh = _rows_of_files(new, dataset, added)
    ids = fresh["id"].drop_nulls().unique()
    values = fresh.filter(pl.col("id").is_null()).select(cols).unique()

    def rows(d: Data) -> pl.DataFrame:
        t = _rows_matching(d, dataset, ids, values)
        without = t.filter(pl.col("id").is_null()).join(values, on=cols, how="semi", nulls_equal=True)
        return spec_rows_in(pl.concat([t.filter(pl.col("id").is_in(ids.implode())), without]))

    spec_rows_in = SPECS[dataset].rows_in
    return rows(old), rows(new)


def _rows_of_files(d: Data, dataset: str, rels: list[str]) -> pl.DataFrame:
    """The accepted rows of the given files, with provenance."""
    extra = [f for f in d.extra if f.entry.dataset == dataset and f.entry.rel in rels]
    stored = _stored_rows(d, dataset, "f.rel in (select unnest($rels))", {"rels": rels})
    if not extra:
        return stored
    own = [store.with_provenance(d, f).select(stored.columns) for f in extra]
    return pl.concat([store.renumbered(d, dataset, stored), *own], how="vertical_relaxed")


def _rows_matching(d: Data, dataset: str, ids: pl.Series, values: pl.DataFrame) -> pl.DataFrame:
    """The accepted rows (with provenance) whose id is among `ids`, or id-less on a date and area seen in `values`
    (the caller matches whole rows), in the order they take effect."""
    keys = values.select("date", "area").unique()
    where = "r.id in (select unnest($ids)) or (r.id is null and (r.date, r.area) in (select (date, area) from keys))"
    stored = _stored_rows(d, dataset, where, {"ids": ids.to_list()}, keys=keys)
    extra = [f for f in d.extra if f.entry.dataset == dataset]
    if not extra:
        return stored
    own = [store.with_provenance(d, f).select(stored.columns) for f in extra]
    rows = pl.concat([store.renumbered(d, dataset, stored), *own], how="vertical_relaxed")
    return rows.sort("_order", "_row", maintain_order=True)


def _stored_rows(d: Data, dataset: str, where: str, params: dict, **frames: pl.DataFrame) -> pl.DataFrame:
    cols = ", ".join(f"r.{c}" for c in columns_of(dataset))
    sql = f"""
        select r._row, {cols}, f.rel as _file, f.as_of as _as_of, f.ord::bigint as _order
        from rows_{dataset} r join files f on f.fid = r._fid
        where f.as_of <= $until and ({where})
        order by f.ord, r._row
    """
    return d.query(sql, params, **frames)


def columns_of(dataset: str) -> list[str]:
    return [c.name for c in columns(dataset)]


def changes(old: Data, new: Data, datasets: tuple[str, ...] = DATASETS) -> pl.DataFrame:
    """What differs between two states of the data, in resolved terms: one row per value revised, row added
    or row withdrawn, with the file now in effect (or, for a withdrawn row, the file it came from).

    A dataset with the same files on both sides is skipped; when `new` only adds files (a later date, a previewed
    import), only the groups of rows the added files touch are resolved and compared (see _touched)."""
    rows: list[dict] = []
    for dataset in datasets:
        spec, added = SPECS[dataset], _added(old, new, dataset)
        if added == []:
            continue
        if added is None or spec.rows_in is None:
            before, after = spec.rows(old), spec.rows(new)
        else:
            before, after = _touched(old, new, dataset, added)
        if dataset in UNKEYED:
            with_id = pl.col("id").is_not_null()
            rows += _keyed(dataset, spec, before.filter(with_id), after.filter(with_id))
            rows += _counted(dataset, before, after)
        else:
            rows += _keyed(dataset, spec, before, after)
    frame = pl.DataFrame(rows, schema=CHANGES_SCHEMA)
    order = {d: i for i, d in enumerate(DATASETS)}
    return frame.sort(
        pl.col("dataset").replace_strict(order, return_dtype=pl.Int64),
        pl.col("change").replace_strict(CHANGE_ORDER, return_dtype=pl.Int64),
        "item",
    )


def changes_since(now: Data | Path | str, since: date) -> pl.DataFrame:
    """What changed after `since`: the data as it stood from snapshots up to that date, against now (the data now,
    whose scan is reused, or a data dir). Cached on the data now, per date."""
    new = now if isinstance(now, Data) else store.load(now)
    return new.cached(f"changes_since:{since.isoformat()}", lambda: changes(store.cut(new, since), new))


def counts(frame: pl.DataFrame) -> list[str]:
    """'指标数据：修订 2 项，新增 5 项' per dataset, for a headline above the change table."""
    n = dict(((d, c), k) for d, c, k in frame.group_by("dataset", "change").len().iter_rows())
    out = []
    for dataset in DATASETS:
        words = [f"{CHANGE_WORDS[c]} {n[dataset, c]} 项" for c in CHANGE_ORDER if (dataset, c) in n]
        if words:
            out.append(f"{DATASET_LABELS[dataset]}：" + "，".join(words))
    return out


def with_file(data: Data, dataset: str, rel: str, as_of: date, frame: pl.DataFrame, rows: int) -> Data:
    """The data as it would be with one more accepted file (an import not yet written), for a preview."""
    entry = FileEntry(dataset, data.data_dir / rel, rel, 0, 0, as_of, "name")
    return store.with_extra(data, LoadedFile(entry, frame, rows=rows))
