"""Simulate a loyalty program over a synthetic population before launching it.

    python examples/simulate.py                      # 100 000 members, one year
    python examples/simulate.py --members 20000 --days 90 --chart build/sim.png

Members arrive over the year (a third of them through a referral link), buy with a heavy-tailed
amount distribution, redeem points, return some orders and send each other points. A spring
campaign doubles accrual for six weeks, an NPS survey wave runs mid-year, and members take
rewards from a small catalogue (a mug in limited stock, a lounge pass for Lions), cancelling a
few. At the end it prints the liability, the cost of points as a share of revenue, the tier
distribution, the top referrers, the NPS and the rewards taken; with matplotlib installed it
saves a chart of liability, tier counts, campaign cost and reward stock over time. The population model is `loyalty.sim` (see its docs).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from decimal import Decimal
from typing import Any, Dict, Optional

from loyalty.sim import DAY, START, Population, Simulation, simulate

PROGRAM: Dict[str, Any] = {
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
    "rewards": [{"name": "Coffee mug", "points": "20", "stock": 400},
                {"name": "Lounge pass", "points": "200", "levels": ["Lion"]}],
}


def report(sim: Simulation, seconds: float) -> None:
    e = sim.engine
    t = e.totals()
    share = t.issued / sim.revenue * 100 if sim.revenue else Decimal(0)
    print(f"{sim.population.members} members, {sim.orders} orders over {sim.population.days} days ({seconds:.1f} s)")
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
    left = ", ".join(f"{name}: {e.stock_left(name)} left" for name in ("Coffee mug",))
    print(f"rewards: {sim.redemptions} redeemed, {sim.cancellations} cancelled; {left}")
    print(f"checkouts paying with held points: {sim.checkouts} captured, {sim.abandoned} released after a failed payment")
    if sim.rejected:
        print("refused: " + ", ".join(f"{name} {n}" for name, n in sim.rejected.most_common()))


def chart(sim: Simulation, path: str) -> Optional[str]:
    """Liability, the share of members at each level, and the campaign's cost, over the days,
    with the campaign window shaded and the survey wave marked (the two events that bend the
    curves)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.ticker import FuncFormatter
    except ImportError:
        return None
    s = sim.series
    days = s["day"]
    campaign = PROGRAM["campaigns"][0]
    window = ((campaign["from"] - START) // DAY, (campaign["to"] - START) // DAY)
    survey_day = sim.population.days // 2
    thousands = FuncFormatter(lambda v, _: f"{v:,.0f}")
    fig, (ax1, ax2, ax3, ax4) = plt.subplots(4, 1, figsize=(8, 12), sharex=True)
    for ax in (ax1, ax2, ax3, ax4):  # the events are named once, in the top chart's legend
        top = ax is ax1
        ax.axvspan(*window, color="tab:orange", alpha=0.15, label="campaign: double points" if top else None)
        if sim.engine.program.get("surveys"):
            ax.axvline(survey_day, color="tab:purple", linestyle=":",
                       label="NPS survey wave (points per answer)" if top else None)
    ax1.plot(days, [float(v) for v in s["liability"]], color="tab:blue", label="liability")
    ax1.yaxis.set_major_formatter(thousands)  # plain numbers, not a 1e6 offset
    ax1.set_ylabel("points held by members")
    ax1.legend(loc="upper left", fontsize="small")
    members = s["members"]
    for key in (k for k in s if k.startswith("tier:")):
        shares = [100 * n / m if m and n else float("nan") for n, m in zip(s[key], members)]
        ax2.plot(days, shares, label=key.removeprefix("tier:"))
    ax2.set_yscale("log")  # the top levels hold a few per cent: a log scale shows them move
    ax2.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g} %"))
    ax2.set_ylabel("share of members (log)")
    ax2.legend(loc="center right", fontsize="small")
    ax3.plot(days, [float(v) for v in s["campaign_cost"]], color="tab:red", label="campaign bonus points")
    ax3.yaxis.set_major_formatter(thousands)
    ax3.set_ylabel("campaign cost (points)")
    ax4.plot(days, s["redemptions"], color="tab:green", label="rewards held (redeemed less cancelled)")
    for key in (k for k in s if k.startswith("stock:")):
        ax4.plot(days, s[key], color="tab:brown", linestyle="--", label=f"{key.removeprefix('stock:')}: stock left")
    ax4.set_ylabel("rewards")
    ax4.legend(loc="center right", fontsize="small")
    ax4.set_xlabel("day")
    fig.suptitle(
        f"{PROGRAM['name']}: {sim.population.members:,} members\n"
        "campaign cost stops growing when the window closes and falls a little as refunds take bonus back",
        fontsize="medium",
    )
    fig.tight_layout()
    fig.savefig(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--chart", default="build/simulation.png", help="where to save the chart (needs matplotlib)")
    parser.add_argument("--quiet", action="store_true", help="print the summary only: no chart, no progress bar")
    args = parser.parse_args()
    started = time.perf_counter()
    population = Population(members=args.members, days=args.days, seed=args.seed, checkout_rate=0.05)
    sim = simulate(PROGRAM, population, progress=not args.quiet)
    report(sim, time.perf_counter() - started)
    if not args.quiet:
        Path(args.chart).parent.mkdir(parents=True, exist_ok=True)
        saved = chart(sim, args.chart)
        print(f"chart saved to {saved}" if saved else "matplotlib is not installed: no chart")


if __name__ == "__main__":
    main()
