"""store across versions: a new file costs only what depends on it. Unchanged datasets keep their combined frame
(the same object), derived tables that read only unchanged frames are kept, anything else is recomputed."""

from __future__ import annotations

from datetime import date

from conftest import activity, ind

from gydash import store

ROWS = [ind("tech_sme", "利州区", 2025, 6, 40.0)]


def test_an_unchanged_dataset_keeps_its_frame_and_a_cutoff_is_a_prefix(write, load):
    write("indicators", "2025-03-31.parquet", ROWS)
    write("activities", "2025-03-31.parquet", [activity("2025-03-05")])
    first = load()
    write("activities", "2025-06-30.parquet", [activity("2025-06-05")])
    second = load()
    assert second.frames["indicators"] is first.frames["indicators"]
    assert second.frames["activities"]["date"].to_list() == [date(2025, 3, 5), date(2025, 6, 5)]
    cut = load(cutoff=date(2025, 3, 31))
    assert cut.frames["activities"]["date"].to_list() == [date(2025, 3, 5)]
    assert cut.frames["activities"]["_order"].to_list() == [0]


def test_a_table_read_from_unchanged_frames_is_kept_others_are_recomputed(write, load):
    write("indicators", "2025-03-31.parquet", ROWS)
    write("activities", "2025-03-31.parquet", [activity("2025-03-05")])
    calls: list[str] = []

    def tables(data: store.Data) -> tuple:
        def indicators_total():
            calls.append("indicators")
            return data.frames["indicators"]["value"].sum()

        def activity_count():
            calls.append("activities")
            return data.frames["activities"].height

        def files_count():  # reads something other than frames: never carried over
            calls.append("files")
            return len(data.files)

        def both():  # reads through other tables: needs what they needed
            calls.append("both")
            return data.cached("ind", indicators_total) + data.cached("act", activity_count)

        return (
            data.cached("ind", indicators_total),
            data.cached("act", activity_count),
            data.cached("files", files_count),
            data.cached("both", both),
        )

    assert tables(load()) == (40.0, 1, 2, 41.0)
    assert calls == ["indicators", "activities", "files", "both"]

    calls.clear()
    write("activities", "2025-06-30.parquet", [activity("2025-06-05")])
    assert tables(load()) == (40.0, 2, 3, 42.0)
    assert calls == ["activities", "files", "both"]  # the indicators total was kept

    calls.clear()
    write("indicators", "2025-06-30.parquet", [ind("tech_sme", "昭化区", 2025, 6, 2.0)])
    assert tables(load()) == (42.0, 2, 4, 44.0)
    assert calls == ["indicators", "files", "both"]


def test_a_new_version_replaces_the_one_it_supersedes(write, load):
    write("indicators", "2025-03-31.parquet", ROWS)
    load()
    load(cutoff=date(2025, 3, 31))
    write("indicators", "2025-06-30.parquet", ROWS)
    latest = load()
    mine = [k for k in store._versions if k[0] == latest.key[0]]
    assert [k[1] for k in mine] == [date(2025, 3, 31), None]
    assert store._versions[latest.key] is latest


def test_a_table_computed_inside_another_leaves_it_reusable(write, load):
    """The inner table is computed on the way (not found in the memo): the outer one still needs only what the
    inner one read, so a file of another dataset leaves both alone."""
    write("indicators", "2025-03-31.parquet", ROWS)
    write("activities", "2025-03-31.parquet", [activity("2025-03-05")])
    calls: list[str] = []

    def outer(data: store.Data) -> int:
        def inner():
            calls.append("inner")
            return data.frames["activities"].height

        def total():
            calls.append("outer")
            return data.cached("inner", inner) + 1

        return data.cached("outer", total)

    assert outer(load()) == 2
    write("indicators", "2025-06-30.parquet", ROWS)
    assert outer(load()) == 2
    assert calls == ["outer", "inner"]  # each computed once


def test_a_version_cut_at_a_date_keeps_only_small_results_after_use(write, load, monkeypatch):
    """A quarter's cut is a step towards small results (a pack, a scoreboard): once the outermost computation is
    done, its large tables go, its small ones stay; the current data keeps both."""
    write("activities", "2025-03-31.parquet", [activity("2025-03-05")])
    write("activities", "2025-06-30.parquet", [activity("2025-06-05")])
    monkeypatch.setattr(store, "LARGE_TABLE_BYTES", 0)  # every table counts as large here
    now = load()

    def summary(data: store.Data) -> int:
        return data.cached("summary", lambda: data.cached("table", lambda: data.frames["activities"]).height)

    cut = store.cut(now, date(2025, 3, 31))
    assert summary(cut) == 1 and summary(now) == 2
    assert set(cut.memo) == {"summary"}
    assert set(now.memo) == {"summary", "table"}
    assert summary(cut) == 1  # served from what was kept


def test_a_cut_reuses_the_scan_it_is_cut_from(write, load, monkeypatch):
    write("activities", "2025-03-31.parquet", [activity("2025-03-05")])
    write("activities", "2025-06-30.parquet", [activity("2025-06-05")])
    now = load()
    monkeypatch.setattr(store, "scan", lambda root: (_ for _ in ()).throw(AssertionError("scanned again")))
    cut = store.cut(now, date(2025, 3, 31))
    assert [f.entry.rel for f in cut.files] == ["activities/2025-03-31.parquet"]
    assert store.cut(now, None) is now
