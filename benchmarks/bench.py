"""Scale benchmark: cold start, warm reruns per page, a new file shown, peak memory, and the naive way for comparison.

    uv run python benchmarks/bench.py --scale small|full [--json OUT] [--browser]

The data set is generated once into .bench-data/<scale>/ (see benchmarks/scale.py) and each run works on a
copy of it, so files dropped by the benchmark never leak into the cached set. Every measurement runs in
a fresh subprocess (nothing cached in gydash, Streamlit or DuckDB; the OS file cache is warm, as it is on a server
that has been up for a while). Page timings use Streamlit's AppTest, which runs the real app script and pages
in-process without a browser; --browser adds real Chromium: the overview's first render and reruns, then every
page opened by new viewers (server CPU measured apart from the browser's, time until every chart is drawn) and 20
viewers opening the overview at once, each also as a bare WebSocket session: what a viewer costs the app server
when nginx serves Streamlit's static files from its cache, as deployed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT / "tests")]

import gydash  # noqa: E402, F401  (first, as in the app: its allocator settings precede polars and pyarrow)

# isort: split
import scale  # noqa: E402  (benchmarks/ is not a package)
from browser import server  # noqa: E402  (tests/browser/server.py: the app's pages, serving it, Chromium)


def registered_pages() -> list[str]:
    return [p.path for p in server.registered_pages()]


APP = ROOT / "app.py"
TODAY = scale.TODAY.isoformat()
BUDGETS = {
    "cold_build_s": 15.0,  # an empty state dir: the warehouse built from the data dir, overview rendered
    "restart_render_s": 2.0,  # a built warehouse: the overview rendered after a restart (after the imports)
    "warm_rerun_s": 0.1,  # worst page, median rerun
    "first_visit_s": 0.5,  # worst page, first visit after the overview
    "new_file_shown_s": 0.5,  # worst page using the dataset, first rerun after a new file of it
    "peak_memory_mb": 400,
    "rss_drift": 0.10,  # RSS after ten weekly drops against after the first, as a share
    "summary_cli_s": 2.0,  # `gydash summary --json` with a built warehouse, process start to exit
}
PEAK_BUDGET_MB = {"4x": 600}  # a larger data set has its own memory budget
# --browser: a new viewer of any page costs the server at most this much CPU; the page is fully drawn (every chart)
# within this in desktop Chromium; 20 viewers opening the overview at once are all served within this.
BROWSER_BUDGETS = {"server_cpu_per_view_s": 0.15, "page_drawn_s": 1.5, "crowd_served_s": 3.0}
VIEWS_PER_PAGE = 3  # new viewers per page after its first view (medians reported)
CROWD = 20
NEW_VALUE = 4321.0  # the figure the dropped indicators file brings: hitech_enterprise, city, 2025-12
MARK = "@@BENCH@@"


# --- helpers shared by the workers ---------------------------------------------------------------------------------


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def rss_mb() -> float:
    """Resident memory now (not the peak): what a long-running server holds."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def emit(obj: dict) -> None:
    print(MARK + json.dumps(obj, ensure_ascii=False, default=str), flush=True)


def drop_indicator_file(data_dir: Path, name: str) -> Path:
    """A new snapshot revising the city's hitech_enterprise figure for 2025-12, written aside then renamed in."""
    row = {"indicator": ["hitech_enterprise"], "area": ["广元市"], "year": [2025], "month": [12], "value": [NEW_VALUE]}
    return _write_in(data_dir / "indicators" / name, row)


def _write_in(path: Path, columns: dict) -> Path:
    """One small snapshot written aside, then renamed in. Written by polars: pyarrow's conversion of Python values
    would import pandas into this process, which the app itself never loads, and count its memory as the app's."""
    import polars as pl

    part = path.with_name(path.name + ".part")
    pl.DataFrame(columns).write_parquet(part)
    os.replace(part, path)
    return path


def drop_activity_file(data_dir: Path, name: str) -> Path:
    row = {"date": [date(2026, 11, 20)], "area": ["利州区"], "kind": ["policy_briefing"], "title": ["基准测试新增活动"]}
    return _write_in(data_dir / "activities" / name, row)


def drop_copy(data_dir: Path, dataset: str, name: str) -> Path:
    """A new snapshot of a dataset as offices send one: the newest file's rows again under a new name and date."""
    newest = max((data_dir / dataset).rglob("*.parquet"), key=lambda p: (p.name, str(p)))
    path = data_dir / dataset / name
    part = path.with_name(path.name + ".part")
    shutil.copyfile(newest, part)
    os.replace(part, path)
    return path


# Which pages read which dataset, so a new file is timed on every page that shows it.
USES = {
    "indicators": ("overview", "counties", "meeting", "data"),
    "activities": ("duties", "meeting", "data", "submissions"),
    "loans": ("duties", "meeting", "data", "submissions"),
    "commendations": ("commendations", "meeting", "data", "submissions"),
    "coverage": ("coverage", "meeting", "data", "submissions"),
    "targets": ("overview", "counties", "meeting", "data"),
}


def page_text(at) -> str:
    """What the page says: its text, and its plain HTML blocks (tables: ui.plain_table; cards: ui.status_cards)."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.text]
    parts += [h.value for h in at.get("html") if 'class="gy-' in h.value]
    return "\n".join(parts)


# --- workers (each runs in its own fresh process) ------------------------------------------------------------------


def worker_load(data_dir: Path) -> dict:
    """store.load on a cold process, then the overview's numbers (target_progress)."""
    t0, c0 = time.perf_counter(), cpu_s()
    from gydash.plan import progress
    from gydash.snapshots import store

    t1 = time.perf_counter()
    data = store.load(data_dir)
    t2 = time.perf_counter()
    rows = progress.target_progress(data)
    t3, c3 = time.perf_counter(), cpu_s()
    again = []
    for _ in range(5):
        s = time.perf_counter()
        progress.target_progress(store.load(data_dir))
        again.append(time.perf_counter() - s)
    return {
        "import_s": t1 - t0,
        "load_s": t2 - t1,
        "numbers_s": t3 - t2,
        "cold_total_s": t3 - t0,
        "cold_cpu_s": c3 - c0,
        "warm_load_and_numbers_s": statistics.median(again),
        "files": len(data.files),
        "rejected": len(data.rejected()),
        "rows": {ds: data.query("select count(*) as n from t", rows={"t": ds})["n"][0] for ds in scale_datasets()},
        "numbers": numbers_of(rows),
        "peak_mb": peak_mb(),
    }


def numbers_of(rows: list[dict]) -> list[dict]:
    keep = ("plan", "indicator", "area_code", "year", "month", "actual", "target", "progress")
    return sorted(({k: r[k] for k in keep} for r in rows), key=lambda r: (r["plan"], r["indicator"], r["area_code"]))


def worker_app(data_dir: Path, reruns: int) -> dict:
    """AppTest on the state dir as it is (empty: a cold build; built: a restart): the overview rendered, first
    visit and warm reruns of every page, a new file of every dataset shown on every page that uses it."""
    t0 = time.perf_counter()
    from streamlit.testing.v1 import AppTest

    from gydash import ui  # noqa: F401  (what the server imports before its first page)

    out: dict = {"pages": {}, "errors": [], "import_s": time.perf_counter() - t0}
    t = time.perf_counter()
    at = AppTest.from_file(str(APP), default_timeout=600).run()
    out["render_s"] = time.perf_counter() - t
    out["errors"] += [f"overview: {e.value}" for e in at.exception]
    pages = registered_pages()
    for page in pages:
        t = time.perf_counter()
        at.switch_page(page).run()
        first = time.perf_counter() - t
        out["errors"] += [f"{page}: {e.value}" for e in at.exception]
        out.setdefault("peak_mb_after_first_visit", {})[page] = peak_mb()
        times = []
        for _ in range(reruns):
            t = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t)
        out["errors"] += [f"{page} (rerun): {e.value}" for e in at.exception]
        out["pages"][page] = {"first_visit_s": first, "warm_median_s": statistics.median(times), "warm_s": times}

    # A new indicators snapshot: the overview shows its figure on the rerun after the drop.
    at.switch_page(pages[0]).run()
    drop_indicator_file(data_dir, f"{TODAY}_基准测试新数据.parquet")
    t = time.perf_counter()
    at.run()
    out["new_indicator_shown_s"] = time.perf_counter() - t
    out["new_indicator_visible"] = "4,321 家" in page_text(at)
    # A new activities snapshot: the data page lists it on the rerun after the drop.
    data_page = next((p for p in pages if "data" in p), pages[-1])
    at.switch_page(data_page).run()
    drop_activity_file(data_dir, f"{TODAY}_基准测试新活动.parquet")
    t = time.perf_counter()
    at.run()
    out["new_activity_shown_s"] = time.perf_counter() - t
    out["new_activity_visible"] = "基准测试新活动" in page_text(at)
    # Then a new file of every dataset: the first run of each page that uses it.
    out["new_file_by_dataset_s"] = {}
    for dataset, users in USES.items():
        drop_copy(data_dir, dataset, f"{TODAY}_基准测试_{dataset}.parquet")
        timed = {}
        for page in [p for p in pages if Path(p).stem in users]:
            t = time.perf_counter()
            at.switch_page(page).run()
            timed[page] = time.perf_counter() - t
        out["new_file_by_dataset_s"][dataset] = timed
    out["errors"] += [f"after drop: {e.value}" for e in at.exception]
    out["peak_mb"] = peak_mb()
    out["rss_mb"] = rss_mb()
    return out


def worker_weekly(data_dir: Path, weeks: int) -> dict:
    """A long-running app through weekly drops: every page visited after each new activities and indicators file;
    resident memory after each week."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=600).run()
    pages = registered_pages()
    rss, errors = [], []
    for week in range(weeks + 1):
        if week:
            day = (date.fromisoformat(TODAY) + timedelta(days=week)).isoformat()  # within the week's margin
            drop_copy(data_dir, "activities", f"{day}_第{week}周活动.parquet")
            drop_copy(data_dir, "indicators", f"{day}_第{week}周指标.parquet")
        for page in pages:
            at.switch_page(page).run()
            errors += [f"week {week} {page}: {e.value}" for e in at.exception]
        rss.append(rss_mb())
    return {"rss_mb": rss, "errors": errors, "peak_mb": peak_mb()}


def worker_naive(data_dir: Path, runs: int) -> dict:
    """The naive way: on every rerun, pandas reads every file, then the overview's numbers from scratch."""
    times, times_ind = [], []
    result = []
    for _ in range(runs):
        t = time.perf_counter()
        result = naive_numbers(data_dir, every_dataset=True)
        times.append(time.perf_counter() - t)
        t = time.perf_counter()
        naive_numbers(data_dir, every_dataset=False)
        times_ind.append(time.perf_counter() - t)
    return {
        "rerun_s": statistics.median(times),
        "indicators_only_rerun_s": statistics.median(times_ind),
        "numbers": result,
        "peak_mb": peak_mb(),
    }


def naive_numbers(data_dir: Path, every_dataset: bool) -> list[dict]:
    """Read with pandas, newest file wins per key, actual and progress per target. No validation, no caching."""
    import re

    import pandas as pd

    def read(dataset: str) -> pd.DataFrame:
        frames = []
        for path in sorted((data_dir / dataset).rglob("*.parquet")):
            frame = pd.read_parquet(path)
            found = re.search(r"\d{4}-\d{2}-\d{2}", path.name)
            frame["_as_of"] = found.group(0) if found else ""
            frame["_rel"] = str(path.relative_to(data_dir))
            frames.append(frame)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    tables = {ds: read(ds) for ds in (scale_datasets() if every_dataset else ("indicators", "targets"))}
    areas = pd.read_csv(ROOT / "gydash/base/plandata/areas.csv", dtype=str)
    code_of = dict(zip(areas["name"], areas["code"], strict=True))
    ind = tables["indicators"].sort_values(["_as_of", "_rel"], kind="stable")
    ind = ind.drop_duplicates(["indicator", "area", "year", "month"], keep="last")
    ind["area_code"] = ind["area"].map(code_of)
    targets = pd.read_csv(ROOT / "gydash/base/plandata/targets.csv", dtype={"plan": str, "area": str})
    given = tables["targets"]
    if len(given):
        given = given.sort_values(["_as_of", "_rel"]).assign(area=given["area"].map(code_of), clause="")
        targets = pd.concat([targets, given[targets.columns.intersection(given.columns)]], ignore_index=True)
        targets = targets.drop_duplicates(["plan", "indicator", "area", "year"], keep="last")
    out = []
    for t in targets.to_dict("records"):
        month = int(t["month"]) if t.get("month") == t.get("month") else 12
        mine = ind[(ind["indicator"] == t["indicator"]) & (ind["area_code"] == t["area"])]
        actual = None
        if t["kind"] == "growth":
            base = mine[(mine["year"] == t["base_year"]) & (mine["month"] == 12)]
            full = mine[(mine["month"] == 12) & (mine["year"] > t["base_year"]) & (mine["year"] <= t["year"])]
            if len(base) and len(full):
                last = full.sort_values("year").iloc[-1]
                years = int(last["year"] - t["base_year"])
                actual = (last["value"] / base["value"].iloc[0]) ** (1 / years) - 1
        else:
            upto = mine[(mine["year"] * 12 + mine["month"]) <= t["year"] * 12 + month]
            if len(upto):
                actual = float(upto.sort_values(["year", "month"]).iloc[-1]["value"])
        out.append(
            {
                "plan": str(t["plan"]),
                "indicator": t["indicator"],
                "area_code": t["area"],
                "year": int(t["year"]),
                "month": month,
                "actual": actual,
                "target": float(t["target"]),
                "progress": None if actual is None or not t["target"] else actual / t["target"],
            }
        )
    return sorted(out, key=lambda r: (r["plan"], r["indicator"], r["area_code"]))


def scale_datasets() -> tuple[str, ...]:
    from gydash.base.contract import DATASETS

    return DATASETS


def worker_browser(data_dir: Path, reruns: int) -> dict:
    """Real Chromium against `streamlit run`: first render of the overview, reloads, the new file after 'R'."""
    from playwright.sync_api import sync_playwright

    out: dict = {}
    log = ROOT / "artifacts" / "bench-server.log"
    with server.serve(data_dir, TODAY, log=log, timeout=300) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=server.chromium_path(), args=server.CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        watch = server.Watch(page)
        t = time.perf_counter()
        page.goto(url)
        watch.settled(timeout_ms=600_000)
        out["cold_render_s"] = time.perf_counter() - t
        times = []
        for _ in range(reruns):
            t = time.perf_counter()
            watch.run_and_wait(lambda: server.press_rerun(page), settle_ms=0)
            times.append(time.perf_counter() - t)
        out["overview_rerun_median_s"] = statistics.median(times)
        out["overview_rerun_s"] = times
        drop_indicator_file(data_dir, f"{TODAY}_基准测试浏览器.parquet")
        t = time.perf_counter()
        watch.run_and_wait(lambda: server.press_rerun(page), settle_ms=0)
        out["new_indicator_shown_s"] = time.perf_counter() - t
        out["new_indicator_visible"] = "4,321 家" in page.locator('[data-testid="stMain"]').inner_text()
        hrefs = [href for _, href in server.nav_links(page)]
        page.close()
        out["static_files"] = static_files(url)
        out["views"] = page_views(browser, url, hrefs, VIEWS_PER_PAGE)
        out["crowd"] = crowd(browser, url, hrefs[0], CROWD)
        names = [href.removeprefix(url).strip("/") for href in hrefs]
        out["app_views"] = app_views(url, names, VIEWS_PER_PAGE)
        out["app_crowd"] = app_crowd(url, CROWD)
        out["floor"] = streamlit_floor(browser, data_dir)
        out["deployed"] = deployed_views(browser, data_dir, names)
        browser.close()
    return out


def deployed_views(browser, data_dir: Path, names: list[str]) -> dict:
    """New viewers of every page (URL names) and of the one-line page, as officials reach them: through Debian's
    nginx with the deployed configuration (deploy/nginx), which serves Streamlit's static files from its cache, in
    front of an app server under /gydash. Run after the direct measurements, on its own server."""
    if not Path(server.NGINX).exists():
        return {"error": f"{server.NGINX} not found: apt-get install nginx"}
    with tempfile.TemporaryDirectory(prefix="gydash-deployed-") as tmp:
        log = ROOT / "artifacts" / "bench-deployed.log"
        with (
            server.serve(data_dir, TODAY, log=log, timeout=300, base_path="gydash") as app_url,
            server.behind_nginx(app_url, Path(tmp) / "nginx") as url,
        ):
            site = server.Served(url, app_url.pid)  # views through nginx, CPU of the app server
            views = page_views(browser, site, [f"{url}/{name}".rstrip("/") for name in names], VIEWS_PER_PAGE)
        return {"views": views, "floor": streamlit_floor(browser, data_dir, nginx_dir=Path(tmp) / "nginx-floor")}


# A page of one line of text: what Streamlit's own frontend costs a new viewer on this machine, whatever the app.
FLOOR_APP = """import streamlit as st

st.set_page_config(page_title="广元", layout="wide")
st.markdown("广元科创党建进度看板")
"""


def streamlit_floor(browser, data_dir: Path, nginx_dir: Path | None = None) -> dict:
    """New viewers of a one-line Streamlit page, measured as the dashboard's pages are (one_view): the least any
    page can take to be drawn here, set beside the budget. With `nginx_dir`, through the deployment's nginx (its
    files kept there), as deployed_views opens the pages."""
    with tempfile.TemporaryDirectory(prefix="gydash-floor-") as tmp, contextlib.ExitStack() as stack:
        app = Path(tmp) / "floor.py"
        app.write_text(FLOOR_APP, encoding="utf-8")
        log = ROOT / "artifacts" / "bench-floor.log"
        base = "gydash" if nginx_dir else ""
        app_url = stack.enter_context(server.serve(data_dir, TODAY, log=log, app=app, base_path=base))
        url = stack.enter_context(server.behind_nginx(app_url, nginx_dir)) if nginx_dir else app_url
        first = one_view(browser, url, app_url.pid)
        later = [one_view(browser, url, app_url.pid) for _ in range(VIEWS_PER_PAGE)]
    return {"first": first, **{k: _median(v[k] for v in later) for k in first}}


# Every chart has drawn its marks and every table its grid, and the app is not running: the page as a viewer sees it.
DRAWN_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-testid="stSkeleton"], [data-testid="stStatusWidget"]')) return false;
  if (!document.querySelector('[data-testid="stMain"] [data-testid="stMarkdown"]')) return false;
  const drawn = (box, sel) => { const g = box.querySelector(sel); return g && g.getBoundingClientRect().width > 0; };
  // checkVisibility: a table in a folded expander keeps its width, yet is not shown (the meeting page's 本页数字).
  const shown = sel => [...document.querySelectorAll(sel)]
    .filter(e => e.getBoundingClientRect().width > 0 && e.checkVisibility());
  // Charts and tables inside a folded expander or a closed popover are not drawn until opened: not waited for;
  // nor tables below the first screen, which the browser draws only when scrolled to.
  const onScreen = e => e.getBoundingClientRect().top < window.innerHeight;
  return shown('[data-testid="stVegaLiteChart"]').every(c => drawn(c, '.marks, canvas'))
    && shown('[data-testid="stDataFrame"]').filter(onScreen).every(t => drawn(t, 'canvas'));
}"""


def static_files(url) -> dict:
    """What Streamlit's own files (JavaScript, CSS, fonts) cost the server when a browser without them in its cache
    fetches them all: part of every new viewer's server CPU, whatever the page shows."""
    import re
    import urllib.request

    def get(path: str) -> bytes:
        with urllib.request.urlopen(url + path, timeout=60) as r:
            return r.read()

    assets = sorted(set(re.findall(r'(?:src|href)="\.?/?(static/[^"]+)"', get("/").decode())))
    cpu0 = server.cpu_seconds(url.pid)
    size = sum(len(get("/" + a)) for a in assets)
    return {"files": len(assets), "bytes": size, "server_cpu_s": server.cpu_seconds(url.pid) - cpu0}


DRAWN_TIMEOUT_MS = 120_000


def one_view(browser, href: str, pid: int) -> dict:
    """A new viewer opens the page (a fresh browser context, as a colleague following a link): the server's CPU
    for it, the time until the script has run (served) and until every chart is drawn, and the browser's own CPU
    (the page's main thread, from Chromium's Performance.getMetrics)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    watch = server.Watch(page)
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")
    cpu0, t0 = server.cpu_seconds(pid), time.perf_counter()
    page.goto(href, wait_until="commit")
    while not watch.finished:
        if time.perf_counter() - t0 > 600:
            raise TimeoutError(f"{href} not served within 600 s")
        page.wait_for_timeout(5)
    served = time.perf_counter() - t0
    try:
        page.wait_for_function(DRAWN_JS, timeout=DRAWN_TIMEOUT_MS, polling=10)
        drawn = time.perf_counter() - t0
    except PlaywrightTimeout:  # reported as not drawn, and the run goes on to the other pages
        drawn = None
    page.wait_for_timeout(300)  # what the server still does for this view (websocket, media) counts too
    cpu = server.cpu_seconds(pid) - cpu0
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    charts = page.locator('[data-testid="stVegaLiteChart"]').count()
    context.close()
    return {"served_s": served, "drawn_s": drawn, "server_cpu_s": cpu, "browser_cpu_s": metrics["TaskDuration"],
            "charts": charts}  # fmt: skip


def _median(values):
    """The median, or None when any view was not drawn in time (a page that never finishes drawing is not fast)."""
    values = list(values)
    return None if any(v is None for v in values) else statistics.median(values)


def page_views(browser, url: str, hrefs: list[str], repeat: int) -> dict:
    """Per page: its first view on this server (its numbers computed), then `repeat` new viewers (medians)."""
    pid = url.pid
    out = {}
    for href in hrefs:
        first = one_view(browser, href, pid)
        later = [one_view(browser, href, pid) for _ in range(repeat)]
        out[href.removeprefix(url).strip("/") or "overview"] = {
            "first": first,
            **{k: _median(v[k] for v in later) for k in first},
        }
    return out


def app_session(url: str, page: str, look_for: str = "") -> dict:
    """A new viewer as the app server sees one, without a browser: a WebSocket session that asks for `page` (its
    URL name, "" for the overview) as Streamlit's own frontend does and reads every message until the script has
    run. As deployed, nginx serves Streamlit's static files from its cache (deploy/nginx), so this session is all a
    new viewer costs the app server; 20 Chromium pages on the same 2 cores would measure the browsers instead.
    `found`: whether the text `look_for` is in what the page drew (the menu, sent to every page, not counted)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect  # the WebSocket library Streamlit's own server runs on

    t0, messages, found = time.perf_counter(), 0, False
    stream = url.replace("http://", "ws://", 1) + "/_stcore/stream"
    with connect(stream, subprotocols=["streamlit"], open_timeout=600, max_size=None, close_timeout=1) as ws:
        ask = BackMsg()
        ask.rerun_script.query_string = ""
        ask.rerun_script.page_name = page
        ws.send(ask.SerializeToString())
        while True:
            raw = ws.recv(timeout=600)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            messages += 1
            kind = msg.WhichOneof("type")
            found = found or (kind == "delta" and look_for.encode() in raw)
            if kind == "script_finished":
                break
    return {"served_s": time.perf_counter() - t0, "messages": messages, "found": found}


def app_views(url, pages: list[str], repeat: int) -> dict:
    """Per page (URL names): its first session, then `repeat` new ones, each with the app server's CPU for it."""
    out = {}
    for page in pages:
        first = app_session(url, page)
        later = []
        for _ in range(repeat):
            cpu0 = server.cpu_seconds(url.pid)
            later.append(app_session(url, page) | {"server_cpu_s": server.cpu_seconds(url.pid) - cpu0})
        out[page or "overview"] = {"first_served_s": first["served_s"]} | {
            k: statistics.median(v[k] for v in later) for k in ("served_s", "messages", "server_cpu_s")
        }
    return out


def app_crowd(url, n: int) -> dict:
    """n new viewers open the overview at the same moment (WebSocket sessions in threads): when the app server has
    served the last of them, and its CPU for all of them."""
    import threading

    times: list[float] = []
    cpu0, t0 = server.cpu_seconds(url.pid), time.perf_counter()

    def one() -> None:
        app_session(url, "")
        times.append(time.perf_counter() - t0)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    times.sort()
    return {"viewers": n, "served": len(times), "all_served_s": times[-1] if len(times) == n else None,
            "median_served_s": statistics.median(times) if times else None,
            "server_cpu_s": server.cpu_seconds(url.pid) - cpu0}  # fmt: skip


def crowd(browser, url: str, href: str, n: int) -> dict:
    """n new viewers open the same page at once: when the server has served the last of them, and its CPU."""
    contexts = [browser.new_context(viewport={"width": 1366, "height": 900}) for _ in range(n)]
    pages = [c.new_page() for c in contexts]
    watches = [server.Watch(p) for p in pages]
    cpu0, t0 = server.cpu_seconds(url.pid), time.perf_counter()
    for page in pages:
        page.goto(href, wait_until="commit")
    served: dict[int, float] = {}
    while len(served) < n and time.perf_counter() - t0 < 600:
        pages[0].wait_for_timeout(5)  # lets Playwright deliver every page's websocket messages
        for i, watch in enumerate(watches):
            if watch.finished and i not in served:
                served[i] = time.perf_counter() - t0
    cpu = server.cpu_seconds(url.pid) - cpu0
    for context in contexts:
        context.close()
    times = sorted(served.values())
    return {"viewers": n, "served": len(times), "all_served_s": times[-1] if len(times) == n else None,
            "median_served_s": statistics.median(times) if times else None, "server_cpu_s": cpu}  # fmt: skip


# --- orchestration ------------------------------------------------------------------------------------------------


def run_worker(kind: str, data_dir: Path, *extra: str, state: Path | None = None, timeout: float = 3600) -> dict:
    env = os.environ | {"GYDASH_DATA_DIR": str(data_dir), "GYDASH_TODAY": TODAY, "PYTHONHASHSEED": "0"}
    env |= {"GYDASH_STATE_DIR": str(state or data_dir.parent / "state"), "GYDASH_WAREHOUSE": "file"}
    env["GYDASH_ERRORS"] = "raise"  # a failing page counts among the errors (at.exception), not as a message
    cmd = [sys.executable, __file__, "--worker", kind, "--data", str(data_dir), *extra]
    t = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    wall = time.perf_counter() - t
    lines = [x for x in proc.stdout.splitlines() if x.startswith(MARK)]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"worker {kind} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    result = json.loads(lines[-1][len(MARK) :])
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return result | {"process_wall_s": wall, "children_peak_mb": child}


def working_copy(source: Path, into: Path) -> Path:
    """A copy of the cached set (modification times kept); files the benchmark drops go only into the copy. Not
    hard links: a file with a second name makes the app scan the dir on every look, as it must (see watch.py),
    which staff's copies never have."""
    target = into / "data"
    shutil.copytree(source, target)
    return target


def machine() -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    cpu = next((x.split(":", 1)[1].strip() for x in cpuinfo if x.startswith("model name")), "?")
    mem = next((int(x.split()[1]) for x in meminfo if x.startswith("MemTotal")), 0)
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def versions() -> dict:
    from importlib.metadata import version

    return {p: version(p) for p in ("streamlit", "polars", "duckdb", "pyarrow", "pandas")}


def time_summary_cli(data_dir: Path, state: Path, runs: int = 3) -> dict:
    """`gydash summary --json` as staff run it, with the warehouse built: process start to exit, median of runs."""
    env = os.environ | {"GYDASH_TODAY": TODAY, "GYDASH_STATE_DIR": str(state), "GYDASH_WAREHOUSE": "file"}
    cmd = [sys.executable, "-m", "gydash.cli", "summary", "--json", str(data_dir)]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, cwd=ROOT)
        times.append(time.perf_counter() - t)
        if proc.returncode != 0:
            raise RuntimeError(f"gydash summary failed:\n{proc.stderr[-3000:]}")
    return {"median_s": statistics.median(times), "runs_s": times}


def warehouse_mb(state: Path) -> float:
    return sum(p.stat().st_size for p in (state / "warehouse").glob("*.duckdb")) / 2**20


def compile_bytecode() -> None:
    """Compile every module the measured processes import, as an installed server has them (deploy/install-bundle
    compiles at install): otherwise each fresh process compiles polars, DuckDB and Streamlit again wherever bytecode
    is not written (PYTHONDONTWRITEBYTECODE, a read-only tree), and restart times measure the compiler."""
    import compileall
    import site
    import sysconfig

    folders = {sysconfig.get_paths()["purelib"], *site.getsitepackages(), str(ROOT / "gydash")}
    for folder in sorted(folders):
        if Path(folder).is_dir():
            compileall.compile_dir(folder, quiet=2, workers=0)


def bench(name: str, reruns: int, naive_runs: int, browser: bool, cache: Path, weeks: int) -> dict:
    source, info = scale.ensure(cache, name)
    compile_bytecode()
    load_before = os.getloadavg()
    report: dict = {
        "scale": name,
        "date": date.today().isoformat(),
        "machine": machine(),
        "versions": versions(),
        "data": {
            "files": info["files"],
            "rows": info["rows"],
            "years": [info["scale"]["first_year"], info["scale"]["last_year"]],
        },
        "budgets": BUDGETS | {"peak_memory_mb": PEAK_BUDGET_MB.get(name, BUDGETS["peak_memory_mb"])},
    }
    with tempfile.TemporaryDirectory(prefix="gydash-bench-", dir=cache) as tmp:
        data_dir = working_copy(source, Path(tmp))
        state = Path(tmp) / "state"
        report["build"] = run_worker("app", data_dir, "--reruns", "1", state=state)  # empty state dir
        report["warehouse_mb"] = warehouse_mb(state)
        report["load"] = run_worker("load", data_dir, state=state)
        report["naive"] = run_worker("naive", data_dir, "--runs", str(naive_runs), state=state)
        report["summary_cli"] = time_summary_cli(data_dir, state)
        report["app"] = run_worker("app", data_dir, "--reruns", str(reruns), state=state)  # a restart; drops files
        report["weekly"] = run_worker("weekly", data_dir, "--weeks", str(weeks), state=state)
        if browser:
            fresh = working_copy(source, Path(tmp) / "browser")
            report["browser"] = run_worker("browser", fresh, "--reruns", str(reruns))
    report["loadavg_before_after"] = [load_before, os.getloadavg()]
    report["summary"] = summarise(report)
    return report


def summarise(r: dict) -> dict:
    app, pages = r["app"], r["app"]["pages"]
    worst_page = max(pages, key=lambda p: pages[p]["warm_median_s"])
    worst_first = max(pages, key=lambda p: pages[p]["first_visit_s"])
    overview_warm = pages[registered_pages()[0]]["warm_median_s"]
    shown = [app["new_indicator_shown_s"], app["new_activity_shown_s"]]
    shown += [t for by_page in app["new_file_by_dataset_s"].values() for t in by_page.values()]
    rss = r["weekly"]["rss_mb"]
    peak = max(r["build"]["peak_mb"], r["load"]["peak_mb"], app["peak_mb"], r["weekly"]["peak_mb"])
    same = rounded(r["naive"]["numbers"]) == rounded(r["load"]["numbers"])
    s = {
        "cold_build_s": r["build"]["render_s"],
        "restart_render_s": app["render_s"],
        "restart_import_s": app["import_s"],
        "warm_rerun_s": pages[worst_page]["warm_median_s"],
        "warm_rerun_worst_page": worst_page,
        "first_visit_s": pages[worst_first]["first_visit_s"],
        "first_visit_worst_page": worst_first,
        "new_file_shown_s": max(shown),
        "peak_memory_mb": peak,
        "rss_drift": (max(rss[1:]) - rss[1]) / rss[1] if len(rss) > 2 else 0.0,
        "rss_weekly_mb": rss,
        "summary_cli_s": r["summary_cli"]["median_s"],
        "warehouse_mb": r["warehouse_mb"],
        "naive_rerun_s": r["naive"]["rerun_s"],
        "naive_over_warm_overview": r["naive"]["rerun_s"] / overview_warm,
        "naive_numbers_match": same,
        "errors": r["build"]["errors"] + app["errors"] + r["weekly"]["errors"],
        "new_file_visible": app["new_indicator_visible"] and app["new_activity_visible"],
    }
    s["within_budget"] = {k: s[k] <= r["budgets"][k] for k in BUDGETS}
    if "browser" in r:
        b = r["browser"]
        views, crowd_, app_crowd_ = b["views"], b["crowd"], b["app_crowd"]
        # The budgets are the app server's, as deployed: static files from nginx's cache (deploy/nginx). What the
        # same server spends with Chromium viewers, static files included, is reported beside them.
        s["server_cpu_per_view_s"] = max(v["server_cpu_s"] for v in b["app_views"].values())
        s["server_cpu_per_view_worst_page"] = max(b["app_views"], key=lambda p: b["app_views"][p]["server_cpu_s"])
        s["server_cpu_per_chromium_view_s"] = max(v["server_cpu_s"] for v in views.values())
        drawn = [v["drawn_s"] for v in views.values()]
        s["page_drawn_direct_s"] = float("inf") if None in drawn else max(drawn)
        s["page_drawn_worst_page"] = max(views, key=lambda p: views[p]["drawn_s"] or float("inf"))
        # Judged as officials open the pages: through the deployment's nginx (deploy/nginx), which serves
        # Streamlit's static files from its cache; straight from the app server (above) when nginx is missing.
        deployed = b.get("deployed", {}).get("views")
        s["page_drawn_s"] = s["page_drawn_direct_s"]
        if deployed:
            drawn = [v["drawn_s"] for v in deployed.values()]
            s["page_drawn_s"] = float("inf") if None in drawn else max(drawn)
            s["page_drawn_worst_page"] = max(deployed, key=lambda p: deployed[p]["drawn_s"] or float("inf"))
            s["streamlit_floor_deployed_drawn_s"] = b["deployed"]["floor"]["drawn_s"]
        s["crowd_served_s"] = app_crowd_["all_served_s"] if app_crowd_["all_served_s"] is not None else float("inf")
        s["crowd_chromium_served_s"] = crowd_["all_served_s"] if crowd_["all_served_s"] is not None else float("inf")
        if "floor" in b:  # a one-line Streamlit page: the least a page takes to be drawn on this machine
            s["streamlit_floor_drawn_s"] = b["floor"]["drawn_s"]
        s["within_budget"] |= {k: s[k] <= BROWSER_BUDGETS[k] for k in BROWSER_BUDGETS}
    return s


def rounded(numbers: list[dict]) -> list[dict]:
    return [{k: round(v, 9) if isinstance(v, float) else v for k, v in n.items()} for n in numbers]


def print_report(r: dict) -> None:
    s, app, b = r["summary"], r["app"], r["budgets"]
    ok = {True: "ok", False: "OVER BUDGET"}

    def line(label: str, key: str, value: str) -> None:
        print(f"{label:44s}: {value:>12s}   [{ok[s['within_budget'][key]]}, budget {b[key]}]")

    print(f"gydash benchmark · scale {r['scale']} · {r['date']} · {r['machine']['cores']} cores, {r['machine']['cpu']}")
    print(f"data: {r['data']['files']} files, rows {r['data']['rows']}; warehouse {s['warehouse_mb']:.0f} MB")
    print(f"load average before/after: {r['loadavg_before_after']}")
    print()
    line("cold build (empty state dir) to overview", "cold_build_s", f"{s['cold_build_s']:.2f} s")
    line("restart (built warehouse) to overview", "restart_render_s", f"{s['restart_render_s']:.2f} s")
    print(f"{'  (imports before the first page, apart)':44s}: {s['restart_import_s']:>10.2f} s")
    print("per page: warm rerun median (first visit):")
    for page, t in app["pages"].items():
        print(f"    {page:36s} {t['warm_median_s']:7.3f} s   ({t['first_visit_s']:.3f} s)")
    line("warm rerun, worst page", "warm_rerun_s", f"{s['warm_rerun_s']:.3f} s")
    line("first visit, worst page", "first_visit_s", f"{s['first_visit_s']:.3f} s")
    print("new file shown, first run of each page using it:")
    for dataset, by_page in app["new_file_by_dataset_s"].items():
        worst = max(by_page.values(), default=0.0)
        each = " ".join(f"{Path(p).stem} {t:.3f}" for p, t in by_page.items())
        print(f"    {dataset:14s} worst {worst:6.3f} s  {each}")
    line("new file shown, worst page", "new_file_shown_s", f"{s['new_file_shown_s']:.3f} s")
    line("peak memory (ru_maxrss)", "peak_memory_mb", f"{s['peak_memory_mb']:.0f} MB")
    rss = ", ".join(f"{x:.0f}" for x in s["rss_weekly_mb"])
    line("RSS drift over weekly drops", "rss_drift", f"{s['rss_drift'] * 100:+.1f} %")
    print(f"    RSS after each week (MB): {rss}")
    line("gydash summary --json (built warehouse)", "summary_cli_s", f"{s['summary_cli_s']:.2f} s")
    print(
        f"naive rerun (pandas, every file)            : {r['naive']['rerun_s']:10.2f} s   "
        f"= {s['naive_over_warm_overview']:.0f}× the warm overview rerun; "
        f"same numbers: {s['naive_numbers_match']}"
    )
    if "browser" in r:
        br = r["browser"]
        print(
            f"real Chromium, overview: first render {br['cold_render_s']:.2f} s, "
            f"rerun (R) {br['overview_rerun_median_s']:.3f} s, new file after R {br['new_indicator_shown_s']:.3f} s"
        )
    if "browser" in r:
        print_views(r)
    if s["errors"]:
        print("ERRORS:", *s["errors"], sep="\n  ")


def _secs(value) -> str:
    return "not drawn" if value is None else f"{value:6.3f} s"


def print_views(r: dict) -> None:
    s, b = r["summary"], r["browser"]
    ok = {True: "ok", False: "OVER BUDGET"}
    print(f"new viewers in Chromium (median of {VIEWS_PER_PAGE} after the page's first view; first view in brackets):")
    print(f"    {'page':14s} {'server CPU':>12s} {'browser CPU':>12s} {'served':>9s} {'drawn':>9s} charts")
    for page, v in b["views"].items():
        f = v["first"]
        print(f"    {page:14s} {v['server_cpu_s']:6.3f} s ({f['server_cpu_s']:5.2f}) {v['browser_cpu_s']:6.3f} s "
              f"({f['browser_cpu_s']:4.2f}) {v['served_s']:6.3f} s {_secs(v['drawn_s'])} ({_secs(f['drawn_s'])}) "
              f"{v['charts']}")  # fmt: skip
    print("new viewers as the app server sees them (WebSocket sessions; static files from nginx's cache, as "
          f"deployed; median of {VIEWS_PER_PAGE} after the page's first session):")  # fmt: skip
    print(f"    {'page':14s} {'server CPU':>10s} {'served':>9s} {'first':>9s} messages")
    for page, v in b["app_views"].items():
        print(f"    {page:14s} {v['server_cpu_s']:8.3f} s {v['served_s']:7.3f} s {v['first_served_s']:7.3f} s "
              f"{v['messages']:.0f}")  # fmt: skip
    w = s["within_budget"]
    worst = s["server_cpu_per_view_worst_page"]
    print(f"server CPU per new view, worst page       : {s['server_cpu_per_view_s']:7.3f} s ({worst})   "
          f"[{ok[w['server_cpu_per_view_s']]}, budget {BROWSER_BUDGETS['server_cpu_per_view_s']} s]; "
          f"with Chromium and no static-file cache {s['server_cpu_per_chromium_view_s']:.3f} s")  # fmt: skip
    deployed = b.get("deployed", {})
    if "views" in deployed:
        print("new viewers in Chromium through the deployment's nginx (static files from its cache; median of "
              f"{VIEWS_PER_PAGE}; first view in brackets):")  # fmt: skip
        print(f"    {'page':14s} {'server CPU':>10s} {'browser CPU':>11s} {'served':>9s} {'drawn':>9s}")
        for page, v in deployed["views"].items():
            f = v["first"]
            print(f"    {page:14s} {v['server_cpu_s']:8.3f} s {v['browser_cpu_s']:9.3f} s {v['served_s']:7.3f} s "
                  f"{_secs(v['drawn_s'])} ({_secs(f['drawn_s'])})")  # fmt: skip
        print(f"    a one-line Streamlit page the same way: drawn {_secs(deployed['floor']['drawn_s'])}")
    elif deployed:
        print(f"through the deployment's nginx: not measured ({deployed['error']})")
    where = "through nginx, as deployed" if "views" in deployed else "straight from the app server"
    print(f"page fully drawn, worst page ({where}): {s['page_drawn_s']:7.3f} s ({s['page_drawn_worst_page']})   "
          f"[{ok[w['page_drawn_s']]}, budget {BROWSER_BUDGETS['page_drawn_s']} s]; straight from the app server "
          f"{s['page_drawn_direct_s']:.3f} s")  # fmt: skip
    if "floor" in b:
        f = b["floor"]
        print(f"    a one-line Streamlit page on this machine: drawn {_secs(f['drawn_s'])}, browser CPU "
              f"{f['browser_cpu_s']:.3f} s (first view drawn {_secs(f['first']['drawn_s'])})")  # fmt: skip
    st_ = b["static_files"]
    print(f"    of which Streamlit's own files ({st_['files']} files, {st_['bytes'] / 1e6:.1f} MB, for a browser "
          f"without them cached): {st_['server_cpu_s']:.3f} s")  # fmt: skip
    a, c = b["app_crowd"], b["crowd"]
    print(f"{a['viewers']} viewers open the overview at once   : all served {s['crowd_served_s']:.2f} s "
          f"(median {a['median_served_s']:.2f} s), server CPU {a['server_cpu_s']:.2f} s   "
          f"[{ok[w['crowd_served_s']]}, budget {BROWSER_BUDGETS['crowd_served_s']} s]")  # fmt: skip
    print(f"    the same with {c['viewers']} Chromium pages on this machine: "
          f"all served {s['crowd_chromium_served_s']:.2f} s "
          f"(median {c['median_served_s']:.2f} s), server CPU {c['server_cpu_s']:.2f} s")  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", choices=list(scale.SCALES), default="small")
    p.add_argument("--json", type=Path, help="also write the full report as JSON here")
    p.add_argument("--reruns", type=int, default=7, help="AppTest reruns per page (median reported)")
    p.add_argument("--naive-runs", type=int, default=3)
    p.add_argument("--browser", action="store_true", help="also time the overview in real Chromium")
    p.add_argument("--cache", type=Path, default=ROOT / ".bench-data")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--runs", type=int, default=3, help=argparse.SUPPRESS)
    p.add_argument("--weeks", type=int, default=10, help="weekly drops for the long-running memory check")
    args = p.parse_args()
    if args.worker == "load":
        emit(worker_load(args.data))
    elif args.worker == "app":
        emit(worker_app(args.data, args.reruns))
    elif args.worker == "weekly":
        emit(worker_weekly(args.data, args.weeks))
    elif args.worker == "naive":
        emit(worker_naive(args.data, args.runs))
    elif args.worker == "browser":
        emit(worker_browser(args.data, args.reruns))
    else:
        args.cache.mkdir(parents=True, exist_ok=True)
        report = bench(args.scale, args.reruns, args.naive_runs, args.browser, args.cache, args.weeks)
        print_report(report)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        print(MARK + json.dumps(sorted(report), ensure_ascii=False))


if __name__ == "__main__":
    main()
