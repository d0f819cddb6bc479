"""auth: argon2 hashes from secrets (no plain passwords, no default), and failed sign-ins limited per name."""

from __future__ import annotations

import io
import logging
import re
import threading
import time

import pytest
from argon2 import PasswordHasher

from gydash import cli
from gydash.access import auth, lockout

HASH = auth.hash_password("correct horse")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def limiter() -> tuple[lockout.RateLimiter, FakeClock]:
    clock = FakeClock()
    return lockout.RateLimiter(max_failures=5, lockout=60, clock=clock), clock


def staff(**users: str) -> auth.StaffConfig:
    return auth.config({"gydash_staff": {"users": users}})


def test_hash_is_argon2_and_verifies():
    assert HASH.startswith("$argon2id$")
    assert PasswordHasher().verify(HASH, "correct horse")
    with pytest.raises(ValueError):
        auth.hash_password("")


def test_right_password_signs_in_and_wrong_one_does_not(limiter):
    limit, _ = limiter
    cfg = staff(zhangsan=HASH)
    assert auth.sign_in(cfg, "zhangsan", "correct horse", limit) == auth.SignIn(True, "已登录：zhangsan", "zhangsan")
    wrong = auth.sign_in(cfg, "zhangsan", "wrong", limit)
    assert not wrong.ok and wrong.message.startswith("用户名或密码不正确") and wrong.user is None
    assert not auth.sign_in(cfg, "nobody", "correct horse", limit).ok


def test_no_configuration_means_no_upload_and_no_default_password(limiter):
    limit, _ = limiter
    for secrets in ({}, {"gydash_staff": {}}, {"gydash_staff": {"users": {}}}, {"other": {"x": 1}}):
        cfg = auth.config(secrets)
        assert not cfg.enabled
        assert not auth.sign_in(cfg, "admin", "admin", limit).ok
    assert "gydash hash-password" in auth.HOW_TO_ENABLE and "secrets.toml" in auth.HOW_TO_ENABLE
    assert not re.search(r"[A-Za-z]", auth.UPLOAD_OFF + auth.HOW_TO_ENABLE_TITLE)  # what every visitor reads


def test_plain_text_passwords_are_ignored_and_named():
    cfg = staff(lisi="123456", zhangsan=HASH)
    assert cfg.users == {"zhangsan": HASH}
    assert cfg.problems == (
        "用户「lisi」的密码不是 argon2 哈希（不接受明文密码），已忽略；请用 gydash hash-password 生成",
    )
    assert not staff(lisi="123456").enabled


def test_five_failures_lock_the_name_for_a_minute_even_with_the_right_password(limiter):
    limit, clock = limiter
    cfg = staff(zhangsan=HASH)
    messages = [auth.sign_in(cfg, "zhangsan", f"guess{i}", limit).message for i in range(5)]
    assert "再错 4 次" in messages[0] and "请 60 秒后再试" in messages[-1]
    locked = auth.sign_in(cfg, "zhangsan", "correct horse", limit)
    assert not locked.ok and locked.message == "失败次数过多，请 61 秒后再试"
    clock.now += 30
    assert not auth.sign_in(cfg, "zhangsan", "correct horse", limit).ok
    clock.now += 31
    assert auth.sign_in(cfg, "zhangsan", "correct horse", limit).ok
    assert limit.failures("zhangsan") == 0


def test_lockout_is_per_name_and_ignores_case_and_spaces(limiter):
    limit, _ = limiter
    cfg = staff(zhangsan=HASH, lisi=HASH)
    for _ in range(5):
        auth.sign_in(cfg, " ZhangSan ", "x", limit)
    assert limit.wait_seconds("zhangsan") > 0
    assert auth.sign_in(cfg, "lisi", "correct horse", limit).ok


def test_unknown_names_are_rate_limited_too(limiter):
    limit, _ = limiter
    cfg = staff(zhangsan=HASH)
    for _ in range(5):
        auth.sign_in(cfg, "ghost", "x", limit)
    assert "失败次数过多" in auth.sign_in(cfg, "ghost", "x", limit).message


class CountingHasher:
    """The real hasher, slowed a little and counting checks, so simultaneous attempts overlap in the hash."""

    def __init__(self) -> None:
        self.checks = 0
        self._lock = threading.Lock()

    def verify(self, stored: str, password: str) -> bool:
        with self._lock:
            self.checks += 1
        time.sleep(0.05)
        return PasswordHasher().verify(stored, password)


@pytest.mark.parametrize("name", ["zhangsan", "ghost"])
def test_simultaneous_attempts_on_one_name_get_no_more_password_checks_than_the_limit(monkeypatch, name):
    hasher = CountingHasher()
    monkeypatch.setattr(auth, "_hasher", hasher)
    limit = lockout.RateLimiter(max_failures=5, lockout=60)
    cfg = staff(zhangsan=HASH)
    start = threading.Barrier(20)
    results: list[auth.SignIn] = []

    def attempt(i: int) -> None:
        start.wait()
        results.append(auth.sign_in(cfg, name, f"guess{i}", limit))

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert hasher.checks == 5
    assert sum("失败次数过多" in r.message for r in results) == 15
    assert not any(r.ok for r in results)
    assert auth.sign_in(cfg, name, "correct horse", limit).message.startswith("失败次数过多")


def test_a_success_clears_the_attempt_counted_before_the_check(limiter):
    limit, _ = limiter
    cfg = staff(zhangsan=HASH)
    for i in range(4):
        auth.sign_in(cfg, "zhangsan", f"guess{i}", limit)
    assert auth.sign_in(cfg, "zhangsan", "correct horse", limit).ok
    assert limit.failures("zhangsan") == 0
    assert "再错 4 次" in auth.sign_in(cfg, "zhangsan", "wrong", limit).message


def test_configuration_problems_go_to_the_server_log_once(caplog, monkeypatch):
    monkeypatch.setattr(auth, "_logged", set())
    cfg = staff(wangwu="plain text", zhangsan=HASH)
    with caplog.at_level(logging.WARNING, logger="gydash.access.auth"):
        auth.log_problems(cfg)
        auth.log_problems(cfg)  # every page rerun calls it
    [record] = [r for r in caplog.records if r.name == "gydash.access.auth"]
    assert "wangwu" in record.getMessage() and "不接受明文密码" in record.getMessage()


def test_oidc_is_detected_and_staff_are_the_listed_emails():
    secrets = {
        "auth": {"redirect_uri": "https://x/oauth2callback", "cookie_secret": "s", "client_id": "c"},
        "gydash_staff": {"emails": ["Staff@GY.gov.cn"]},
    }
    cfg = auth.config(secrets)
    assert cfg.oidc and cfg.enabled
    assert auth.email_allowed(cfg, "staff@gy.gov.cn") and not auth.email_allowed(cfg, "x@gmail.com")
    assert not auth.email_allowed(cfg, None)
    assert not auth.config({"auth": secrets["auth"]}).enabled  # OIDC alone lets nobody upload
    assert not auth.oidc_configured({"auth": {"client_id": "c"}})


def test_hash_password_command_reads_stdin_and_prints_a_verifiable_hash(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    assert cli.main(["hash-password", "--stdin"]) == 0
    out = capsys.readouterr()
    printed = out.out.strip()
    assert PasswordHasher().verify(printed, "a long password")
    assert "[gydash_staff]" in out.err


def test_hash_password_command_refuses_short_passwords(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli.main(["hash-password", "--stdin"]) == 1
    assert capsys.readouterr().out == ""


def test_hash_password_asks_twice_and_refuses_a_mismatch(monkeypatch, capsys):
    answers = iter(["first password", "second password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert cli.main(["hash-password"]) == 1
    assert "不一致" in capsys.readouterr().err


def test_example_secrets_file_parses_and_enables_nobody():
    import tomllib
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / ".streamlit/secrets.toml.example").read_text()
    cfg = auth.config(tomllib.loads(text))
    assert not cfg.enabled and "zhangsan" in cfg.problems[0]
