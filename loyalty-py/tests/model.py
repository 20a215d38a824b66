"""A deliberately simple pure-Python model of SPEC v1 (no pending, no expiry, spend basis):
the reference `test_model.py` compares the engine with, and the workload `bench/bench.py`
times beside it. Plain Python: no test framework needed to import it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any, Dict, List, Optional, Tuple

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
