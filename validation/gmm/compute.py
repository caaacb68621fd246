"""Our numbers for ``reference.csv`` (difference and system GMM on ``abdata``): ``compute()``.

Each case of :data:`CASES` is one ``fit(formula, data, entity="id", time="year", model=...,
**options)`` call; the options select the convention of the reference (mapping: README.md in
this folder).  Quantities and terms of the rows:

* ``coef``, ``se``: ``params`` and ``std_errors`` by regressor name;
* ``ar`` (term ``m``): the Arellano-Bond ``AR(m)`` z statistic;
* ``sargan``, ``hansen``: the overidentification statistics;
* ``hansen_excl``, ``dih`` (term: the instrument group): ``Hansen excluding <group>`` and
  ``Difference-in-Hansen <group>``;
* ``wald_all``, ``wald_slopes``, ``wald_time``: ``Wald (all)``, ``Wald (slopes)``,
  ``Wald (time effects)``;
* ``n_instruments``, ``nobs``.

The published number we do not reproduce is listed in ``known_mismatches.csv`` with the
reason; the runner still computes and prints it, as a known miss.
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import pandas as pd

from stfi_models.api import fit
from stfi_models.datasets import load_abdata
from stfi_models.exceptions import SpecificationWarning
from stfi_models.results.result import Result

AB_A = ("n ~ L(n, 1:2) + L(w, 0:1) + L(k, 0:2) + L(ys, 0:2) + C(year) "
        "| gmm(n, 2:.) + iv(L(w, 0:1), L(k, 0:2), L(ys, 0:2))")
AB_B = ("n ~ L(n, 1:2) + L(w, 0:1) + k + L(ys, 0:1) + C(year) "
        "| gmm(n, 2:.) + iv(L(w, 0:1), k, L(ys, 0:1))")
BB = "n ~ L(n, 1) + L(w, 0:1) + L(k, 0:1) + C(year) | gmm(n, 2:.) + gmm(w, 2:.) + gmm(k, 2:.)"
PDP = "n ~ L(n, 1:2) + w + k | gmm(n, 2:4) + gmm(w, 1:3) + iv(k)"
PDP_T = "n ~ L(n, 1:2) + w + k + C(year) | gmm(n, 2:4) + gmm(w, 1:3) + iv(k)"
R09 = ("n ~ L(n, 1:2) + L(w, 0:1) + L(k, 0:2) + L(ys, 0:2) + C(year) "
       "| gmm(n, 2:.) + gmm(w, 2:.) + gmm(k, 2:.) + iv(L(ys, 0:2))")
#: The forum printout's explicit year dummies yr1980..yr1984 (columns added by load_data).
YEAR_DUMMIES = tuple(range(1980, 1985))
_YRS = " + ".join(f"yr{y}" for y in YEAR_DUMMIES)
FORUM = (f"n ~ L(n, 1:2) + L(w, 0:1) + L(k, 0:2) + L(ys, 0:2) + {_YRS} "
         f"| gmm(n, 2:.) + gmm(w, 1:.) + gmm(k, 1:.) + iv({_YRS.replace(' +', ',')})")


class Case(NamedTuple):
    """One estimation: formula, model, fit options and data set (``"abdata"`` or ``"gaps"``)."""

    formula: str
    model: str
    options: dict[str, Any]
    data: str = "abdata"


#: case name (column ``case`` of reference.csv) -> estimation.
CASES: dict[str, Case] = {
    "ab_a1_onestep_robust": Case(AB_A, "diff-gmm", {"steps": 1}),
    # Stata xtabond's non-robust SEs and gretl/DPD's Sargan use sigma2 = SSR/(2(n-k))
    "ab_a1_onestep_unadjusted_nk": Case(AB_A, "diff-gmm",
                                        {"steps": 1, "vcov": "unadjusted", "sigma2_df": "n-k"}),
    "ab_a2_twostep_windmeijer": Case(AB_A, "diff-gmm", {"steps": 2}),
    "ab_a2_twostep_unadjusted": Case(AB_A, "diff-gmm", {"steps": 2, "vcov": "unadjusted"}),
    "ab_b_twostep_windmeijer": Case(AB_B, "diff-gmm", {"steps": 2}),
    "ab_b_twostep_unadjusted": Case(AB_B, "diff-gmm", {"steps": 2, "vcov": "unadjusted"}),
    "ab_b_onestep_robust": Case(AB_B, "diff-gmm", {"steps": 1}),
    "ab_b_onestep_unadjusted_nk": Case(AB_B, "diff-gmm",
                                       {"steps": 1, "vcov": "unadjusted", "sigma2_df": "n-k"}),
    "bb_dif_onestep_robust": Case(BB, "diff-gmm", {"steps": 1}),
    "bb_dif_twostep_windmeijer": Case(BB, "diff-gmm", {"steps": 2}),
    "bb_sys_h3_onestep_robust": Case(BB, "sys-gmm", {"steps": 1, "h": 3}),
    "bb_sys_h3_onestep_robust_small": Case(BB, "sys-gmm", {"steps": 1, "h": 3, "small": True}),
    # DPD for Ox = xtabond2 h(2)
    "bb_sys_h2_onestep_robust": Case(BB, "sys-gmm", {"steps": 1, "h": 2}),
    "bb_sys_h2_twostep_windmeijer": Case(BB, "sys-gmm", {"steps": 2, "h": 2}),
    "pdp_dif_twostep_windmeijer": Case(PDP, "diff-gmm", {"steps": 2}),
    "pdp_dif_time_twostep_windmeijer": Case(PDP_T, "diff-gmm", {"steps": 2}),
    "pdp_sys_twostep_windmeijer": Case(PDP, "sys-gmm", {"steps": 2}),
    "r09_dif_onestep_robust_small": Case(R09, "diff-gmm", {"steps": 1, "small": True}),
    "x2_sys_forum_twostep_windmeijer_small": Case(FORUM, "sys-gmm", {"steps": 2, "small": True}),
    # extra peer numbers (plm_extra.R): collapsed instruments, two-step system
    "plm_ab_b_collapse_twostep_windmeijer": Case(
        AB_B.replace("gmm(n, 2:.)", "gmm(n, 2:., collapse=True)"), "diff-gmm", {"steps": 2}),
    "plm_bb_sys_twostep_windmeijer": Case(BB, "sys-gmm", {"steps": 2}),
    "plm_bb_sys_collapse_onestep_robust": Case(
        BB.replace(":.)", ":., collapse=True)"), "sys-gmm", {"steps": 1}),
    # plm treats exogenous regressors outside the GMM part (k) as IV-style instruments
    "plm_dif_lags_collapse_twostep_windmeijer": Case(
        "n ~ L(n, 1:2) + w + k | gmm(n, 2:4, collapse=True) + gmm(w, 1:3, collapse=True) + iv(k)",
        "diff-gmm", {"steps": 2}),
    # gaps inside firms: every 17th row removed (see plm_extra.R)
    "plm_ab_b_gaps_twostep_windmeijer": Case(AB_B, "diff-gmm", {"steps": 2}, data="gaps"),
    "plm_ab_b_gaps_onestep_robust": Case(AB_B, "diff-gmm", {"steps": 1}, data="gaps"),
}

_WALD = {"wald_all": "Wald (all)", "wald_slopes": "Wald (slopes)",
         "wald_time": "Wald (time effects)"}
_GROUP_TESTS = {"hansen_excl": "Hansen excluding ", "dih": "Difference-in-Hansen "}


def load_data(kind: str = "abdata") -> pd.DataFrame:
    """``abdata`` with the dummies ``yr1980..yr1984``; ``"gaps"``: every 17th row (from the
    sixth) removed, as ``plm_extra.R`` does, so that firms have holes."""
    data = load_abdata()
    for year in YEAR_DUMMIES:
        data[f"yr{year}"] = (data["year"] == year).astype(float)
    if kind == "gaps":
        return data.drop(index=data.index[5::17])
    if kind != "abdata":
        raise ValueError(f"unknown data set {kind!r}: 'abdata' or 'gaps'")
    return data


def fit_case(case: str, data: pd.DataFrame | None = None) -> Result:
    """Fit one case of :data:`CASES` (on ``data`` if given, else on its data set).

    The too-many-instruments warning is silenced: the published models use every available
    lag, which is the point of the comparison.
    """
    spec = CASES[case]
    data = load_data(spec.data) if data is None else data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpecificationWarning)
        return fit(spec.formula, data, entity="id", time="year", model=spec.model,
                   **spec.options)


def quantities(res: Result) -> dict[str, dict[str, float]]:
    """Map quantity -> {term: value} for one fitted case (term ``""`` for scalars)."""
    diag = res.diagnostics
    out: dict[str, dict[str, float]] = {
        "coef": {str(t): float(v) for t, v in res.params.items()},
        "se": {str(t): float(v) for t, v in res.std_errors.items()},
        "ar": {name[3:-1]: diag[name].stat for name in diag if name.startswith("AR(")},
        "n_instruments": {"": float(res.info["n_instruments"])},
        "nobs": {"": float(res.nobs)},
    }
    for quantity in ("sargan", "hansen"):
        if quantity.capitalize() in diag:
            out[quantity] = {"": diag[quantity.capitalize()].stat}
    for quantity, key in _WALD.items():
        if key in diag:
            out[quantity] = {"": diag[key].stat}
    for quantity, prefix in _GROUP_TESTS.items():
        out[quantity] = {name[len(prefix):]: diag[name].stat for name in diag
                         if name.startswith(prefix)}
    return out


def compute() -> pd.DataFrame:
    """Every quantity of every case (the runner keeps the ones reference.csv names)."""
    data = {kind: load_data(kind) for kind in {c.data for c in CASES.values()}}
    rows = [(case, q, term, float(v))
            for case, spec in CASES.items()
            for q, terms in quantities(fit_case(case, data[spec.data])).items()
            for term, v in terms.items()]
    return pd.DataFrame(rows, columns=["case", "quantity", "term", "value"])
