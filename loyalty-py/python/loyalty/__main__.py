"""`python -m loyalty` and the `loyalty` console script: the command line of the Rust binary
(`loyalty check|play|store|statement|replay|export`), run in this process."""

from __future__ import annotations

import sys
from typing import List, Optional

from loyalty._loyalty import cli


def main(argv: Optional[List[str]] = None) -> int:
    """Runs the command line with ``argv`` (``sys.argv`` by default); returns the exit code."""
    sys.stdout.flush()
    return cli(["loyalty", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    sys.exit(main())
