from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import pytest

import loyalty

ROOT = Path(__file__).resolve().parents[2]
T0 = 1767225600
DAY = 86400

FALCON: Dict[str, Any] = {
    "name": "Falcon Club",
    "tiers": {"levels": [
        {"name": "Bunny", "threshold": "0", "accrual_rate": "0.03", "referral_rates": ["0.01"]},
        {"name": "Wolf", "threshold": "2500", "accrual_rate": "0.05", "referral_rates": ["0.02"]},
        {"name": "Lion", "threshold": "10000", "accrual_rate": "0.07", "referral_rates": ["0.03", "0.01"]},
    ]},
}


def scenario_files() -> List[Path]:
    shared = ROOT.parent / "shared" / "scenarios"
    v3 = [line.strip() for line in (ROOT / "scenarios" / "v3.txt").read_text().splitlines()]
    return (sorted(shared.glob("*.json")) + sorted((ROOT / "scenarios").glob("*.json"))
            + [shared / "v3" / name for name in v3 if name and not name.startswith("#")])


@pytest.fixture
def falcon() -> loyalty.Engine:
    return loyalty.Engine(FALCON)
