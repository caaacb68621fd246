"""Rescaling one variable of a panel VAR by 10^k changes only what its units touch (issue 11).

Variable ``a`` times ``c`` multiplies its equation's coefficients by ``c``, divides the
coefficients of its lags by ``c`` (so ``A`` becomes ``D A D^{-1}``), Sigma by ``c`` in its row
and column, and leaves Hansen's J and the eigenvalues of the companion matrix unchanged -- or
the fit warns (IllConditionedWarning) that the truncated two-step weight depends on units.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import stfi_models as sm
from scaling_helpers import RTOL, fit_or_warned
from test_pvar import _simulated_pvar

DATA = _simulated_pvar(60, 7, 11)[0]
FORMULAS = {"gmm": "a + b ~ L(1:2) | gmm(2:4, collapse=True)", "fe-ols": "a + b ~ L(1:2)"}


def _fit(data, estimator, system=False, steps=2):
    options = {"system": system, "steps": steps} if estimator == "gmm" else {}
    return sm.fit(FORMULAS[estimator], data, entity="i", time="t", model="pvar",
                  estimator=estimator, **options)


def _factor(label: tuple[str, str], variable: str, c: float) -> float:
    equation, regressor = label
    out = c if equation == variable else 1.0
    return out / c if regressor.split(".")[-1] == variable else out


@settings(max_examples=25, deadline=None)
@given(k=st.integers(-12, 12), variable=st.sampled_from(["a", "b"]),
       estimator=st.sampled_from(["gmm", "fe-ols"]), system=st.booleans(),
       steps=st.sampled_from([1, 2]))
def test_property_rescaling_a_variable_by_10k(k, variable, estimator, system, steps):
    c = 10.0 ** k
    base = _fit(DATA, estimator, system, steps)
    scaled = fit_or_warned(lambda: _fit(DATA.assign(**{variable: DATA[variable] * c}),
                                        estimator, system, steps))
    if scaled is None:
        return
    factors = np.array([_factor(label, variable, c) for label in base.params.index])
    np.testing.assert_allclose(scaled.params, base.params * factors, rtol=RTOL,
                               atol=RTOL * np.abs(base.params * factors).max())
    np.testing.assert_allclose(scaled.std_errors, base.std_errors * factors, rtol=RTOL)
    np.testing.assert_allclose(scaled.tstats, base.tstats, rtol=RTOL, atol=RTOL)
    sig = np.array([c if name == variable else 1.0 for name in ("a", "b")])
    np.testing.assert_allclose(scaled.sigma, base.sigma * np.outer(sig, sig), rtol=RTOL)
    np.testing.assert_allclose(np.sort(np.abs(scaled.stability().eigenvalues)),
                               np.sort(np.abs(base.stability().eigenvalues)), rtol=1e-7)
    if "hansen" in base.diagnostics:
        assert scaled.diagnostics["hansen"].stat == np.float64(
            base.diagnostics["hansen"].stat) or np.isclose(
            scaled.diagnostics["hansen"].stat, base.diagnostics["hansen"].stat, rtol=RTOL)
