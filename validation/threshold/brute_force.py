"""Independent brute-force computation of the deterministic threshold quantities.

Written without the package's threshold code: at every grid point it builds the regime
dummies explicitly and runs statsmodels OLS, on LSDV (entity dummies; the "standard"
convention) or on Hansen's transformed rows (entity-demeaned, last year deleted; the "hansen"
convention).  Grid and sequential rules are implemented from their written definitions
(stfi_models/models/threshold/grid.py and sequential.py docstrings; Hansen 1999 and his
THRESH_P.PRG as described in shared/reference/threshold.md section B).

Run from the repository root:  python validation/threshold/brute_force.py
It writes brute_force_output.csv (case, quantity, term, value).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm_api

import stfi_models as sm

HERE = Path(__file__).resolve().parent
C = {"entity": "prov_code", "time": "year", "q": "gdp_per_capita", "years": (2011, 2023)}
SETTINGS = {"china/standard": ("standard", 2, 0.05, 100),
            "china/hansen": ("hansen", 2, 0.05, 100)}


def china_data() -> pd.DataFrame:
    """The sample: 2011-2023, sorted by province and year, model columns built by hand."""
    raw = sm.load_china_provinces()
    raw = raw[(raw.year >= C["years"][0]) & (raw.year <= C["years"][1])]
    df = pd.DataFrame({
        "e": raw["prov_code"], "t": raw["year"],
        "y": np.log(raw["patent_grant_invention"]),
        "x1": np.log(raw["rd_exp_total"]), "x2": raw["urbanization_rate"],
        "z": raw["budget_exp_scitech"] / raw["budget_exp_total"] * 100,
        "q": raw["gdp_per_capita"]}).dropna()
    return df.sort_values(["e", "t"]).reset_index(drop=True)


def grid_points(q: np.ndarray, trim: float, n: int, convention: str) -> np.ndarray:
    """Candidate thresholds of the first stage, from their definitions."""
    if convention == "hansen":
        dd = sorted(set(q.tolist()))
        count = int(round(n - 2 * n * trim + 1))
        return np.array(sorted({dd[max(1, math.floor((trim + j / n) * len(dd))) - 1]
                                for j in range(count)}))
    qs = sorted(q.tolist())
    out = set()
    for j in range(n):
        p = trim + (1 - 2 * trim) * j / (n - 1)
        k = max(math.ceil(p * len(qs)), 1)  # inverted empirical cdf
        out.add(qs[k - 1])
    return np.array(sorted(out))


def allowed(grid: np.ndarray, q: np.ndarray, fixed: list[float], trim: float, n: int,
            convention: str) -> list[float]:
    """Candidates of a later stage (trimming around the fixed thresholds)."""
    if not fixed:
        return list(grid)
    keep = []
    for i, g in enumerate(grid, start=1):
        if convention == "hansen":
            bad = any(sum(grid < r) - n * trim < i <= sum(grid < r) + n * trim for r in fixed)
            if not bad:
                keep.append(g)
            continue
        cuts = sorted([*fixed, g])
        if g in fixed:
            continue
        regime = np.searchsorted(np.array(cuts), q, side="left")  # q <= cut -> lower
        shares = np.bincount(regime, minlength=len(cuts) + 1) / q.size
        if (shares >= trim).all():
            keep.append(g)
    return keep


def regressors(df: pd.DataFrame, thresholds: list[float], convention: str) -> pd.DataFrame:
    """Controls and one z column per regime (explicit dummies)."""
    cuts = sorted(thresholds)
    out = df[["x1", "x2"]].copy()
    for j in range(len(cuts) + 1):
        lo = -np.inf if j == 0 else cuts[j - 1]
        hi = np.inf if j == len(cuts) else cuts[j]
        if convention == "hansen":
            inside = (df.q >= lo) & (df.q < hi)
        else:
            inside = (df.q > lo) & (df.q <= hi)
        out[f"z_r{j + 1}"] = df.z * inside
    return out


def regression(df: pd.DataFrame, thresholds: list[float], convention: str):
    """statsmodels OLS of the model at ``thresholds``; returns (fit, X used, y used)."""
    x = regressors(df, thresholds, convention)
    if convention == "hansen":
        data = pd.concat([df[["e", "t", "y"]], x], axis=1)
        cols = ["y", *x.columns]
        dem = data[cols] - data.groupby("e")[cols].transform("mean")
        last = data.groupby("e")["t"].transform("max") == data["t"]
        dem = dem[~last.to_numpy()]
        return sm_api.OLS(dem["y"], dem[list(x.columns)]).fit(), dem
    dummies = pd.get_dummies(df["e"], prefix="e", dtype=float)
    design = pd.concat([x, dummies], axis=1)
    return sm_api.OLS(df["y"], design).fit(), design


def ssr(df, thresholds, convention) -> float:
    """Sum of squared residuals at ``thresholds``."""
    return float(regression(df, thresholds, convention)[0].ssr)


def search(df, grid, fixed, trim, n, convention):
    """SSR at every allowed candidate; returns (candidates, ssrs)."""
    cands = allowed(grid, df.q.to_numpy(), fixed, trim, n, convention)
    return np.array(cands), np.array([ssr(df, [*fixed, g], convention) for g in cands])


def lr_ci(cands, ssrs, df_sigma, level=0.95):
    """[min, max] of the candidates with LR < c(alpha)."""
    best = ssrs.min()
    lr = (ssrs - best) / (best / df_sigma)
    crit = -2 * math.log(1 - math.sqrt(level))
    inside = cands[lr < crit]
    return float(inside.min()), float(inside.max())


def run_case(case: str, df: pd.DataFrame) -> list[tuple]:
    """Every deterministic quantity of one case."""
    convention, k_max, trim, n = SETTINGS[case]
    q = df.q.to_numpy()
    grid = grid_points(q, trim, n, convention)
    n_ent = df.e.nunique()
    df_sigma = len(df) - n_ent
    rows = [(case, "ssr0", "", ssr(df, [], convention))]
    fixed: list[float] = []
    prev = rows[0][3]
    curves = {}
    for k in range(1, k_max + 1):
        cands, s = search(df, grid, fixed, trim, n, convention)
        j = int(np.argmin(s))
        new, s_new = float(cands[j]), float(s[j])
        curves[new] = (cands, s)
        thresholds = sorted([*fixed, new])
        s_model = s_new
        if k == 2:
            c2, s2 = search(df, grid, [new], trim, n, convention)
            j2 = int(np.argmin(s2))
            curves[float(c2[j2])] = (c2, s2)
            thresholds = sorted([float(c2[j2]), new])
            s_model = float(s2[j2])
        rows.append((case, f"fstat{k}", "", (prev - s_new) / (s_new / df_sigma)))
        rows.append((case, f"ssr{k}", "", s_model))
        prev, fixed = s_model, thresholds
    for j, g in enumerate(fixed, start=1):
        rows.append((case, "threshold", f"gamma{j}", g))
        lo, hi = lr_ci(*curves[g], df_sigma)
        rows.append((case, "ci95_lower", f"gamma{j}", lo))
        rows.append((case, "ci95_upper", f"gamma{j}", hi))
    fit, design = regression(df, fixed, convention)
    names = ["x1", "x2"] + [f"z_r{j + 1}" for j in range(len(fixed) + 1)]
    # classical SEs with divisor n - N - k (the within regression's residual df):
    # LSDV's own df is n - N - k already; on Hansen's rows statsmodels divides by n_out - k.
    k = len(names)
    n_out = len(design)
    if convention == "hansen":
        scale = math.sqrt((n_out - k) / (n_out - n_ent - k))
    else:
        scale = 1.0
    hc0 = fit.get_robustcov_results(cov_type="HC0")
    clus = fit.get_robustcov_results(
        cov_type="cluster", groups=pd.factorize(
            df.e if convention == "standard" else
            df.e[df.groupby("e")["t"].transform("max") != df["t"]])[0],
        use_correction=False)
    for i, name in enumerate(names):
        rows.append((case, "coef", name, float(fit.params[name])))
        rows.append((case, "se", name, float(fit.bse[name]) * scale))
        rows.append((case, "se_hc0", name, float(hc0.bse[i])))
        rows.append((case, "se_cr0", name, float(clus.bse[i])))
    return rows


def main() -> None:
    """Write brute_force_output.csv."""
    df = china_data()
    rows = [r for case in SETTINGS for r in run_case(case, df)]
    out = pd.DataFrame(rows, columns=["case", "quantity", "term", "value"])
    out.to_csv(HERE / "brute_force_output.csv", index=False, float_format="%.17g")
    print(out.to_string())


if __name__ == "__main__":
    main()
