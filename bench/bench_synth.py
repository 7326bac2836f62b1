"""Synthetic borough generator benchmark: one force-year, and the extract ingest of its output.

Generates the ``telford-2019-20`` profile scaled to a force-year (``BENCH_SYNTH_SCALE``, default
11.5: about 157,000 offences and 350,000 involvements) and reports:

- ``generate``: saferplaces.synth.generate (seed 1), every file written; target <= 20 s. The
  force-year alone (``history=0``); then, shown, with the profile's 24 months of history in the
  data.police.uk files.
- ``reference``: DuckDB writing the same number of rows of random data (same column counts, in
  the same files layout: one CSV per table) to CSV, in this process. The ratio generate /
  reference says how much of the generator's time is more than writing its bytes.
- ``ingest extract``: saferplaces.warehouse.extract_ingest.ingest_extract of the generated
  extract into a fresh workspace (created before the timer starts), against DuckDB's bare
  ``read_csv`` of the same three CSVs into tables (target <= 2x). Then the same with 1% of the
  offences broken, which takes the staged load (shown, not judged).

Times are medians of ``BENCH_SYNTH_REPEATS`` (default 3) runs after one cold run; the ingest and
its reference run in turn, run by run.
"""

from __future__ import annotations

import os
import shutil
import statistics
import time
from pathlib import Path

import duckdb

WORK = Path(__file__).resolve().parent / ".work" / "synth"
SCALE = float(os.environ.get("BENCH_SYNTH_SCALE", "11.5"))
REPEATS = int(os.environ.get("BENCH_SYNTH_REPEATS", "3"))


def _timed(fn, repeats: int = REPEATS) -> float:  # type: ignore[no-untyped-def]
    fn()  # cold
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _reference(rows: dict[str, tuple[int, int]], out: Path) -> None:
    """DuckDB writing random rows (n rows x k columns of short strings/numbers) to CSV."""
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    for name, (n, k) in rows.items():
        cols = ", ".join(
            f"md5((random() * {j + 1})::VARCHAR)[:{8 + j % 10}] AS c{j}" for j in range(k)
        )
        con.execute(f"COPY (SELECT {cols} FROM range({n})) TO '{out / name}.csv' (HEADER)")
    con.close()


def main() -> int:
    from saferplaces.synth import generate
    from saferplaces.warehouse.extract_ingest import ingest_extract
    from saferplaces.workspace import init_workspace

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    out = WORK / "out"
    result = generate("telford-2019-20", 1, out, scale=SCALE, history=0)
    s = result.summary
    print(
        f"force-year: {s['offences']:,} offences, {s['crimed_incidents']:,} crimed incidents, "
        f"{s['people']:,} people, {s['involvements']:,} involvements, "
        f"{s['asb_incidents']:,} ASB rows"
    )
    t_gen = _timed(lambda: generate("telford-2019-20", 1, out, scale=SCALE, history=0))

    def count(p: Path) -> int:
        with p.open("rb") as f:
            return sum(1 for _ in f) - 1

    ex = result.extract
    rows = {
        "offences": (count(ex / "offences.csv"), 13),
        "people": (count(ex / "people.csv"), 4),
        "involvements": (count(ex / "involvements.csv"), 4),
        "street": (sum(count(p) for p in result.police_uk.rglob("*.csv")), 12),
        "partners": (sum(count(p) for p in result.partners.values()), 5),
    }
    t_ref = _timed(lambda: _reference(rows, WORK / "reference"))
    print(f"generate: {t_gen:.2f} s (target <= 20 s: {'met' if t_gen <= 20 else 'MISSED'})")
    print(f"reference (DuckDB random rows to CSV, {sum(n for n, _ in rows.values()):,} rows): "
          f"{t_ref:.2f} s; ratio generate/reference {t_gen / t_ref:.1f}x")  # fmt: skip
    with_history = WORK / "with-history"
    hs = generate("telford-2019-20", 1, with_history, scale=SCALE).summary
    t_hist = _timed(lambda: generate("telford-2019-20", 1, with_history, scale=SCALE))
    shutil.rmtree(with_history)
    print(
        f"generate with {hs['history_months']} months of history ({hs['history_crimes']:,} crimes, "
        f"{hs['history_asb']:,} ASB rows more): {t_hist:.2f} s (shown, not judged)"
    )

    # Ingest of the extract vs DuckDB's bare read of the same CSVs, run by run in turn, so that
    # both meet the same machine (a cold pair first, not counted)
    def bare(folder: Path) -> None:
        con = duckdb.connect(str(WORK / "bare.duckdb"))
        for t in ("offences", "people", "involvements"):
            con.execute(
                f"CREATE OR REPLACE TABLE {t} AS SELECT * FROM read_csv('{folder / t}.csv')"
            )
        con.close()

    def pairs(folder: Path) -> tuple[float, float]:
        """Median ingest and bare-read times; each ingest into a fresh workspace made untimed."""
        ingest_times, bare_times = [], []
        for run in range(REPEATS + 1):
            ws_dir = WORK / "ws"
            shutil.rmtree(ws_dir, ignore_errors=True)
            ws = init_workspace(ws_dir, "E06000020")
            t = time.perf_counter()
            report = ingest_extract(ws, folder)
            t_ingest = time.perf_counter() - t
            if report.failed:
                raise RuntimeError(f"ingest failed: {report.failed}")
            t = time.perf_counter()
            bare(folder)
            t_bare = time.perf_counter() - t
            if run:
                ingest_times.append(t_ingest)
                bare_times.append(t_bare)
        return statistics.median(ingest_times), statistics.median(bare_times)

    t_ing, t_bare = pairs(ex)
    ratio = t_ing / t_bare
    print(
        f"ingest extract: {t_ing:.2f} s; DuckDB bare read: {t_bare:.2f} s; ratio {ratio:.2f}x "
        f"(target <= 2x: {'met' if ratio <= 2 else 'MISSED'})"
    )

    # The same extract with 1% of its offences broken (a bad recorded_date on every 100th):
    # those files take the staged load, which numbers every line and gives every reason.
    dirty = WORK / "dirty"
    shutil.rmtree(dirty, ignore_errors=True)
    shutil.copytree(ex, dirty)
    lines = (ex / "offences.csv").read_text(encoding="utf-8").split("\n")
    for i in range(100, len(lines) - 1, 100):
        cells = lines[i].split(",")
        cells[2] = "31/02/2020"
        lines[i] = ",".join(cells)
    (dirty / "offences.csv").write_text("\n".join(lines), encoding="utf-8")
    t_dirty, t_bare_dirty = pairs(dirty)
    print(
        f"ingest extract with 1% of offences broken: {t_dirty:.2f} s; DuckDB bare read: "
        f"{t_bare_dirty:.2f} s; ratio {t_dirty / t_bare_dirty:.1f}x (shown, not judged)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
