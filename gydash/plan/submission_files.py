"""What each county has sent of a dataset: the accepted files that count as its own, and rejected files waiting.

When a county has submitted a dataset for a period (the rule, also in the README):

- activities, loans (events; a month with no event legitimately has no rows): an accepted snapshot dated on or after
  the period's last day that carries the county's rows, or is the county's own file (its name holds the county's
  name, e.g. ``2026-10-20_剑阁县.parquet``), or is a city-wide compilation (its name holds no county's name).
- indicators: the county's rows for the period's last month (year and month) in any accepted snapshot.
- coverage: the county's rows for the round (``round`` = ``YYYY-MM`` of the period's last month).
- commendations: the county's rows for the year, or a snapshot dated on or after 31 December as for events.
- A county's own file with no rows at all (零报告) dated on or after the period's first day counts for it.

A rejected file is corrected once an accepted file of the same dataset that sorts after it (snapshot date, then file
name) is the county's (for a file named after a county) or any (for a city-wide file).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from typing import NamedTuple

import polars as pl

from gydash.base import plan
from gydash.plan.submission_rules import Period, Rule
from gydash.snapshots.store import Data

SNAPSHOT_DATASETS = ("activities", "loans", "commendations")  # judged by snapshot date (and the file's county)
ROW_KEYS = {"indicators": ("year", "month"), "coverage": ("round",), "commendations": ("year",)}


@lru_cache(maxsize=65536)
def county_in_name(name: str) -> str | None:
    """The county a file name names (full name first, then short name), or None for a city-wide file."""
    base = name.rsplit("/", 1)[-1]
    for spellings in _county_spellings():
        for code, spelled in spellings:
            if spelled in base:
                return code
    return None


@cache
def _county_spellings() -> tuple[tuple[tuple[str, str], ...], ...]:
    found = plan.areas().filter(~pl.col("is_city"))
    return tuple(tuple(zip(found["code"], found[c], strict=True)) for c in ("name", "short"))


class File(NamedTuple):  # thousands per look at the data: a tuple is made fastest
    rel: str
    as_of: date
    order: tuple
    county: str | None  # named in the file name
    areas: frozenset[str]  # areas with rows in the file


def accepted_files(data: Data, dataset: str) -> list[File]:
    """The dataset's accepted files, each with the areas it carries rows for: the one place this module reads the
    store, so a different store only has to answer this."""
    by_file = {rel: set(areas) for rel, areas in _areas_by_file(data, dataset).iter_rows()}
    return sorted(
        (
            File(
                f.entry.rel,
                f.entry.as_of,
                f.entry.order,
                county_in_name(f.entry.rel),
                frozenset(by_file.get(f.entry.rel, ())),
            )
            for f in data.accepted(dataset)
        ),
        key=lambda f: f.order,
    )


def _areas_by_file(data: Data, dataset: str) -> pl.DataFrame:
    """(file, areas with rows in it), as the warehouse noted them when it stored the file."""
    if any(f.entry.dataset == dataset for f in data.extra):
        return data.frames[dataset].group_by("_file").agg(pl.col("area").unique())
    sql = "select rel, areas from files where dataset = $ds and status <> 'rejected' and as_of <= $until"
    return data.query(sql, {"ds": dataset})


def row_keys(data: Data, dataset: str) -> set[tuple]:
    """(area, period columns…) of every accepted row, for datasets whose rows name their period."""
    keys = ROW_KEYS.get(dataset)
    if keys is None:
        return set()
    if any(f.entry.dataset == dataset for f in data.extra):
        rows = data.frames[dataset]
        return set(rows.select("area", *keys).unique().iter_rows()) if rows.height else set()
    cols = ", ".join(f"r.{k}" for k in keys)
    sql = f"""
        select distinct r.area, {cols} from rows_{dataset} r join files f on f.fid = r._fid
        where f.as_of <= $until
    """
    return set(data.query(sql).iter_rows())


@dataclass(frozen=True)
class Sent:
    """What a county has sent of one dataset, as the submission checks ask it: the newest snapshot date among the
    files that count as its own (rows, name or city-wide), and the newest of its own empty files (零报告)."""

    newest: date | None
    newest_empty: date | None


def sent_by_county(files: list[File]) -> dict[str, tuple[Sent, File | None]]:
    """Per county, what it has sent (see Sent) and its newest file by the order files take effect: one pass over
    the files for every rule. A file counts as a county's submission by its rows, its name, or as a city-wide
    compilation (no county named: it counts for every area)."""
    counties = tuple(plan.areas()["code"])
    newest: dict[str, date] = {}
    empty: dict[str, date] = {}
    latest: dict[str, File] = {}
    for f in files:  # in the order files take effect, so the last one seen is the newest
        owners = counties if f.county is None else {f.county, *f.areas}
        for county in owners:
            latest[county] = f
            if county not in newest or f.as_of > newest[county]:
                newest[county] = f.as_of
        if f.county is not None and not f.areas and (f.county not in empty or f.as_of > empty[f.county]):
            empty[f.county] = f.as_of
    return {c: (Sent(newest.get(c), empty.get(c)), latest.get(c)) for c in {*newest, *empty, *counties}}


def submitted(rule: Rule, p: Period, county: str, sent: Sent, keys: set[tuple]) -> bool:
    """Whether the county has submitted the period, by the rule in this module's docstring."""
    if rule.dataset in ROW_KEYS:
        row_key = {"indicators": (p.end.year, p.end.month), "coverage": (p.key[:7],), "commendations": (p.end.year,)}
        if (county, *row_key[rule.dataset]) in keys:
            return True
    if rule.dataset in SNAPSHOT_DATASETS and sent.newest is not None and sent.newest >= p.end:
        return True
    # 零报告: the county's own file with no rows, dated within or after the period.
    return sent.newest_empty is not None and sent.newest_empty >= p.start


def rejected(data: Data, dataset: str, files: list[File], today: date) -> list[dict]:
    """Rejected files of the dataset not yet followed by an accepted corrected copy."""
    out = []
    for f in data.rejected():
        if f.entry.dataset != dataset:
            continue
        county = county_in_name(f.entry.rel)
        later = [a for a in files if a.order > f.entry.order]
        if any(county is None or county in a.areas or a.county == county for a in later):
            continue
        out.append(
            {
                "path": f.entry.rel,
                "dataset": dataset,
                "area_code": county,
                "area": plan.area_name(county) if county else "",
                "as_of": f.entry.as_of.isoformat() if f.entry.as_of else None,
                "days_waiting": (today - f.entry.as_of).days if f.entry.as_of else None,
                "reasons": [str(p) for p in f.errors],
            }
        )
    return out
