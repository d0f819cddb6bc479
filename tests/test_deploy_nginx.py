"""Two app processes behind Debian's nginx with deploy/nginx/*.conf, under /gydash/, on one shared data dir.

The replicas are started with the command line of deploy/systemd/gydash@.service from a copy of the app folder
(as installed), and nginx runs the deployed configuration with only its ports and paths changed for a test:
non-root ports, and pid, logs, cache and temp files in a temp dir.
"""

from __future__ import annotations

import base64
import configparser
import contextlib
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from urllib.parse import quote

import pytest
from browser.server import NGINX, nginx_config
from conftest import missing_system_package

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
TODAY = "2026-11-26"
STAFF, PASSWORD = "zhangsan", "correct horse battery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Site:
    url: str  # http://127.0.0.1:PORT/gydash/ through nginx
    replicas: list[str]  # 127.0.0.1:PORT of each app process
    data_dir: Path
    app_dir: Path
    access_log: Path

    def route_to(self, replica: str) -> str:
        """A gydash_route cookie value that nginx's consistent hash sends to `replica` (found by asking)."""
        for i in range(200):
            value = f"test-route-{i}"
            if upstream_of(self, cookie=value) == replica:
                return value
        raise AssertionError(f"no route cookie reaches {replica}")


def get(url: str, cookie: str | None = None, data: bytes | None = None) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    if cookie:
        request.add_header("Cookie", f"gydash_route={cookie}")
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.headers, e.read()


def upstream_of(site: Site, cookie: str) -> str:
    """Which replica answered a page request with this route cookie, from nginx's access log."""
    marker = f"/gydash/?probe={cookie}"
    assert get(site.url.removesuffix("/gydash/") + marker, cookie)[0] == 200
    for _ in range(50):
        for line in site.access_log.read_text().splitlines():
            uri, _status, upstream, *_ = line.split(" ")
            if uri == marker:
                return upstream
        time.sleep(0.05)
    raise AssertionError(f"{marker} not in the access log")


def replica_command(port: int) -> list[str]:
    """ExecStart of gydash@.service for instance `port`, with this test's Python in place of the installed one."""
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(DEPLOY / "systemd" / "gydash@.service", encoding="utf-8")
    args = shlex.split(unit["Service"]["ExecStart"].replace("%i", str(port)))
    assert args[0].endswith("/streamlit") and args[1:3] == ["run", "app.py"]
    return [sys.executable, "-m", "streamlit", *args[1:]]


@contextlib.contextmanager
def process(args: list[str], log: Path, **kw) -> Iterator[subprocess.Popen]:
    with open(log, "wb") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=out, start_new_session=True, **kw)
    try:
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def wait_healthy(url: str, procs: list[subprocess.Popen], logs: list[Path], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError):
            if get(url)[0] == 200:
                return
        for proc, log in zip(procs, logs, strict=True):
            assert proc.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, f"{url} not healthy after {timeout} s"
        time.sleep(0.3)


def app_copy(tmp: Path) -> Path:
    """The app folder as install-bundle lays it out, with one staff account in its secrets."""
    from gydash.access import auth

    app = tmp / "app"
    (app / ".streamlit").mkdir(parents=True)
    shutil.copy(ROOT / "app.py", app)
    shutil.copytree(ROOT / "pages", app / "pages", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "assets", app / "assets")
    shutil.copy(ROOT / ".streamlit" / "config.toml", app / ".streamlit")
    secret = f'[gydash_staff]\nusers = {{ {STAFF} = "{auth.hash_password(PASSWORD)}" }}\n'
    (app / ".streamlit" / "secrets.toml").write_text(secret, encoding="utf-8")
    return app


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    if not Path(NGINX).exists():
        missing_system_package("nginx", "the reverse proxy test")
    tmp = tmp_path_factory.mktemp("site")
    data = tmp / "data"
    shutil.copytree(ROOT / "data", data)
    app = app_copy(tmp)
    ports = [free_port(), free_port()]
    replicas = [f"127.0.0.1:{p}" for p in ports]
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    env |= {
        "GYDASH_DATA_DIR": str(data),
        "GYDASH_STATE_DIR": str(tmp / "state"),  # shared by both, as in gydash.env
        "GYDASH_TODAY": TODAY,
        "STREAMLIT_SERVER_COOKIE_SECRET": "the-same-for-every-replica",
        "PYTHONUNBUFFERED": "1",
    }
    listen = free_port()
    conf = nginx_config(tmp, listen, replicas)
    test = subprocess.run([NGINX, "-t", "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "error.log")], **TEXT)
    assert test.returncode == 0, test.stderr
    logs = [tmp / f"replica-{p}.log" for p in ports]
    with (
        process(replica_command(ports[0]), logs[0], cwd=app, env=env) as one,
        process(replica_command(ports[1]), logs[1], cwd=app, env=env) as two,
        process(
            [NGINX, "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "error.log"), "-g", "daemon off;"],
            tmp / "nginx.out",
        ) as proxy,
    ):
        for replica in replicas:
            wait_healthy(f"http://{replica}/gydash/_stcore/health", [one, two, proxy], [*logs, tmp / "error.log"])
        url = f"http://127.0.0.1:{listen}/gydash/"
        wait_healthy(url + "_stcore/health", [one, two, proxy], [*logs, tmp / "error.log"], timeout=20)
        yield Site(url, replicas, data, app, tmp / "access.log")


TEXT = {"capture_output": True, "text": True}


def test_health_check_answers_through_nginx(site: Site):
    status, _, body = get(site.url + "_stcore/health")
    assert (status, body) == (200, b"ok")


def test_bare_path_redirects_to_the_dashboard(site: Site):
    request = urllib.request.Request(site.url.removesuffix("/"))
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as moved:
        opener.open(request, timeout=10)
    moved.value.close()
    assert moved.value.code == 301 and moved.value.headers["Location"] == "/gydash/"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_deep_links_with_an_area_reach_the_app(site: Site):
    status, headers, body = get(site.url + f"counties?area={quote('旺苍县')}")
    assert status == 200 and headers["Content-Type"].startswith("text/html") and b"<html" in body.lower()


def test_websocket_upgrade_answers_101_through_nginx(site: Site):
    host, port = site.url.split("/")[2].split(":")
    key = base64.b64encode(os.urandom(16)).decode()
    handshake = (
        "GET /gydash/_stcore/stream HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Protocol: streamlit\r\n\r\n"
    )
    with socket.create_connection((host, int(port)), timeout=20) as s:
        s.sendall(handshake.encode())
        reply = s.recv(4096).decode("latin-1")
    assert reply.startswith("HTTP/1.1 101"), reply
    assert re.search(r"(?im)^upgrade: websocket", reply)


def test_first_visit_gets_a_route_cookie_and_each_route_keeps_to_one_replica(site: Site):
    status, headers, _ = get(site.url)
    assert status == 200 and re.match(r"gydash_route=\w+; Path=/gydash/; HttpOnly", headers["Set-Cookie"])
    seen = {}
    for i in range(24):
        cookie = f"visitor-{i}"
        answers = {upstream_of(site, cookie) for _ in range(3)}
        assert len(answers) == 1, f"{cookie} went to {answers}"
        seen[cookie] = answers.pop()
    assert set(seen.values()) == set(site.replicas)  # the visitors are spread over both
    assert "Set-Cookie" not in get(site.url, cookie="visitor-0")[1]  # a browser with a route keeps it


def test_static_files_are_cached_by_nginx(site: Site):
    _, _, page = get(site.url)
    asset = re.search(rb'src="\.?/?(static/[^"]+\.js)"', page)
    assert asset, page[:500]
    url = site.url + asset.group(1).decode()
    first, second = get(url), get(url)
    assert first[0] == second[0] == 200 and first[2] == second[2]
    assert second[1]["X-Cache-Status"] == "HIT"
    assert "immutable" in second[1]["Cache-Control"]  # the app's own header for its hashed file names, kept


def test_upload_size_limit_lets_the_apps_largest_file_through_and_refuses_more(site: Site):
    from gydash.snapshots import upload

    mb = 1024 * 1024
    largest = upload.DEFAULT_MAX_UPLOAD_MB * mb + 64 * 1024  # the largest file the app takes, with form overhead
    url = site.url + "_stcore/upload_file/no-session/no-file"
    assert get(url, data=b"x" * largest)[0] != 413  # reaches the app (which refuses an unknown session itself)
    assert get(url, data=b"x" * (upload.DEFAULT_MAX_UPLOAD_MB + 3) * mb)[0] == 413


# ---------------------------------------------------------------- in the browser, through nginx, on each replica


@contextlib.contextmanager
def visits(chromium, site: Site, replicas: list[str], path: str = "") -> Iterator[list]:
    """One fresh browser per replica, its route cookie one that nginx sends there, each opened at /gydash/<path>
    (all first, so the replicas work side by side), then each settled."""
    from browser.server import Watch, exceptions_on

    contexts, pages, routes = [], [], {}
    try:
        for replica in replicas:
            routes[replica] = site.route_to(replica)
            contexts.append(chromium.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN"))
            contexts[-1].add_cookies([{"name": "gydash_route", "value": routes[replica], "url": site.url}])
            pages.append(contexts[-1].new_page())
            pages[-1].watch = Watch(pages[-1])
            pages[-1].goto(site.url + path)
        for page in pages:
            page.watch.settled()
            assert exceptions_on(page) == []
        yield pages
    finally:
        for context in contexts:
            context.close()
    # each page's WebSocket went through nginx to its replica (logged once the connection has closed)
    for replica, route in routes.items():
        for _ in range(100):
            lines = site.access_log.read_text().splitlines()
            streams = [line.split(" ") for line in lines if "_stcore/stream" in line]
            went = {upstream for _, _, upstream, cookie in streams if cookie == route}
            if went:
                break
            time.sleep(0.1)
        assert went == {replica}


def sidebar(page) -> str:
    return page.locator('[data-testid="stSidebar"]').inner_text()


def main(page) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


def snapshot(path: Path, value: float) -> Path:
    """An indicators snapshot whose city figure for tech_sme 2025-12 is `value`, written whole then renamed in."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    row = {"indicator": ["tech_sme"], "area": ["广元市"], "year": [2025], "month": [12], "value": [value]}
    part = path.with_name(path.name + ".part")
    pq.write_table(pa.table(row), part)
    os.replace(part, path)
    return path


@pytest.mark.browser
def test_a_dropped_file_and_an_import_through_one_replica_show_on_both(site: Site, browser, tmp_path: Path):
    area = quote("旺苍县")
    with visits(browser, site, site.replicas, f"?area={area}") as pages:  # both read the data before it changes
        for page in pages:
            assert "数据截至 2026-10-27" in sidebar(page) and "关注县区 旺苍县" in sidebar(page)
            assert "888" not in main(page)

    snapshot(site.data_dir / "indicators" / "2026-11-20_复核.parquet", 888.0)
    with visits(browser, site, site.replicas, f"?area={area}") as pages:
        for page in pages:
            assert "数据截至 2026-11-20" in sidebar(page) and "关注县区 旺苍县" in sidebar(page)
            assert "888" in main(page) and "999" not in main(page)

    upload = snapshot(tmp_path / "2026-11-24_导入.parquet", 999.0)
    first, second = site.replicas
    with visits(browser, site, [first], "data") as (page,):
        page.watch.run_and_wait(lambda: page.get_by_role("tab", name="上传导入").click())
        page.get_by_label("用户名").fill(STAFF)
        page.get_by_label("密码").fill(PASSWORD)
        page.watch.run_and_wait(lambda: page.get_by_role("button", name="登录").click())
        page.watch.run_and_wait(lambda: page.locator("input[type=file]").set_input_files(str(upload)))
        page.watch.run_and_wait(lambda: page.get_by_role("button", name="确认导入").click())
        page.get_by_text("已写入 indicators/2026-11-24_导入").wait_for(timeout=60_000)
    assert list((site.data_dir / "indicators").glob("2026-11-24*"))
    log = (site.data_dir.parent / "state" / "imports.jsonl").read_text(encoding="utf-8")  # the one shared log
    assert '"via": "page"' in log and STAFF in log
    with visits(browser, site, [second]) as (page,):
        assert "数据截至 2026-11-24" in sidebar(page)
        assert "999" in main(page)
