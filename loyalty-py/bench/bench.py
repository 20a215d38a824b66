"""Python-side speed: per-call orders in a Python loop, the batch API, and the same workload
through the pure-Python model of the tests (same results, the ratio printed).

    .venv/bin/python loyalty-py/bench/bench.py [--members 100000] [--orders 1000000]

The last lines are machine-readable: `batch_orders_per_sec` (numpy int64 columns in minor units,
`order_batch_minor`), `call_orders_per_sec` (one `order` call per row in a Python loop).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import List, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import numpy as np  # noqa: E402

import loyalty  # noqa: E402
from model import PROGRAM, Model  # noqa: E402

T0 = 1767225600


def workload(members: int, orders: int, seed: int = 5) -> List[Tuple[int, int, int, str]]:
    rng = random.Random(seed)
    return [(members + 1 + i, T0 + 1, rng.randint(1, members), f"{rng.randint(100, 100000) / 100:.2f}") for i in range(orders)]


def population(members: int) -> Tuple[loyalty.Engine, float]:
    engine = loyalty.Engine(PROGRAM)
    started = time.perf_counter()
    for m in range(1, members + 1):
        engine.enroll(m, T0, m, m - 1 if m > 1 else None)
    return engine, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    args = parser.parse_args()
    rows = workload(args.members, args.orders)

    engine, enroll_s = population(args.members)
    print(f"enroll per call: {args.members / enroll_s:,.0f}/s")

    calls = rows[: args.orders // 5]
    started = time.perf_counter()
    for op_id, at, member, amount in calls:
        engine.order(op_id, at, member, amount)
    per_call = len(calls) / (time.perf_counter() - started)
    print(f"order per call in a Python loop: {per_call:,.0f}/s ({len(calls)} orders)")

    batch_engine, _ = population(args.members)
    ids, ats, members, amounts = (list(c) for c in zip(*rows))
    started = time.perf_counter()
    result = batch_engine.order_batch(ids, ats, members, amounts, keep_outcomes=False)
    decimal_batch = len(rows) / (time.perf_counter() - started)
    assert result.accepted == len(rows)
    print(f"order_batch, Decimal/str columns (converting them included): {decimal_batch:,.0f}/s ({len(rows)} orders)")

    # The same orders from numpy int64 columns in minor units (cents): copied, not converted.
    minor_engine, _ = population(args.members)
    columns = [np.array(ids, dtype=np.int64), np.array(ats, dtype=np.int64), np.array(members, dtype=np.int64),
               np.array([int(Decimal(a) * 100) for a in amounts], dtype=np.int64)]
    started = time.perf_counter()
    result = minor_engine.order_batch_minor(*columns, keep_outcomes=False)
    batch = len(rows) / (time.perf_counter() - started)
    assert result.accepted == len(rows)
    assert minor_engine.state_digest() == batch_engine.state_digest()
    print(f"order_batch_minor, numpy int64 columns in minor units: {batch:,.0f}/s ({len(rows)} orders)")

    # The same per-call workload through the pure-Python model: same totals, and the ratio.
    model = Model()
    for m in range(1, args.members + 1):
        model.apply(("enroll", m, T0, m, m - 1 if m > 1 else None))
    started = time.perf_counter()
    for op_id, at, member, amount in calls:
        model.apply(("order", op_id, at, member, Decimal(amount), Decimal(0)))
    modelled = len(calls) / (time.perf_counter() - started)
    assert engine.totals().issued == model.issued, (engine.totals().issued, model.issued)
    print(f"pure-Python model: {modelled:,.0f}/s; same issued total {model.issued}; "
          f"engine per call is {per_call / modelled:.1f}x, batch {batch / modelled:.1f}x the model")
    # The machine-readable lines, last (issue 11's figures).
    print(f"batch_decimal_orders_per_sec={decimal_batch:.0f}")
    print(f"batch_orders_per_sec={batch:.0f}")
    print(f"call_orders_per_sec={per_call:.0f}")


if __name__ == "__main__":
    main()
