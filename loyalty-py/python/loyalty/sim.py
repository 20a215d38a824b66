"""Simulate a program over a synthetic population before launching it.

A :class:`Population` says who the members are and how they behave; :func:`simulate` drives an
engine through the horizon, day by day, and returns a :class:`Simulation` with the time series of
totals, tier counts, liability and campaign cost::

    from loyalty.sim import Population, simulate

    result = simulate(program, Population(members=100_000, days=365, seed=7), progress=True)
    result.series["liability"][-1]           # Decimal
    pandas.DataFrame(result.series)          # one row per sampled day

The model, per day (every draw from one ``random.Random(seed)``, so a run is reproducible
anywhere, in any process):

- **Arrivals.** Members join evenly over the first ``join_days`` days (the whole horizon by
  default); each joins through a referral link with ``referral_probability``, from a member who
  joined before, chosen uniformly.
- **Orders.** Each member orders ``orders_per_month`` times a month on average (so a day brings
  ``members × orders_per_month / 30`` orders, buyers drawn uniformly); amounts are log-normal
  with median ``order_median`` and shape ``order_sigma``, rounded to cents. An order tries to pay
  ``points_per_redemption`` points with ``redemption_probability`` (refused when the member has
  too few: that is counted, not an error).
- **Refunds.** Each day ``refund_rate / 30`` of the orders so far come back (ish: the rate is
  per month), half of them in full and half by half.
- **Transfers.** ``transfer_rate`` of the members send ``transfer_points`` to another member a
  month.
- **Rewards.** When the program has a catalogue, ``reward_rate`` of the members a month try
  one of its rewards (drawn uniformly; refusals such as ``OutOfStock`` or ``TierTooLow`` are
  counted), and ``cancel_rate`` of the open redemptions are cancelled a month. The series gains
  ``redemptions`` (accepted so far, less cancels) and a ``stock:NAME`` column per reward with a
  stock. Programs without rewards draw nothing for it, so their runs are as before.
- **Checkouts with a hold.** ``checkout_rate`` of the members a month pay part of an order
  with ``points_per_redemption`` points in two phases: the points are held while the card is
  charged, then the order captures them, or, for ``failed_payment_rate`` of them, the payment
  fails and the hold is released. The series gains ``checkouts`` (captured so far) and
  ``abandoned`` (released). With the default rate 0 nothing is drawn, so runs are as before.
- **A survey wave** at mid-horizon asks ``survey_share`` of the members (scores normal around
  7.6), when the program has surveys.

Amounts the model draws are floats turned into exact two-place strings before the engine sees
them; everything the engine returns is exact. Operations go through the batch calls (converted
once, run without the GIL).
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from . import Engine, LoyaltyError

DAY = 86_400
#: 2026-01-01 00:00 UTC, the default first day.
START = 1_767_225_600


@dataclass(frozen=True)
class Population:
    """Who the members are and how they behave (see the module's docs for the model)."""

    members: int = 100_000
    days: int = 365
    seed: int = 7
    start: int = START
    join_days: Optional[int] = None
    referral_probability: float = 0.33
    orders_per_month: float = 1.0
    order_median: float = 35.0
    order_sigma: float = 1.1
    redemption_probability: float = 1 / 12
    points_per_redemption: int = 25
    refund_rate: float = 0.03
    transfer_rate: float = 0.006
    transfer_points: int = 10
    survey_share: float = 0.05
    reward_rate: float = 0.02
    cancel_rate: float = 0.05
    checkout_rate: float = 0.0
    failed_payment_rate: float = 0.1
    #: Every how many days the series takes a sample (and always on the last day).
    sample_every: int = 7

    def __post_init__(self) -> None:
        if self.members < 1 or self.days < 1 or self.sample_every < 1:
            raise ValueError(f"members, days and sample_every must be ≥ 1: {self}")


@dataclass
class Simulation:
    """What a run gives: the engine at the end, the series and the counts."""

    engine: Engine
    population: Population
    #: Columns, one row per sampled day: ``day``, ``members``, ``orders``, ``revenue``,
    #: ``issued``, ``redeemed``, ``expired``, ``liability``, ``campaign_cost``, and one
    #: ``tier:NAME`` column per level (members at that level).
    series: Dict[str, List[Any]] = field(default_factory=dict)
    revenue: Decimal = Decimal(0)
    orders: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    referrals: Counter[int] = field(default_factory=Counter)
    #: Rewards redeemed and cancelled over the run.
    redemptions: int = 0
    cancellations: int = 0
    #: Two-phase checkouts captured, and released after a failed payment.
    checkouts: int = 0
    abandoned: int = 0

    def series_minor(self) -> Dict[str, Any]:
        """``series`` with the money and points columns as exact integers in minor units
        (``revenue`` at the program's ``money_scale``, the points columns at its
        ``points_scale``): numpy ``int64`` arrays when numpy is installed, so that pandas keeps
        them as ``int64`` columns rather than the ``object`` columns Decimals give."""
        program = self.engine.program
        scales = {key: program["points_scale"] for key in POINTS_COLUMNS}
        scales.update({key: program["money_scale"] for key in MONEY_COLUMNS})
        columns = {key: [minor(v, scales[key]) for v in values] if key in scales else list(values)
                   for key, values in self.series.items()}
        try:
            import numpy as np
        except ImportError:
            return columns
        return {key: np.array(values, dtype=np.int64) for key, values in columns.items()}

    def summary(self) -> Dict[str, Any]:
        """The end state in a few numbers (every value exact): a row of a sweep's table."""
        totals = self.engine.totals()
        members = self.population.members
        return {
            "members": members,
            "orders": self.orders,
            "revenue": self.revenue,
            "issued": totals.issued,
            "redeemed": totals.redeemed,
            "liability": totals.liability,
            "campaign_cost": self.series["campaign_cost"][-1],
            "cost_per_member": (totals.issued / members).quantize(Decimal("0.0001")),
            "liability_per_member": (totals.liability / members).quantize(Decimal("0.0001")),
            "state_digest": self.engine.state_digest(),
        }


#: Columns of :attr:`Simulation.series` that hold money, and that hold points.
MONEY_COLUMNS = ("revenue",)
POINTS_COLUMNS = ("issued", "redeemed", "expired", "liability", "campaign_cost")


def minor(value: Decimal, scale: int) -> int:
    """``value`` in minor units at ``scale`` (``Decimal("12.50")``, 2 → ``1250``); a value with
    more places than the scale raises ``ValueError`` rather than round."""
    shifted = Decimal(value).scaleb(scale)
    whole = int(shifted)
    if whole != shifted:
        raise ValueError(f"{value} is not a whole number of minor units at scale {scale}")
    return whole


def money(x: float) -> str:
    """A drawn float amount as an exact two-place decimal string (at least 0.01)."""
    return f"{max(x, 0.01):.2f}"


class _Run:
    def __init__(self, program: Mapping[str, Any], population: Population) -> None:
        self.p = population
        self.rng = random.Random(population.seed)
        self.sim = Simulation(Engine(program), population)
        self.campaigns = [c["name"] for c in program.get("campaigns", [])]
        self.surveys = "surveys" in program
        self.rewards = [r["name"] for r in program.get("rewards") or []]
        self.limited = [r["name"] for r in program.get("rewards") or [] if r.get("stock") is not None]
        self.open: List[int] = []  # ids of the redemptions not cancelled
        self.next_id = 0
        self.joined: List[int] = []
        self.placed: List[Tuple[int, Decimal]] = []  # (order id, amount) of accepted orders

    def ids(self, n: int) -> List[int]:
        first = self.next_id + 1
        self.next_id += n
        return list(range(first, first + n))

    def arrivals(self, day: int, at: int) -> None:
        join_days = min(self.p.join_days or self.p.days, self.p.days)
        if day >= join_days:
            return
        target = self.p.members * (day + 1) // join_days
        members = list(range(len(self.joined) + 1, target + 1))
        referrers: List[Optional[int]] = []
        for m in members:
            known = m - 1  # members 1 … m−1 joined before
            refer = known > 0 and self.rng.random() < self.p.referral_probability
            referrers.append(self.rng.randint(1, known) if refer else None)
        result = self.sim.engine.enroll_batch(self.ids(len(members)), [at] * len(members), members, referrers)
        self.count(result.errors)
        self.joined.extend(members)
        self.sim.referrals.update(r for r in referrers if r is not None)

    def purchases(self, at: int) -> None:
        n = self.poisson_count(len(self.joined) * self.p.orders_per_month / 30)
        if n == 0:
            return
        rng, mu = self.rng, math.log(self.p.order_median)
        buyers = [self.joined[rng.randrange(len(self.joined))] for _ in range(n)]
        amounts = [money(rng.lognormvariate(mu, self.p.order_sigma)) for _ in range(n)]
        redeem = str(self.p.points_per_redemption)
        points = [redeem if rng.random() < self.p.redemption_probability else "0" for _ in range(n)]
        ids = self.ids(n)
        result = self.sim.engine.order_batch(ids, [at] * n, buyers, amounts, points, keep_outcomes=False)
        for i, error in enumerate(result.errors):
            if error is None:
                amount = Decimal(amounts[i])
                self.placed.append((ids[i], amount))
                self.sim.revenue += amount
                self.sim.orders += 1
        self.count(result.errors)

    def refunds(self, at: int) -> None:
        n = self.poisson_count(len(self.placed) * self.p.refund_rate / 30)
        if n == 0:
            return
        picks = [self.placed[self.rng.randrange(len(self.placed))] for _ in range(n)]
        parts = [amount if self.rng.random() < 0.5 else (amount / 2).quantize(Decimal("0.01")) for _, amount in picks]
        result = self.sim.engine.refund_batch(self.ids(n), [at] * n, [order for order, _ in picks], parts,
                                              keep_outcomes=False)
        for part, error in zip(parts, result.errors):
            if error is None:
                self.sim.revenue -= part
        self.count(result.errors)

    def transfers(self, at: int) -> None:
        n = self.poisson_count(len(self.joined) * self.p.transfer_rate / 30)
        if n == 0:
            return
        senders = [self.joined[self.rng.randrange(len(self.joined))] for _ in range(n)]
        recipients = [self.joined[self.rng.randrange(len(self.joined))] for _ in range(n)]
        points = [str(self.p.transfer_points)] * n
        result = self.sim.engine.transfer_batch(self.ids(n), [at] * n, senders, recipients, points, keep_outcomes=False)
        self.count(result.errors)

    def redemptions(self, at: int) -> None:
        if not self.rewards:
            return
        engine = self.sim.engine
        for _ in range(self.poisson_count(len(self.joined) * self.p.reward_rate / 30)):
            member = self.joined[self.rng.randrange(len(self.joined))]
            reward = self.rewards[self.rng.randrange(len(self.rewards))]
            rid = self.ids(1)[0]
            try:
                engine.redeem(rid, at, member, reward)
            except LoyaltyError as e:
                self.sim.rejected[type(e).__name__] += 1
                continue
            self.open.append(rid)
            self.sim.redemptions += 1
        for _ in range(self.poisson_count(len(self.open) * self.p.cancel_rate / 30)):
            rid = self.open.pop(self.rng.randrange(len(self.open)))
            engine.cancel(self.ids(1)[0], at, rid)
            self.sim.cancellations += 1

    def checkouts(self, at: int) -> None:
        if self.p.checkout_rate <= 0:
            return
        engine, rng, mu = self.sim.engine, self.rng, math.log(self.p.order_median)
        points = str(self.p.points_per_redemption)
        for _ in range(self.poisson_count(len(self.joined) * self.p.checkout_rate / 30)):
            member = self.joined[rng.randrange(len(self.joined))]
            amount = money(rng.lognormvariate(mu, self.p.order_sigma))
            hold, pay = self.ids(2)
            try:
                engine.hold(hold, at, member, points)
            except LoyaltyError as e:
                self.sim.rejected[type(e).__name__] += 1
                continue
            failed = rng.random() < self.p.failed_payment_rate
            if not failed:
                try:
                    engine.order(pay, at, member, amount, points, hold=hold)
                except LoyaltyError as e:  # a cap on a small order, say: the hold goes back
                    self.sim.rejected[type(e).__name__] += 1
                    failed = True
            if failed:
                engine.release(self.ids(1)[0], at, hold)
                self.sim.abandoned += 1
                continue
            self.placed.append((pay, Decimal(amount)))
            self.sim.revenue += Decimal(amount)
            self.sim.orders += 1
            self.sim.checkouts += 1

    def survey_wave(self, at: int) -> None:
        asked = self.rng.sample(self.joined, k=int(len(self.joined) * self.p.survey_share))
        for member in asked:
            score = min(10, max(0, round(self.rng.gauss(7.6, 2.2))))
            op = {"op": "survey", "id": self.ids(1)[0], "at": at, "member": member, "score": score}
            try:
                self.sim.engine.apply(op)
            except ValueError as e:  # a cooldown, say: counted like any refusal
                self.sim.rejected[type(e).__name__] += 1

    def poisson_count(self, mean: float) -> int:
        """A whole number of events with the given mean: the integer part, plus one with the
        probability of the fraction (enough for daily counts; exact in expectation)."""
        whole = int(mean)
        return whole + (1 if self.rng.random() < mean - whole else 0)

    def count(self, errors: Iterable[Optional[str]]) -> None:
        self.sim.rejected.update(e for e in errors if e is not None)

    def sample(self, day: int) -> None:
        engine, series = self.sim.engine, self.sim.series
        totals = engine.totals()
        row: Dict[str, Any] = {
            "day": day,
            "members": len(self.joined),
            "orders": self.sim.orders,
            "revenue": self.sim.revenue,
            "issued": totals.issued,
            "redeemed": totals.redeemed,
            "expired": totals.expired,
            "liability": totals.liability,
            "campaign_cost": sum((engine.campaign_used(c) for c in self.campaigns), Decimal(0)),
        }
        row.update({f"tier:{name}": n for name, n in engine.tier_counts().items()})
        if self.p.checkout_rate > 0:
            row["checkouts"] = self.sim.checkouts
            row["abandoned"] = self.sim.abandoned
        if self.rewards:
            row["redemptions"] = self.sim.redemptions - self.sim.cancellations
            row.update({f"stock:{name}": engine.stock_left(name) for name in self.limited})
        for key, value in row.items():
            series.setdefault(key, []).append(value)

    def day(self, day: int) -> None:
        at = self.p.start + day * DAY + 12 * 3600
        self.arrivals(day, at)
        self.purchases(at)
        self.refunds(at)
        self.transfers(at)
        self.redemptions(at)
        self.checkouts(at)
        if self.surveys and day == self.p.days // 2:
            self.survey_wave(at)
        last = day == self.p.days - 1
        if day % self.p.sample_every == self.p.sample_every - 1 or last:
            self.sample(day)


def simulate(program: Mapping[str, Any], population: Population = Population(), *, progress: bool = False) -> Simulation:
    """Runs ``program`` (a dict, as for :class:`Engine`) over ``population``; with ``progress``,
    shows a tqdm progress bar over the days (when tqdm is installed)."""
    run = _Run(program, population)
    days: Iterable[int] = range(population.days)
    if progress:
        try:
            from tqdm import tqdm  # type: ignore[import-untyped, unused-ignore]

            days = tqdm(days, desc=program.get("name", "simulation"), unit="day")
        except ImportError:
            pass
    for day in days:
        run.day(day)
    run.sim.engine.verify()
    return run.sim


def member_frame(engine: Engine) -> Dict[str, Any]:
    """The members as columns: numpy arrays for the integer columns when numpy is installed
    (object arrays of Decimal for amounts, so nothing turns into a float), lists otherwise.
    Ready for ``pandas.DataFrame(...)`` or ``polars.DataFrame(...)``."""
    columns: Dict[str, Any] = engine.member_columns()
    try:
        import numpy as np
    except ImportError:
        return columns
    for key in ("member", "orders", "referrals"):
        columns[key] = np.array(columns[key], dtype=np.uint64)
    for key in ("referrer", "tier", "available", "pending", "qualifying"):
        columns[key] = np.array(columns[key], dtype=object)
    # Points are always whole at the points scale: exact int64 columns beside the Decimal ones.
    scale = engine.program["points_scale"]
    for key in ("available", "pending"):
        columns[f"{key}_minor"] = np.array([minor(v, scale) for v in columns[key]], dtype=np.int64)
    return columns


def summarize(program: Mapping[str, Any], population: Population) -> Dict[str, Any]:
    """One simulation, reduced to :meth:`Simulation.summary` (small enough to send back from a
    worker process)."""
    return simulate(program, population).summary()


def sweep(
    programs: Sequence[Mapping[str, Any]],
    population: Population = Population(),
    *,
    client: Any = None,
    progress: bool = False,
) -> List[Dict[str, Any]]:
    """Simulates every program over the same population and returns their summaries, in the
    order of ``programs``. With a ``dask.distributed.Client`` the simulations run on its
    workers (a ``LocalCluster`` or any scheduler); without one, here, one after another. The
    results are the same either way: every simulation is seeded by the population alone."""
    bar = _progress(len(programs), progress)
    if client is None:
        rows = []
        for program in programs:
            rows.append(summarize(program, population))
            bar.update(1)
        bar.close()
        return rows
    from dask.distributed import as_completed  # type: ignore[import-not-found, unused-ignore]

    futures = client.map(summarize, programs, population=population, pure=False)
    for _ in as_completed(futures):  # type: ignore[no-untyped-call, unused-ignore]
        bar.update(1)
    bar.close()
    rows = client.gather(futures)
    return list(rows)


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, show: bool) -> Any:
    if show:
        try:
            from tqdm import tqdm  # type: ignore[import-untyped, unused-ignore]

            return tqdm(total=total, desc="simulations", unit="sim")
        except ImportError:
            pass
    return _NoBar()
