"""A rerun with nothing new under the data dir does not stat its files; every change to the dir is still seen on
the very next look, and wherever the kernel's report could miss one, every look scans as before."""

from __future__ import annotations

import os
import shutil
import sys

import pytest
from conftest import ind, write_parquet

from gydash.snapshots import catalog, looks, store, watch

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the kernel's reports are Linux's")


@pytest.fixture
def scans(monkeypatch) -> list:
    """Counts the looks that list folders: whole scans (each stats every file) and scans of changed folders."""
    done = []
    for name in ("scan", "rescan"):
        real = getattr(looks, name)

        def counted(root, *args, real=real, name=name, **kwargs):
            done.append(name)
            return real(root, *args, **kwargs)

        monkeypatch.setattr(looks, name, counted)
    return done


def values(data_dir) -> list[float]:
    from gydash.snapshots import resolve

    return sorted(resolve.indicator_values(store.load(data_dir))["value"].to_list())


def rels(data_dir) -> list[str]:
    return sorted(f.entry.rel for f in store.load(data_dir).files)


@pytest.fixture
def watched(write, data_dir, scans):
    write("indicators", "2025-06-30.parquet", [ind("tech_sme", "广元市", 2025, 6, 400.0)])
    write("indicators", "2024/2024-12-31.parquet", [ind("tech_sme", "广元市", 2024, 12, 380.0)])
    assert rels(data_dir) == ["indicators/2024/2024-12-31.parquet", "indicators/2025-06-30.parquet"]
    return data_dir


def test_a_look_with_nothing_new_does_not_scan_the_dir_again(watched, scans):
    scans.clear()
    for _ in range(5):
        assert rels(watched) == ["indicators/2024/2024-12-31.parquet", "indicators/2025-06-30.parquet"]
    assert scans == []


CHANGES = {
    "a new file": lambda d: write_parquet(
        d / "indicators/2025-09-30.parquet", [ind("tech_sme", "广元市", 2025, 9, 410.0)]
    ),
    "a file rewritten in place": lambda d: write_parquet(
        d / "indicators/2025-06-30.parquet", [ind("tech_sme", "广元市", 2025, 6, 410.0)]
    ),
    "a new file in a new sub-folder": lambda d: write_parquet(
        d / "indicators/2025/09/2025-09-30.parquet", [ind("tech_sme", "广元市", 2025, 9, 410.0)]
    ),
    "a file in a sub-folder rewritten": lambda d: write_parquet(
        d / "indicators/2024/2024-12-31.parquet", [ind("tech_sme", "广元市", 2024, 12, 410.0)]
    ),
    "a file removed": lambda d: (d / "indicators/2024/2024-12-31.parquet").unlink(),
    "a file renamed": lambda d: (d / "indicators/2024/2024-12-31.parquet").rename(d / "indicators/x.parquet.part"),
    "a sub-folder removed": lambda d: shutil.rmtree(d / "indicators/2024"),
    "only a modification time": lambda d: os.utime(d / "indicators/2025-06-30.parquet", ns=(0, 1_700_000_000 * 10**9)),
    "the data dir replaced": lambda d: (
        shutil.move(d, d.with_name("old")),
        write_parquet(d / "indicators/2025-09-30.parquet", [ind("tech_sme", "广元市", 2025, 9, 410.0)]),
    ),
    "files in two folders": lambda d: (
        write_parquet(d / "indicators/2025-09-30.parquet", [ind("tech_sme", "广元市", 2025, 9, 410.0)]),
        write_parquet(d / "indicators/2024/2024-09-30.parquet", [ind("tech_sme", "广元市", 2024, 9, 370.0)]),
    ),
    "a file outside any dataset": lambda d: (d / "说明.txt").write_text("请勿删除"),
    "a file of a new dataset folder": lambda d: write_parquet(
        d / "activities/2025-09-30.parquet", [{"date": "2025-09-05", "area": "利州区", "kind": "other"}]
    ),
    "a copy landing under a temporary name": lambda d: (
        write_parquet(d / "indicators/2025-09-30.parquet.part", [ind("tech_sme", "广元市", 2025, 9, 410.0)]),
        (d / "indicators/2025-09-30.parquet.part").rename(d / "indicators/2025-09-30.parquet"),
    ),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_change_under_the_dir_is_seen_on_the_next_look(watched, scans, change):
    before = (rels(watched), values(watched), [f.entry.fingerprint for f in store.load(watched).files])
    scans.clear()
    CHANGES[change](watched)
    after = (rels(watched), values(watched), [f.entry.fingerprint for f in store.load(watched).files])
    assert after != before or change == "a file outside any dataset"
    assert len(scans) == 1  # and only the first look after the change listed folders
    # Whether the whole dir or only the changed folders were listed, the look is what a whole scan finds.
    assert list(store.load(watched).entries) == catalog.scan(watched)


def test_a_file_written_while_a_scan_runs_is_seen_by_the_look_after_it(watched, monkeypatch):
    """The scan had listed the folder already; the kernel's report of the new file makes the next look scan."""
    reals = {name: getattr(looks, name) for name in ("scan", "rescan")}
    for name, real in reals.items():  # whichever the look uses: the whole dir, or the changed folder

        def landing_meanwhile(root, *args, real=real):
            found = real(root, *args)
            write_parquet(root / "indicators/2025-09-30.parquet", [ind("tech_sme", "广元市", 2025, 9, 410.0)])
            return found

        monkeypatch.setattr(looks, name, landing_meanwhile)
    write_parquet(watched / "indicators/2025-03-31.parquet", [ind("tech_sme", "广元市", 2025, 3, 390.0)])
    assert "indicators/2025-09-30.parquet" not in rels(watched)
    for name, real in reals.items():
        monkeypatch.setattr(looks, name, real)
    assert "indicators/2025-09-30.parquet" in rels(watched)


DOUBTS = {
    "a symbolic link": lambda d: os.symlink(d / "indicators/2025-06-30.parquet", d / "indicators/2025-07-31.parquet"),
    "a second name for a file": lambda d: os.link(d / "indicators/2025-06-30.parquet", d.parent / "elsewhere.parquet"),
}


@pytest.mark.parametrize("doubt", list(DOUBTS))
def test_where_a_change_could_go_unreported_every_look_scans(watched, scans, doubt):
    """Once a scan has met it (a second name made elsewhere is itself not reported: the periodic scan finds it)."""
    DOUBTS[doubt](watched)
    write_parquet(watched / "indicators/2025-09-30.parquet", [ind("tech_sme", "广元市", 2025, 9, 410.0)])
    rels(watched)
    scans.clear()
    for _ in range(3):
        rels(watched)
    assert len(scans) == 3


def test_a_network_share_is_scanned_on_every_look(watched, scans, monkeypatch):
    monkeypatch.setattr(watch, "_fs_type", lambda path: 0x6969)  # NFS: changes made on another machine go unreported
    write_parquet(watched / "indicators/2025-09-30.parquet", [ind("tech_sme", "广元市", 2025, 9, 410.0)])
    rels(watched)
    scans.clear()
    rels(watched)
    rels(watched)
    assert len(scans) == 2


def test_full_scans_can_be_asked_for(watched, scans, monkeypatch):
    monkeypatch.setenv("GYDASH_FULL_SCAN", "1")
    write_parquet(watched / "indicators/2025-09-30.parquet", [ind("tech_sme", "广元市", 2025, 9, 410.0)])
    rels(watched)
    scans.clear()
    rels(watched)
    assert len(scans) == 1


def test_a_quiet_dir_is_still_scanned_now_and_then(watched, scans, monkeypatch):
    monkeypatch.setattr(watch, "MAX_QUIET_S", 0.0)
    scans.clear()
    rels(watched)
    assert len(scans) == 1


def test_many_data_dirs_in_one_process_each_see_their_changes(tmp_path, scans):
    """More dirs than are watched at once: a dir let go is simply scanned again."""
    dirs = [tmp_path / f"d{i}" for i in range(watch.MAX_ROOTS + 3)]
    for i, d in enumerate(dirs):
        write_parquet(d / "indicators/2025-06-30.parquet", [ind("tech_sme", "广元市", 2025, 6, float(i))])
        assert values(d) == [float(i)]
    for i, d in enumerate(dirs):
        write_parquet(d / "indicators/2025-06-30.parquet", [ind("tech_sme", "广元市", 2025, 6, i + 0.5)])
        assert values(d) == [i + 0.5]


def test_a_dir_of_very_many_folders_is_scanned_on_every_look(watched, scans, monkeypatch):
    """Past a bound on watches per dir (each holds kernel memory), the dir is scanned as before instead."""
    monkeypatch.setattr(watch, "MAX_FOLDERS", 2)
    write_parquet(watched / "indicators/2025/2025-09-30.parquet", [ind("tech_sme", "广元市", 2025, 9, 410.0)])
    rels(watched)
    scans.clear()
    rels(watched)
    assert len(scans) == 1


def test_a_new_file_in_a_folder_lists_that_folder_only(watched, scans):
    """A weekly drop into an existing folder does not stat the thousands of files elsewhere in the dir."""
    scans.clear()
    write_parquet(watched / "indicators/2024/2024-09-30.parquet", [ind("tech_sme", "广元市", 2024, 9, 370.0)])
    assert "indicators/2024/2024-09-30.parquet" in rels(watched)
    assert scans == ["rescan"]
    write_parquet(watched / "indicators/2023/2023-12-31.parquet", [ind("tech_sme", "广元市", 2023, 12, 350.0)])
    assert "indicators/2023/2023-12-31.parquet" in rels(watched)
    assert scans == ["rescan", "scan"]  # a new folder: the whole dir is listed again


def test_a_change_reported_while_the_look_decides_is_not_lost(watched, monkeypatch):
    """A file lands in another folder between the kernel's answer and the listing: it is listed too, or the next
    look lists it; it is never left out for good."""
    real = watch.WATCHER.changes

    def answer_then_a_drop(root):
        verdict = real(root)
        write_parquet(watched / "indicators/2024/2024-09-30.parquet", [ind("tech_sme", "广元市", 2024, 9, 370.0)])
        monkeypatch.setattr(watch.WATCHER, "changes", real)
        return verdict

    write_parquet(watched / "indicators/2025-09-30.parquet", [ind("tech_sme", "广元市", 2025, 9, 410.0)])
    monkeypatch.setattr(watch.WATCHER, "changes", answer_then_a_drop)
    rels(watched)
    assert "indicators/2024/2024-09-30.parquet" in rels(watched)
    assert list(store.load(watched).entries) == catalog.scan(watched)
