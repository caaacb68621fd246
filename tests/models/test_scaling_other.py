"""The 10^k rescaling property for mediation, the composite index and beta convergence."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import stfi_models as sm
from stfi_models.index.weights import WEIGHT_METHODS
from scaling_helpers import RTOL, assert_rescaled, fit_or_warned


def _panel(seed: int, n: int = 10, t: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"id": np.repeat(np.arange(n), t), "year": np.tile(np.arange(t), n)})
    df["x"] = rng.standard_normal(len(df)) + 3
    df["w"] = rng.standard_normal(len(df))
    df["m"] = 0.6 * df.x + 0.2 * df.w + rng.standard_normal(len(df))
    df["y"] = 0.4 * df.m + 0.3 * df.x + rng.standard_normal(len(df))
    return df


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**16), k=st.integers(-12, 12), model=st.sampled_from(["pooled", "fe"]),
       column=st.sampled_from(["x", "m", "w"]))
def test_property_mediation_paths_rescale(seed, k, model, column):
    df = _panel(seed)
    c = 10.0 ** k

    def run(data):
        return sm.mediate("x", "m", "y", data, controls="w", entity="id", time="year",
                          model=model, bootstrap=0)

    base = run(df)
    scaled = fit_or_warned(lambda: run(df.assign(**{column: df[column] * c})))
    if scaled is None:
        return
    for name in ("total", "direct"):
        model_base = getattr(base, name)
        rows = [column] if column in model_base.params.index else []
        assert_rescaled(model_base, getattr(scaled, name), rows, c)
    # a (m on x) scales by c_m / c_x; b (y on m) by 1 / c_m; the indirect a*b by 1 / c_x.
    factor = 1 / c if column == "x" else 1.0
    np.testing.assert_allclose(scaled.indirect, base.indirect * factor, rtol=RTOL)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**16), k=st.integers(-12, 12), method=st.sampled_from(WEIGHT_METHODS),
       normalize=st.sampled_from(["minmax", "zscore"]), column=st.sampled_from(["a", "c", "d"]))
def test_property_index_scores_ignore_units(seed, k, method, normalize, column):
    assume(normalize == "minmax" or method in ("critic", "equal", "pca"))  # need signs >= 0
    rng = np.random.default_rng(seed)
    keys = pd.MultiIndex.from_product([range(8), range(2015, 2020)], names=["p", "year"])
    frame = keys.to_frame(index=False)
    for name in "abcde":
        frame[name] = rng.lognormal(1.0, 0.6, len(frame))
    formula = "S ~ g1(a + b - c) + g2(d + e)"

    def run(data):
        return sm.build_index(formula, data, entity="p", time="year", method=method,
                              normalize=normalize)

    base = run(frame)
    scaled = fit_or_warned(lambda: run(frame.assign(**{column: frame[column] * 10.0 ** k})))
    if scaled is not None:
        np.testing.assert_allclose(scaled.scores.to_numpy(dtype=float),
                                   base.scores.to_numpy(dtype=float), rtol=RTOL, atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**16), k=st.integers(-12, 12))
def test_property_beta_convergence_control_rescales(seed, k):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"p": np.repeat(np.arange(25), 2), "year": np.tile([2000, 2010], 25)})
    frame["gdp"] = np.exp(rng.normal(size=len(frame)))
    frame["open"] = rng.normal(size=len(frame)) + 2
    base = sm.beta_convergence(frame, "gdp", "p", "year", controls=["open"])
    scaled = fit_or_warned(lambda: sm.beta_convergence(
        frame.assign(open=frame.open * 10.0 ** k), "gdp", "p", "year", controls=["open"]))
    if scaled is not None:
        assert_rescaled(base.regression, scaled.regression, ["open"], 10.0 ** k)
        np.testing.assert_allclose(scaled.speed, base.speed, rtol=RTOL)  # NaN == NaN here
