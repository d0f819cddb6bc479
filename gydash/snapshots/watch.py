"""Whether anything under a data dir changed since its last scan, as the kernel reports it (Linux inotify).

A rerun with nothing new then skips the stat of every file (thousands of them, a third or more of a warm rerun).
The answer is only ever "nothing changed, for sure" or "scan again": every doubt falls back to the full scan.

- One inotify instance serves the whole process (a user may have only 128), watching the folders each scan lists;
  any event under a data dir, however small (a write, a new name, a changed time or permission), means a scan.
- The watches are set before a folder is listed, and pending events are taken before a scan starts: a change made
  while a scan runs is reported afterwards, so the next look scans again.
- Only folders on local filesystems are trusted (ext4, xfs, btrfs, tmpfs, overlay, zfs …): a network share does
  not report changes made on another machine. A symbolic link, a file with more than one name (a change through
  the other name is not reported here), an unreadable folder or one nested too deep, met by a scan, make every
  later look scan too, until a scan meets none.
- When the reports name only files in folders that already existed (no folder made, removed or renamed), only those
  folders are listed again (`changes`), and the rest of the last scan is kept.
- Even when all is quiet the data dir is scanned at least every `MAX_QUIET_S`, so what no scan could meet (a second
  name for a file made outside the data dir after the last scan, then written through) is seen within that time.
  `GYDASH_FULL_SCAN=1` scans on every look, as on any system other than Linux.
"""

from __future__ import annotations

import ctypes
import os
import struct
import sys
import threading
import time
from dataclasses import dataclass, field

MAX_QUIET_S = 60.0
MAX_ROOTS = 8  # data dirs watched at once; the one looked at longest ago is let go
MAX_FOLDERS = 2000  # watches per data dir (each costs the kernel about a kilobyte): beyond, every look scans

_MODIFY, _ATTRIB, _CLOSE_WRITE = 0x2, 0x4, 0x8
_MOVED_FROM, _MOVED_TO, _CREATE, _DELETE, _DELETE_SELF, _MOVE_SELF = 0x40, 0x80, 0x100, 0x200, 0x400, 0x800
_OVERFLOW, _IGNORED, _ISDIR = 0x4000, 0x8000, 0x40000000
_ONLYDIR, _DONT_FOLLOW = 0x01000000, 0x02000000
_CHANGES = _MODIFY | _ATTRIB | _CLOSE_WRITE | _MOVED_FROM | _MOVED_TO | _CREATE | _DELETE | _DELETE_SELF | _MOVE_SELF
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, length of the name that follows

# statfs f_type of filesystems whose changes all pass through this kernel, so inotify sees every one of them.
LOCAL_FILESYSTEMS = frozenset(
    {
        0xEF53,  # ext2/3/4
        0x58465342,  # xfs
        0x9123683E,  # btrfs
        0x01021994,  # tmpfs
        0x858458F6,  # ramfs
        0x794C7630,  # overlay (containers)
        0x2FC12FC1,  # zfs
        0xF2F52010,  # f2fs
        0x52654973,  # reiserfs
        0x3153464A,  # jfs
        0xCA451A4E,  # bcachefs
    }
)


@dataclass
class _Root:
    """What is known of one data dir since its last scan began."""

    wds: set[int] = field(default_factory=set)
    paths: dict[int, str] = field(default_factory=dict)  # the folder each watch is for
    dirty: bool = False  # an event arrived since the last scan began
    changed: set[str] | None = field(default_factory=set)  # folders whose files it concerned (None: not only files)
    ready: bool = False  # that scan is complete
    sure: bool = False  # every folder watched, on a local filesystem, no link or second name seen
    identity: tuple[int, int] | None = None  # the data dir's own (device, inode): a dir put in its place is new
    since: float = 0.0


class Scope:
    """Handed to one scan of one data dir: the scan calls `folder` before listing a folder, `unsure` on anything
    inotify could not vouch for."""

    def __init__(self, watcher: Watcher, root: str, state: _Root, folders: tuple[str, ...] | None = None):
        self._watcher, self._root, self._state = watcher, root, state
        self.folders = folders  # for a scan of only the changed folders: which (see Watcher.begin)

    def folder(self, path: str) -> None:
        self._watcher._watch(self._root, self._state, path)

    def unsure(self) -> None:
        self._state.sure = False


class Watcher:
    """The process's inotify instance and what it has heard, per data dir."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._failed = False
        self._roots: dict[str, _Root] = {}  # oldest look first
        self._by_wd: dict[int, set[str]] = {}

    def changes(self, root: str) -> tuple[str, ...] | None:
        """Since the last complete scan of `root` began: () when nothing under it changed; the folders to list again
        when only files in them did (sorted); None when it is to be scanned whole."""
        with self._lock:
            state = self._roots.get(root)
            if state is None or self._fd is None or _full_scans_asked():
                return None
            self._drain()
            if not state.ready or not state.sure or time.monotonic() - state.since > MAX_QUIET_S:
                return None
            if _identity(root) != state.identity:
                return None
            return self._heard_of(state)

    def begin(self, root: str, whole: bool = True) -> Scope | None:
        """Start watching for a scan of `root` that is about to list it (None: scan, nothing is watched). A scan of
        only the changed folders (`whole` false) lists `scope.folders`, the folders the reports named up to this
        very moment (taken with the reset, so a report arriving after `changes` answered is not lost); it keeps the
        time of the last whole scan. `scope.folders` is None when the dir must be listed whole after all."""
        if _full_scans_asked() or not self._ready():
            return None
        with self._lock:
            self._drain()  # what happened before this scan, the scan itself will see
            state = self._roots.pop(root, None) or _Root()
            folders = self._heard_of(state) if state.ready else None
            self._roots[root] = state
            while len(self._roots) > MAX_ROOTS:
                self._forget(next(iter(self._roots)))
            state.dirty, state.changed, state.ready, state.sure = False, set(), False, True
            if whole:
                state.since = time.monotonic()
            state.identity = _identity(root)
            if state.identity is None:
                state.sure = False
            return Scope(self, root, state, folders)

    def end(self, scope: Scope | None) -> None:
        """The scan begun with `scope` is complete: from now on an event, or nothing, tells whether to scan again."""
        if scope is None:
            return
        with self._lock:
            if self._roots.get(scope._root) is scope._state:
                scope._state.ready = True
                self._drain()  # an event from while the scan ran has marked it dirty: the next look scans again

    def _ready(self) -> bool:
        if self._fd is not None:
            return True
        if self._failed or not sys.platform.startswith("linux"):
            return False
        with self._lock:
            if self._fd is None and not self._failed:
                fd = _libc_call("inotify_init1", os.O_NONBLOCK | os.O_CLOEXEC)
                self._failed = fd is None or fd < 0
                self._fd = None if self._failed else fd
        return self._fd is not None

    def _watch(self, root: str, state: _Root, path: str) -> None:
        with self._lock:
            if self._roots.get(root) is not state:
                state.sure = False
                return
            if len(state.wds) >= MAX_FOLDERS or _fs_type(path) not in LOCAL_FILESYSTEMS:
                state.sure = False
                return
            flags = _CHANGES | _ONLYDIR | (0 if path == root else _DONT_FOLLOW)
            wd = _libc_call("inotify_add_watch", self._fd, os.fsencode(path), flags)
            if wd is None or wd < 0:  # the watch limit reached, or the folder went away: no promise for this dir
                state.sure = False
                return
            state.wds.add(wd)
            state.paths[wd] = path
            self._by_wd.setdefault(wd, set()).add(root)

    def _forget(self, root: str) -> None:
        state = self._roots.pop(root)
        for wd in state.wds:
            owners = self._by_wd.get(wd, set())
            owners.discard(root)
            if not owners:
                self._by_wd.pop(wd, None)
                _libc_call("inotify_rm_watch", self._fd, wd)

    @staticmethod
    def _heard_of(state: _Root) -> tuple[str, ...] | None:
        """What the reports since the last scan began concern: () nothing; the folders, when only files in them."""
        if not state.dirty:
            return ()
        return tuple(sorted(state.changed)) if state.changed else None

    @staticmethod
    def _heard(root: str, state: _Root, wd: int, mask: int) -> None:
        state.dirty = True
        folder = state.paths.get(wd)
        if mask & _WHOLE or folder is None or folder == root:  # the top level decides what the scan lists at all
            state.changed = None
        elif state.changed is not None:
            state.changed.add(folder)

    def _drain(self) -> None:
        """Read every pending event and mark the data dirs they concern."""
        while True:
            try:
                buf = os.read(self._fd, 65536)
            except BlockingIOError:
                return
            except OSError:
                for state in self._roots.values():
                    state.dirty = True
                return
            offset = 0
            while offset + _EVENT.size <= len(buf):
                wd, mask, _cookie, length = _EVENT.unpack_from(buf, offset)
                offset += _EVENT.size + length
                owners = self._by_wd.get(wd, ()) if not mask & _OVERFLOW else self._roots.keys()
                for root in owners:
                    self._heard(root, self._roots[root], wd, mask)
                if mask & _IGNORED:  # the folder is gone (or unwatched): its number may be given to another
                    for root in self._by_wd.pop(wd, ()):
                        self._roots[root].wds.discard(wd)
                        self._roots[root].paths.pop(wd, None)
                        self._roots[root].sure = False


_WHOLE = _OVERFLOW | _IGNORED | _ISDIR | _DELETE_SELF | _MOVE_SELF  # not about a file in a folder that stays


def _full_scans_asked() -> bool:
    return os.environ.get("GYDASH_FULL_SCAN", "").strip() not in ("", "0")


def _identity(root: str) -> tuple[int, int] | None:
    try:
        st = os.stat(root)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


class _StatFs(ctypes.Structure):
    _fields_ = [("f_type", ctypes.c_long), ("_rest", ctypes.c_byte * 256)]


def _fs_type(path: str) -> int | None:
    buf = _StatFs()
    if _libc_call("statfs", os.fsencode(path), ctypes.byref(buf)) != 0:
        return None
    return buf.f_type & 0xFFFFFFFF


_libc = None


def _libc_call(name: str, *args) -> int | None:
    """A libc function's result, or None where it does not exist (not Linux, or an old C library)."""
    global _libc
    try:
        if _libc is None:
            _libc = ctypes.CDLL(None, use_errno=True)
        return getattr(_libc, name)(*args)
    except (OSError, AttributeError, TypeError, ctypes.ArgumentError):
        return None


WATCHER = Watcher()
