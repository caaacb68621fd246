"""Our numbers for ``reference.csv`` (spatial panel FE models): ``compute()`` for ``stfi validate``.

Cases ``<data>/<model>_<effect>`` (spatialreg on pre-demeaned stacked data, README.md) and
``produc/splm_*`` (the published splm output of spatial_panel.md section 3.1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import stfi_models as sm
from stfi_models.datasets.produc import load_produc, produc_weights

FORMULAS = {
    "produc": "np.log(gsp) ~ np.log(pcap) + np.log(pc) + np.log(emp) + unemp",
    "china": "np.log(patent_grant_invention) ~ np.log(rd_exp_total) + np.log(rd_fte_total)"
             " + np.log(budget_exp_scitech) + np.log(gdp_nbs / pop_yearend)",
}
EFFECTS = {"individual": "entity", "time": "time", "twoways": "twoways"}


def setup(data: str) -> tuple[pd.DataFrame, object, str, str]:
    """Data, weights and panel keys of a case's data set."""
    if data == "produc":
        return load_produc(), produc_weights(), "state", "year"
    return sm.load_china_provinces(), sm.china_weights(), "prov_code", "year"


def fit(data: str, model: str, effect: str) -> sm.Result:
    """One reference model (durbin: W of every regressor for ``sdm`` and ``sdem``)."""
    frame, w, entity, time = setup(data)
    return sm.fit(FORMULAS[data], frame, model=model, w=w, entity=entity, time=time,
                  effects=EFFECTS[effect])


def _rows(case: str, res: sm.Result) -> list[tuple[str, str, str, float]]:
    rows = [(case, "coef", t, v) for t, v in res.params.items()]
    rows += [(case, "se", t, v) for t, v in res.std_errors.items()]
    rows += [(case, "sigma2", "", res.info["sigma2"]), (case, "loglik", "", res.loglik)]
    if res.model != "sem":
        eff = res.effects(method="delta").estimates
        rows += [(case, kind, var, eff.loc[var, kind]) for var in eff.index
                 for kind in eff.columns]
    return rows


def compute() -> pd.DataFrame:
    """Every reference row, computed with the public API."""
    rows = []
    for data in ("produc", "china"):
        for effect in EFFECTS:
            for model in ("sar", "sem", "sdm", "sdem"):
                rows += _rows(f"{data}/{model}_{effect}", fit(data, model, effect))
        for effect in EFFECTS:
            res = fit(data, "sac", effect)
            case = f"{data}/sac_{effect}"
            rows += [(case, "coef", t, v) for t, v in res.params.items()]
            rows += [(case, "sigma2", "", res.info["sigma2"]), (case, "loglik", "", res.loglik)]
            rows += [(case, "se", t, v) for t, v in res.std_errors.items()]
        for effect in EFFECTS:
            frame, w, entity, time = setup(data)
            choice = sm.spatial_model_choice(FORMULAS[data], frame, w=w, entity=entity,
                                             time=time, effects=EFFECTS[effect])
            rows += [(f"{data}/choice_{effect}", "statistic", name, test.stat)
                     for name, test in choice.tests.items()]
    for model in ("sar", "sem"):
        rows += _rows(f"produc/spreg_{model}_individual", fit("produc", model, "individual"))
    for model in ("sar", "sem"):
        res = fit("produc", model, "individual")
        case = f"produc/splm_{model}_individual"
        rows += [(case, "coef", t, v) for t, v in res.params.items()]
        rows += [(case, "se", t, v) for t, v in res.std_errors.items()]
        quant = np.quantile(res.resid.to_numpy(), [0, 0.25, 0.5, 0.75, 1])
        rows += [(case, "resid_quantile", q, v)
                 for q, v in zip(("min", "q1", "median", "q3", "max"), quant, strict=True)]
    return pd.DataFrame(rows, columns=["case", "quantity", "term", "value"])
