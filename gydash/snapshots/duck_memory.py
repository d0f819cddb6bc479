"""DuckDB's settings and working memory (the warehouse, frame queries): kept low, raised for a query that needs it."""

from __future__ import annotations

import atexit
import contextlib
import functools
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb

T = TypeVar("T")
log = logging.getLogger(__name__)


def _half_of_ram_mb() -> int:
    """Half the machine's memory in MB: the default for what one query may take when it cannot spill."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2 // 2**20
    except (ValueError, OSError):  # a system that does not say
        return 2048


# The working limit covers the blocks DuckDB keeps cached and what a query holds at once; beyond it, DuckDB spills to
# its temporary folder or drops cached blocks (read again from the warehouse file, which the system keeps cached).
# Its cache is the part of the server's memory that grows with the data: on the full benchmark data, after a cold
# build and every page, 51 MB of DuckDB's blocks at a 160 MB limit and 23 MB at 64 MB; the bench's app workers peaked
# at 457 -> 420 MB (cold build, pages, drops) and 425 -> 409 MB (restart); the cold build's time stayed within the
# noise of interleaved runs (median 26.0 s at 160 MB, 27.0 s at 64 MB). A query that cannot spill far enough (the
# ledger status at a 40 MB limit) is run again with MEMORY_CEILING: a low limit costs a rare query time, never an
# answer.
MEMORY_LIMIT = os.environ.get("GYDASH_WAREHOUSE_MEMORY", "64MB")
MEMORY_CEILING = os.environ.get("GYDASH_WAREHOUSE_MEMORY_CEILING") or f"{_half_of_ram_mb()}MB"


def settings(folder: Path | None = None) -> dict:
    """The settings of every DuckDB database gydash opens: the warehouse (spilling into `folder`/tmp beside its file)
    and the in-memory one of frame queries (snapshots.db) and of a warehouse kept in memory (spilling into a private
    folder). Where DuckDB spills is always named: left unset, an in-memory database spills into `.tmp` under whatever
    folder the process was started in (the app's, or a user's)."""
    spill = folder / "tmp" if folder is not None else _private_spill_dir()
    # DuckDB's allocator keeps the pages it frees for reuse and gives them back only while DuckDB is busy; with its
    # background thread they go back a second after they were freed, busy or not (measured on the full data: between
    # a cold build's batches it held 90–110 MB of them, 40–60 MB with the thread; the build's peak 8 MB less, its
    # time the same).
    return {
        "threads": 2,
        "memory_limit": MEMORY_LIMIT,
        "temp_directory": str(spill),
        "allocator_background_threads": True,
    }


@functools.cache
def _private_spill_dir() -> Path:
    """A folder of this process's own in the system's temporary folder, removed when the process exits."""
    path = Path(tempfile.mkdtemp(prefix="gydash-warehouse-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


class Limit:
    """The memory limit of one DuckDB database, reached through `cursor` (a new cursor per call)."""

    def __init__(self, cursor: Callable[[], duckdb.DuckDBPyConnection]):
        self.cursor = cursor
        self.lock = threading.Lock()
        self.roomy_runs = 0  # work running under MEMORY_CEILING
        self.raised = False  # the limit is (still) MEMORY_CEILING

    def run(self, work: Callable[[], T]) -> T:
        """`work()` under the working limit; once more with the ceiling if it ran out of memory (work that changes
        the warehouse must have rolled itself back by then)."""
        try:
            return work()
        except duckdb.OutOfMemoryException:
            with self.roomy():
                return work()
        finally:
            self.lower_if_idle()

    @contextlib.contextmanager
    def roomy(self):
        """The block runs with the limit at MEMORY_CEILING. The limit is the database's, so whatever runs meanwhile
        has the room too; `run` puts it back once no such block runs (DuckDB refuses while more is in use: it is
        then put back after a later query)."""
        with self.lock:
            self.roomy_runs += 1
            if not self.raised:
                log.info("查询所需内存超过 %s，改按上限 %s 重新计算", MEMORY_LIMIT, MEMORY_CEILING)
                self._set(MEMORY_CEILING)
                self.raised = True
        try:
            yield
        finally:
            with self.lock:
                self.roomy_runs -= 1

    def lower_if_idle(self) -> None:
        if not self.raised:
            return
        with self.lock:
            if self.raised and not self.roomy_runs:
                with contextlib.suppress(duckdb.OutOfMemoryException):
                    self._set(MEMORY_LIMIT)
                    self.raised = False

    def _set(self, limit: str) -> None:
        cur = self.cursor()
        try:
            cur.sql("set memory_limit = '{}'".format(limit.replace("'", "''")))  # SET takes no bound parameter
        finally:
            cur.close()
