"""The office's tasks: import a file, list the imports, write the meeting pack, send reminders, hash a password."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gydash import textable
from gydash.base import clock
from gydash.base.problems import visible
from gydash.cli.data_dir import data_dir, existing_dir
from gydash.snapshots import store


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
    root = data_dir(args.data_dir)
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


def cmd_report(args: argparse.Namespace) -> int:
    from gydash.meeting import pack, quarter, render, sections
    from gydash.plan import progress

    root = existing_dir(args.data_dir)
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

    data = store.load(existing_dir(args.data_dir))
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
