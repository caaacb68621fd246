"""Check whether any lambda within splm's printed digits gives its printed SE of log(pc).

The FE SAR model of ``shared/reference/spatial_panel.md`` section 3.1. Independent of stfi_models:
numpy only, following the documented algorithm of splm's
``spml(model = "within", effect = "individual", lag = TRUE)`` (same file, section 2): data
demeaned by state, lambda maximising the concentrated log-likelihood
``-NT/2 ln(e'e) + T ln|I - lambda W|``, beta by least squares at that lambda, sigma2 = e'e/NT,
and the analytic information matrix in the order (sigma2, lambda, beta). The printed splm
output has lambda = 0.274689 and SE(log(pc)) = 0.0230441, i.e. SE < 0.02304415.

Run from the repository root: ``python validation/spatial_panel/splm_se_check.py``; the
output is kept in ``splm_se_check.txt``.
"""

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar

DATA = Path(__file__).resolve().parents[2] / "stfi_models" / "datasets" / "produc"


def load():
    """Return the demeaned y, X and Wy (time-major) and W."""
    panel = pd.read_csv(DATA / "produc.csv").sort_values(["year", "state"], kind="stable")
    w = pd.read_csv(DATA / "usaww.csv").select_dtypes("number").to_numpy()
    n, t = w.shape[0], panel["year"].nunique()
    x = np.column_stack([np.log(panel.pcap), np.log(panel.pc), np.log(panel.emp), panel.unemp])
    y = np.log(panel.gsp).to_numpy()
    wy = np.concatenate([w @ y[s * n:(s + 1) * n] for s in range(t)])
    state = panel["state"].to_numpy()

    def demean(a):
        frame = pd.DataFrame(a)
        return (frame - frame.groupby(state).transform("mean")).to_numpy()

    return demean(y[:, None])[:, 0], demean(x), demean(wy[:, None])[:, 0], w, n, t


def main() -> None:
    """Print the SEs at the exact optimum and across lambda's printed interval."""
    y, x, wy, w, n, t = load()
    eig = np.linalg.eigvals(w).real

    def beta_resid(lam):
        beta = np.linalg.lstsq(x, y - lam * wy, rcond=None)[0]
        return beta, y - lam * wy - x @ beta

    def neg_concentrated(lam):
        e = beta_resid(lam)[1]
        return n * t / 2 * np.log(e @ e) - t * np.sum(np.log(1 - lam * eig))

    def information(lam):
        beta, e = beta_resid(lam)
        s2 = e @ e / (n * t)
        g = w @ np.linalg.inv(np.eye(n) - lam * w)
        gx = np.vstack([g @ x[s * n:(s + 1) * n] for s in range(t)])
        k = len(beta)
        info = np.zeros((k + 2, k + 2))
        info[0, 0] = n * t / (2 * s2**2)
        info[0, 1] = info[1, 0] = t * np.trace(g) / s2
        info[1, 1] = t * (np.trace(g @ g) + np.trace(g.T @ g)) + beta @ gx.T @ gx @ beta / s2
        info[1, 2:] = info[2:, 1] = x.T @ gx @ beta / s2
        info[2:, 2:] = x.T @ x / s2
        return info

    def ses(lam):
        return np.sqrt(np.diag(np.linalg.inv(information(lam))))

    lam = minimize_scalar(neg_concentrated, bounds=(0.0, 0.9), method="bounded",
                          options={"xatol": 1e-13}).x
    print(f"lambda maximising the likelihood: {lam:.12f} (splm prints 0.274689)")
    print(f"condition number of the information matrix: {np.linalg.cond(information(lam)):.3g}")
    names = ["lambda", "log(pcap)", "log(pc)", "log(emp)", "unemp"]
    printed = [0.023516, 0.0254425, 0.0230441, 0.0297044, 0.0008653]
    print("SEs at lambda =", ", ".join(f"{v:.7f}" for v in (0.2746885, lam, 0.2746895)))
    rows = np.array([ses(v)[1:] for v in (0.2746885, lam, 0.2746895)]).T
    for name, row, shown in zip(names, rows, printed, strict=True):
        print(f"  {name:10s} " + "  ".join(f"{v:.11f}" for v in row) + f"   splm prints {shown}")
    se_pc = rows[2]
    print(f"SE(log(pc)) over lambda's printed interval: {se_pc.min():.11f} .. {se_pc.max():.11f}; "
          f"splm's print needs < 0.02304415, so no lambda splm could have printed gives it.")


if __name__ == "__main__":
    main()
