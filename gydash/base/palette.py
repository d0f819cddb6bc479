"""Every status a user sees — its word, its symbol and its colours — in one table, for pages, charts and the pack.

Colours come from six tones, and a tone means the same thing everywhere: green = done, blue = running on time,
amber = behind or needs a look, red = 未完成 (failed or missed, nothing else), violet = waiting for data,
grey = nothing to judge yet. Each tone has a light ``fill`` (calendar cells and bars with dark text on them) and
a strong ``ink`` (bars, markers and text on white); ``badge`` is the Streamlit badge colour nearest to it.
Colour is never the only cue: every status also has a symbol and a word, and pages show at least one of them.
The engines (progress, duties, commendations, ledger) take their status words from here.
"""

from __future__ import annotations

from dataclasses import dataclass

TEXT_INK = "#1f1f1f"  # dark text on a fill
# Not statuses, so never a status colour (red above all): the line or tick of a target, quota or minimum, and the
# followed county ("my county", ?area=).
GOAL_INK = "#212121"
HIGHLIGHT = "#00897b"


@dataclass(frozen=True)
class Tone:
    fill: str
    ink: str
    badge: str


TONES = {
    "done": Tone("#c8e6c9", "#2e7d32", "green"),
    "running": Tone("#bbdefb", "#1565c0", "blue"),
    "behind": Tone("#ffe0b2", "#b26a00", "orange"),
    "failed": Tone("#ffcdd2", "#c62828", "red"),
    "waiting": Tone("#e1bee7", "#6a1b9a", "violet"),
    "idle": Tone("#e0e0e0", "#616161", "gray"),
}


@dataclass(frozen=True)
class Status:
    key: str
    word: str
    symbol: str
    tone: str

    @property
    def fill(self) -> str:
        return TONES[self.tone].fill

    @property
    def ink(self) -> str:
        return TONES[self.tone].ink

    @property
    def badge(self) -> str:
        return TONES[self.tone].badge

    @property
    def text(self) -> str:
        """'✓ 已完成' — the symbol and the word."""
        return f"{self.symbol} {self.word}"


def _table(*rows: tuple[str, str, str, str]) -> dict[str, Status]:
    return {key: Status(key, word, symbol, tone) for key, word, symbol, tone in rows}


# Targets (progress.target_progress).
TARGET = _table(
    ("achieved", "达标", "✓", "done"),
    ("on_track", "正常", "●", "running"),
    ("behind", "滞后", "▲", "behind"),
    ("off_track", "严重滞后", "✗", "failed"),
    ("missed", "未完成", "✗", "failed"),
    ("no_data", "无数据", "○", "idle"),
)

# Recurring duties (duties.evaluate): awaiting_data is a period that has ended but that the data do not cover yet.
DUTY = _table(
    ("met", "已完成", "✓", "done"),
    ("unmet", "未完成", "✗", "failed"),
    ("in_progress", "进行中", "…", "running"),
    ("awaiting_data", "待报送", "◇", "waiting"),
    ("not_due", "未到期", "○", "idle"),
)

# Commendation quotas (commendations.progress).
QUOTA = _table(
    ("met", "达标", "✓", "done"),
    ("unmet", "未完成", "✗", "failed"),
    ("in_progress", "进行中", "…", "running"),
    ("no_quota", "仅列示，不设定额", "–", "idle"),
)

# A county's ledger round (ledger.status): the county's file is its submission, so there is no "awaiting data".
LEDGER = _table(
    ("on_time", "按时", "✓", "done"),
    ("late", "逾期", "!", "behind"),
    ("missing", "未报", "✗", "failed"),
    ("not_due", "未到期", "○", "idle"),
)

# A county's road to zero uncovered organisations in one ledger round.
ZERO = _table(
    ("cleared", "已清零", "✓", "done"),
    ("open", "未清零", "!", "behind"),
    ("no_data", "无数据", "○", "idle"),
)

# A data file's check result (CLI and data page).
FILE = _table(
    ("accepted", "已采用", "✓", "done"),
    ("warning", "有警告", "!", "behind"),
    ("rejected", "已拒绝", "✗", "failed"),
    ("ignored", "已忽略", "–", "idle"),
)

# A county's data submissions (submissions.tracker): every period due so far is in, the next is due within a
# few days, or a period's due date has passed without its data (red: 未报, like a missing ledger round).
SUBMISSION = _table(
    ("complete", "已报齐", "✓", "done"),
    ("due_soon", "即将到期", "!", "behind"),
    ("overdue", "逾期未报", "✗", "failed"),
)

TABLES = {
    "target": TARGET,
    "duty": DUTY,
    "quota": QUOTA,
    "ledger": LEDGER,
    "zero": ZERO,
    "file": FILE,
    "submission": SUBMISSION,
}


def words(table: dict[str, Status]) -> dict[str, str]:
    """key → word, the engines' STATUS_LABELS."""
    return {k: s.word for k, s in table.items()}


def by_word(table: dict[str, Status]) -> dict[str, Status]:
    """word → status, for charts whose data carry the word."""
    return {s.word: s for s in table.values()}


def legend(table: dict[str, Status], keys=None, colour: str = "fill") -> tuple[list[str], list[str]]:
    """(words, colours) of the given statuses in the table's order, for a chart's colour scale domain and range.
    `colour` is 'fill' (cells and bars with dark text) or 'ink' (bars and marks on white)."""
    wanted = table if keys is None else [k for k in table if k in set(keys)]
    return [table[k].word for k in wanted], [getattr(table[k], colour) for k in wanted]


def fills(table: dict[str, Status]) -> dict[str, str]:
    """word → fill, for a chart whose data carry the word (calendar and ledger cells with dark text)."""
    return {s.word: s.fill for s in table.values()}
