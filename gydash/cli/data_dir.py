"""Commands on the data dir as it stands: check every file, write the sample set, print the summary."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from gydash import summary, textable
from gydash.base import clock, fmt
from gydash.base.contract import DATASET_LABELS
from gydash.base.problems import visible
from gydash.snapshots import store
from gydash.snapshots.catalog import default_data_dir

STATUS_WORDS = fmt.FILE_STATUS


def data_dir(arg: str | None) -> Path:
    return Path(arg) if arg else default_data_dir()


def existing_dir(arg: str | None) -> Path:
    """The data dir to read; a mistyped path is a usage error (exit 2), not an empty, passing data set."""
    path = data_dir(arg)
    if not path.is_dir():
        print(f"数据目录不存在：{visible(path)}（请检查路径或 GYDASH_DATA_DIR 设置）", file=sys.stderr)
        raise SystemExit(2)
    return path


def cmd_validate(args: argparse.Namespace) -> int:
    data = store.load(existing_dir(args.data_dir))
    rows = [
        [f.entry.rel, DATASET_LABELS.get(f.entry.dataset, ""), f.entry.as_of, f.rows, STATUS_WORDS[f.status]]
        for f in data.files
    ]
    rows += [[e.rel, DATASET_LABELS.get(e.dataset or "", ""), "", "", STATUS_WORDS["ignored"]] for e in data.ignored]
    print(f"数据目录：{visible(data.data_dir)}")
    print(textable.render(["文件", "数据集", "快照日期", "行数", "状态"], rows))
    for f in data.files:
        for p in (*f.errors, *f.warnings):
            print(f"{'✗ 错误' if p.level == 'error' else '! 警告'}  {p}")
    for e in data.ignored:
        print(f"- 忽略  {visible(e.rel)}：{visible(e.ignored)}")
    for note in data.notes(clock.today()):
        print(f"! 提示  {note}")
    counts = {s: sum(1 for f in data.files if f.status == s) for s in ("accepted", "warning", "rejected")}
    print(
        f"共 {len(data.files)} 个数据文件：已采用 {counts['accepted']}，有警告 {counts['warning']}，"
        f"已拒绝 {counts['rejected']}；已忽略 {len(data.ignored)} 个其他文件。"
    )
    return 1 if counts["rejected"] else 0


def cmd_sample(args: argparse.Namespace) -> int:
    from gydash.snapshots.sample import write_sample

    target = data_dir(args.data_dir)
    with tempfile.TemporaryDirectory() as tmp:
        written = write_sample(Path(tmp), seed=args.seed)
        moves = [(p, target / p.relative_to(tmp)) for p in written]
        # Never replace a user's file: only earlier sample files may be refreshed.
        clash = [dst for _, dst in moves if dst.exists() and not _is_sample(dst)]
        if clash:
            print("以下文件已存在且不是示例数据，未写入任何文件：", file=sys.stderr)
            for dst in clash:
                print(f"  {visible(dst)}", file=sys.stderr)
            return 1
        for src, dst in moves:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst.with_name(dst.name + ".part"))
            dst.with_name(dst.name + ".part").replace(dst)
    print(f"已在 {visible(target)} 写入 {len(written)} 个示例数据文件（种子 {args.seed}）。")
    return 0


def _is_sample(path: Path) -> bool:
    from gydash.snapshots.parquet import read_parquet  # pyarrow's reader, only for `gydash sample`
    from gydash.snapshots.parquet_checks import ReadError

    try:
        return read_parquet(path, path.stat().st_size)[1]
    except (ReadError, OSError):
        return False


def _print_summary(obj: dict) -> None:
    print(f"今天：{obj['today']}    数据截至：{obj['as_of'] or '—'}{'    （示例数据）' if obj['sample'] else ''}")
    rows = [
        [
            t["plan"],
            t["area"],
            t["name"],
            fmt.period(t["actual_year"], t["actual_month"], t["measure"]),
            fmt.actual(t) + ("（推算）" if t["derived"] else ""),
            fmt.target(t),
            fmt.percent(t["progress"]),
            fmt.target_gap(t),
            fmt.percent(t["pace"]),
            t["status_label"],
        ]
        for t in obj["targets"]
    ]
    header = ["方案", "县区", "指标", "期间", "实际", "目标", "完成率", "与目标差距", "序时进度", "状态"]
    print(textable.render(header, rows))
    for f in obj["rejected_files"]:
        print(f"✗ 已拒绝 {visible(f['path'])}")
        for reason in f["reasons"]:
            print(f"    {visible(reason)}")
    for w in obj["warnings"]:
        print(f"! {visible(w['message'])}")


def cmd_summary(args: argparse.Namespace) -> int:
    today = args.today or clock.today()
    obj = summary.build(store.load(existing_dir(args.data_dir)), today)
    if args.json:
        print(summary.json_text(obj))
    else:
        _print_summary(obj)
    return 0
