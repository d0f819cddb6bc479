"""An uploaded file's rows by its type: .xlsx, .csv or .parquet; any other type is refused."""

from __future__ import annotations

import tempfile
from pathlib import Path

from gydash.snapshots import limits
from gydash.snapshots.csvfile import read_csv
from gydash.snapshots.intake import Raw, Refused
from gydash.snapshots.parquet import read_parquet
from gydash.snapshots.parquet_checks import ReadError
from gydash.snapshots.spreadsheet import read_xlsx

SUFFIXES = (".xlsx", ".csv", ".parquet")


def read_parquet_bytes(content: bytes) -> Raw:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.parquet"
        path.write_bytes(content)
        try:
            frame, _ = read_parquet(path, len(content))
        except ReadError as exc:
            where = [f"第 {exc.row} 行" if exc.row else "", f"列「{exc.column}」" if exc.column else ""]
            shown = f"值「{exc.value}」" if exc.value is not None else ""
            raise Refused(" ".join(w for w in (*where, shown) if w) + ("：" if any(where) else "") + str(exc)) from exc
        except limits.TooLarge as exc:
            raise Refused(f"文件太大，未读取：{exc}") from exc
    return Raw(frame, list(range(1, frame.height + 1)))


def read_raw(content: bytes, suffix: str, dataset: str) -> Raw:
    if suffix == ".xlsx":
        return read_xlsx(content, dataset)
    if suffix == ".csv":
        return read_csv(content, dataset)
    if suffix == ".parquet":
        return read_parquet_bytes(content)
    if suffix in (".xls", ".et", ".wps"):
        raise Refused(f"不支持 {suffix} 格式：请另存为 Excel 工作簿（.xlsx）或 CSV UTF-8 后再导入")
    raise Refused(f"不支持的文件类型「{suffix or '（无扩展名）'}」：只接受 .xlsx、.csv 和 .parquet")
