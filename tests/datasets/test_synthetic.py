"""The synthetic 31-province panel: its shape and truth, and recovery by the pipeline steps.

Recovery runs the *same step functions* as `stfi replicate` (regressions, mediation, panel
VAR) on generated panels, and checks that the known effects lie in the reported intervals.
With 95% intervals a single truth falls outside 5% of the time, so the panel-VAR check pools
coverage over a few seeds (the benchmark benchmarks/synthetic_recovery.py uses many).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stfi_models.datasets import china_provinces
from stfi_models.datasets.synthetic import DEFAULT_VAR, PVAR_NAMES, simulate_stfi_panel
from stfi_models.exceptions import SpecificationError
from stfi_models.replicate.steps import Context, mediation, pvar, regressions

FE = {"model": "fe", "options": {"vcov": "cluster"},
      "formulas": ["innovation ~ STFI + ln_gdp_pc + C(province_en) + C(year)",
                   "innovation ~ STFI + ln_gdp_pc"]}
MEDIATION = {"treatment": "market", "mediator": "ric", "outcome": "NQP", "controls": "w",
             "effects": "C(province_en) + C(year)", "model": "fe", "bootstrap": 199,
             "seed": 7}
PVAR = {"formula": " + ".join(PVAR_NAMES) + " ~ L(1) | gmm(2:4, collapse=True)",
        "draws": 20, "periods": 4, "demean_time": False}


def _context(frame: pd.DataFrame) -> Context:
    return Context(frame, "province_en", "year", "region3")


def test_keys_scale_and_truth():
    df = simulate_stfi_panel(8, seed=1)
    provinces = china_provinces()
    assert len(df) == 31 * 8
    assert set(df["province_en"]) == set(provinces["province_en"])
    assert df.groupby("region3")["province_en"].nunique().to_dict() == {
        "central": 8, "east": 11, "west": 12}
    assert df["STFI"].between(0, 1).all() and df["market"].between(-0.2, 0.6).all()
    truth = df.attrs["truth"]
    assert truth["beta"] == 1.5
    med = truth["mediation"]
    assert med["indirect"] == pytest.approx(med["a"] * med["b"])
    assert med["proportion"] == pytest.approx(med["indirect"] / med["total"])
    assert np.array(truth["var"]).tolist() == DEFAULT_VAR.tolist()


def test_seeded_and_reproducible():
    pd.testing.assert_frame_equal(simulate_stfi_panel(6, seed=3), simulate_stfi_panel(6, seed=3))
    assert not simulate_stfi_panel(6, seed=3).equals(simulate_stfi_panel(6, seed=4))


def test_fe_step_recovers_the_index_effect_and_pooled_ols_does_not():
    df = simulate_stfi_panel(10, seed=11)
    ctx = _context(df)
    regressions("fe", FE, ctx)
    fe, pooled = ctx.results["regressions.fe"]
    lower, upper = fe.conf_int().loc["STFI"]
    assert lower <= df.attrs["truth"]["beta"] <= upper
    p_lower, p_upper = pooled.with_vcov("cluster").conf_int().loc["STFI"]
    assert not p_lower <= df.attrs["truth"]["beta"] <= p_upper  # confounded by province effects


def test_mediation_step_recovers_indirect_effect_and_share():
    inside = []
    for seed in range(4):
        df = simulate_stfi_panel(10, seed=200 + seed)
        ctx = _context(df)
        mediation(MEDIATION, ctx)
        tidy = ctx.results["mediation"].tidy().set_index("path")
        truth = df.attrs["truth"]["mediation"]
        inside += [tidy.loc[p, "conf_low"] <= truth[p] <= tidy.loc[p, "conf_high"]
                   for p in ("a", "b", "indirect", "proportion")]
    # 16 intervals at 95%: four or more misses has probability < 0.01
    assert sum(not x for x in inside) <= 3, inside


def test_pvar_step_recovers_the_var_matrix():
    inside = []
    for seed in range(4):
        df = simulate_stfi_panel(12, seed=100 + seed)
        ctx = _context(df)
        pvar(PVAR, ctx)
        ci = ctx.results["pvar"].conf_int()
        truth = np.asarray(df.attrs["truth"]["var"]).ravel()
        inside.append((ci["lower"].to_numpy() <= truth) & (truth <= ci["upper"].to_numpy()))
    misses = int(np.size(inside) - np.sum(inside))
    assert misses <= 6, inside  # 36 intervals at nominal 95%: 7+ misses has p < 0.005


def test_bad_arguments():
    with pytest.raises(SpecificationError, match="at least 4"):
        simulate_stfi_panel(2)
    with pytest.raises(SpecificationError, match="not stable"):
        simulate_stfi_panel(6, var=np.eye(3))
    with pytest.raises(SpecificationError, match="3 x 3"):
        simulate_stfi_panel(6, var=np.eye(2))
