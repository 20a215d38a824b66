"""One engine or store shared by threads (a web server's pool, a progress thread): calls take
turns instead of failing with "Already borrowed", and nothing is lost."""

from __future__ import annotations

import threading
from decimal import Decimal
from pathlib import Path
from typing import Callable, List

import loyalty
from conftest import FALCON, T0

MEMBERS = 50


def hammer(workers: List[Callable[[], None]]) -> None:
    failures: List[BaseException] = []
    start = threading.Barrier(len(workers))

    def run(work: Callable[[], None]) -> None:
        start.wait()
        try:
            work()
        except BaseException as e:  # reported below, with the thread's error
            failures.append(e)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_four_threads_share_one_engine_per_call_and_in_batches() -> None:
    engine = loyalty.Engine(FALCON)
    engine.enroll_batch(list(range(1, MEMBERS + 1)), [T0] * MEMBERS, list(range(1, MEMBERS + 1)))

    def per_call(first_id: int) -> Callable[[], None]:
        def work() -> None:
            for i in range(2_000):
                engine.order(first_id + i, T0, 1 + i % MEMBERS, "10")
                engine.member(1 + i % MEMBERS)
        return work

    def batches(first_id: int) -> Callable[[], None]:
        def work() -> None:
            for b in range(4):
                ids = [first_id + b * 2_000 + i for i in range(2_000)]
                result = engine.order_batch(ids, [T0] * 2_000, [1 + i % MEMBERS for i in range(2_000)], ["1"] * 2_000)
                assert result.accepted == 2_000
        return work

    hammer([per_call(10_000), per_call(20_000), batches(30_000), batches(40_000)])
    # Every member stays a Bunny (3 %): 80 orders of 10 and 160 of 1 each.
    assert sum(engine.member(m).orders for m in range(1, MEMBERS + 1)) == 2 * 2_000 + 2 * 4 * 2_000
    assert engine.totals().issued == 2 * 2_000 * Decimal("0.30") + 2 * 4 * 2_000 * Decimal("0.03")
    engine.verify()


def test_four_threads_share_one_store(tmp_path: Path) -> None:
    store = loyalty.Store(tmp_path, FALCON, sync="never")
    store.apply({"op": "enroll", "id": 1, "at": T0, "member": 1})

    def work(first_id: int) -> Callable[[], None]:
        def run() -> None:
            for i in range(100):
                store.apply({"op": "order", "id": first_id + i, "at": T0, "member": 1, "amount": "10"})
        return run

    hammer([work(1_000 * (k + 1)) for k in range(4)])
    assert store.records == 1 + 400
    assert store.member(1).orders == 400
    # The same 400 orders one after another give the same totals (member 1 reaches Wolf).
    serial = loyalty.Engine(FALCON)
    serial.enroll(1, T0, 1)
    serial.order_batch(list(range(2, 402)), [T0] * 400, [1] * 400, ["10"] * 400)
    assert store.totals().issued == serial.totals().issued == Decimal("150.00")
