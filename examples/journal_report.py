"""Replay a store's journal into a plain-text report (no pandas needed).

    python examples/journal_report.py            # builds a small demo store first
    python examples/journal_report.py STORE_DIR  # any store written by loyalty.Store or loyalty-store

For each member: the statement (every posting that moved their points, with a running balance),
then the program totals, after checking that replaying the journal gives the same state as the
store itself.
"""

from __future__ import annotations

import json
import sys
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Dict, List

import loyalty

DEMO = {
    "name": "Corner Bakery", "pending_days": 1,
    "tiers": {"levels": [
        {"name": "Regular", "threshold": "0", "accrual_rate": "0.05", "referral_rates": ["0.01"]},
        {"name": "Friend", "threshold": "200", "accrual_rate": "0.10"}]},
}
T0 = 1767258000


def demo_store(directory: Path) -> None:
    store = loyalty.Store(directory, DEMO)
    for op in [
        {"op": "enroll", "id": 1, "at": T0, "member": 501},
        {"op": "enroll", "id": 2, "at": T0, "member": 777, "referrer": 501},
        {"op": "order", "id": 3, "at": T0 + 600, "member": 777, "amount": "120.00"},
        {"op": "order", "id": 4, "at": T0 + 90000, "member": 777, "amount": "95.50"},
        {"op": "order", "id": 5, "at": T0 + 180000, "member": 777, "amount": "30.00", "points": "6"},
        {"op": "refund", "id": 6, "at": T0 + 180600, "order": 4, "amount": "40"},
        {"op": "transfer", "id": 7, "at": T0 + 180600, "from": 777, "to": 501, "points": "2"},
    ]:
        store.apply(op)


def main(argv: List[str]) -> int:
    if argv:
        directory = Path(argv[0])
    else:
        directory = Path(tempfile.mkdtemp(prefix="loyalty-report-"))
        demo_store(directory)
    program = json.loads((directory / "program.json").read_text())
    store = loyalty.Store(directory, program)
    journal = store.journal()
    engine = loyalty.Engine.replay(program, journal)
    assert engine.state_digest() == store.state_digest(), "the journal does not replay to the store's state"

    print(f"{program.get('name') or 'program'}: {len(journal)} records in {directory / 'journal.log'}\n")
    members: Dict[int, None] = {}
    for line in journal:
        op = json.loads(line)["op"]
        if op["op"] == "enroll":
            members[op["member"]] = None
    for member in members:
        view = engine.member(member)
        print(f"member {member} — {view.tier}, {view.available} available, {view.pending} pending")
        for entry in loyalty.statement(member, journal):
            change = Decimal(entry["available_change"]) or Decimal(entry["pending_change"])
            print(f"  #{entry['id'] or '-':<3} {entry['operation']:<9} {entry['what']:<10} {change:>+9}  balance {entry['balance']:>8}")
        print()
    t = engine.totals()
    print(f"issued {t.issued} = redeemed {t.redeemed} + expired {t.expired} + fees {t.fees} + liability {t.liability}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
