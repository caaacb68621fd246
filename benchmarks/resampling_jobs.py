"""n_jobs on 2 cores: a 500-draw PVAR bootstrap with n_jobs=1 vs n_jobs=2 (issue 11).

Each configuration runs in a fresh process (so the BLAS thread pool starts as a user's
would: no OPENBLAS_NUM_THREADS set), three times; the median wall time is kept.  The
resampling engine limits BLAS to one thread per worker *and* in the sequential path, so
``n_jobs=1`` must not be slower than ``n_jobs=2`` because of oversubscription; the row
"n_jobs=1, BLAS unlimited" re-creates the issue's situation for comparison (engine bypassed
with threadpoolctl lifted).

Run: ``python benchmarks/resampling_jobs.py [--draws 500] [--repeat 3] [--write]``.
``--write`` rewrites the "Resampling: n_jobs" section of benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from _readme import markdown_table, write_section

CHILD = r"""
import sys, time, warnings
import stfi_models.resample as resample
from stfi_models.api import fit
from stfi_models.datasets import load_dahlberg

draws, jobs, unlimited = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
if unlimited:  # the situation before the engine: BLAS threads in every draw
    resample._run_chunk = lambda func, chunk, args: func(chunk, *args)
warnings.simplefilter("ignore")
res = fit("expenditures + revenues + grants ~ L(1)", load_dahlberg(), entity="id",
          time="year", model="pvar")
start = time.perf_counter()
res.irf(8, kind="orth", ci="bootstrap", draws=draws, seed=1, n_jobs=jobs, progress=False)
print(time.perf_counter() - start)
"""


def _time(draws: int, jobs: int, unlimited: bool) -> float:
    env = {k: v for k, v in os.environ.items()
           if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", CHILD, str(draws), str(jobs),
                          "1" if unlimited else "0"], capture_output=True, text=True,
                         env=env, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    rows = []
    for label, jobs, unlimited in (("n_jobs=1 (engine: 1 BLAS thread)", 1, False),
                                   ("n_jobs=2 (engine: 1 BLAS thread per worker)", 2, False),
                                   ("n_jobs=1, BLAS unlimited (before the engine)", 1, True)):
        times = [_time(args.draws, jobs, unlimited) for _ in range(args.repeat)]
        rows.append({"configuration": label, "median wall (s)": float(np.median(times)),
                     "min (s)": float(min(times)), "max (s)": float(max(times))})
    table = pd.DataFrame(rows)
    base = table.loc[0, "median wall (s)"]
    table["ratio to n_jobs=1"] = table["median wall (s)"] / base
    text = markdown_table(table)
    print(text)
    if args.write:
        write_section("## Resampling: n_jobs", "## Resampling: n_jobs\n\n"
                      f"{args.draws}-draw bootstrap of the Dahlberg PVAR OIRF bands on "
                      f"{os.cpu_count()} cores, each configuration in a fresh process without "
                      f"OPENBLAS_NUM_THREADS, median of {args.repeat} runs "
                      f"(`python benchmarks/resampling_jobs.py --write`, {time.strftime('%Y-%m-%d')}).\n\n"
                      + text)


if __name__ == "__main__":
    main()
