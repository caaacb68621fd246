"""Rescaling a regressor of a GMM model rescales its coefficient and nothing else (issue 11).

The regressor ``w`` is also an instrument (``iv(w, k)``): its units enter ``X``, ``Z`` and every
weighting matrix, which the engine scales by powers of two before it computes anything.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scaling_helpers import assert_rescaled, fit_or_warned

import stfi_models as sm
from stfi_models.datasets import load_abdata

FORMULA = "n ~ L(n, 1) + w + k | gmm(n, 2:4, collapse=True) + iv(w, k)"
ABDATA = load_abdata()


def _fit(data, model, steps, vcov="robust"):
    return sm.fit(FORMULA, data, entity="id", time="year", model=model, steps=steps, vcov=vcov)


@pytest.mark.parametrize("model", ["diff-gmm", "sys-gmm"])
def test_wage_in_cents_times_1e12(model):
    """The issue's magnitude: one regressor ~1e12 in its instrument and regressor columns."""
    base = _fit(ABDATA, model, 2)
    scaled = _fit(ABDATA.assign(w=ABDATA.w * 1e12), model, 2)
    assert_rescaled(base, scaled, ["w"], 1e12)


@settings(max_examples=25, deadline=None)
@given(k=st.integers(-12, 12), column=st.sampled_from(["w", "k"]),
       model=st.sampled_from(["diff-gmm", "sys-gmm"]), steps=st.sampled_from([1, 2, "iterated"]),
       vcov=st.sampled_from(["robust", "unadjusted"]))
def test_property_rescaling_a_regressor_by_10k(k, column, model, steps, vcov):
    base = _fit(ABDATA, model, steps, vcov)
    factor = 10.0 ** k
    scaled = fit_or_warned(lambda: _fit(ABDATA.assign(**{column: ABDATA[column] * factor}),
                                        model, steps, vcov))
    if scaled is not None:
        assert_rescaled(base, scaled, [column], factor)


def test_moments_are_reported_in_the_original_units():
    """Z'X of the engine's output is the unscaled cross product (diagnostics read it)."""
    from stfi_models.models.gmm.engine import gmm_fit, h_identity

    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 2)) * [1e9, 1e-6]
    z = np.column_stack([x, rng.normal(size=(60, 2)) * [1e5, 1.0]])
    y = x @ [1e-9, 1e6] + rng.normal(size=60)
    fit = gmm_fit(y, x, z, np.repeat(np.arange(12), 5), h_identity(60))
    np.testing.assert_allclose(fit.zx, z.T @ x, rtol=1e-12)
    np.testing.assert_allclose(fit.zy, z.T @ y, rtol=1e-12)
    np.testing.assert_allclose(fit.params1 * [1e9, 1e-6], [1, 1], atol=0.5)
