"""Our numbers for ``reference.csv`` (REAT 3.0.3 on German counties): ``compute()``.

Beta convergence: ``beta_convergence`` (cross-section OLS of annualised growth on the
initial log level, as REAT ``betaconv.ols``), 2010-2011 and 2010-2012, REAT's and Barro's
speed formulas.  Sigma convergence: ``sigma_convergence`` (population SD, REAT
``sigmaconv``; ``ddof=1`` for the sample SD) and its F test of equal variances 2010/2011.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from stfi_models.convergence import beta_convergence, sigma_convergence

INPUTS = Path(__file__).resolve().parent / "inputs"


def load_counties() -> pd.DataFrame:
    """REAT's ``G.counties.gdp`` in long form: county (0..401), regional, year, gdppc."""
    wide = pd.read_csv(INPUTS / "reat_G_counties_gdp.csv")
    wide["county"] = np.arange(len(wide))
    long = wide.melt(id_vars=["county", "regional"], var_name="year", value_name="gdppc")
    long["year"] = long["year"].str[-4:].astype(int)
    return long


def _beta(res, case: str, names: tuple[str, ...], speed: str) -> list[tuple]:
    reg = res.regression
    values = {
        "alpha": reg.params["const"], "alpha_se": reg.std_errors["const"],
        "beta": reg.params["log_initial"], "beta_se": reg.std_errors["log_initial"],
        "beta_t": reg.tstats["log_initial"], "r2": reg.rsquared["r2"],
        "F": reg.diagnostics["F"].stat,
        f"speed_{speed}": res.speed, f"half_life_{speed}": res.half_life,
    }
    return [(case, q, "", float(values[q])) for q in names if q in values]


def compute() -> pd.DataFrame:
    """Beta and sigma convergence on REAT's ``G.counties.gdp``."""
    data = load_counties()
    rows = []
    quantities = ("alpha", "alpha_se", "beta", "beta_se", "beta_t", "r2", "F", "speed_reat",
                  "half_life_reat", "speed_barro", "half_life_barro")
    rows += _beta(beta_convergence(data, "gdppc", "county", "year", end=2011, speed="reat"),
                  "reat_2010_2011", quantities, "reat")
    for speed in ("reat", "barro"):
        res = beta_convergence(data, "gdppc", "county", "year", speed=speed)
        names = quantities if speed == "reat" else ("speed_barro", "half_life_barro")
        rows += _beta(res, "reat_2010_2012", names, speed)
    sigma = sigma_convergence(data, "gdppc")
    table = sigma.table.set_index("year")
    sample = sigma_convergence(data, "gdppc", ddof=1).table.set_index("year")
    for year in table.index:
        for q in ("sd_log", "cv_log", "mean", "cv"):
            rows.append(("reat_sigma", q, str(year), float(table.loc[year, q])))
        rows.append(("reat_sigma", "sd_log_sample", str(year), float(sample.loc[year, "sd_log"])))
    pair = "2010/2011"
    test = sigma.test(2010, 2011)
    rows += [
        ("reat_sigma", "sd_quotient", pair, table.loc[2010, "sd_log"] / table.loc[2011, "sd_log"]),
        ("reat_sigma", "cv_log_quotient", pair,
         table.loc[2010, "cv_log"] / table.loc[2011, "cv_log"]),
        ("reat_sigma", "F", pair, test.stat), ("reat_sigma", "F_pvalue", pair, test.pvalue),
    ]
    return pd.DataFrame(rows, columns=["case", "quantity", "term", "value"])
