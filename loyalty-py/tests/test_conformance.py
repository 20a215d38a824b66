"""One meaning in three languages: every public and project scenario plays through Rust, C and
Python, and what every step gives is compared whole between the three: each outcome in full
(effect and postings), each refusal (error name and message), each member view read by an
`expect` step, the totals of `expect_totals`, and the answer of every query step (price,
leaderboard, NPS, stock left). Beside the scenario files, random programs with `point_value`
0.5 and `points_scale` above `money_scale` play a few hundred random steps each way.

Rust's trace comes from the scenario example (`--trace`, LOYALTY_SCENARIO_BIN), C's from the
ctypes runner on the C library (LOYALTY_C_LIB); scripts/test-py.sh builds both and sets them.
The Python member view is read through the `Member` getters under the core's field names, so a
name that differs between the core and Python fails here too.
"""

from __future__ import annotations

import ctypes as C
import importlib.util
import json
import os
import random
import subprocess
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any, Dict, List

import pytest

import loyalty
from conftest import ROOT, scenario_files

FILES = scenario_files()


def python_trace(scenario: Dict[str, Any], view_fields: List[str]) -> List[Any]:
    try:
        engine = loyalty.Engine(scenario["program"])
    except loyalty.LoyaltyError:
        return []
    out: List[Any] = []
    for step in scenario.get("steps", []):
        if "op" in step:
            op = {k: v for k, v in step.items() if k != "expect_error"}
            try:
                outcome = engine.apply(op)
            except loyalty.LoyaltyError as e:
                out.append({"error": type(e).__name__, "message": str(e)})
                continue
            out.append(json.loads(outcome.to_json()))
        elif "expect" in step:
            try:
                member = engine.member(step["expect"]["member"])
            except loyalty.LoyaltyError as e:
                out.append({"error": type(e).__name__, "message": str(e)})
                continue
            out.append({name: plain(getattr(member, name)) for name in view_fields})
        elif "expect_totals" in step:
            t = engine.totals()
            out.append({name: str(getattr(t, name)) for name in ("issued", "redeemed", "expired", "fees", "liability", "overdraft")})
        else:
            out.append(python_query(engine, step))
    return out


def python_query(engine: loyalty.Engine, step: Dict[str, Any]) -> Dict[str, Any]:
    """A query step's answer in the form of `loyalty_core::scenario::trace`."""
    try:
        if "expect_price" in step:
            want = step["expect_price"]
            lines = want.get("lines") or [{k: want[k] for k in ("category", "amount") if k in want}]
            return {"price": str(engine.price(want["member"], lines=lines))}
        if "expect_leaderboard" in step:
            return {"leaderboard": engine.leaderboard(step["expect_leaderboard"]["n"])}
        if "expect_nps" in step:
            want = step["expect_nps"]
            r = engine.nps(from_=want.get("from"), to=want.get("to"), segment=want.get("segment"),
                           member_kind=want.get("member_kind"))
            return {"promoters": r.promoters, "passives": r.passives, "detractors": r.detractors,
                    "responses": r.responses, "score": None if r.score is None else str(r.score)}
        if "expect_stock" in step:
            return {"stock": engine.stock_left(step["expect_stock"]["reward"])}
        if "expect_expiring" in step:
            want = step["expect_expiring"]
            points, next_ = engine.expiring(want["member"], want["days"])
            return {"expiring": str(points), "next": next_}
    except loyalty.LoyaltyError as e:
        return {"error": type(e).__name__, "message": str(e)}
    raise AssertionError(f"unknown step {step}")


def plain(value: Any) -> Any:
    """A getter's value as the core's JSON writes it: decimals as exact strings."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def rust_trace(path: Path) -> List[Any]:
    binary = os.environ.get("LOYALTY_SCENARIO_BIN")
    if not binary:
        pytest.skip("LOYALTY_SCENARIO_BIN names no Rust scenario runner")
    result = subprocess.run([binary, "--trace", str(path)], capture_output=True, text=True, check=True)
    return [json.loads(line) for line in result.stdout.splitlines()]


def c_runner() -> ModuleType:
    if not os.environ.get("LOYALTY_C_LIB"):
        pytest.skip("LOYALTY_C_LIB names no C library")
    spec = importlib.util.spec_from_file_location("scenario_c_api", ROOT / "loyalty-ffi" / "tests" / "scenario_c_api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_step_gives_the_same_in_rust_c_and_python(path: Path) -> None:
    compare_bindings(path)


def compare_bindings(path: Path) -> None:
    scenario = json.loads(path.read_text())
    rust = rust_trace(path)
    c_api = c_runner()
    c = c_api.trace(c_api.Api(os.environ["LOYALTY_C_LIB"]), scenario)
    views = [v for v in rust if "member" in v and "tier" in v]
    fields = list(views[0]) if views else ["member"]
    python = python_trace(scenario, fields)
    assert len(rust) == len(c) == len(python)
    for n, (r, c_step, p) in enumerate(zip(rust, c, python), 1):
        assert c_step == r, f"step {n}: C differs from Rust"
        assert p == r, f"step {n}: Python differs from Rust"
    assert len(rust) > 0 or "expect_error" in scenario


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_c_and_python_end_in_the_same_state(path: Path) -> None:
    """Every operation of the scenario through C's JSON entry point and through Python; then the
    clock, the state digest and the level counts, as each binding reports them, agree."""
    scenario = json.loads(path.read_text())
    try:
        engine = loyalty.Engine(scenario["program"])
    except loyalty.LoyaltyError:
        return
    api = c_runner().Api(os.environ["LOYALTY_C_LIB"])
    lib = api.lib
    lib.loyalty_clock.argtypes = [C.c_void_p, C.POINTER(C.c_int64)]
    lib.loyalty_state_digest.argtypes = [C.c_void_p, C.POINTER(C.c_uint64)]
    lib.loyalty_tier_counts_json.argtypes = [C.c_void_p, C.c_char_p, C.c_size_t, C.POINTER(C.c_size_t)]
    handle = C.c_void_p()
    assert lib.loyalty_engine_new(json.dumps(scenario["program"]).encode(), C.byref(handle)) == 0
    try:
        for step in scenario.get("steps", []):
            if "op" in step:
                op = {k: v for k, v in step.items() if k != "expect_error"}
                lib.loyalty_apply_json(handle, json.dumps(op).encode(), None)
                try:
                    engine.apply(op)
                except loyalty.LoyaltyError:
                    pass
        clock, digest = C.c_int64(), C.c_uint64()
        assert lib.loyalty_clock(handle, C.byref(clock)) == 0
        assert lib.loyalty_state_digest(handle, C.byref(digest)) == 0
        buf, written = C.create_string_buffer(4096), C.c_size_t()
        assert lib.loyalty_tier_counts_json(handle, buf, len(buf), C.byref(written)) == 0
        assert (None if clock.value == -(2**63) else clock.value) == engine.clock  # INT64_MIN: no time yet
        assert digest.value == engine.state_digest()
        assert [tuple(pair) for pair in json.loads(buf.value)] == list(engine.tier_counts().items())
    finally:
        lib.loyalty_engine_free(handle)


def random_program(rng: random.Random) -> Dict[str, Any]:
    """A program where figures get more places than money has: a point is worth 0.5 and
    points have three or four places against money's two (SPEC 1 allows both)."""
    return {
        "money_scale": 2, "points_scale": rng.choice([3, 4]), "point_value": "0.5",
        "rounding": rng.choice(["down", "half_up", "half_even"]),
        "pending_days": rng.choice([0, 1]), "expiry_days": rng.choice([None, 5]),
        "tiers": {"basis": rng.choice(["spend", "points"]), "window_days": rng.choice([None, 30]), "levels": [
            {"name": "Bunny", "threshold": "0", "accrual_rate": "0.033", "referral_rates": ["0.01", "0.005"]},
            {"name": "Wolf", "threshold": "150", "accrual_rate": "0.05", "referral_rates": ["0.02"], "discount": "0.05"},
            {"name": "Lion", "threshold": "900", "accrual_rate": "0.0725", "referral_rates": ["0.03", "0.011"]},
        ]},
        "redemption": {"max_share": "0.9"},
        "transfers": {"min_points": "1", "fee_rate": "0.015", "daily_limit": "300"},
        "campaigns": [{"name": "Coffee week", "from": T0, "to": T0 + 20 * DAY, "categories": ["coffee"],
                       "multiplier": "1.5", "bonus_rate": "0.013", "discount": "0.1", "budget": "50"}],
        "stamps": [{"name": "Cups", "category": "coffee", "min_amount": "2.5", "card_size": 3, "reward_points": "4.125"}],
        "achievements": [{"name": "First", "orders": 1, "points": "1.5"}, {"name": "Big", "spend": "400"}],
        "birthday": {"points": "2.25", "days_before": 1},
        "surveys": {"points": "0.75", "cooldown_days": 2},
        "rewards": [{"name": "Mug", "points": "12.5", "stock": 4}, {"name": "Pass", "points": "40", "levels": ["Lion"]}],
        "holds": {"ttl_seconds": rng.choice([3_600, 3 * DAY])},
        "offline": {"max_points_per_order": "50"},
    }


def money(rng: random.Random, high: int) -> str:
    return f"{rng.randint(1, high * 100) / 100:.2f}"


def points(rng: random.Random, high: int) -> str:
    return f"{rng.randint(-1, high * 1000) / 1000:.3f}"


def random_step(rng: random.Random, n: int, at: int, ids: Dict[str, List[int]]) -> Dict[str, Any]:
    """One random operation or query at `at`, with id `n`; a few are refused on purpose."""
    member = rng.randint(1, 8)
    kind = rng.choice(["enroll"] * 3 + ["order"] * 6 + ["refund", "transfer", "adjust", "survey", "redeem", "cancel",
                       "hold", "hold", "release", "capture", "capture", "offline",
                       "tick", "expect", "expect_totals", "expect_price", "expect_leaderboard", "expect_nps",
                       "expect_stock", "expect_expiring"])
    if kind == "enroll":
        step: Dict[str, Any] = {"op": "enroll", "id": n, "at": at, "member": member}
        if ids["members"] and rng.random() < 0.7:
            step["referrer"] = rng.choice(ids["members"])
        if rng.random() < 0.3:
            step["birthday"] = f"{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        ids["members"].append(member)
        return step
    if kind == "order":
        step = {"op": "order", "id": n, "at": at, "member": member, "amount": money(rng, 400)}
        if rng.random() < 0.3:
            step["points"] = points(rng, 60)
        if rng.random() < 0.3:
            coffee = money(rng, 20)
            rest = Decimal(step["amount"]) - Decimal(coffee)
            step["lines"] = [{"category": "coffee", "amount": coffee}] + ([{"amount": str(rest)}] if rest > 0 else [])
            step["amount"] = str(Decimal(coffee) + max(rest, Decimal(0)))
        ids["orders"].append(n)
        return step
    if kind == "refund":
        return {"op": "refund", "id": n, "at": at, "order": rng.choice(ids["orders"] or [999]), "amount": money(rng, 150)}
    if kind == "transfer":
        return {"op": "transfer", "id": n, "at": at, "from": member, "to": rng.randint(1, 8), "points": points(rng, 40)}
    if kind == "adjust":
        return {"op": "adjust", "id": n, "at": at, "member": member, "points": points(rng, 30), "reason": "random"}
    if kind == "survey":
        return {"op": "survey", "id": n, "at": at, "member": member, "score": rng.randint(0, 10)}
    if kind == "redeem":
        ids["redeems"].append(n)
        return {"op": "redeem", "id": n, "at": at, "member": member, "reward": rng.choice(["Mug", "Pass"]),
                "quantity": rng.randint(1, 2)}
    if kind == "cancel":
        return {"op": "cancel", "id": n, "at": at, "redemption": rng.choice(ids["redeems"] or [999])}
    if kind == "hold":
        member = rng.choice(ids["members"] or [member])
        ids["holds"].append((n, member))
        return {"op": "hold", "id": n, "at": at, "member": member, "points": points(rng, 1)}
    if kind == "release":
        return {"op": "release", "id": n, "at": at, "hold": rng.choice(ids["holds"] or [(999, 0)])[0]}
    if kind == "capture":
        ids["orders"].append(n)
        recent = ids["holds"][-1:] if rng.random() < 0.7 else ids["holds"]
        hold, holder = rng.choice(recent or [(999, member)])
        return {"op": "order", "id": n, "at": at, "member": holder if rng.random() < 0.9 else member,
                "amount": money(rng, 200), "points": points(rng, 1), "hold": hold}
    if kind == "offline":
        ids["orders"].append(n)
        return {"op": "order", "id": n, "at": at, "member": member, "amount": money(rng, 100),
                "points": points(rng, 40), "offline": {"terminal": "till-1", "recorded_at": at - rng.randint(-5, 3_600)}}
    if kind == "tick":
        return {"op": "tick", "at": at}
    if kind == "expect":
        return {"expect": {"member": member}}
    if kind == "expect_totals":
        return {"expect_totals": {}}
    if kind == "expect_price":
        return {"expect_price": {"member": member, "amount": money(rng, 90), "category": "coffee", "price": "0"}}
    if kind == "expect_leaderboard":
        return {"expect_leaderboard": {"n": 3, "members": []}}
    if kind == "expect_nps":
        return {"expect_nps": {"responses": 0}}
    if kind == "expect_expiring":
        days = rng.choice([-1, 0, 1, 7, 30, 90, 400, 36_500, 36_501])
        return {"expect_expiring": {"member": rng.randint(1, 9), "days": days, "points": "0", "next": None}}
    return {"expect_stock": {"reward": rng.choice(["Mug", "Pass", "Umbrella"]), "left": None}}


DAY = 86_400
T0 = 1_767_225_600


@pytest.mark.parametrize("seed", range(8))
def test_random_programs_give_the_same_in_rust_c_and_python(seed: int, tmp_path: Path) -> None:
    """Eighty random steps of a random program (every kind of operation and query, refusals
    included), then every member's view and the totals, compared whole between the three
    bindings, scale included."""
    rng = random.Random(seed)
    ids: Dict[str, List[int]] = {"members": [], "orders": [], "redeems": [], "holds": []}
    steps, at = [], T0
    for n in range(1, 81):
        at += rng.choice([0, 0, 3_600, DAY, 2 * DAY])
        steps.append(random_step(rng, n, at, ids))
    steps += [{"expect": {"member": m}} for m in sorted(set(ids["members"]))] + [{"expect_totals": {}}]
    path = tmp_path / f"random-{seed}.json"
    path.write_text(json.dumps({"program": random_program(rng), "steps": steps}))
    compare_bindings(path)
    # The figures did get more places than money has: the comparison covered them.
    trace = rust_trace(path)
    places = [len(str(v[f]).partition(".")[2]) for v in trace if "tier" in v for f in ("available", "qualifying")]
    assert max(places, default=0) > 2, "no member view had more places than money"
