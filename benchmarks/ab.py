"""Before and after: new viewers of each page on two versions of gydash served side by side, views interleaved.

    uv run python benchmarks/ab.py --base HEAD~1 [--scale full] [--views 6] [--pages overview,counties]

The version at --base (a git revision, checked out into a temporary worktree) and the working tree each run their
own `streamlit run app.py` with their own state dir on the same copy of the benchmark data. Each page is opened
once on both (its numbers computed), then by `--views` new viewers on each, alternating which version goes first,
so both meet the same machine load. A virtual machine's speed can drift by a third between two benchmark runs; a
change of 0.1 s in "fully drawn" shows only when the two versions are measured together like this.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent)]

import bench  # noqa: E402  (benchmarks/ is not a package)
from bench import ROOT, TODAY, scale, server  # noqa: E402

FIGURES = ("drawn_s", "browser_cpu_s", "served_s", "server_cpu_s")


@contextlib.contextmanager
def worktree(revision: str):
    """The project at `revision`, checked out into a temporary directory (removed after)."""
    with tempfile.TemporaryDirectory(prefix="gydash-ab-") as tmp:
        path = Path(tmp) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", str(path), revision], cwd=ROOT, check=True)
        try:
            yield path
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, check=False)


def compare(browser, urls: dict[str, str], pages: list[str], views: int) -> dict:
    """Per page: the median of `views` new viewers on each version, the versions taking turns to go first."""
    out = {}
    for page in pages:
        hrefs = {k: f"{url}/{page}".rstrip("/") for k, url in urls.items()}
        for k, href in hrefs.items():
            bench.one_view(browser, href, urls[k].pid)  # the page's first view computes its numbers
        seen: dict[str, list[dict]] = {k: [] for k in urls}
        for i in range(views):
            for k in list(urls)[:: 1 if i % 2 == 0 else -1]:
                seen[k].append(bench.one_view(browser, hrefs[k], urls[k].pid))
        out[page or "overview"] = {k: {f: bench._median(v[f] for v in got) for f in FIGURES} for k, got in seen.items()}
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base", required=True, help="git revision to compare the working tree with")
    p.add_argument("--scale", choices=list(scale.SCALES), default="full")
    p.add_argument("--views", type=int, default=6, help="new viewers per page and version")
    p.add_argument("--pages", help="URL names, comma-separated ('' or overview for the first page); default all")
    p.add_argument("--cache", type=Path, default=ROOT / ".bench-data")
    args = p.parse_args()
    pages = [Path(s).stem for s in bench.registered_pages()] if args.pages is None else args.pages.split(",")
    pages = ["" if page == Path(bench.registered_pages()[0]).stem else page for page in pages]
    from playwright.sync_api import sync_playwright

    source, _ = scale.ensure(args.cache, args.scale)
    with tempfile.TemporaryDirectory(prefix="gydash-ab-data-") as tmp, worktree(args.base) as base:
        data = bench.working_copy(source, Path(tmp))
        with contextlib.ExitStack() as stack, sync_playwright() as pw:
            urls = {}
            for name, app in (("base", base / "app.py"), ("now", ROOT / "app.py")):
                os.environ["GYDASH_STATE_DIR"] = str(Path(tmp) / f"state-{name}")  # each version its own warehouse
                log = ROOT / "artifacts" / f"ab-{name}.log"
                urls[name] = stack.enter_context(server.serve(data, TODAY, log=log, timeout=600, app=app))
            browser = pw.chromium.launch(executable_path=server.chromium_path(), args=server.CHROMIUM_ARGS)
            result = compare(browser, urls, pages, args.views)
    print(f"new viewers, median of {args.views} each, interleaved: {args.base} -> working tree")
    for page, by in result.items():
        b, n = by["base"], by["now"]
        print(f"    {page:14s} drawn {bench._secs(b['drawn_s'])} -> {bench._secs(n['drawn_s'])}   browser CPU "
              f"{b['browser_cpu_s']:.2f} -> {n['browser_cpu_s']:.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
