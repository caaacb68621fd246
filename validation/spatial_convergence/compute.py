"""Our numbers for ``reference.csv`` (spatial beta convergence): ``compute()`` for ``stfi validate``.

Cases ``china/<model>_<effect>``: :func:`stfi_models.spatial_beta_convergence` of GDP per
resident on the bundled 31-province panel (2010-2023) with the bundled contiguity; R spatialreg
on the within-transformed data is the reference (README.md).
"""

from __future__ import annotations

import pandas as pd

import stfi_models as sm

EFFECTS = {"individual": "entity", "time": "time", "twoways": "twoways"}
MODELS = ("sar", "sem", "sdm")


def china() -> pd.DataFrame:
    """The bundled panel with GDP per resident (100m yuan per 10k residents)."""
    data = sm.load_china_provinces()
    return data.assign(gdp_pc=data["gdp_nbs"] / data["pop_yearend"])


def fit(model: str, effect: str) -> sm.convergence.SpatialBetaResult:
    """One reference case."""
    return sm.spatial_beta_convergence(china(), "gdp_pc", "prov_code", "year",
                                       w=sm.china_weights(), model=model,
                                       effects=EFFECTS[effect])


def _rows(case: str, res: sm.convergence.SpatialBetaResult) -> list[tuple[str, str, str, float]]:
    reg = res.regression
    rows = [(case, "coef", t, v) for t, v in reg.params.items()]
    rows += [(case, "se", t, v) for t, v in reg.std_errors.items()]
    rows += [(case, "sigma2", "", reg.info["sigma2"]), (case, "loglik", "", reg.loglik)]
    rows += [(case, "convergence", name, getattr(res, name))
             for name in ("beta", "beta_se", "speed", "speed_se", "half_life", "half_life_se")]
    if res.spillovers is not None:
        for kind in ("direct", "indirect", "total"):
            rows.append((case, kind, "log_initial",
                         res.spillovers.estimates.loc["log_initial", kind]))
            rows.append((case, f"{kind}_se", "log_initial",
                         res.spillovers.std_errors.loc["log_initial", kind]))
    return rows


def compute() -> pd.DataFrame:
    """Every reference row, computed with the public API."""
    rows = []
    for effect in EFFECTS:
        for model in MODELS:
            rows += _rows(f"china/{model}_{effect}", fit(model, effect))
    return pd.DataFrame(rows, columns=["case", "quantity", "term", "value"])
