"""Difference and system GMM against published numbers (validation/gmm) and by equivalence.

Every row of ``validation/gmm/reference.csv`` is one test, computed by
``validation/gmm/compute.py`` (the single map from a case name to the formula and the options
that select the convention the reference follows; see validation/gmm/README.md).  The rows of
``validation/gmm/known_mismatches.csv`` are ``xfail(strict=True)`` with the reason given there.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import (
    check_reference_row,
    compared,
    load_reference,
    reference_rows,
    validation_module,
)
from hypothesis import given, settings
from hypothesis import strategies as st

import stfi_models as sm
from stfi_models.exceptions import (
    EstimationError,
    FormulaError,
    SpecificationError,
    SpecificationWarning,
)
from stfi_models.validation import known_mismatches

GMM = validation_module("gmm")  # the reference cases: formulas, options, data
PDP = GMM.PDP


@pytest.fixture(scope="module")
def abdata() -> pd.DataFrame:
    """``abdata`` with the dummies yr1980..yr1984 (the data of the reference cases)."""
    return GMM.load_data()


@pytest.fixture(scope="module")
def fitted():
    """``fitted(case)``: a reference case of validation/gmm/compute.py, fitted once."""
    cache: dict[str, sm.Result] = {}

    def get(case: str) -> sm.Result:
        if case not in cache:
            cache[case] = GMM.fit_case(case)
        return cache[case]

    return get


# ---------------------------------------------------------------------------------- reference
@pytest.mark.parametrize(("topic", "row"), reference_rows("gmm"))
def test_gmm_reference_number(topic, row):
    """Every number of validation/gmm/reference.csv (coefficients, SEs, AR(m), Sargan, Hansen,
    difference-in-Hansen, Wald, instrument and observation counts) at its tolerance."""
    check_reference_row(topic, row)


def test_every_case_has_a_reference():
    assert set(load_reference("gmm")["case"]) == set(GMM.CASES)


def test_known_mismatches_are_reported_as_such_not_as_passes():
    """``stfi validate`` prints the listed rows as known misses (with the reason), and counts
    them neither as passes nor as failures."""
    table = compared("gmm")
    listed = table[table["reason"] != ""]
    assert len(listed) == len(known_mismatches("gmm")) >= 1
    assert not listed["passed"].any() and (listed["status"] == "known miss").all()
    assert (table["status"] == "ok").sum() == len(table) - len(listed)


# ---------------------------------------------------------------------------------- equivalence
def test_just_identified_difference_gmm_equals_2sls(abdata):
    """One instrument per regressor: GMM (any weight) is IV on the differenced data."""
    from linearmodels.iv import IV2SLS

    from stfi_models.formula import parse_formula
    from stfi_models.models.gmm import DiffGMM

    formula = "n ~ L(n, 1) + w + k | gmm(n, 2:2, collapse=True) + iv(w, k)"
    model = DiffGMM(parse_formula(formula), sm.PanelData(abdata, "id", "year"))
    g = model.gsys
    assert g.z.shape[1] == g.x.shape[1] == 3
    res1 = model.fit(steps=1)
    res2 = model.fit(steps=2)
    # with w, k exogenous: regressors [L1.n | w, k], instruments [L2.n | w, k]
    iv = IV2SLS(g.y, g.x[:, 1:], g.x[:, :1], g.z[:, :1].toarray()).fit(cov_type="unadjusted")
    expected = np.r_[iv.params.to_numpy()[2:], iv.params.to_numpy()[:2]]
    np.testing.assert_allclose(res1.params.to_numpy(), expected, rtol=0, atol=1e-10)
    np.testing.assert_allclose(res2.params.to_numpy(), expected, rtol=0, atol=1e-10)
    assert abs(res2.diagnostics["Hansen"].stat) < 1e-8


def test_onestep_equals_explicit_matrices(abdata):
    """The per-entity block sums equal the textbook dense formulas on a small panel."""
    from stfi_models.formula import parse_formula
    from stfi_models.models.gmm import DiffGMM

    small = abdata[abdata["id"] <= 12]
    model = DiffGMM(parse_formula("n ~ L(n, 1) + k | gmm(n, 2:3) + iv(k)"),
                    sm.PanelData(small, "id", "year"))
    g = model.gsys
    n = g.y.size
    h = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if g.entity[i] == g.entity[j]:
                gap = abs(int(g.time[i]) - int(g.time[j]))
                h[i, j] = 2.0 if gap == 0 else (-1.0 if gap == 1 else 0.0)
    w1 = np.linalg.inv(g.z.T @ h @ g.z)
    xz = g.x.T @ g.z
    b1 = np.linalg.solve(xz @ w1 @ xz.T, xz @ w1 @ g.z.T @ g.y)
    res = model.fit(steps=1)
    np.testing.assert_allclose(res.params.to_numpy(), b1, atol=1e-12)
    u = g.y - g.x @ b1
    moments = [g.z[g.entity == e].T @ u[g.entity == e] for e in np.unique(g.entity)]
    s = sum(np.outer(m, m) for m in moments)
    a = np.linalg.inv(xz @ w1 @ xz.T)
    v = a @ xz @ w1 @ s @ w1 @ xz.T @ a
    np.testing.assert_allclose(res.cov.to_numpy(), v, atol=1e-14)


def test_windmeijer_matches_numerical_derivative(abdata):
    """D = d beta2(b) / d b at the one-step estimate, checked by central differences."""
    from stfi_models.formula import parse_formula
    from stfi_models.models.gmm import DiffGMM
    from stfi_models.models.gmm import engine as ge

    g = DiffGMM(parse_formula(PDP), sm.PanelData(abdata, "id", "year")).gsys
    fit = ge.gmm_fit(g.y, g.x, g.z, g.entity, g.h, steps=2)

    def beta2(b):
        gi = ge.entity_sums(g.z.multiply((g.y - g.x @ b)[:, None]).tocsr(), g.entity)
        w = np.linalg.pinv(gi.T @ gi)
        zx = g.z.T @ g.x
        return np.linalg.solve(zx.T @ w @ zx, zx.T @ w @ (g.z.T @ g.y))

    k = g.x.shape[1]
    d = np.zeros((k, k))
    for j in range(k):
        e = np.zeros(k)
        e[j] = 1e-6
        d[:, j] = (beta2(fit.params1 + e) - beta2(fit.params1 - e)) / 2e-6
    a2, v1 = fit.a2, fit.cov["onestep_robust"]
    expected = a2 + d @ a2 + a2 @ d.T + d @ v1 @ d.T
    np.testing.assert_allclose(fit.cov["windmeijer"], expected, rtol=1e-5)


def test_row_order_and_labels_do_not_matter(abdata):
    shuffled = abdata.sample(frac=1.0, random_state=3).reset_index(drop=True)
    shuffled["id"] = "firm" + shuffled["id"].astype(str)
    a = sm.fit(PDP, abdata, entity="id", time="year", model="diff-gmm")
    b = sm.fit(PDP, shuffled, entity="id", time="year", model="diff-gmm")
    np.testing.assert_allclose(a.params.to_numpy(), b.params.to_numpy(), atol=1e-12)
    np.testing.assert_allclose(a.std_errors.to_numpy(), b.std_errors.to_numpy(), atol=1e-12)


def test_fod_equals_fd_one_step_on_a_balanced_panel(abdata):
    """Arellano and Bover (1995): with all available lags as instruments, one-step GMM on
    orthogonal deviations (H = I) equals one-step GMM on first differences."""
    span = abdata.groupby("id")["year"].agg(["min", "max", "count"])
    ids = span[(span["min"] == 1977) & (span["max"] == 1983) & (span["count"] == 7)].index
    balanced = abdata[abdata["id"].isin(ids)]
    formula = "n ~ L(n, 1) + k | gmm(n, 2:.) + gmm(k, 2:.)"
    fd = sm.fit(formula, balanced, entity="id", time="year", model="diff-gmm", steps=1)
    fod = sm.fit(formula, balanced, entity="id", time="year", model="diff-gmm", steps=1,
                 transform="fod")
    assert fd.info["n_instruments"] == fod.info["n_instruments"]
    np.testing.assert_allclose(fod.params.to_numpy(), fd.params.to_numpy(), atol=1e-10)
    np.testing.assert_allclose(fod.std_errors.to_numpy(), fd.std_errors.to_numpy(), atol=1e-10)


def test_fod_runs_on_unbalanced_panel_with_gaps(abdata):
    gappy = abdata.drop(index=abdata.index[5::17])
    res = sm.fit("n ~ L(n, 1) + w + k | gmm(n, 2:4) + iv(w, k)", gappy, entity="id",
                 time="year", model="sys-gmm", transform="fod")
    assert np.all(np.isfinite(res.std_errors))
    assert np.isfinite(res.diagnostics["AR(2)"].stat)


def test_system_gmm_recovers_rho_on_synthetic_data():
    """Small Monte Carlo (the >= 200-replication one is benchmarks/gmm_montecarlo.py)."""
    from stfi_models.datasets.synthetic_gmm import simulate_dynamic_panel

    formula = 'y ~ L(y, 1) + x | gmm(y, 2:.) + iv(x, eq="diff") + gmm(x, 1:1, eq="level")'
    estimates, covered = [], 0
    for seed in range(12):
        data = simulate_dynamic_panel(200, 6, rho=0.5, beta=1.0, seed=seed)
        res = sm.fit(formula, data, entity="id", time="t", model="sys-gmm")
        ci = res.conf_int().loc["L1.y"]
        covered += ci["lower"] <= 0.5 <= ci["upper"]
        estimates.append(res.params["L1.y"])
    assert abs(np.mean(estimates) - 0.5) < 0.05
    assert covered >= 9


# ---------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("formula", "options", "error", "match"),
    [
        ("n ~ L(n, 1:8) + k | gmm(n, 2:.)", {}, EstimationError, "more consecutive periods"),
        ("n ~ L(n, 1) + k | gmm(n, 12:14) + iv(k)", {}, EstimationError, "yields no instrument"),
        ("n ~ L(n, 1) + k | gmm(nn, 2:.) + iv(k)", {}, FormulaError, "Did you mean 'n'"),
        ("n ~ L(n, 1) + k + C(id) | gmm(n, 2:.) + iv(k)", {}, SpecificationError, "Drop C\\(id\\)"),
        ("n ~ L(n, 1) + k", {}, SpecificationError, "No instruments"),
        ("n ~ L(n, 1) + k | gmm(n, 2:.) + iv(k)", {"step": 2}, SpecificationError,
         "Did you mean 'steps'"),
        ("n ~ L(n, 1) + k | gmm(n, 2:.) + iv(k)", {"vcov": "hc1"}, SpecificationError,
         "Valid choices"),
        ("n ~ L(n, 1) + k | gmm(n, 2:.) + iv(k, eq='level')", {}, SpecificationError,
         "sys-gmm"),
        ("n ~ L(n, 1) + L(k, 0:1) | gmm(n, 2:2, collapse=True) + iv(k)", {}, EstimationError,
         "not identified"),
        ("n + w ~ L(n, 1) | gmm(n, 2:.)", {}, SpecificationError, "pvar"),
        ("n ~ L(n, 1) + k | gmm(2:4) + iv(k)", {}, SpecificationError, "gmm\\(n, 2:4\\)"),
    ],
)
def test_bad_input(abdata, formula, options, error, match):
    with pytest.raises(error, match=match):
        sm.fit(formula, abdata, entity="id", time="year", model="diff-gmm", **options)


def test_singular_weighting_matrix_warns(abdata):
    with pytest.warns(SpecificationWarning, match="singular.*generalised inverse"):
        res = sm.fit("n ~ L(n, 1) + k | gmm(n, 2:3) + gmm(n, 2:3) + iv(k)", abdata,
                     entity="id", time="year", model="diff-gmm", steps=2)
    assert any("singular" in line for line in res.info["summary_footer"])


def test_too_many_instruments_warning_names_the_fix(abdata):
    few = abdata[abdata["id"] <= 25]
    with pytest.warns(SpecificationWarning, match="collapse=True"):
        sm.fit("n ~ L(n, 1) + k | gmm(n, 2:.) + gmm(k, 2:.)", few, entity="id", time="year",
               model="diff-gmm")
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpecificationWarning)
        res = sm.fit("n ~ L(n, 1) + k | gmm(n, 2:., collapse=True) + gmm(k, 2:3, collapse=True)",
                     few, entity="id", time="year", model="diff-gmm")
    assert res.info["n_instruments"] < 25


def test_missing_values_are_warned_and_counted(abdata):
    holes = abdata.copy()
    holes.loc[holes.index[::50], "w"] = np.nan
    with pytest.warns(sm.MissingValueWarning, match="w: 21"):
        res = sm.fit("n ~ L(n, 1) + w | gmm(n, 2:.) + iv(w)", holes, entity="id", time="year",
                     model="diff-gmm")
    assert res.dropped.by_variable["w"] == 21


# ---------------------------------------------------------------------------------- irf / output
def test_dynamic_multipliers_and_long_run_effect(fitted):
    res = fitted("ab_b_twostep_windmeijer")
    irf = res.irf(periods=4, impulse="w")
    p = res.params
    r1, r2, b0, b1 = p["L1.n"], p["L2.n"], p["w"], p["L1.w"]
    m = [b0, r1 * b0 + b1]
    m.append(r1 * m[1] + r2 * m[0])
    np.testing.assert_allclose(irf.multipliers.loc["w", "effect"].to_numpy()[:3], m, atol=1e-14)
    lr = (b0 + b1) / (1 - r1 - r2)
    assert irf.long_run.loc["w", "effect"] == pytest.approx(lr, abs=1e-14)
    # delta-method SE against a numerical gradient
    names = ["L1.n", "L2.n", "w", "L1.w"]

    def f(v):
        return (v[2] + v[3]) / (1 - v[0] - v[1])

    v0 = p[names].to_numpy()
    grad = np.array([(f(v0 + e) - f(v0 - e)) / 2e-7 for e in np.eye(4) * 1e-7])
    se = np.sqrt(grad @ res.cov.loc[names, names].to_numpy() @ grad)
    assert irf.long_run.loc["w", "std_error"] == pytest.approx(se, rel=1e-6)
    assert set(res.irf().long_run.index) == {"w", "k", "ys"}
    with pytest.raises(SpecificationError, match="Did you mean 'w'"):
        res.irf(impulse="ww")


def test_summary_in_xtabond2_layout(fitted):
    text = str(fitted("bb_sys_h3_onestep_robust_small"))
    for piece in ("Instruments for first-differences equation", "Instruments for levels equation",
                  "AR(2)", "Hansen", "Sargan", "Difference-in-Hansen", "h(3)", "113",
                  "Obs per group"):
        assert piece in text
    assert "C(year)[1978]" in fitted("ab_b_onestep_robust").summary().as_latex()


def test_with_vcov_returns_new_result(fitted):
    res = fitted("ab_b_twostep_windmeijer")
    plain = res.with_vcov("unadjusted")
    assert plain is not res and res.vcov_type.startswith("Windmeijer")
    np.testing.assert_allclose(plain.params.to_numpy(), res.params.to_numpy())
    assert plain.std_errors["L1.n"] == pytest.approx(0.085303066655, abs=1e-6)


def test_iterated_gmm_and_plot(fitted, abdata):
    import matplotlib

    matplotlib.use("Agg")
    res = sm.fit(PDP, abdata, entity="id", time="year", model="diff-gmm", steps="iterated")
    two = fitted("pdp_dif_twostep_windmeijer")
    assert np.all(np.isfinite(res.std_errors))
    assert np.max(np.abs(res.params - two.params)) < 0.2  # same model, another weight
    fig = two.irf(periods=3).plot(impulse="w", cumulative=True)
    assert len(fig.axes) == 1


def test_synthetic_generator_is_seeded_and_validated():
    from stfi_models.datasets.synthetic_gmm import simulate_dynamic_panel

    a = simulate_dynamic_panel(50, 5, seed=7)
    b = simulate_dynamic_panel(50, 5, seed=7)
    pd.testing.assert_frame_equal(a, b)
    assert a.shape == (250, 4) and a.attrs["truth"]["rho"] == 0.5
    gappy = simulate_dynamic_panel(50, 5, seed=7, drop_share=0.2)
    assert 150 < len(gappy) < 250
    with pytest.raises(SpecificationError, match="rho"):
        simulate_dynamic_panel(10, 5, rho=1.0)


def test_regressor_without_instrument_warns(abdata):
    with pytest.warns(SpecificationWarning, match=r"iv\(k\)"):
        sm.fit("n ~ L(n, 1) + k + C(year) | gmm(n, 2:.)", abdata, entity="id", time="year",
               model="diff-gmm")


@settings(max_examples=8, deadline=None)
@given(scale=st.floats(0.1, 10.0), seed=st.integers(0, 10_000))
def test_scale_property(scale, seed):
    """y -> scale * y: rho unchanged, the slope on x and its SE scaled, J unchanged.

    (A shift y + a is *not* neutral: it moves the level instruments y_{t-l} by a times a
    period indicator that is outside the instrument space unless time dummies span it.)
    """
    from stfi_models.datasets.synthetic_gmm import simulate_dynamic_panel

    data = simulate_dynamic_panel(60, 6, seed=seed)
    moved = data.assign(y=scale * data["y"])
    formula = "y ~ L(y, 1) + x | gmm(y, 2:4) + iv(x)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpecificationWarning)
        a = sm.fit(formula, data, entity="id", time="t", model="diff-gmm")
        b = sm.fit(formula, moved, entity="id", time="t", model="diff-gmm")
    assert b.params["L1.y"] == pytest.approx(a.params["L1.y"], abs=1e-8)
    assert b.params["x"] == pytest.approx(scale * a.params["x"], rel=1e-8)
    assert b.std_errors["x"] == pytest.approx(scale * a.std_errors["x"], rel=1e-7)
    assert b.diagnostics["Hansen"].stat == pytest.approx(a.diagnostics["Hansen"].stat, rel=1e-7)
