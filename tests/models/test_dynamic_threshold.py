"""Dynamic panel threshold (Seo & Shin 2016): FD-GMM at a given threshold equals diff-gmm."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import stfi_models as sm
from stfi_models.exceptions import EstimationError, SpecificationError
from stfi_models.models.gmm import engine as ge
from stfi_models.models.threshold.dynamic import DynamicThreshold

FORMULA = "y ~ regimes(L(y, 1), x, by=q) | gmm(y, 2:4) + iv(x)"


def _panel(n=300, t=8, seed=1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        mu, y = rng.normal(), 0.0
        x, q = rng.normal(size=t + 20), rng.normal(size=t + 20)
        for s in range(t + 20):
            upper = q[s] > 0.3
            y = (0.3 + 0.6 * y + 0.5 * x[s]) if upper else (0.2 * y + 1.0 * x[s])
            y += mu + 0.5 * rng.normal()
            if s >= 20:
                rows.append((i, s, y, x[s], q[s]))
    return pd.DataFrame(rows, columns=["id", "year", "y", "x", "q"])


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return _panel()


@pytest.mark.filterwarnings("ignore::stfi_models.exceptions.MissingValueWarning")
@pytest.mark.filterwarnings("ignore::stfi_models.exceptions.SpecificationWarning")
def test_gmm_at_a_given_threshold_equals_diff_gmm(df):
    """At fixed gamma the model is Arellano-Bond GMM with the regime columns as regressors."""
    model = DynamicThreshold.from_formula(FORMULA, df, entity="id", time="year")
    gamma = float(model.gamma[17])
    w1 = np.linalg.pinv(model.system.h.cross(model.system.z), hermitian=True)
    one, resid, _ = model._gmm(gamma, w1)
    sums = ge.entity_sums(model.system.z, model.system.entity, model.system.n_entities,
                          weights=resid)
    two, *_ = model._gmm(gamma, np.linalg.inv(sums.T @ sums))
    data = df.assign(ly=df.groupby("id").y.shift())
    upper = (data.q > gamma).astype(float)
    data = data.assign(d=upper, ly_d=data.ly * upper, x_d=data.x * upper)
    formula = "y ~ L(y, 1) + x + d + ly_d + x_d | gmm(y, 2:4) + iv(x)"
    for steps, ours in ((1, one), (2, two)):
        ab = sm.fit(formula, data, entity="id", time="year", model="diff-gmm", steps=steps)
        np.testing.assert_allclose(ours, ab.params.to_numpy(), rtol=1e-9, atol=1e-12)


def test_recovers_the_simulated_threshold(df):
    res = sm.fit(FORMULA, df, entity="id", time="year", model="dynamic-threshold")
    lo, hi = res.conf_int().loc["gamma"]
    assert lo <= 0.3 <= hi
    assert res.params["x"] == pytest.approx(1.0, abs=0.4)
    assert res.diagnostics["Hansen"].df == 16 - 6
    assert res.info["criterion"].idxmin() == res.params["gamma"]
    assert res.resid.index.names == ["id", "year"] and res.nobs == 300 * 6


def test_bad_input(df):
    with pytest.raises(SpecificationError, match="trim"):
        sm.fit(FORMULA, df, entity="id", time="year", model="dynamic-threshold", trim=0.6)
    with pytest.raises(EstimationError, match="constant"):
        sm.fit(FORMULA, df.assign(q=1.0), entity="id", time="year",
               model="dynamic-threshold")
    with pytest.raises(SpecificationError, match="Did you mean 'grid'"):
        sm.fit(FORMULA, df, entity="id", time="year", model="dynamic-threshold", gird=10)
