"""Bad input at the level of files and folders: each case gives a clear message in `gydash validate` and in the
summary JSON, the rest of the data stays in effect, the overview still renders, and nothing in the data dir is
modified (every file, link and folder is hashed before and after). Row-level rules are in test_validate.py; here
each of them is broken once more through the whole path (CLI, summary, the cold-start loader, every page)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest
from browser.server import registered_pages
from conftest import html_words, ind, remove_tree, write_parquet
from streamlit.testing.v1 import AppTest
from test_validate import BAD_FILES, GOOD

from gydash import cli
from gydash.snapshots import ingest, store, validate

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
TODAY = "2026-11-26"
CITY_ROWS = [ind("hitech_enterprise", "广元市", 2023, 12, 40.0), ind("hitech_enterprise", "广元市", 2025, 9, 52.0)]
ELSEWHERE = [ind("hitech_enterprise", "广元市", 2025, 9, 999.0)]  # must never count


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setenv("GYDASH_TODAY", TODAY)


# --- what "not modified" means: every entry under the dir, by content, kind, mode and times ---------------------


def tree(root: Path) -> dict[bytes, tuple]:
    """Every file, folder and link under root (names as bytes, links not followed): content hash, mode, mtime."""
    out: dict[bytes, tuple] = {}
    base = os.fsencode(root)
    if not os.path.lexists(base):
        return out
    out[b"."] = ("dir", os.lstat(base).st_mode, os.lstat(base).st_mtime_ns, sorted(os.listdir(base)))
    folders = [base]
    while folders:  # not os.walk: it recurses, and a case nests folders deeper than Python's recursion limit
        folder = folders.pop()
        for name in os.listdir(folder):
            path = os.path.join(folder, name)
            st = os.lstat(path)
            rel = os.path.relpath(path, base)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", st.st_mode, st.st_mtime_ns, sorted(os.listdir(path)))
                folders.append(path)
            elif not stat.S_ISREG(st.st_mode):  # a named pipe: opening it to hash would wait for ever
                out[rel] = ("special", st.st_mode, st.st_mtime_ns)
            else:
                with open(path, "rb") as fh:
                    digest = hashlib.sha256(fh.read()).hexdigest()
                out[rel] = ("file", digest, st.st_size, st.st_mode, st.st_mtime_ns)
    return out


# --- the cases ------------------------------------------------------------------------------------------------


def parquet_bytes(tmp: Path, rows=CITY_ROWS) -> bytes:
    return write_parquet(tmp / "scratch" / "x.parquet", rows).read_bytes()


def xlsx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    return buf.getvalue()


@dataclass(frozen=True)
class Case:
    make: Callable[[Path, Path], None]  # (data_dir, scratch dir outside it)
    kind: str  # rejected | ignored | warning | note | accepted | usage (the CLI refuses: exit 2)
    shown: str  # the path (or dir) the message names
    words: str  # words of the message
    keeps_good: bool = True  # the good file is there and must stay in effect


BAD = "indicators/2025-06-30.parquet"


def _bytes(content: Callable[[Path], bytes], rel: str = BAD):
    def make(data: Path, tmp: Path) -> None:
        (data / rel).parent.mkdir(parents=True, exist_ok=True)
        (data / rel).write_bytes(content(tmp))

    return make


def _symlink_outside(data: Path, tmp: Path) -> None:
    target = write_parquet(tmp / "outside" / "2025-06-30.parquet", ELSEWHERE)
    (data / BAD).symlink_to(target)


def _broken_symlink(data: Path, tmp: Path) -> None:
    (data / BAD).symlink_to(tmp / "gone.parquet")


def _folder_named_like_a_file(data: Path, tmp: Path) -> None:
    write_parquet(data / BAD / "part-0.parquet", ELSEWHERE)  # Spark/pandas partitioned output


def _non_utf8_name(data: Path, tmp: Path) -> None:
    name = os.fsencode(data / "indicators") + b"/2025-06-30_\xff\xfe.parquet"
    with open(name, "wb") as fh:
        fh.write(parquet_bytes(tmp, [ind("tech_sme", "利州区", 2025, 6, 41.0)]))


def _same_date(data: Path, tmp: Path) -> None:
    write_parquet(data / "indicators/2025-09-30.parquet", [ind("tech_sme", "广元市", 2025, 9, 400.0)])
    write_parquet(data / "indicators/2025-09-30_revised.parquet", [ind("tech_sme", "广元市", 2025, 9, 410.0)])


def _future(data: Path, tmp: Path) -> None:
    write_parquet(data / "indicators/2027-01-01.parquet", [ind("tech_sme", "利州区", 2026, 9, 41.0)])


def _undated(data: Path, tmp: Path) -> None:
    # Dated by its modification time, which the test sets: before TODAY, so the note is the undated one alone.
    noon = datetime.combine(date.fromisoformat(TODAY) - timedelta(days=3), time(12)).timestamp()
    write_parquet(data / "indicators/latest.parquet", [ind("tech_sme", "利州区", 2026, 9, 41.0)], mtime=noon)


def _decimal256(data: Path, tmp: Path) -> None:
    table = pa.table(
        {
            "indicator": ["tech_sme"],
            "area": ["利州区"],
            "year": [2025],
            "value": pa.array([Decimal("41")], pa.decimal256(40, 2)),
        }
    )
    write_parquet(data / BAD, table)


def _not_utf8(data: Path, tmp: Path) -> None:
    area = pa.array([b"\xc0\xfb\xd6\xdd"], pa.binary()).view(pa.string())  # 利州 in GBK
    write_parquet(data / BAD, pa.table({"indicator": ["tech_sme"], "area": area, "year": [2025], "value": [1.0]}))


def _nested_without_end(data: Path, tmp: Path) -> None:
    deep = data / "indicators" / "2025"
    deep.mkdir()
    for _ in range(1100):
        deep = deep / "a"
        deep.mkdir()
    write_parquet(deep / "2025-06-30.parquet", ELSEWHERE)


def _undated_far_future(data: Path, tmp: Path) -> None:
    write_parquet(data / "indicators/latest.parquet", ELSEWHERE, mtime=datetime(2300, 1, 1).timestamp())


def _named_pipe(data: Path, tmp: Path) -> None:
    os.mkfifo(data / BAD)


def _missing(data: Path, tmp: Path) -> None:
    shutil.rmtree(data)


def _empty(data: Path, tmp: Path) -> None:
    _missing(data, tmp)
    data.mkdir()


def _read_only(data: Path, tmp: Path) -> None:
    for p in [*data.rglob("*"), data]:
        p.chmod(0o555 if p.is_dir() else 0o444)


CASES = {
    "truncated": Case(_bytes(lambda t: parquet_bytes(t)[:300]), "rejected", BAD, "不完整"),
    "zero-bytes": Case(_bytes(lambda t: b""), "rejected", BAD, "0 字节"),
    "csv-renamed": Case(_bytes(lambda t: "指标,县区\n高新技术企业,广元市\n".encode()), "rejected", BAD, "不是 Parquet"),
    "xlsx-renamed": Case(_bytes(lambda t: xlsx_bytes()), "rejected", BAD, "Excel"),
    "footer-garbled": Case(_bytes(lambda t: b"PAR1" + b"\0" * 200 + b"PAR1"), "rejected", BAD, "无法读取"),
    "spreadsheet": Case(
        _bytes(lambda t: xlsx_bytes(), "indicators/指标.xlsx"), "ignored", "indicators/指标.xlsx", ".parquet"
    ),
    "still-copying": Case(_bytes(parquet_bytes, BAD + ".part"), "ignored", BAD + ".part", "正在复制"),
    "symlink-outside": Case(_symlink_outside, "ignored", BAD, "数据目录之外"),
    "broken-symlink": Case(_broken_symlink, "ignored", BAD, "不存在"),
    "folder-named-like-a-file": Case(_folder_named_like_a_file, "ignored", BAD, "文件夹"),
    "file-outside-datasets": Case(
        _bytes(parquet_bytes, "2025-06-30.parquet"), "ignored", "2025-06-30.parquet", "数据集文件夹"
    ),
    "unknown-folder": Case(_bytes(parquet_bytes, "misc/2025-06-30.parquet"), "ignored", "misc", "不是约定"),
    "non-utf8-name": Case(_non_utf8_name, "accepted", "indicators/2025-06-30_\ufffd\ufffd.parquet", ""),
    "same-date": Case(_same_date, "warning", "indicators/2025-09-30_revised.parquet", "快照日期相同"),
    "future-date": Case(_future, "warning", "indicators/2027-01-01.parquet", "晚于今天"),
    "undated": Case(_undated, "warning", "indicators/latest.parquet", "按修改时间"),
    "decimal256": Case(_decimal256, "accepted", BAD, ""),
    "not-utf8": Case(_not_utf8, "rejected", BAD, "UTF-8"),
    "nested-without-end": Case(_nested_without_end, "ignored", "indicators/2025/a/a/", "层级太深"),
    "undated-far-future": Case(_undated_far_future, "ignored", "indicators/latest.parquet", "无法确定快照日期"),
    "named-pipe": Case(_named_pipe, "ignored", BAD, "命名管道"),
    "missing-dir": Case(_missing, "usage", "", "数据目录不存在", keeps_good=False),
    "empty-dir": Case(_empty, "note", "", "还没有可用的数据文件", keeps_good=False),
    "read-only-dir": Case(_read_only, "accepted", "indicators/2025-03-31.parquet", ""),
}


@pytest.fixture
def case_dir(tmp_path, request) -> tuple[Path, Case]:
    case = CASES[request.param]
    data = tmp_path / "data"
    write_parquet(data / "indicators/2025-03-31.parquet", CITY_ROWS)
    case.make(data, tmp_path)
    yield data, case
    remove_tree(data)


def cli_run(capsys, *argv: str) -> tuple[int, str]:
    """Exit code and everything printed (stdout, then stderr)."""
    try:
        code = cli.main(list(argv))
    except SystemExit as exc:  # a usage error, e.g. a data dir that does not exist
        code = exc.code
    out, err = capsys.readouterr()
    return code, out + err


@pytest.mark.parametrize("case_dir", list(CASES), indirect=True)
def test_bad_file_or_folder_is_named_the_rest_counts_and_nothing_is_modified(case_dir, capsys, tmp_path, monkeypatch):
    data, case = case_dir
    outside = tree(tmp_path / "outside")
    before = tree(data)

    code, out = cli_run(capsys, "validate", str(data))
    if case.kind == "usage":  # nothing to read at all: say so and exit 2, for validate and summary alike
        assert code == 2 and case.words in out
        code, out = cli_run(capsys, "summary", str(data), "--json")
        assert code == 2 and case.words in out
        return _app_runs_and_nothing_changed(data, case, before, tmp_path, outside, monkeypatch)
    assert code == (1 if case.kind == "rejected" else 0)
    prefix = {"rejected": "✗ 错误  ", "ignored": "- 忽略  ", "warning": "! ", "note": "! 提示  "}.get(case.kind)
    if prefix:
        named = [line for line in out.splitlines() if line.startswith(prefix) and case.shown in line]
        assert any(case.words in line for line in named), out
        if case.kind == "warning":  # a dating warning is the only one its file gets: no second note by the clock
            assert all(case.words in line for line in named), named
    if case.kind == "accepted":
        assert any(line.startswith(case.shown) and "已采用" in line for line in out.splitlines()), out

    code, out = cli_run(capsys, "summary", str(data), "--json")
    obj = json.loads(out)
    found = {
        "rejected": [f["path"] for f in obj["rejected_files"] if any(case.words in r for r in f["reasons"])],
        "ignored": [f["path"] for f in obj["ignored_files"] if case.words in f["reason"]],
        "warning": [w["path"] for w in obj["warnings"] if case.words in w["message"]],
        "note": [w["path"] for w in obj["warnings"] if case.words in w["message"]],
    }.get(case.kind)
    if found is not None:
        assert found and all(case.shown in p for p in found), obj
    hitech = next(t for t in obj["targets"] if t["indicator"] == "hitech_enterprise" and t["area"] == "广元市")
    assert hitech["actual"] == (52.0 if case.keeps_good else None)  # never the 999 from outside the dir

    _app_runs_and_nothing_changed(data, case, before, tmp_path, outside, monkeypatch)


def _app_runs_and_nothing_changed(data, case, before, tmp_path, outside, monkeypatch) -> None:
    monkeypatch.setenv("GYDASH_DATA_DIR", str(data))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    if case.keeps_good:
        assert "52 家" in html_words(at, 'class="gy-cards')  # the city's card
    assert tree(data) == before
    assert tree(tmp_path / "outside") == outside


def test_same_date_the_later_name_wins(tmp_path):
    data = tmp_path / "data"
    _same_date(data, tmp_path)
    values = store.load(data).frames["indicators"].sort("_order")["value"].to_list()
    assert values == [400.0, 410.0]
    from gydash.snapshots import resolve

    assert resolve.indicator_values(store.load(data))["value"].to_list() == [410.0]


# --- a file replaced while it is being read -------------------------------------------------------------------


def _replace_during_read(monkeypatch, victim: Path) -> list[int]:
    """Make reading rewrite `victim` (new size and mtime) right after reading it once, like a copy landing (a file
    alone is read into polars, many at once into Arrow first)."""
    calls: list[int] = []

    def replacing(real):
        def reading(path: Path, size: int):
            got = real(path, size)
            if Path(path) == victim and not calls:
                calls.append(1)
                write_parquet(victim, [*CITY_ROWS, ind("tech_sme", "广元市", 2025, 9, 480.0)])
                os.utime(victim, ns=(victim.stat().st_atime_ns, victim.stat().st_mtime_ns + 5_000_000_000))
            return got

        return reading

    monkeypatch.setattr(ingest, "read_parquet", replacing(ingest.read_parquet))
    monkeypatch.setattr(ingest, "read_table", replacing(ingest.read_table))
    return calls


@pytest.mark.parametrize("others", [0, 12], ids=["alone", "among-many-at-cold-start"])
def test_file_replaced_while_being_read_is_judged_on_the_next_load(tmp_path, monkeypatch, others):
    data = tmp_path / "data"
    for i in range(others):
        write_parquet(data / f"activities/2025-{i + 1:02d}-28.parquet", [GOOD["activities"]])
    victim = write_parquet(data / "indicators/2025-09-30.parquet", CITY_ROWS)
    calls = _replace_during_read(monkeypatch, victim)

    first = store.load(data)
    assert calls == [1]
    # Neither accepted nor rejected on a half-read: it simply is not in this version yet; the others are.
    assert [f.entry.rel for f in first.files if f.entry.dataset == "indicators"] == []
    assert len(first.accepted("activities")) == others

    second = store.load(data)
    [loaded] = [f for f in second.files if f.entry.dataset == "indicators"]
    assert loaded.status == "accepted"
    assert sorted(second.frames["indicators"]["value"].to_list()) == [40.0, 52.0, 480.0]


# --- every contract rule broken once, through the whole path -------------------------------------------------


def _rule_cases() -> list:
    return [pytest.param(*p.values, id=p.id) for p in BAD_FILES]


@pytest.mark.parametrize(("dataset", "rows", "row", "column", "value", "words"), _rule_cases())
def test_every_rule_broken_once_rejects_only_that_file_in_cli_and_summary(
    tmp_path, capsys, dataset, rows, row, column, value, words
):
    data = tmp_path / "data"
    bad = f"{dataset}/2025-06-30.parquet"
    write_parquet(data / bad, rows)
    write_parquet(data / f"{dataset}/2025-03-31.parquet", [GOOD[dataset]])
    write_parquet(data / "indicators/2024-12-31.parquet", CITY_ROWS)
    before = tree(data)

    code, out = cli_run(capsys, "validate", str(data))
    assert code == 1
    assert any(line.startswith(f"✗ 错误  {bad}") and words in line for line in out.splitlines()), out
    assert f"{dataset}/2025-03-31.parquet" in out and "已拒绝 1" in out

    code, out = cli_run(capsys, "summary", str(data), "--json")
    obj = json.loads(out)
    assert [f["path"] for f in obj["rejected_files"]] == [bad]
    assert any(words in r for r in obj["rejected_files"][0]["reasons"])
    hitech = next(t for t in obj["targets"] if t["indicator"] == "hitech_enterprise" and t["area"] == "广元市")
    assert hitech["actual"] == 52.0
    assert tree(data) == before


def everything_wrong(data: Path) -> list[str]:
    """One data dir holding every bad file of test_validate at once, beside good files; returns the bad paths."""
    bad = []
    for i, p in enumerate(BAD_FILES):
        dataset, rows = p.values[:2]
        rel = f"{dataset}/2025-06-{i % 28 + 1:02d}_{p.id}.parquet"
        write_parquet(data / rel, rows)
        bad.append(rel)
    for dataset, row in GOOD.items():
        write_parquet(data / f"{dataset}/2025-03-31.parquet", [row])
    write_parquet(data / "indicators/2024-12-31.parquet", CITY_ROWS)
    return bad


def test_cold_start_judges_every_bad_file_as_one_at_a_time(tmp_path):
    """The cold-start loader checks many files together (validate_many); every verdict and message must be the
    same as checking the files one by one."""
    data = tmp_path / "data"
    everything_wrong(data)
    loaded = {f.entry.rel: f for f in store.load(data).files}
    for rel, f in loaded.items():
        raw = pl.read_parquet(data / rel)
        alone = validate.validate(f.entry.dataset, raw, rel)
        assert [str(p) for p in f.errors] == [str(p) for p in alone.errors], rel
        assert [str(p) for p in f.warnings] == [str(p) for p in alone.warnings], rel
        assert (f.frame is None) == (alone.frame is None), rel
        if alone.frame is not None:
            assert f.frame.equals(alone.frame) and f.frame.schema == alone.frame.schema, rel


def test_a_file_polars_cannot_hold_among_many_rejects_that_file_alone(tmp_path, monkeypatch):
    """At a cold start files with the same columns are handed to polars together; when polars refuses one of them
    (it may panic on what pyarrow read), that file alone is rejected, with its name, and the others are stored."""
    from polars.exceptions import PanicException

    from gydash.snapshots import parquet

    data = tmp_path / "data"
    for i in range(12):
        row = ind("tech_sme", "利州区", 2025, i + 1, 400.0 + i)
        write_parquet(data / f"indicators/2025-{i + 1:02d}-28.parquet", [row])
    real = parquet.pl.from_arrow  # (polars' own: what gydash's reading hands a file's rows to)

    def refusing(table, *args, **kwargs):
        names = getattr(table, "column_names", [])
        if "value" in names and 407.0 in table.column("value").to_pylist():  # the August file's value
            raise PanicException("refused")
        return real(table, *args, **kwargs)

    monkeypatch.setattr(parquet.pl, "from_arrow", refusing)
    loaded = store.load(data)
    rejected = [f.entry.rel for f in loaded.rejected()]
    assert rejected == ["indicators/2025-08-28.parquet"]
    assert "无法读取" in str(loaded.rejected()[0].errors[0])
    assert len(loaded.accepted("indicators")) == 11


def test_every_page_runs_over_a_dir_with_every_bad_file(tmp_path, monkeypatch):
    data = tmp_path / "data"
    bad = everything_wrong(data)
    before = tree(data)
    monkeypatch.setenv("GYDASH_DATA_DIR", str(data))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(f"有 **{len(bad)}** 个数据文件未通过检查" in e.body for e in at.sidebar.error)
    for spec in registered_pages():
        at.switch_page(spec.path).run()
        assert not at.exception, (spec.path, [e.value for e in at.exception])
    assert tree(data) == before


def strict_json(text: str) -> dict:
    """json.loads that refuses NaN and Infinity, as any strict JSON reader does."""

    def refuse(name: str):
        raise ValueError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def test_summary_json_is_strict_json_even_when_values_would_overflow(tmp_path, capsys):
    data = tmp_path / "data"
    write_parquet(data / "indicators/2024-12-31.parquet", CITY_ROWS)
    for day in ("2025-06-30", "2025-07-31"):  # two values whose sum is past float range
        write_parquet(data / f"indicators/{day}.parquet", [ind("tech_sme", "利州区", 2025, 6, 1.7e308)])
    write_parquet(data / "indicators/2025-08-31.parquet", [ind("tech_sme", "昭化区", 2025, 6, 1.7e308)])
    code, out = cli_run(capsys, "summary", str(data), "--json")
    assert code == 0
    obj = strict_json(out)
    assert len(obj["rejected_files"]) == 3
    assert all("超出合理范围" in f["reasons"][0] for f in obj["rejected_files"])
    hitech = next(t for t in obj["targets"] if t["indicator"] == "hitech_enterprise" and t["area"] == "广元市")
    assert hitech["actual"] == 52.0


def test_summary_json_turns_any_non_finite_figure_into_null():
    from gydash import summary

    text = summary.json_text({"a": float("nan"), "b": [float("inf"), 1.5], "c": {"d": -float("inf")}})
    assert strict_json(text) == {"a": None, "b": [None, 1.5], "c": {"d": None}}
