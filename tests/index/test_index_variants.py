"""Every index variant the sensitivity analysis samples, against a plain numpy computation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from stfi_models.exceptions import SpecificationError
from stfi_models.index import build_index

RNG = np.random.default_rng(11)
N, T = 6, 3
DATA = pd.DataFrame({"id": np.repeat(np.arange(N), T), "t": np.tile(np.arange(T), N),
                     "a": RNG.uniform(1, 9, N * T), "b": RNG.uniform(1, 9, N * T),
                     "c": RNG.uniform(1, 9, N * T)})
X = DATA[["a", "b", "c"]].to_numpy()
SIGN = np.array([1, 1, -1])


def by_hand(normalize: str) -> np.ndarray:
    if normalize == "rank":
        return np.column_stack([stats.rankdata(s * X[:, j]) for j, s in enumerate(SIGN)]) / len(X)
    if normalize == "distance":
        return np.column_stack([X[:, 0] / X[:, 0].max(), X[:, 1] / X[:, 1].max(),
                                X[:, 2].min() / X[:, 2]])
    lo, hi = X.min(0), X.max(0)
    return np.where(SIGN > 0, X - lo, hi - X) / (hi - lo)


@pytest.mark.parametrize("normalize", ["minmax", "rank", "distance"])
@pytest.mark.parametrize("scoring", ["weighted_sum", "geometric"])
def test_given_weights_flat_index_equals_numpy(normalize, scoring):
    w = np.array([0.2, 0.3, 0.5])
    idx = build_index("I ~ a + b - c", DATA, entity="id", time="t", normalize=normalize,
                      scoring=scoring, method="given", weights=dict(zip("abc", w, strict=True)))
    x = by_hand(normalize)
    expect = x @ w if scoring == "weighted_sum" else np.prod(x**w, axis=1)
    np.testing.assert_allclose(idx.composite.to_numpy(), expect, rtol=1e-13)
    np.testing.assert_allclose(idx.normalized.to_numpy(), x, rtol=1e-13)


def test_given_weights_are_rescaled_within_siblings():
    weights = {"a": 1, "b": 3, "c": 2, "g": 1, "h": 1}
    idx = build_index("I ~ g(a + b) + h(c)", DATA, entity="id", time="t", method="given",
                      weights=weights)
    x = by_hand("minmax") * np.array([1, 1, -1]) + np.array([0, 0, 1])  # c as positive
    sub_g = x[:, :2] @ np.array([0.25, 0.75])
    np.testing.assert_allclose(idx.scores["g"].to_numpy(), sub_g, rtol=1e-13)
    np.testing.assert_allclose(idx.composite.to_numpy(), (sub_g + x[:, 2]) / 2, rtol=1e-13)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"method": "given"}, "needs weights="),
    ({"method": "given", "weights": {"a": 1, "b": 1}}, r"no weight given for \['c'\]"),
    ({"method": "given", "weights": {"a": 1, "b": 1, "c": 1, "cc": 1}}, "Did you mean 'c'"),
    ({"method": "given", "weights": {"a": -1, "b": 1, "c": 1}}, "finite and >= 0"),
    ({"method": "given", "weights": {"a": 0, "b": 0, "c": 0}}, "sum to 0"),
    ({"method": "entropy", "weights": {"a": 1}}, "only used with method='given'"),
    ({"normalize": "zscore", "scoring": "geometric"}, "non-negative"),
])
def test_bad_weights_and_combinations_are_named(kwargs, match):
    with pytest.raises(SpecificationError, match=match):
        build_index("I ~ a + b - c", DATA, entity="id", time="t", **kwargs)


def test_distance_needs_positive_values():
    bad = DATA.assign(c=DATA["c"] - 5)
    with pytest.raises(SpecificationError, match=r"normalize='distance'.*\['c'\]"):
        build_index("I ~ a + b - c", bad, entity="id", time="t", normalize="distance")
