"""Freed memory handed back to the system at once (polars', pyarrow's allocators), and glibc's arenas kept few."""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys

# polars allocates through its own jemalloc, pyarrow through mimalloc, and both keep freed pages a while in case they
# are wanted again (jemalloc ten seconds). A cold start frees a few hundred MB every second (each batch of files
# read, checked and stored), so the kept pages pile up beside the ones in use: on the full data, checking one batch
# of 500 files left 211 MB resident, 179 MB with pages returned at once. With ingest's and validate's share, the cold
# start's peak fell from 526 to 440 MB for 7 % more time (interleaved runs). Each allocator reads its variable once,
# when its library first allocates.
SETTINGS = {
    "_RJEM_MALLOC_CONF": ("polars", "dirty_decay_ms:0,muzzy_decay_ms:0"),
    "MIMALLOC_PURGE_DELAY": ("pyarrow", "0"),
}


# glibc's malloc (Python's larger objects, the libraries' own) gives each thread that allocates an arena of its own, up
# to eight per core, and what an arena frees stays with it: Streamlit runs each session on a thread of its own, the
# cold build reads files on two more. Kept to two arenas, the threads share them: on the full data the bench's app
# worker (cold build, every page, a new file of every dataset) peaked at 385-387 MB against 400-402 MB (interleaved
# runs), the cold build's time within the noise (19.4-22.1 s against 19.2-22.0 s). Set from inside the process, it
# holds for the arenas made after it; MALLOC_ARENA_MAX, set by an administrator, is read by glibc at start and wins.
GLIBC_ARENAS = 2
M_ARENA_MAX = -8  # mallopt's parameter number (glibc's malloc.h)


def configure() -> None:
    """Ask each allocator to return freed pages at once, unless its library is loaded already (too late then) or the
    administrator has set the variable (theirs wins); and glibc's malloc to keep GLIBC_ARENAS arenas."""
    for variable, (library, value) in SETTINGS.items():
        if library not in sys.modules:
            os.environ.setdefault(variable, value)
    if "MALLOC_ARENA_MAX" not in os.environ:
        _limit_arenas()


def _limit_arenas() -> None:
    with contextlib.suppress(OSError, AttributeError):  # not glibc (macOS, Windows): no such setting there
        ctypes.CDLL(None).mallopt(ctypes.c_int(M_ARENA_MAX), ctypes.c_int(GLIBC_ARENAS))
