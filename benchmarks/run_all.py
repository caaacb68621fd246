"""One benchmark run against the peers that apply: pyfixest, linearmodels, R plm.

``OPENBLAS_NUM_THREADS=1 python benchmarks/run_all.py [--quick]``.  Each (case, package)
runs in a fresh process: Python packages fit once to warm up and time the second fit; R plm
is timed inside R with ``system.time`` (data reading excluded).  Peak memory is the whole
process's maximum resident size (``ru_maxrss`` for Python, ``/usr/bin/time -f %M`` for R).
Coefficients are compared with ours ("max abs coef diff").  Results go to the "All peers in
one run" section of ``benchmarks/README.md``.

Cases
-----
* ``fe-twoway``: ``y ~ x1..x5`` with entity and period effects, SEs clustered by entity, on
  the panel of ``hdfe.py`` (2,000 x 50 = 10^5 rows; 20,000 x 50 = 10^6 without ``--quick``,
  where R plm is left out: it needs minutes there);
* ``sar-fe``: spatial lag (SAR) panel with entity effects by ML, on a rook lattice of 900
  cells x 10 periods simulated by ``spatial.py`` (SDM process, rho = 0.4), against PySAL
  spreg's ``ML_LagFE`` (it has no time effects and no SDM-FE, so SAR is the common model);
* ``diff-gmm``: two-step difference GMM ``y ~ L(y, 1) + x + C(t) | gmm(y, 2:.) +
  gmm(x, 2:.)`` on ``simulate_dynamic_panel`` (N = 5,000, T = 10), as ``gmm_vs_plm.py``.

Not measured: pydynpd 0.2.2 does not run on numpy 2.x (it calls ``np.in1d``, removed in
numpy 2.4, and converts 1 x 1 arrays with ``float()``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _readme import markdown_table, run_worker, write_section  # noqa: E402
from hdfe import REGRESSORS, make_panel  # noqa: E402
from hdfe import _fitter as fe_fitter  # noqa: E402

HEADING = "## All peers in one run"
GMM_FORMULA = "y ~ L(y, 1) + x + C(t) | gmm(y, 2:.) + gmm(x, 2:.)"

R_FE = r"""
suppressPackageStartupMessages({library(plm); library(lmtest)})
d <- read.csv(commandArgs(trailingOnly = TRUE)[1])
pd <- pdata.frame(d, index = c("id", "year"))
f <- y ~ x1 + x2 + x3 + x4 + x5
secs <- system.time({
  fit <- plm(f, data = pd, model = "within", effect = "twoways")
  v <- vcovHC(fit, method = "arellano", type = "sss", cluster = "group")
})[["elapsed"]]
cat(sprintf("%.6f|%s\n", secs, paste(sprintf("%.15g", coef(fit)), collapse = ";")))
"""

R_GMM = r"""
suppressPackageStartupMessages(library(plm))
d <- read.csv(commandArgs(trailingOnly = TRUE)[1])
pd <- pdata.frame(d, index = c("id", "t"))
secs <- system.time(
  fit <- pgmm(y ~ lag(y, 1) + x | lag(y, 2:99) + lag(x, 2:99), data = pd,
              effect = "twoways", model = "twosteps", transformation = "d")
)[["elapsed"]]
cat(sprintf("%.6f|%s\n", secs, paste(sprintf("%.15g", coef(fit)[1:2]), collapse = ";")))
"""


SAR_PERIODS = 10


def case_data(case: str, size: int) -> pd.DataFrame:
    """Build the data of a case with ``size`` entities."""
    if case == "fe-twoway":
        return make_panel(size, 50)
    if case == "sar-fe":
        from spatial import lattice, simulate

        return simulate(lattice(size), SAR_PERIODS)
    from stfi_models.datasets.synthetic_gmm import simulate_dynamic_panel

    return simulate_dynamic_panel(size, 10, rho=0.5, beta=1.0, seed=size)


def _gmm_fitter(package: str):
    if package != "ours":
        raise ValueError(package)
    import stfi_models as sm

    def fit(df):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = sm.fit(GMM_FORMULA, df, entity="id", time="t", model="diff-gmm", steps=2)
        return res.params.to_numpy()[:2], None
    return fit


def _sar_fitter(package: str, size: int):
    from spatial import lattice

    w = lattice(size)
    if package == "ours":
        import stfi_models as sm

        def fit(df):
            res = sm.fit("y ~ x1 + x2", df, model="sar", w=w, entity="unit", time="t")
            return res.params.to_numpy(), None
    elif package == "spreg":
        import spreg
        from spatial import _spreg_arrays

        def fit(df):  # time-major stacking, as simulate() returns it
            y, x, lw = _spreg_arrays(df["y"].to_numpy(), df[["x1", "x2"]].to_numpy(), w)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = spreg.ML_LagFE(y, x, lw)
            return np.asarray(res.betas).ravel(), None
    else:
        raise ValueError(package)
    return fit


def worker(case: str, package: str, size: int) -> None:
    """Subprocess: warm-up fit, timed fit, JSON line."""
    df = case_data(case, size)
    fitters = {"fe-twoway": lambda: fe_fitter(package),
               "sar-fe": lambda: _sar_fitter(package, size),
               "diff-gmm": lambda: _gmm_fitter(package)}
    fit = fitters[case]()
    fit(df)
    start = time.perf_counter()
    params, _ = fit(df)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "params": list(params)}))


def run_python(case: str, package: str, size: int) -> dict:
    """Time a Python package in a fresh process."""
    return run_worker(__file__, case, package, size)


def run_r(case: str, size: int) -> dict:
    """Time R plm in a fresh Rscript process (peak memory from /usr/bin/time)."""
    with tempfile.TemporaryDirectory() as tmp:
        csv, script = Path(tmp) / "data.csv", Path(tmp) / "fit.R"
        case_data(case, size).to_csv(csv, index=False)
        script.write_text(R_FE if case == "fe-twoway" else R_GMM)
        out = subprocess.run(["/usr/bin/time", "-f", "%M", "Rscript", str(script), str(csv)],
                             capture_output=True, text=True, check=True, env=_env())
    seconds, coefs = out.stdout.strip().splitlines()[-1].split("|")
    peak_kb = float(out.stderr.strip().splitlines()[-1])
    return {"seconds": float(seconds), "peak_mb": peak_kb / 1024,
            "params": [float(c) for c in coefs.split(";")]}


def _env() -> dict[str, str]:
    return {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def plan(quick: bool) -> list[tuple[str, int, list[str]]]:
    """(case, size, packages); ours first in each case."""
    fe = ["ours", "pyfixest", "linearmodels", "R plm"]
    cases = [("fe-twoway", 2000, fe), ("sar-fe", 900, ["ours", "spreg"]),
             ("diff-gmm", 5000, ["ours", "R plm"])]
    if not quick:
        cases.insert(1, ("fe-twoway", 20000, fe[:3]))
    return cases


def main() -> None:
    """Run every case in fresh processes, print the table, update the README."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--worker", nargs=3, metavar=("CASE", "PACKAGE", "SIZE"))
    parser.add_argument("--quick", action="store_true", help="leave out the 10^6-row case")
    parser.add_argument("--no-readme", action="store_true")
    args = parser.parse_args()
    if args.worker:
        case, package, size = args.worker
        worker(case, package, int(size))
        return
    rows = []
    for case, size, packages in plan(args.quick):
        ours = None
        for package in packages:
            run = run_r(case, size) if package == "R plm" else run_python(case, package, size)
            ours = ours or run
            rows.append({
                "case": case, "entities": size, "package": package,
                "seconds": run["seconds"], "time / ours": run["seconds"] / ours["seconds"],
                "peak MB": run["peak_mb"], "peak / ours": run["peak_mb"] / ours["peak_mb"],
                "max abs coef diff": float(np.abs(np.subtract(run["params"],
                                                            ours["params"])).max()),
            })
            print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    if not args.no_readme:
        write_section(HEADING, f"{HEADING}\n\n{_README_TEXT}\n\n{markdown_table(table)}")


_README_TEXT = (
    "`OPENBLAS_NUM_THREADS=1 python benchmarks/run_all.py`: every (case, package) in a fresh "
    "process; Python packages time their second fit (after a warm-up fit), R plm 2.6 is timed "
    "inside R (`system.time`, data reading excluded); peak MB is the whole process. "
    "`fe-twoway`: two-way FE with entity-clustered SEs (" + ", ".join(REGRESSORS) + "; 50 "
    "periods); `sar-fe`: spatial lag panel with entity effects by ML on a 900-cell rook lattice x "
    "10 periods (spreg 1.9 `ML_LagFE`; spreg has no time effects or SDM-FE); `diff-gmm`: "
    "two-step difference GMM, T = 10. \"time / ours\" above 1 means we are faster. pydynpd "
    "0.2.2 does not run on numpy 2.x (see the script's docstring). Shared 2-core machine: "
    "times vary by +-30 %."
)

if __name__ == "__main__":
    main()
