"""Our numbers for ``reference.csv`` (R plm 2.6.2): ``compute()`` for ``stfi validate``.

Mapping of plm models and covariances to our options: README.md in this folder.  plm's HC1
for ``model = "fd"`` uses ``n_levels - k`` where ours uses ``n_fd - k`` (a plm slip, see
README): for those rows our SE is rescaled to plm's convention, as the README states.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import stfi_models as sm

SETUPS = {
    "abdata": (sm.load_abdata, "id", "n ~ w + k + ys"),
    "grunfeld": (sm.load_grunfeld, "firm", "inv ~ value + capital"),
}
#: plm model (case suffix ``<data>/<model>``) -> our fit() options.
MODELS = {
    "pooling": {"model": "pooled"},
    "within_individual": {"model": "fe", "effects": "entity"},
    "within_time": {"model": "fe", "effects": "time"},
    "within_twoways": {"model": "fe", "effects": "twoways"},
    "random_swar": {"model": "re"},
    "fd": {"model": "fd"},
    "between": {"model": "between"},
}
_NONE = {"df_adjust": "none", "group_debias": False}
_HC1 = {"df_adjust": "hc1", "group_debias": False}
#: plm covariance (quantity ``se:<name>``) -> our with_vcov() arguments; README mapping.
VCOV = {
    "vcov": {"vcov": "unadjusted"},
    "white1_HC0": {"vcov": "robust", "df_adjust": "none"},
    "white1_HC1": {"vcov": "robust"},  # default df_adjust="hc1"
    "hc_group_HC0": {"vcov": "cluster", **_NONE},
    "hc_group_HC1": {"vcov": "cluster", **_HC1},
    "hc_group_sss": {"vcov": "cluster"},  # defaults: df_adjust="stata", group_debias=True
    "hc_time_HC0": {"vcov": "cluster", "cluster": "time", **_NONE},
    "hc_time_HC1": {"vcov": "cluster", "cluster": "time", **_HC1},
    "hc_time_sss": {"vcov": "cluster", "cluster": "time"},
    "dc_HC0": {"vcov": "cluster", "cluster": "twoway", **_NONE},
    "dc_HC1": {"vcov": "cluster", "cluster": "twoway", **_HC1},
    "dc_sss": {"vcov": "cluster", "cluster": "twoway"},
    "scc_HC0": {"vcov": "driscoll-kraay"},  # defaults: bartlett, floor(T^(1/4)), no factor
    "scc_HC0_lag2": {"vcov": "driscoll-kraay", "bandwidth": 2},
    "scc_HC1": {"vcov": "driscoll-kraay", "df_adjust": "hc1"},
    "scc_sss": {"vcov": "driscoll-kraay", "df_adjust": "stata", "group_debias": True},
}


def _plm_fd_hc1_factor(res: sm.Result) -> float:
    """Ratio of SEs: plm's HC1 for model="fd" is n_fd/(n_levels - k), ours n_fd/(n_fd - k).

    In plm 2.6.2 ``vcovG`` computes ``df <- nT - k`` before it subtracts the first rows of
    each entity from ``nT`` for fd models (its "sss" uses the corrected count); README.md.
    """
    n_fd, k = res.nobs, len(res.params)
    return float(np.sqrt((n_fd / (res.balance.nobs - k)) / (n_fd / (n_fd - k))))


def _quantities(res: sm.Result, model: str) -> dict[str, pd.Series]:
    out = {"coef": res.params,
           "rsquared": pd.Series({"r2": res.rsquared.get("r2", res.rsquared.get("within"))}),
           "nobs": pd.Series({"nobs": res.nobs}),
           "df_resid": pd.Series({"df_resid": res.df_resid})}
    for name, options in VCOV.items():
        try:
            se = res.with_vcov(**options).std_errors
        except sm.SpecificationError:  # e.g. clustering a between regression: plm has none
            continue
        if model == "fd" and name.endswith("_HC1"):
            se = se * _plm_fd_hc1_factor(res)
        out[f"se:{name}"] = se
    if "F effects" in res.diagnostics:
        t = res.diagnostics["F effects"]
        out["Ftest"] = pd.Series({"stat": t.stat, "df1": t.df[0], "df2": t.df[1],
                                  "pvalue": t.pvalue})
    if "hausman" in res.diagnostics:
        t = res.diagnostics["hausman"]
        out["hausman"] = pd.Series({"stat": t.stat, "df": t.df, "pvalue": t.pvalue})
    if "sigma2_idios" in res.info:
        out["sigma2"] = pd.Series({"idios": res.info["sigma2_idios"],
                                   "id": res.info["sigma2_entity"]})
        out["theta"] = pd.Series({"min": res.info["theta"].min(),
                                  "max": res.info["theta"].max()})
    return out


def fit_case(data: str, model: str, frame: pd.DataFrame | None = None) -> sm.Result:
    """Fit plm case ``<data>/<model>`` (``frame``: the data set, loaded if omitted)."""
    loader, entity, formula = SETUPS[data]
    frame = loader() if frame is None else frame
    return sm.fit(formula, frame, entity=entity, time="year", **MODELS[model])


def compute() -> pd.DataFrame:
    """One row per (case, quantity, term) of every plm case."""
    rows = []
    for data, (loader, _, _) in SETUPS.items():
        frame = loader()
        for model in MODELS:
            res = fit_case(data, model, frame)
            for quantity, values in _quantities(res, model).items():
                rows += [(f"{data}/{model}", quantity, str(term), float(v))
                         for term, v in values.items()]
    return pd.DataFrame(rows, columns=["case", "quantity", "term", "value"])
