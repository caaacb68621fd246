"""Wild cluster bootstrap: exact against brute force, reproducible, errors named."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import check_reference_row, reference_rows

import stfi_models as sm
from stfi_models.exceptions import SpecificationError, SpecificationWarning
from stfi_models.inference.wild import _TIE
from stfi_models.validation import VALIDATION_ROOT

#: Grunfeld has 10 firms: the Rademacher few-cluster warning is expected in the exactness tests.
pytestmark = pytest.mark.filterwarnings("ignore:Rademacher weights on 10 clusters")


@pytest.fixture(scope="module")
def grunfeld():
    return sm.load_grunfeld().sort_values(["firm", "year"]).reset_index(drop=True)


def _lsdv(data: pd.DataFrame, effects: tuple[str, ...]) -> np.ndarray:
    cols = [np.ones(len(data))] if not effects else []
    cols += [data["value"].to_numpy(), data["capital"].to_numpy()]
    for name in effects:
        dummies = pd.get_dummies(data[name], dtype=float).to_numpy()
        cols += list((dummies if name == effects[0] else dummies[:, 1:]).T)
    return np.column_stack(cols)


def _brute_force(data, effects, r_row, r0, scheme):
    """Refit the dummy-variable regression on y* for every Rademacher sign pattern.

    Independent of the library: LSDV by least squares, CR1 (Stata factor, k = slopes) from
    its residuals, the restricted fit by least squares on y - r0 * x_restricted.
    """
    y = data["inv"].to_numpy()
    x = _lsdv(data, effects)
    n_slopes = 2 if effects else 3
    firms = pd.factorize(data["firm"], sort=True)[0]
    n, g = len(y), firms.max() + 1
    col = (0 if effects else 1) + r_row  # position of the restricted slope
    b, *_ = np.linalg.lstsq(x, y, rcond=None)
    if scheme == "WCR":
        rest = np.delete(x, col, axis=1)
        br, *_ = np.linalg.lstsq(rest, y - r0 * x[:, col], rcond=None)
        u = y - r0 * x[:, col] - rest @ br
        centre = r0
    else:
        u = y - x @ b
        centre = b[col]
    bread = np.linalg.inv(x.T @ x)
    factor = g / (g - 1) * (n - 1) / (n - n_slopes)

    def t_of(yy, at):
        coef, *_ = np.linalg.lstsq(x, yy, rcond=None)
        e = yy - x @ coef
        scores = np.stack([x[firms == h].T @ e[firms == h] for h in range(g)])
        var = factor * bread @ scores.T @ scores @ bread
        return (coef[col] - at) / np.sqrt(var[col, col])

    t = t_of(y, r0)
    boot = []
    for bits in itertools.product([0, 1], repeat=g):
        v = 1.0 - 2.0 * np.array(bits[::-1])  # pattern index: cluster h = bit h
        ystar = y + u * (v[firms] - 1) if scheme == "WCR" else x @ b + u * v[firms]
        boot.append(t_of(ystar, centre))
    boot = np.array(boot)
    return t, boot, float(np.mean(np.abs(boot) > abs(t) * (1 + _TIE)))


@pytest.mark.parametrize("scheme", ["WCR", "WCU"])
@pytest.mark.parametrize(("model", "effects"), [("pooled", ()), ("fe", ("firm",)),
                                                ("fe-twoways", ("firm", "year"))])
def test_enumerated_p_value_is_exact(grunfeld, model, effects, scheme):
    """All 2^10 sign patterns: p-value to 1e-12 and every bootstrap t against refits."""
    options = {"model": "fe", "effects": "twoways"} if model == "fe-twoways" else {"model": model}
    res = sm.fit("inv ~ value + capital", grunfeld, entity="firm", time="year", **options)
    ours = res.wild_bootstrap("capital = 0.1", scheme=scheme, draws=1024, ci=False)
    t, boot, p = _brute_force(grunfeld, effects, 1, 0.1, scheme)
    assert ours.enumerated and ours.draws == 1024
    assert ours.stat == pytest.approx(t, rel=1e-10)
    np.testing.assert_allclose(ours.boot_stats, boot, rtol=1e-8, atol=1e-10)
    assert abs(ours.pvalue - p) <= 1e-12


def test_two_restrictions_enumerated_against_refits(grunfeld):
    res = sm.fit("inv ~ value + capital", grunfeld, entity="firm", time="year", model="pooled")
    ours = res.wild_bootstrap("value = 0.1, capital = 0.2", draws=1024)
    y = grunfeld["inv"].to_numpy()
    x = _lsdv(grunfeld, ())
    firms = pd.factorize(grunfeld["firm"], sort=True)[0]
    rest = x[:, [0]]
    br, *_ = np.linalg.lstsq(rest, y - x[:, 1:] @ [0.1, 0.2], rcond=None)
    u = y - x[:, 1:] @ [0.1, 0.2] - rest @ br
    bread = np.linalg.inv(x.T @ x)

    def wald(yy):
        coef = bread @ x.T @ yy
        e = yy - x @ coef
        scores = np.stack([x[firms == h].T @ e[firms == h] for h in range(10)])
        var = (10 / 9 * 199 / 197 * bread @ scores.T @ scores @ bread)[1:, 1:]
        d = coef[1:] - [0.1, 0.2]
        return d @ np.linalg.solve(var, d) / 2

    boot = np.array([wald(y + u * ((1.0 - 2.0 * np.array(bits[::-1]))[firms] - 1))
                     for bits in itertools.product([0, 1], repeat=10)])
    assert ours.stat == pytest.approx(wald(y), rel=1e-10)
    np.testing.assert_allclose(ours.boot_stats, boot, rtol=1e-8)
    assert abs(ours.pvalue - np.mean(boot > wald(y) * (1 + _TIE))) <= 1e-12
    assert ours.conf_int is None


def test_same_seed_same_numbers_for_any_jobs_and_chunks(grunfeld):
    res = sm.fit("inv ~ value + capital", grunfeld, entity="firm", time="year")
    one = res.wild_bootstrap("capital = 0", weights="webb", draws=500, seed=7, ci=False)
    two = res.wild_bootstrap("capital = 0", weights="webb", draws=500, seed=7, ci=False,
                             n_jobs=2)
    np.testing.assert_array_equal(one.boot_stats, two.boot_stats)
    assert one.pvalue == two.pvalue and one.seed_entropy == 7 and not one.enumerated
    other = res.wild_bootstrap("capital = 0", weights="webb", draws=500, seed=8, ci=False)
    assert not np.array_equal(one.boot_stats, other.boot_stats)


@pytest.mark.parametrize("weights", ["rademacher", "webb", "mammen", "normal"])
def test_weights_have_mean_zero_and_unit_variance(weights):
    from stfi_models.inference.wild import draw_weights

    v = draw_weights(weights, 200_000, np.random.default_rng(0))
    assert abs(v.mean()) < 0.01 and abs(v.var() - 1) < 0.01


@pytest.mark.parametrize("scheme", ["WCR", "WCU"])
def test_confidence_interval_is_the_inverted_test(grunfeld, scheme):
    """At each CI bound the bootstrap p-value crosses 1 - level."""
    res = sm.fit("inv ~ value + capital", grunfeld, entity="firm", time="year")
    wb = res.wild_bootstrap("capital = 0", scheme=scheme, draws=1024, level=0.9)
    lo, hi = wb.conf_int
    assert lo < res.params["capital"] < hi
    span = hi - lo
    for bound, sign in ((lo, -1), (hi, 1)):
        outside = res.wild_bootstrap(f"capital = {bound + sign * 1e-6 * span!r}",
                                     scheme=scheme, draws=1024, ci=False)
        inside = res.wild_bootstrap(f"capital = {bound - sign * 1e-6 * span!r}",
                                    scheme=scheme, draws=1024, ci=False)
        assert outside.pvalue <= 0.1 < inside.pvalue


def test_other_static_models_run_and_between_refuses(grunfeld):
    for model in ("re", "fd"):
        wb = sm.fit("inv ~ value + capital", grunfeld, entity="firm", time="year",
                    model=model).wild_bootstrap("capital = 0", draws=99, seed=1)
        assert 0 <= wb.pvalue <= 1 and wb.conf_int[0] < wb.conf_int[1]
    between = sm.fit("inv ~ value + capital", grunfeld, entity="firm", time="year",
                     model="between")
    with pytest.raises(SpecificationError, match="not available"):
        between.wild_bootstrap("capital = 0")


def test_summary_names_scheme_weights_and_draws(grunfeld):
    res = sm.fit("inv ~ value + capital", grunfeld, entity="firm", time="year")
    text = res.wild_bootstrap("capital = 0", draws=1024).summary()
    assert "WCR, rademacher weights; all 1024 sign patterns enumerated" in text
    assert "CI (test inversion)" in text and "G = 10" in text


@pytest.mark.parametrize(("options", "match"), [
    ({"draws": 0}, "draws must be a positive integer"),
    ({"weights": "webbs"}, "Did you mean 'webb'"),
    ({"scheme": "wcr"}, "scheme"),
    ({"cluster": ["firm", "year"]}, "one column"),
    ({"cluster": "frim"}, "Did you mean 'firm'"),
    ({"seeds": 1}, "Did you mean 'seed'"),
    ({"level": 1.5}, "level"),
])
def test_bad_options_are_named(grunfeld, options, match):
    res = sm.fit("inv ~ value + capital", grunfeld, entity="firm", time="year")
    with warnings.catch_warnings(), pytest.raises(SpecificationError, match=match):
        res.wild_bootstrap("capital = 0", **options)


@pytest.mark.parametrize("hypothesis", ["capitol = 0", "capital", "capital * value = 1"])
def test_bad_hypothesis_is_named(grunfeld, hypothesis):
    res = sm.fit("inv ~ value + capital", grunfeld, entity="firm", time="year")
    with pytest.raises(SpecificationError, match="Hypothesis"):
        res.wild_bootstrap(hypothesis)


@pytest.mark.parametrize(("topic", "row"), reference_rows("wild_bootstrap"))
def test_matches_wildboottest(topic, row):
    """wildboottest 0.3.2, all 1024 sign patterns: p-values to 1e-12, t to 1e-9."""
    check_reference_row(topic, row)


@pytest.mark.parametrize(("model", "term"), [("pooled", "value"), ("fe", "value"),
                                             ("fe", "capital")])
def test_wildboottest_differs_only_by_the_tied_draws(grunfeld, model, term):
    """wildboottest's strict |t| < |t*| counts the v = +-1 draws (t* = t up to 4e-16)."""
    ref = pd.read_csv(VALIDATION_ROOT / "wild_bootstrap" / "reference.csv")
    pick = ((ref["case"] == f"grunfeld/{model}/WCR") & (ref["quantity"] == "pvalue")
            & (ref["term"] == term))
    theirs = ref.loc[pick, "value"].item()
    res = sm.fit("inv ~ value + capital", grunfeld, entity="firm", time="year", model=model)
    wb = res.wild_bootstrap(f"{term} = 0", draws=9999, ci=False)
    ties = np.abs(np.abs(wb.boot_stats) / abs(wb.stat) - 1) <= _TIE
    assert ties.sum() == 2 and theirs == pytest.approx(wb.pvalue + 2 / 1024, abs=1e-12)


def test_few_clusters_with_rademacher_weights_warn(grunfeld):
    res = sm.fit("inv ~ value + capital", grunfeld, entity="firm", time="year")
    with pytest.warns(SpecificationWarning, match="weights='webb'"):
        res.wild_bootstrap("capital = 0", draws=99, ci=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SpecificationWarning)
        res.wild_bootstrap("capital = 0", draws=99, weights="webb", ci=False, seed=1)
