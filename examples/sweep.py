"""Sweep program variants on Dask: what does each accrual rate, referral rate and campaign
budget cost per member over a year?

    python examples/sweep.py                              # a LocalCluster on this machine
    python examples/sweep.py --scheduler tcp://host:8786  # any Dask scheduler
    python examples/sweep.py --members 2000 --days 60     # a quick look

Every variant is the Falcon Club of examples/simulate.py with one accrual rate (Bunny's; Wolf
earns 2 points more per 100, Lion 4 more), one level-1 referral rate (on every level) and one
spring-campaign budget (0: no campaign),
simulated over the same seeded population (`loyalty.sim.Population`: 100 000 members, a year).
The results go to a CSV (one row per variant, exact decimals) and a heatmap PNG of the cost
per member and the liability per member.
"""

from __future__ import annotations

import argparse
import copy
import csv
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from loyalty.sim import Population, sweep

sys.path.insert(0, str(Path(__file__).resolve().parent))
from simulate import PROGRAM  # noqa: E402  (the base program, from the sibling example)


#: What each level earns above the entry level's accrual rate.
STEP_UP = {"Bunny": Decimal("0"), "Wolf": Decimal("0.02"), "Lion": Decimal("0.04")}


def variant(accrual_rate: str, referral_rate: str, budget: str) -> Dict[str, Any]:
    """The base program with one accrual rate (the entry level's; the others step up from it),
    one level-1 referral rate on every level, and one campaign budget (0: no campaign)."""
    program = copy.deepcopy(PROGRAM)
    program["name"] = f"accrual {accrual_rate}, referral {referral_rate}, budget {budget}"
    for level in program["tiers"]["levels"]:
        level["referral_rates"] = [referral_rate, *level.get("referral_rates", [])[1:]]
        level["accrual_rate"] = str(Decimal(accrual_rate) + STEP_UP[level["name"]])
    if Decimal(budget) == 0:
        program.pop("campaigns", None)
    else:
        for campaign in program["campaigns"]:
            campaign["budget"] = budget
    return program


def grid(accrual_rates: Sequence[str], referral_rates: Sequence[str], budgets: Sequence[str]) -> List[Dict[str, str]]:
    return [
        {"accrual_rate": accrual, "referral_rate": referral, "budget": budget}
        for budget in budgets
        for referral in referral_rates
        for accrual in accrual_rates
    ]


def write_csv(rows: List[Dict[str, Any]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({k: str(v) for k, v in row.items()} for row in rows)


def heatmap(rows: List[Dict[str, Any]], population: Population, path: Path) -> Optional[Path]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    accruals = sorted({r["accrual_rate"] for r in rows}, key=Decimal)
    referrals = sorted({r["referral_rate"] for r in rows}, key=Decimal)
    budgets = sorted({r["budget"] for r in rows}, key=Decimal)
    measures = [
        ("cost_per_member", "points issued per member"),
        ("liability_per_member", "liability per member at the end (points)"),
    ]
    fig, axes = plt.subplots(len(measures), len(budgets), figsize=(4.8 * len(budgets), 8), squeeze=False)
    for col, budget in enumerate(budgets):
        for row_index, (measure, label) in enumerate(measures):
            ax = axes[row_index][col]
            cells = {(r["referral_rate"], r["accrual_rate"]): r[measure] for r in rows if r["budget"] == budget}
            values = [[float(cells[(ref, accrual)]) for accrual in accruals] for ref in referrals]
            image = ax.imshow(values, origin="lower", cmap="viridis", aspect="auto")
            for y, ref in enumerate(referrals):
                for x, accrual in enumerate(accruals):
                    light = image.norm(values[y][x]) > 0.6  # dark text on the light end of viridis
                    ax.text(x, y, f"{cells[(ref, accrual)]:.2f}", ha="center", va="center",
                            color="black" if light else "white", fontsize=9)
            ax.set_xticks(range(len(accruals)), [f"{Decimal(v) * 100:g} %" for v in accruals])
            ax.set_yticks(range(len(referrals)), [f"{Decimal(v) * 100:g} %" for v in referrals])
            ax.set_xlabel("accrual rate (Bunny; Wolf +2, Lion +4 points)")
            ax.set_ylabel("referral commission rate (level 1)")
            campaign = "no campaign" if Decimal(budget) == 0 else f"campaign budget {Decimal(budget):,} points"
            ax.set_title(f"{label}\n{campaign}", fontsize=10)
            fig.colorbar(image, ax=ax, label="points per member")
    fig.suptitle(
        f"Cost of program variants: {population.members:,} members over {population.days} days (seed {population.seed})"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scheduler", help="address of a Dask scheduler (default: a LocalCluster here)")
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--accrual-rates", default="0.02,0.03,0.04")
    parser.add_argument("--referral-rates", default="0.01,0.02,0.03")
    parser.add_argument("--budgets", default="0,25000,250000")
    parser.add_argument("--csv", type=Path, default=Path("build/sweep.csv"))
    parser.add_argument("--png", type=Path, default=Path("build/sweep.png"))
    args = parser.parse_args()

    from dask.distributed import Client, LocalCluster

    cells = grid(args.accrual_rates.split(","), args.referral_rates.split(","), args.budgets.split(","))
    programs = [variant(**cell) for cell in cells]
    population = Population(members=args.members, days=args.days, seed=args.seed)
    started = time.perf_counter()
    if args.scheduler:
        client = Client(args.scheduler)
    else:
        client = Client(LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True))
    with client:
        summaries = sweep(programs, population, client=client, progress=True)
    rows = [{**cell, **summary} for cell, summary in zip(cells, summaries)]
    write_csv(rows, args.csv)
    saved = heatmap(rows, population, args.png)
    print(f"{len(rows)} variants of {args.members} members over {args.days} days in {time.perf_counter() - started:.0f} s")
    print(f"results: {args.csv}" + (f"; heatmap: {saved}" if saved else " (matplotlib is not installed: no heatmap)"))


if __name__ == "__main__":
    main()
