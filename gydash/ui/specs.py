"""Charts as Vega-Lite specs, built once per content of their arguments and kept in the warehouse."""

from __future__ import annotations

import functools
import hashlib
import pickle
from pathlib import Path

import streamlit as st

from gydash.snapshots import store
from gydash.ui.session import held_data

MAX_CHARTS = 256  # specs kept per process: a page draws a few dozen charts, a spec is a few kB


@st.cache_data(max_entries=MAX_CHARTS, show_spinner=False)
def _built(where: tuple, content: str, themed: bool, _args: tuple, _kwargs: dict, _build) -> dict:
    """The builder's chart as a Vega-Lite dict, made once per `content` of its arguments. The underscored
    arguments are left out of Streamlit's key (a page script defines its builders anew on every run); `where`
    stands for the builder and `content` for what it is given."""
    return _build_spec(_build, _args, _kwargs, themed, _kept_key(where, content, themed))


def _content(args: tuple, kwargs: dict) -> str | None:
    """A digest of the builder's arguments, or None when they cannot be pickled. Streamlit's own hashing walks a
    target row's 45 fields one by one (1.5 ms a row, 3 ms with its history: a fifth of a chart page's rerun);
    the pickle of the same arguments takes 0.15 ms. Equal pickles mean equal arguments; equal arguments pickled
    differently (a frame in other chunks) only cost a second build."""
    try:
        blob = pickle.dumps((args, kwargs), protocol=5)
    except (pickle.PicklingError, TypeError, AttributeError):
        return None
    return hashlib.blake2b(blob, digest_size=20).hexdigest()


def _build_spec(build, args: tuple, kwargs: dict, themed: bool, kept_as: str | None = None) -> dict:
    """The spec, built; or, when `kept_as` names it and this run has its data, from the warehouse (kept there the
    first time): a restarted server draws its charts without building them in Altair (a trend chart takes about
    0.1 s to build, 1 ms to fetch)."""
    from gydash import vega
    from gydash.snapshots import kept

    def built() -> dict:
        chart = build(*args, **kwargs)
        return vega.vega_spec(vega.themed(chart) if themed else chart)

    held = held_data()
    if kept_as is None or held is None:  # a chart drawn without a page's data is not kept
        return built()
    return kept.remembered(held.warehouse, kept_as, built, kept.JSON)


@functools.cache
def _source(filename: str) -> str:
    """A digest of a builder's source file: a page's constants (colours, words) are not in its bytecode."""
    try:
        return hashlib.sha256(Path(filename).read_bytes()).hexdigest()
    except OSError:
        return ""


def _kept_key(where: tuple, content: str, themed: bool) -> str:
    """The warehouse key of a chart: the builder (file, name, bytecode and source), what it was given, the theme,
    gydash's code and Altair's version, so neither a new release nor a changed page gets an old chart."""
    import altair

    parts = ("chart", where, _source(where[0]), content, themed, store.code_version(), altair.__version__)
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def spec(build, *args, themed: bool = False, **kwargs) -> dict:
    """The chart `build(*args, **kwargs)` draws, as a Vega-Lite spec cached on the content of the arguments: a
    rerun with the same data neither builds the Altair chart nor checks it against the schema again. `themed`
    applies the shared theme (vega.themed). Builders must depend only on their arguments and constants."""
    code = build.__code__
    where = (code.co_filename, build.__qualname__, code.co_code)
    content = _content(args, kwargs)
    if content is None:  # a lambda or the like, which Streamlit's hashing refuses as well: drawn, not kept
        return _build_spec(build, args, kwargs, themed)
    return _built(where, content, themed, args, kwargs, build)
