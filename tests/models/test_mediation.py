"""Mediation analysis tests.

References (pingouin data, R lm, pingouin/R bootstrap, R boot BCa), identities, the cluster
bootstrap and its jackknife on synthetic and real panels, bad input.
"""

from __future__ import annotations

import dataclasses
import warnings
from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from conftest import check_reference_row, reference_rows, validation_module
from hypothesis import example, given, settings
from hypothesis import strategies as st

from stfi_models.datasets import load_china_provinces
from stfi_models.datasets.synthetic_mediation import simulate_mediation_panel
from stfi_models.exceptions import (
    FormulaError,
    MissingValueWarning,
    SpecificationError,
    SpecificationWarning,
)
from stfi_models.models.mediation import MIN_CLUSTERS, mediate, sobel_tests
from stfi_models.models.mediation.bootstrap import (
    _bc_ci,
    _bca_ci,
    _engine,
    _percentile_ci,
    _RefitReplicates,
)
from stfi_models.models.mediation.spec import _Setup
from stfi_models.models.mediation.steps import _fit_steps, _paths_of

MEDIATION = validation_module("mediation")  # the reference cases: data, seed, options


# ---------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def pingouin_data() -> pd.DataFrame:
    """Load pingouin's mediation data (n = 100)."""
    return MEDIATION.load_data()


@pytest.fixture(scope="module")
def pingouin_fit(pingouin_data):
    """Fit the reference's bootstrap: 5000 case resamples drawn like RandomState(42).choice."""
    return MEDIATION.fit_case("pingouin_boot_bc", pingouin_data)


def china_frame() -> pd.DataFrame:
    """Documented proxies on the bundled China panel (validation/mediation/README.md)."""
    df = load_china_provinces()
    return df.assign(
        public_tf=100 * df["budget_exp_scitech"] / df["gdp_nbs"],
        market_tf=100 * df["rd_exp_enterprise_funds"] / (1e4 * df["gdp_nbs"]),
        log_patents=np.log(df["patent_grant_total"]),
        log_gdppc=np.log(1e4 * df["gdp_nbs"] / df["pop_yearend"]),
    )


# ---------------------------------------------------------------------------- references
@pytest.mark.parametrize(("topic", "row"), reference_rows("mediation"))
def test_mediation_reference_number(topic, row):
    """Check every number of validation/mediation/reference.csv.

    R lm steps and Sobel-type tests
    (1e-8), pingouin's published paths, CIs and seeded bias-corrected bootstrap (same draws:
    RandomState(42)), R boot in distribution (Monte Carlo tolerances, README), closed-form
    Sobel z; computed by validation/mediation/compute.py.
    """
    check_reference_row(topic, row)


def test_pingouin_against_our_r_script(pingouin_fit):
    """Second source: the R script in validation/mediation, printed with 15 digits."""
    out = pd.read_csv(MEDIATION.INPUTS.parent / "pingouin_lm_output.csv", comment="#")
    assert len(out) == 19
    ours = {q: v for q, _, v in MEDIATION.quantities(pingouin_fit)}
    for quantity, value in out.itertuples(index=False):
        assert ours[quantity] == pytest.approx(value, rel=1e-10, abs=1e-13), quantity


def test_pingouin_bootstrap_uses_the_linear_engine(pingouin_fit):
    """Check that the pingouin case bootstraps with the fast engine."""
    assert pingouin_fit.bootstrap_info["engine"] == "linear"


def test_goodman_negative_variance_is_nan():
    """Check that a negative Goodman variance gives NaN."""
    table = sobel_tests(0.0, 0.0, 1.0, 1.0)
    assert np.isnan(table.loc["goodman", "std_error"])
    assert table.loc["aroian", "std_error"] == pytest.approx(1.0)


# ---------------------------------------------------------------------------- identities
@pytest.mark.parametrize("options", [
    {"model": "pooled"},
    {"model": "pooled", "effects": "C(year)"},
    {"effects": "C(id) + C(year)"},
    {"model": "fe"},
    {"effects": "twoways", "vcov": "cluster"},
])
def test_decomposition_identity_on_common_sample(options):
    """Check c = c' + a b on the common sample after dropping missing rows."""
    df = simulate_mediation_panel(25, 6, seed=11)
    df.loc[[2, 40, 41], "m"] = np.nan
    df.loc[[7], "w"] = np.nan
    with pytest.warns(MissingValueWarning, match="4 of 150 rows"):
        res = mediate("x", "m", "y", df, controls="w", entity="id", time="year",
                      bootstrap=0, **options)
    assert res.dropped.n == 4 and res.dropped.by_variable == {"m": 3, "w": 1}
    assert res.nobs == res.total.nobs == res.mediator_models["m"].nobs == res.direct.nobs == 146
    assert abs(float(res.decomposition_gap()["x"])) < 1e-12


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(4, 9), t=st.integers(3, 6),
       model=st.sampled_from(["pooled", "fe"]))
def test_identity_property(seed, n, t, model):
    """Check that c = c' + a b holds exactly for any data and both linear panel estimators."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"id": np.repeat(np.arange(n), t), "year": np.tile(np.arange(t), n)})
    for name in ("x", "m", "y", "w"):
        df[name] = rng.standard_normal(len(df)) * rng.uniform(0.1, 10)
    res = mediate("x", "m", "y", df, controls="w", entity="id", time="year", model=model,
                  bootstrap=0)
    scale = max(1.0, abs(float(res.params[("c", "x", "")])))
    assert abs(float(res.decomposition_gap()["x"])) < 1e-9 * scale


@settings(max_examples=30, deadline=None)
@given(values=st.lists(st.floats(-5, 5, allow_nan=False), min_size=4, max_size=40, unique=True))
def test_bc_equals_percentile_without_bias(values):
    """With z0 = 0 (exactly half the draws below the estimate) BC is the percentile interval."""
    draws = np.sort(np.array(values + [-v for v in values if -v not in values]))
    draws = np.concatenate([draws, -draws])[:, None]
    if np.mean(draws < 0) != 0.5:
        return
    assert np.allclose(_bc_ci(draws, np.array([0.0]), 0.9), _percentile_ci(draws, 0.9))


# ---------------------------------------------------------------------------- BCa
def _numpy_bca(data: pd.DataFrame, draws: np.ndarray, level: float) -> tuple:
    """Compute an independent BCa of a b on a cross-section.

    Loop jackknife by np.linalg.lstsq, the acceleration of Efron & Tibshirani (1993,
    eq. 14.15) and the BCa levels (eq. 14.10).
    """
    from statistics import NormalDist

    def ab(d: pd.DataFrame) -> float:
        one = np.ones(len(d))
        a = np.linalg.lstsq(np.column_stack([one, d["X"]]), d["M"], rcond=None)[0][1]
        b = np.linalg.lstsq(np.column_stack([one, d["X"], d["M"]]), d["Y"], rcond=None)[0][2]
        return a * b

    theta = ab(data)
    jack = np.array([ab(data.drop(index=i)) for i in data.index])
    d = jack.mean() - jack
    acc = np.sum(d**3) / (6 * np.sum(d**2) ** 1.5)
    normal = NormalDist()
    z0 = normal.inv_cdf(np.sum(draws < theta) / len(draws))
    limits = []
    for q in ((1 - level) / 2, (1 + level) / 2):
        zq = normal.inv_cdf(q)
        limits.append(np.quantile(draws, normal.cdf(z0 + (z0 + zq) / (1 - acc * (z0 + zq)))))
    return np.array(limits), jack


def test_bca_equals_independent_numpy_implementation(pingouin_fit, pingouin_data):
    """Same 5000 draws: our BCa limits and jackknife equal a plain-numpy loop version."""
    key = ("indirect", "X", "M")
    limits, jack = _numpy_bca(pingouin_data, pingouin_fit.draws[key].to_numpy(), 0.95)
    assert pingouin_fit.jackknife.shape == (100, len(pingouin_fit.params))
    assert np.allclose(pingouin_fit.jackknife[key], jack, rtol=0, atol=1e-12)
    ours = pingouin_fit.bootstrap_ci(method="bca").loc[key].to_numpy()
    assert np.allclose(ours, limits, rtol=0, atol=1e-12)


@settings(max_examples=30, deadline=None)
@example(values=[0.0, 0.0, 0.0, 0.0, -1.0], estimate=-0.395, spread=0.0625, level=0.5)
@given(values=st.lists(st.floats(-5, 5, allow_nan=False), min_size=5, max_size=60),
       estimate=st.floats(-1, 1), spread=st.floats(0.01, 10), level=st.floats(0.5, 0.99))
def test_bca_equals_bc_when_acceleration_is_zero(values, estimate, spread, level):
    """Jackknife values symmetric about their mean give a = 0 exactly, and BCa = BC.

    The values are centred at 0 so that the symmetry is exact in floating point (``estimate +
    spread * [-1, 0, 1]`` is not: its mean is not exactly ``estimate``); the acceleration uses
    only deviations from the jackknife mean, so the location does not matter.
    """
    draws = np.array(values)[:, None]
    jackknife = spread * np.array([[-1.0], [0.0], [1.0]])
    est = np.array([estimate])
    np.testing.assert_array_equal(_bca_ci(draws, est, jackknife, level),
                                  _bc_ci(draws, est, level))


def test_bca_acceleration_moves_the_interval():
    """A skewed jackknife (a > 0) moves both BCa limits up relative to BC (a < 0: down)."""
    draws = np.random.default_rng(0).standard_normal((999, 1))
    est = np.array([0.0])
    bc = _bc_ci(draws, est, 0.9)
    up = _bca_ci(draws, est, np.array([[0.0], [0.0], [0.0], [-3.0]]), 0.9)  # d_4 = 2.25 > 0
    down = _bca_ci(draws, est, np.array([[0.0], [0.0], [0.0], [3.0]]), 0.9)
    assert (up > bc).all() and (down < bc).all()


def test_cluster_jackknife_deletes_whole_entities():
    """Panel: one jackknife replicate per entity, each equal to mediate() without it."""
    df = simulate_mediation_panel(12, 5, seed=21)
    kw = dict(controls="w", effects="twoways", entity="id", time="year")
    with pytest.warns(SpecificationWarning, match="only 12 clusters"):
        res = mediate("x", "m", "y", df, bootstrap=30, seed=3, ci="bca", **kw)
    ids = np.sort(df["id"].unique())
    assert res.bootstrap_info["engine"] == "linear"
    assert res.jackknife.shape == (len(ids), len(res.params)) == (12, len(res.params))
    for g in (0, 5, 11):
        without = mediate("x", "m", "y", df[df["id"] != ids[g]], bootstrap=0, **kw)
        assert np.allclose(res.jackknife.iloc[g], without.params, rtol=1e-9, atol=1e-12)
    assert set(res.tidy()["ci_method"]) == {"t", "bootstrap-bca"}
    low, high = res.bootstrap_ci().loc[("indirect", "x", "m")]
    assert low < float(res.params[("indirect", "x", "m")]) < high


def test_refit_engine_jackknife():
    """Random effects: the jackknife runs on the refitting engine, one replicate per entity."""
    df = simulate_mediation_panel(30, 4, seed=5)
    res = mediate("x", "m", "y", df, entity="id", time="year", model="re", bootstrap=3, seed=1)
    assert res.bootstrap_info["engine"] == "refit" and res.jackknife.shape[0] == 30
    without = mediate("x", "m", "y", df[df["id"] != df["id"].min()], entity="id", time="year",
                      model="re", bootstrap=0)
    assert np.allclose(res.jackknife.iloc[0], without.params, rtol=1e-9, atol=1e-12)


def test_bca_without_jackknife_is_a_clear_error(pingouin_fit):
    """A result built without jackknife values cannot give BCa, and says so."""
    bare = dataclasses.replace(pingouin_fit, jackknife=None)
    with pytest.raises(SpecificationError, match="ci='bca' needs the jackknife"):
        bare.bootstrap_ci(method="bca")
    assert bare.bootstrap_ci(method="bc").equals(pingouin_fit.bootstrap_ci(method="bc"))


def test_r_boot_bca_on_the_same_replicates(pingouin_fit):
    """Compare with validation/mediation/boot_bca.R, R boot's BCa on our exported draws.

    z0, a and the
    adjusted levels are reference rows (1e-8); here the 100 jackknife influence values
    (1e-8) and boot.ci's limits.  Those differ from ours by the quantile rule only: boot
    interpolates on the normal-quantile scale at rank (B + 1) alpha (norm.inter), numpy
    linearly at rank (B - 1) alpha + 1 (type 7), less than two ranks apart; both limits must
    lie between the order statistics bracketing both ranks, and differ by at most that span.
    """
    key = ("indirect", "X", "M")
    folder = MEDIATION.INPUTS.parent
    exported = pd.read_csv(MEDIATION.REPLICATES, comment="#")["indirect"].to_numpy()
    draws = pingouin_fit.draws[key].to_numpy()
    # The exported file holds the replicates of the run that fed R; recomputing them on
    # another numpy/BLAS build, or with the column-scaled pivoted-QR solver, differs in the
    # last bits (seen: 2e-15 relative), never more.
    np.testing.assert_allclose(exported, draws, rtol=1e-12, atol=0)
    out = pd.read_csv(folder / "boot_bca_output.csv", comment="#").set_index("quantity")["value"]
    assert out["t0"] == pytest.approx(float(pingouin_fit.params[key]), abs=1e-13)
    jack = pingouin_fit.jackknife[key].to_numpy()
    influence = (len(jack) - 1) * (jack.mean() - jack)
    r_influence = out[[f"L_{i}" for i in range(1, 101)]].to_numpy()
    assert np.allclose(influence, r_influence, rtol=0, atol=1e-8)
    ordered = np.sort(draws)
    ours = pingouin_fit.bootstrap_ci(method="bca").loc[key].to_numpy()
    for side, end in enumerate(("low", "high")):
        alpha = out[f"bca_level_{end}"]
        ranks = ((len(draws) + 1) * alpha, (len(draws) - 1) * alpha + 1)
        first, last = int(np.floor(min(ranks))), int(np.ceil(max(ranks)))
        bracket = ordered[first - 1], ordered[last - 1]  # 1-based order statistics
        assert last - first <= 2
        assert bracket[0] <= out[f"bca_{end}"] <= bracket[1]
        assert bracket[0] <= ours[side] <= bracket[1]
        assert abs(ours[side] - out[f"bca_{end}"]) <= bracket[1] - bracket[0]


# ---------------------------------------------------------------------------- bootstrap engine
@pytest.mark.parametrize("effects", ["C(id) + C(year)", "C(id)", "C(year)", None])
def test_linear_engine_equals_refitting(effects):
    """Check the fast least-squares replicates against re-running fit().

    The resampled panel is unbalanced, with one entity lost entirely to missing values.
    """
    df = simulate_mediation_panel(13, 5, seed=4)
    df = df.drop(index=[3, 17])
    df.loc[df["id"] == 6, "m"] = np.nan
    extra = " + w" + (f" + {effects}" if effects else "")
    model = "fe" if effects else "pooled"
    setup = _Setup(("x",), ("m",), "y", extra, "id", "year", model, {})
    steps = _fit_steps(setup, df)
    estimates = _paths_of(setup, steps)
    linear, name = _engine(setup, steps, df, estimates, len(estimates))
    assert name == "linear" and len(linear.blocks) == 12
    draws = np.random.default_rng(0).integers(0, 12, size=(3, 12))
    entities = pd.Index([i for i in range(1, 14) if i != 6])
    refit = _RefitReplicates(setup, df, entities, len(estimates))
    assert np.allclose(linear(draws), refit(draws), rtol=1e-9, atol=1e-12)


def test_random_effects_bootstraps_by_refitting():
    """Check that random effects bootstrap by refitting."""
    df = simulate_mediation_panel(30, 4, seed=5)
    res = mediate("x", "m", "y", df, entity="id", time="year", model="re", bootstrap=3, seed=1)
    assert res.bootstrap_info["engine"] == "refit"
    assert res.draws.shape == (3, len(res.params))


def test_seed_and_n_jobs_do_not_change_draws():
    """Check that draws depend on the seed only, not on n_jobs."""
    df = simulate_mediation_panel(30, 5, seed=6)
    kw = dict(controls="w", effects="twoways", entity="id", time="year", bootstrap=40)
    one = mediate("x", "m", "y", df, seed=9, n_jobs=1, **kw)
    two = mediate("x", "m", "y", df, seed=9, n_jobs=2, **kw)
    gen = mediate("x", "m", "y", df, seed=np.random.default_rng(9), **kw)
    other = mediate("x", "m", "y", df, seed=10, **kw)
    pd.testing.assert_frame_equal(one.draws, two.draws)
    pd.testing.assert_frame_equal(one.draws, gen.draws)
    assert not one.draws.equals(other.draws)


def test_coverage_small_monte_carlo():
    """Check coverage on 20 synthetic panels.

    The 95% BC cluster-bootstrap interval of a b covers the truth in at least 16
    (P(X <= 15) = 0.003 under nominal coverage); FE is unbiased for a b.  The
    >= 200-replication version is benchmarks/mediation_coverage.py.
    """
    covered, estimates = 0, []
    for rep in range(20):
        df = simulate_mediation_panel(30, 6, seed=1000 + rep)
        res = mediate("x", "m", "y", df, controls="w", effects="twoways", entity="id",
                      time="year", bootstrap=199, seed=rep)
        low, high = res.bootstrap_ci().loc[("indirect", "x", "m")]
        covered += low <= df.attrs["truth"]["indirect"] <= high
        estimates.append(float(res.params[("indirect", "x", "m")]))
    assert covered >= 16
    assert abs(np.mean(estimates) - 0.2) < 3 * np.std(estimates, ddof=1) / np.sqrt(20)


# ---------------------------------------------------------------------------- several paths
def test_two_treatments_two_mediators():
    """Check paths, totals and comparisons with two treatments and two mediators."""
    df = simulate_mediation_panel(30, 6, seed=7)
    rng = np.random.default_rng(3)
    df["x2"] = 0.5 * df["x"] + rng.standard_normal(len(df))
    df["m2"] = 0.4 * df["x2"] + rng.standard_normal(len(df))
    res = mediate(["x", "x2"], ["m", "m2"], "y", df, controls="w", effects="twoways",
                  entity="id", time="year", bootstrap=60, seed=2)
    paths = res.params.index.get_level_values("path")
    assert (paths == "indirect").sum() == 4 and (paths == "a").sum() == 4
    assert (paths == "total indirect").sum() == 2
    assert len(res.tests) == 12 and len(res.diagnostics) == 12
    for x in ("x", "x2"):
        total = res.params[("indirect", x, "m")] + res.params[("indirect", x, "m2")]
        assert res.params[("total indirect", x, "")] == pytest.approx(total, abs=1e-14)
        a = res.mediator_models["m2"].params[x]
        assert res.params[("a", x, "m2")] == a
    assert np.all(np.abs(res.decomposition_gap()) < 1e-12)
    comp = res.compare_indirect()
    assert len(comp) == len(list(combinations(range(4), 2)))
    first = comp.iloc[0]
    assert (first["first"], first["second"]) == ("x -> m", "x2 -> m")
    diff = res.params[("indirect", "x", "m")] - res.params[("indirect", "x2", "m")]
    assert first["difference"] == pytest.approx(diff, abs=1e-14)
    boot = res.draws[("indirect", "x", "m")] - res.draws[("indirect", "x2", "m")]
    assert first["std_error"] == pytest.approx(boot.std(ddof=1), rel=1e-12)
    assert first["conf_low"] < first["conf_high"]
    bca = res.compare_indirect(method="bca").iloc[0]
    jack = res.jackknife[("indirect", "x", "m")] - res.jackknife[("indirect", "x2", "m")]
    expected = _bca_ci(boot.to_numpy()[:, None], np.array([diff]), jack.to_numpy()[:, None],
                       res.level)[0]
    assert (bca["conf_low"], bca["conf_high"]) == tuple(expected)


# ---------------------------------------------------------------------------- real data
def test_china_market_vs_public_tech_finance():
    """Market vs public tech finance -> innovation capacity -> log GDP per capita.

    FE two-way, cluster bootstrap over provinces (proxies in validation/mediation/README.md).
    """
    df = china_frame()
    with pytest.warns(MissingValueWarning, match="32 of 434 rows"):
        res = mediate(["market_tf", "public_tf"], "log_patents", "log_gdppc", df,
                      controls="urbanization_rate + tertiary_share_gdp",
                      effects="C(prov_code) + C(year)", entity="prov_code", time="year",
                      vcov="cluster", bootstrap=49, seed=2024)
    assert res.model == "fe" and res.nobs == 402 and res.n_entities == 31
    assert res.bootstrap_info["engine"] == "linear" and res.bootstrap_info["clusters"] == 31
    assert res.draws.shape == (49, len(res.params))
    assert res.vcov_type.startswith("cluster")
    assert np.all(np.abs(res.decomposition_gap()) < 1e-12)
    tidy = res.tidy()
    assert list(tidy.columns) == ["path", "treatment", "mediator", "estimate", "std_error",
                                  "statistic", "p_value", "conf_low", "conf_high", "ci_method"]
    assert len(tidy) == 11 and set(tidy["ci_method"]) == {"t", "bootstrap-bc"}
    assert len(res.compare_indirect()) == 1
    assert (tidy["conf_low"] <= tidy["conf_high"]).all()


# ---------------------------------------------------------------------------- result object
def test_result_is_immutable_and_prints(pingouin_fit):
    """Check immutability and the text, HTML and LaTeX output."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        pingouin_fit.ci = "percentile"
    with pytest.raises(ValueError):
        pingouin_fit.params.iloc[0] = 1.0
    with pytest.raises(TypeError):
        pingouin_fit.bootstrap_info["failed"] = 3
    text = str(pingouin_fit)
    assert "indirect: X -> M -> Y" in text and "Sobel: z = 4.3279" in text
    assert "<table>" in pingouin_fit._repr_html_()
    assert "\\begin{tabular" in pingouin_fit.summary().as_latex()
    assert repr(pingouin_fit).startswith("<MediationResult X -> M -> Y")


def test_percentile_and_level_options(pingouin_fit):
    """Check the level and method options of bootstrap_ci."""
    wide = pingouin_fit.bootstrap_ci(level=0.99, method="percentile")
    narrow = pingouin_fit.bootstrap_ci(level=0.9, method="percentile")
    key = ("indirect", "X", "M")
    assert wide.loc[key, "lower"] < narrow.loc[key, "lower"] < narrow.loc[key, "upper"]
    assert narrow.loc[key, "upper"] < wide.loc[key, "upper"]
    with pytest.raises(SpecificationError, match="Did you mean 'percentile'"):
        pingouin_fit.bootstrap_ci(method="percentil")


def test_without_bootstrap_sobel_interval(pingouin_data):
    """Check the Sobel interval without bootstrap draws."""
    res = mediate("X", "M", "Y", pingouin_data, bootstrap=0)
    row = res.tidy().set_index("path").loc["indirect"]
    assert row["ci_method"] == "sobel"
    assert row["conf_high"] - row["estimate"] == pytest.approx(1.959963985 * 0.0823778110, abs=1e-8)
    with pytest.raises(SpecificationError, match="bootstrap=1000"):
        res.compare_indirect()


def test_plot_returns_figure(pingouin_fit):
    """Check the path diagram labels."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = pingouin_fit.plot()
    assert isinstance(fig, Figure)
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "a = 0.561***" in texts and "b = 0.635***" in texts
    assert "c' = 0.040 (c = 0.396***)" in texts
    import matplotlib.pyplot as plt

    plt.close(fig)


# ---------------------------------------------------------------------------- bad input
@pytest.fixture(scope="module")
def small_panel() -> pd.DataFrame:
    """Simulate a small synthetic panel (12 entities, 5 periods)."""
    return simulate_mediation_panel(12, 5, seed=8)


def test_treatment_equal_to_mediator(small_panel):
    """Reject a column with two roles."""
    with pytest.raises(SpecificationError, match="both a treatment and a mediator"):
        mediate("x", "x", "y", small_panel, entity="id", time="year", bootstrap=0)
    with pytest.raises(SpecificationError, match="outcome 'y' is also a treatment"):
        mediate("y", "m", "y", small_panel, entity="id", time="year", bootstrap=0)


def test_missing_mediator_column(small_panel):
    """Reject a missing mediator column with a suggestion."""
    with pytest.raises(SpecificationError, match="mediator='mm' is not a column.*Did you mean 'm'"):
        mediate("x", "mm", "y", small_panel, entity="id", time="year", bootstrap=0)


def test_non_numeric_variables(small_panel):
    """Reject non-numeric role and control columns."""
    df = small_panel.assign(m_text=small_panel["m"].astype(str), flag=small_panel["x"] > 0)
    with pytest.raises(SpecificationError, match="mediator column 'm_text' is not numeric"):
        mediate("x", "m_text", "y", df, entity="id", time="year", bootstrap=0)
    with pytest.raises(SpecificationError, match="treatment column 'flag' is not numeric"):
        mediate("flag", "m", "y", df, entity="id", time="year", bootstrap=0)
    with pytest.raises(FormulaError, match="m_text"):
        mediate("x", "m", "y", df, controls="m_text", entity="id", time="year", bootstrap=0)


def test_too_few_clusters_warns_with_count(small_panel):
    """Warn about a cluster bootstrap with few clusters."""
    with pytest.warns(SpecificationWarning, match=f"only 12 clusters.*below about {MIN_CLUSTERS}"):
        mediate("x", "m", "y", small_panel, entity="id", time="year", bootstrap=5, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpecificationWarning)
        mediate("x", "m", "y", small_panel, entity="id", time="year", bootstrap=0)


def test_options_checked(small_panel):
    """Reject bad options with clear messages."""
    base = dict(entity="id", time="year")
    with pytest.raises(SpecificationError, match="Did you mean 'bootstrap'"):
        mediate("x", "m", "y", small_panel, bootsrap=10, **base)
    with pytest.raises(SpecificationError, match="Did you mean 'vcov'"):
        mediate("x", "m", "y", small_panel, vcv="cluster", **base)
    with pytest.raises(SpecificationError, match="ci='bcaa'.*Did you mean 'bca'"):
        mediate("x", "m", "y", small_panel, ci="bcaa", **base)
    with pytest.raises(SpecificationError, match="non-negative number of draws"):
        mediate("x", "m", "y", small_panel, bootstrap=-5, **base)
    with pytest.raises(SpecificationError, match="level must be between 0 and 1"):
        mediate("x", "m", "y", small_panel, level=95, **base)
    with pytest.raises(SpecificationError, match="already has a role"):
        mediate("x", "m", "y", small_panel, controls="w + m", bootstrap=0, **base)
    with pytest.raises(SpecificationError, match="n_jobs must be a non-zero integer"):
        mediate("x", "m", "y", small_panel, n_jobs=0, **base)
    with pytest.raises(SpecificationError, match="Did you mean 'fe'"):
        mediate("x", "m", "y", small_panel, model="fee", **base)
    with pytest.raises(SpecificationError, match="seed must be"):
        mediate("x", "m", "y", small_panel, seed="abc", bootstrap=2, **base)


def test_lagged_dependent_control_keeps_common_rows(small_panel):
    """L(y, 1) as a control: masking the total step's dependent must not cut the lag."""
    df = small_panel.copy()
    with pytest.warns(MissingValueWarning, match=r"12 of 60 rows dropped .*L1\.y: 12"):
        ok = mediate("x", "m", "y", df, controls="L(y, 1)", entity="id", time="year",
                     bootstrap=0)
    assert ok.nobs == 12 * 4
    df.loc[[8], "m"] = np.nan
    with pytest.warns(MissingValueWarning, match="13 of 60 rows"):
        res = mediate("x", "m", "y", df, controls="L(y, 1)", entity="id", time="year",
                      bootstrap=0)
    assert res.nobs == res.total.nobs == 47
    assert res.total.formula == "y ~ x + L(y, 1)" and res.total.dependent == "y"
    assert abs(float(res.decomposition_gap()["x"])) < 1e-12


def test_panel_input_styles_agree(small_panel):
    """Key columns, a (entity, time) MultiIndex and a PanelData give the same paths."""
    from stfi_models.panel import PanelData

    kw = dict(controls="w", effects="twoways", bootstrap=0)
    keys = mediate("x", "m", "y", small_panel, entity="id", time="year", **kw)
    multi = mediate("x", "m", "y", small_panel.set_index(["id", "year"]), **kw)
    panel = mediate("x", "m", "y", PanelData(small_panel, "id", "year"), **kw)
    pd.testing.assert_series_equal(keys.params, multi.params)
    pd.testing.assert_series_equal(keys.params, panel.params)
    assert keys.formulas["direct"] == "y ~ x + m + w + C(id) + C(year)"


def test_progress_bar_on_request(pingouin_data, capsys):
    """Show the progress bar only on request."""
    mediate("X", "M", "Y", pingouin_data, bootstrap=20, seed=1, progress=True)
    assert "bootstrap" in capsys.readouterr().err
    mediate("X", "M", "Y", pingouin_data, bootstrap=20, seed=1, progress=False)
    assert capsys.readouterr().err == ""
