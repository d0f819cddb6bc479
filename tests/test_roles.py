"""Staff roles from secrets: city staff by default, county staff for one county; a role that cannot be honoured is a
configuration problem (server log, no upload), never silently city staff."""

from __future__ import annotations

import logging

import pytest

from gydash.access import auth, lockout, roles

HASH = auth.hash_password("correct horse battery")


def staff(**users) -> dict:
    return {"gydash_staff": {"users": users}}


@pytest.mark.parametrize("area", ["旺苍县", "旺苍", "510821", " 旺 苍 县 "])
def test_a_county_account_names_its_county_by_full_name_short_name_or_code(area):
    accounts = roles.accounts(staff(wc={"hash": HASH, "role": "county", "area": area}))
    assert accounts.role("wc") == roles.Role("county", "510821")
    assert accounts.role("wc").label == "县区工作人员（旺苍县）"
    assert not accounts.problems


def test_an_account_with_no_role_is_city_staff_as_before():
    accounts = roles.accounts(staff(zhangsan=HASH, lisi={"hash": HASH}))
    assert accounts.role("zhangsan") == accounts.role("lisi") == roles.CITY_STAFF
    assert roles.CITY_STAFF.may_import("510802") and roles.CITY_STAFF.may_import("510800")


def test_sign_in_accepts_an_account_written_as_a_table_with_its_role():
    cfg = auth.config(staff(wc={"hash": HASH, "role": "county", "area": "旺苍县"}))
    assert cfg.users == {"wc": HASH} and not cfg.problems
    assert auth.sign_in(cfg, "wc", "correct horse battery", lockout.RateLimiter()).ok


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ({"hash": HASH, "role": "county"}, "没有填 area"),
        ({"hash": HASH, "role": "county", "area": "成都"}, "不是广元市的县区"),
        ({"hash": HASH, "role": "county", "area": "广元市"}, "不是广元市的县区"),
        ({"hash": HASH, "area": "绵阳"}, "不是广元市的县区"),
        ({"hash": HASH, "role": "city", "area": "旺苍县"}, "市级账号"),
        ({"hash": HASH, "role": "admin"}, "无法识别"),
    ],
)
def test_a_role_that_cannot_be_honoured_is_a_problem_and_the_account_may_not_import(entry, words, caplog):
    with caplog.at_level(logging.WARNING, logger="gydash.access.roles"):
        accounts = roles.accounts(staff(bad=entry, good=HASH))
    assert accounts.role("bad") is None and accounts.role("good") == roles.CITY_STAFF
    [problem] = accounts.problems
    assert words in problem and "bad" in problem and "暂不能导入" in problem
    assert problem in caplog.text  # the server log says so too


def test_oidc_emails_get_roles_from_email_roles():
    secrets = {
        "gydash_staff": {
            "emails": ["City@example.gov.cn", "wc@example.gov.cn"],
            "email_roles": {"WC@example.gov.cn": {"role": "county", "area": "旺苍"}, "x@example.gov.cn": {}},
        }
    }
    accounts = roles.accounts(secrets)
    assert accounts.role("city@example.gov.cn") == roles.CITY_STAFF
    assert accounts.role("wc@example.gov.cn") == roles.Role("county", "510821")
    assert any("x@example.gov.cn" in p and "不在 emails 名单" in p for p in accounts.problems)
