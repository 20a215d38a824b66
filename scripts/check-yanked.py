"""Fails if Cargo.lock pins a crate version that its authors yanked from crates.io.

    python3 scripts/check-yanked.py [Cargo.lock]

A yank is how a crate's authors withdraw a broken or vulnerable release; cargo keeps using a
yanked version already in a lock file without a word, so CI asks the crates.io index (the same
sparse index cargo reads) about every locked version. The RustSec advisory database would say
more, but it lives on GitHub, which these machines cannot reach.
"""

from __future__ import annotations

import json
import sys
import tomllib
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

INDEX = "https://index.crates.io"
REGISTRY = "registry+https://github.com/rust-lang/crates.io-index"


def index_path(name: str) -> str:
    """The sparse index's path of a crate (see the cargo book, "Index format")."""
    name = name.lower()
    if len(name) <= 2:
        return f"{len(name)}/{name}"
    if len(name) == 3:
        return f"3/{name[0]}/{name}"
    return f"{name[:2]}/{name[2:4]}/{name}"


def yanked_versions(name: str) -> set[str]:
    for attempt in range(3):
        try:
            with urllib.request.urlopen(f"{INDEX}/{index_path(name)}", timeout=30) as response:
                lines = response.read().decode().splitlines()
            return {entry["vers"] for entry in map(json.loads, lines) if entry.get("yanked")}
        except OSError:
            if attempt == 2:
                raise
    return set()


def main(lock_path: str) -> int:
    lock = tomllib.loads(Path(lock_path).read_text())
    locked = [(p["name"], p["version"]) for p in lock["package"] if p.get("source") == REGISTRY]
    with ThreadPoolExecutor(max_workers=8) as pool:
        yanked = dict(zip(locked, pool.map(lambda nv: nv[1] in yanked_versions(nv[0]), locked)))
    bad = [f"{name} {version}" for (name, version), is_yanked in yanked.items() if is_yanked]
    if bad:
        print("yanked from crates.io, update them (cargo update -p NAME): " + ", ".join(bad))
        return 1
    print(f"no yanked crates among the {len(locked)} locked from crates.io")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "Cargo.lock"))
