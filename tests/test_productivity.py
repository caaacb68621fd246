"""TFP as a Solow residual: identities, the regression share, the bundled data, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stfi_models.datasets import load_china_provinces
from stfi_models.exceptions import MissingValueWarning, SpecificationError
from stfi_models.productivity import tfp

KEYS = {"output": "y", "capital": "k", "labour": "l", "entity": "i", "time": "t"}


def cobb_douglas(alpha: float, seed: int = 0, n: int = 6, t: int = 8) -> pd.DataFrame:
    """Y = A K^alpha L^(1-alpha) with ln A = entity + time effects (known)."""
    rng = np.random.default_rng(seed)
    ln_a = rng.normal(size=(n, 1)) + rng.normal(size=(1, t))
    ln_k = rng.normal(3, 1, (n, t))
    ln_l = rng.normal(2, 0.5, (n, t))
    ln_y = ln_a + alpha * ln_k + (1 - alpha) * ln_l
    return pd.DataFrame({"i": np.repeat(np.arange(n), t), "t": np.tile(np.arange(t), n),
                         "y": np.exp(ln_y).ravel(), "k": np.exp(ln_k).ravel(),
                         "l": np.exp(ln_l).ravel(), "ln_a": ln_a.ravel() + 0 * ln_k.ravel()})


def test_solow_residual_recovers_ln_a_exactly():
    frame = cobb_douglas(0.4)
    res = tfp(frame, alpha=0.4, **KEYS)
    np.testing.assert_allclose(res.frame["ln_tfp"], frame["ln_a"], rtol=0, atol=1e-12)
    assert res.alpha == 0.4 and res.method == "solow" and res.regression is None


def test_regression_share_recovers_alpha_when_ln_a_is_two_way_effects():
    frame = cobb_douglas(0.35, seed=1)
    res = tfp(frame, method="regression", **KEYS)
    assert res.alpha == pytest.approx(0.35, abs=1e-10)
    # the residual then differs from ln A only by the absorbed effects: zero within variation
    gap = res.frame["ln_tfp"] - frame["ln_a"]
    assert gap.std() == pytest.approx(0, abs=1e-10)


def test_deflator_equals_deflating_by_hand():
    frame = cobb_douglas(0.5).assign(p=lambda d: np.linspace(1, 2, len(d)))
    by_option = tfp(frame, deflator="p", **KEYS).frame["ln_tfp"]
    by_hand = tfp(frame.assign(y=frame["y"] / frame["p"]), **KEYS).frame["ln_tfp"]
    np.testing.assert_allclose(by_option, by_hand, rtol=0, atol=1e-12)


def test_growth_respects_gaps_and_index_starts_at_one():
    frame = cobb_douglas(0.5, n=2, t=5)
    frame = frame[~((frame["i"] == 0) & (frame["t"] == 2))]
    out = tfp(frame, **KEYS).frame.set_index(["i", "t"])
    assert np.isnan(out.loc[(0, 3), "tfp_growth"])  # t=2 missing: no growth across the gap
    assert out.loc[(0, 1), "tfp_growth"] == pytest.approx(
        out.loc[(0, 1), "ln_tfp"] - out.loc[(0, 0), "ln_tfp"])
    assert out.xs(0, level="t")["tfp_index"].tolist() == [1.0, 1.0]


@settings(max_examples=30, deadline=None)
@given(alpha=st.floats(0.05, 0.95), scale=st.floats(0.01, 100))
def test_property_rescaling_capital_shifts_ln_tfp_by_alpha_log_scale(alpha, scale):
    frame = cobb_douglas(alpha)
    base = tfp(frame, alpha=alpha, **KEYS).frame["ln_tfp"]
    scaled = tfp(frame.assign(k=frame["k"] * scale), alpha=alpha, **KEYS).frame["ln_tfp"]
    np.testing.assert_allclose(scaled - base, -alpha * np.log(scale), atol=1e-9)


def test_bundled_data_matches_a_hand_computation():
    """Beijing 2012 from the raw panel row, computed independently with numpy."""
    panel = load_china_provinces()
    with pytest.warns(MissingValueWarning, match="31 row"):  # capital stock ends in 2022
        res = tfp(panel, output="gdp_nbs", capital="capital_stock_1952p", labour="pop_yearend",
                  entity="province_en", time="year", alpha=0.5)
    row = panel[(panel.province_en == "Beijing") & (panel.year == 2012)].iloc[0]
    expected = (np.log(row.gdp_nbs) - 0.5 * np.log(row.capital_stock_1952p)
                - 0.5 * np.log(row.pop_yearend))
    got = res.frame.set_index(["province_en", "year"]).loc[("Beijing", 2012), "ln_tfp"]
    assert got == pytest.approx(expected, abs=1e-12)
    assert res.n_dropped == 31
    assert res.frame["year"].max() == 2022


def test_regression_share_on_bundled_data_is_reported():
    panel = load_china_provinces().query("year <= 2022")
    res = tfp(panel, output="gdp_nbs", capital="capital_stock_1952p", labour="pop_yearend",
              entity="province_en", time="year", method="regression")
    assert 0 < res.alpha < 1
    assert res.regression.params["ln_k_per_l"] == res.alpha
    assert res.regression.vcov_type.startswith("cluster")


def test_missing_column_is_named():
    with pytest.raises(SpecificationError, match=r"\['kap'\]"):
        tfp(cobb_douglas(0.5), output="y", capital="kap", labour="l", entity="i", time="t")


def test_alpha_outside_unit_interval():
    with pytest.raises(SpecificationError, match="capital share"):
        tfp(cobb_douglas(0.5), alpha=1.2, **KEYS)


def test_unknown_method_suggests():
    with pytest.raises(SpecificationError, match="regression"):
        tfp(cobb_douglas(0.5), method="regresion", **KEYS)


def test_non_positive_rows_are_dropped_counted_and_warned():
    frame = cobb_douglas(0.5)
    frame.loc[3, "k"] = 0.0
    frame.loc[5, "y"] = np.nan
    with pytest.warns(MissingValueWarning, match="2 row"):
        res = tfp(frame, **KEYS)
    assert res.n_dropped == 2 and len(res.frame) == len(frame) - 2


def test_duplicate_keys():
    frame = cobb_douglas(0.5)
    with pytest.raises(SpecificationError, match="duplicate"):
        tfp(pd.concat([frame, frame.head(1)]), **KEYS)
