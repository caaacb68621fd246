"""Coupling coordination degree and obstacle degree: hand-derived examples, properties, errors.

Worked examples are derived by hand from the published formulas (module docstrings):
two systems U = (0.3, 0.5): standard C = 2 sqrt(0.15) / 0.8, T = 0.4 (equal weights),
D = sqrt(C T); revised C = sqrt((1 - 0.2) * 0.3 / 0.5) = sqrt(0.48).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import check_reference_row, reference_rows
from hypothesis import given, settings
from hypothesis import strategies as st

import stfi_models as sm
from stfi_models.exceptions import MissingValueWarning, SpecificationError
from stfi_models.index import build_index
from stfi_models.index.coupling import LEVELS, coordination_level, coupling_coordination
from stfi_models.index.obstacle import obstacle_degree


def test_two_system_worked_example():
    res = coupling_coordination(pd.DataFrame({"a": [0.3], "b": [0.5]}), ["a", "b"])
    row = res.table.iloc[0]
    c = 2 * math.sqrt(0.3 * 0.5) / (0.3 + 0.5)
    assert row["C"] == pytest.approx(c, rel=1e-14)
    assert row["T"] == pytest.approx(0.4, rel=1e-14)
    assert row["D"] == pytest.approx(math.sqrt(c * 0.4), rel=1e-14)   # 0.6223...
    assert row["level"] == 7 and row["label"] == "primary coordination"
    revised = coupling_coordination(pd.DataFrame({"a": [0.3], "b": [0.5]}), ["a", "b"],
                                    kind="revised").table.iloc[0]
    assert revised["C"] == pytest.approx(math.sqrt(0.8 * 0.6), rel=1e-14)


def test_three_systems_stated_weights():
    u = np.array([0.2, 0.4, 0.8])
    data = pd.DataFrame({"x": [u[0]], "y": [u[1]], "z": [u[2]]})
    res = coupling_coordination(data, ["x", "y", "z"], weights={"x": 0.5, "y": 0.3, "z": 0.2})
    row = res.table.iloc[0]
    # n [prod U / (sum U)^n]^(1/n): 3 * (0.064 / 1.4^3)^(1/3) = 0.4^... by hand
    assert row["C"] == pytest.approx(3 * (0.064 / 1.4**3) ** (1 / 3), rel=1e-13)
    assert row["T"] == pytest.approx(0.1 + 0.12 + 0.16, rel=1e-14)
    revised = coupling_coordination(data, ["x", "y", "z"], kind="revised").table.iloc[0]
    spread = (0.2 + 0.6 + 0.4) / 3
    ratio = (0.25 * 0.5 * 1.0) ** 0.5
    assert revised["C"] == pytest.approx(math.sqrt((1 - spread) * ratio), rel=1e-13)


def test_levels_boundaries():
    np.testing.assert_array_equal(coordination_level([0, 0.0999, 0.1, 0.55, 0.9, 1.0]),
                                  [1, 1, 2, 6, 10, 10])
    assert len(LEVELS) == 10


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.001, 1), min_size=2, max_size=5))
def test_coupling_properties(u):
    data = pd.DataFrame({f"s{i}": [v] for i, v in enumerate(u)})
    for kind in ("standard", "revised"):
        row = coupling_coordination(data, list(data.columns), kind=kind).table.iloc[0]
        assert -1e-12 <= row["C"] <= 1 + 1e-12 and 0 <= row["D"] <= 1 + 1e-12
    equal = pd.DataFrame({f"s{i}": [u[0]] for i in range(len(u))})
    assert coupling_coordination(equal, list(equal.columns)).table["C"].iloc[0] == \
        pytest.approx(1)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"weights": {"a": 0.6, "b": 0.6}}, r"sum to 1.*sum 1\.2"),
    ({"weights": [0.5]}, "1 values for 2 systems"),
    ({"weights": {"a": 1.0, "bb": 0.0}}, "Did you mean 'b'"),
    ({"kind": "revisd"}, "Did you mean 'revised'"),
    ({"systems": ["a"]}, "two or more"),
    ({"systems": ["a", "c"]}, "'c' is not a column"),
])
def test_bad_input_is_named(kwargs, match):
    data = pd.DataFrame({"a": [0.3], "b": [0.5]})
    systems = kwargs.pop("systems", ["a", "b"])
    with pytest.raises(SpecificationError, match=match):
        coupling_coordination(data, systems, **kwargs)
    with pytest.raises(SpecificationError, match=">= 0"):
        coupling_coordination(pd.DataFrame({"a": [-0.1], "b": [0.5]}), ["a", "b"])


def test_d_feeds_the_downstream_steps():
    data = sm.load_china_provinces()
    data = data[data["year"].between(2015, 2019)]
    tf = build_index("TF ~ a(budget_exp_scitech + rd_exp_gov_funds) + b(pku_dfiic_index)",
                     data, entity="province_en", time="year", normalize="distance")
    frame = tf.to_frame(data=True)
    res = coupling_coordination(frame, ["a", "b"], keys=["province_en", "year", "region3"])
    d = res.to_frame()
    gini = sm.dagum_gini(d, "D", "region3", by="year")
    assert len(gini.summary) == 5
    w = sm.china_weights(key="province_en")
    moran = sm.moran(d[d["year"] == 2019], w, "D", id="province_en", permutations=0)
    assert np.isfinite(moran.I)
    assert len(sm.sigma_convergence(d, "D", "year").table) == 5
    assert sm.kernel_density(d, "D", "year") is not None
    assert res.levels(by="year")["n"].sum() == len(d)


def hand_obstacle(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    gap = w * (1 - x)
    return gap / gap.sum(axis=1, keepdims=True)


def test_obstacle_degree_equals_the_formula():
    rng = np.random.default_rng(2)
    data = pd.DataFrame({"id": np.repeat(np.arange(5), 3), "t": np.tile([1, 2, 3], 5),
                         **{c: rng.uniform(1, 9, 15) for c in "abcd"}})
    idx = build_index("I ~ g(a + b) + h(c - d)", data, entity="id", time="t")
    res = obstacle_degree(idx)
    w = idx.weights.query("level == 'indicator'").set_index("indicator")["global_weight"]
    x = idx.normalized.to_numpy()
    expect = hand_obstacle(x, w[list("abcd")].to_numpy())
    got = res.indicators["obstacle"].to_numpy().reshape(15, 4)
    np.testing.assert_allclose(got, expect, rtol=1e-13)
    np.testing.assert_allclose(got.sum(axis=1), 1, rtol=1e-13)
    # the weighted-sum gap identity: sum_j F_j I_ij = 1 - CI_i
    gap = (w[list("abcd")].to_numpy() * (1 - x)).sum(axis=1)
    np.testing.assert_allclose(gap, 1 - idx.composite.to_numpy(), rtol=1e-12)
    dims = res.dimensions.pivot_table(index=["id", "t"], columns="dimension",
                                      values="obstacle")
    np.testing.assert_allclose(dims["g"].to_numpy(), expect[:, :2].sum(axis=1), rtol=1e-13)
    assert res.top(1).groupby(["id", "t"]).size().eq(1).all()
    assert set(res.mean("dimension")["dimension"]) == {"g", "h"}


def test_obstacle_by_year_weights_and_errors():
    rng = np.random.default_rng(3)
    data = pd.DataFrame({"id": np.repeat(np.arange(6), 2), "t": np.tile([1, 2], 6),
                         **{c: rng.uniform(1, 9, 12) for c in "abc"}})
    idx = build_index("I ~ a + b + c", data, entity="id", time="t", weights_by="year")
    res = obstacle_degree(idx)
    w2 = idx.weights.query("t == 2").set_index("indicator")["global_weight"][list("abc")]
    x2 = idx.normalized.xs(2, level="t").to_numpy()
    got = res.indicators.query("t == 2")["obstacle"].to_numpy().reshape(6, 3)
    np.testing.assert_allclose(got, hand_obstacle(x2, w2.to_numpy()), rtol=1e-13)
    z = build_index("I ~ a + b + c", data, entity="id", time="t", normalize="zscore",
                    method="equal")
    with pytest.raises(SpecificationError, match=r"in \[0, 1\]"):
        obstacle_degree(z)
    with pytest.raises(SpecificationError, match="positive integer"):
        res.top(0)


def test_a_row_at_the_best_everywhere_has_no_obstacle():
    data = pd.DataFrame({"id": [1, 2, 3], "t": [1, 1, 1], "a": [1.0, 2, 3], "b": [1.0, 2, 3]})
    idx = build_index("I ~ a + b", data, entity="id", time="t", method="equal")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = obstacle_degree(idx)
    assert any(issubclass(c.category, MissingValueWarning) for c in caught)
    assert res.indicators.query("id == 3")["obstacle"].isna().all()


@pytest.mark.parametrize(("topic", "row"), reference_rows("coupling"))
def test_numpy_rederivation_on_the_bundled_panel(topic, row):
    """validation/coupling/reference.csv: plain numpy formulas on the tech_finance_nqp study."""
    check_reference_row(topic, row)
