"""Two-way fixed effects with clustered SEs on 10^6 rows: ours vs pyfixest vs linearmodels.

``OPENBLAS_NUM_THREADS=1 python benchmarks/hdfe.py`` (``--entities 2000`` for a quick look).
Every measurement runs in a fresh subprocess, which builds the same seeded panel (20,000
entities x 50 periods, 5 regressors, entity-correlated regressors), imports its package, and
then times either the first fit ("first") or a second fit after one warm-up fit ("repeat").
Peak memory is the subprocess's ``ru_maxrss`` (whole process: interpreter, package, data and
fit); the "fit MB" column is the peak minus the resident size just before the timed fit.

Numbers are compared with pyfixest at its ``ssc(k_fixef="none")`` (the small-sample factor
``(n-1)/(n-k) * G/(G-1)`` with ``k`` the 5 slopes, which is our ``vcov="cluster"`` default and
R plm's); linearmodels' coefficients are compared, its SEs use another factor.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _readme import markdown_table, run_worker, write_section  # noqa: E402

HEADING = "## High-dimensional fixed effects vs pyfixest and linearmodels"
REGRESSORS = ["x1", "x2", "x3", "x4", "x5"]
#: Timings are the best of this many (fresh processes for first fits, fits for repeats).
REPEATS = 3


def make_panel(entities: int, periods: int, seed: int = 0) -> pd.DataFrame:
    """Balanced panel with entity and period effects and regressors correlated with them."""
    rng = np.random.default_rng(seed)
    n = entities * periods
    entity = np.repeat(np.arange(entities), periods)
    period = np.tile(np.arange(periods), entities)
    alpha = rng.normal(size=entities)[entity]
    gamma = rng.normal(size=periods)[period]
    x = rng.normal(size=(n, len(REGRESSORS))) + 0.5 * alpha[:, None] + 0.3 * gamma[:, None]
    y = x @ np.linspace(0.2, 1.0, len(REGRESSORS)) + alpha + gamma + rng.normal(size=n)
    frame = pd.DataFrame(x, columns=REGRESSORS)
    frame["y"] = y
    frame["id"] = entity
    frame["year"] = period + 2000
    return frame


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _fitter(package: str):
    rhs = " + ".join(REGRESSORS)
    if package == "ours":
        import stfi_models as sm

        def fit(df):
            res = sm.fit(f"y ~ {rhs} + C(id) + C(year)", df, entity="id", time="year",
                         vcov="cluster")
            return res.params.to_numpy(), res.std_errors.to_numpy()
    elif package == "pyfixest":
        import pyfixest as pf

        def fit(df):
            res = pf.feols(f"y ~ {rhs} | id + year", df, vcov={"CRV1": "id"},
                           ssc=pf.ssc(k_fixef="none"))
            return res.coef().to_numpy(), res.se().to_numpy()
    else:
        from linearmodels.panel import PanelOLS

        def fit(df):
            data = df.set_index(["id", "year"])
            res = PanelOLS(data["y"], data[REGRESSORS], entity_effects=True,
                           time_effects=True).fit(cov_type="clustered", cluster_entity=True)
            return res.params.to_numpy(), res.std_errors.to_numpy()
    return fit


def worker(package: str, mode: str, entities: int, periods: int) -> None:
    """Run in the subprocess: print one JSON line with time, numbers and memory."""
    df = make_panel(entities, periods)
    start = time.perf_counter()
    fit = _fitter(package)
    imported = time.perf_counter() - start
    if mode == "repeat":
        fit(df)
    before = _rss_mb()
    seconds = cpu = float("inf")
    for _ in range(REPEATS if mode == "repeat" else 1):  # best of, against the machine's load
        start, started_cpu = time.perf_counter(), time.process_time()
        params, ses = fit(df)
        seconds = min(seconds, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - started_cpu)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "import": imported, "peak_mb": peak,
                      "fit_mb": peak - before, "params": params.tolist(), "se": ses.tolist()}))


def measure(package: str, mode: str, entities: int, periods: int) -> dict:
    """Measure one (package, mode) in fresh subprocesses.

    The fastest of ``REPEATS`` first fits (one for linearmodels, which takes minutes), or one
    process timing ``REPEATS`` fits after a warm-up.
    """
    runs = [run_worker(__file__, package, "--mode", mode, "--entities", entities,
                       "--periods", periods)
            for _ in range(REPEATS if mode == "first" and package != "linearmodels" else 1)]
    return min(runs, key=lambda run: run["seconds"])


def main() -> None:
    """Run every measurement in a fresh subprocess, print the table, update the README."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entities", type=int, default=20_000)
    parser.add_argument("--periods", type=int, default=50)
    parser.add_argument("--worker", choices=["ours", "pyfixest", "linearmodels"])
    parser.add_argument("--mode", choices=["first", "repeat"], default="first")
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.mode, args.entities, args.periods)
        return
    rows = []
    runs = {}
    for mode in ("first", "repeat"):
        for package in ("ours", "pyfixest", "linearmodels"):
            runs[package, mode] = run = measure(package, mode, args.entities, args.periods)
            print(package, mode, f"{run['seconds']:.3f} s", f"{run['peak_mb']:.0f} MB",
                  flush=True)
    for mode in ("first", "repeat"):
        ref = runs["pyfixest", mode]
        for package in ("ours", "pyfixest", "linearmodels"):
            run = runs[package, mode]
            rows.append({
                "package": package, "fit": mode, "seconds": run["seconds"],
                "time / pyfixest": run["seconds"] / ref["seconds"],
                "CPU s": run["cpu_seconds"],
                "CPU / pyfixest": run["cpu_seconds"] / ref["cpu_seconds"],
                "peak MB": run["peak_mb"], "fit MB": run["fit_mb"],
                "peak / pyfixest": run["peak_mb"] / ref["peak_mb"],
                "max abs coef diff": float(np.abs(np.subtract(run["params"],
                                                            ref["params"])).max()),
                "max abs se diff": (float(np.abs(np.subtract(run["se"], ref["se"])).max())
                                  if package != "linearmodels" else "other factor"),
            })
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    if not args.no_readme and args.entities == 20_000 and args.periods == 50:
        write_section(HEADING, f"{HEADING}\n\n{_README_TEXT}\n\n{markdown_table(table)}")


_README_TEXT = (
    "`OPENBLAS_NUM_THREADS=1 python benchmarks/hdfe.py`: 10^6 rows (20,000 entities x 50 "
    "periods, 5 regressors), `y ~ x1 + ... + x5 + C(id) + C(year)` with SEs clustered by "
    "entity; \"first\": the first fit in a fresh process after importing the package "
    "(numba/compilation included), best of 3 processes (1 for linearmodels); \"repeat\": "
    "best of 3 fits after one warm-up fit in one process. "
    "pyfixest runs with `ssc(k_fixef=\"none\")`, the small-sample factor of our default and of "
    "R plm, so the SEs are comparable; linearmodels' SEs use another factor. \"CPU s\" is the "
    "process's CPU time during the timed fit (the machine is shared, so wall times include "
    "waiting; pyfixest may use several threads). \"peak MB\" is "
    "the whole process's maximum resident size; \"fit MB\" what the timed fit added to it. "
    "Machine: 2 cores shared with other jobs, so times vary by +-30 % between runs."
)

if __name__ == "__main__":
    main()
