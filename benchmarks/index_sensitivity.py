"""Index sensitivity with a two-way FE fit per draw on the China panel (not run in CI).

The bundled STFI (``formulas/stfi_index.toml``: 31 provinces x 12 years, 12 indicators in four
sub-indices) is rebuilt under the default choices of
:func:`stfi_models.index.sensitivity.default_choices` (normalisation, weights, aggregation,
pooled/per-year weights, one indicator left out, gap filling: six factors) and, for every
build, ``innovation ~ STFI + C(province_en) + C(year)`` is fitted with cluster-robust SEs.

Runs of 1,000 index builds (each with its fit):

* ``sobol``: a Saltelli design with N = 125 (N(k + 2) = 1,000 builds) plus 500 bootstrap
  replications of the Sobol intervals, on ``--jobs`` loky workers;
* ``uncertainty``: 1,000 plain Monte Carlo draws (``sobol=False``), on ``--jobs`` workers and
  in this process (``n_jobs=1``), where the CPU time is measured too: on a machine shared with
  other jobs the wall time of the parallel runs depends on the load, the CPU time much less;
  CPU time / 2 is what the run takes on two idle cores.

Usage::

    OPENBLAS_NUM_THREADS=1 python benchmarks/index_sensitivity.py [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _readme import markdown_table, write_section

from stfi_models.index import propagate, run_study

SECTION = "## Index sensitivity with a fit per draw (issue 16)"
ROOT = Path(__file__).resolve().parent.parent
FIT = propagate.fit("innovation ~ STFI + C(province_en) + C(year)", coef="STFI",
                    vcov="cluster", label="FE: STFI")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        index = run_study(ROOT / "formulas" / "stfi_index.toml")
    data = index.to_frame(data=True)
    data["innovation"] = np.log(data["patent_app_invention"] / data["pop_yearend"])
    rows, results = [], {}
    for label, jobs, options in (("sobol", args.jobs, {"draws": 125, "sobol": True}),
                                 ("uncertainty", args.jobs, {"draws": 1000, "sobol": False}),
                                 ("uncertainty", 1, {"draws": 1000, "sobol": False})):
        start, cpu = time.perf_counter(), time.process_time()
        res = index.sensitivity(propagate=FIT, data=data, seed=20240601, n_jobs=jobs,
                                progress=False, **options)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        results[label] = res
        prop = res.propagation().loc["FE: STFI"]
        rows.append({"run": label, "index builds": res.n_builds, "jobs": jobs,
                     "wall s": round(seconds, 1),
                     "CPU s (n_jobs=1)": round(cpu, 1) if jobs == 1 else "",
                     "ms CPU per build+fit": round(1000 * cpu / res.n_builds, 1) if jobs == 1
                     else "",
                     "load avg": round(os.getloadavg()[0], 1),
                     "median abs rank shift": float(res.draws["rank_shift"].median()),
                     "STFI coef 5%": float(prop["low"]), "95%": float(prop["high"]),
                     "same sign": float(prop["same_sign"]),
                     "same sign & p<0.05": float(prop["same_sign_significant"])})
    table = pd.DataFrame(rows)
    sobol = results["sobol"].sobol[["S1", "ST", "ST_low", "ST_high"]].reset_index()
    print(table.to_string(index=False))
    print(sobol.to_string(index=False))
    body = (
        f"{SECTION}\n\n`OPENBLAS_NUM_THREADS=1 python benchmarks/index_sensitivity.py` "
        f"(bundled STFI, 31 provinces x 12 years; six choices sampled: normalisation, weights, "
        f"aggregation, pooled/per-year weights, one indicator left out, gap filling; "
        f"`innovation ~ STFI + C(province_en) + C(year)`, cluster SEs, fitted by `sm.fit` on "
        f"every build; loky workers on the shared 2-core machine, `load avg` = 1-minute load "
        f"average at the end of the run (other agents' jobs); times include worker start-up "
        f"and, for `sobol`, 500 bootstrap replications of the Sobol intervals; the n_jobs=1 "
        f"run also gives the CPU time, whose half is the time on two idle cores).\n\n"
        f"{markdown_table(table)}\nSobol indices (`sobol` run, N = 125; 90 % bootstrap "
        f"intervals of ST):\n\n{markdown_table(sobol)}"
    )
    write_section(SECTION, body)


if __name__ == "__main__":
    main()
