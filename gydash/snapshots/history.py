"""The data page's names for freshness, key history, change reports and previews, kept where it imports them."""

# pages/data.py imports these from here; gydash itself and the tests import the modules named below.
from gydash.snapshots.change_report import CHANGE_WORDS, changes, changes_since, counts
from gydash.snapshots.freshness import freshness
from gydash.snapshots.key_history import (
    indicator_key_history,
    indicator_key_summary,
    indicator_keys,
    key_label,
    ledger_keys,
    ledger_round_history,
)
from gydash.snapshots.preview import with_file

__all__ = [
    "CHANGE_WORDS",
    "changes",
    "changes_since",
    "counts",
    "freshness",
    "indicator_key_history",
    "indicator_key_summary",
    "indicator_keys",
    "key_label",
    "ledger_keys",
    "ledger_round_history",
    "with_file",
]
