"""Mediation analysis: references (pingouin data, R lm, pingouin/R bootstrap), identities,
the cluster bootstrap on synthetic and real panels, and bad input."""

from __future__ import annotations

import dataclasses
import warnings
from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from conftest import check_reference_row, reference_rows, validation_module
from hypothesis import given, settings
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
    return MEDIATION.load_data()


@pytest.fixture(scope="module")
def pingouin_fit(pingouin_data):
    """The reference's bootstrap: 5000 case resamples drawn like RandomState(42).choice."""
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
    """Every number of validation/mediation/reference.csv: R lm steps and Sobel-type tests
    (1e-8), pingouin's published paths, CIs and seeded bias-corrected bootstrap (same draws:
    RandomState(42)), R boot in distribution (Monte Carlo tolerances, README), closed-form
    Sobel z; computed by validation/mediation/compute.py."""
    check_reference_row(topic, row)


def test_pingouin_against_our_r_script(pingouin_fit):
    """Second source: the R script in validation/mediation, printed with 15 digits."""
    out = pd.read_csv(MEDIATION.INPUTS.parent / "pingouin_lm_output.csv", comment="#")
    assert len(out) == 19
    ours = {q: v for q, _, v in MEDIATION.quantities(pingouin_fit)}
    for quantity, value in out.itertuples(index=False):
        assert ours[quantity] == pytest.approx(value, rel=1e-10, abs=1e-13), quantity


def test_pingouin_bootstrap_uses_the_linear_engine(pingouin_fit):
    assert pingouin_fit.bootstrap_info["engine"] == "linear"


def test_goodman_negative_variance_is_nan():
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
    """c = c' + a b holds exactly for any data and both linear panel estimators."""
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


# ---------------------------------------------------------------------------- bootstrap engine
@pytest.mark.parametrize("effects", ["C(id) + C(year)", "C(id)", "C(year)", None])
def test_linear_engine_equals_refitting(effects):
    """The fast least-squares replicates equal re-running fit() on the resampled panel
    (unbalanced, one entity lost entirely to missing values)."""
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
    df = simulate_mediation_panel(30, 4, seed=5)
    res = mediate("x", "m", "y", df, entity="id", time="year", model="re", bootstrap=3, seed=1)
    assert res.bootstrap_info["engine"] == "refit"
    assert res.draws.shape == (3, len(res.params))


def test_seed_and_n_jobs_do_not_change_draws():
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
    """20 synthetic panels: the 95% BC cluster-bootstrap interval of a b covers the truth
    in at least 16 (P(X <= 15) = 0.003 under nominal coverage); FE is unbiased for a b.
    The >= 200-replication version is benchmarks/mediation_coverage.py."""
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


# ---------------------------------------------------------------------------- real data
def test_china_market_vs_public_tech_finance():
    """Market vs public tech finance -> innovation capacity -> log GDP per capita, FE two-way,
    cluster bootstrap over provinces (proxies in validation/mediation/README.md)."""
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
    with pytest.raises(dataclasses.FrozenInstanceError):
        pingouin_fit.ci = "percentile"
    with pytest.raises(ValueError):
        pingouin_fit.params.iloc[0] = 1.0
    with pytest.raises(TypeError):
        pingouin_fit.bootstrap_info["failed"] = 3
    text = str(pingouin_fit)
    assert "indirect: X -> M -> Y" in text and "Sobel: z = 4.3279" in text
    assert "<table>" in pingouin_fit._repr_html_()
    assert "\\begin{tabular}" in pingouin_fit.summary().as_latex()
    assert repr(pingouin_fit).startswith("<MediationResult X -> M -> Y")


def test_percentile_and_level_options(pingouin_fit):
    wide = pingouin_fit.bootstrap_ci(level=0.99, method="percentile")
    narrow = pingouin_fit.bootstrap_ci(level=0.9, method="percentile")
    key = ("indirect", "X", "M")
    assert wide.loc[key, "lower"] < narrow.loc[key, "lower"] < narrow.loc[key, "upper"]
    assert narrow.loc[key, "upper"] < wide.loc[key, "upper"]
    with pytest.raises(SpecificationError, match="Did you mean 'percentile'"):
        pingouin_fit.bootstrap_ci(method="percentil")


def test_without_bootstrap_sobel_interval(pingouin_data):
    res = mediate("X", "M", "Y", pingouin_data, bootstrap=0)
    row = res.tidy().set_index("path").loc["indirect"]
    assert row["ci_method"] == "sobel"
    assert row["conf_high"] - row["estimate"] == pytest.approx(1.959963985 * 0.0823778110, abs=1e-8)
    with pytest.raises(SpecificationError, match="bootstrap=1000"):
        res.compare_indirect()


def test_plot_returns_figure(pingouin_fit):
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
    return simulate_mediation_panel(12, 5, seed=8)


def test_treatment_equal_to_mediator(small_panel):
    with pytest.raises(SpecificationError, match="both a treatment and a mediator"):
        mediate("x", "x", "y", small_panel, entity="id", time="year", bootstrap=0)
    with pytest.raises(SpecificationError, match="outcome 'y' is also a treatment"):
        mediate("y", "m", "y", small_panel, entity="id", time="year", bootstrap=0)


def test_missing_mediator_column(small_panel):
    with pytest.raises(SpecificationError, match="mediator='mm' is not a column.*Did you mean 'm'"):
        mediate("x", "mm", "y", small_panel, entity="id", time="year", bootstrap=0)


def test_non_numeric_variables(small_panel):
    df = small_panel.assign(m_text=small_panel["m"].astype(str), flag=small_panel["x"] > 0)
    with pytest.raises(SpecificationError, match="mediator column 'm_text' is not numeric"):
        mediate("x", "m_text", "y", df, entity="id", time="year", bootstrap=0)
    with pytest.raises(SpecificationError, match="treatment column 'flag' is not numeric"):
        mediate("flag", "m", "y", df, entity="id", time="year", bootstrap=0)
    with pytest.raises(FormulaError, match="m_text"):
        mediate("x", "m", "y", df, controls="m_text", entity="id", time="year", bootstrap=0)


def test_too_few_clusters_warns_with_count(small_panel):
    with pytest.warns(SpecificationWarning, match=f"only 12 clusters.*below about {MIN_CLUSTERS}"):
        mediate("x", "m", "y", small_panel, entity="id", time="year", bootstrap=5, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpecificationWarning)
        mediate("x", "m", "y", small_panel, entity="id", time="year", bootstrap=0)


def test_options_checked(small_panel):
    base = dict(entity="id", time="year")
    with pytest.raises(SpecificationError, match="Did you mean 'bootstrap'"):
        mediate("x", "m", "y", small_panel, bootsrap=10, **base)
    with pytest.raises(SpecificationError, match="Did you mean 'vcov'"):
        mediate("x", "m", "y", small_panel, vcv="cluster", **base)
    with pytest.raises(SpecificationError, match="ci='bca'"):
        mediate("x", "m", "y", small_panel, ci="bca", **base)
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
    mediate("X", "M", "Y", pingouin_data, bootstrap=20, seed=1, progress=True)
    assert "bootstrap" in capsys.readouterr().err
    mediate("X", "M", "Y", pingouin_data, bootstrap=20, seed=1, progress=False)
    assert capsys.readouterr().err == ""
