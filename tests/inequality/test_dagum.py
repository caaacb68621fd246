"""Dagum (1997) Gini decomposition against exact fractions, published and peer numbers.

References (validation/gini/reference.csv, from shared/reference/index_gini_spatial.md (c)):

* dagum_toy: three groups with exact rational G, G_w, G_nb, G_t, G_jj, G_jh, D_jh (1e-12).
* mexico1940: pysal/inequality's published G and within-region pair sums; the full group and
  pair tables computed from the literal formulas (1e-10).
* weighted_mussard: the standard frequency-weighted decomposition (1e-10).

Plus identities as hypothesis properties (G = G_w + G_nb + G_t; d_jh - p_jh = mean gap;
G_nb equals the Bhattacharya-Mahalanobis between-group Gini) and equivalences (integer
weights == replicated rows; ``by`` == separate runs; the sorted-data Gini formula).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import check_reference_row, reference_rows, validation_module
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure

from stfi_models.exceptions import MissingValueWarning, SpecificationError, SpecificationWarning
from stfi_models.inequality import dagum_gini

GINI = validation_module("gini")  # the reference cases and their inputs


@pytest.fixture(scope="module")
def toy():
    return dagum_gini(pd.read_csv(GINI.INPUTS / "dagum_toy.csv"), "y", "group")


@pytest.fixture(scope="module")
def mexico():
    return dagum_gini(pd.read_csv(GINI.INPUTS / "mexico_pcgdp1940_hanson98.csv"), "pcgdp1940",
                      "hanson98")


@pytest.mark.parametrize(("topic", "row"), reference_rows(
    "gini", cases=("dagum_toy", "mexico1940", "weighted_mussard")))
def test_dagum_reference_number(topic, row):
    """Summary, group and pair terms of the three Dagum cases (validation/gini/compute.py)."""
    check_reference_row(topic, row)


def test_groups_ordered_by_mean_and_pairs_richer_first(mexico):
    groups = mexico.groups
    assert groups["mean"].is_monotonic_increasing
    assert list(groups["rank"]) == [1, 2, 3, 4, 5]
    means = groups.set_index("group")["mean"]
    pairs = mexico.pairs
    assert (means[pairs["group_j"]].to_numpy() >= means[pairs["group_h"]].to_numpy()).all()
    assert pairs["D_jh"].between(0, 1).all()
    assert len(pairs) == 10


def test_matrix_layout(toy):
    m = toy.matrix()
    assert list(m.index) == ["a", "b", "c"]
    assert np.allclose(m.to_numpy(), m.to_numpy().T)
    assert m.loc["c", "b"] == pytest.approx(59 / 153, abs=1e-12)
    assert m.loc["a", "a"] == pytest.approx(0.25, abs=1e-12)


# ---------------------------------------------------------------------- properties
@st.composite
def grouped_samples(draw):
    k = draw(st.integers(1, 4))
    sizes = [draw(st.integers(1, 7)) for _ in range(k)]
    values = [draw(st.lists(st.floats(0, 1e4, allow_nan=False), min_size=s, max_size=s))
              for s in sizes]
    y = np.concatenate(values)
    if y.sum() <= 0:
        y[0] = 1.0
    g = np.repeat([f"g{j}" for j in range(k)], sizes)
    return pd.DataFrame({"y": y, "g": g})


def _sorted_gini(y: np.ndarray) -> float:
    """Independent form G = sum_i (2i - n - 1) y_(i) / (n^2 mean)."""
    y = np.sort(y)
    n = y.size
    return float(((2 * np.arange(1, n + 1) - n - 1) * y).sum() / (n * n * y.mean()))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grouped_samples())
def test_identities(data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpecificationWarning)
        res = dagum_gini(data, "y", "g")
    s = res.summary.iloc[0]
    assert s["G"] == pytest.approx(s["G_w"] + s["G_nb"] + s["G_t"], abs=1e-12)
    assert s["G"] == pytest.approx(_sorted_gini(data["y"].to_numpy()), abs=1e-12)
    if s["G"] > 0:
        assert s["share_w"] + s["share_nb"] + s["share_t"] == pytest.approx(1, abs=1e-12)
    means = data.groupby("g")["y"].mean()
    p = data.groupby("g").size() / len(data)
    bm = 0.0
    for row in res.pairs.itertuples():
        gap = means[row.group_j] - means[row.group_h]
        assert row.d_jh - row.p_jh == pytest.approx(gap, abs=1e-9 * max(1.0, abs(gap)))
        yj = data.loc[data["g"] == row.group_j, "y"].to_numpy()
        yh = data.loc[data["g"] == row.group_h, "y"].to_numpy()
        assert row.d_jh + row.p_jh == pytest.approx(np.abs(yj[:, None] - yh).mean(), rel=1e-12,
                                                    abs=1e-9)
        assert -1e-12 <= row.D_jh <= 1 + 1e-12  # rounding when two group means tie
        bm += p[row.group_j] * p[row.group_h] * abs(gap)
    assert s["G_nb"] == pytest.approx(bm / data["y"].mean(), abs=1e-12)


@settings(max_examples=30, deadline=None)
@given(grouped_samples(), st.lists(st.integers(1, 4), min_size=30, max_size=30))
def test_integer_weights_equal_replicated_rows(data, reps):
    data = data.assign(w=np.array(reps[: len(data)], dtype=float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpecificationWarning)
        weighted = dagum_gini(data, "y", "g", weights="w")
        replicated = dagum_gini(data.loc[data.index.repeat(data["w"].astype(int))], "y", "g")
    cols = ["G", "G_w", "G_nb", "G_t"]
    assert np.allclose(weighted.summary[cols], replicated.summary[cols], atol=1e-12)
    assert np.allclose(weighted.pairs[["d_jh", "p_jh", "D_jh"]],
                       replicated.pairs[["d_jh", "p_jh", "D_jh"]], atol=1e-9)


def test_by_equals_separate_runs():
    rng = np.random.default_rng(3)
    data = pd.DataFrame({"y": rng.lognormal(size=60), "g": np.tile(list("abc"), 20),
                         "t": np.repeat([2001, 2002, 2003], 20)})
    res = dagum_gini(data, "y", "g", by="t")
    assert list(res.summary["t"]) == [2001, 2002, 2003]
    assert res.periods == [2001, 2002, 2003]
    for year in (2001, 2002, 2003):
        alone = dagum_gini(data.loc[data["t"] == year], "y", "g")
        row = res.summary.loc[res.summary["t"] == year].drop(columns="t").iloc[0]
        assert np.allclose(row.to_numpy(dtype=float), alone.summary.iloc[0].to_numpy(dtype=float))
        assert np.allclose(res.matrix(year), alone.matrix())
    with pytest.raises(SpecificationError, match="period="):
        res.matrix()


# ---------------------------------------------------------------------- bad input
def test_negative_values_rejected_with_rows():
    data = pd.DataFrame({"y": [1.0, -2.0, 3.0], "g": list("aab")})
    with pytest.raises(SpecificationError, match="negative") as err:
        dagum_gini(data, "y", "g")
    assert "-2.0" in str(err.value)


def test_all_zero_period_rejected():
    data = pd.DataFrame({"y": [0.0, 0.0, 1.0, 2.0], "g": list("abab"), "t": [1, 1, 2, 2]})
    with pytest.raises(SpecificationError, match="t=1"):
        dagum_gini(data, "y", "g", by="t")


def test_single_member_group_warns_and_has_zero_within():
    data = pd.DataFrame({"y": [1.0, 2.0, 3.0, 10.0], "g": list("aaab")})
    with pytest.warns(SpecificationWarning, match=r"\['b'\]"):
        res = dagum_gini(data, "y", "g")
    groups = res.groups.set_index("group")
    assert groups.loc["b", "G_jj"] == 0.0
    s = res.summary.iloc[0]
    assert s["G"] == pytest.approx(s["G_w"] + s["G_nb"] + s["G_t"], abs=1e-14)


def test_missing_values_dropped_with_warning():
    data = pd.DataFrame({"y": [1.0, np.nan, 3.0, 4.0, 5.0, 2.0],
                         "g": ["a", "a", None, "b", "b", "a"]})
    with pytest.warns(MissingValueWarning, match="dropped 2 of 6"):
        res = dagum_gini(data, "y", "g")
    assert res.n_dropped == 2
    assert res.summary["n"].iloc[0] == 4


def test_bad_columns_and_options():
    data = pd.DataFrame({"y": [1.0, 2.0], "g": ["a", "b"], "txt": ["x", "y"]})
    with pytest.raises(SpecificationError, match="Did you mean 'g'"):
        dagum_gini(data, "y", "gg")
    with pytest.raises(SpecificationError, match="numeric"):
        dagum_gini(data, "txt", "g")
    with pytest.raises(SpecificationError, match="DataFrame"):
        dagum_gini(np.ones(3), "y", "g")
    data["w"] = [1.0, 0.0]
    with pytest.raises(SpecificationError, match="zero or negative"):
        dagum_gini(data, "y", "g", weights="w")


@pytest.mark.parametrize("kind", ["shares", "within", "between"])
def test_plot_returns_figure(kind):
    data = pd.DataFrame({"y": np.arange(1.0, 13.0), "g": list("abc") * 4,
                         "t": np.repeat([1, 2], 6)})
    fig = dagum_gini(data, "y", "g", by="t").plot(kind)
    assert isinstance(fig, Figure)
    assert len(fig.axes[0].lines) == 3
    with pytest.raises(SpecificationError, match="Valid choices"):
        dagum_gini(data, "y", "g").plot("pie")


def test_unknown_keyword_did_you_mean():
    data = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0], "g": list("aabb")})
    with pytest.raises(SpecificationError, match="Did you mean 'weights'"):
        dagum_gini(data, "y", "g", weight="w")
