"""What changed between two states of the data (values revised, rows added or withdrawn), worded for staff."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from gydash.base import fmt
from gydash.base.contract import DATASET_LABELS, DATASETS, column
from gydash.snapshots import store
from gydash.snapshots.change_specs import SPECS, UNKEYED, Spec, _data_cols, _show
from gydash.snapshots.key_history import _indicator_unit
from gydash.snapshots.store import Data
from gydash.snapshots.touched import _touched

CHANGE_WORDS = {"revised": "修订", "added": "新增", "withdrawn": "撤回"}
CHANGE_ORDER = {"revised": 0, "added": 1, "withdrawn": 2}


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
