"""The offline bundle installs and runs from the bundle alone, and the systemd units run what it installs.

deploy/build-bundle needs the package index (it is run here as on a connected machine) and carries wheels for every
supported Python by default; this test builds only the running Python's, with no standalone Python, to stay quick.
deploy/install-bundle then runs with an empty uv cache, uv offline, and every index and proxy pointing at a closed
port: any attempt to download fails the install.
"""

from __future__ import annotations

import configparser
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import missing_system_package

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
TODAY = "2026-11-26"
PY = f"{sys.version_info.major}.{sys.version_info.minor}"


def closed_port() -> int:
    """A port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def no_network_env(cache: Path) -> dict[str, str]:
    nowhere = f"http://127.0.0.1:{closed_port()}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "PIP_", "VIRTUAL_ENV"))}
    return env | {
        "UV_CACHE_DIR": str(cache),
        "UV_OFFLINE": "1",
        "UV_INDEX_URL": f"{nowhere}/simple",
        "UV_DEFAULT_INDEX": f"{nowhere}/simple",
        "PIP_INDEX_URL": f"{nowhere}/simple",
        "HTTP_PROXY": nowhere,
        "HTTPS_PROXY": nowhere,
        "http_proxy": nowhere,
        "https_proxy": nowhere,
    }


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Iterator[Path]:
    """The `current` release folder of an install from a freshly built bundle, with no index reachable; the bundle
    and the install (about a gigabyte) are removed after the module."""
    if shutil.which("uv") is None:
        pytest.fail("uv is needed to build the bundle (.ci/run installs it)")
    tmp = tmp_path_factory.mktemp("bundle")
    # The build is the connected machine's step and talks TLS to the index: it gets the real clock even in the
    # CI run that fakes the date (certificates would look expired), while everything after it keeps the fake one.
    real_clock = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "FAKETIME", "FAKETIME_NO_CACHE")}
    built = subprocess.run(
        [str(DEPLOY / "build-bundle"), "--python-versions", PY, "--no-python", "--out", str(tmp / "dist")],
        cwd=ROOT,
        env=real_clock,
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (tarball,) = (tmp / "dist").glob("gydash-bundle-*.tar")
    with tarfile.open(tarball) as tar:
        tar.extractall(tmp / "unpacked", filter="tar")
    tarball.unlink()
    (bundle,) = (tmp / "unpacked").iterdir()
    cache = tmp / "empty-uv-cache"
    cache.mkdir()
    base_python = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    done = subprocess.run(
        [str(bundle / "install-bundle"), "--prefix", str(tmp / "opt"), "--python", base_python],
        cwd=tmp,
        env=no_network_env(cache),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # nothing was fetched into the (empty) cache: every package came from the bundle's wheels
    assert not any(p.suffix in (".whl", ".tar.gz") for p in cache.rglob("*"))
    yield tmp / "opt" / "current"
    shutil.rmtree(tmp)


def test_bundle_carries_the_locked_wheels_uv_and_the_app(installed: Path):
    info = (installed / "BUNDLE-INFO").read_text(encoding="utf-8")
    assert f"wheels for Python {PY}" in info and "linux x86_64" in info
    assert (installed.parent / "bin" / "uv").is_file()
    assert (installed / "app" / "app.py").is_file() and (installed / "app" / "pages" / "overview.py").is_file()
    for unit in ("gydash.service", "gydash@.service", "gydash-remind.service", "gydash-remind.timer"):
        assert (installed / "deploy" / "systemd" / unit).is_file()


def test_installed_command_gives_the_same_summary_as_the_source(installed: Path, tmp_path: Path):
    args = ["summary", "--json", "--today", TODAY, str(installed / "sample-data")]
    env = os.environ | {"GYDASH_STATE_DIR": str(tmp_path / "state")}
    out = subprocess.run([str(installed / "venv" / "bin" / "gydash"), *args], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["today"] == TODAY and summary["sample"] is True and summary["targets"]
    source = subprocess.run([sys.executable, "-m", "gydash.cli", *args], env=env, capture_output=True, text=True)
    assert json.loads(source.stdout) == summary


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read(DEPLOY / "systemd" / name, encoding="utf-8")
    return parser


def installed_command(line: str, installed: Path, port: int) -> list[str]:
    """A unit's command line with the install prefix of this test and the instance name (%i) as the port."""
    line = line.replace("/opt/gydash/current", str(installed)).replace("%i", str(port))
    return shlex.split(line)


def env_file(installed: Path, tmp_path: Path) -> dict[str, str]:
    """The installed gydash.env.example as systemd would read it, with this test's data and state dirs."""
    pairs = {}
    for line in (installed / "deploy" / "gydash.env.example").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            pairs[key.strip()] = value.strip()
    assert {"GYDASH_DATA_DIR", "GYDASH_STATE_DIR", "GYDASH_MAX_UPLOAD_MB"} <= pairs.keys()
    return pairs | {"GYDASH_DATA_DIR": str(installed / "sample-data"), "GYDASH_STATE_DIR": str(tmp_path / "state")}


def test_the_replica_unit_runs_the_installed_app_until_its_health_check_passes(installed: Path, tmp_path: Path):
    service = unit("gydash@.service")["Service"]
    port = closed_port()
    workdir = Path(service["WorkingDirectory"].replace("/opt/gydash/current", str(installed)))
    start = installed_command(service["ExecStart"], installed, port)
    health = installed_command(service["ExecStartPost"], installed, port)
    assert Path(start[0]).is_file() and os.access(start[0], os.X_OK) and (workdir / start[2]).is_file()
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIRTUAL_ENV")}
    env |= env_file(installed, tmp_path) | {"GYDASH_TODAY": TODAY, "HOME": str(tmp_path)}
    log = tmp_path / "app.log"
    with open(log, "wb") as out:
        app = subprocess.Popen(start, cwd=workdir, env=env, stdout=out, stderr=out, start_new_session=True)
    try:
        if not Path(health[0]).exists():
            missing_system_package("curl", "the units' health check")
        began = time.monotonic()
        checked = subprocess.run(health, capture_output=True, text=True, timeout=200)
        assert checked.returncode == 0, checked.stderr + log.read_text()[-2000:]
        assert time.monotonic() - began < 90
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/gydash/?area={quote('旺苍县')}") as page:
            assert page.status == 200 and b"<html" in page.read().lower()
    finally:
        os.killpg(app.pid, 15)
        app.wait(timeout=20)


def test_the_reminder_unit_runs_a_command_the_install_has(installed: Path, tmp_path: Path):
    service = unit("gydash-remind.service")["Service"]
    command = installed_command(service["ExecStart"], installed, 0)
    assert command[1] == "remind"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "GYDASH_REMIND"))}
    env |= env_file(installed, tmp_path)
    # --print: what the timer would send, without a robot address (none is configured here)
    done = subprocess.run([*command, "--print", "--today", TODAY], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "报送提醒" in done.stdout
    timer = unit("gydash-remind.timer")["Timer"]
    assert timer["Unit"] == "gydash-remind.service" and timer["OnCalendar"].startswith("Mon ")


def test_units_pass_systemd_analyze_verify(installed: Path, tmp_path: Path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed: the units are checked by the tests above only")
    units = tmp_path / "units"
    units.mkdir()
    for path in (DEPLOY / "systemd").iterdir():
        text = path.read_text(encoding="utf-8").replace("/opt/gydash/current", str(installed))
        (units / path.name).write_text(text.replace("/etc/gydash/gydash.env", str(tmp_path / "gydash.env")))
    (tmp_path / "gydash.env").write_text("GYDASH_DATA_DIR=/srv/gydash/data\n")
    names = ["gydash.service", "gydash@8501.service", "gydash-remind.service", "gydash-remind.timer", "gydash.target"]
    done = subprocess.run(
        [analyze, "verify", *(str(units / n) for n in names)], capture_output=True, text=True, cwd=units
    )
    # systemd-analyze also complains about units of the machine itself; only ours matter
    ours = [line for line in done.stderr.splitlines() if "gydash" in line]
    assert ours == [], done.stderr
    calendar = subprocess.run([analyze, "calendar", unit("gydash-remind.timer")["Timer"]["OnCalendar"]])
    assert calendar.returncode == 0
