"""Simulate a loyalty program over a synthetic population before launching it.

    python examples/simulate.py                      # 100 000 members, one year
    python examples/simulate.py --members 20000 --days 90 --chart sim.png

Members arrive over the year (a third of them through a referral link), buy with a heavy-tailed
amount distribution, redeem points, return some orders and send each other points. A spring
campaign doubles accrual for six weeks, and an NPS survey wave runs mid-year. At the end it
prints the liability, the cost of points as a share of revenue, the tier distribution, the top
referrers and the NPS; with matplotlib installed it saves a chart of liability, tier counts and
campaign cost over time.

Orders go through the batch API (converted once, run without the GIL); the random numbers that
make up the synthetic population are floats, turned into exact decimal strings before the
engine sees them.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from decimal import Decimal
from typing import Dict, List, Optional, Tuple

import loyalty

DAY = 86_400
START = 1_767_225_600  # 2026-01-01 00:00 UTC

PROGRAM = {
    "name": "Falcon Club",
    "pending_days": 14,
    "expiry_days": 365,
    "tiers": {"levels": [
        {"name": "Bunny", "threshold": "0", "accrual_rate": "0.03", "referral_rates": ["0.01"]},
        {"name": "Wolf", "threshold": "1000", "accrual_rate": "0.05", "referral_rates": ["0.02"]},
        {"name": "Lion", "threshold": "4000", "accrual_rate": "0.07", "referral_rates": ["0.03", "0.01"]},
    ]},
    "redemption": {"max_share": "0.5", "min_points": "10"},
    "transfers": {"min_points": "10", "fee_rate": "0.01", "daily_limit": "1000"},
    "campaigns": [{"name": "Spring double points", "from": START + 80 * DAY, "to": START + 122 * DAY,
                   "multiplier": "2", "budget": "250000"}],
    "surveys": {"points": "20", "cooldown_days": 90},
}


def money(x: float) -> str:
    """A synthetic float amount as an exact two-place decimal string."""
    return f"{max(x, 0.01):.2f}"


class Simulation:
    def __init__(self, members: int, days: int, seed: int) -> None:
        self.engine = loyalty.Engine(PROGRAM)
        self.rng = random.Random(seed)
        self.members, self.days = members, days
        self.next_id = 1
        self.joined: List[int] = []
        self.referrals: Counter[int] = Counter()
        self.orders: List[Tuple[int, Decimal]] = []  # (order id, amount)
        self.revenue = Decimal(0)
        self.rejected: Counter[str] = Counter()
        self.series: List[Tuple[int, Decimal, Dict[str, int], Decimal]] = []

    def op_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def arrivals(self, day: int, at: int) -> None:
        # Arrivals grow over the year; the last day tops the population up to its size.
        left_days = self.days - day
        n = (self.members - len(self.joined)) // left_days if left_days > 0 else 0
        for _ in range(n):
            member = len(self.joined) + 1
            referrer = self.rng.choice(self.joined) if self.joined and self.rng.random() < 0.33 else None
            self.engine.enroll(self.op_id(), at, member, referrer)
            self.joined.append(member)
            if referrer is not None:
                self.referrals[referrer] += 1

    def purchases(self, at: int) -> None:
        # Each member buys about once a month; amounts are log-normal (median ~35, long tail).
        count = len(self.joined) // 30
        if count == 0:
            return
        buyers = [self.rng.choice(self.joined) for _ in range(count)]
        amounts = [money(self.rng.lognormvariate(3.55, 1.1)) for _ in range(count)]
        ids = [self.op_id() for _ in range(count)]
        # One order in twelve tries to pay part with points (some will be refused: not enough).
        points = ["25" if self.rng.random() < 1 / 12 else "0" for _ in range(count)]
        result = self.engine.order_batch(ids, [at] * count, buyers, amounts, points, keep_outcomes=False)
        for i, error in enumerate(result.errors):
            if error is None:
                amount = Decimal(amounts[i])
                self.orders.append((ids[i], amount))
                self.revenue += amount
            else:
                self.rejected[error] += 1

    def returns_and_gifts(self, at: int) -> None:
        for _ in range(len(self.orders) // 2000):  # about 3 % of orders come back
            order, amount = self.rng.choice(self.orders)
            part = amount if self.rng.random() < 0.5 else (amount / 2).quantize(Decimal("0.01"))
            try:
                self.engine.refund(self.op_id(), at, order, part)
                self.revenue -= part
            except loyalty.LoyaltyError as e:  # already refunded
                self.rejected[type(e).__name__] += 1
        for _ in range(len(self.joined) // 5000):
            sender, recipient = self.rng.choice(self.joined), self.rng.choice(self.joined)
            try:
                self.engine.transfer(self.op_id(), at, sender, recipient, "10")
            except loyalty.LoyaltyError as e:
                self.rejected[type(e).__name__] += 1

    def survey_wave(self, at: int) -> None:
        for member in self.rng.sample(self.joined, k=len(self.joined) // 20):
            score = min(10, max(0, round(self.rng.gauss(7.6, 2.2))))
            self.engine.survey(self.op_id(), at, member, score, self.rng.choice(["store", "online"]))

    def run(self) -> None:
        for day in range(self.days):
            at = START + day * DAY + 12 * 3600
            self.arrivals(day, at)
            self.purchases(at)
            self.returns_and_gifts(at)
            if day == self.days // 2:
                self.survey_wave(at)
            if day % 7 == 6 or day == self.days - 1:
                totals = self.engine.totals()
                used = self.engine.campaign_used("Spring double points")
                self.series.append((day, totals.liability, self.engine.tier_counts(), used))
        self.engine.verify()


def report(sim: Simulation, seconds: float) -> None:
    e = sim.engine
    t = e.totals()
    cost = t.issued * Decimal(PROGRAM.get("point_value", "1"))  # type: ignore[arg-type]
    share = cost / sim.revenue * 100 if sim.revenue else Decimal(0)
    print(f"{len(sim.joined)} members, {len(sim.orders)} orders over {sim.days} days ({seconds:.1f} s)")
    print(f"revenue {sim.revenue:,.2f}; points issued {t.issued:,.2f} = {share:.2f} % of revenue")
    print(f"liability {t.liability:,.2f}; redeemed {t.redeemed:,.2f}; expired {t.expired:,.2f}; fees {t.fees:,.2f}")
    print(f"spring campaign cost {e.campaign_used('Spring double points'):,.2f} points")
    print("tiers: " + ", ".join(f"{name} {count}" for name, count in e.tier_counts().items()))
    print("top referrers (member: referrals, points held):")
    for member, count in sim.referrals.most_common(5):
        print(f"  {member}: {count}, {e.member(member).available}")
    for kind in ("new", "regular"):
        nps = e.nps(member_kind=kind)
        print(f"NPS {kind}: {nps.score} ({nps.responses} answers)")
    if sim.rejected:
        print("refused: " + ", ".join(f"{name} {n}" for name, n in sim.rejected.most_common()))


def chart(sim: Simulation, path: str) -> Optional[str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    days = [d for d, _, _, _ in sim.series]
    fig, (ax1, ax2, ax3) = plt.subplots(3, 1, figsize=(8, 9), sharex=True)
    ax1.plot(days, [float(l) for _, l, _, _ in sim.series])
    ax1.set_ylabel("liability (points)")
    for name in sim.series[-1][2]:
        ax2.plot(days, [c[name] for _, _, c, _ in sim.series], label=name)
    ax2.set_ylabel("members")
    ax2.legend()
    ax3.plot(days, [float(u) for _, _, _, u in sim.series], color="tab:red")
    ax3.set_ylabel("campaign cost (points)")
    ax3.set_xlabel("day")
    fig.suptitle(f"{PROGRAM['name']}: {len(sim.joined)} members")
    fig.tight_layout()
    fig.savefig(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--chart", default="simulation.png", help="where to save the chart (needs matplotlib)")
    parser.add_argument("--quiet", action="store_true", help="print the summary only, no chart")
    args = parser.parse_args()
    started = time.perf_counter()
    sim = Simulation(args.members, args.days, args.seed)
    sim.run()
    report(sim, time.perf_counter() - started)
    if not args.quiet:
        saved = chart(sim, args.chart)
        print(f"chart saved to {saved}" if saved else "matplotlib is not installed: no chart")


if __name__ == "__main__":
    main()
