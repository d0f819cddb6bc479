"""Staff sign-in for uploads: argon2 password hashes from secrets, and a per-name limit on failed attempts.

The failed attempts are counted in one file in the state dir (GYDASH_STATE_DIR), shared under a file lock by every
process of the installation: with two app processes behind nginx a name still gets five tries in all.

Credentials live in .streamlit/secrets.toml (never committed), for example::

    [gydash_staff]
    users = { zhangsan = "$argon2id$v=19$m=65536,t=3,p=4$..." }

There is no default password: with no valid hash configured, upload is disabled. `gydash hash-password` prints a
hash to paste there. Entries that cannot be used (a plain-text password, say) are left out; what is wrong
with them goes to the server log and to signed-in staff, never to visitors (it would tell anyone that a named
account exists and how it is set up). When an [auth] section configures OIDC (Streamlit's st.login), staff are
instead the signed-in users whose e-mail is listed in [gydash_staff] emails = [...]; an empty list lets nobody
upload.

An entry may also be a table carrying the account's role (gydash.access.roles), for example
``wangcang = { hash = "$argon2id$...", role = "county", area = "旺苍县" }``.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from gydash.access import roles
from gydash.snapshots import importlog

SECTION = "gydash_staff"
MAX_FAILURES = 5
LOCKOUT_SECONDS = 60.0
FORGET_SECONDS = 24 * 3600.0  # failures this old no longer count towards a lockout
MAX_NAMES = 10_000  # names kept in the shared count; the oldest go first
FAILURES_FILE = "sign-in-failures.json"
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("gydash: equal time for unknown names")
log = logging.getLogger(__name__)
_logged: set[str] = set()
_logged_lock = threading.Lock()


def hash_password(password: str) -> str:
    if not password:
        raise ValueError("密码不能为空")
    return _hasher.hash(password)


@dataclass(frozen=True)
class StaffConfig:
    users: dict[str, str]  # name → argon2 hash
    emails: tuple[str, ...]  # allowed e-mails when OIDC is used
    oidc: bool
    problems: tuple[str, ...] = ()  # entries ignored, said in Chinese
    view_requires_sign_in: bool = False  # viewing is open unless the office turns this on

    @property
    def enabled(self) -> bool:
        return bool(self.emails) if self.oidc else bool(self.users)


def _is_hash(value: object) -> bool:
    if not isinstance(value, str) or not value.startswith("$argon2"):
        return False
    try:
        extract_parameters(value)  # a malformed hash (or the example file's placeholder) is not a credential
    except InvalidHashError:
        return False
    return True


def oidc_configured(secrets: Mapping) -> bool:
    """Streamlit's st.login needs [auth] with redirect_uri and cookie_secret (and a provider)."""
    section = secrets.get("auth")
    return isinstance(section, Mapping) and bool(section.get("redirect_uri")) and bool(section.get("cookie_secret"))


def config(secrets: Mapping) -> StaffConfig:
    """Staff accounts from a secrets mapping (st.secrets or a dict); bad entries are left out and named."""
    section = secrets.get(SECTION) or {}
    users, problems = {}, []
    raw_users = section.get("users") or {}
    if not isinstance(raw_users, Mapping):
        problems.append(f'[{SECTION}] users 应为「用户名 = "哈希"」的表')
        raw_users = {}
    for name, entry in raw_users.items():
        value = roles.hash_of(entry)  # a table entry carries a role too: {hash = "…", role = "county", …}
        if _is_hash(value):
            users[str(name)] = value
        else:
            problems.append(
                f"用户「{name}」的密码不是 argon2 哈希（不接受明文密码），已忽略；请用 gydash hash-password 生成"
            )
    emails = tuple(str(e).strip().lower() for e in (section.get("emails") or []) if str(e).strip())
    private = section.get("view_requires_sign_in") is True
    return StaffConfig(users, emails, oidc_configured(secrets), tuple(problems), private)


class RateLimiter:
    """Counts sign-in attempts per name: after `max_failures` failures, wait `lockout` seconds.

    An attempt is counted *before* its password is checked, in the same locked step as the check of the limit
    (`begin`): twenty simultaneous attempts on one name then get at most `max_failures` password checks, where
    checking first and recording after the slow hash would let all twenty through. A success clears the count.

    With `path` (a file, or a function giving one) the counts live in that file, read and written under an
    exclusive lock (flock), so every process on the server shares them: two replicas behind nginx allow five
    failures in all, not five each. Without a path (or when the file cannot be used) they live in this process.
    Failures older than `forget` seconds are dropped, and at most MAX_NAMES names are kept, so the file stays small
    however many names are tried.
    """

    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        lockout: float = LOCKOUT_SECONDS,
        clock=time.time,
        path: Path | Callable[[], Path] | None = None,
        forget: float = FORGET_SECONDS,
    ):
        self.max_failures, self.lockout, self.clock, self.forget = max_failures, lockout, clock, forget
        self._path = path
        self._failures: dict[str, list[float]] = {}  # used without a path, or when the file cannot be
        self._lock = threading.Lock()

    @contextmanager
    def _counts(self) -> Iterator[dict[str, list[float]]]:
        """The failure times by name, locked against this process's threads and (with a file) other processes;
        changes made in the block are saved on leaving it."""
        with self._lock:
            path = self._path() if callable(self._path) else self._path
            if path is None:
                yield self._failures
                return
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as exc:
                _warn_once(f"登录失败计数文件 {path} 无法使用（{exc}），本进程改为单独计数")
                yield self._failures
                return
            with os.fdopen(fd, "r+", encoding="utf-8") as f:
                fcntl.flock(f, fcntl.LOCK_EX)  # released when the file is closed
                counts = _parse(f.read())
                yield counts
                self._prune(counts)
                f.seek(0)
                f.truncate()
                f.write(json.dumps(counts, ensure_ascii=False))

    def _prune(self, counts: dict[str, list[float]]) -> None:
        now = self.clock()
        for key in [k for k, times in counts.items() if not times or now - times[-1] > self.forget]:
            del counts[key]
        if len(counts) > MAX_NAMES:
            for key in sorted(counts, key=lambda k: counts[k][-1])[: len(counts) - MAX_NAMES]:
                del counts[key]

    def _wait(self, counts: dict[str, list[float]], key: str) -> float:
        times = counts.get(key, [])
        if len(times) < self.max_failures:
            return 0.0
        # min(): a wall clock set back must not lengthen the wait beyond one lockout
        left = min(times[-1] + self.lockout - self.clock(), self.lockout)
        if left <= 0:
            counts.pop(key, None)
            return 0.0
        return left

    def wait_seconds(self, name: str) -> float:
        """Seconds until `name` may try again (0 when allowed)."""
        with self._counts() as counts:
            return self._wait(counts, _key(name))

    def begin(self, name: str) -> tuple[float, int]:
        """Atomically: (seconds to wait, 0) when `name` is locked out, else (0, failures left after this attempt)
        with the attempt already counted as a failure until `succeeded` clears it."""
        key = _key(name)
        with self._counts() as counts:
            wait = self._wait(counts, key)
            if wait > 0:
                return wait, 0
            times = counts.setdefault(key, [])
            times.append(self.clock())
            del times[: -self.max_failures]  # only the last few times matter
            return 0.0, self.max_failures - len(times)

    def failures(self, name: str) -> int:
        with self._counts() as counts:
            return len(counts.get(_key(name), []))

    def succeeded(self, name: str) -> None:
        with self._counts() as counts:
            counts.pop(_key(name), None)


def _parse(text: str) -> dict[str, list[float]]:
    """The saved counts; a damaged file (a crash mid-write) counts as empty rather than blocking every sign-in."""
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError:
        data = None
    if not isinstance(data, dict):
        _warn_once("登录失败计数文件内容损坏，已重新开始计数")
        return {}
    return {str(k): [float(t) for t in v if isinstance(t, int | float)] for k, v in data.items() if isinstance(v, list)}


def _warn_once(message: str) -> None:
    with _logged_lock:
        if message in _logged:
            return
        _logged.add(message)
    log.warning(message)


def _key(name: str) -> str:
    return name.strip().lower()


def shared_failures_path() -> Path:
    """Where every process of this installation counts sign-in failures: a file in the state dir."""
    return importlog.state_dir() / FAILURES_FILE


limiter = RateLimiter(path=shared_failures_path)


@dataclass(frozen=True)
class SignIn:
    ok: bool
    message: str
    user: str | None = None


def sign_in(cfg: StaffConfig, name: str, password: str, limit: RateLimiter | None = None) -> SignIn:
    """Check a name and password against the configured hashes, refusing while the name is locked out."""
    limit = limit or limiter
    name = name.strip()
    if not cfg.users:
        return SignIn(False, "没有配置工作人员账号，上传已停用")
    wait, left = limit.begin(name)  # counted before the slow hash check, so parallel guesses cannot all pass
    if wait > 0:
        return SignIn(False, f"失败次数过多，请 {int(wait) + 1} 秒后再试")
    stored = cfg.users.get(name)
    try:
        # An unknown name is checked against a dummy hash, so timing does not tell which names exist.
        _hasher.verify(stored or _DUMMY_HASH, password)
        ok = stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok:
        more = f"，再错 {left} 次需等待 {int(limit.lockout)} 秒" if left > 0 else f"，请 {int(limit.lockout)} 秒后再试"
        return SignIn(False, "用户名或密码不正确" + more)
    limit.succeeded(name)
    return SignIn(True, f"已登录：{name}", name)


HOW_TO_ENABLE = (
    "上传已停用：还没有配置工作人员账号（系统没有默认密码）。启用方法：管理员在服务器上运行 "
    "`uv run gydash hash-password` 生成密码哈希，按 `.streamlit/secrets.toml.example` 的格式写入 "
    "`.streamlit/secrets.toml` 的 `[gydash_staff]` 节，然后刷新本页。在此之前可以用命令行 "
    "`uv run gydash import 文件 --dataset 数据集` 导入。已配置仍看到此提示时，请查看服务器日志。"
)


def log_problems(cfg: StaffConfig) -> None:
    """Write each configuration problem to the server log once (a page rerun must not repeat it)."""
    with _logged_lock:
        fresh = [p for p in cfg.problems if p not in _logged]
        _logged.update(fresh)
    for problem in fresh:
        log.warning("工作人员账号配置（.streamlit/secrets.toml [%s]）：%s", SECTION, problem)


def email_allowed(cfg: StaffConfig, email: str | None) -> bool:
    return bool(email) and email.strip().lower() in cfg.emails


def hash_password_cli(stdin: bool = False) -> int:
    """`gydash hash-password`: ask for a password twice (or read one line from stdin) and print its hash."""
    import getpass
    import sys

    if stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("新密码：")
        if getpass.getpass("再输入一次：") != password:
            print("两次输入的密码不一致，未生成。", file=sys.stderr)
            return 1
    if len(password) < 8:
        print("密码至少 8 个字符，未生成。", file=sys.stderr)
        return 1
    hashed = hash_password(password)
    print(hashed)
    example = f'users = {{ "用户名" = "{hashed}" }}'
    print(f"\n写入 .streamlit/secrets.toml 的 [{SECTION}] 节，例如：\n{example}", file=sys.stderr)
    return 0
