"""Why the synthetic panel VAR misses ``d_innovation <- L1.d_STFI``: bias or noise? (not in CI).

``benchmarks/synthetic_recovery.py`` (60 seeds) finds a mean GMM estimate of 0.086 for the
coefficient of ``L1.d_STFI`` in the ``d_innovation`` equation (truth 0.3).  This script
separates the three candidate explanations:

(a) small-sample bias of the GMM estimator (N = 31, T = 12): the pipeline's estimator
    (``"d_STFI + d_innovation + tfp_growth ~ L(1) | gmm(2:4, collapse=True)"``, FOD,
    two-step, no time demeaning -- ``stfi_models.replicate.steps.pvar`` with the options of
    ``synthetic_recovery.py``) on panels of N = 31, 200, 1000, 5000 entities with T = 12;
    the mean must approach the truth as N grows;
(b) a generator whose reported truth is not the process simulated: within-OLS
    (``estimator="fe-ols"``) on :func:`~stfi_models.datasets.synthetic.simulate_stfi_panel`
    itself with T = 200 and T = 800 (Nickell bias O(1/T));
(c) a bug in :class:`~stfi_models.models.pvar.PanelVAR`: an independent first-difference
    2SLS (Anderson and Hsiao 1981 with two lags of levels as instruments), written here with
    numpy, on N = 5000.

Panels for N != 31 come from the generator's own VAR block
(``stfi_models.datasets.synthetic.var_panel_block``: the same ``DEFAULT_VAR``, ``DEFAULT_SIGMA``,
entity effects and 50-period burn-in as ``simulate_stfi_panel``, which fixes N = 31
provinces).  For every cell the table gives the mean over replications, the standard deviation
of the estimates (sd), the Monte Carlo standard error of the mean (mcse = sd / sqrt(reps)), the
median and z = (mean - truth) / mcse.

Usage::

    OPENBLAS_NUM_THREADS=1 python benchmarks/pvar_recovery.py [--scale 1] [--csv out.csv]

``--scale`` multiplies every replication count (0.1 for a quick look).  Seeded: replication
``r`` of a design uses ``numpy.random.default_rng([design_id, r])``.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from stfi_models.api import fit
from stfi_models.datasets.synthetic import (
    DEFAULT_SIGMA,
    DEFAULT_VAR,
    PVAR_NAMES,
    simulate_stfi_panel,
    var_panel_block,
)

GMM_FORMULA = " + ".join(PVAR_NAMES) + " ~ L(1) | gmm(2:4, collapse=True)"
OLS_FORMULA = " + ".join(PVAR_NAMES) + " ~ L(1)"
TERMS = [f"{eq} <- L1.{reg}" for eq in PVAR_NAMES for reg in PVAR_NAMES]
TRUTH = DEFAULT_VAR.ravel()
BURN_IN = 50


def block_panel(rng: np.random.Generator, n: int, t: int) -> np.ndarray:
    """``(n, t, 3)`` draws of the generator's VAR block (entity effects, burn-in 50)."""
    return var_panel_block(rng, n, t, DEFAULT_VAR, DEFAULT_SIGMA, BURN_IN)


def to_frame(y: np.ndarray) -> pd.DataFrame:
    n, t, _ = y.shape
    frame = pd.DataFrame(y.reshape(n * t, 3), columns=list(PVAR_NAMES))
    frame["id"] = np.repeat(np.arange(n), t)
    frame["year"] = np.tile(np.arange(t), n)
    return frame


def gmm_coef(frame: pd.DataFrame, entity: str, time_: str) -> np.ndarray:
    """The pipeline's estimator; coefficients in ``TERMS`` order (rows = equations)."""
    res = fit(GMM_FORMULA, frame, entity=entity, time=time_, model="pvar")
    return res.params.to_numpy()


def fe_ols_coef(frame: pd.DataFrame, entity: str, time_: str) -> np.ndarray:
    res = fit(OLS_FORMULA, frame, entity=entity, time=time_, model="pvar",
              estimator="fe-ols")
    return res.params.to_numpy()


def fd_2sls_coef(y: np.ndarray) -> np.ndarray:
    """First-difference 2SLS: ``Δy_t = A Δy_{t-1} + Δe_t``, instruments ``y_{t-2}, y_{t-3}``.

    Pooled over ``t = 3 .. T-1`` (0-based), the same 6 instruments for the 3 equations;
    consistent for fixed T as N grows (Anderson and Hsiao 1981).  Independent of the
    library: plain numpy on the ``(n, t, 3)`` array.
    """
    dy = np.diff(y, axis=1)                         # dy[:, s] = y_{s+1} - y_s
    lhs = dy[:, 2:].reshape(-1, 3)                  # Δy_t,      t = 3 .. T-1
    rhs = dy[:, 1:-1].reshape(-1, 3)                # Δy_{t-1}
    z = np.concatenate([y[:, 1:-2], y[:, :-3]], axis=2).reshape(-1, 6)  # y_{t-2}, y_{t-3}
    zz_inv = np.linalg.inv(z.T @ z)
    xz = rhs.T @ z
    coef = np.linalg.solve(xz @ zz_inv @ xz.T, xz @ zz_inv @ (z.T @ lhs))  # (3 reg, 3 eq)
    return coef.T.ravel()                                               # rows = equations


def run(design_id: int, reps: int, draw: Callable[[np.random.Generator, int], np.ndarray]
        ) -> np.ndarray:
    """Estimates of replications ``r = 0 .. reps-1`` (each row ``TERMS`` order)."""
    return np.array([draw(np.random.default_rng([design_id, r]), r) for r in range(reps)])


def summarise(label: str, n: int, t: int, est: np.ndarray) -> pd.DataFrame:
    reps = est.shape[0]
    return pd.DataFrame({
        "design": label, "N": n, "T": t, "reps": reps, "term": TERMS, "truth": TRUTH,
        "mean": est.mean(axis=0), "sd": est.std(axis=0, ddof=1),
        "mcse": est.std(axis=0, ddof=1) / np.sqrt(reps),
        "median": np.median(est, axis=0),
    }).assign(z=lambda d: (d["mean"] - d["truth"]) / d["mcse"])


def designs(scale: float) -> list[tuple[str, int, int, int, Callable]]:
    """(label, N, T, reps, draw) for every cell of the experiment."""
    def k(reps: int) -> int:
        return max(int(round(reps * scale)), 2)

    def on_block(estimator: Callable, n: int, t: int) -> Callable:
        return lambda rng, r: estimator(to_frame(block_panel(rng, n, t)), "id", "year")

    def on_generator(estimator: Callable, t: int) -> Callable:
        # seed r, as benchmarks/synthetic_recovery.py (its 60 seeds are r = 0 .. 59)
        return lambda rng, r: estimator(simulate_stfi_panel(t, seed=r), "province_en", "year")

    return [
        # (a) the pipeline's GMM on simulate_stfi_panel (seeds 0-59 = synthetic_recovery.py),
        # then on the generator's VAR block with N growing, T = 12
        ("GMM, simulate_stfi_panel seeds 0-59", 31, 12, 60, on_generator(gmm_coef, 12)),
        (f"GMM, simulate_stfi_panel seeds 0-{k(2000) - 1}", 31, 12, k(2000),
         on_generator(gmm_coef, 12)),
        ("GMM", 31, 12, k(3000), on_block(gmm_coef, 31, 12)),
        ("GMM", 200, 12, k(2000), on_block(gmm_coef, 200, 12)),
        ("GMM", 1000, 12, k(500), on_block(gmm_coef, 1000, 12)),
        ("GMM", 5000, 12, k(200), on_block(gmm_coef, 5000, 12)),
        # (b) within-OLS on the generator with long T (Nickell bias O(1/T)), and T = 12
        ("within-OLS, simulate_stfi_panel", 31, 200, k(1000), on_generator(fe_ols_coef, 200)),
        ("within-OLS, simulate_stfi_panel", 31, 800, k(200), on_generator(fe_ols_coef, 800)),
        ("within-OLS", 5000, 12, k(50), on_block(fe_ols_coef, 5000, 12)),
        # (c) independent first-difference 2SLS (numpy) on large N
        ("FD-2SLS (numpy)", 5000, 12, k(500),
         lambda rng, r: fd_2sls_coef(block_panel(rng, 5000, 12))),
    ]


def markdown(frame: pd.DataFrame) -> str:
    """``frame`` (cells already formatted) as a markdown table."""
    rows = [list(map(str, frame.columns)), ["---"] * frame.shape[1],
            *frame.astype(str).to_numpy().tolist()]
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply every replication count (default 1)")
    parser.add_argument("--csv", default=None, help="write the full table here")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # few-moment warnings of the N = 31 fits
    started = time.perf_counter()
    tables = []
    for design_id, (label, n, t, reps, draw) in enumerate(designs(args.scale)):
        tic = time.perf_counter()
        tables.append(summarise(label, n, t, run(design_id, reps, draw)))
        print(f"{label:40s} N={n:5d} T={t:4d} reps={reps:5d} "
              f"{time.perf_counter() - tic:6.1f} s", flush=True)
    table = pd.concat(tables, ignore_index=True)
    focus = table[table["term"] == "d_innovation <- L1.d_STFI"].drop(columns=["term", "truth"])
    print("\nd_innovation <- L1.d_STFI (truth 0.3):\n")
    print(markdown(focus.assign(**{c: focus[c].map("{:.4f}".format)
                                  for c in ("mean", "sd", "mcse", "median")},
                                z=focus["z"].map("{:.2f}".format))))
    cells = table.assign(
        design=table["design"] + ", N=" + table["N"].astype(str) + ", T=" + table["T"].astype(str),
        cell=[f"{m:.3f} ({e:.3f})" for m, e in zip(table["mean"], table["mcse"], strict=True)])
    wide = (cells.pivot(index="term", columns="design", values="cell")
            .reindex(index=TERMS, columns=cells["design"].unique()))
    wide.insert(0, "truth", [f"{v:.2f}" for v in TRUTH])
    print("\nMean (Monte Carlo SE) of every coefficient:\n")
    print(markdown(wide.reset_index()))
    print(f"\n{time.perf_counter() - started:.0f} s in all")
    if args.csv:
        table.to_csv(args.csv, index=False)


if __name__ == "__main__":
    main()
