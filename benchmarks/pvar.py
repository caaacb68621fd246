"""Panel VAR speed: Dahlberg lag-1 GMM fit and a 500-draw bootstrap of OIRF bands.

Targets (issue 5): fit < 0.25 s (R panelvar ~23 s on the same machine); 500 bootstrap
draws of 8-period OIRF bands on 2 cores < 60 s (panelvar refits per draw: ~3 h).

Run: ``OPENBLAS_NUM_THREADS=1 python benchmarks/pvar.py [--draws 500] [--jobs 2] [--repeat 5]
[--system]``.  ``--system`` adds the system-GMM (Blundell-Bond) levels equations
(``system=True``).  Prints a markdown table row per measurement (median of ``--repeat`` runs
for the fit).
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings

import numpy as np

from stfi_models.api import fit
from stfi_models.datasets import load_dahlberg

FORMULA = "expenditures + revenues + grants ~ L(1)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--system", action="store_true",
                        help="system GMM: add the levels equations (system=True)")
    args = parser.parse_args()

    data = load_dahlberg()
    times = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the system fit warns: 318 moments, 265 entities
        fit(FORMULA, data, entity="id", time="year", model="pvar")  # warm-up (imports)
        for _ in range(args.repeat):
            start = time.perf_counter()
            res = fit(FORMULA, data, entity="id", time="year", model="pvar",
                      system=args.system)
            times.append(time.perf_counter() - start)
    fit_time = float(np.median(times))

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        irf = res.irf(8, kind="orth", ci="bootstrap", draws=args.draws, seed=1,
                      n_jobs=args.jobs, progress=False)
    boot_time = time.perf_counter() - start

    print(f"machine: {platform.processor() or platform.machine()}, python "
          f"{platform.python_version()}")
    print("| task | time (s) | target (s) |")
    print("|---|---|---|")
    kind = "system GMM (levels added)" if args.system else "GMM"
    print(f"| Dahlberg lag-1 two-step {kind} fit (median of {args.repeat}) | {fit_time:.3f} "
          "| 0.25 |")
    print(f"| {args.draws}-draw entity bootstrap, OIRF 8 periods, n_jobs={args.jobs} | "
          f"{boot_time:.1f} | 60 |")
    print(f"(draws used: {irf.bands.used} of {irf.bands.draws}; {res.info['n_moments']} "
          f"moments, two-step weight rank {res.info['rank_w2']})")


if __name__ == "__main__":
    main()
