r"""Lagrange multiplier tests for random (individual / time) effects on pooled residuals.

R plm's ``plmtest`` in its unbalanced form (Baltagi 2013, sec. 4.2): with pooled OLS residuals
:math:`e`, :math:`n` rows, :math:`T_i` periods of entity *i* and :math:`N_t` entities of
period *t*,

.. math::

    A_1 = \frac{\sum_i (\sum_t e_{it})^2}{e^\prime e} - 1, \quad
    LM_1 = \frac{n}{\sqrt{2(\sum_i T_i^2 - n)}} A_1

(:math:`LM_2` likewise over periods).  ``type="honda"`` (Honda 1985): :math:`LM_1` one-sided
N(0, 1); ``"bp"`` (Breusch & Pagan 1980): :math:`LM_1^2 \sim \chi^2_1`; for two-way effects
``"honda"`` :math:`(LM_1 + LM_2)/\sqrt 2`, ``"bp"`` :math:`LM_1^2 + LM_2^2 \sim \chi^2_2`,
``"kw"`` (King & Wu 1997) and ``"ghm"`` (Gourieroux, Holly & Monfort 1982, a chi-bar-squared
mixture :math:`\tfrac14\chi^2_0 + \tfrac12\chi^2_1 + \tfrac14\chi^2_2`).

References
----------
Breusch, T. S. & Pagan, A. R. (1980). Review of Economic Studies 47(1), 239-253.
Honda, Y. (1985). Journal of the Royal Statistical Society B 47(2), 246-253.
Baltagi, B. H. (2013). Econometric Analysis of Panel Data, 5th ed. Wiley.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from stfi_models.diagnostics._residuals import panel_resid, require_model
from stfi_models.exceptions import SpecificationError, check_choice
from stfi_models.results.result import Result, TestResult

__all__ = ["random_effects_lm", "LM_TYPES"]

LM_TYPES = ("bp", "honda", "kw", "ghm")
_LABEL = {"bp": "Breusch-Pagan", "honda": "Honda", "kw": "King-Wu",
          "ghm": "Gourieroux-Holly-Monfort"}


def _lm(e: np.ndarray, codes: np.ndarray) -> tuple[float, float]:
    """``(LM, sum of squared group sizes - n)`` for one grouping."""
    sums = np.bincount(codes, weights=e)
    sizes = np.bincount(codes).astype(float)
    n = e.size
    m = float(sizes @ sizes) - n
    if m <= 0:
        raise SpecificationError(
            "Every group has one observation: the LM test for random effects needs entities "
            "(or periods) observed more than once.")
    a = float(sums @ sums) / float(e @ e) - 1.0
    return n / np.sqrt(2 * m) * a, m


def random_effects_lm(res: Result, *, effect: str = "entity", type: str = "bp"
                      ) -> TestResult:
    """LM test for random effects (plm ``plmtest``) on a pooled OLS Result.

    Parameters
    ----------
    res : Result
        ``model="pooled"`` fit (without entity/time dummies).
    effect : {"entity", "time", "twoways"}
    type : {"bp", "honda", "kw", "ghm"}
        ``"ghm"`` only for ``effect="twoways"``; ``"kw"`` equals ``"honda"`` for one effect.
    """
    effect = check_choice("effect", effect, ("entity", "time", "twoways"))
    type = check_choice("type", type, LM_TYPES)
    if type == "ghm" and effect != "twoways":
        raise SpecificationError("type='ghm' is a two-way test; pass effect='twoways'.")
    require_model(res, ("pooled",), "random_effects_lm",
                  "Fit the formula with model='pooled' (no C(entity)/C(time)) and pass it.")
    resid = panel_resid(res, "random_effects_lm")
    index = resid.index
    e = resid.to_numpy()
    codes = [np.unique(index.get_level_values(k), return_inverse=True)[1] for k in (0, 1)]
    lm1, m1 = _lm(e, codes[0])
    lm2, m2 = _lm(e, codes[1])
    name = f"{_LABEL[type]} LM ({effect} effects)"
    null = f"no {'entity and time' if effect == 'twoways' else effect} effects (pooled OLS)"
    if effect != "twoways":
        lm = lm1 if effect == "entity" else lm2
        if type == "bp":
            return TestResult(stat=lm ** 2, pvalue=float(stats.chi2.sf(lm ** 2, 1)), df=1.0,
                              name=name, dist="chi2", null=null)
        return TestResult(stat=lm, pvalue=float(stats.norm.sf(lm)), name=name,
                          dist="normal", null=null)
    if type == "bp":
        stat = lm1 ** 2 + lm2 ** 2
        return TestResult(stat=stat, pvalue=float(stats.chi2.sf(stat, 2)), df=2.0,
                          name=name, dist="chi2", null=null)
    if type == "ghm":
        stat = max(0.0, lm1) ** 2 + max(0.0, lm2) ** 2
        p = 0.5 * stats.chi2.sf(stat, 1) + 0.25 * stats.chi2.sf(stat, 2)
        return TestResult(stat=stat, pvalue=float(p), df=None, name=name, dist="chi2", null=null)
    if type == "honda":
        stat = (lm1 + lm2) / np.sqrt(2)
    else:
        stat = (np.sqrt(m1) * lm1 + np.sqrt(m2) * lm2) / np.sqrt(m1 + m2)
    return TestResult(stat=float(stat), pvalue=float(stats.norm.sf(stat)), name=name,
                      dist="normal", null=null)
