"""An imported snapshot's name and date, from the file staff gave or as given; refused when unsafe or out of range."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path

from gydash.base import clock
from gydash.base.problems import show_value
from gydash.snapshots.dating import FIRST_YEAR, FUTURE_MARGIN_DAYS, LAST_YEAR, date_from_name
from gydash.snapshots.intake import Refused

MAX_NAME_CHARS = 60

_NAME_OK = re.compile(r"^[\w\-]+$")

_DRIVE = re.compile(r"^[A-Za-z]:")


def _bad_chars(text: str) -> list[str]:
    return [ch for ch in text if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn")]


def source_parts(filename: str) -> tuple[str, str]:
    """(stem, suffix) of an uploaded or given file name; Refused if it tries to name a path."""
    if not filename or not filename.strip():
        raise Refused("没有文件名")
    if _bad_chars(filename):
        raise Refused(f"文件名「{show_value(filename)}」含有控制字符或不可见字符，请重命名后再导入")
    if "/" in filename or "\\" in filename or _DRIVE.match(filename) or filename.strip() in (".", ".."):
        raise Refused(f"文件名「{show_value(filename)}」含有路径（如 ../ 或 / 开头），只能是一个文件名")
    base = filename.strip()
    suffix = Path(base).suffix.lower()
    return base[: len(base) - len(suffix)] if suffix else base, suffix


def check_name(name: str) -> str:
    """An explicit <name> must already be clean: letters (Chinese too), digits, '-' and '_'."""
    text = unicodedata.normalize("NFKC", name.strip())
    if not text:
        raise Refused("名称不能为空")
    if "/" in text or "\\" in text or ".." in text or _DRIVE.match(text):
        raise Refused(f"名称「{show_value(name)}」含有路径（如 ../ 或 /），只能是一个名称")
    if not _NAME_OK.match(text) or text.startswith(("-", "_")):
        raise Refused(f"名称「{show_value(name)}」只能包含汉字、字母、数字、- 和 _（不能以 - 或 _ 开头）")
    if len(text) > MAX_NAME_CHARS:
        raise Refused(f"名称太长（{len(text)} 个字符），最多 {MAX_NAME_CHARS} 个")
    return text


def name_from_source(stem: str, as_of_text: str | None, dataset: str) -> tuple[str, str | None]:
    """A clean <name> from the file's own name: the as-of date taken out, other punctuation made '_'."""
    text = unicodedata.normalize("NFKC", stem)
    if as_of_text:
        text = text.replace(as_of_text, "", 1)
    text = text.strip("_- ")
    clean = re.sub(r"[^\w\-]+", "_", text)
    clean = re.sub(r"_+", "_", clean).strip("_-")[:MAX_NAME_CHARS].strip("_-")
    if not clean:
        return dataset, None
    return clean, (f"文件名中的空格和符号已替换为 _，保存为「{clean}」" if clean != text else None)


def _date_text(stem: str) -> tuple[date | None, str | None]:
    found = date_from_name(stem)
    if found is None:
        return None, None
    for text in (found.isoformat(), found.strftime("%Y%m%d")):
        if text in stem:
            return found, text
    return found, None


def date_check(as_of: date, force: bool = False) -> None:
    """Refused for a snapshot date outside the contract's years, or (unless forced) more than FUTURE_MARGIN_DAYS
    after today: the newest snapshot wins, so a file dated 2099 would outrank every correction made until then."""
    if not FIRST_YEAR <= as_of.year <= LAST_YEAR:
        raise Refused(f"快照日期 {as_of.isoformat()} 不在 {FIRST_YEAR}–{LAST_YEAR} 年之间：请改正日期")
    today = clock.today()
    ahead = (as_of - today).days
    if ahead > FUTURE_MARGIN_DAYS and not force:
        raise Refused(
            f"快照日期 {as_of} 比今天（{today}）晚 {ahead} 天：快照日期是这份数据整理截止的日期，不能是将来。"
            "日期晚的快照优先，这个文件会压过此后所有更正。请改正文件名中的日期或指定的快照日期；"
            "确需使用将来日期时，请管理员用命令行 `gydash import … --force` 导入"
        )
