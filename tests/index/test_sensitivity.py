"""Uncertainty and sensitivity analysis of a composite index (stfi_models.index.sensitivity)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stfi_models as sm
from stfi_models.exceptions import SpecificationError
from stfi_models.index import build_index
from stfi_models.index import propagate as P
from stfi_models.index.sensitivity import _check_choices, _IndexDraw, default_choices

FORMULA = "I ~ g(a + b - c) + h(d + e)"


def panel(seed: int = 0, n: int = 8, years: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = len(range(n)) * years
    frame = pd.DataFrame({
        "id": np.repeat([f"p{i}" for i in range(n)], years),
        "t": np.tile(np.arange(2000, 2000 + years), n),
        **{c: rng.uniform(1, 10, rows) for c in "abcde"},
    })
    frame["y"] = 0.8 * frame["a"] + rng.normal(size=rows)
    return frame


@pytest.fixture(scope="module")
def index():
    return build_index(FORMULA, panel(), entity="id", time="t")


SMALL = {"method": ["entropy", "equal", "perturbed"], "scoring": ["weighted_sum", "geometric"],
         "leave_out": [None, "a", "d"]}
FIT = P.fit("y ~ I + C(id) + C(t)", coef="I", vcov="cluster")


def test_nominal_levels_reproduce_the_published_index(index):
    choices = _check_choices(default_choices(index), index)
    draw = _IndexDraw(index, choices, None, (), 0.25)
    u = [np.full(d, (levels.index(index.options.get(name)) + 0.5) / len(levels))
         for (name, levels), d in zip(choices.items(), draw.dims(), strict=True)]
    pd.testing.assert_frame_equal(draw.build(u).scores, index.scores)
    assert draw(u)[0] == 0


def test_one_call_gives_bands_sobol_and_propagation(index):
    res = index.sensitivity(SMALL, draws=16, seed=3, propagate=[FIT], bootstrap=50)
    assert res.n_builds == 16 * (3 + 2) and len(res.draws) == 32
    ranks = res.ranks
    assert ((ranks["low"] <= ranks["median"]) & (ranks["median"] <= ranks["high"])).all()
    assert ranks[["low", "high"]].stack().between(1, 8).all()
    assert set(res.sobol.index.get_level_values(0)) == {"rank_shift", FIT.label}
    table = res.propagation()
    row = table.loc[FIT.label]
    nominal = sm.fit("y ~ I + C(id) + C(t)", index.to_frame(data=True), entity="id", time="t",
                     vcov="cluster")
    assert row["nominal"] == pytest.approx(nominal.params["I"], rel=1e-12)
    assert 0 <= row["same_sign_significant"] <= row["same_sign"] <= 1
    assert row["low"] <= row["median"] <= row["high"]
    assert row["most_influential"] in SMALL
    assert "rank_shift" in res.summary()


def test_a_choice_that_changes_nothing_has_zero_indices(index):
    # no gaps in the data: interpolate and drop build the same index
    res = index.sensitivity({"missing": ["interpolate", "drop"], "leave_out": [None, "a", "d"]},
                            draws=8, seed=1, bootstrap=20)
    sobol = res.sobol.loc["rank_shift"]
    assert sobol.loc["missing", "ST"] == 0 and sobol.loc["missing", "S1"] == 0


def test_same_seed_same_numbers_for_any_n_jobs(index):
    one = index.sensitivity(SMALL, draws=6, seed=7, propagate=FIT, bootstrap=20)
    two = index.sensitivity(SMALL, draws=6, seed=7, propagate=FIT, bootstrap=20, n_jobs=2)
    pd.testing.assert_frame_equal(one.draws, two.draws)
    pd.testing.assert_frame_equal(one.ranks, two.ranks)
    pd.testing.assert_frame_equal(one.sobol, two.sobol)
    other = index.sensitivity(SMALL, draws=6, seed=8, bootstrap=20)
    assert not np.allclose(one.draws["rank_shift"], other.draws["rank_shift"])


@pytest.mark.slow
def test_dask_local_cluster_equals_loky(index):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        on_dask = index.sensitivity(SMALL, draws=4, seed=5, propagate=FIT, bootstrap=10,
                                    backend="dask")
    here = index.sensitivity(SMALL, draws=4, seed=5, propagate=FIT, bootstrap=10)
    pd.testing.assert_frame_equal(on_dask.draws, here.draws)
    pd.testing.assert_frame_equal(on_dask.sobol, here.sobol)


def test_uncertainty_only_without_sobol(index):
    res = index.sensitivity(SMALL, draws=10, seed=2, sobol=False)
    assert res.sobol is None and res.n_builds == 10 and len(res.draws) == 10


def test_rank_figure(index):
    import matplotlib.pyplot as plt

    res = index.sensitivity(SMALL, draws=4, seed=2, sobol=False)
    fig, ax = plt.subplots()
    assert res.plot(ax=ax) is fig
    assert len(ax.get_yticklabels()) == 8
    assert res.plot(year=2001).axes
    with pytest.raises(SpecificationError, match="not a period"):
        res.plot(year=1990)
    with pytest.raises(SpecificationError, match="needs Sobol indices"):
        res.plot("sobol")
    with pytest.raises(SpecificationError, match="Did you mean 'sobol'"):
        res.plot("sobl")


def test_sobol_and_convergence_figures(index):
    res = index.sensitivity(SMALL, draws=8, seed=2, propagate=FIT, bootstrap=20)
    fig = res.plot("sobol", output=FIT.label)
    assert len(fig.axes[0].patches) == 2 * len(SMALL)
    assert res.plot("convergence").axes[0].get_lines()
    with pytest.raises(SpecificationError, match="Did you mean 'rank_shift'"):
        res.plot("sobol", output="rank_shif")


@pytest.mark.parametrize(("choices", "match"), [
    ({"metod": ["entropy"]}, "unknown choice 'metod'.*Did you mean 'method'"),
    ({"method": ["entrop"]}, "Did you mean 'entropy'"),
    ({"leave_out": ["zz"]}, "not a valid choice"),
    ({"method": ["entropy", "entropy"]}, "distinct levels"),
    ({"normalize": ["minmax", "zscore"]}, "zscore.*method='entropy'"),
    ({}, "non-empty mapping"),
])
def test_bad_choices_are_named(index, choices, match):
    with pytest.raises(SpecificationError, match=match):
        index.sensitivity(choices, draws=2)


def test_leaving_out_the_last_indicator_of_a_group_is_refused():
    idx = build_index("I ~ g(a + b) + h(d)", panel(), entity="id", time="t")
    with pytest.raises(SpecificationError, match="only indicator of 'h'"):
        idx.sensitivity({"leave_out": [None, "d"]}, draws=2)
    with pytest.raises(SpecificationError, match="Did you mean 'b'"):
        idx.spec.without("bb")


@pytest.mark.parametrize(("options", "match"), [
    ({"draws": 0}, "draws must be a positive integer"),
    ({"draws": 2, "perturb": 1.5}, "perturb must be in"),
    ({"draws": 2, "alpha": 0}, "alpha must be in"),
    ({"draws": 2, "n_jobs": 0}, "n_jobs"),
    ({"draws": 2, "propagate": {"kind": "fit", "formula": "y ~ I", "coeff": "I"}},
     "unknown key 'coeff'.*Did you mean 'coef'"),
    ({"draws": 2, "propagate": {"kind": "fitt"}}, "Did you mean 'fit'"),
    ({"draws": 2, "propagate": P.fit("y ~ I + C(id)", coef="J")}, "'J' is not a coefficient"),
    ({"draws": 2, "data": pd.DataFrame({"x": [1]})}, "key column"),
])
def test_bad_options_are_named(index, options, match):
    with pytest.raises(SpecificationError, match=match):
        index.sensitivity(SMALL, **options)


def test_propagate_specs_round_trip_through_dicts():
    for spec in (FIT, P.fit("y ~ L(y, 1) + I", coef="I", model="sys-gmm", steps=2),
                 P.dagum("I", "region", component="share_nb", year=2001)):
        assert P.from_dict(spec.to_dict()) == spec
    with pytest.raises(SpecificationError, match="labels must be unique"):
        P.as_specs([FIT, FIT])


def test_dagum_propagation_matches_a_direct_decomposition(index):
    frame = index.to_frame(data=True)
    frame["region"] = np.where(frame["id"] < "p4", "east", "west")
    spec = P.dagum("I", "region", component="share_nb", year=2001)
    direct = sm.dagum_gini(frame, "I", "region", by="t").summary.set_index("t")
    assert spec.evaluate(frame, "id", "t")[0] == pytest.approx(direct.loc[2001, "share_nb"])


RESCALE = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@RESCALE
@given(column=st.sampled_from(list("abcde")), factor=st.sampled_from([1e-8, 1e-4, 1e4, 1e8]),
       normalize=st.sampled_from(["minmax", "rank", "distance"]),
       method=st.sampled_from(["entropy", "critic", "cv", "pca", "equal"]),
       scoring=st.sampled_from(["weighted_sum", "geometric", "topsis", "bod"]))
def test_rescaling_an_indicator_changes_no_rank(column, factor, normalize, method, scoring):
    data = panel(seed=4)
    scaled = data.assign(**{column: data[column] * factor})
    opts = {"entity": "id", "time": "t", "normalize": normalize, "method": method,
            "scoring": scoring}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base = build_index(FORMULA, data, **opts).composite
        other = build_index(FORMULA, scaled, **opts).composite
    ranks = [s.groupby(level="t").rank(ascending=False) for s in (base, other)]
    pd.testing.assert_series_equal(ranks[0], ranks[1])


@pytest.mark.parametrize("formula", ["y ~ I + C(id) + C(t)", "y ~ I + g + a + C(id)",
                                     "I ~ y + C(id) + C(t)"])
@pytest.mark.parametrize("vcov", ["cluster", "robust", "unadjusted"])
def test_fast_within_fit_equals_sm_fit(formula, vcov):
    from stfi_models.index.fastfit import prepare

    data = panel(seed=6)
    nominal = build_index(FORMULA, data, entity="id", time="t")
    coef = formula.split("~")[1].split("+")[0].strip()
    spec = P.fit(formula, coef=coef, vcov=vcov)
    fast = prepare(spec, nominal.to_frame(data=True), "id", "t")
    assert fast is not None
    for method in ("critic", "equal"):
        frame = build_index(FORMULA, data, entity="id", time="t", method=method).to_frame(
            data=True)
        got = fast.evaluate(frame, "id", "t")
        res = sm.fit(formula, frame, entity="id", time="t", vcov=vcov)
        want = [res.params[coef], res.std_errors[coef], res.pvalues[coef]]
        np.testing.assert_allclose(got, want, rtol=1e-10)


def test_fast_path_declines_what_it_cannot_reproduce(index):
    from stfi_models.index.fastfit import prepare

    frame = index.to_frame(data=True)
    for spec in (P.fit("y ~ I + C(id)", coef="I", vcov="driscoll-kraay"),
                 P.fit("y ~ np.log(I + 1) + C(id)", coef="np.log(I + 1)"),
                 P.fit("y ~ I", coef="I")):
        assert prepare(spec, frame, "id", "t") is None


def test_fast_and_generic_paths_give_the_same_draws(index):
    fast = index.sensitivity(SMALL, draws=4, seed=3, propagate=FIT, bootstrap=10)
    slow = index.sensitivity(SMALL, draws=4, seed=3, propagate=FIT, bootstrap=10, fast=False)
    pd.testing.assert_frame_equal(fast.draws, slow.draws, rtol=1e-9)


def test_specs_are_picklable_and_read_only():
    import pickle

    spec = P.fit("y ~ I + C(id)", coef="I", vcov="cluster")
    assert pickle.loads(pickle.dumps(spec)) == spec
    with pytest.raises(TypeError, match="read-only"):
        spec.options["vcov"] = "robust"


@pytest.mark.parametrize("missing", ["interpolate", "drop"])
@pytest.mark.parametrize("leave_out", [None, "a"])
def test_a_draw_equals_the_one_call_build(missing, leave_out):
    data = panel(seed=9)
    data.loc[[3, 10], "a"] = np.nan
    data.loc[[5], "d"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idx = build_index(FORMULA, data, entity="id", time="t", missing="interpolate")
        choices = _check_choices({"missing": ["interpolate", "drop"],
                                  "leave_out": [None, "a"],
                                  "scoring": ["weighted_sum", "topsis"]}, idx)
        draw = _IndexDraw(idx, choices, None, (), 0.25)
        u = [np.array([0.25 + 0.5 * (missing == "drop")]),
             np.array([0.25 + 0.5 * (leave_out == "a")]), np.array([0.75])]
        spec = idx.spec if leave_out is None else idx.spec.without(leave_out)
        direct = build_index(spec, data, entity="id", time="t", missing=missing,
                             scoring="topsis")
    pd.testing.assert_frame_equal(draw.build(u).scores, direct.scores)
