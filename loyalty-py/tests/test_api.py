"""The rest of the API: outcomes, members, engagement queries, configure, repr."""

from __future__ import annotations

from decimal import Decimal

import loyalty
from conftest import DAY, FALCON, T0


def test_falcon_outcomes_and_member_view(falcon: loyalty.Engine) -> None:
    falcon.enroll(1, T0, 1)
    falcon.enroll(2, T0, 2, referrer=1)
    falcon.enroll(3, T0 + 60, 3, referrer=2)
    out = falcon.order(10, T0 + 3600, 2, "1000.00")
    assert (out.effect, out.member, out.order) == ("ordered", 2, 10)
    assert out.accrued == Decimal("30")
    assert [(c.member, c.depth, c.points) for c in out.commissions] == [(1, 1, Decimal("10"))]
    assert {(p.source, p.target, p.points) for p in out.postings} == {
        ("issued", "available:2", Decimal("30")), ("issued", "available:1", Decimal("10"))}
    falcon.order(11, T0 + 7200, 3, "2000")
    out = falcon.order(12, T0 + DAY, 2, "1600")
    assert [(t.member, t.from_tier, t.to_tier) for t in out.tier_changes] == [(2, "Bunny", "Wolf")]
    m = falcon.member(2)
    assert (m.available, m.tier, m.qualifying, m.next_tier, m.to_next) == (Decimal("98"), "Wolf", Decimal("2600"), "Lion", Decimal("7400"))
    assert (m.referrer, m.orders, m.referrals) == (1, 2, 1)
    out = falcon.order(13, T0 + 2 * DAY, 2, "500", "98")
    assert (out.points, out.cash, out.accrued) == (Decimal("98"), Decimal("402"), Decimal("20.10"))
    out = falcon.transfer(14, T0 + 3 * DAY, 1, 3, "20")
    assert (out.effect, out.points, out.fee) == ("transferred", Decimal("20"), Decimal("0"))
    t = falcon.totals()
    assert (t.issued, t.redeemed, t.liability) == (Decimal("208.12"), Decimal("98"), Decimal("110.12"))
    # A retry returns the original outcome.
    again = falcon.order(13, T0 + 4 * DAY, 2, "500.00", "98.0")
    assert again.accrued == Decimal("20.10")
    assert falcon.member(2).available == Decimal("20.10")
    assert falcon.leaderboard(2) == [2, 3]
    assert falcon.tier_counts() == {"Bunny": 2, "Wolf": 1, "Lion": 0}
    assert falcon.member_ids() == [1, 2, 3] and len(falcon) == 3 and falcon.is_member(3) and not falcon.is_member(4)
    falcon.verify()


def test_refund_outcome(falcon: loyalty.Engine) -> None:
    falcon.enroll(1, T0, 1)
    falcon.enroll(2, T0, 2, referrer=1)
    falcon.adjust(3, T0, 2, "100", "welcome")
    falcon.order(4, T0, 2, "300", "100")
    out = falcon.refund(5, T0, 4, "100")
    assert (out.effect, out.order) == ("refunded", 4)
    assert (out.points_returned, out.accrual_clawed) == (Decimal("33.33"), Decimal("2"))
    assert [(c.member, c.points) for c in out.commissions] == [(1, Decimal("0.66"))]


def test_engagement_api() -> None:
    program = {
        "tiers": {"levels": [{"name": "Club", "threshold": "0", "accrual_rate": "0.02", "discount": "0.10"}]},
        "campaigns": [{"name": "Spring", "from": T0, "to": T0 + 30 * DAY, "categories": ["services"],
                       "discount": "0.15", "multiplier": "2", "budget": "100"}],
        "stamps": [{"name": "coffee", "category": "coffee", "min_amount": "3", "card_size": 2, "reward_points": "10"}],
        "achievements": [{"name": "First", "orders": 1, "points": "5"}],
        "birthday": {"points": "100"},
        "surveys": {"points": "10", "cooldown_days": 30},
    }
    e = loyalty.Engine(program)
    e.enroll(1, T0, 1, birthday="01-10")
    assert e.price(1, "1000", "furniture") == Decimal("900")
    assert e.price(1, lines=[("furniture", "1000"), {"category": "services", "amount": "1000"}]) == Decimal("1750")
    out = e.order(2, T0, 1, "3000", lines=[("services", "2000"), ("coffee", "1000")])
    assert out.campaign_bonuses == [("Spring", Decimal("40"))]
    assert e.campaign_used("Spring") == Decimal("40") and e.campaign_used("Autumn") == Decimal("0")
    assert out.stamps == ["coffee"]
    assert out.achievements == [(1, "First", Decimal("5"))]
    out = e.order(3, T0, 1, "5", lines=[("coffee", "5")])
    assert out.stamp_rewards == Decimal("10")
    m = e.member(1)
    assert (m.stamps, m.achievements, m.orders) == ({"coffee": 0}, ["First"], 2)
    e.tick(T0 + 10 * DAY)
    assert e.member(1).available == Decimal("60") + Decimal("40") + Decimal("5") + Decimal("0.10") + Decimal("10") + Decimal("100")
    assert e.survey(4, T0 + 10 * DAY, 1, 9, "hair").points == Decimal("10")
    assert e.survey(5, T0 + 11 * DAY, 1, 3).points == Decimal("0")
    nps = e.nps()
    assert (nps.promoters, nps.passives, nps.detractors, nps.responses, nps.score) == (1, 0, 1, 2, Decimal("0.0"))
    assert e.nps(segment="hair").score == Decimal("100.0")
    assert e.nps(member_kind="new").responses == 0
    assert e.nps(from_=T0 + 11 * DAY).responses == 1
    assert e.nps(segment="spa").score is None
    assert "score=None" in repr(e.nps(segment="spa"))


def test_configure_and_apply(falcon: loyalty.Engine) -> None:
    falcon.enroll(1, T0, 1)
    falcon.configure(2, T0, {**FALCON, "pending_days": 3})
    falcon.order(3, T0, 1, "100")
    assert falcon.member(1).pending == Decimal("3")
    out = falcon.apply({"op": "order", "id": 4, "at": T0 + 3 * DAY, "member": 1, "amount": Decimal("100")})
    assert out.effect == "ordered"
    assert falcon.member(1).available == Decimal("3")
    assert falcon.tick(T0 + 6 * DAY).effect == "ticked"
    assert falcon.member(1).available == Decimal("6")


def test_reprs_are_readable(falcon: loyalty.Engine) -> None:
    falcon.enroll(1, T0, 1)
    falcon.enroll(2, T0, 2, referrer=1)
    out = falcon.order(3, T0, 2, "1000")
    assert repr(out) == "Outcome(effect='ordered', member=2, accrued=Decimal('30.00'), commissions=[(1, Decimal('10.00'))])"
    assert repr(out.commissions[0]) == "Commission(member=1, depth=1, points=Decimal('10.00'))"
    assert repr(falcon.member(2)) == "Member(member=2, available=Decimal('30.00'), pending=Decimal('0.00'), tier='Bunny', qualifying=Decimal('1000.00'))"
    assert repr(falcon).startswith("Engine(program='Falcon Club', members=2")
    assert "Posting(source='issued'" in repr(out.postings[0])
