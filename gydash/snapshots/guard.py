"""What may fail while one file is read or checked: any error, or a panic inside polars — never Ctrl-C or an exit."""

from __future__ import annotations

from polars.exceptions import PanicException

# PanicException derives from BaseException, so `except Exception` lets it through and one odd file would take down
# every page. KeyboardInterrupt and SystemExit are deliberately not listed: they must still stop the program.
FILE_FAILURES: tuple[type[BaseException], ...] = (Exception, PanicException)


def is_panic(exc: BaseException) -> bool:
    """A panic inside any Rust library: polars' PanicException, or another extension's own class of that name
    (fastexcel, which reads Excel, raises pyo3_runtime.PanicException, which polars' class does not catch)."""
    return isinstance(exc, PanicException) or type(exc).__name__ == "PanicException"


def reason(exc: BaseException) -> str:
    """The technical detail of a failure, cut short, for the end of a Chinese sentence."""
    kind = "程序内部错误" if is_panic(exc) else type(exc).__name__
    detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
    return f"{kind}: {detail}" if detail else kind
