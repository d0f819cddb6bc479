"""The sample's shared roster of organisations, with checksum-valid GB 32100-2015 统一社会信用代码."""

from __future__ import annotations

import random
from dataclasses import dataclass

from gydash.snapshots.sample_common import AREA_CODES, COUNTIES

# GB 32100-2015 统一社会信用代码
UCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 symbols: no I, O, Z, S, V

UCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code (positions 9-17)


def credit_code_check_char(first17: str) -> str:
    """Return the 18th (check) character of a 统一社会信用代码 per GB 32100-2015."""
    total = sum(UCC_CHARS.index(c) * w for c, w in zip(first17, UCC_WEIGHTS, strict=True))
    return UCC_CHARS[(31 - total % 31) % 31]


def _org_code(rng: random.Random) -> str:
    """A GB 11714 organisation code: 8 body characters and its own check character."""
    if rng.random() < 0.6:  # codes issued since 2015 in Sichuan mostly start with MA6
        body = "MA6" + "".join(rng.choice(UCC_CHARS) for _ in range(5))
    else:  # older firms kept their numeric organisation code
        body = "".join(rng.choice("0123456789") for _ in range(8))
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def make_credit_code(rng: random.Random, area: str, social_org: bool) -> str:
    """A plausible, checksum-valid credit code: 91 = 工商/企业, 51 = 民政/社会团体."""
    first17 = ("51" if social_org else "91") + AREA_CODES[area] + _org_code(rng)
    return first17 + credit_code_check_char(first17)


def _corrupt_check_char(code: str) -> str:
    """Same code with a wrong 18th character (to plant the one checksum warning)."""
    return code[:17] + UCC_CHARS[(UCC_CHARS.index(code[17]) + 7) % 31]


# The coverage ledger, event organisers, borrowers and commended units all come from this roster, so names agree.
NEVER = 99  # a round index that never comes

ROUNDS = ("2023-03", "2023-10", "2024-03", "2024-10", "2025-03", "2025-10", "2026-03", "2026-10")

INITIAL_ORGS = {
    "利州区": 25,
    "昭化区": 15,
    "朝天区": 15,
    "旺苍县": 20,
    "青川县": 15,
    "剑阁县": 22,
    "苍溪县": 24,
}

JOINERS = {
    "利州区": (4,),
    "昭化区": (2,),
    "朝天区": (5,),
    "旺苍县": (3, 6),
    "青川县": (4,),
    "剑阁县": (2, 5),
    "苍溪县": (3, 7),
}  # rounds in which newly registered organisations enter the ledger

# Uncovered organisations per county as (work coverage from round, organisation from round, party members).
# Most counties reach zero by 2025-10 (index 5); 旺苍县 and 剑阁县 still have some in 2026-10.
# Members >= 3 while still without an organisation are the planted 应建未建 cases.
UNCOVERED = {
    "利州区": ((1, 1, 1), (2, 3, 1), (2, 2, 3), (3, 3, 2), (4, 5, 1)),
    "昭化区": ((1, 2, 1), (3, 3, 1), (5, 5, 2)),
    "朝天区": ((2, 2, 1), (3, 4, 2), (4, 4, 3), (5, 5, 1)),
    "旺苍县": ((1, 1, 2), (2, 3, 1), (3, 3, 1), (4, 4, 1), (6, 6, 2), (NEVER, NEVER, 3)),
    "青川县": ((2, 3, 1), (4, 4, 2), (5, 5, 2)),
    "剑阁县": ((1, 1, 1), (2, 2, 2), (3, 4, 1), (4, 4, 1), (5, 5, 3), (NEVER, NEVER, 1), (NEVER, NEVER, 2)),
    "苍溪县": ((1, 2, 4), (2, 2, 1), (3, 3, 1), (4, 4, 2), (5, 5, 1)),
}

NAME_CORES = (
    "天华",
    "蜀道",
    "嘉陵",
    "翠云",
    "明月",
    "剑门",
    "白龙",
    "米仓",
    "凤凰",
    "利源",
    "川北",
    "金凤",
    "宏达",
    "瑞丰",
    "九州",
    "中孚",
    "昭阳",
    "云峰",
    "清风",
    "东坝",
    "宝轮",
    "元坝",
    "红岩",
    "龙潭",
    "盘龙",
    "雪峰",
    "亭子湖",
    "唐家河",
    "曾家山",
    "鼓城",
)

NAME_TRADES = (
    "新材料科技有限公司",
    "电子科技有限公司",
    "生物科技有限公司",
    "智能装备有限公司",
    "食品科技有限公司",
    "能源科技有限公司",
    "信息技术有限公司",
    "化工科技有限公司",
    "农业科技有限公司",
    "精密机械有限公司",
    "医药科技有限公司",
)

SOCIAL_ORGS = (
    "科技工作者协会",
    "电子商务协会",
    "农业技术推广协会",
    "科普志愿者协会",
    "青年科技人才协会",
    "中药材产业协会",
    "知识产权协会",
    "科技咨询服务中心",
)

ORG_TYPES = ("高新技术企业", "科技型中小企业", "科技社会组织")


@dataclass
class _Org:
    name: str
    area: str
    org_type: str
    credit_code: str
    employees: int
    growth: int  # employees added per round
    members: int
    mobile: int
    mobile_lag: int  # rounds before its mobile members start being placed
    joins: int = 0
    leaves: int = NEVER
    work_from: int = 0
    org_from: int = 0
    joint_anyway: bool = False  # a few with >= 3 members still sit in a joint branch ("mostly single")
    draft_uncovered: bool = False  # uncovered only in a county's first, later re-submitted file
    draft_only: bool = False  # listed only in that first file, dropped by the re-submission

    @property
    def is_enterprise(self) -> bool:
        return self.org_type != "科技社会组织"


def _new_org(rng: random.Random, area: str, names: list[str], social_left: list[str]) -> _Org:
    org_type = rng.choices(ORG_TYPES, weights=(3, 5, 2))[0]
    if org_type == ORG_TYPES[2] and not social_left:
        org_type = ORG_TYPES[1]  # ran out of association names for this county
    name = f"{area}{social_left.pop(0)}" if org_type == ORG_TYPES[2] else names.pop()
    employees, members = {
        ORG_TYPES[0]: (rng.randint(60, 400), rng.randint(2, 12)),
        ORG_TYPES[1]: (rng.randint(10, 120), rng.randint(0, 5)),
        ORG_TYPES[2]: (rng.randint(3, 30), rng.randint(0, 3)),
    }[org_type]
    return _Org(
        name=name,
        area=area,
        org_type=org_type,
        credit_code=make_credit_code(rng, area, org_type == ORG_TYPES[2]),
        employees=employees,
        growth=rng.randint(0, 6),
        members=members,
        mobile=rng.choice((0, 0, 0, 0, 1, 1, 2, 3)),
        mobile_lag=rng.randint(0, 6),
        joint_anyway=members >= 3 and rng.random() < 0.1,
    )


def _build_roster(rng: random.Random) -> dict[str, list[_Org]]:
    names = [f"{p}{core}{trade}" for core in NAME_CORES for trade in NAME_TRADES for p in ("广元", "四川")]
    rng.shuffle(names)
    roster = {}
    for area in COUNTIES:
        social_left = list(SOCIAL_ORGS)
        rng.shuffle(social_left)
        orgs = [_new_org(rng, area, names, social_left) for _ in range(INITIAL_ORGS[area])]
        for org, (work_from, org_from, members) in zip(
            rng.sample(orgs, len(UNCOVERED[area])), UNCOVERED[area], strict=True
        ):
            org.work_from, org.org_from, org.members = work_from, org_from, members
        for r in JOINERS[area]:
            orgs.append(_new_org(rng, area, names, social_left))
            orgs[-1].joins = orgs[-1].work_from = orgs[-1].org_from = r
        roster[area] = orgs
    _plant_roster_cases(rng, roster, names)
    return roster


def _plant_roster_cases(rng: random.Random, roster: dict[str, list[_Org]], names: list[str]) -> None:
    """The ledger stories the dashboard must get right."""
    # 剑阁县: a 4-member firm with only a liaison officer all along -> a lasting 应建未建 case.
    stuck = next(o for o in roster["剑阁县"] if o.work_from == 0 and o.is_enterprise)
    stuck.members, stuck.org_from, stuck.joint_anyway = 4, NEVER, False
    # 苍溪县: one firm deregistered (注销) and leaves the ledger from 2025-10.
    next(o for o in roster["苍溪县"] if o.work_from == 0).leaves = 5
    # 利州区 2026-03 is submitted twice: the first file lists a new firm still uncovered and one firm that the
    # re-submission drops; the re-submission (which wins) has the new firm covered by a joint branch.
    newcomer = _new_org(rng, "利州区", names, [])
    newcomer.org_type, newcomer.members, newcomer.joint_anyway = ORG_TYPES[1], 1, False
    newcomer.joins = newcomer.work_from = newcomer.org_from = 6
    newcomer.draft_uncovered = True
    roster["利州区"].append(newcomer)
    dropped = next(o for o in roster["利州区"] if o.work_from == 0 and o.leaves == NEVER and o.joins == 0)
    dropped.leaves, dropped.draft_only = 6, True


def _enterprises(roster: dict[str, list[_Org]], area: str) -> list[str]:
    return [o.name for o in roster[area] if o.is_enterprise and o.joins == 0]
