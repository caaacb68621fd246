"""Spatial panel ML: speed and agreement against PySAL spreg, and SDM two-way at N = 2,800.

1. Produc (48 states x 17 years): SAR and SEM with entity effects, ours vs spreg 1.9
   ``ML_LagFE`` / ``ML_ErrorFE`` (median of ``--repeat`` fits each; max abs difference of the
   coefficients and SEs).
2. A rook lattice of ``--n`` cells (default 2,800 = 56 x 50) x ``--periods`` (15) with
   simulated SDM data: our SDM with two-way effects (``logdet="eigen"`` and ``"lu"``), and
   spreg's SAR with entity effects on the same data (spreg has no SDM-FE with time effects).

Run: ``OPENBLAS_NUM_THREADS=1 python benchmarks/spatial.py [--n 2800] [--periods 15]
[--repeat 5] [--write]``; ``--write`` rewrites the section of benchmarks/README.md.
spreg and libpysal are needed (``pip install spreg libpysal``); they are not dependencies.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
import scipy.sparse as sp
from _readme import markdown_table, write_section

import stfi_models as sm
from stfi_models.spatial import SpatialWeights

FORMULA = "np.log(gsp) ~ np.log(pcap) + np.log(pc) + np.log(emp) + unemp"
HEADING = "## Spatial panel models vs PySAL spreg"


def _median_time(func, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), out


def _spreg_arrays(y: np.ndarray, x: np.ndarray, w: SpatialWeights):
    """Time-major stacked arrays and a libpysal W for spreg."""
    import libpysal

    lw = libpysal.weights.WSP(sp.csr_matrix(w.matrix)).to_W(silence_warnings=True)
    lw.transform = "r"
    return y.reshape(-1, 1), x, lw


def produc_rows(repeat: int) -> list[dict]:
    import spreg

    data, w = sm.load_produc(), sm.produc_weights()

    def wide(column: str) -> np.ndarray:  # time-major stacking, states in weights order
        return data.pivot(index="state", columns="year", values=column).loc[list(w.ids)] \
            .to_numpy().T.ravel()

    x = np.column_stack([np.log(wide("pcap")), np.log(wide("pc")), np.log(wide("emp")),
                         wide("unemp")])
    y, x, lw = _spreg_arrays(np.log(wide("gsp")), x, w)
    rows = []
    for model, peer in (("sar", spreg.ML_LagFE), ("sem", spreg.ML_ErrorFE)):
        ours_t, res = _median_time(lambda m=model: sm.fit(FORMULA, data, model=m, w=w,
                                                          entity="state", time="year"), repeat)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            peer_t, fitted = _median_time(lambda p=peer: p(y, x, lw, vm=True), repeat)
        coef = np.asarray(fitted.betas).ravel()
        se = np.sqrt(np.diag(fitted.vm))
        diff = max(np.abs(coef - res.params.to_numpy()).max(),
                   np.abs(se - res.std_errors.to_numpy()).max())
        rows.append({"task": f"Produc {model.upper()} entity FE (N=48, T=17)",
                     "ours (s)": ours_t, "spreg (s)": peer_t, "speed-up": peer_t / ours_t,
                     "max abs diff": float(diff)})
    return rows


def lattice(n: int) -> SpatialWeights:
    """Rook contiguity of a near-square grid with ``n`` cells, row-standardised."""
    cols = int(np.sqrt(n * 56 / 50)) if n == 2800 else int(np.ceil(np.sqrt(n)))
    rows = -(-n // cols)
    idx = np.arange(rows * cols).reshape(rows, cols)
    pairs = [(idx[:, :-1], idx[:, 1:]), (idx[:-1, :], idx[1:, :])]
    i = np.concatenate([a.ravel() for a, _ in pairs])
    j = np.concatenate([b.ravel() for _, b in pairs])
    keep = (i < n) & (j < n)
    i, j = i[keep], j[keep]
    links = sp.csr_array((np.ones(2 * i.size), (np.r_[i, j], np.r_[j, i])), shape=(n, n))
    return SpatialWeights.from_matrix(links, transform="row")


def simulate(w: SpatialWeights, periods: int, seed: int = 1) -> pd.DataFrame:
    """SDM with two-way effects: rho 0.4, beta (1, -0.5), theta (0.3, 0.2)."""
    rng = np.random.default_rng(seed)
    n = w.n
    x = rng.standard_normal((periods, n, 2))
    mu, gamma = rng.standard_normal(n), rng.standard_normal(periods)
    lu = sp.linalg.splu(sp.csc_matrix(sp.identity(n) - 0.4 * sp.csr_matrix(w.matrix)))
    y = np.empty((periods, n))
    for t in range(periods):
        wx = w.matrix @ x[t]
        rhs = x[t] @ [1.0, -0.5] + wx @ [0.3, 0.2] + mu + gamma[t] + rng.standard_normal(n)
        y[t] = lu.solve(rhs)
    return pd.DataFrame({"unit": np.tile(np.arange(n), periods),
                         "t": np.repeat(np.arange(periods), n), "y": y.ravel(),
                         "x1": x[:, :, 0].ravel(), "x2": x[:, :, 1].ravel()})


def large_rows(n: int, periods: int) -> list[dict]:
    import spreg

    w = lattice(n)
    data = simulate(w, periods)
    rows = []
    for logdet in ("eigen", "lu"):
        start = time.perf_counter()
        res = sm.fit("y ~ x1 + x2", data, model="sdm", w=w, entity="unit", time="t",
                     effects="twoways", logdet=logdet)
        took = time.perf_counter() - start
        rows.append({"task": f"SDM two-way, logdet={logdet} (N={n}, T={periods})",
                     "ours (s)": took, "spreg (s)": float("nan"), "speed-up": float("nan"),
                     "max abs diff": float(abs(res.params["rho"] - 0.4))})
    start = time.perf_counter()
    sar = sm.fit("y ~ x1 + x2", data, model="sar", w=w, entity="unit", time="t")
    ours_t = time.perf_counter() - start
    y, x, lw = _spreg_arrays(data["y"].to_numpy(), data[["x1", "x2"]].to_numpy(), w)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = spreg.ML_LagFE(y, x, lw, vm=True)
    peer_t = time.perf_counter() - start
    diff = np.abs(np.asarray(peer.betas).ravel() - sar.params.to_numpy()).max()
    rows.append({"task": f"SAR entity FE (N={n}, T={periods})", "ours (s)": ours_t,
                 "spreg (s)": peer_t, "speed-up": peer_t / ours_t, "max abs diff": float(diff)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2800)
    parser.add_argument("--periods", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    table = pd.DataFrame(produc_rows(args.repeat) + large_rows(args.n, args.periods))
    text = markdown_table(table)
    print(text)
    if args.write:
        write_section(HEADING, f"{HEADING}\n\n`OPENBLAS_NUM_THREADS=1 python benchmarks/spatial.py "
                      f"--write` (issue 14). Times in seconds, one core of the shared 2-core "
                      "Xeon; ours include formula parsing, the within transformation, the "
                      "log-determinant (eigenvalues or sparse LU) and the analytic information "
                      "matrix. `max abs diff`: coefficients and SEs against spreg on Produc; "
                      "on the lattice |rho - 0.4| (simulated truth) for the SDM rows and the "
                      "coefficients against spreg for the SAR row. On Produc our time is "
                      "mostly the formula front end (patsy design, ~60% of a fit), which spreg, "
                      "taking arrays, does not have; the estimation itself is faster. At N = "
                      "2,800 the eigenvalue route is dominated by one dense symmetric "
                      "eigendecomposition; `logdet=\"lu\"` (sparse LU per likelihood "
                      f"evaluation) does the SDM with two-way effects in about 3 s.\n\n{text}")


if __name__ == "__main__":
    main()
