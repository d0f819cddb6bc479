"""Content-keyed memo for chart builders: the same inputs give the very same chart object, built once."""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

import polars as pl

MAX_CHARTS = 512  # per process; a page draws a few dozen charts, a chart spec is a few kB
F = TypeVar("F", bound=Callable)

_lock = threading.Lock()
_charts: OrderedDict[tuple, tuple[tuple, object]] = OrderedDict()


def freeze(value: object) -> object:
    """A hashable key standing for an argument: equal content gives an equal key. Frames are keyed by their
    schema and a hash of every row; objects without a value (an Altair chart) by identity, and the memo keeps
    them alive so that identity is never reused for another object."""
    if isinstance(value, pl.DataFrame):
        rows = tuple(value.hash_rows(seed=0).to_list()) if value.width else ()
        return ("frame", tuple((n, str(t)) for n, t in value.schema.items()), value.height, rows)
    if isinstance(value, dict):
        return ("dict", tuple((k, freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(freeze(v) for v in value))
    if isinstance(value, set | frozenset):
        return ("set", frozenset(freeze(v) for v in value))
    if isinstance(value, float) and value != value:
        return ("float", "nan")  # NaN is not equal to itself, so it could never be found again
    try:
        hash(value)
    except TypeError:
        return ("id", id(value))
    # The type is part of the key: 1, 1.0 and True are equal in Python but may draw differently.
    return (type(value).__name__, value)


def chart(fn: F) -> F:
    """Memoise a chart builder on the content of its arguments (see freeze).

    Streamlit reruns a page from the top on every interaction; building an Altair chart and checking it against
    the Vega-Lite schema took most of a rerun. With the memo, a rerun with the same data gets the same chart
    object, whose spec the UI keeps too. Keyed by the builder's file and name, not the function object, because a
    page script defines its builders anew on every run. Builders must depend only on their arguments (and
    constants): a builder reading other state would be served a stale chart."""
    where = (fn.__code__.co_filename, fn.__qualname__, fn.__code__.co_code)

    @functools.wraps(fn)
    def memoised(*args, **kwargs):
        key = (where, freeze(args), freeze(kwargs))
        with _lock:
            hit = _charts.get(key)
            if hit is not None:
                _charts.move_to_end(key)
                return hit[1]
        result = fn(*args, **kwargs)
        with _lock:
            _charts[key] = ((args, kwargs), result)  # the arguments too: their identities are in the key
            while len(_charts) > MAX_CHARTS:
                _charts.popitem(last=False)
        return result

    return memoised  # type: ignore[return-value]
