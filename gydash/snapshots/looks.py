"""Looking at a data dir: one scan shared by callers who ask at once, listing again only folders known to change."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from gydash.snapshots import watch
from gydash.snapshots.catalog import rescan, scan
from gydash.snapshots.file_entry import FileEntry


class _Looks:
    """Scans of data dirs shared by callers who ask at the same time (twenty officials opening a link at once): a
    caller gets a scan that started after it asked, never an older one, so nothing dropped before the ask is missed;
    those who ask while a scan runs share the next one instead of each statting every file."""

    def __init__(self):
        self._cond = threading.Condition()
        self._running: set[str] = set()
        self._last: dict[str, tuple[float, tuple[FileEntry, ...]]] = {}

    def look(self, root: Path) -> tuple[FileEntry, ...]:
        key, asked = str(root), time.monotonic()
        with self._cond:
            while True:
                done = self._last.get(key)
                if done is not None and done[0] >= asked:
                    return done[1]
                if key not in self._running:
                    self._running.add(key)
                    break
                self._cond.wait()
        started, entries = time.monotonic(), None
        try:
            done = self._last.get(key)
            changed = watch.WATCHER.changes(key) if done is not None else None
            if changed == ():
                entries = done[1]  # the kernel reports nothing changed under the dir since that scan began
            if changed:  # only files in some folders: list them again, keep the rest of that scan
                scope = watch.WATCHER.begin(key, whole=False)
                found = rescan(root, done[1], scope.folders, scope) if scope and scope.folders else None
                if found is not None:
                    watch.WATCHER.end(scope)
                    entries = tuple(found)
            if entries is None:
                scope = watch.WATCHER.begin(key)
                entries = tuple(scan(root, scope))
                watch.WATCHER.end(scope)
            return entries
        finally:
            with self._cond:
                self._running.discard(key)
                if entries is not None:
                    self._last[key] = (started, entries)
                self._cond.notify_all()


LOOKS = _Looks()  # one per process: every session's looks at a dir are shared
