"""The `gydash` command: validate a data dir, write the sample set, print the summary, write the pack, remind."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

from gydash import summary, textable
from gydash.base import clock, fmt
from gydash.base.contract import DATASET_LABELS, DATASETS
from gydash.base.problems import visible
from gydash.snapshots import store
from gydash.snapshots.catalog import FUTURE_MARGIN_DAYS, default_data_dir

STATUS_WORDS = fmt.FILE_STATUS


def _data_dir(arg: str | None) -> Path:
    return Path(arg) if arg else default_data_dir()


def _existing_dir(arg: str | None) -> Path:
    """The data dir to read; a mistyped path is a usage error (exit 2), not an empty, passing data set."""
    path = _data_dir(arg)
    if not path.is_dir():
        print(f"数据目录不存在：{visible(path)}（请检查路径或 GYDASH_DATA_DIR 设置）", file=sys.stderr)
        raise SystemExit(2)
    return path


def cmd_validate(args: argparse.Namespace) -> int:
    data = store.load(_existing_dir(args.data_dir))
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

    target = _data_dir(args.data_dir)
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
    from gydash.snapshots.parquet import ReadError, read_parquet  # pyarrow's reader, only for `gydash sample`

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


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期应写成 YYYY-MM-DD（如 2026-11-26），收到「{text}」") from None


def _days(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 366:
        raise argparse.ArgumentTypeError(f"天数应为 0–366 的整数，收到「{text}」")
    return value


def cmd_summary(args: argparse.Namespace) -> int:
    today = args.today or clock.today()
    obj = summary.build(store.load(_existing_dir(args.data_dir)), today)
    if args.json:
        print(summary.json_text(obj))
    else:
        _print_summary(obj)
    return 0


class _IntermixedParser(argparse.ArgumentParser):
    """Lets DATA_DIR come after the options, as in `gydash import FILE --dataset NAME DATA_DIR`."""

    _mixing = False

    def parse_known_args(self, args=None, namespace=None):
        if self._mixing:  # parse_known_intermixed_args calls back into parse_known_args
            return super().parse_known_args(args, namespace)
        self._mixing = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._mixing = False


def _import_role(args: argparse.Namespace):
    """The role `--as USER` imports with ("admin" without --as); SystemExit(2) for an account not configured."""
    from gydash.access import auth, roles

    if not args.as_user:
        return "admin"
    try:
        secrets, where = roles.load_secrets(args.secrets)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        raise SystemExit(2) from None
    cfg, accounts = auth.config(secrets), roles.accounts(secrets)
    known = set(cfg.users) | set(cfg.emails)  # the accounts that could sign in; no password asked here
    if args.as_user not in known and args.as_user.strip().lower() not in known:
        found = f"（读取 {where}）" if where else "（没有找到 .streamlit/secrets.toml，可用 --secrets 指定）"
        print(f"没有工作人员账号「{args.as_user}」{found}：--as 必须是已配置的账号", file=sys.stderr)
        raise SystemExit(2)
    return accounts.role(args.as_user)  # None for a misconfigured role (roles.accounts logged the problem)


def cmd_import(args: argparse.Namespace) -> int:
    from gydash.access import scope
    from gydash.snapshots import importer, importlog

    role = _import_role(args)
    check = None if role == "admin" else (lambda p: scope.refuse_outside(p, role))
    root = _data_dir(args.data_dir)
    prepared, path = importer.import_path(
        args.file,
        args.dataset,
        root,
        as_of=args.as_of,
        name=args.name,
        dry_run=args.dry_run,
        force=args.force,
        user=args.as_user,
        check=check,
    )
    if role != "admin":
        print(f"导入账号：{args.as_user}（{role.label if role else '角色配置有误'}）")
    code = importer.report(prepared, path, dry_run=args.dry_run)
    if not args.dry_run:  # a dry run imports nothing, so it is not an import to record
        warning = importlog.record(prepared, path, root, user=args.as_user, role=role, via="cli")
        if warning:
            print(f"! {warning}", file=sys.stderr)
    return code


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"应为正整数，收到「{text}」")
    return int(text)


def cmd_imports(args: argparse.Namespace) -> int:
    import polars as pl

    from gydash.snapshots import importlog

    try:
        entries, bad = importlog.read(args.limit)
    except importlog.LogError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps({"log": str(importlog.log_path()), "entries": entries}, ensure_ascii=False, indent=2))
        return 0
    print(f"导入记录：{importlog.log_path()}（最新的在前，共 {len(entries)} 条）")
    if entries:
        table = importlog.table(entries).drop("内容哈希（SHA-256）")
        table = table.with_columns(pl.col("原因").str.slice(0, 60))  # the full reason is in --json
        print(textable.render(table.columns, [list(r) for r in table.rows()]))
    if bad:
        print(f"! 有 {bad} 行记录无法读取，已跳过", file=sys.stderr)
    return 0


def _quarter(text: str):
    from gydash.meeting import quarter

    try:
        return quarter.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_report(args: argparse.Namespace) -> int:
    from gydash.meeting import pack, quarter, render, sections
    from gydash.plan import progress

    root = _existing_dir(args.data_dir)
    today = clock.today()
    if args.quarter > today:
        print(f"{quarter.label(args.quarter)} 尚未结束（今天 {today}），不能生成该季度材料", file=sys.stderr)
        return 2
    cut = quarter.load(root, args.quarter)
    if not cut.data.accepted():
        print(f"{cut.label} 季度末（{args.quarter}）以前没有可用的数据文件", file=sys.stderr)
        return 1
    plans = progress.plan_ids(cut.data)
    if args.plan not in plans:
        print(f"没有方案「{visible(args.plan)}」，可选：{visible('、'.join(plans))}", file=sys.stderr)
        return 2
    built = sections.build(root, args.quarter, args.plan)
    try:
        content = pack.write(built, args.format)
    except render.FontMissing as exc:
        print(str(exc), file=sys.stderr)
        return 1
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(content)
    print(f"已生成 {visible(out)}（{visible(built.title)}，{visible(built.stamp.line())}）")
    return 0


def cmd_remind(args: argparse.Namespace) -> int:
    from gydash.reminders import remind, webhook

    data = store.load(_existing_dir(args.data_dir))
    today = args.today or clock.today()
    if args.print:
        for text in remind.messages(data, today, args.days, webhook.LIMITS[args.kind or "wecom"]):
            print(text, end="\n\n")
        return 0
    conf: dict = {}
    try:
        conf = remind.settings(args.webhook, args.kind)
        if not conf["webhook"]:
            print(
                '没有配置群机器人地址：请在 .streamlit/secrets.toml 的 [remind] 节写 webhook = "…"，'
                "或设置环境变量 GYDASH_REMIND_WEBHOOK；只想看内容请加 --print",
                file=sys.stderr,
            )
            return 2
        kind = webhook.kind_for(conf["webhook"], conf["kind"])
    except ValueError as exc:
        print(webhook.mask(str(exc), conf.get("webhook")), file=sys.stderr)
        return 2
    texts = remind.messages(data, today, args.days, webhook.LIMITS[kind])
    where = webhook.KINDS[kind]
    for k, text in enumerate(texts, start=1):
        body = webhook.payload(kind, f"{remind.TITLE}（{today}）", text)
        try:
            webhook.post(conf["webhook"], body, secret=conf["secret"] if kind == "dingtalk" else None)
        except webhook.DeliveryError as exc:
            done = f"前 {k - 1} 条已送达，" if k > 1 else ""
            print(
                f"提醒未能发送到{where}（地址已隐藏）：第 {k}/{len(texts)} 条{exc}。"
                f"{done}请检查网络和机器人设置后重试。",
                file=sys.stderr,
            )
            return 1
    print(f"已发送 {len(texts)} 条提醒到{where}（地址已隐藏），{today}，提醒范围 {args.days} 天。")
    return 0


def cmd_hash_password(args: argparse.Namespace) -> int:
    from gydash.access import auth

    return auth.hash_password_cli(stdin=args.stdin)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gydash", description="广元市党建引领科技创新实施方案进度看板 命令行工具")
    sub = p.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="检查数据目录中的每个文件")
    v.add_argument("data_dir", nargs="?")
    v.set_defaults(func=cmd_validate)
    s = sub.add_parser("sample", help="写入示例数据")
    s.add_argument("data_dir", nargs="?")
    s.add_argument("--seed", type=int, default=2024)
    s.set_defaults(func=cmd_sample)
    m = sub.add_parser("summary", help="输出目标进度汇总")
    m.add_argument("data_dir", nargs="?")
    m.add_argument("--json", action="store_true", help="输出 JSON")
    m.add_argument("--today", type=_iso_date, help="按此日期计算（YYYY-MM-DD）")
    m.set_defaults(func=cmd_summary)
    i = sub.add_parser("import", help="导入 .xlsx/.csv/.parquet 文件，检查通过后写入新快照")
    i.__class__ = _IntermixedParser  # a subparser is built by add_parser; only this one mixes positionals
    i.add_argument("file", help="要导入的文件")
    i.add_argument("data_dir", nargs="?")
    i.add_argument("--dataset", required=True, choices=DATASETS, help="数据集")
    i.add_argument("--as-of", type=_iso_date, help="快照日期 YYYY-MM-DD（默认取文件名中的日期，没有则取今天）")
    i.add_argument("--name", help="保存名称（默认取自文件名）")
    i.add_argument("--dry-run", action="store_true", help="只检查，不写入")
    i.add_argument(
        "--force", action="store_true", help=f"允许比今天晚 {FUTURE_MARGIN_DAYS} 天以上的快照日期（通常是写错了日期）"
    )
    i.add_argument(
        "--as", dest="as_user", metavar="USER", help="以此工作人员账号的角色导入（县区账号只能导入本县区的数据）"
    )
    i.add_argument("--secrets", help="secrets.toml 的位置（默认 .streamlit/secrets.toml）")
    i.set_defaults(func=cmd_import)
    g = sub.add_parser("imports", help="列出导入记录（谁在何时导入了什么，包括被拒绝的）")
    g.add_argument("--json", action="store_true", help="输出 JSON")
    g.add_argument("--limit", type=_positive, default=200, help="最多列出最新的多少条（默认 200）")
    g.set_defaults(func=cmd_imports)
    r = sub.add_parser("report", help="生成季度会议材料（PPTX 或 PDF）")
    r.__class__ = _IntermixedParser
    r.add_argument("data_dir", nargs="?")
    r.add_argument("--quarter", required=True, type=_quarter, help="季度，如 2025Q3")
    r.add_argument("--format", required=True, choices=("pptx", "pdf"), help="文件格式")
    r.add_argument("-o", "--output", required=True, help="输出文件")
    r.add_argument("--plan", default="2024", help="方案（默认 2024）")
    r.set_defaults(func=cmd_report)
    w = sub.add_parser("remind", help="把各县区逾期、即将到期的报送和进行中的工作发到企业微信或钉钉群")
    w.__class__ = _IntermixedParser
    w.add_argument("data_dir", nargs="?")
    w.add_argument("--today", type=_iso_date, help="按此日期计算（YYYY-MM-DD）")
    w.add_argument("--days", type=_days, default=14, help="提醒多少天内到期的事项（默认 14）")
    how = w.add_mutually_exclusive_group()
    how.add_argument(
        "--webhook", help="群机器人地址（最好改用 secrets.toml 或 GYDASH_REMIND_WEBHOOK，命令行会被他人看到）"
    )
    how.add_argument("--print", action="store_true", help="只打印提醒内容，不发送")
    w.add_argument("--kind", choices=("wecom", "dingtalk"), help="机器人类型（默认按地址判断）")
    w.set_defaults(func=cmd_remind)
    h = sub.add_parser("hash-password", help="生成工作人员密码哈希，写入 .streamlit/secrets.toml")
    h.add_argument("--stdin", action="store_true", help="从标准输入读取密码（一行）")
    h.set_defaults(func=cmd_hash_password)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # the reader went away (`gydash summary --json | head`): not an error of ours
        # Point stdout at nothing, so the interpreter's own flush at exit cannot raise a second time.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
