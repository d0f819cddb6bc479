"""Deterministic, clearly marked sample data for every dataset of the data contract (see write_sample)."""

from __future__ import annotations

import pathlib
import random

from gydash.snapshots.sample_activities import _write_activities
from gydash.snapshots.sample_commendations import _write_commendations
from gydash.snapshots.sample_coverage import _write_coverage
from gydash.snapshots.sample_indicators import _write_indicators
from gydash.snapshots.sample_loans import _write_loans
from gydash.snapshots.sample_roster import _build_roster
from gydash.snapshots.sample_targets import _write_targets


def write_sample(data_dir: pathlib.Path, seed: int = 2024) -> list[pathlib.Path]:
    """Write the sample data set into data_dir/<dataset>/<YYYY-MM-DD>[_suffix].parquet; return the paths.

    Same seed -> byte-identical files: all randomness comes from one random.Random(seed), drawn in a fixed
    order, and nothing depends on the clock. Existing files with other names are left alone.
    """
    data_dir = pathlib.Path(data_dir)
    rng = random.Random(seed)
    roster = _build_roster(rng)
    paths = [
        *_write_indicators(data_dir, rng),
        *_write_activities(data_dir, rng, roster),
        *_write_loans(data_dir, rng, roster),
        *_write_commendations(data_dir, rng, roster),
        *_write_coverage(data_dir, rng, roster),
        *_write_targets(data_dir),
    ]
    return sorted(paths)
