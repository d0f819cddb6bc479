"""The snapshot warehouse: built from the data dir, kept in step file by file, disposable, shared by processes."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from conftest import activity, ind, write_parquet

from gydash.snapshots import duck_memory, resolve, store, warehouse
from gydash.snapshots.validate import validate

ROOT = Path(__file__).resolve().parent.parent
GOOD = [ind("tech_sme", "利州区", 2025, 6, 40.0)]


@pytest.fixture(autouse=True)
def warehouse_file(monkeypatch):
    """These tests are about the file a server keeps (the rest of the suite keeps the warehouse in memory)."""
    monkeypatch.setenv("GYDASH_WAREHOUSE", "file")
    warehouse.close_all()
    yield
    warehouse.close_all()


# A child process loads the data dir and reports how many files it read and one figure, so a test can look at
# what another process (a restarted app, the CLI beside the app) does with the same state dir.
CHILD = """
import json, os, sys, time
from gydash.snapshots import resolve, store, tables
tables.SCHEMA_VERSION = os.environ.get("TEST_SCHEMA_VERSION", tables.SCHEMA_VERSION)  # a later release
d = store.load(sys.argv[1])
values = resolve.indicator_values(d)["value"].to_list()
print(json.dumps({"reads": store.reads(), "values": values, "slot": str(d.warehouse.path)}), flush=True)
if len(sys.argv) > 2:
    time.sleep(float(sys.argv[2]))
"""


def _child(data_dir: Path, hold: float | None = None, wait: bool = True):
    args = [sys.executable, "-c", CHILD, str(data_dir), *([str(hold)] if hold else [])]
    proc = subprocess.Popen(args, cwd=ROOT, env=os.environ.copy(), stdout=subprocess.PIPE, text=True)
    if not wait:
        return proc, json.loads(proc.stdout.readline())
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0
    return json.loads(out.strip().splitlines()[-1])


def test_a_restart_reads_no_file_and_gives_the_same_numbers(write, data_dir):
    write("indicators", "2025-06-30.parquet", GOOD)
    write("indicators", "2025-09-30.parquet", [ind("tech_sme", "利州区", 2025, 9, 44.0)])
    first = _child(data_dir)
    again = _child(data_dir)
    assert first["reads"] == 2
    assert again == first | {"reads": 0}


def test_a_file_dropped_while_the_app_was_down_is_the_only_one_read(write, data_dir):
    write("indicators", "2025-06-30.parquet", GOOD)
    _child(data_dir)
    write("indicators", "2025-09-30.parquet", [ind("tech_sme", "利州区", 2025, 9, 44.0)])
    after = _child(data_dir)
    assert after["reads"] == 1 and after["values"] == [40.0, 44.0]


def test_deleting_the_warehouse_loses_nothing(write, data_dir, state_dir):
    write("indicators", "2025-06-30.parquet", GOOD)
    first = _child(data_dir)
    for p in (state_dir / "warehouse").iterdir():
        p.unlink()
    again = _child(data_dir)
    assert again == first  # read again from the data dir, the same numbers


def test_a_warehouse_of_another_schema_is_rebuilt(write, data_dir, monkeypatch):
    write("indicators", "2025-06-30.parquet", GOOD)
    first = _child(data_dir)
    monkeypatch.setenv("TEST_SCHEMA_VERSION", "a later version")
    again = _child(data_dir)
    assert again == first  # every file read again (reads 1): nothing of the old tables was trusted


def test_two_processes_on_one_data_dir_each_get_a_warehouse(write, data_dir):
    write("indicators", "2025-06-30.parquet", GOOD)
    holder, held = _child(data_dir, hold=30, wait=False)  # an app that keeps running
    try:
        beside = _child(data_dir)  # the CLI, or a second replica, started meanwhile
        assert beside["slot"] != held["slot"]
        assert beside["values"] == held["values"] == [40.0]
    finally:
        holder.kill()
        holder.communicate()
    restarted = _child(data_dir)  # the app restarted takes a built warehouse back
    assert restarted["reads"] == 0 and restarted["values"] == [40.0]


def test_a_state_dir_inside_the_data_dir_is_not_used(write, data_dir, monkeypatch):
    write("indicators", "2025-06-30.parquet", GOOD)
    monkeypatch.setenv("GYDASH_STATE_DIR", str(data_dir / "state"))
    before = sorted(p.relative_to(data_dir) for p in data_dir.rglob("*"))
    result = _child(data_dir)
    assert result["values"] == [40.0] and result["slot"] == "None"
    assert sorted(p.relative_to(data_dir) for p in data_dir.rglob("*")) == before


def test_an_unwritable_state_dir_keeps_the_warehouse_in_memory(write, data_dir, tmp_path, monkeypatch):
    write("indicators", "2025-06-30.parquet", GOOD)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the state dir should be")
    monkeypatch.setenv("GYDASH_STATE_DIR", str(blocked))
    assert _child(data_dir)["values"] == [40.0]


def test_a_rerun_reads_nothing_a_change_reads_one_file_a_removal_is_forgotten(write, load):
    write("indicators", "2025-06-30.parquet", GOOD)
    later = write("indicators", "2025-09-30.parquet", [ind("tech_sme", "利州区", 2025, 6, 41.0)])
    assert resolve.indicator_values(load())["value"].to_list() == [41.0]
    before = store.reads()
    load()
    assert store.reads() == before
    later.unlink()
    assert resolve.indicator_values(load())["value"].to_list() == [40.0]
    assert store.reads() == before  # forgetting a file reads none


# ------------------------------------------------------------------ events at any cut-off, incrementally kept


def _random_events(rng: random.Random, n: int) -> list[dict]:
    rows = []
    for _ in range(n):
        day = date(2025, 1, 1) + timedelta(days=rng.randrange(60))
        extra = {"id": rng.choice([None, None, "A1", "A2", "B7"]), "participants": rng.choice([None, 3, 5])}
        rows.append(activity(day.isoformat(), rng.choice(["利州区", "昭化区"]), **extra))
    return rows


@pytest.mark.parametrize("arrival", ["at-once", "in-batches", "one-by-one"])
@pytest.mark.parametrize("seed", range(6))
def test_events_at_every_cutoff_match_resolving_those_snapshots_afresh(
    write, load, data_dir, seed, arrival, monkeypatch
):
    """Stored once, with per row the dates it takes and loses effect, the events at any cut-off must be what
    resolving only the snapshots up to it gives (ids: newest row wins; id-less rows: as many as the fullest file),
    whether the files came together, in a cold start's batches (each stored while the next is read, a later batch
    changing the rows an earlier one stored) or one at a time."""
    from gydash.snapshots import ingest

    if arrival == "in-batches":  # a batch per file, as a cold start on far more data makes them
        monkeypatch.setattr(ingest, "BATCH_BYTES", 1)
    rng = random.Random(seed)
    files = []
    for i in range(8):
        day = date(2025, 3, 1) + timedelta(days=rng.choice([0, 0, 5, 9, 20]))  # same dates on purpose
        name = f"{day.isoformat()}_{rng.choice('abc')}{i}.parquet"
        pool = _random_events(rng, rng.randrange(1, 7))
        files.append(write("activities", name, pool + rng.sample(pool, k=min(2, len(pool)))))
        if arrival == "one-by-one":
            load()
    if seed % 2:  # a file removed, and one replaced, after the warehouse had them
        load()
        files[0].unlink()
        write_parquet(files[1], _random_events(rng, 3))
    data = load()
    for cutoff in sorted({date(2025, 3, 1) + timedelta(days=k) for k in (0, 4, 5, 9, 19, 20, 40)}):
        cut = store.cut(data, cutoff)
        stored = resolve.events(cut, "activities").drop("file", "as_of")
        afresh = resolve.events_in(cut.frames["activities"], "activities").drop("file", "as_of")
        key = list(stored.columns)
        assert stored.sort(key, nulls_last=True).equals(afresh.sort(key, nulls_last=True)), cutoff
        assert _monthly_sums(cut).equals(_summed_by_month(afresh)), cutoff


SUMMED = ("participants", "enterprises_served")


def _monthly_sums(data: store.Data) -> pl.DataFrame:
    """What the duty engine reads: the warehouse's monthly counts and sums at the data's cut-off."""
    source, frames = resolve.monthly_source(data, "activities")
    sums = "".join(f", coalesce(e.{c}, 0) as {c}" for c in SUMMED)
    found = data.query(f"select e.month, e.area, e.kind, e.n{sums} from {source} e", **frames)
    return found.with_columns(pl.col("n").cast(pl.Int64)).sort("month", "area", "kind")


def _summed_by_month(events: pl.DataFrame) -> pl.DataFrame:
    return (
        events.filter(pl.col("date").is_not_null())
        .group_by(pl.col("date").dt.truncate("1mo").alias("month"), "area", "kind")
        .agg(pl.len().cast(pl.Int64).alias("n"), *(pl.col(c).cast(pl.Float64).sum() for c in SUMMED))
        .sort("month", "area", "kind")
    )


def test_a_preview_of_an_import_counts_its_events_as_the_stored_file_will(write, load, data_dir):
    from gydash.plan import duties
    from gydash.snapshots.preview import with_file

    write("activities", "2025-06-30.parquet", [activity("2025-06-01", id="A1"), activity("2025-06-02")])
    before = load()
    frame = pl.DataFrame([activity("2025-06-01", id="A1", participants=9), activity("2025-07-01")])
    rows = validate("activities", frame, "activities/2025-09-30.parquet").frame
    preview = with_file(before, "activities", "activities/2025-09-30.parquet", date(2025, 9, 30), rows, 2)
    today = date(2025, 12, 31)
    previewed = duties.evaluate(preview, today), resolve.events(preview, "activities")
    write("activities", "2025-09-30.parquet", frame)  # then imported
    stored = load()
    assert previewed[0].equals(duties.evaluate(stored, today))
    assert previewed[1].equals(resolve.events(stored, "activities"))


def test_the_warehouse_can_be_kept_in_memory(write, data_dir, state_dir, monkeypatch):
    write("indicators", "2025-06-30.parquet", GOOD)
    monkeypatch.setenv("GYDASH_WAREHOUSE", "memory")
    assert _child(data_dir) | {"slot": None} == {"reads": 1, "values": [40.0], "slot": None}
    assert _child(data_dir)["reads"] == 1  # nothing kept: a start reads the data dir again
    assert not (state_dir / "warehouse").exists()


def test_a_warehouse_in_memory_never_spills_into_the_folder_the_app_was_started_in(data_dir, tmp_path, monkeypatch):
    """Beyond its memory limit DuckDB writes to disk; an in-memory warehouse would do so in `.tmp` under the
    working directory (the app's folder, or wherever staff ran the command) unless told where."""
    started_in = tmp_path / "cwd"
    started_in.mkdir()
    monkeypatch.chdir(started_in)
    monkeypatch.setenv("GYDASH_WAREHOUSE", "memory")
    w = warehouse.Warehouse(data_dir)
    try:
        cur = w.cursor()
        cur.sql("set memory_limit = '32MB'; set threads = 1")
        rows = "select md5(range::varchar) as s, range as i from range(1000000)"
        cur.sql(f"select s, i from ({rows}) order by s").fetchall()  # a sort of about 60 MB spills beyond 32 MB
        spill = Path(cur.sql("select current_setting('temp_directory')").fetchall()[0][0])
    finally:
        w.close()
    assert os.listdir(started_in) == []
    assert not spill.is_relative_to(started_in) and spill.is_relative_to(tempfile.gettempdir())


def test_the_warehouse_file_lives_in_the_state_dir(write, load, state_dir):
    write("indicators", "2025-06-30.parquet", GOOD)
    d = load()
    assert d.warehouse.path is not None and d.warehouse.path.parent == state_dir / "warehouse"


# ------------------------------------------------------------------ results kept across restarts


def _restart() -> None:
    """What a new process starts from: nothing in memory, the warehouse file as it was left."""
    warehouse.close_all()
    store._versions.clear()


QUARTER = date(2025, 6, 30)


@pytest.fixture
def boards(write, load, monkeypatch) -> tuple[list[date], Callable[[], pl.DataFrame]]:
    """(the quarters whose board was worked out, so far; the board of QUARTER as the counties page asks for it),
    on a data dir with one indicators file in the quarter."""
    from gydash.plan import scoreboard

    write("indicators", "2025-06-30.parquet", GOOD)
    worked: list[date] = []
    real = scoreboard._board_of
    monkeypatch.setattr(scoreboard, "_board_of", lambda cut, q, plan_id: worked.append(q) or real(cut, q, plan_id))
    return worked, lambda: scoreboard.board(load(), QUARTER)


def test_a_restart_finds_a_past_quarters_board_kept_and_a_change_recomputes_it(boards, write, monkeypatch):
    worked, board = boards
    q = QUARTER
    first = board()
    assert worked == [q]
    _restart()
    write("indicators", "2025-09-30.parquet", [ind("tech_sme", "利州区", 2025, 9, 41.0)])  # after the quarter
    assert board().equals(first)
    assert worked == [q]  # kept: neither the restart nor a later file works it out again
    _restart()
    write("indicators", "2025-06-30.parquet", [ind("tech_sme", "利州区", 2025, 6, 39.0)], mtime=2_000_000_000)
    board()
    assert worked == [q, q]  # a file of the quarter changed: worked out afresh
    _restart()
    monkeypatch.setattr(store, "code_version", lambda: "a later release")
    board()
    assert worked == [q, q, q]


def test_a_kept_result_that_cannot_be_read_back_is_worked_out_again(boards, load):
    worked, board = boards
    q = QUARTER
    first = board()
    cur = load().warehouse.cursor()
    cur.sql("update kept set value = 'not what was kept'::blob")  # damaged, or written by something else
    cur.close()
    _restart()
    assert board().equals(first) and worked == [q, q]
    _restart()
    assert board().equals(first) and worked == [q, q]  # kept again, readable this time


# A query whose grouped lists DuckDB cannot spill: about 30 MB held at once.
HUNGRY = (
    "select count(*) as groups, sum(len(l)) as rows"
    " from (select i % 50000 as k, list(i) as l from range(1500000) r(i) group by k)"
)


def _limit(w: warehouse.Warehouse) -> str:
    return w.query("select current_setting('memory_limit') as limit")["limit"][0]


def test_a_query_needing_more_than_the_working_memory_still_answers_and_the_limit_comes_back(
    write, data_dir, monkeypatch
):
    """The working limit is kept low (the server's memory); a query that cannot spill below it is run again with
    room, and the low limit holds again after it."""
    monkeypatch.setattr(duck_memory, "MEMORY_LIMIT", "8MB")
    write("indicators", "2025-06-30.parquet", GOOD)
    w = store.load(data_dir).warehouse
    low = _limit(w)
    with pytest.raises(Exception, match="Out of Memory"):  # what a page would have shown without the second run
        w.cursor().sql(HUNGRY).fetchall()
    assert w.query(HUNGRY).row(0) == (50_000, 1_500_000)
    assert _limit(w) == low
    assert resolve.indicator_values(store.load(data_dir))["value"].to_list() == [40.0]


def test_a_query_running_out_of_memory_while_its_rows_are_read_still_answers(write, data_dir, monkeypatch):
    """DuckDB runs a query while polars reads its rows: running out of memory midway surfaces through polars, and is
    answered by the same second run with room. At this limit a sort of 1 M strings runs out midway in most runs
    (6 in 8 on a bare cursor, the others before the first row): four runs make sure the midway case is met."""
    monkeypatch.setattr(duck_memory, "MEMORY_LIMIT", "32MB")
    write("indicators", "2025-06-30.parquet", GOOD)
    w = store.load(data_dir).warehouse
    sql = "select md5(range::varchar) as s, range as i from range(1000000) order by s"
    for _ in range(4):
        assert w.query(sql).height == 1_000_000
