"""Our numbers for ``reference.csv`` (linearmodels, see make_reference.py and README.md)."""

from __future__ import annotations

import warnings

import pandas as pd

import stfi_models as sm

#: data name -> (loader, entity, time, formula); the same models make_reference.py builds.
SETUPS = {
    "abdata": (sm.load_abdata, "id", "year", "n ~ k + [w ~ ys + L(ys, 1)] | id + year"),
    "abdata2": (sm.load_abdata, "id", "year", "n ~ [w + k ~ ys + L(ys, 1) + L(k, 1)] | id + year"),
    "china": (sm.load_china_provinces, "prov_code", "year",
              "np.log(patent_grant_total) ~ np.log(gdp_per_capita) + urbanization_rate"
              " + [rd_intensity ~ L(rd_intensity, 2) + I(budget_exp_scitech / budget_exp_total)]"
              " + C(prov_code) + C(year)"),
    "grunfeld": (sm.load_grunfeld, "firm", "year",
                 "inv ~ capital + [value ~ L(value, 1) + L(value, 2)]"),
}
#: reference term -> our term
TERMS = {"lgdp": "np.log(gdp_per_capita)", "const": "Intercept"}


def fit(name: str, method: str, vcov: str, small: bool) -> sm.Result:
    """Our fit of one reference case."""
    loader, entity, time, formula = SETUPS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sm.MissingValueWarning)
        return sm.fit(formula, loader(), entity=entity, time=time, method=method, vcov=vcov,
                      small=small)


def _value(res: sm.Result, quantity: str, term: str) -> float:
    term = TERMS.get(term, term)
    quantity = quantity.removesuffix("_aer")  # the same quantity from R AER
    if quantity == "coef":
        return float(res.params[term])
    if quantity == "se":
        return float(res.std_errors[term])
    if quantity in ("underid", "overid", "endogeneity"):
        return float(res.diagnostics[quantity].stat)
    if quantity in ("weak_id_f", "cragg_donald_f"):
        return float(res.info["weak_id_f"])
    table = res.info["first_stage"].drop_duplicates("endogenous").set_index("endogenous")
    column = {"partial_r2": "partial_r2", "first_stage_f": "f_stat"}[quantity]
    return float(table.loc[term, column])


def compute() -> pd.DataFrame:
    """One row per reference row."""
    from stfi_models.validation import VALIDATION_ROOT

    ref = pd.read_csv(VALIDATION_ROOT / "iv" / "reference.csv", keep_default_na=False)
    cache: dict[str, sm.Result] = {}
    rows = []
    for case, quantity, term in zip(ref["case"], ref["quantity"], ref["term"], strict=True):
        if case not in cache:
            name, method, vcov, size = case.split("/")
            cache[case] = fit(name, method, vcov, size == "small")
        rows.append({"case": case, "quantity": quantity, "term": term,
                     "value": _value(cache[case], quantity, term)})
    return pd.DataFrame(rows)
