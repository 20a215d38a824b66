"""Differential test: random operation sequences through the engine and through a small,
deliberately simple pure-Python model of SPEC v1 (no pending, no expiry, spend basis) must give
the same errors, balances, tiers and totals after every step."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any, Dict, List, Optional, Tuple

from hypothesis import given, settings
from hypothesis import strategies as st

import loyalty

LEVELS = [("Basic", Decimal(0), Decimal("0.05"), [Decimal("0.02")]),
          ("Gold", Decimal(500), Decimal("0.1"), [Decimal("0.03"), Decimal("0.01")])]
FEE = Decimal("0.015")
CENT = Decimal("0.01")
PROGRAM = {
    "tiers": {"levels": [{"name": n, "threshold": str(t), "accrual_rate": str(r), "referral_rates": [str(x) for x in k]}
                         for n, t, r, k in LEVELS]},
    "redemption": {"max_share": "0.5"},
    "transfers": {"fee_rate": str(FEE), "min_points": "1"},
}


def down(v: Decimal) -> Decimal:
    return v.quantize(CENT, rounding=ROUND_DOWN)


class ModelError(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass
class Person:
    referrer: Optional[int]
    available: Decimal = Decimal(0)
    spend: Decimal = Decimal(0)


@dataclass
class Sale:
    buyer: int
    amount: Decimal
    points: Decimal
    cash: Decimal
    accrual: Decimal
    commissions: List[Tuple[int, Decimal]]
    refunded: Decimal = Decimal(0)
    moved: Dict[str, Decimal] = field(default_factory=dict)


class Model:
    """SPEC v1, the plain way: balances as numbers, refunds by the cumulative formula."""

    def __init__(self) -> None:
        self.people: Dict[int, Person] = {}
        self.sales: Dict[int, Sale] = {}
        self.seen: Dict[int, Tuple[Any, ...]] = {}
        self.clock = -(2**63)
        self.issued = self.redeemed = self.fees = Decimal(0)

    def level(self, m: int) -> int:
        return max(i for i, lv in enumerate(LEVELS) if lv[1] <= self.people[m].spend)

    def amount(self, v: Decimal) -> Decimal:
        if v != v.quantize(CENT):
            raise ModelError("InvalidAmount")
        return v

    def apply(self, op: Tuple[Any, ...]) -> None:
        kind, op_id, at = op[0], op[1], op[2]
        if op_id in self.seen:
            if self.seen[op_id] != op[:2] + op[3:]:
                raise ModelError("IdConflict")
            return
        if at < self.clock:
            raise ModelError("TimeWentBackwards")
        getattr(self, kind)(op_id, *op[3:])
        self.seen[op_id] = op[:2] + op[3:]
        self.clock = at

    def credit(self, m: int, points: Decimal) -> None:
        self.people[m].available += points
        self.issued += points

    def enroll(self, op_id: int, member: int, referrer: Optional[int]) -> None:
        if member in self.people:
            raise ModelError("MemberExists")
        if referrer == member:
            raise ModelError("SelfReferral")
        if referrer is not None and referrer not in self.people:
            raise ModelError("UnknownReferrer")
        self.people[member] = Person(referrer)

    def order(self, op_id: int, member: int, amount: Decimal, points: Decimal) -> None:
        if member not in self.people:
            raise ModelError("UnknownMember")
        amount, points = self.amount(amount), self.amount(points)
        if amount <= 0 or points < 0:
            raise ModelError("InvalidAmount")
        buyer = self.people[member]
        if points > 0:
            if points > amount * Decimal("0.5"):
                raise ModelError("RedemptionCap")
            if points > buyer.available:
                raise ModelError("InsufficientPoints")
        cash = amount - points
        accrual = down(cash * LEVELS[self.level(member)][2])
        commissions = []
        ref, depth = buyer.referrer, 0
        deepest = max(len(lv[3]) for lv in LEVELS)
        while ref is not None and depth < deepest:
            rates = LEVELS[self.level(ref)][3]
            if depth < len(rates) and down(cash * rates[depth]) > 0:
                commissions.append((ref, down(cash * rates[depth])))
            ref, depth = self.people[ref].referrer, depth + 1
        buyer.available -= points
        self.redeemed += points
        self.credit(member, accrual)
        for r, k in commissions:
            self.credit(r, k)
        buyer.spend += cash
        self.sales[op_id] = Sale(member, amount, points, cash, accrual, commissions)

    def refund(self, op_id: int, order: int, amount: Decimal) -> None:
        if order not in self.sales:
            raise ModelError("UnknownOrder")
        amount = self.amount(amount)
        if amount <= 0:
            raise ModelError("InvalidAmount")
        s = self.sales[order]
        if s.refunded + amount > s.amount:
            raise ModelError("RefundExceedsOrder")
        s.refunded += amount

        def move(key: str, v: Decimal) -> Decimal:
            due = v if s.refunded == s.amount else down(v * s.refunded / s.amount)
            delta = due - s.moved.get(key, Decimal(0))
            s.moved[key] = due
            return delta

        back = move("points", s.points)
        self.people[s.buyer].available += back
        self.redeemed -= back
        claw = move("accrual", s.accrual)
        self.people[s.buyer].available -= claw
        self.issued -= claw
        for i, (r, k) in enumerate(s.commissions):
            c = move(f"k{i}", k)
            self.people[r].available -= c
            self.issued -= c
        self.people[s.buyer].spend -= move("cash", s.cash)

    def transfer(self, op_id: int, sender: int, recipient: int, points: Decimal) -> None:
        if sender not in self.people or recipient not in self.people:
            raise ModelError("UnknownMember")
        if sender == recipient:
            raise ModelError("SelfTransfer")
        points = self.amount(points)
        if points <= 0:
            raise ModelError("InvalidAmount")
        if points < 1:
            raise ModelError("BelowMinimum")
        fee = down(points * FEE)
        if points + fee > self.people[sender].available:
            raise ModelError("InsufficientPoints")
        self.people[sender].available -= points + fee
        self.people[recipient].available += points
        self.fees += fee

    def adjust(self, op_id: int, member: int, points: Decimal) -> None:
        if member not in self.people:
            raise ModelError("UnknownMember")
        points = self.amount(points)
        if points == 0:
            raise ModelError("InvalidAmount")
        if points < 0 and -points > self.people[member].available:
            raise ModelError("InsufficientPoints")
        self.people[member].available += points
        self.issued += points


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
