"""Reference numbers for the IV estimators, from linearmodels (independent software).

Run from the repository root:  python validation/iv/make_reference.py
Writes linearmodels_raw.csv (case, quantity, term, value) and reference.csv, which also
takes the rows of aer_raw.csv (R AER::ivreg, written by aer_ivreg.R; run that first).

The arrays are built here with pandas, independently of stfi_models' formula code: lags by
``groupby().shift()`` with a check for consecutive years, absorbed effects as dummy columns
(LSDV) for 2SLS and LIML (Frisch-Waugh-Lovell makes them equal to the within estimates,
also for the small-sample ``debiased`` covariances, whose k then counts the dummies) and as
exact two-way within residuals (least squares on the dummies) for GMM, J and C statistics
(efficient GMM with the dummies among the instruments is a different estimator; ivreghdfe
and ours partial them out first).  README.md maps the options.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import linearmodels
import numpy as np
import pandas as pd
from linearmodels.iv import IV2SLS, IVGMM, IVLIML

import stfi_models as sm  # only its bundled data loaders

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TOLERANCE = 1e-6


def _lag(frame: pd.DataFrame, entity: str, time: str, column: str, k: int) -> pd.Series:
    frame = frame.sort_values([entity, time])
    shifted = frame.groupby(entity)[column].shift(k)
    gap = frame[time] - frame.groupby(entity)[time].shift(k)
    return shifted.where(gap == k).reindex(frame.index)


def abdata() -> tuple[pd.DataFrame, dict]:
    df = sm.load_abdata()
    df["L1_ys"] = _lag(df, "id", "year", "ys", 1)
    df["L1_k"] = _lag(df, "id", "year", "k", 1)
    return df, {"entity": "id", "time": "year", "y": "n", "exog": ["k"], "endog": ["w"],
                "instr": ["ys", "L1_ys"]}


def abdata2() -> tuple[pd.DataFrame, dict]:
    df, spec = abdata()
    return df, {**spec, "exog": [], "endog": ["w", "k"], "instr": ["ys", "L1_ys", "L1_k"]}


def china() -> tuple[pd.DataFrame, dict]:
    df = sm.load_china_provinces()  # the bundled CSV, read only
    df["ly"] = np.log(df["patent_grant_total"])
    df["lgdp"] = np.log(df["gdp_per_capita"])
    df["sci_share"] = df["budget_exp_scitech"] / df["budget_exp_total"]
    df["L2_rd"] = _lag(df, "prov_code", "year", "rd_intensity", 2)
    return df, {"entity": "prov_code", "time": "year", "y": "ly",
                "exog": ["lgdp", "urbanization_rate"], "endog": ["rd_intensity"],
                "instr": ["L2_rd", "sci_share"]}


def grunfeld() -> tuple[pd.DataFrame, dict]:
    df = sm.load_grunfeld()
    df["L1_value"] = _lag(df, "firm", "year", "value", 1)
    df["L2_value"] = _lag(df, "firm", "year", "value", 2)
    return df, {"entity": "firm", "time": "year", "y": "inv", "exog": ["capital"],
                "endog": ["value"], "instr": ["L1_value", "L2_value"], "effects": False}


DATA = {"abdata": abdata, "abdata2": abdata2, "china": china, "grunfeld": grunfeld}


def arrays(name: str) -> tuple[dict, pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Sample, LSDV exog (with dummies or a constant), within-demeaned arrays, clusters."""
    df, spec = DATA[name]()
    cols = [spec["y"], *spec["exog"], *spec["endog"], *spec["instr"]]
    df = df.dropna(subset=cols).sort_values([spec["entity"], spec["time"]])
    if spec.get("effects", True):
        dummies = pd.concat([pd.get_dummies(df[spec["entity"]], prefix="e", dtype=float),
                             pd.get_dummies(df[spec["time"]], prefix="t", dtype=float,
                                            drop_first=True)], axis=1)
        coef, *_ = np.linalg.lstsq(dummies.to_numpy(), df[cols].to_numpy(float), rcond=None)
        within = df[cols] - dummies.to_numpy() @ coef
        lsdv = pd.concat([df[spec["exog"]], dummies], axis=1)
    else:
        within = df[cols]
        lsdv = df[spec["exog"]].assign(const=1.0)
        within = pd.concat([within, pd.DataFrame({"const": 1.0}, index=df.index)], axis=1)
    clusters = pd.factorize(df[spec["entity"]])[0]
    return spec, lsdv, within, clusters


COVS = {"unadjusted": ("unadjusted", {}), "robust": ("robust", {}),
        "cluster": ("clustered", "clusters")}


def run() -> pd.DataFrame:
    rows = []

    def add(case: str, quantity: str, term: str, value: float) -> None:
        rows.append({"case": case, "quantity": quantity, "term": term, "value": float(value)})

    for name in DATA:
        spec, lsdv, within, clusters = arrays(name)
        for vcov, (cov_type, _) in COVS.items():
            kw = {"clusters": clusters} if vcov == "cluster" else {}
            for small in (False, True):
                for method, cls in (("2sls", IV2SLS), ("liml", IVLIML)):
                    # LSDV: the dependent variable in levels with the dummies as exog
                    df, _ = DATA[name]()
                    lvl = df.loc[lsdv.index]
                    res = cls(lvl[spec["y"]], lsdv, lvl[spec["endog"]], lvl[spec["instr"]]
                              ).fit(cov_type=cov_type, debiased=small, **kw)
                    case = f"{name}/{method}/{vcov}/{'small' if small else 'large'}"
                    terms = [*spec["exog"], *spec["endog"]]
                    for t in terms:
                        add(case, "coef", t, res.params[t])
                        add(case, "se", t, res.std_errors[t])
                    if small:
                        continue
                    if method == "2sls":
                        add(case, "underid", "", res.first_stage.kleibergen_paap.stat)
                        add(case, "weak_id_f", "", res.first_stage.kleibergen_paap_f)
                        if vcov == "unadjusted":
                            add(case, "cragg_donald_f", "", res.first_stage.cragg_donald_f)
                            if len(spec["instr"]) > len(spec["endog"]):
                                add(case, "overid", "", res.sargan.stat)
                            add(case, "endogeneity", "", res.durbin().stat)
                        diag = res.first_stage.diagnostics
                        for e in spec["endog"]:
                            add(case, "partial_r2", e, diag.loc[e, "partial.rsquared"])
                # first-stage Wald (debiased = Stata's small-sample factors)
                if small:
                    df, _ = DATA[name]()
                    lvl = df.loc[lsdv.index]
                    res = IV2SLS(lvl[spec["y"]], lsdv, lvl[spec["endog"]], lvl[spec["instr"]]
                                 ).fit(cov_type=cov_type, debiased=True, **kw)
                    diag = res.first_stage.diagnostics
                    q = len(spec["instr"])
                    for e in spec["endog"]:
                        stat = diag.loc[e, "f.stat"]
                        add(f"{name}/2sls/{vcov}/large", "first_stage_f", e,
                            stat if vcov == "unadjusted" else stat / q)
                if small:
                    continue
                # GMM, J and C on the within-demeaned arrays (no dummies among instruments)
                exog = within[[c for c in within.columns if c in spec["exog"] or c == "const"]]
                gm = IVGMM(within[spec["y"]], exog if exog.shape[1] else None,
                           within[spec["endog"]], within[spec["instr"]],
                           weight_type=cov_type, **kw).fit(cov_type=cov_type, **kw)
                case = f"{name}/gmm/{vcov}/large"
                for t in [*spec["exog"], *spec["endog"]]:
                    add(case, "coef", t, gm.params[t])
                    add(case, "se", t, gm.std_errors[t])
                if len(spec["instr"]) > len(spec["endog"]):
                    add(case, "overid", "", gm.j_stat.stat)
                if vcov != "unadjusted":
                    add(case, "endogeneity", "", gm.c_stat().stat)
    return pd.DataFrame(rows)


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    raw = run()
    raw.to_csv(HERE / "linearmodels_raw.csv", index=False, float_format="%.15g")
    ref = raw.assign(tolerance=TOLERANCE,
                     source=f"linearmodels {linearmodels.__version__}, "
                            "validation/iv/make_reference.py (raw: linearmodels_raw.csv)")
    aer = pd.read_csv(HERE / "aer_raw.csv", keep_default_na=False).assign(
        tolerance=TOLERANCE,
        source="R 4.2 AER::ivreg + sandwich, validation/iv/aer_ivreg.R (raw: aer_raw.csv)")
    ref = pd.concat([ref, aer], ignore_index=True)
    ref.to_csv(HERE / "reference.csv", index=False, float_format="%.15g")
    print(f"wrote {len(ref)} rows")
