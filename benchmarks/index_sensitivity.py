"""Index sensitivity with a two-way FE fit per draw on the China panel (not run in CI).

The bundled STFI (``formulas/stfi_index.toml``: 31 provinces x 12 years, 12 indicators in four
sub-indices) is rebuilt under the default choices of
:func:`stfi_models.index.sensitivity.default_choices` (normalisation, weights, aggregation,
pooled/per-year weights, one indicator left out, gap filling: six factors) and, for every
build, ``innovation ~ STFI + C(province_en) + C(year)`` is fitted with cluster-robust SEs.

Two runs of 1,000 index builds (each with its fit) on ``--jobs`` loky workers:

* ``sobol``: a Saltelli design with N = 125 (N(k + 2) = 1,000 builds) plus 500 bootstrap
  replications of the Sobol intervals;
* ``uncertainty``: 1,000 plain Monte Carlo draws (``sobol=False``).

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
    for label, options in (("sobol", {"draws": 125, "sobol": True}),
                           ("uncertainty", {"draws": 1000, "sobol": False})):
        start = time.perf_counter()
        res = index.sensitivity(propagate=FIT, data=data, seed=20240601, n_jobs=args.jobs,
                                progress=False, **options)
        seconds = time.perf_counter() - start
        results[label] = res
        prop = res.propagation().loc["FE: STFI"]
        rows.append({"run": label, "index builds": res.n_builds, "jobs": args.jobs,
                     "seconds": round(seconds, 1),
                     "ms per build+fit (CPU)": round(1000 * seconds * args.jobs / res.n_builds, 1),
                     "median |rank shift|": float(res.draws["rank_shift"].median()),
                     "STFI coef 5%": float(prop["low"]), "95%": float(prop["high"]),
                     "same sign": float(prop["same_sign"]),
                     "same sign & p<0.05": float(prop["same_sign_significant"])})
    table = pd.DataFrame(rows)
    sobol = results["sobol"].sobol[["S1", "ST", "ST_low", "ST_high"]].reset_index()
    print(table.to_string(index=False))
    print(sobol.to_string(index=False))
    load = os.getloadavg()[0]
    body = (
        f"{SECTION}\n\n`OPENBLAS_NUM_THREADS=1 python benchmarks/index_sensitivity.py` "
        f"(bundled STFI, 31 provinces x 12 years; six choices sampled: normalisation, weights, "
        f"aggregation, pooled/per-year weights, one indicator left out, gap filling; "
        f"`innovation ~ STFI + C(province_en) + C(year)`, cluster SEs, fitted by `sm.fit` on "
        f"every build; {args.jobs} loky workers on the shared 2-core machine, load average "
        f"{load:.1f} at the end; times include worker start-up and, for `sobol`, 500 bootstrap "
        f"replications of the Sobol intervals).\n\n"
        f"{markdown_table(table)}\nSobol indices (`sobol` run, N = 125; 90 % bootstrap "
        f"intervals of ST):\n\n{markdown_table(sobol)}"
    )
    write_section(SECTION, body)


if __name__ == "__main__":
    main()
