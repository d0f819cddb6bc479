"""A gydash process hands freed memory back to the system at once, not after seconds of holding it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Resident memory (MB) with a 300 MB polars frame held, then just after it is let go, in a fresh process that
# imports gydash first, as the app, the command line and the benchmark do.
PROBE = """
import gydash, sys
import polars as pl, pyarrow as pa

def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

before = rss()
frame = pl.DataFrame({"x": pl.int_range(0, 40_000_000, eager=True)})  # 320 MB
held = rss()
del frame
table = pa.array(range(10_000_000), type=pa.int64())  # 80 MB through pyarrow's allocator
del table
print(before, held, rss())
"""


def test_memory_freed_by_polars_and_pyarrow_is_returned_at_once():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, check=True)
    before, held, after = map(float, out.stdout.split())
    assert held - before > 250  # the frame was really made
    # Held back for ten seconds by the allocators' defaults; given back at once with gydash's settings.
    assert after - before < 60, (before, held, after)


def test_an_administrators_own_allocator_setting_is_kept():
    probe = "import gydash, os; print(os.environ['_RJEM_MALLOC_CONF'])"
    env = {"_RJEM_MALLOC_CONF": "dirty_decay_ms:1000", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, env=env, check=True)
    assert out.stdout.strip() == "dirty_decay_ms:1000"


# Sessions run on threads of their own; each thread that allocates would get a glibc arena of its own (up to eight
# per core), keeping what it freed. glibc lists its arenas on stderr (malloc_stats).
ARENAS = """
import ctypes, threading
{first}

together = threading.Barrier(12)

def work():
    kept = [bytearray(200_000) for _ in range(50)]  # larger than Python's own small-object pools: glibc's malloc
    together.wait()  # all twelve threads hold memory at once
    del kept

threads = [threading.Thread(target=work) for _ in range(12)]
for t in threads:
    t.start()
for t in threads:
    t.join()
ctypes.CDLL(None).malloc_stats()
"""


def _arenas(first: str, env: dict | None = None) -> int:
    script = ARENAS.format(first=first)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=env, check=True)
    return out.stderr.count("Arena ")


def test_threads_share_few_glibc_arenas_in_a_gydash_process():
    assert _arenas("") > 2  # without gydash: an arena for about every thread (up to eight per core)
    assert _arenas("import gydash") <= 2


def test_an_administrators_own_arena_setting_is_kept():
    env = {"MALLOC_ARENA_MAX": "6", "PATH": "/usr/bin:/bin"}
    assert _arenas("import gydash", env) == 6
