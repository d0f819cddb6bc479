"""Running the real app for browser tests and the benchmark: `streamlit run app.py` on a free port, the pages
app.py registers, console-error capture and full-page screenshots in Debian's Chromium."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
DEPLOY = ROOT / "deploy"
NGINX = "/usr/sbin/nginx"  # Debian's nginx (apt-get install nginx), as the intranet server runs it
ARTIFACTS = ROOT / "artifacts" / "browser"
INSTALL_HINT = "Chromium not found: install it with `apt-get install chromium fonts-noto-cjk` (Debian/Ubuntu)"

sys.path.insert(0, str(ROOT / "scripts"))
from screenshot import CHROMIUM_ARGS, chromium_path, wait_until_rendered  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

__all__ = ["CHROMIUM_ARGS", "INSTALL_HINT", "chromium_path", "serve", "wait_until_rendered"]


@dataclass(frozen=True)
class PageSpec:
    path: str  # the page file, e.g. pages/overview.py
    title: str | None  # the title= given to st.Page, as the sidebar shows it


RETRY_AFTER_S = 20  # an idle page with no new run after this long is asked again


def registered_pages() -> list[PageSpec]:
    """Every page app.py registers, in menu order: the table gydash.ui.MENU that app.py hands to st.navigation
    (through ui.pages()) and presenter mode lists as links."""
    from gydash import ui

    return [PageSpec(path, title) for _, items in ui.MENU for path, title, _ in items]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


class Served(str):
    """The base URL of a running server, which also knows the server's process id (for measuring its CPU)."""

    pid: int

    def __new__(cls, url: str, pid: int):
        served = super().__new__(cls, url)
        served.pid = pid
        return served


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def serve(
    data_dir: Path, today: str, log: Path | None = None, timeout: float = 90, app: Path = APP, base_path: str = ""
) -> Iterator[str]:
    """`streamlit run app.py` (or another `app`) against data_dir with GYDASH_TODAY=today; yields the base URL (a
    Served: a str with the server's pid); kills it after. `base_path` serves it under /base_path, as deployed."""
    port = free_port()
    url = f"http://127.0.0.1:{port}" + (f"/{base_path}" if base_path else "")
    env = os.environ | {"GYDASH_DATA_DIR": str(data_dir), "GYDASH_TODAY": today, "PYTHONUNBUFFERED": "1"}
    env["GYDASH_WAREHOUSE"] = "file"  # a real server keeps its warehouse file (the in-process tests keep it in memory)
    env.setdefault("GYDASH_ERRORS", "raise")  # a failing page shows Streamlit's exception box, which tests look for
    args = [sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port)]
    args += ["--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none"]
    args += ["--browser.gatherUsageStats", "false"]
    args += ["--server.baseUrlPath", base_path] if base_path else []
    log = log or ARTIFACTS / f"server-{port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + timeout
            while not _healthy(url):
                if proc.poll() is not None:
                    raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"streamlit not healthy after {timeout} s:\n{log.read_text()[-3000:]}")
                time.sleep(0.2)
            yield Served(url, proc.pid)
        finally:
            _stop(proc)


def nginx_config(tmp: Path, listen: int, replicas: list[str]) -> Path:
    """deploy/nginx/gydash.conf inside a main config of the test's own, each deployed path or port replaced."""
    conf = (DEPLOY / "nginx" / "gydash.conf").read_text(encoding="utf-8")
    replace = {
        "server 127.0.0.1:8501 ": f"server {replicas[0]} ",
        "server 127.0.0.1:8502 ": f"server {replicas[1]} ",
        "/var/cache/nginx/gydash": str(tmp / "cache"),
        "/etc/nginx/snippets/gydash-locations.conf": str(DEPLOY / "nginx" / "gydash-locations.conf"),
        "listen 80;": f"listen 127.0.0.1:{listen};",
        "listen [::]:80;": "",
    }
    for old, new in replace.items():
        assert old in conf, old
        conf = conf.replace(old, new)
    user = "user root root;" if os.geteuid() == 0 else ""  # workers must read the (private) temp dir
    temp = " ".join(f"{kind}_temp_path {tmp / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    path = tmp / "nginx.conf"
    path.write_text(
        f"""{user}
worker_processes 1;
pid {tmp / "nginx.pid"};
error_log {tmp / "error.log"} info;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    log_format replica '$request_uri $status $upstream_addr $cookie_gydash_route';
    access_log {tmp / "access.log"} replica;
    {temp}
{conf}
}}
""",
        encoding="utf-8",
    )
    return path


@contextlib.contextmanager
def behind_nginx(app_url: str, tmp: Path, timeout: float = 30) -> Iterator[str]:
    """Debian's nginx with the deployed configuration (deploy/nginx) in front of one app server started with
    serve(..., base_path="gydash"): yields the dashboard's URL through nginx, which serves Streamlit's static files
    from its own cache, as on the intranet server. Both upstream lines point at the one server."""
    replica = app_url.removeprefix("http://").split("/", 1)[0]
    tmp.mkdir(parents=True, exist_ok=True)
    listen = free_port()
    conf = nginx_config(tmp, listen, [replica, replica])
    cmd = [NGINX, "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "error.log"), "-g", "daemon off;"]
    with open(tmp / "nginx.out", "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{listen}/gydash"
    try:
        deadline = time.monotonic() + timeout
        while not _healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not serve {url}:\n{(tmp / 'error.log').read_text()[-3000:]}")
            time.sleep(0.2)
        yield url
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """End the server we started (its own process group, by id) and anything it spawned."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


FINISHED_EARLY_FOR_RERUN = 2  # ForwardMsg.script_finished: the run was cut short by a newer one


class Watch:
    """One Playwright page's console errors, uncaught page errors and dialogs, collected as they happen, and its
    script runs, counted from Streamlit's own websocket messages (a run that starts and ends between two looks at
    the DOM is still seen). Create it before page.goto()."""

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.finished = 0  # script runs that ran to the end (not cut short by a rerun)
        self._armed = 0
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("dialog", self._dialog)
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _console(self, msg) -> None:
        if msg.type == "error":
            self.errors.append(f"console.error: {msg.text} @ {msg.location.get('url', '')}")

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _frame(self, payload) -> None:
        if not isinstance(payload, bytes | bytearray):
            return
        msg = ForwardMsg()
        msg.ParseFromString(bytes(payload))
        if msg.WhichOneof("type") == "script_finished" and msg.script_finished != FINISHED_EARLY_FOR_RERUN:
            self.finished += 1

    def _wait_finished(self, more_than: int, timeout_ms: int, retry=None) -> None:
        deadline = time.monotonic() + timeout_ms / 1000
        nudge = time.monotonic() + RETRY_AFTER_S
        while self.finished <= more_than:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no script run finished within {timeout_ms} ms ({self.page.url})")
            if retry is not None and time.monotonic() > nudge and self._idle():
                # Under load a keypress can be dropped (focus, or the app still marked running): ask again.
                retry()
                nudge = time.monotonic() + RETRY_AFTER_S
            self.page.wait_for_timeout(50)  # lets Playwright deliver the websocket events
        self.page.wait_for_function(f"() => {_STATE} === 'notRunning'", timeout=timeout_ms)

    def settled(self, timeout_ms: int = 90000) -> None:
        """The page just opened has finished its first run and drawn (scripts/screenshot.py's wait as well)."""
        self._wait_finished(0, timeout_ms)
        wait_until_rendered(self.page, timeout_ms)

    def arm(self) -> None:
        """Note where the count of runs stands, before doing something that makes the script rerun."""
        self._armed = self.finished

    def _idle(self) -> bool:
        return bool(self.page.evaluate(f"() => {_STATE} === 'notRunning'"))

    def wait_for_rerun(self, timeout_ms: int = 90000, settle_ms: int = 300, retry=None) -> None:
        """Wait until a run started since arm() has finished, then settle_ms for charts to draw. `retry` (e.g.
        pressing R again) is called when the page has sat idle with no new run for RETRY_AFTER_S seconds."""
        self._wait_finished(self._armed, timeout_ms, retry)
        self.page.wait_for_timeout(settle_ms)

    def run_and_wait(self, action, timeout_ms: int = 90000, settle_ms: int = 300) -> None:
        """Do something that reruns the script (press R, click a link) and wait until that run has finished."""
        self.arm()
        action()
        self.wait_for_rerun(timeout_ms, settle_ms)


def open_every_tab(page, watch: Watch, after) -> None:
    """Open every tab of the page as a user would, calling `after()` once each tab's contents are drawn. Tabs draw
    only the open one, and a tab may hold tabs of its own (a year inside a view): when none is left unopened in
    sight, an opened tab is opened again to bring its own tabs back into sight."""

    def selected() -> set[str]:
        return {t.inner_text() for t in page.get_by_role("tab").all() if t.get_attribute("aria-selected") == "true"}

    seen = selected()
    reopened: set[str] = set()
    for _ in range(100):
        tabs = page.get_by_role("tab").all()
        idle = [t for t in tabs if t.get_attribute("aria-selected") != "true"]
        fresh = [t for t in idle if t.inner_text() not in seen]
        again = [t for t in idle if t.inner_text() not in reopened]
        if not fresh and not again:
            return
        tab = (fresh or again)[0]
        label = tab.inner_text()
        watch.run_and_wait(tab.click)
        if fresh:
            seen |= {label, *selected()}
            after()
        else:
            reopened.add(label)
    raise AssertionError("tabs kept appearing: more than 100 opened")


def exceptions_on(page) -> list[str]:
    """The text of every Streamlit exception box on the page."""
    return [e.inner_text() for e in page.locator('[data-testid="stException"]').all()]


def content_height(page) -> int:
    # Streamlit scrolls inside its own container, so the document height says nothing; measure stMain's children.
    return int(
        page.evaluate(
            "() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"] *')].map(e => e.scrollHeight))"
        )
    )


def full_page_screenshot(page, path: Path, width: int = 1366, max_height: int = 12000) -> None:
    """The whole page, not just the first screen (the same way scripts/screenshot.py --full does it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    height = page.viewport_size["height"] if page.viewport_size else 768
    page.set_viewport_size({"width": width, "height": min(content_height(page) + 100, max_height)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": width, "height": height})


def horizontal_overflow(page) -> int:
    """How far the page is wider than the window, in CSS pixels: the document, or Streamlit's main area (which
    scrolls on its own), whichever overflows more. 0 or less when the layout holds."""
    return int(
        page.evaluate(
            """() => {
                const main = document.querySelector('[data-testid="stMain"]');
                return Math.max(document.documentElement.scrollWidth - window.innerWidth,
                                main ? main.scrollWidth - main.clientWidth : 0);
            }"""
        )
    )


_STATE = "document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state')"


def press_rerun(page) -> None:
    """Streamlit's 'R' shortcut (it works only while no widget has the keyboard focus)."""
    page.evaluate("document.activeElement?.blur()")
    page.keyboard.press("r")


def nav_links(page) -> list[tuple[str, str]]:
    """(title, href) of every page link in the sidebar navigation, expanding 'View more' when there is one."""
    more = page.locator('[data-testid="stSidebarNavViewButton"]')
    if more.count() and "more" in (more.inner_text() or "").lower():
        more.click()
    links = page.locator('[data-testid="stSidebarNav"] a[data-testid="stSidebarNavLink"]')
    # The link text is the material icon's ligature name, a blank line, then the title.
    return [(a.inner_text().strip().split("\n")[-1].strip(), a.get_attribute("href")) for a in links.all()]


# Opening a page's own URL (/duties) makes Streamlit's frontend probe /duties/_stcore/health and host-config before
# falling back to /_stcore/…; those two 404s are Streamlit's (github.com/streamlit/streamlit/issues/7074) and the
# only console errors let through. Everything else counts, including any failed fetch.
SUBPAGE_PROBE = re.compile(
    r"^console\.error: Failed to load resource: the server responded with a status of 404 \(Not Found\) "
    r"@ http://127\.0\.0\.1:\d+/[^/]+/_stcore/(health|host-config)$"
)


def real_errors(errors: list[str]) -> list[str]:
    """Console and page errors, minus Streamlit's sub-page probes (see SUBPAGE_PROBE)."""
    return [e for e in errors if not SUBPAGE_PROBE.match(e)]


def bench_module():
    """benchmarks/bench.py (not a package), for tests of what its measurements rest on."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench", Path(__file__).resolve().parents[2] / "benchmarks/bench.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench
