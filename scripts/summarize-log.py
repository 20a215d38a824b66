#!/usr/bin/env python3
"""One line about a test suite's log, for scripts/test.sh's closing summary: what passed
(cargo's `test result:` lines added up, pytest's and the C tests' `N passed` lines, the
scenario runners' `ok` lines, the docs check), then each skipped test's reason, indented.

    summarize-log.py LOG
"""

from __future__ import annotations

import re
import sys
from collections import Counter


def summarize(text: str) -> list[str]:
    parts: list[str] = []
    cargo = Counter[str]()
    for m in re.finditer(r"test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored", text):
        cargo["passed"] += int(m[1])
        cargo["failed"] += int(m[2])
        cargo["ignored"] += int(m[3])
    if cargo:
        parts.append(f"{cargo['passed']} Rust tests passed, {cargo['ignored']} ignored")
    for m in re.finditer(r"^=*\s*(\d+ passed(?:, \d+ \w+)*) in [\d.]+s", text, re.M):
        parts.append(m[1])
    for m in re.finditer(r"^(?:C tests: )?(\d+ passed, \d+ failed)$", text, re.M):
        parts.append(m[1])
    scenarios = len(re.findall(r"^ok \S+\.json$", text, re.M))
    if scenarios:
        parts.append(f"{scenarios} scenario files")
    for m in re.finditer(r"^(docs: .*|sizes: .*)$", text, re.M):
        parts.append(m[1])
    lines = ["; ".join(parts)]
    for m in re.finditer(r"^SKIPPED \[(\d+)\] ([^:]+:\d+): (.*)$", text, re.M):
        lines.append(f"    skipped {m[1]} at {m[2]}: {m[3]}")
    return lines


if __name__ == "__main__":
    with open(sys.argv[1], errors="replace") as f:
        print("\n".join(summarize(f.read())))
