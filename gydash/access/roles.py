"""Staff roles: city staff (every area) or county staff (one county), read from the same secrets as sign-in.

In ``.streamlit/secrets.toml`` a password account is either the old ``name = "hash"`` (city staff, as every account
was before roles existed) or a table::

    [gydash_staff.users]
    zhangsan = "$argon2id$..."                                        # no role: city staff
    wangcang = { hash = "$argon2id$...", role = "county", area = "旺苍县" }

``role`` is ``city`` or ``county`` (市级 / 县区 also accepted); ``area`` is a county's full name, short name or code,
spelt as ``?area=`` accepts it. An area without a role means county staff. With OIDC, e-mails listed in
``emails`` are city staff unless ``[gydash_staff.email_roles]`` gives them a role the same way.

A role that cannot be honoured (an unknown county, a county role without an area, a city role with an area, an
unknown role) is a configuration problem: that account may not upload at all — never silently city staff — and
the problem is written to the server log and shown to signed-in staff.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from gydash.base import plan
from gydash.snapshots.column_checks import fold

SECTION = "gydash_staff"
CITY, COUNTY = "city", "county"
ROLE_WORDS = {CITY: CITY, COUNTY: COUNTY, "市级": CITY, "市": CITY, "县区": COUNTY, "县": COUNTY}
log = logging.getLogger("gydash.access.roles")
_logged: set[str] = set()


@dataclass(frozen=True)
class Role:
    kind: str  # "city" | "county"
    area: str | None = None  # the county's code for county staff

    @property
    def label(self) -> str:
        return "市级工作人员（全部县区）" if self.kind == CITY else f"县区工作人员（{plan.area_name(self.area)}）"

    def may_import(self, area_code: str | None) -> bool:
        return self.kind == CITY or area_code == self.area


CITY_STAFF = Role(CITY)


def hash_of(entry: object) -> object:
    """The password hash of a [gydash_staff] users entry: the string itself, or a table's `hash`."""
    if isinstance(entry, Mapping):
        return entry.get("hash")
    return entry


def county_code(text: object) -> str | None:
    """A county's code from its full name, short name or code (width, case and spaces folded); None otherwise."""
    if not isinstance(text, str | int) or isinstance(text, bool):
        return None
    folded = {fold(k): v for k, v in plan.area_lookup().items()}
    code = folded.get(fold(str(text)))
    return code if code in plan.counties() else None


def parse(spec: object, account: str) -> tuple[Role | None, str | None]:
    """(role, None) or (None, the problem in Chinese) for one account's entry."""
    if not isinstance(spec, Mapping):
        return CITY_STAFF, None
    raw_role, raw_area = spec.get("role"), spec.get("area")
    kind = ROLE_WORDS.get(str(raw_role).strip().lower()) if raw_role is not None else None
    if raw_role is not None and kind is None:
        return None, f"账号「{account}」的 role「{raw_role}」无法识别，应为 city（市级）或 county（县区）"
    if kind is None:
        kind = COUNTY if raw_area is not None else CITY  # no role: city staff, unless a county is named
    if kind == CITY:
        if raw_area is not None:
            return (
                None,
                f"账号「{account}」是市级账号（role = city），却填了 area「{raw_area}」：请删去 area 或改为 county",
            )
        return CITY_STAFF, None
    if raw_area is None or not str(raw_area).strip():
        return None, f"账号「{account}」是县区账号（role = county），但没有填 area（所在县区）"
    code = county_code(raw_area)
    if code is None:
        return None, (
            f"账号「{account}」的 area「{raw_area}」不是广元市的县区（市级账号请用 role = city）；"
            "可填全称（旺苍县）、简称（旺苍）或行政区划代码（510821）"
        )
    return Role(COUNTY, code), None


@dataclass(frozen=True)
class Accounts:
    """Every configured account's role; an account whose role is misconfigured is in `broken`, not `roles`."""

    roles: dict[str, Role] = field(default_factory=dict)
    broken: dict[str, str] = field(default_factory=dict)  # account → the problem

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(f"{p}；该账号暂不能导入数据" for p in self.broken.values())

    def role(self, account: str | None) -> Role | None:
        """The account's role; None when it is misconfigured or not configured at all."""
        if account is None:
            return None
        return self.roles.get(account) or self.roles.get(account.strip().lower())


def accounts(secrets: Mapping) -> Accounts:
    """Roles of the password accounts and of the OIDC e-mails in a secrets mapping (st.secrets or a dict)."""
    section = secrets.get(SECTION) or {}
    if not isinstance(section, Mapping):
        return Accounts()
    roles: dict[str, Role] = {}
    broken: dict[str, str] = {}
    users = section.get("users") or {}
    for name, entry in users.items() if isinstance(users, Mapping) else ():
        _add(roles, broken, str(name), entry)
    email_roles = section.get("email_roles") or {}
    email_roles = (
        {str(k).strip().lower(): v for k, v in email_roles.items()} if isinstance(email_roles, Mapping) else {}
    )
    emails = [str(e).strip().lower() for e in (section.get("emails") or []) if str(e).strip()]
    for email in emails:
        _add(roles, broken, email, email_roles.get(email))
    for email in email_roles.keys() - set(emails):
        broken[email] = f"邮箱「{email}」在 email_roles 中设置了角色，但不在 emails 名单中"
    result = Accounts(roles, broken)
    report(result)
    return result


def _add(roles: dict, broken: dict, account: str, entry: object) -> None:
    role, problem = parse(entry, account)
    if role is None:
        broken[account] = problem
    else:
        roles[account] = role


def report(result: Accounts) -> None:
    """Each configuration problem goes to the server log once per process (not on every page rerun)."""
    for problem in result.problems:
        if problem not in _logged:
            _logged.add(problem)
            log.warning("gydash 工作人员角色配置有误：%s", problem)


def secrets_files(explicit: str | Path | None = None) -> list[Path]:
    """Where the command line looks for secrets.toml, first found wins: --secrets, then .streamlit/secrets.toml in
    the current folder, beside app.py, and in the home folder (the places Streamlit itself reads)."""
    if explicit:
        return [Path(explicit)]
    project = Path(__file__).resolve().parents[2]
    return [
        Path.cwd() / ".streamlit/secrets.toml",
        project / ".streamlit/secrets.toml",
        Path.home() / ".streamlit/secrets.toml",
    ]


def load_secrets(explicit: str | Path | None = None) -> tuple[dict, Path | None]:
    """(secrets, the file read) for the command line; ({}, None) when there is none. ValueError (Chinese) when the
    file named or found cannot be read."""
    import tomllib

    for path in secrets_files(explicit):
        if path.is_file() or explicit:
            try:
                with open(path, "rb") as fh:
                    return tomllib.load(fh), path
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise ValueError(f"无法读取 {path}：{exc}") from exc
    return {}, None
