"""Results kept in the warehouse across restarts: how each kind becomes bytes and comes back equal, and the one way
to fetch one or work it out and keep it."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, NamedTuple

import polars as pl

from gydash.snapshots.guard import FILE_FAILURES


class Codec(NamedTuple):
    """How a kept result becomes bytes and back; `encode` raises TypeError or ValueError for a value it cannot
    carry exactly (that value is then not kept)."""

    encode: Callable[[Any], bytes]
    decode: Callable[[bytes], Any]


def _frame_bytes(frame: pl.DataFrame) -> bytes:
    out = io.BytesIO()
    frame.write_ipc(out)
    return out.getvalue()


FRAMES = Codec(_frame_bytes, lambda blob: pl.read_ipc(io.BytesIO(blob)))


def _tagged(value):
    if isinstance(value, datetime):  # before date: a datetime is a date too
        return {"__datetime__": value.isoformat()}
    if isinstance(value, date):
        return {"__date__": value.isoformat()}
    if isinstance(value, bytes):
        return {"__bytes__": base64.b64encode(value).decode()}
    raise TypeError(f"{type(value).__name__} is not kept")


def _untagged(obj: dict):
    if len(obj) == 1:
        ((tag, text),) = obj.items()
        if tag == "__date__":
            return date.fromisoformat(text)
        if tag == "__datetime__":
            return datetime.fromisoformat(text)
        if tag == "__bytes__":
            return base64.b64decode(text)
    return obj


def _json_value(blob: bytes):
    return json.loads(blob, object_hook=_untagged)


def _json_bytes(value) -> bytes:
    """JSON with dates, datetimes and bytes tagged; ValueError when it would not come back equal (a tuple, a NaN)."""
    blob = json.dumps(value, default=_tagged, ensure_ascii=False, allow_nan=False).encode()
    if _json_value(blob) != value:
        raise ValueError("not kept: JSON would not give it back equal")
    return blob


JSON = Codec(_json_bytes, _json_value)  # dicts and lists of text, numbers, dates and bytes (chart specs, change lists)


def remembered(warehouse, key: str, compute: Callable[[], Any], codec: Codec = FRAMES):
    """The result kept under `key`, or `compute()` kept there for next time. A kept value that cannot be read back
    (a warehouse written by something else) is worked out again and replaced: it was only a shortcut."""
    hit = warehouse.kept(key)
    if hit is not None:
        try:
            return codec.decode(hit)
        except FILE_FAILURES:
            pass
    result = compute()
    try:
        blob = codec.encode(result)
    except (TypeError, ValueError):  # a value the codec cannot carry exactly: worked out again next time
        return result
    warehouse.keep(key, blob)
    return result
