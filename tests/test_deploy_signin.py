"""The staff sign-in limit holds across app processes: failures are counted in one file in the state dir."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from gydash.access import auth, lockout

HASH = auth.hash_password("correct horse")
TRIES = textwrap.dedent(
    """
    import sys
    from gydash.access import auth
    cfg = auth.config({"gydash_staff": {"users": {"zhangsan": sys.argv[1]}}})
    for password in sys.argv[2:]:
        print(auth.sign_in(cfg, "zhangsan", password).message, flush=True)
    """
)


def staff() -> auth.StaffConfig:
    return auth.config({"gydash_staff": {"users": {"zhangsan": HASH}}})


def app_process(state_dir: Path, *passwords: str) -> list[str]:
    """Sign-in attempts made by a separate Python process (as a second replica would), using the app's limiter."""
    env = os.environ | {"GYDASH_STATE_DIR": str(state_dir)}
    out = subprocess.run(
        [sys.executable, "-c", TRIES, HASH, *passwords], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.splitlines()


def test_two_processes_share_five_failures_not_five_each(state_dir: Path):
    first = app_process(state_dir, "guess1", "guess2", "guess3")
    assert [m.startswith("用户名或密码不正确") for m in first] == [True, True, True]
    second = app_process(state_dir, "guess4", "guess5", "correct horse")
    assert second[0].endswith("再错 1 次需等待 60 秒")
    assert second[1].startswith("用户名或密码不正确") and second[1].endswith("请 60 秒后再试")
    assert second[2].startswith("失败次数过多")  # even the right password waits: the other process's failures count
    assert (state_dir / lockout.FAILURES_FILE).is_file()


def test_a_success_in_one_process_clears_the_count_for_all(state_dir: Path):
    app_process(state_dir, "guess1", "guess2", "guess3", "correct horse")
    assert lockout.limiter.failures("zhangsan") == 0
    assert "再错 4 次" in auth.sign_in(staff(), "zhangsan", "wrong").message


def test_the_shared_count_forgets_old_failures_and_stays_small(tmp_path: Path):
    now = [1000.0]
    path = tmp_path / "failures.json"
    limit = lockout.RateLimiter(clock=lambda: now[0], path=path)
    for i in range(30):
        limit.begin(f"name{i}")
    limit.begin("name0")
    assert len(json.loads(path.read_text())["name0"]) == 2
    now[0] += lockout.FORGET_SECONDS + 1
    limit.begin("fresh")
    assert list(json.loads(path.read_text())) == ["fresh"]


def test_a_damaged_count_file_starts_afresh_instead_of_blocking_sign_in(state_dir: Path):
    state_dir.mkdir(parents=True)
    (state_dir / lockout.FAILURES_FILE).write_text("{not json", encoding="utf-8")
    assert auth.sign_in(staff(), "zhangsan", "correct horse").ok


def test_an_unusable_state_dir_still_limits_within_the_process(tmp_path: Path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    limit = lockout.RateLimiter(path=blocker / "state" / lockout.FAILURES_FILE)
    cfg = staff()
    for i in range(5):
        assert not auth.sign_in(cfg, "zhangsan", f"guess{i}", limit).ok
    assert auth.sign_in(cfg, "zhangsan", "correct horse", limit).message.startswith("失败次数过多")
