"""Our numbers for ``reference.csv`` (R panelvar 0.5.6, example 1 on Dahlberg): ``compute()``.

``fit(FORMULA, load_dahlberg(), entity="id", time="year", model="pvar")`` (FOD, GMM-style
lags 2.., two-step; ``steps=1`` for the ``*_onestep`` rows).  Terms: ``equation|regressor``
for coefficients, ``row|column`` for Σ, ``impulse|response|h`` for impulse responses,
``response|impulse|h`` for the FEVD (panelvar's layout), ``equation|excluded`` for Granger
tests, the modulus rank ``1..3`` for the companion eigenvalues.

panelvar's bootstrap GIRF bands (500 draws, R's RNG) are not single reproducible numbers:
they are not rows of ``reference.csv`` and are compared in distribution by
``tests/models/test_pvar.py`` (README.md).
"""

from __future__ import annotations

import pandas as pd

from stfi_models.api import fit
from stfi_models.datasets import load_dahlberg

FORMULA = "expenditures + revenues + grants ~ L(1)"
CASE = "dahlberg/lag1-fod-twostep"
IRF_HORIZON = 7
FEVD_HORIZON = 8


def fit_case(steps: int = 2, data: pd.DataFrame | None = None):
    """Fit panelvar's example 1 (``steps=1``: its first-step estimate)."""
    data = load_dahlberg() if data is None else data
    return fit(FORMULA, data, entity="id", time="year", model="pvar", steps=steps)


def _by_term(series: pd.Series) -> dict[str, float]:
    return {f"{eq}|{reg}": float(v) for (eq, reg), v in series.items()}


def quantities(res, res1) -> dict[str, dict[str, float]]:
    """Map quantity -> {term: value} from the two-step ``res`` and the one-step ``res1``."""
    hansen = res.diagnostics["hansen"]
    granger = res.granger()
    keys = [f"{e}|{x}" for e, x in zip(granger["equation"], granger["excluded"], strict=True)]
    out = {
        "coef": _by_term(res.params), "se": _by_term(res.std_errors),
        "pvalue": _by_term(res.pvalues), "coef_onestep": _by_term(res1.params),
        "se_onestep": _by_term(res1.std_errors),
        "hansen_stat": {"J": hansen.stat}, "hansen_df": {"J": hansen.df},
        "hansen_p": {"J": hansen.pvalue}, "hansen_n_instruments": {"J": res.info["n_moments"]},
        "sigma": {f"{r}|{c}": float(v) for r, row in res.sigma.iterrows()
                  for c, v in row.items()},
        "eigen_modulus": {str(i): float(v)
                          for i, v in enumerate(res.stability().moduli, start=1)},
        "granger_chi2": dict(zip(keys, granger["chi2"], strict=True)),
        "granger_df": dict(zip(keys, granger["df"], strict=True)),
    }
    for kind, name in (("orth", "oirf"), ("girf", "girf")):
        frame = res.irf(IRF_HORIZON, kind=kind).frame
        out[name] = {f"{i}|{r}|{h}": v for i, r, h, v in
                     zip(frame.impulse, frame.response, frame.h, frame.value, strict=True)}
    frame = res.fevd(FEVD_HORIZON).frame
    out["fevd"] = {f"{r}|{i}|{h}": v for i, r, h, v in
                   zip(frame.impulse, frame.response, frame.h, frame.value, strict=True)}
    return out


def compute() -> pd.DataFrame:
    """Every reference quantity of panelvar's example 1."""
    data = load_dahlberg()
    values = quantities(fit_case(2, data), fit_case(1, data))
    rows = [(CASE, q, term, float(v)) for q, terms in values.items() for term, v in terms.items()]
    return pd.DataFrame(rows, columns=["case", "quantity", "term", "value"])
