"""Staff sign-in for uploads: argon2 password hashes from secrets, tried under the lockout (gydash.access.lockout).

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

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from gydash.access import lockout, roles

SECTION = "gydash_staff"
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


@dataclass(frozen=True)
class SignIn:
    ok: bool
    message: str
    user: str | None = None


def sign_in(cfg: StaffConfig, name: str, password: str, limit: lockout.RateLimiter | None = None) -> SignIn:
    """Check a name and password against the configured hashes, refusing while the name is locked out."""
    limit = limit or lockout.limiter  # looked up per call: a test may swap in its own
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


# What every visitor reads while no staff account is set up, in Chinese only; the administrator's steps (commands and
# file names) follow under a heading of their own, folded away (gydash.ui.staff), so an official who opens the tab
# meets no command line.
UPLOAD_OFF = (
    "上传已停用：还没有配置工作人员账号（系统没有默认密码）。请系统管理员按下面的方法开启；在此之前，数据文件可由"
    "系统管理员在服务器上导入。已经配置仍看到此提示时，请系统管理员查看服务器日志。"
)
HOW_TO_ENABLE_TITLE = "系统管理员：开启上传的方法"
HOW_TO_ENABLE = (
    "在服务器上运行 `uv run gydash hash-password` 生成密码哈希，按 `.streamlit/secrets.toml.example` 的格式写入 "
    "`.streamlit/secrets.toml` 的 `[gydash_staff]` 节，然后刷新本页。在此之前可以用命令行 "
    "`uv run gydash import 文件 --dataset 数据集` 导入。"
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
