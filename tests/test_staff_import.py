"""`gydash import --as USER`: a county account may import only its own county's rows (a file with any other area's
row is refused whole, naming row, column and value, and the data dir is left byte-identical); city staff import
anything; every import and refusal is in the append-only log outside the data dir."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_importer import csv_text, dir_hash, xlsx

from gydash import cli
from gydash.access import auth
from gydash.snapshots import importlog

HASH = auth.hash_password("correct horse battery")
ROOT = Path(__file__).resolve().parent.parent
SECRETS = f"""
[gydash_staff.users]
shi = "{HASH}"
wangcang = {{ hash = "{HASH}", role = "county", area = "旺苍县" }}
lizhou = {{ hash = "{HASH}", role = "county", area = "510802" }}
broken = {{ hash = "{HASH}", role = "county", area = "成都" }}
"""
WANGCANG = [["高新技术企业", "旺苍", 2025, 9, 12, "家"], ["tech_sme", "510821", 2025, 9, 40, None]]
MIXED = [*WANGCANG, ["高新技术企业", "利州区", 2025, 9, 31, "家"], ["高新技术企业", "广元市", 2025, 9, 99, "家"]]


@pytest.fixture
def secrets(tmp_path: Path) -> Path:
    path = tmp_path / "secrets.toml"
    path.write_text(SECRETS, encoding="utf-8")
    return path


@pytest.fixture
def seeded(data_dir: Path) -> Path:
    from conftest import ind, write_parquet

    write_parquet(data_dir / "indicators/2025-06-30.parquet", [ind("hitech_enterprise", "利州区", 2025, 6, 30.0)])
    return data_dir


def run(capsys, *argv: str) -> tuple[int, str, str]:
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def source(tmp_path: Path, name: str, rows: list[list]) -> Path:
    path = tmp_path / name
    path.write_bytes(xlsx(rows))
    return path


def test_a_county_account_is_refused_another_areas_rows_naming_them_and_nothing_is_written(
    seeded, secrets, tmp_path, capsys
):
    before = dir_hash(seeded)
    src = source(tmp_path, "2025-09-30_旺苍.xlsx", MIXED)
    argv = ("import", str(src), str(seeded), "--dataset", "indicators", "--as", "wangcang", "--secrets", str(secrets))
    code, out, err = run(capsys, *argv)
    assert code == 1 and "未写入任何文件" in err
    assert "导入账号：wangcang（县区工作人员（旺苍县））" in out
    # Excel rows 4 and 5 (header in row 1), the column and the value as typed
    assert "第 4 行 列「县区」 值「利州区」：这一行是利州区的数据；旺苍县的账号只能导入旺苍县的数据" in err
    assert "第 5 行 列「县区」 值「广元市」：这一行是全市（广元市）的数据" in err
    assert "第 2 行 列「县区」" not in err and "第 3 行 列「县区」" not in err
    assert dir_hash(seeded) == before
    [entry], _ = importlog.read()
    assert entry["outcome"] == "refused" and entry["user"] == "wangcang" and entry["role"] == "county"
    assert entry["area"] == "510821" and entry["path"] is None and "利州区" in entry["reason"]


def test_a_county_account_imports_its_own_rows_and_the_log_says_who_what_and_where(
    seeded, secrets, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("GYDASH_TODAY", "2025-10-08")
    src = source(tmp_path, "2025-09-30_旺苍.xlsx", WANGCANG)
    argv = ("import", str(src), "--dataset", "indicators", "--as", "wangcang", "--secrets", str(secrets), str(seeded))
    code, out, _ = run(capsys, *argv)
    assert code == 0 and "已写入" in out
    assert (seeded / "indicators/2025-09-30_旺苍.parquet").is_file()
    [entry], bad = importlog.read()
    assert bad == 0
    assert entry["outcome"] == "imported" and entry["via"] == "cli" and entry["dataset"] == "indicators"
    assert entry["user"] == "wangcang" and entry["source"] == "2025-09-30_旺苍.xlsx" and entry["rows"] == 2
    assert entry["path"] == "indicators/2025-09-30_旺苍.parquet"
    assert entry["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    assert entry["at"].startswith("2025-10-08T")  # gydash.base.clock.now(), not the wall clock's date


@pytest.mark.parametrize("user", ["shi", None])
def test_city_staff_and_the_admin_without_as_import_any_area(seeded, secrets, tmp_path, capsys, user):
    src = source(tmp_path, "2025-09-30_全市.xlsx", MIXED)
    as_user = ("--as", user, "--secrets", str(secrets)) if user else ()
    code, out, _ = run(capsys, "import", str(src), "--dataset", "indicators", *as_user, str(seeded))
    assert code == 0 and "已写入" in out
    [entry], _ = importlog.read()
    assert entry["outcome"] == "imported" and entry["rows"] == 4
    assert entry["role"] == ("city" if user else "admin") and entry["user"] == user


def test_as_must_name_a_configured_account(seeded, secrets, tmp_path, capsys):
    src = source(tmp_path, "x.xlsx", WANGCANG)
    before = dir_hash(seeded)
    argv = ("import", str(src), "--dataset", "indicators", "--as", "nobody", "--secrets", str(secrets), str(seeded))
    code, _, err = run(capsys, *argv)
    assert code == 2 and "没有工作人员账号「nobody」" in err
    assert dir_hash(seeded) == before


def test_as_reads_the_projects_secrets_toml_from_the_current_folder(seeded, tmp_path, capsys, monkeypatch):
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit/secrets.toml").write_text(SECRETS, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    src = source(tmp_path, "2025-09-30_利州.xlsx", MIXED)
    code, _, err = run(capsys, "import", str(src), "--dataset", "indicators", "--as", "lizhou", str(seeded))
    assert code == 1 and "值「旺苍」：这一行是旺苍县的数据；利州区的账号只能导入利州区的数据" in err


def test_a_misconfigured_role_may_import_nothing(seeded, secrets, tmp_path, capsys):
    src = source(tmp_path, "2025-09-30_旺苍.xlsx", WANGCANG)
    before = dir_hash(seeded)
    argv = ("import", str(src), "--dataset", "indicators", "--as", "broken", "--secrets", str(secrets), str(seeded))
    code, _, err = run(capsys, *argv)
    assert code == 1 and "角色配置有误" in err
    assert dir_hash(seeded) == before


COVERAGE_HEADER = ["台账期次", "更新日期", "县区", "组织名称", "党员人数", "组织覆盖", "工作覆盖"]
COVERAGE_ROW = ["2025-10", "2025-10-20", "旺苍县", "旺苍××科技有限公司", 3, "single", "是"]


def test_a_county_ledger_must_be_named_for_the_accounts_own_county(seeded, secrets, tmp_path, capsys):
    src = tmp_path / "2025-10-20_利州区.csv"
    src.write_text(csv_text([COVERAGE_ROW], COVERAGE_HEADER), encoding="utf-8")
    before = dir_hash(seeded)
    argv = ("import", str(src), "--dataset", "coverage", "--as", "wangcang", "--secrets", str(secrets), str(seeded))
    code, _, err = run(capsys, *argv)
    assert code == 1 and "写的是利州区" in err and "旺苍县的账号只能导入旺苍县的台账" in err
    assert dir_hash(seeded) == before
    ok = tmp_path / "2025-10-20_广元市旺苍县台账.csv"
    ok.write_text(csv_text([COVERAGE_ROW], COVERAGE_HEADER), encoding="utf-8")
    code, _, err = run(capsys, *argv[:1], str(ok), *argv[2:])
    assert code == 0, err


def test_the_log_is_outside_the_data_dir_and_survives_a_rebuild(seeded, secrets, tmp_path, capsys, state_dir):
    src = source(tmp_path, "2025-09-30_旺苍.xlsx", WANGCANG)
    run(
        capsys,
        "import",
        str(src),
        "--dataset",
        "indicators",
        "--as",
        "wangcang",
        "--secrets",
        str(secrets),
        str(seeded),
    )
    log = state_dir / "imports.jsonl"
    assert log.is_file() and not [p for p in seeded.rglob("*") if p.suffix == ".jsonl"]
    kept = log.read_bytes()
    run(capsys, "sample", str(seeded))  # everything derived from the data dir is made afresh
    run(capsys, "validate", str(seeded))
    assert log.read_bytes() == kept


def test_a_state_dir_inside_the_data_dir_is_not_written_and_the_import_says_so(seeded, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GYDASH_STATE_DIR", str(seeded / "state"))
    src = source(tmp_path, "2025-09-30_旺苍.xlsx", WANGCANG)
    code, out, err = run(capsys, "import", str(src), "--dataset", "indicators", str(seeded))
    assert code == 0 and "已写入" in out  # the import stands
    assert "导入记录未能写入" in err and "数据目录里面" in err
    assert not (seeded / "state").exists()


def test_an_unwritable_log_does_not_lose_the_import_silently(seeded, tmp_path, capsys, monkeypatch):
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("x")
    monkeypatch.setenv("GYDASH_STATE_DIR", str(blocker / "state"))
    src = source(tmp_path, "2025-09-30_旺苍.xlsx", WANGCANG)
    code, _, err = run(capsys, "import", str(src), "--dataset", "indicators", str(seeded))
    assert code == 0 and (seeded / "indicators/2025-09-30_旺苍.parquet").is_file()
    assert "数据已导入，但导入记录未能写入" in err


def test_imports_lists_the_log_newest_first(seeded, secrets, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GYDASH_TODAY", "2025-10-01")
    run(capsys, "import", str(source(tmp_path, "a.xlsx", MIXED)), "--dataset", "indicators", str(seeded))
    monkeypatch.setenv("GYDASH_TODAY", "2025-10-02")
    argv = ("--dataset", "indicators", "--as", "wangcang", "--secrets", str(secrets), str(seeded))
    run(capsys, "import", str(source(tmp_path, "b.xlsx", MIXED)), *argv)
    code, out, _ = run(capsys, "imports", "--json")
    assert code == 0
    entries = json.loads(out)["entries"]
    assert [(e["source"], e["outcome"], e["at"][:10]) for e in entries] == [
        ("b.xlsx", "refused", "2025-10-02"),
        ("a.xlsx", "imported", "2025-10-01"),
    ]
    code, out, _ = run(capsys, "imports")
    assert code == 0 and "时间" in out and "✗ 已拒绝" in out and "县区（旺苍县）" in out and "服务器管理员" in out
    assert out.index("b.xlsx") < out.index("a.xlsx")


APPENDER = """
import sys
from gydash.snapshots import importlog
for i in range(int(sys.argv[2])):
    importlog.append(importlog.entry(user=sys.argv[1], role="city", via="cli", outcome="imported",
                                     dataset="indicators", source="x" * 3000 + str(i)))
"""


def test_two_processes_appending_at_once_leave_every_line_whole(state_dir):
    env = {**os.environ, "GYDASH_STATE_DIR": str(state_dir)}
    procs = [subprocess.Popen([sys.executable, "-c", APPENDER, who, "150"], env=env, cwd=ROOT) for who in ("p1", "p2")]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    entries, bad = importlog.read()
    assert bad == 0 and len(entries) == 300
    assert sorted(e["user"] for e in entries) == ["p1"] * 150 + ["p2"] * 150
