"""Queries over polars frames (snapshots.db) keep DuckDB's working memory and spill where the warehouse does."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import polars as pl
import pytest

from gydash.snapshots import db, duck_memory

HUNGRY = (  # grouped lists: DuckDB cannot spill them, so they need their room at once (about 30 MB)
    "select count(*) as groups, sum(len(l)) as rows from (select i % 50000 as k, list(i) as l from t group by k)"
)


@pytest.fixture
def fresh(monkeypatch):
    """The frame database opened afresh under the settings the test patches (it is opened once per process)."""
    monkeypatch.setattr(db, "_database", None)
    yield
    if db._database is not None:
        db._database[0].close()


def _limit() -> str:
    return db.query("select current_setting('memory_limit') as limit")["limit"][0]


def test_a_frame_query_needing_more_than_the_working_memory_still_answers_and_the_limit_comes_back(fresh, monkeypatch):
    monkeypatch.setattr(duck_memory, "MEMORY_LIMIT", "8MB")
    t = pl.DataFrame({"i": range(1_500_000)})
    low = _limit()
    con, _ = db._opened()
    with pytest.raises(Exception, match="Out of Memory"):  # what a page would have shown without the second run
        cur = con.cursor()
        cur.register("t", db.Frame(t))
        cur.sql(HUNGRY).fetchall()
    assert db.query(HUNGRY, t=t).row(0) == (50_000, 1_500_000)
    assert _limit() == low


def test_a_frame_query_never_spills_into_the_folder_the_app_was_started_in(fresh, tmp_path, monkeypatch):
    """Beyond its memory limit DuckDB writes to disk, by default in `.tmp` under the working directory (the app's
    folder, or wherever staff ran the command)."""
    started_in = tmp_path / "cwd"
    started_in.mkdir()
    monkeypatch.chdir(started_in)
    monkeypatch.setattr(duck_memory, "MEMORY_LIMIT", "32MB")
    t = pl.DataFrame({"i": range(1_000_000)})
    rows = db.query("select md5(i::varchar) as s, i from t order by s", t=t)  # a sort of about 60 MB
    assert rows.height == 1_000_000
    spill = Path(db.query("select current_setting('temp_directory') as d")["d"][0])
    assert os.listdir(started_in) == []
    assert not spill.is_relative_to(started_in) and spill.is_relative_to(tempfile.gettempdir())
