"""Differential test: random operation sequences through the engine and through a small,
deliberately simple pure-Python model of SPEC v1 (no pending, no expiry, spend basis) must give
the same errors, balances, tiers and totals after every step."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, List, Tuple

from hypothesis import given, settings
from hypothesis import strategies as st

import loyalty
from model import LEVELS, PROGRAM, Model, ModelError


def call(engine: loyalty.Engine, op: Tuple[Any, ...]) -> None:
    kind, op_id, at, *args = op
    if kind == "enroll":
        engine.enroll(op_id, at, args[0], args[1])
    elif kind == "order":
        engine.order(op_id, at, args[0], args[1], args[2])
    elif kind == "refund":
        engine.refund(op_id, at, args[0], args[1])
    elif kind == "transfer":
        engine.transfer(op_id, at, args[0], args[1], args[2])
    else:
        engine.adjust(op_id, at, args[0], args[1])


members = st.integers(1, 6)  # 6 is never enrolled
money = st.integers(1, 200_000).map(lambda c: Decimal(c) / 100) | st.sampled_from([Decimal("0"), Decimal("1.005")])
points = st.sampled_from([Decimal(0), Decimal(0), Decimal("3"), Decimal("10.5"), Decimal("40")])
# An id of 0 means "the next fresh id"; a small id repeats an earlier operation's id (a retry
# or a conflict); refunds name an earlier operation as their order.
op_ids = st.integers(0, 3).map(lambda i: 0 if i else -1)
step = st.integers(0, 3)
operations = st.one_of(
    st.tuples(st.just("enroll"), op_ids, step, members, st.none() | members),
    st.tuples(st.just("order"), op_ids, step, members, money, points),
    st.tuples(st.just("order"), op_ids, step, members, money, points),
    st.tuples(st.just("refund"), op_ids, step, st.integers(0, 40), st.integers(1, 50_000).map(lambda c: Decimal(c) / 100)),
    st.tuples(st.just("transfer"), op_ids, step, members, members, points | st.integers(50, 3000).map(lambda c: Decimal(c) / 100)),
    st.tuples(st.just("adjust"), op_ids, step, members, st.integers(-5000, 5000).map(lambda c: Decimal(c) / 100)),
)
#: Members 1..5, in two referral chains, with some points, before the random operations.
SETUP = [("enroll", 1, 0, 1, None), ("enroll", 2, 0, 2, 1), ("enroll", 3, 0, 3, 2), ("enroll", 4, 0, 4, None),
         ("enroll", 5, 0, 5, 4)] + [("adjust", 10 + m, 0, m, Decimal("150")) for m in range(1, 6)]


@settings(max_examples=200, deadline=None)
@given(st.lists(operations, min_size=10, max_size=60), st.randoms(use_true_random=False))
def test_engine_agrees_with_the_model(ops: List[Tuple[Any, ...]], rng: Any) -> None:
    engine, model = loyalty.Engine(PROGRAM), Model()
    at = 1767225600
    sent: List[Tuple[Any, ...]] = []
    accepted = 0
    for n, raw in enumerate(SETUP + ops):
        at += raw[2] * 3600 - (3600 if raw[2] == 3 else 0) * 2  # now and then backwards
        op_id = raw[1] if n < len(SETUP) else 100 + n
        if raw[1] == -1 and sent:
            op_id = rng.choice(sent)[1]
        args = raw[3:]
        orders = [o for o in sent if o[0] == "order"]
        if raw[0] == "refund" and orders:
            args = (orders[raw[3] % len(orders)][1],) + args[1:]
        op = (raw[0], op_id, at) + args
        sent.append(op)
        try:
            model.apply(op)
            want = None
        except ModelError as e:
            want = e.name
        try:
            call(engine, op)
            got = None
        except loyalty.LoyaltyError as e:
            got = type(e).__name__
        assert got == want, op
        accepted += got is None
        for m, person in model.people.items():
            view = engine.member(m)
            assert (view.available, view.qualifying, view.tier) == (person.available, person.spend, LEVELS[model.level(m)][0]), op
        t = engine.totals()
        assert (t.issued, t.redeemed, t.fees) == (model.issued, model.redeemed, model.fees), op
        assert t.liability == sum((p.available for p in model.people.values()), Decimal(0))
