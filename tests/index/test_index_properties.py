"""Property tests (hypothesis) for weights and indices."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, reject, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from stfi_models.exceptions import EstimationError, SpecificationWarning
from stfi_models.index import build_index, compute_weights

METHODS = ["entropy", "critic", "cv", "equal", "pca", "entropy_critic"]
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

values = st.floats(min_value=0.0, max_value=1e3, allow_nan=False, allow_infinity=False)


@st.composite
def matrices(draw, min_rows=4, max_rows=12, min_cols=2, max_cols=5):
    n = draw(st.integers(min_rows, max_rows))
    m = draw(st.integers(min_cols, max_cols))
    x = draw(arrays(np.float64, (n, m), elements=values))
    # keep the columns distinguishable: at least two distinct values each, no exact ties
    assume(all(np.unique(np.round(x[:, j], 6)).size >= 3 for j in range(m)))
    return x


def frame_of(x: np.ndarray) -> pd.DataFrame:
    cols = {f"x{j}": x[:, j] for j in range(x.shape[1])}
    return pd.DataFrame({"id": range(x.shape[0]), "t": 0, **cols})


def minmax(x: np.ndarray) -> np.ndarray:
    return (x - x.min(0)) / np.ptp(x, axis=0)


def defined(call):
    """Run ``call``; discard the example when CRITIC is undefined (all columns perfectly
    correlated, so every conflict term is 0), which is a documented error, not a bug."""
    try:
        return call()
    except EstimationError as exc:
        if "sum to a positive" in str(exc):
            reject()
        raise


def grouped(terms: list[str]) -> str:
    """``I ~ g(first half) + h(second half)`` from signed terms such as ``"-x1"``."""
    half = max(1, len(terms) // 2)

    def join(part):
        return " ".join(part).lstrip("+")

    return f"I ~ g({join(terms[:half])}) + h({join(terms[half:])})"


def _quiet_weights(z, method):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpecificationWarning)
        return compute_weights(z, method, shift=1e-4)[0].weight


@SETTINGS
@given(x=matrices(), method=st.sampled_from(METHODS))
def test_weights_nonnegative_and_sum_to_one(x, method):
    w = defined(lambda: _quiet_weights(minmax(x), method))
    assert np.all(w >= 0) and abs(w.sum() - 1) < 1e-12 and np.all(np.isfinite(w))


@SETTINGS
@given(x=matrices(), j=st.integers(0, 4),
       scale=st.floats(1e-3, 1e3), offset=st.floats(-1e3, 1e3))
def test_entropy_invariant_to_positive_affine_rescaling(x, j, scale, offset):
    j = j % x.shape[1]
    y = x.copy()
    y[:, j] = scale * y[:, j] + offset
    formula = "I ~ " + " + ".join(f"x{k}" for k in range(x.shape[1]))
    a = build_index(formula, frame_of(x), entity="id", time="t").weights["weight"]
    b = build_index(formula, frame_of(y), entity="id", time="t").weights["weight"]
    np.testing.assert_allclose(a, b, atol=1e-9)


@SETTINGS
@given(x=matrices(), j=st.integers(0, 4), method=st.sampled_from(["entropy", "critic", "equal"]),
       hierarchy=st.sampled_from(["hierarchical", "flat"]))
def test_reversing_sign_and_direction_gives_same_index(x, j, method, hierarchy):
    m = x.shape[1]
    j = j % m
    flipped = x.copy()
    flipped[:, j] = -flipped[:, j]
    negative = grouped([("-" if k == j else "+") + f"x{k}" for k in range(m)])
    positive = grouped([f"+x{k}" for k in range(m)])
    options = {"entity": "id", "time": "t", "method": method, "hierarchy": hierarchy}
    a = defined(lambda: build_index(negative, frame_of(x), **options).scores)
    b = defined(lambda: build_index(positive, frame_of(flipped), **options).scores)
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), atol=1e-10)


@SETTINGS
@given(x=matrices(), c=st.floats(-1e3, 1e3), method=st.sampled_from(METHODS))
def test_constant_indicator_gets_weight_zero(x, c, method):
    frame = frame_of(x).assign(k=c)
    formula = "I ~ " + " + ".join(f"x{k}" for k in range(x.shape[1])) + " + k"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = defined(lambda: build_index(formula, frame, entity="id", time="t", method=method))
    w = res.weights.set_index("indicator")["weight"]
    assert w["k"] == 0.0 and not w.isna().any()
    assert any(issubclass(r.category, SpecificationWarning) for r in caught)
