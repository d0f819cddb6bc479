"""cli: `gydash validate` exit codes and report, `gydash summary` JSON and table, `gydash sample` reproducibility."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ind, write_parquet

from gydash import cli

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-11-26"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setenv("GYDASH_TODAY", TODAY)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def mixed_dir(write, data_dir) -> Path:
    """One good file, one bad file in a sub-folder, one README."""
    write("indicators", "2025-01-31.parquet", [ind("hitech_enterprise", "广元市", 2023, 12, 40.0)])
    write("indicators", "2025/2025-02-28.parquet", [ind("hitech_enterprise", "广元市", 2024, 12, 50.0)])
    write("indicators", "2025/2025-03-31.parquet", [ind("hitech_enterprise", "利州区", 2024, 13, 5.0)])
    (data_dir / "indicators" / "说明.txt").write_text("每季度更新")
    return data_dir


def test_validate_bundled_data_dir_exits_zero(capsys):
    code, out, _ = run(capsys, "validate", str(ROOT / "data"))
    assert code == 0
    assert "已拒绝 0" in out


def test_validate_clean_dir_exits_zero_and_lists_files(capsys, write, data_dir):
    write("indicators", "2025-01-31.parquet", [ind("tech_sme", "利州区", 2024, 12, 40.0)])
    code, out, _ = run(capsys, "validate", str(data_dir))
    assert code == 0
    line = next(x for x in out.splitlines() if x.startswith("indicators/2025-01-31.parquet"))
    assert "指标数据" in line and "2025-01-31" in line and "已采用" in line


def test_validate_empty_dir_exits_zero(capsys, data_dir):
    code, out, _ = run(capsys, "validate", str(data_dir))
    assert code == 0
    assert "共 0 个数据文件" in out


def test_validate_with_a_bad_file_exits_one_and_names_it(capsys, mixed_dir):
    code, out, _ = run(capsys, "validate", str(mixed_dir))
    assert code == 1
    lines = out.splitlines()
    status = {x.split()[0]: x.split()[-1] for x in lines if x.startswith("indicators/")}
    assert status == {
        "indicators/2025-01-31.parquet": "已采用",
        "indicators/2025/2025-02-28.parquet": "已采用",
        "indicators/2025/2025-03-31.parquet": "已拒绝",
        "indicators/说明.txt": "已忽略",
    }
    assert "✗ 错误  indicators/2025/2025-03-31.parquet 第 1 行 列「month」 值「13」：不能大于 12" in lines
    assert "共 3 个数据文件：已采用 2，有警告 0，已拒绝 1；已忽略 1 个其他文件。" in lines


def test_validate_uses_the_environment_data_dir(capsys, monkeypatch, mixed_dir):
    monkeypatch.setenv("GYDASH_DATA_DIR", str(mixed_dir))
    code, out, _ = run(capsys, "validate")
    assert code == 1
    assert f"数据目录：{mixed_dir}" in out


def test_summary_json(capsys, mixed_dir):
    code, out, _ = run(capsys, "summary", str(mixed_dir), "--json", "--today", TODAY)
    assert code == 0
    obj = json.loads(out)  # exactly one JSON object on stdout
    assert {"today", "as_of", "targets", "rejected_files", "ignored_files", "warnings"} <= set(obj)
    assert (obj["today"], obj["as_of"]) == (TODAY, "2025-02-28")  # the rejected 2025-03-31 file does not count
    fields = {
        "plan",
        "indicator",
        "area",
        "year",
        "month",
        "actual",
        "target",
        "kind",
        "progress",
        "pace",
        "status",
        "derived",
        "source_file",
    }
    assert all(fields <= set(t) for t in obj["targets"])
    [hitech] = [t for t in obj["targets"] if t["indicator"] == "hitech_enterprise"]
    # expected = 40 + 20 × 12/24 = 50 → pace 50/60; actual 50 → progress 50/60
    assert (hitech["plan"], hitech["area"], hitech["year"], hitech["month"]) == ("2024", "广元市", 2025, 12)
    assert (hitech["actual"], hitech["target"], hitech["kind"], hitech["status"]) == (50.0, 60.0, "level", "on_track")
    assert hitech["pace"] == pytest.approx(50 / 60) and hitech["progress"] == pytest.approx(50 / 60)
    assert (hitech["derived"], hitech["source_file"]) == (False, "indicators/2025/2025-02-28.parquet")
    [rejected] = obj["rejected_files"]
    assert rejected["path"] == "indicators/2025/2025-03-31.parquet"
    assert any("不能大于 12" in r and "第 1 行" in r for r in rejected["reasons"])
    assert obj["ignored_files"] == [{"path": "indicators/说明.txt", "reason": obj["ignored_files"][0]["reason"]}]
    assert ".parquet" in obj["ignored_files"][0]["reason"]
    assert isinstance(obj["warnings"], list)


def test_summary_json_lists_warnings_with_their_file(capsys, write, data_dir):
    write("indicators", "2027-01-31.parquet", [ind("conversion_output", "利州区", 2024, 12, 5000.0, unit="万元")])
    code, out, _ = run(capsys, "summary", str(data_dir), "--json", "--today", TODAY)
    assert code == 0
    warnings = json.loads(out)["warnings"]
    paths = {w["path"] for w in warnings}
    assert paths == {"indicators/2027-01-31.parquet"}
    assert any("万元" in w["message"] for w in warnings)  # unit converted
    assert any("晚于今天" in w["message"] for w in warnings)  # dated after --today


def test_summary_table_is_in_chinese(capsys, mixed_dir):
    code, out, _ = run(capsys, "summary", str(mixed_dir), "--today", TODAY)
    assert code == 0
    assert out.startswith(f"今天：{TODAY}")
    header = next(x for x in out.splitlines() if x.startswith("方案"))
    assert " ".join(header.split()) == "方案 县区 指标 期间 实际 目标 完成率 与目标差距 序时进度 状态"
    hitech = next(x for x in out.splitlines() if "高新技术企业" in x)
    # plan, area, indicator, period, actual, target, progress 50/60, gap 50 − 60, pace 50/60, status
    assert " ".join(hitech.split()) == "2024 广元市 高新技术企业 2024 年末 50 家 60 家 83.3% 差目标 10 家 83.3% 正常"
    assert "✗ 已拒绝 indicators/2025/2025-03-31.parquet" in out


def test_summary_rejects_a_malformed_today_with_a_usage_error(capsys, data_dir):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["summary", str(data_dir), "--today", "2026/11/26"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "YYYY-MM-DD" in err and "2026/11/26" in err


def test_summary_today_defaults_to_gydash_today(capsys, data_dir):
    _, out, _ = run(capsys, "summary", str(data_dir), "--json")
    assert json.loads(out)["today"] == TODAY  # from the environment (set by the fixed_today fixture)


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()
    }


def test_sample_is_reproducible_and_valid(capsys, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert run(capsys, "sample", str(a), "--seed", "7")[0] == 0
    assert run(capsys, "sample", str(b), "--seed", "7")[0] == 0
    first = tree_digest(a)
    assert len(first) > 50
    assert first == tree_digest(b)
    code, out, _ = run(capsys, "sample", str(a), "--seed", "7")  # refreshing earlier sample files is allowed
    assert code == 0 and tree_digest(a) == first
    assert run(capsys, "validate", str(a))[0] == 0
    code, out, _ = run(capsys, "summary", str(a), "--today", TODAY)
    assert "（示例数据）" in out.splitlines()[0]


def test_sample_refuses_to_overwrite_a_non_sample_file(capsys, tmp_path):
    target = tmp_path / "data"
    mine = write_parquet(target / "targets" / "2026-01-15.parquet", [{"note": "县区自己的目标"}])
    before = mine.read_bytes()
    code, _, err = run(capsys, "sample", str(target), "--seed", "7")
    assert code == 1
    assert str(mine) in err and "不是示例数据" in err
    assert mine.read_bytes() == before
    assert [p for p in target.rglob("*") if p.is_file()] == [mine]  # nothing else written either


def test_console_script_runs(tmp_path, write, data_dir):
    write("indicators", "2025-01-31.parquet", [ind("tech_sme", "利州区", 2024, 12, 40.0)])
    script = Path(sys.executable).parent / ("gydash.exe" if os.name == "nt" else "gydash")
    command = [str(script)] if script.exists() else [shutil.which("gydash") or "gydash"]
    env = os.environ | {"GYDASH_TODAY": TODAY, "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run(
        [*command, "summary", str(data_dir), "--json"], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["today"] == TODAY


def test_a_missing_data_dir_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["validate", str(tmp_path / "no-such-dir")])
    assert stop.value.code == 2
    assert "数据目录不存在" in capsys.readouterr().err


def test_a_malformed_today_setting_falls_back_to_the_real_date(monkeypatch, capsys):
    from datetime import date

    from gydash.base import clock

    monkeypatch.setenv("GYDASH_TODAY", "2026/11/26")
    assert clock.today() == date.today()
    assert "GYDASH_TODAY" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1999-12-31"])
def test_a_today_setting_outside_2000_to_2100_is_not_used(monkeypatch, capsys, value):
    from gydash.base import clock

    monkeypatch.setenv("GYDASH_TODAY", value)
    assert clock.today().isoformat() != value
    assert "不在 2000–2100 年之间" in capsys.readouterr().err


def test_output_into_a_closed_pipe_ends_quietly(tmp_path):
    """`gydash summary --json | head -1`: the reader stops early; gydash ends without a traceback."""
    import subprocess
    import sys

    cmd = f"{sys.executable} -m gydash.cli summary --json {ROOT / 'data'} | head -c 10"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.stdout == '{\n  "today'[:10] and "Traceback" not in done.stderr, done.stderr[-2000:]
