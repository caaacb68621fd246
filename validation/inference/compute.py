"""Our numbers for ``reference.csv`` (R clubSandwich 0.5.8 on plm 2.6.2): ``compute()``.

Mapping: clubSandwich ``vcovCR(m, type = T)`` = ``res.with_vcov(T)`` (T = CR0, CR1, CR1S, CR2,
CR3), clustering by entity (``_time``: by the time key, ``cluster="time"``);
``coef_test(m, vcov, test = "Satterthwaite")$df_Satt`` = ``res.df_params``;
``Wald_test(m, constrain_zero(c(a, b)), vcov = CR2, test = "HTZ")`` =
``res.with_vcov("CR2").wald_test("a = 0, b = 0")``; plm's ``summary(m)$r.squared["adjrsq"]``
= ``res.rsquared_adj``.  README.md has the conventions.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

import stfi_models as sm
from stfi_models.exceptions import SpecificationWarning

KINDS = ("CR0", "CR1", "CR1S", "CR2", "CR3")
DF_KINDS = ("CR0", "CR2", "CR3")


def _china() -> pd.DataFrame:
    data = sm.load_china_provinces()
    return data.assign(
        lpat=np.log(data["patent_app_invention"]), lrd=np.log(data["rd_exp_total"]),
        lgdp=np.log(data["gdp_nbs"]), lpop=np.log(data["pop_yearend"]),
    )


#: data set -> (loader, entity, formula, the two coefficients of the HTZ test).
SETUPS = {
    "abdata": (sm.load_abdata, "id", "n ~ w + k + ys", ("w", "k")),
    "grunfeld": (sm.load_grunfeld, "firm", "inv ~ value + capital", ("value", "capital")),
    "china": (_china, "province_en", "lpat ~ lrd + lgdp + lpop", ("lrd", "lgdp")),
}
#: plm model (case suffix) -> our fit() options.
MODELS = {
    "pooling": {"model": "pooled"},
    "within_individual": {"model": "fe", "effects": "entity"},
    "within_twoways": {"model": "fe", "effects": "twoways"},
    "random_swar": {"model": "re"},
}


def fit_case(data: str, model: str, frame: pd.DataFrame | None = None) -> sm.Result:
    """Fit case ``<data>/<model>`` with the classical covariance."""
    loader, entity, formula, _ = SETUPS[data]
    frame = loader() if frame is None else frame
    return sm.fit(formula, frame, entity=entity, time="year", **MODELS[model])


def _quantities(res: sm.Result, suffix: str, cluster: str, hyp: tuple[str, str]
                ) -> dict[str, pd.Series]:
    out: dict[str, pd.Series] = {"coef": res.params}
    for kind in KINDS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SpecificationWarning)
            other = res.with_vcov(kind, cluster=cluster)
        out[f"se:{kind}{suffix}"] = other.std_errors
        if kind in DF_KINDS:
            out[f"df:{kind}{suffix}"] = other.df_params
    test = res.with_vcov("CR2", cluster=cluster).wald_test(f"{hyp[0]} = 0, {hyp[1]} = 0")
    out[f"htz:CR2{suffix}"] = pd.Series({"Fstat": test.stat, "df_num": test.df[0],
                                         "df_denom": test.df[1], "p_val": test.pvalue})
    return out


def compute() -> pd.DataFrame:
    """One row per (case, quantity, term) of every clubSandwich case."""
    rows = []
    for data, (loader, _, _, hyp) in SETUPS.items():
        frame = loader()
        for model in MODELS:
            res = fit_case(data, model, frame)
            found = _quantities(res, "", "entity", hyp)
            found["adjrsq"] = pd.Series({"adjrsq": res.rsquared_adj})
            if model == "within_individual":
                found.update(_quantities(res, "_time", "time", hyp))
            for quantity, values in found.items():
                rows += [(f"{data}/{model}", quantity, str(term), float(v))
                         for term, v in values.items()]
    return pd.DataFrame(rows, columns=["case", "quantity", "term", "value"])
