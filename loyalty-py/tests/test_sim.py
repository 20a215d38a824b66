"""The simulation toolkit: reproducible runs, the series it returns, and sweeps on Dask that
equal a serial run exactly."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any, Dict, List

import pytest

import loyalty
from loyalty.sim import Population, member_frame, simulate, summarize, sweep

PROGRAM: Dict[str, Any] = {
    "name": "Sim Club",
    "pending_days": 3,
    "tiers": {"levels": [
        {"name": "Silver", "threshold": "0", "accrual_rate": "0.03", "referral_rates": ["0.01"]},
        {"name": "Platinum", "threshold": "300", "accrual_rate": "0.05", "referral_rates": ["0.02", "0.01"]},
    ]},
    "redemption": {"max_share": "0.5"},
    "transfers": {"min_points": "1", "fee_rate": "0.01"},
    "campaigns": [{"name": "Spring", "from": 1_767_225_600, "to": 1_767_225_600 + 20 * 86_400, "multiplier": "2"}],
    "surveys": {"points": "5"},
}
SMALL = Population(members=400, days=40, seed=3, sample_every=10)


def variants() -> List[Dict[str, Any]]:
    out = []
    for rate in ("0.03", "0.06"):
        program = copy.deepcopy(PROGRAM)
        program["tiers"]["levels"][1]["accrual_rate"] = rate
        out.append(program)
    return out


def test_a_simulation_is_reproducible_and_its_series_add_up() -> None:
    first, again = simulate(PROGRAM, SMALL), simulate(PROGRAM, SMALL)
    assert first.engine.state_digest() == again.engine.state_digest()
    assert first.summary() == again.summary()
    s = first.series
    assert s["day"] == [9, 19, 29, 39]
    assert s["members"][-1] == 400 == sum(s[f"tier:{name}"][-1] for name in ("Silver", "Platinum"))
    totals = first.engine.totals()
    assert s["liability"][-1] == totals.liability == totals.issued - totals.redeemed - totals.expired - totals.fees
    assert s["campaign_cost"][-1] == first.engine.campaign_used("Spring") > 0
    assert all(isinstance(v, Decimal) for v in s["revenue"] + s["issued"] + s["liability"])
    assert s["orders"][-1] == first.orders > 0
    assert first.rejected["InsufficientPoints"] > 0  # redemptions by members with too few points
    assert simulate(PROGRAM, Population(members=400, days=40, seed=4)).summary() != first.summary()


def test_members_come_out_as_frames() -> None:
    np = pytest.importorskip("numpy")
    frame = member_frame(simulate(PROGRAM, SMALL).engine)
    assert frame["member"].dtype == np.uint64 and len(frame["member"]) == 400
    assert isinstance(frame["available"][0], Decimal)


def test_money_and_points_come_out_as_exact_int64_minor_units() -> None:
    np = pytest.importorskip("numpy")
    run = simulate(PROGRAM, SMALL)
    minor = run.series_minor()
    for key in ("revenue", "issued", "redeemed", "expired", "liability", "campaign_cost"):
        assert minor[key].dtype == np.int64, key
        assert [Decimal(int(v)).scaleb(-2) for v in minor[key]] == run.series[key], key
    assert list(minor["day"]) == run.series["day"]
    frame = member_frame(run.engine)
    assert frame["available_minor"].dtype == np.int64
    assert [Decimal(int(v)).scaleb(-2) for v in frame["available_minor"]] == list(frame["available"])
    with pytest.raises(ValueError, match="0.005 is not a whole number of minor units at scale 2"):
        loyalty.sim.minor(Decimal("0.005"), 2)


def test_bad_populations_are_refused() -> None:
    with pytest.raises(ValueError, match="members"):
        Population(members=0)


def test_a_sweep_on_dask_equals_a_serial_run() -> None:
    distributed = pytest.importorskip("dask.distributed")
    programs = variants()
    serial = sweep(programs, SMALL)
    assert serial == [summarize(p, SMALL) for p in programs]
    assert serial[0]["cost_per_member"] < serial[1]["cost_per_member"]
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    with cluster, distributed.Client(cluster) as client:
        assert sweep(programs, SMALL, client=client) == serial


def test_an_engine_is_pickled_to_a_worker_and_back() -> None:
    distributed = pytest.importorskip("dask.distributed")
    engine = simulate(PROGRAM, SMALL).engine
    with distributed.Client(processes=False, n_workers=1, dashboard_address=":0") as client:
        back = client.submit(lambda e: e, engine).result()
    assert isinstance(back, loyalty.Engine) and back.state_digest() == engine.state_digest()


def test_a_catalogue_is_modelled_its_stock_never_negative_and_cancels_return_it() -> None:
    program = {**PROGRAM, "rewards": [{"name": "Mug", "points": "1", "stock": 12},
                                      {"name": "Pass", "points": "2", "levels": ["Platinum"]}]}
    population = Population(members=400, days=60, seed=5, sample_every=5, reward_rate=0.5, cancel_rate=0.5)
    run = simulate(program, population)
    s = run.series
    assert run.redemptions > 0 and run.cancellations > 0
    assert s["redemptions"][-1] == run.redemptions - run.cancellations
    assert all(0 <= left <= 12 for left in s["stock:Mug"])
    assert s["stock:Mug"][-1] == run.engine.stock_left("Mug")
    assert "stock:Pass" not in s  # unlimited: no stock column
    assert run.rejected["OutOfStock"] > 0 and run.rejected["TierTooLow"] > 0
    totals = run.engine.totals()
    assert totals.redeemed > 0 and totals.issued == totals.redeemed + totals.expired + totals.fees + totals.liability
    # A program without a catalogue draws nothing for it: no reward columns.
    assert "redemptions" not in simulate(PROGRAM, SMALL).series


def test_two_phase_checkouts_are_modelled_and_settle_every_hold() -> None:
    population = Population(members=400, days=60, seed=5, sample_every=5, checkout_rate=0.6,
                            failed_payment_rate=0.25, points_per_redemption=1)
    run = simulate(PROGRAM, population)
    s = run.series
    assert run.checkouts > 0 and run.abandoned > 0
    assert (s["checkouts"][-1], s["abandoned"][-1]) == (run.checkouts, run.abandoned)
    assert s["checkouts"] == sorted(s["checkouts"])  # counts so far never fall
    # Every hold was captured or released the same day: nothing is left held.
    assert all(run.engine.member(m).held == 0 for m in run.engine.member_ids())
    run.engine.verify()
    # Without the rate, nothing is drawn for it: the run is the run it was.
    plain = simulate(PROGRAM, SMALL)
    assert "checkouts" not in plain.series and plain.checkouts == 0
