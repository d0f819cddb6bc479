"""The `gydash` command: its arguments and main(); the commands themselves are in data_dir and tasks."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date

from gydash.base.contract import DATASETS
from gydash.cli.data_dir import cmd_sample, cmd_summary, cmd_validate
from gydash.cli.tasks import cmd_hash_password, cmd_import, cmd_imports, cmd_remind, cmd_report
from gydash.snapshots.dating import FUTURE_MARGIN_DAYS
from gydash.snapshots.guard import ERRORS_ENV, in_chinese, technical

EX_SOFTWARE = 70  # sysexits.h: an internal error (a script can tell it from refused data, 1, and bad arguments, 2)


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


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"应为正整数，收到「{text}」")
    return int(text)


def _quarter(text: str):
    from gydash.meeting import quarter

    try:
        return quarter.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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
    except BaseException as exc:  # a Rust panic is a BaseException; Ctrl-C and exits pass (in_chinese)
        if not in_chinese(exc):
            raise
        print(failure_message(args.command, exc), file=sys.stderr)
        return EX_SOFTWARE


def failure_message(command: str, exc: BaseException) -> str:
    """What staff read when a command fails in a way no check foresaw: a bug of gydash's, not of their data."""
    return (
        f"gydash {command} 没能完成：程序内部出错（{technical(exc)}）。数据文件没有受到影响。"
        f"请把这段话告诉系统管理员；设置环境变量 {ERRORS_ENV}=raise 再运行一次，可看到完整的技术细节。"
    )
