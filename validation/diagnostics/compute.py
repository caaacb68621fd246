"""Our numbers for ``reference.csv`` (R plm 2.6.2): ``compute()`` for ``stfi validate``."""

from __future__ import annotations

import warnings

import pandas as pd

import stfi_models as sm
from stfi_models import diagnostics as dg
from stfi_models.diagnostics.unit_roots import cips_test, hadri_test, llc_test

#: data name -> (loader, entity, time, right-hand formula)
SETUPS = {
    "grunfeld": (sm.load_grunfeld, "firm", "year", "inv ~ value + capital"),
    "abdata": (sm.load_abdata, "id", "year", "n ~ w + k + ys"),
    "china": (sm.load_china_provinces, "prov_code", "year",
              "np.log(patent_grant_total) ~ np.log(gdp_per_capita) + urbanization_rate"),
}
#: case suffix -> fit() options
MODELS = {"fe": {"model": "fe"}, "fe2": {"model": "fe", "effects": "twoways"},
          "fd": {"model": "fd"}, "pooled": {"model": "pooled"}}
_EFFECT = {"individual": "entity", "time": "time", "twoways": "twoways"}
#: unit-root case -> (loader, entity, time, variable, row filter)
UNITROOT = {
    "grunfeld_inv": (sm.load_grunfeld, "firm", "year", "inv", None),
    "grunfeld_value": (sm.load_grunfeld, "firm", "year", "value", None),
    "china_rd": (sm.load_china_provinces, "prov_code", "year", "rd_intensity",
                 lambda d: d[(d["year"] >= 2011) & (d["prov_code"] != 54)]),
}
_TREND = {"intercept": "c", "trend": "ct", "none": "n", "drift": "c"}


def unit_root(case: str, quantity: str) -> sm.TestResult:
    """Our unit-root test of a reference row (``<name>/data``)."""
    loader, entity, time, variable, keep = UNITROOT[case.split("/")[0]]
    data = loader() if keep is None else keep(loader())
    parts = quantity.split("_")
    if parts[0] == "llc":
        return llc_test(data, variable, entity=entity, time=time, trend=_TREND[parts[1]],
                        lags=int(parts[2]))
    if parts[0] == "hadri":
        return hadri_test(data, variable, entity=entity, time=time, trend=_TREND[parts[1]],
                          heteroskedastic=parts[2] == "het", dfcor=parts[-1] == "dfcor")
    return cips_test(data, variable, entity=entity, time=time, trend=_TREND[parts[1]],
                     lags=int(parts[2]))


def fit(case: str) -> sm.Result:
    """The plm model of a reference case (``<data>/<model>``)."""
    name, kind = case.split("/")
    loader, entity, time, formula = SETUPS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sm.MissingValueWarning)
        return sm.fit(formula, loader(), entity=entity, time=time, **MODELS[kind])


def test_of(res: sm.Result, quantity: str) -> sm.TestResult:
    """Our test for a reference quantity name."""
    if quantity == "local_cd":
        return dg.pesaran_cd(res, w=sm.china_weights(key="prov_code"))
    if quantity in dg.CD_TESTS:
        return dg.cross_section_dependence(res, quantity)
    if quantity.startswith("wooldridge_fd_"):
        return dg.wooldridge_fd(res, h0=quantity.removeprefix("wooldridge_fd_"))
    if quantity == "wooldridge_fe":
        return dg.wooldridge_fe(res)
    if quantity == "groupwise_het":
        return dg.groupwise_heteroskedasticity(res)
    _, _, effect, kind = quantity.split("_")
    return dg.random_effects_lm(res, effect=_EFFECT[effect], type=kind)


def compute() -> pd.DataFrame:
    """One row per reference row."""
    from stfi_models.validation import VALIDATION_ROOT

    ref = pd.read_csv(VALIDATION_ROOT / "diagnostics" / "reference.csv", keep_default_na=False)
    fits: dict[str, sm.Result] = {}
    rows = []
    for case, quantity, term in zip(ref["case"], ref["quantity"], ref["term"], strict=True):
        name, _, part = quantity.partition(":")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sm.SpecificationWarning)
            if case.endswith("/data"):
                test = unit_root(case, name)
            else:
                if case not in fits:
                    fits[case] = fit(case)
                test = test_of(fits[case], name)
        rows.append({"case": case, "quantity": quantity, "term": term,
                     "value": test.pvalue if part == "pvalue" else test.stat})
    return pd.DataFrame(rows)
