"""The sorted-sums Dagum decomposition equals the O(n^2) pairwise one it replaced; KDE in chunks.

``_broadcast_pair_moments`` is the previous implementation of
``stfi_models.inequality.dagum._pair_moments`` (all n_j x n_h differences at once), kept here
as the oracle: every table of :func:`dagum_gini` must agree with it to 1e-10 (relative) on
small inputs with ties, zeros, weights and single-member groups.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stfi_models.inequality import dagum, dagum_gini


def _broadcast_pair_moments(yj, wj, yh, wh):
    diff = yj[:, None] - yh[None, :]
    ww = wj[:, None] * wh[None, :]
    return float((ww * np.clip(diff, 0, None)).sum()), float((ww * np.clip(-diff, 0, None)).sum())


def _frame(values, groups, weights):
    frame = pd.DataFrame({"y": values, "g": groups})
    if weights is not None:
        frame["w"] = weights
    return frame


@st.composite
def _samples(draw):
    n = draw(st.integers(2, 40))
    # few distinct values make ties common; some zeros
    values = draw(st.lists(st.sampled_from([0.0, 0.5, 1.0, 1.0, 2.5, 3.0, 7.25, 10.0, 1e3])
                           | st.floats(0, 50, allow_nan=False), min_size=n, max_size=n))
    groups = draw(st.lists(st.sampled_from("abcd"), min_size=n, max_size=n))
    weighted = draw(st.booleans())
    weights = draw(st.lists(st.floats(0.1, 5.0), min_size=n, max_size=n)) if weighted else None
    return values, groups, weights


@settings(max_examples=80, deadline=None)
@given(_samples())
def test_sorted_sums_equal_the_pairwise_oracle(sample):
    values, groups, weights = sample
    if not any(v > 0 for v in values):
        values[0] = 1.0
    frame = _frame(values, groups, weights)
    kwargs = {"weights": "w"} if weights is not None else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fast = dagum_gini(frame, "y", "g", **kwargs)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(dagum, "_pair_moments", _broadcast_pair_moments)
            slow = dagum_gini(frame, "y", "g", **kwargs)
    for got, want in ((fast.summary, slow.summary), (fast.groups, slow.groups),
                      (fast.pairs, slow.pairs)):
        pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-10, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=30),
       st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=30),
       st.integers(0, 2**31))
def test_pair_moments_equal_the_oracle(a, b, seed):
    rng = np.random.default_rng(seed)
    yj, yh = np.array(a), np.array(b)
    wj, wh = rng.uniform(0.5, 2, yj.size), rng.uniform(0.5, 2, yh.size)
    got = dagum._pair_moments(yj, wj, yh, wh)
    want = _broadcast_pair_moments(yj, wj, yh, wh)
    scale = float((wj * yj).sum() * wh.sum() + (wh * yh).sum() * wj.sum()) + 1e-300
    np.testing.assert_allclose(np.array(got) / scale, np.array(want) / scale, rtol=0,
                               atol=1e-13)


def test_kernel_density_in_chunks_equals_one_block(monkeypatch):
    """Memory-bounded KDE: evaluating the sample in chunks gives the one-block sums."""
    from stfi_models.inequality import density

    rng = np.random.default_rng(1)
    sample, grid = rng.lognormal(size=1000), np.linspace(0, 5, 64)
    whole = density._gaussian_kde(sample, grid, 0.3)
    monkeypatch.setattr(density, "_CHUNK_CELLS", 64 * 7)  # chunks of 7 values
    np.testing.assert_allclose(density._gaussian_kde(sample, grid, 0.3), whole, rtol=1e-13)
