"""Panel threshold regression: grid-search identities, bootstrap, LR plot, bad input, invariance.

Reference numbers (Hansen's thresh.out, brute force) are in test_threshold_reference.py.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import validation_module
from hypothesis import given, settings
from hypothesis import strategies as st

import stfi_models as sm
from stfi_models.exceptions import (
    EstimationError,
    FormulaError,
    PanelDataError,
    SpecificationError,
)
from stfi_models.models.threshold import PanelThreshold, ThresholdResult
from stfi_models.models.threshold.lr import critical_value
from stfi_models.models.threshold.search import GridSearch

CASES = validation_module("threshold").cases
HANSEN = validation_module("threshold")


def _fit(formula, data, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sm.MissingValueWarning)
        return sm.fit(formula, data, entity="prov_code", time="year", model="threshold",
                      **options)


@pytest.fixture(scope="module")
def china() -> pd.DataFrame:
    return HANSEN.china_data()


@pytest.fixture(scope="module")
def china_res(china) -> ThresholdResult:
    return _fit(CASES.CHINA_FORMULA, china, thresholds=2, trim=0.05, grid=60, bootstrap=40,
                seed=3)


def _simulated(n=40, t=8, seed=0, kz=2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"id": np.repeat(np.arange(n), t), "year": np.tile(np.arange(t), n)})
    df["q"] = rng.normal(size=n * t)
    df["x"] = rng.normal(size=n * t)
    for j in range(kz):
        df[f"z{j}"] = rng.normal(size=n * t)
    mu = np.repeat(rng.normal(size=n), t)
    slope = np.where(df.q > 0.3, 1.0, -0.5)
    df["y"] = mu + 0.5 * df.x + slope * df.z0 + rng.normal(size=n * t)
    return df


# ---------------------------------------------------------------------------- the grid search
@pytest.mark.parametrize("convention", ["standard", "hansen"])
def test_vectorised_ssr_equals_explicit_ols_at_every_candidate(convention):
    """S(gamma) from cumulative sums == OLS on the regime columns, with a threshold fixed."""
    df = _simulated(kz=2)
    model = PanelThreshold.from_formula("y ~ x + regimes(z0, z1, by=q) | id", df, entity="id",
                                        time="year", grid=50, convention=convention)
    problem, gamma = model.problem, model.rule.gamma
    fixed = (float(gamma[10]),)
    candidates = gamma[(gamma != fixed[0])]
    search = GridSearch.build(problem, candidates, fixed)
    fast = search.ssr(problem.y)
    slow = np.array([problem.ssr((*fixed, g)) for g in candidates])
    np.testing.assert_allclose(fast, slow, rtol=1e-11)
    batch = np.column_stack([problem.y, 2 * problem.y])
    np.testing.assert_allclose(search.ssr(batch)[:, 1], 4 * slow, rtol=1e-11)


def test_period_effects_equal_lsdv_with_entity_and_year_dummies():
    """``| id + year``: SSR, slopes and classical SEs of LSDV with both sets of dummies."""
    df = _simulated(n=15, t=6, seed=4)
    res = sm.fit("y ~ x + regimes(z0, by=q) | id + year", df, entity="id", time="year",
                 model="threshold", grid=30, trim=0.1, bootstrap=20, seed=1)
    gamma = res.thresholds[0]
    dummies = pd.get_dummies(df[["id", "year"]].astype(str), drop_first=True, dtype=float)
    regimes = np.column_stack([df.z0 * (df.q <= gamma), df.z0 * (df.q > gamma)])
    design = np.column_stack([df.x, regimes, np.ones(len(df)), dummies])
    coef, ssr, *_ = np.linalg.lstsq(design, df.y, rcond=None)
    np.testing.assert_allclose(res.params.to_numpy(), coef[:3], rtol=1e-9)
    assert float((res.resid ** 2).sum()) == pytest.approx(float(ssr[0]), rel=1e-10)
    sigma2 = ssr[0] / (len(df) - design.shape[1])
    se = np.sqrt(np.diag(sigma2 * np.linalg.inv(design.T @ design))[:3])
    np.testing.assert_allclose(res.std_errors.to_numpy(), se, rtol=1e-8)
    assert res.info["effects"] == ("entity", "time") and res.info["df_sigma"] == 90 - 15 - 5


def test_threshold_found_in_simulated_data():
    res = sm.fit("y ~ x + regimes(z0, by=q) | id", _simulated(n=80, seed=2), entity="id",
                 time="year", model="threshold", bootstrap=0)
    lo, hi = res.threshold_ci.loc["gamma1", ["lower", "upper"]]
    assert lo <= 0.3 <= hi
    assert res.params["z0 [q > %s]" % f"{res.thresholds[0]:.6g}"] == pytest.approx(1.0, abs=0.15)


def test_critical_values_of_the_paper():
    """Hansen (1999) eq. 15 prints 7.35 and 10.59 for 95 and 99 %.

    For 90 % the 1999 text layer reads 6.53, which eq. 15 does not give: -2 ln(1 - sqrt(0.9))
    = 5.94, the value of Hansen (2000, Econometrica, Table 1); 6.53 is c at alpha = 0.075.
    """
    assert [round(critical_value(a), 2) for a in (0.90, 0.95, 0.99)] == [5.94, 7.35, 10.59]


# ---------------------------------------------------------------------------- bootstrap
def test_bootstrap_pvalues_within_monte_carlo_error():
    """300 draws on Hansen's data against thresh.out and the paper's Table 2 (300 each)."""
    data = sm.load_hansen1999()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sm.MissingValueWarning)
        res = sm.fit(CASES.HANSEN_FORMULA, data, entity="id", time="year", model="threshold",
                     bootstrap=300, seed=1, **CASES.HANSEN_OPTIONS)
    tests = res.threshold_tests
    published = {"thresh.out": (0.0066666667, 0.016666667, 0.74),
                 "Table 2": (0.003, 0.017, 0.723)}
    for values in published.values():
        for k, p_pub in zip((1, 2, 3), values, strict=True):
            p, se = tests.loc[k, "pvalue"], tests.loc[k, "mc_se"]
            se_pub = np.sqrt(p_pub * (1 - p_pub) / 300)
            assert abs(p - p_pub) <= 3 * np.hypot(se, se_pub), (k, p, p_pub)


def test_same_seed_same_statistics_for_any_n_jobs(china):
    one = _fit(CASES.CHINA_FORMULA, china, thresholds=2, trim=0.05, grid=40, bootstrap=24,
               seed=11)
    two = _fit(CASES.CHINA_FORMULA, china, thresholds=2, trim=0.05, grid=40, bootstrap=24,
               seed=11, n_jobs=2)
    pd.testing.assert_frame_equal(one.threshold_tests, two.threshold_tests)
    other = _fit(CASES.CHINA_FORMULA, china, thresholds=2, trim=0.05, grid=40, bootstrap=24,
                 seed=12)
    assert not one.threshold_tests["crit5"].equals(other.threshold_tests["crit5"])


@pytest.mark.slow
def test_dask_backend_gives_the_same_statistics(china):
    distributed = pytest.importorskip("distributed")
    options = dict(thresholds=2, trim=0.05, grid=40, bootstrap=16, seed=11)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        on_dask = _fit(CASES.CHINA_FORMULA, china, backend="dask", **options)
    local = _fit(CASES.CHINA_FORMULA, china, **options)
    pd.testing.assert_frame_equal(on_dask.threshold_tests, local.threshold_tests)


def test_no_bootstrap_gives_nan_pvalues(china):
    res = _fit(CASES.CHINA_FORMULA, china, grid=40, bootstrap=0)
    assert np.isnan(res.threshold_tests.loc[1, "pvalue"])
    assert res.threshold_tests.loc[1, "draws"] == 0


# ---------------------------------------------------------------------------- result
def test_result_vocabulary(china_res):
    res = china_res
    assert isinstance(res, ThresholdResult) and len(res.thresholds) == 2
    g1, g2 = (f"{g:.6g}" for g in res.thresholds)
    assert list(res.params.index[-3:]) == [
        f"I(budget_exp_scitech / budget_exp_total * 100) [gdp_per_capita <= {g1}]",
        f"I(budget_exp_scitech / budget_exp_total * 100) [{g1} < gdp_per_capita <= {g2}]",
        f"I(budget_exp_scitech / budget_exp_total * 100) [gdp_per_capita > {g2}]"]
    assert list(res.threshold_tests.index) == [1, 2]
    assert set(res.lr_curves) == {"gamma1", "gamma2"}
    ci = res.conf_int_thresholds(0.99)
    assert (ci["lower"] <= res.threshold_ci["lower"]).all()
    clustered = res.with_vcov("cluster")
    assert isinstance(clustered, ThresholdResult) and clustered.vcov_type.startswith("cluster")
    assert clustered.thresholds == res.thresholds
    assert "gamma1" in res.summary().as_text()
    assert res.nobs == 31 * 13 and res.dropped.n == 0  # 2011-2023: GDP per capita complete


def test_lr_plot(china_res):
    import matplotlib.pyplot as plt

    fig = china_res.plot()
    assert len(fig.axes) == 2
    _, ax = plt.subplots()
    assert china_res.plot(threshold=2, ax=ax) is ax.figure
    with pytest.raises(SpecificationError, match="threshold=1..2"):
        china_res.plot(ax=ax)
    with pytest.raises(SpecificationError, match="thresholds 1..2"):
        china_res.plot(threshold=3)


def test_xthreg_conventions_at_its_threshold():
    """Wang (2015) xthreg: RSS 17.7818, F 35.20 at 0.0154, with MSE = RSS/(NT - T).

    Its grid is not public; given its threshold as the one candidate (d = 0.01542 in our
    data), the standard convention gives its RSS, and its F once scaled by 7345/7896.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sm.MissingValueWarning)
        res = sm.fit(CASES.HANSEN_FORMULA, sm.load_hansen1999(), entity="id", time="year",
                     model="threshold", grid=[0.01542], bootstrap=0)
    tests = res.threshold_tests.loc[1]
    assert tests["ssr"] == pytest.approx(17.7818, abs=5e-5)
    assert tests["fstat"] * 7896 / 7345 == pytest.approx(35.20, abs=5e-3)
    assert res.nobs == 7910 and res.thresholds == (0.01542,)


def test_explicit_grid_values():
    df = _simulated()
    res = sm.fit("y ~ x + regimes(z0, by=q) | id", df, entity="id", time="year",
                 model="threshold", grid=[-5.0, 0.0, 0.3, 99.0], trim=0.05, bootstrap=0)
    assert set(res.lr_curves["gamma1"].index) == {0.0, 0.3}
    for grid, words in (([np.nan], "finite"), ([99.0], "None of the grid"), ("abc", "finite")):
        with pytest.raises(SpecificationError, match=words):
            sm.fit("y ~ x + regimes(z0, by=q) | id", df, entity="id", time="year",
                   model="threshold", grid=grid, bootstrap=0)


# ---------------------------------------------------------------------------- invariance
@settings(max_examples=8, deadline=None)
@given(scale=st.floats(1e-3, 1e3), x_scale=st.floats(1e-3, 1e3),
       q_scale=st.sampled_from([0.25, 10.0, 1e4]))
def test_rescaling(scale, x_scale, q_scale):
    """Rescaling z or x moves only its slopes; rescaling q moves only the thresholds."""
    df = _simulated(n=20, t=6, seed=5, kz=1)
    base = sm.fit("y ~ x + regimes(z0, by=q) | id", df, entity="id", time="year",
                  model="threshold", grid=30, bootstrap=0, thresholds=2, trim=0.1)
    scaled = df.assign(z0=df.z0 * scale, x=df.x * x_scale, q=df.q * q_scale)
    res = sm.fit("y ~ x + regimes(z0, by=q) | id", scaled, entity="id", time="year",
                 model="threshold", grid=30, bootstrap=0, thresholds=2, trim=0.1)
    np.testing.assert_allclose(res.thresholds, np.array(base.thresholds) * q_scale, rtol=1e-12)
    np.testing.assert_allclose(res.threshold_tests["fstat"], base.threshold_tests["fstat"],
                               rtol=1e-7)
    np.testing.assert_allclose(res.params.to_numpy()[1:] * scale, base.params.to_numpy()[1:],
                               rtol=1e-7)
    assert res.params["x"] * x_scale == pytest.approx(base.params["x"], rel=1e-7)


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("formula", "options", "error", "words"),
    [
        ("y ~ x + z0 | id", {}, FormulaError, "needs a regimes"),
        ("y ~ x + regimes(z0, by=qq) | id", {}, FormulaError, "Did you mean 'q'"),
        ("y ~ x + regimes(zz, by=q) | id", {}, FormulaError, "Did you mean"),
        ("y ~ x + regimes(z0, by=c) | id", {}, EstimationError, "constant"),
        ("y ~ x + regimes(z0, by=q) | id", {"trim": 0.5}, SpecificationError, "trim=0.5"),
        ("y ~ x + regimes(z0, by=q) | id", {"trim": (0.1, 0.1)}, SpecificationError,
         "one per threshold"),
        ("y ~ x + regimes(z0, by=q) | id", {"thresholds": 4}, SpecificationError, "1, 2 or 3"),
        ("y ~ x + regimes(z0, by=q) | id", {"grid": 5}, SpecificationError, "grid=5"),
        ("y ~ x + regimes(z0, by=q) | id", {"convention": "xthreg"}, SpecificationError,
         "Valid choices"),
        ("y ~ x + regimes(z0, by=q) | id", {"thresholds": 3, "trim": 0.3}, EstimationError,
         "No candidate threshold left"),
        ("y ~ x + regimes(z0, by=q) | id", {"bootstrap": -1}, SpecificationError,
         "bootstrap"),
        ("y ~ x + regimes(z0, by=q) | id", {"level": 1.5}, SpecificationError, "level"),
        ("y ~ x + regimes(z0, by=q) | id", {"vcov": "driscoll-kraay"}, SpecificationError,
         "vcov"),
        ("y ~ x + regimes(z0, by=q) | id", {"bootsrap": 10}, SpecificationError,
         "Did you mean 'bootstrap'"),
        ("y ~ z0 + regimes(z0, by=q) | id", {}, FormulaError, "both inside regimes"),
        ("y ~ x + regimes(z0, by=q) + regimes(x, by=q) | id", {}, FormulaError, "one regimes"),
        ("y ~ x + regimes(z0, by=q) | id + year", {"convention": "hansen"},
         SpecificationError, "no period effects"),
        ("y ~ x + regimes(z0, by=C(c)) | id", {}, FormulaError, "numeric"),
        ("y ~ x + x2 + regimes(z0, by=q) | id", {}, EstimationError,
         "x2 is a linear combination"),
        ("y ~ x + regimes(c, by=q) | id", {"convention": "hansen"}, EstimationError,
         "constant within entity"),
    ],
)
def test_bad_input(formula, options, error, words):
    df = _simulated(n=10, t=5).assign(c=1.0)
    df["x2"] = 2 * df.x
    with pytest.raises(error, match=words):
        sm.fit(formula, df, entity="id", time="year", model="threshold",
               **{"bootstrap": 0, **options})


def test_unbalanced_panel_is_refused_with_the_fix():
    df = _simulated(n=10, t=5)
    df.loc[3, "z0"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sm.MissingValueWarning)
        with pytest.raises(PanelDataError, match="balanced panel"):
            sm.fit("y ~ x + regimes(z0, by=q) | id", df, entity="id", time="year",
                   model="threshold", bootstrap=0)


def test_regimes_outside_the_threshold_model():
    with pytest.raises(FormulaError, match="model='threshold'"):
        sm.fit("y ~ x + regimes(z0, by=q) | id", _simulated(), entity="id", time="year")
