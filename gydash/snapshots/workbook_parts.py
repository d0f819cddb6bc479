"""An uploaded workbook's parts: counted before parsing, and the sheets not imported emptied so they cost nothing."""

from __future__ import annotations

import functools
import io
import posixpath
import re
import warnings
import zipfile
from collections import Counter

from gydash.base import libs

ANY = b"<"  # in count_tags: every element, counted under the one byte its pattern captures
CHUNK = 1 << 20
OVERLAP = 256  # a tag cut by a chunk's end is matched again in the next; only a longer tag name could be missed
EMPTY_SHEET = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>'


@functools.lru_cache(maxsize=8)
def _start_tags(names: tuple[bytes, ...]) -> re.Pattern:
    """Start tags of these local names after any namespace prefix (a prefix holds no colon, so matching is linear)."""
    if names == (ANY,):
        return re.compile(rb"(<)[^\s<>/!?]")
    return re.compile(rb"<(?:[^\s<>/:!?]*:)?(" + b"|".join(map(re.escape, names)) + rb")[\s/>]")


def count_tags(z: zipfile.ZipFile, part: str, most: dict[bytes, int]) -> Counter:
    """Start tags in a zip part's XML by local name (or ANY), read as a stream that stops as soon as one count
    passes its limit in `most`: what a part holds is known before it is parsed, whatever it states about itself
    (a sheet's <dimension> may be missing or false), at the cost of reading its first few MB."""
    pattern, counts, tail = _start_tags(tuple(sorted(most))), Counter(), b""
    with z.open(part) as fh:
        while all(counts[name] <= limit for name, limit in most.items()):
            chunk = fh.read(CHUNK)
            buf = tail + chunk
            cut = max(len(buf) - OVERLAP, 0) if chunk else len(buf)
            counts.update(pattern.findall(buf))
            counts.subtract(pattern.findall(buf, cut))  # tags starting at `cut` or later are counted with the next
            if not chunk:
                break
            tail = buf[cut:]
    return counts


def sheet_parts(content: bytes) -> tuple[list[tuple[str, str, str]], str | None]:
    """(name, state, zip part) of each worksheet, and the shared strings' part: found by the reader that later
    parses the workbook, so the parts counted are the parts it will read."""
    excel = libs.load("openpyxl.reader.excel")
    reader = excel.ExcelReader(io.BytesIO(content), keep_links=False)
    with reader.archive:
        reader.read_manifest()
        reader.read_workbook()
        strings = reader.package.find(libs.load("openpyxl.xml.constants").SHARED_STRINGS)
        sheets = [
            (sheet.name, sheet.state or "visible", rel.target)
            for sheet, rel in reader.parser.find_sheets()
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type
        ]
    return sheets, strings.PartName[1:] if strings is not None else None


_RELATION = re.compile(rb"<(?:[^\s<>/:!?]*:)?Relationship\s[^>]*>")
_TARGET = re.compile(rb"""\sTarget\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_EXTERNAL = re.compile(rb"""\sTargetMode\s*=\s*["']External""")
READ_BY_PATH = ("[Content_Types].xml", "xl/styles.xml", "docProps/core.xml", "docProps/custom.xml")  # not by links
EMPTY_RELS = b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>'


def rels_of(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def linked(z: zipfile.ZipFile, parts: set[str], stop: frozenset[str] = frozenset()) -> set[str]:
    """`parts` and every part reached from them through relationship files (a sheet's comments, drawings, charts,
    tables, pivots), with those files, never through a part in `stop`: targets resolved as the reader does."""
    names, seen, todo = set(z.namelist()), set(), list(parts)
    while todo:
        part = todo.pop()
        if part in seen or part in stop:
            continue
        seen.add(part)
        if rels_of(part) not in names:
            continue
        seen.add(rels_of(part))
        folder = posixpath.dirname(part)
        for tag in _RELATION.findall(z.read(rels_of(part))):  # a few KB; the workbook's size is checked before
            target = _TARGET.search(tag)
            if target is None or _EXTERNAL.search(tag):
                continue
            text = (target.group(1) or target.group(2) or b"").decode("utf-8", "replace")
            path = text[1:] if text.startswith("/") else posixpath.normpath(posixpath.join(folder, text))
            if path in names:
                todo.append(path)
    return seen


def unused_parts(z: zipfile.ZipFile, keep: str, drop: set[str]) -> set[str]:
    """The sheets in `drop` and what only they lead to (their comments, drawings, charts): parts the reader will not
    parse once only_sheet has emptied them. The package's root "" leads to all that is read however the sheets are."""
    used = linked(z, {"", keep}, frozenset(drop)) | set(READ_BY_PATH)
    return linked(z, drop) - used


def only_sheet(z: zipfile.ZipFile, drop: set[str]) -> bytes:
    """The workbook with each sheet part in `drop` emptied, and its relationships: a sheet not imported costs no
    parsing, however big, and neither do its comments, drawings or pivot tables."""
    blank = {p: EMPTY_SHEET for p in drop} | {rels_of(p): EMPTY_RELS for p in drop}
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as new:
        warnings.simplefilter("ignore")  # a part named twice is copied as it is; readers take the last one
        for info in z.infolist():
            new.writestr(info.filename, blank[info.filename] if info.filename in blank else z.read(info))
    return out.getvalue()
