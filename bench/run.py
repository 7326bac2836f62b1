"""Run every benchmark: each ``bench/bench_*.py`` module's ``main()``, in name order.

``make bench`` calls this. A benchmark prints its figures and its ratios against a reference
measured in the same run; a missed target is reported, not failed. The exit status is non-zero
only when a benchmark itself fails (an error, or contenders that disagree on the result).

Usage::

    .venv/bin/python bench/run.py            # every benchmark
    .venv/bin/python bench/run.py ingest     # only bench_ingest.py
    BENCH_ROWS=1000000 .venv/bin/python bench/run.py ingest   # a smaller ingest run
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def discover(only: list[str] | None = None) -> list[str]:
    """Module names of the benchmarks, or only those named (``ingest`` or ``bench_ingest``)."""
    names = sorted(p.stem for p in BENCH_DIR.glob("bench_*.py"))
    if only:
        wanted = {n if n.startswith("bench_") else f"bench_{n}" for n in only}
        unknown = wanted - set(names)
        if unknown:
            sys.exit(
                f"no such benchmark: {', '.join(sorted(unknown))}; there are {', '.join(names)}"
            )
        names = [n for n in names if n in wanted]
    return names


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and return the exit status (1 if any of them failed)."""
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))
    failed = []
    for name in discover(argv if argv is not None else sys.argv[1:]):
        print(f"\n=== {name} ===", flush=True)
        t0 = time.perf_counter()
        argv_before = sys.argv
        # A benchmark's own argument parser must not see the runner's arguments.
        sys.argv = [str(BENCH_DIR / f"{name}.py")]
        try:
            module = importlib.import_module(name)
            status = module.main()
            # main() may return an exit status (an int); anything else means it ran to the end.
            if isinstance(status, int) and not isinstance(status, bool) and status != 0:
                failed.append(name)
        except (Exception, SystemExit) as e:
            if not isinstance(e, SystemExit) or e.code not in (0, None):
                traceback.print_exc()
                failed.append(name)
        finally:
            sys.argv = argv_before
        print(f"=== {name}: {time.perf_counter() - t0:.0f} s ===", flush=True)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
