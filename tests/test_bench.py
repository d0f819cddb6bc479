"""The benchmark runs end to end on its tiny scale and reports every figure the README table quotes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from browser import server
from conftest import missing_system_package

ROOT = Path(__file__).resolve().parent.parent
MARK = "@@BENCH@@"


def test_bench_tiny_runs_end_to_end(tmp_path):
    out = tmp_path / "bench.json"
    cmd = [
        sys.executable,
        str(ROOT / "benchmarks/bench.py"),
        "--scale",
        "tiny",
        "--reruns",
        "1",
        "--naive-runs",
        "1",
        "--weeks",
        "2",
    ]
    cmd += ["--cache", str(tmp_path / "cache"), "--json", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    keys = json.loads(next(x for x in proc.stdout.splitlines() if x.startswith(MARK))[len(MARK) :])
    assert {"build", "load", "app", "weekly", "summary_cli", "naive", "summary", "machine", "data"} <= set(keys)
    report = json.loads(out.read_text())
    summary = report["summary"]
    for key in ("cold_build_s", "restart_render_s", "warm_rerun_s", "first_visit_s", "new_file_shown_s"):
        assert summary[key] > 0, key
    for key in ("peak_memory_mb", "summary_cli_s", "naive_rerun_s", "warehouse_mb"):
        assert summary[key] > 0, key
    assert len(summary["rss_weekly_mb"]) == 3  # before the drops and after each of two weeks
    assert set(report["app"]["new_file_by_dataset_s"]) == {
        "indicators",
        "activities",
        "loans",
        "commendations",
        "coverage",
        "targets",
    }
    assert summary["errors"] == [] and summary["new_file_visible"] and summary["naive_numbers_match"]
    assert set(report["app"]["pages"]) == set(report["app"]["peak_mb_after_first_visit"])


@pytest.mark.slow
@pytest.mark.browser
def test_before_and_after_compares_two_versions_page_by_page(tmp_path):
    """benchmarks/ab.py serves a git revision and the working tree side by side and reports both per page."""
    if server.chromium_path() is None:
        missing_system_package("chromium", "the before-and-after benchmark")
    cmd = [sys.executable, str(ROOT / "benchmarks/ab.py"), "--base", "HEAD", "--scale", "tiny", "--views", "1"]
    cmd += ["--pages", "overview,counties", "--cache", str(tmp_path / "cache")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [line.split() for line in proc.stdout.splitlines() if line.startswith("    ")]
    assert [line[0] for line in lines] == ["overview", "counties"], proc.stdout
    assert all("->" in line and "not" not in line for line in lines), proc.stdout  # both versions drew each page
