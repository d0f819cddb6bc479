"""Sign-in lockout: a per-name limit on failed attempts, counted in one file that every app process shares.

The failed attempts are counted in one file in the state dir (GYDASH_STATE_DIR), shared under a file lock by every
process of the installation: with two app processes behind nginx a name still gets five tries in all.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from gydash.snapshots import importlog

MAX_FAILURES = 5
LOCKOUT_SECONDS = 60.0
FORGET_SECONDS = 24 * 3600.0  # failures this old no longer count towards a lockout
MAX_NAMES = 10_000  # names kept in the shared count; the oldest go first
FAILURES_FILE = "sign-in-failures.json"
log = logging.getLogger(__name__)
_logged: set[str] = set()
_logged_lock = threading.Lock()


class RateLimiter:
    """Counts sign-in attempts per name: after `max_failures` failures, wait `lockout` seconds.

    An attempt is counted *before* its password is checked, in the same locked step as the check of the limit
    (`begin`): twenty simultaneous attempts on one name then get at most `max_failures` password checks, where
    checking first and recording after the slow hash would let all twenty through. A success clears the count.

    With `path` (a file, or a function giving one) the counts live in that file, read and written under an
    exclusive lock (flock), so every process on the server shares them: two replicas behind nginx allow five
    failures in all, not five each. Without a path (or when the file cannot be used) they live in this process.
    Failures older than `forget` seconds are dropped, and at most MAX_NAMES names are kept, so the file stays small
    however many names are tried.
    """

    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        lockout: float = LOCKOUT_SECONDS,
        clock=time.time,
        path: Path | Callable[[], Path] | None = None,
        forget: float = FORGET_SECONDS,
    ):
        self.max_failures, self.lockout, self.clock, self.forget = max_failures, lockout, clock, forget
        self._path = path
        self._failures: dict[str, list[float]] = {}  # used without a path, or when the file cannot be
        self._lock = threading.Lock()

    @contextmanager
    def _counts(self) -> Iterator[dict[str, list[float]]]:
        """The failure times by name, locked against this process's threads and (with a file) other processes;
        changes made in the block are saved on leaving it."""
        with self._lock:
            path = self._path() if callable(self._path) else self._path
            if path is None:
                yield self._failures
                return
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as exc:
                _warn_once(f"登录失败计数文件 {path} 无法使用（{exc}），本进程改为单独计数")
                yield self._failures
                return
            with os.fdopen(fd, "r+", encoding="utf-8") as f:
                fcntl.flock(f, fcntl.LOCK_EX)  # released when the file is closed
                counts = _parse(f.read())
                yield counts
                self._prune(counts)
                f.seek(0)
                f.truncate()
                f.write(json.dumps(counts, ensure_ascii=False))

    def _prune(self, counts: dict[str, list[float]]) -> None:
        now = self.clock()
        for key in [k for k, times in counts.items() if not times or now - times[-1] > self.forget]:
            del counts[key]
        if len(counts) > MAX_NAMES:
            for key in sorted(counts, key=lambda k: counts[k][-1])[: len(counts) - MAX_NAMES]:
                del counts[key]

    def _wait(self, counts: dict[str, list[float]], key: str) -> float:
        times = counts.get(key, [])
        if len(times) < self.max_failures:
            return 0.0
        # min(): a wall clock set back must not lengthen the wait beyond one lockout
        left = min(times[-1] + self.lockout - self.clock(), self.lockout)
        if left <= 0:
            counts.pop(key, None)
            return 0.0
        return left

    def wait_seconds(self, name: str) -> float:
        """Seconds until `name` may try again (0 when allowed)."""
        with self._counts() as counts:
            return self._wait(counts, _key(name))

    def begin(self, name: str) -> tuple[float, int]:
        """Atomically: (seconds to wait, 0) when `name` is locked out, else (0, failures left after this attempt)
        with the attempt already counted as a failure until `succeeded` clears it."""
        key = _key(name)
        with self._counts() as counts:
            wait = self._wait(counts, key)
            if wait > 0:
                return wait, 0
            times = counts.setdefault(key, [])
            times.append(self.clock())
            del times[: -self.max_failures]  # only the last few times matter
            return 0.0, self.max_failures - len(times)

    def failures(self, name: str) -> int:
        with self._counts() as counts:
            return len(counts.get(_key(name), []))

    def succeeded(self, name: str) -> None:
        with self._counts() as counts:
            counts.pop(_key(name), None)


def _parse(text: str) -> dict[str, list[float]]:
    """The saved counts; a damaged file (a crash mid-write) counts as empty rather than blocking every sign-in."""
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError:
        data = None
    if not isinstance(data, dict):
        _warn_once("登录失败计数文件内容损坏，已重新开始计数")
        return {}
    return {str(k): [float(t) for t in v if isinstance(t, int | float)] for k, v in data.items() if isinstance(v, list)}


def _warn_once(message: str) -> None:
    with _logged_lock:
        if message in _logged:
            return
        _logged.add(message)
    log.warning(message)


def _key(name: str) -> str:
    return name.strip().lower()


def shared_failures_path() -> Path:
    """Where every process of this installation counts sign-in failures: a file in the state dir."""
    return importlog.state_dir() / FAILURES_FILE


limiter = RateLimiter(path=shared_failures_path)
