"""The reminder digest for the work group: per county, duties at risk now, submissions due soon, what is overdue.

One block per area — 广元市 (市本级) first for the city's own duties and city-wide rejected files, then the counties
in the plan's order — each a short markdown list:

- ✗ 逾期: a submission (submissions.tracker, which includes the 两个覆盖 ledger rounds) whose due date has passed;
- ! 即将到期: the next submission due within ``days`` days;
- … 进行中: a duty of the current period (duties.evaluate, ``in_progress``) that is at risk — done less than the
  share of the period already gone, or the period ends within ``days`` days — worded as
  "本月科技服务专场 1/2 次，剩 6 天" (days left after today);
- ✗ 待更正: a rejected file of the area still waiting for a corrected copy.
An area with none of these says so in one line, so the group sees that it was checked.
The figures are those of the page 报送情况 and 责任落实: the same functions.
"""

from __future__ import annotations

import os
import tomllib
from datetime import date
from pathlib import Path

import polars as pl

from gydash.base import palette, plan
from gydash.base.contract import DATASET_LABELS
from gydash.plan import duties, duty_words, submissions
from gydash.snapshots.store import Data

TITLE = "广元科创党建报送提醒"
DAYS = 14
RISK = ("in_progress",)
SECRETS = Path(".streamlit") / "secrets.toml"


def _left(end: date, today: date) -> str:
    left = (end - today).days
    return "今天截止" if left == 0 else f"剩 {left} 天"


def duty_line(row: dict, today: date) -> str:
    """'本月科技服务专场 1/2 次，剩 6 天' / '今年政策宣讲 1/2 次，剩 35 天'."""
    when = "本月" if row["period_kind"] == "month" else "今年"
    return (
        f"{when}{row['name']} {duty_words.number(row['actual'])}/{duty_words.number(row['required'])} {row['unit']}，"
        f"{_left(row['period_end'], today)}"
    )


def _at_risk(row: dict, today: date, days: int) -> bool:
    span = (row["period_end"] - row["period_start"]).days + 1
    gone = ((today - row["period_start"]).days + 1) / span
    done = row["actual"] / row["required"] if row["required"] else 1.0
    return done < gone or (row["period_end"] - today).days <= days


def _duty_lines(data: Data, today: date, days: int) -> dict[str, list[str]]:
    cells = duties.evaluate(data, today).filter(
        pl.col("status").is_in(RISK) & (pl.col("period_start") <= today) & (pl.col("period_end") >= today)
    )
    out: dict[str, list[str]] = {}
    for row in cells.iter_rows(named=True):
        if _at_risk(row, today, days):
            out.setdefault(row["area_code"], []).append(
                f"- {palette.DUTY['in_progress'].symbol} 进行中：{duty_line(row, today)}"
            )
    return out


def _submission_lines(entry: dict, days: int) -> list[str]:
    lines = []
    overdue = palette.SUBMISSION["overdue"].symbol
    for o in entry["overdue"][:3]:
        lines.append(
            f"- {overdue} 逾期：{entry['name']} {o['label']}，应于 {o['due']} 前报送，已逾期 {o['days_overdue']} 天"
        )
    if entry["overdue_count"] > 3:
        rest = entry["overdue"][3:]
        lines.append(
            f"- {overdue} 逾期：{entry['name']} 另有 {len(rest)} 期未报（{rest[-1]['label']}至{rest[0]['label']}）"
        )
    if entry["days_to_due"] is not None and entry["days_to_due"] <= days:
        left = "今天截止" if entry["days_to_due"] == 0 else f"还有 {entry['days_to_due']} 天"
        soon = palette.SUBMISSION["due_soon"].symbol
        lines.append(
            f"- {soon} 即将到期：{entry['name']} {entry['next_period_label']}，{entry['next_due']} 前报送（{left}）"
        )
    return lines


def _rejected_line(r: dict) -> str:
    label = DATASET_LABELS.get(r["dataset"], r["dataset"])
    return f"- {palette.FILE['rejected'].symbol} 待更正：{label}文件 {r['path']} 未通过检查，尚无更正后的文件"


def blocks(data: Data, today: date, days: int = DAYS) -> list[str]:
    """The digest's blocks: a header, then one markdown block per area (see the module docstring)."""
    tracked = submissions.tracker(data, today, soon_days=days)
    lines: dict[str, list[str]] = {code: [] for code in plan.areas()["code"]}
    for code, found in _duty_lines(data, today, days).items():
        lines.setdefault(code, []).extend(found)
    by_area: dict[str, list[str]] = {}
    for entry in tracked["entries"]:
        by_area.setdefault(entry["area_code"], []).extend(_submission_lines(entry, days))
    for r in tracked["rejected_waiting"]:
        by_area.setdefault(r["area_code"] or plan.CITY, []).append(_rejected_line(r))
    for code, found in by_area.items():
        lines.setdefault(code, [])[:0] = found  # overdue and due first, then duties
    through = "；".join(
        f"{DATASET_LABELS[ds]}截至 {max(f.entry.as_of for f in data.accepted(ds))}"
        for ds in ("activities", "loans", "indicators")
        if data.accepted(ds)
    )
    header = (
        f"**{TITLE}**（{today}）\n"
        f"列出已逾期、{days} 天内到期的报送和本期尚未达到要求的工作。数据：{through or '暂无'}"
        + ("（示例数据）" if data.uses_sample else "")
        + "。"
    )
    out = [header]
    for code, found in lines.items():
        name = "广元市（市本级）" if code == plan.CITY else plan.area_name(code)
        body = "\n".join(found) if found else "- ✓ 暂无逾期或即将到期的事项"
        out.append(f"### {name}\n{body}")
    return out


def messages(data: Data, today: date, days: int, limit: int) -> list[str]:
    """The digest split into messages of at most ``limit`` bytes, never cutting an area's block mid-line when a
    line fits a message; several messages are numbered "（第 k/n 条）", and each after the first repeats the title."""
    from gydash.reminders import webhook

    parts = webhook.split(blocks(data, today, days), limit)
    if len(parts) == 1:
        return parts
    more = f"**{TITLE}**（{today}，续）\n\n"
    return [f"{more if k > 1 else ''}{part}\n\n（第 {k}/{len(parts)} 条）" for k, part in enumerate(parts, start=1)]


def secrets_files() -> list[Path]:
    """Where the webhook may be configured, first found wins: as Streamlit looks for secrets (the working
    directory's, then the user's .streamlit/secrets.toml), plus the project's own beside app.py."""
    root = Path(__file__).resolve().parents[2]
    return [Path.cwd() / SECRETS, root / SECRETS, Path.home() / SECRETS]


def settings(webhook: str | None = None, kind: str | None = None) -> dict:
    """webhook, kind and (DingTalk 加签) secret: the command-line flag, else GYDASH_REMIND_WEBHOOK /
    GYDASH_REMIND_KIND / GYDASH_REMIND_SECRET, else [remind] webhook / kind / secret in secrets.toml.
    ValueError (Chinese, never the URL) when a secrets file cannot be read."""
    table: dict = {}
    for path in secrets_files():
        if path.is_file():
            try:
                table = tomllib.loads(path.read_text(encoding="utf-8")).get("remind", {})
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                raise ValueError(f"读不出 {path}，请检查其格式（TOML）") from None
            if table:
                break
    return {
        "webhook": webhook or os.environ.get("GYDASH_REMIND_WEBHOOK") or table.get("webhook"),
        "kind": kind or os.environ.get("GYDASH_REMIND_KIND") or table.get("kind"),
        "secret": os.environ.get("GYDASH_REMIND_SECRET") or table.get("secret"),
    }
