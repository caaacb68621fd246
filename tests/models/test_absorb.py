"""High-dimensional fixed effects: the sweep equals the dense-dummy residual maker, ranks
count redundant effects, singletons are found iteratively, and the FE model keeps its numbers.

The oracles are kept here: ``_dense_within`` is the implementation of ``models/static.py``
before the absorb module (dense dummies of the smaller dimension, ``lstsq`` and
``matrix_rank``), and ``_lsdv_residuals`` is least squares on every dummy.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import check_reference_row, load_reference, reference_rows
from hypothesis import given, settings
from hypothesis import strategies as st

import stfi_models as sm
from stfi_models.datasets import load_abdata, load_grunfeld
from stfi_models.exceptions import (
    EstimationError,
    FormulaError,
    MissingValueWarning,
    SpecificationError,
)
from stfi_models.models import absorb
from stfi_models.models.absorb import AbsorbedEffects, group_means, singleton_rows


# ---------------------------------------------------------------------------- references
@pytest.mark.parametrize(("topic", "row"), reference_rows("hdfe_pyfixest"))
def test_pyfixest_reference_number(topic, row):
    """pyfixest 0.60 on an unbalanced panel: two-, three- and four-way effects and an
    interaction (coefficients, nobs, clustered and iid SEs; 1e-10);
    validation/hdfe_pyfixest/compute.py."""
    check_reference_row(topic, row)


@pytest.mark.parametrize(("case", "effects"), [
    ("threeway", ["firm", "year", "industry"]),
    ("firm_industry_year", ["firm", "industry:year"]),
    ("four_way_nested", ["firm", "year", "industry", "region"]),
])
def test_pyfixest_iid_ses_follow_from_its_effect_count(case, effects):
    """The known mismatches: with fixest's count sum(levels) - (K - 1) in place of our exact
    rank, our classical SEs are pyfixest's (1e-12)."""
    data = pd.read_csv(Path(__file__).parents[2] / "validation" / "hdfe_pyfixest" / "panel.csv")
    res = sm.fit("y ~ x1 + x2 | " + " + ".join(effects), data, entity="firm", time="year",
                 model="fe")
    levels = sum(data[e.split(":")].astype(str).agg(":".join, axis=1).nunique()
                 for e in effects)
    fixest_count = levels - (len(effects) - 1)
    assert res.info["n_absorbed"] < fixest_count
    df_ours, df_fixest = (res.nobs - 2 - a for a in (res.info["n_absorbed"], fixest_count))
    ref = load_reference("hdfe_pyfixest")
    want = ref[(ref.case == case) & (ref.quantity == "se:unadjusted")].set_index("term").value
    ours = res.with_vcov("unadjusted").std_errors * np.sqrt(df_ours / df_fixest)
    np.testing.assert_allclose(ours[want.index], want, rtol=1e-12)


# ---------------------------------------------------------------------------- oracles
def _old_group_mean(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    counts = np.bincount(codes)
    sums = np.zeros((counts.size, values.shape[1]))
    np.add.at(sums, codes, values)
    return (sums / counts[:, None])[codes]


def _dense_within(values: np.ndarray, entity: np.ndarray, time: np.ndarray,
                  effects: tuple[str, ...]) -> tuple[np.ndarray, int]:
    """``_within`` of models/static.py as it was before the absorb module (the oracle)."""
    if effects == ("entity",):
        return values - _old_group_mean(values, entity), int(entity.max()) + 1
    if effects == ("time",):
        return values - _old_group_mean(values, time), int(time.max()) + 1
    big, small = (entity, time) if entity.max() >= time.max() else (time, entity)
    swept = values - _old_group_mean(values, big)
    dummies = np.eye(int(small.max()) + 1)[small][:, 1:]
    dummies = dummies - _old_group_mean(dummies, big)
    coef, *_ = np.linalg.lstsq(dummies, swept, rcond=None)
    rank = int(np.linalg.matrix_rank(dummies))
    return swept - dummies @ coef, int(big.max()) + 1 + rank


def _lsdv_residuals(values: np.ndarray, codes: list[np.ndarray]) -> tuple[np.ndarray, int]:
    dummies = np.column_stack([np.eye(int(c.max()) + 1)[c] for c in codes])
    coef, *_ = np.linalg.lstsq(dummies, values, rcond=None)
    return values - dummies @ coef, int(np.linalg.matrix_rank(dummies))


def _codes(draw_sizes, rng: np.random.Generator, n: int) -> list[np.ndarray]:
    return [pd.factorize(rng.integers(0, g, n))[0] for g in draw_sizes]


# ---------------------------------------------------------------------------- the sweep
@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 60), st.integers(2, 12), st.integers(20, 400))
def test_two_way_sweep_equals_the_previous_dense_implementation(seed, n_ent, n_time, n):
    """Entity, time and two-way sweeps and ranks equal the pre-absorb code to 1e-10
    (random unbalanced panels, possibly disconnected)."""
    rng = np.random.default_rng(seed)
    entity, time = _codes((n_ent, n_time), rng, n)
    values = rng.normal(size=(n, 3)) * [1.0, 100.0, 1e-3]
    for effects, codes in ((("entity",), (entity,)), (("time",), (time,)),
                           (("entity", "time"), (entity, time))):
        want, rank = _dense_within(values, entity, time, effects)
        got = AbsorbedEffects(codes)
        np.testing.assert_allclose(got.sweep(values), want, rtol=0, atol=1e-10 * 100)
        assert got.rank == rank


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.lists(st.integers(2, 25), min_size=1, max_size=4),
       st.integers(30, 300))
def test_any_number_of_effects_equals_least_squares_on_all_dummies(seed, sizes, n):
    """Exact FWL path: residuals and rank of LSDV on every dummy (1e-10)."""
    rng = np.random.default_rng(seed)
    codes = _codes(sizes, rng, n)
    values = rng.normal(size=(n, 2))
    want, rank = _lsdv_residuals(values, codes)
    got = AbsorbedEffects(codes)
    assert got.exact
    np.testing.assert_allclose(got.sweep(values), want, rtol=0, atol=1e-10)
    assert got.rank == rank


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.lists(st.integers(2, 15), min_size=2, max_size=3),
       st.integers(40, 300))
def test_alternating_projections_converge_to_the_exact_sweep(seed, sizes, n):
    """The iterative path (forced by a zero exact limit) reaches the exact residuals (1e-8);
    its rank is exact for two factors and an upper bound (fixest's count) for more."""
    rng = np.random.default_rng(seed)
    codes = _codes(sizes, rng, n)
    values = rng.normal(size=(n, 2))
    exact = AbsorbedEffects(codes)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(absorb, "EXACT_LIMIT", 0)
        iterative = AbsorbedEffects(codes)
        assert not iterative.exact
        np.testing.assert_allclose(iterative.sweep(values), exact.sweep(values), rtol=0,
                                   atol=1e-8)
        if len(codes) == 2:
            assert iterative.rank == exact.rank
        else:
            assert iterative.rank >= exact.rank


def test_sparse_level_pair_counts_give_the_same_sweep(monkeypatch):
    rng = np.random.default_rng(3)
    codes = _codes((40, 9, 5), rng, 500)
    values = rng.normal(size=(500, 2))
    dense = AbsorbedEffects(codes)
    monkeypatch.setattr(absorb, "_DENSE_CELLS", 0)
    sparse_counts = AbsorbedEffects(codes)
    np.testing.assert_allclose(sparse_counts.sweep(values), dense.sweep(values), atol=1e-12)
    assert sparse_counts.rank == dense.rank


def test_disconnected_two_way_panel_counts_one_redundancy_per_component():
    # entities 0-1 only in periods 0-1, entities 2-3 only in periods 2-3: two components
    entity = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    time = np.array([0, 1, 0, 1, 2, 3, 2, 3])
    got = AbsorbedEffects((entity, time))
    assert got.rank == 4 + 4 - 2
    values = np.arange(16.0).reshape(8, 2) ** 1.5
    np.testing.assert_allclose(got.sweep(values), _lsdv_residuals(values, [entity, time])[0],
                               atol=1e-10)


def test_sweep_leaves_its_input_alone_and_group_means():
    values = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 7.0]])
    before = values.copy()
    AbsorbedEffects((np.array([0, 0, 1]),)).sweep(values)
    np.testing.assert_array_equal(values, before)
    np.testing.assert_allclose(group_means(values, np.array([0, 0, 1])),
                               [[2.0, 3.0], [5.0, 7.0]])
    assert AbsorbedEffects(()).rank == 0


def test_singletons_are_removed_iteratively():
    # row 5 is alone in entity 2; once gone, row 4 is alone in period 5
    entity = np.array([0, 0, 1, 1, 1, 2])
    time = np.array([0, 1, 0, 1, 5, 5])
    np.testing.assert_array_equal(singleton_rows((entity, time)),
                                  [False, False, False, False, True, True])
    np.testing.assert_array_equal(singleton_rows((entity,)), [False] * 5 + [True])


# ---------------------------------------------------------------------------- the FE model
@pytest.mark.parametrize("effects", ["entity", "time", "twoways"])
def test_fe_model_keeps_the_previous_numbers_on_abdata(effects):
    """Coefficients, absorbed count and the clustered covariance equal the dense code."""
    ab = load_abdata()
    res = sm.fit("n ~ w + k + ys", ab, entity="id", time="year", model="fe", effects=effects,
                 vcov="cluster")
    entity = pd.factorize(ab["id"], sort=True)[0]
    time = pd.factorize(ab["year"], sort=True)[0]
    chosen = ("entity", "time") if effects == "twoways" else (effects,)
    swept, rank = _dense_within(ab[["n", "w", "k", "ys"]].to_numpy(), entity, time, chosen)
    coef, *_ = np.linalg.lstsq(swept[:, 1:], swept[:, 0], rcond=None)
    np.testing.assert_allclose(res.params.to_numpy(), coef, rtol=1e-10)
    assert res.info["n_absorbed"] == rank and res.info["n_singletons"] == 0


def _with_singletons() -> pd.DataFrame:
    g = load_grunfeld()
    extra = pd.DataFrame({"firm": [11, 12], "year": [1935, 1950], "inv": [5.0, 7.0],
                          "value": [50.0, 80.0], "capital": [3.0, 9.0]})
    return pd.concat([g, extra], ignore_index=True)


def test_singletons_dropped_counted_and_warned_without_changing_coefficients():
    data = _with_singletons()
    with pytest.warns(MissingValueWarning, match="2 singleton rows dropped"):
        dropped = sm.fit("inv ~ value + capital + C(firm) + C(year)", data, entity="firm",
                         time="year", vcov="cluster", singletons="drop")
    with warnings.catch_warnings():
        warnings.simplefilter("error", MissingValueWarning)
        kept = sm.fit("inv ~ value + capital + C(firm) + C(year)", data, entity="firm",
                      time="year", vcov="cluster")  # keep is the default (plm, Stata)
    assert dropped.nobs == kept.nobs - 2 == 200
    assert dropped.dropped.n == 2 and "singletons of entity (firm), time (year)" in str(dropped.dropped)
    assert dropped.info["n_singletons"] == 2 and kept.info["n_singletons"] == 0
    assert dropped.df_resid == kept.df_resid  # one row and one effect gone per singleton
    np.testing.assert_allclose(dropped.params, kept.params, rtol=1e-10)
    assert dropped.n_entities == 10 and kept.n_entities == 12


def test_singleton_option_is_checked_and_all_singletons_is_an_error():
    g = load_grunfeld()
    with pytest.raises(SpecificationError, match="Did you mean 'drop'"):
        sm.fit("inv ~ value + C(firm)", g, entity="firm", time="year", singletons="dorp")
    one_each = g.drop_duplicates("firm")
    with pytest.raises(EstimationError, match="Every row is a singleton"):
        sm.fit("inv ~ value + C(firm)", one_each, entity="firm", time="year",
               singletons="drop")


# ---------------------------------------------------------------------------- other effects
def _grunfeld_groups() -> pd.DataFrame:
    g = load_grunfeld()
    return g.assign(size=np.where(g.firm <= 5, "big", "small"),
                    era=np.where(g.year < 1945, "early", "late"))


def _lsdv_slopes(data: pd.DataFrame, y: str, xs: list[str], effects: list[list[str]]):
    """Slopes of least squares on the regressors and every (combination) dummy."""
    dummies = [pd.get_dummies(data[cols].astype(str).agg(":".join, axis=1)).to_numpy(float)
               for cols in effects]
    design = np.column_stack([data[xs].to_numpy(float), *dummies])
    coef, *_ = np.linalg.lstsq(design, data[y].to_numpy(float), rcond=None)
    return coef[: len(xs)], int(np.linalg.matrix_rank(np.column_stack(dummies)))


@pytest.mark.parametrize(("part", "effects"), [
    ("firm + year + size", [["firm"], ["year"], ["size"]]),
    ("firm + size:year", [["firm"], ["size", "year"]]),
    ("year + firm:era", [["year"], ["firm", "era"]]),
    ("size:era", [["size", "era"]]),
])
def test_other_columns_and_interactions_equal_lsdv(part, effects):
    """``| firm + size:year`` absorbs one effect per (size, year): slopes and the absorbed
    rank equal least squares on every dummy (1e-10); a column redundant with the others
    (size, nested in firm) adds nothing."""
    data = _grunfeld_groups()
    res = sm.fit(f"inv ~ value + capital | {part}", data, entity="firm", time="year",
                 model="fe")
    slopes, rank = _lsdv_slopes(data, "inv", ["value", "capital"], effects)
    np.testing.assert_allclose(res.params.to_numpy(), slopes, rtol=1e-10)
    assert res.info["n_absorbed"] == rank
    assert set(res.info["effects"]) >= {p for p in part.replace(" ", "").split("+")
                                         if p not in ("firm", "year")}


def test_absorbed_column_missing_values_are_counted_and_unknown_columns_refused():
    data = _grunfeld_groups()
    data.loc[[3, 4], "size"] = None
    with pytest.warns(MissingValueWarning, match="2 of 200 rows"):
        res = sm.fit("inv ~ value | firm + size", data, entity="firm", time="year")
    assert res.dropped.by_variable == {"size": 2} and res.nobs == 198
    with pytest.raises(FormulaError, match="Did you mean 'size'"):
        sm.fit("inv ~ value | firm + sise", data, entity="firm", time="year")
    with pytest.raises(FormulaError, match="model='fe' absorbs any column"):
        sm.fit("inv ~ value | size", data, entity="firm", time="year", model="pooled")
