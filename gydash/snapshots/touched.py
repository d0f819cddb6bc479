"""The rows added files can affect, picked where they are stored, so a change report compares only those."""

from __future__ import annotations

import polars as pl

from gydash.base.contract import columns
from gydash.snapshots.change_specs import SPECS, UNKEYED, _data_cols
from gydash.snapshots.frames import renumbered, with_provenance
from gydash.snapshots.store import Data


def _touched(old: Data, new: Data, dataset: str, added: list[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Both sides resolved from only the groups of rows the added files can affect (the spec's group: a key, a
    county's round; an event's id, or for an id-less event its whole row). Every other group resolves from the very
    same rows on both sides, so it cannot differ; a comparison then costs the new files' rows, not a million."""
    spec = SPECS[dataset]
    if dataset in UNKEYED:
        return _touched_events(old, new, dataset, added)
    group = list(spec.group or spec.key)
    groups = _rows_of_files(new, dataset, added).select(group).unique()

    def rows(d: Data) -> pl.DataFrame:
        # Narrowed in the warehouse by the group's first column, then matched exactly (nulls equal) here.
        first = groups[group[0]]
        where = f"r.{group[0]} in (select unnest($firsts))" + (
            f" or r.{group[0]} is null" if first.null_count() else ""
        )
        t = _with_extra(d, dataset, _stored_rows(d, dataset, where, {"firsts": first.drop_nulls().unique().to_list()}))
        return t.join(groups, on=group, how="semi", nulls_equal=True)

    return spec.rows_in(rows(old)), spec.rows_in(rows(new))


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
    own = [with_provenance(d, f).select(stored.columns) for f in extra]
    return pl.concat([renumbered(d, dataset, stored), *own], how="vertical_relaxed")


def _rows_matching(d: Data, dataset: str, ids: pl.Series, values: pl.DataFrame) -> pl.DataFrame:
    """The accepted rows (with provenance) whose id is among `ids`, or id-less on a date and area seen in `values`
    (the caller matches whole rows), in the order they take effect."""
    keys = values.select("date", "area").unique()
    where = "r.id in (select unnest($ids)) or (r.id is null and (r.date, r.area) in (select (date, area) from keys))"
    return _with_extra(d, dataset, _stored_rows(d, dataset, where, {"ids": ids.to_list()}, keys=keys))


def _with_extra(d: Data, dataset: str, stored: pl.DataFrame) -> pl.DataFrame:
    """Stored rows with the rows of files not yet stored (an import being previewed) where they take effect."""
    extra = [f for f in d.extra if f.entry.dataset == dataset]
    if not extra:
        return stored
    own = [with_provenance(d, f).select(stored.columns) for f in extra]
    rows = pl.concat([renumbered(d, dataset, stored), *own], how="vertical_relaxed")
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
