"""PanelData: keys, validation, balance, time grid, and the L/F/D operators.

The lag properties compare every operator with a brute-force lookup in a dict
``{(entity, t): x}`` built from the raw rows: the value of ``L(x, k)`` at ``(e, t)`` must be
``x[(e, t - k * delta)]`` or missing, so no value can come from another entity or jump a gap.
They run on random unbalanced panels (random entities, random subsets of periods, NaNs,
shuffled rows, int and string ids, column keys and a 2-level MultiIndex), through
``PanelData`` and through the formula path (``build_design``).
"""

from __future__ import annotations

import math
import warnings
from functools import reduce
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stfi_models.exceptions import (
    EstimationError,
    FormulaError,
    MissingValueWarning,
    PanelDataError,
)
from stfi_models.formula import build_design, parse_formula
from stfi_models.panel import BalanceInfo, PanelData, as_panel

SHARED = Path(__file__).resolve().parents[2] / "shared"  # as tests/conftest.py
PROPERTY = settings(max_examples=60, deadline=None)


# ---------------------------------------------------------------- random panels
@st.composite
def panels(draw, max_entities: int = 6, max_periods: int = 9):
    """A random unbalanced panel with gaps and NaNs, rows shuffled.

    Returns ``(frame, step)``: columns ``id, t, x, y``; ``t = 1990 + step * p`` for a random
    subset of positions ``p`` per entity; ids are ints or strings (some Chinese).
    """
    n = draw(st.integers(1, max_entities))
    if draw(st.booleans()):
        ids = draw(st.lists(st.text("abz省市1", min_size=1, max_size=3), min_size=n,
                            max_size=n, unique=True))
    else:
        ids = draw(st.lists(st.integers(-50, 50), min_size=n, max_size=n, unique=True))
    step = draw(st.sampled_from([1, 2, 5]))
    rows = []
    for entity in ids:
        positions = draw(st.lists(st.integers(0, max_periods - 1), min_size=1,
                                  max_size=max_periods, unique=True))
        rows += [(entity, 1990 + step * p) for p in positions]
    values = st.one_of(st.floats(-1e3, 1e3, allow_nan=False), st.just(np.nan))
    x = draw(st.lists(values, min_size=len(rows), max_size=len(rows)))
    y = draw(st.lists(values, min_size=len(rows), max_size=len(rows)))
    frame = pd.DataFrame(rows, columns=["id", "t"]).assign(x=x, y=y)
    order = draw(st.permutations(range(len(frame))))
    return frame.iloc[list(order)].reset_index(drop=True), step


def make_panel(frame: pd.DataFrame, multiindex: bool, **kwargs) -> PanelData:
    if multiindex:
        return PanelData(frame.set_index(["id", "t"]), **kwargs)
    return PanelData(frame, "id", "t", **kwargs)


def lookup(frame: pd.DataFrame, column: str = "x") -> dict:
    return {(e, t): v for e, t, v in zip(frame["id"], frame["t"], frame[column], strict=True)}


def brute_shift(table: dict, keys, k: int, delta: int) -> np.ndarray:
    """``x`` at ``t - k * delta`` of the same entity, NaN where that row does not exist."""
    return np.array([table.get((e, t - k * delta), np.nan) for e, t in keys], dtype=float)


def brute_diff(table: dict, keys, k: int, delta: int) -> np.ndarray:
    """Stata's ``Dk.x``: ``D1.x = x - L.x`` and ``Dk.x = D(k-1).x - L.D(k-1).x``."""
    if k == 0:
        return brute_shift(table, keys, 0, delta)
    lower = dict(zip(keys, brute_diff(table, keys, k - 1, delta), strict=True))
    return np.array(
        [lower[(e, t)] - lower.get((e, t - delta), np.nan) for e, t in keys], dtype=float
    )


def panel_keys(panel: PanelData) -> list[tuple]:
    return list(zip(panel.frame["id"], panel.frame["t"], strict=True))


# ---------------------------------------------------------------- operator properties
@PROPERTY
@given(panels(), st.booleans(), st.integers(0, 4))
def test_lag_lead_diff_match_brute_force(drawn, multiindex, k):
    frame, step = drawn
    panel = make_panel(frame, multiindex, delta=step)
    table, keys = lookup(frame), panel_keys(panel)
    np.testing.assert_array_equal(panel.lag("x", k), brute_shift(table, keys, k, step))
    np.testing.assert_array_equal(panel.lead("x", k), brute_shift(table, keys, -k, step))
    np.testing.assert_allclose(panel.diff("x", k), brute_diff(table, keys, k, step))


@PROPERTY
@given(panels(), st.booleans())
def test_inferred_delta_is_gcd_of_period_spacing(drawn, multiindex):
    frame, _ = drawn
    periods = sorted(set(frame["t"]))
    spacing = [b - a for a, b in zip(periods, periods[1:], strict=False)]
    expected = reduce(math.gcd, spacing) if spacing else 1
    panel = make_panel(frame, multiindex)
    assert panel.delta == expected
    keys = panel_keys(panel)
    np.testing.assert_array_equal(panel.lag("x", 1), brute_shift(lookup(frame), keys, 1, expected))
    positions = (panel.frame["t"].to_numpy() - periods[0]) // expected
    np.testing.assert_array_equal(panel.time_positions, positions)


@PROPERTY
@given(panels())
def test_rows_sorted_and_balance_consistent(drawn):
    frame, _ = drawn
    panel = PanelData(frame, "id", "t")
    codes = panel.entity_codes
    assert np.all(np.diff(codes) >= 0)
    same = codes[1:] == codes[:-1]
    assert np.all(np.diff(panel.frame["t"].to_numpy())[same] > 0)
    sizes = frame.groupby("id").size()
    info = panel.balance
    assert (info.n_entities, info.nobs, info.n_periods) == (
        frame["id"].nunique(), len(frame), frame["t"].nunique()
    )
    assert (info.t_min, info.t_max) == (sizes.min(), sizes.max())
    assert info.t_mean == pytest.approx(sizes.mean())
    assert info.balanced == (len(frame) == frame["id"].nunique() * frame["t"].nunique())
    # the frame keeps every row: same (id, t) -> x pairs as the input
    assert lookup(panel.frame) == pytest.approx(lookup(frame), nan_ok=True)


@PROPERTY
@given(panels(), st.data())
def test_balance_of_a_sample_equals_the_balance_of_its_own_panel(drawn, data):
    """``balance_of(rows)`` (codes only) equals building a PanelData from the rows."""
    frame, step = drawn
    panel = PanelData(frame, "id", "t", delta=step)
    chosen = data.draw(st.lists(st.booleans(), min_size=len(frame), max_size=len(frame)))
    rows = np.flatnonzero(chosen)
    if rows.size == 0:
        rows = np.array([len(frame) - 1])
    sample = PanelData(panel.frame.iloc[rows], "id", "t", **panel.grid)
    assert panel.balance_of(rows) == sample.balance
    assert panel.balance_of(np.arange(len(frame))) == panel.balance
    codes = pd.factorize(panel.frame["t"], sort=True)[0]
    np.testing.assert_array_equal(panel.time_codes, codes)


@PROPERTY
@given(panels(), st.booleans())
def test_formula_lags_match_brute_force_and_are_built_before_the_sample_is_cut(
    drawn, multiindex
):
    """``y ~ L(x, 1:2)`` and ``y ~ L(x, 0:3)`` on the full panel; NaN in ``y`` drops rows
    after the lags exist, so a dropped row still feeds the next period's lag (fixest#667)."""
    frame, step = drawn
    panel = make_panel(frame, multiindex, delta=step)
    table, keys = lookup(frame), panel_keys(panel)
    for formula, lags in (("y ~ L(x, 1:2)", (1, 2)), ("y ~ L(x, 0:3) - 1", (0, 1, 2, 3))):
        names = ["x" if k == 0 else f"L{k}.x" for k in lags]
        expected = {k: brute_shift(table, keys, k, step) for k in lags}
        keep = ~np.isnan(frame.set_index(["id", "t"])["y"].reindex(keys).to_numpy())
        for k in lags:
            keep &= ~np.isnan(expected[k])
        spec = parse_formula(formula)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MissingValueWarning)
            if not keep.any():
                # a lag beyond every entity's span is refused up front (FormulaError)
                with pytest.raises((EstimationError, FormulaError),
                                   match="No rows left|entirely missing|asks for"):
                    build_design(spec, panel)
                continue
            y_sample = frame.set_index(["id", "t"])["y"].reindex(keys).to_numpy()[keep]
            if y_sample.size > 1 and np.ptp(y_sample) == 0:
                with pytest.raises(EstimationError, match="dependent variable 'y' is constant"):
                    build_design(spec, panel)
                continue
            design = build_design(spec, panel)
        assert [c for c in design.x.columns if c != "Intercept"] == names
        for k, name in zip(lags, names, strict=True):
            np.testing.assert_array_equal(design.frame[name].to_numpy(), expected[k])
            np.testing.assert_array_equal(design.x[name].to_numpy(), expected[k][keep])
        np.testing.assert_array_equal(design.rows, np.flatnonzero(keep))
        assert design.dropped.n == int((~keep).sum())
        assert list(design.x.index) == [keys[i] for i in np.flatnonzero(keep)]


@PROPERTY
@given(panels())
def test_formula_leads_and_differences_match_brute_force(drawn):
    frame, step = drawn
    panel = PanelData(frame, "id", "t", delta=step)
    table, keys = lookup(frame), panel_keys(panel)
    spec = parse_formula("y ~ F(x, 2) + D(x) + D(x, 2) + L(x, -1)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingValueWarning)
        try:
            design = build_design(spec, panel)
        except (EstimationError, FormulaError):
            return  # too few periods for every operator: nothing left to compare
    np.testing.assert_array_equal(design.frame["F2.x"], brute_shift(table, keys, -2, step))
    np.testing.assert_array_equal(design.frame["F1.x"], brute_shift(table, keys, -1, step))
    np.testing.assert_allclose(design.frame["D1.x"], brute_diff(table, keys, 1, step))
    np.testing.assert_allclose(design.frame["D2.x"], brute_diff(table, keys, 2, step))


def test_lag_of_dropped_row_feeds_next_period():
    """Row (1, 2002) is dropped for a NaN in y, yet L1.x at 2003 is its x (fixest#667)."""
    frame = pd.DataFrame(
        {"id": [1, 1, 1], "t": [2001, 2002, 2003], "x": [1.0, 2.0, 3.0], "y": [1.0, np.nan, 3.0]}
    )
    with pytest.warns(MissingValueWarning):
        design = build_design(parse_formula("y ~ L(x, 1)"), PanelData(frame, "id", "t"))
    assert list(design.x.index) == [(1, 2003)]
    assert design.x.loc[(1, 2003), "L1.x"] == 2.0


# ---------------------------------------------------------------- time grid
def test_every_second_year_lags_to_previous_even_year():
    frame = pd.DataFrame(
        {"id": [1, 1, 1, 2, 2], "t": [2000, 2002, 2006, 2002, 2004], "x": [1.0, 2, 3, 4, 5]}
    )
    panel = PanelData(frame, "id", "t")
    assert panel.delta == 2
    np.testing.assert_array_equal(panel.lag("x", 1), [np.nan, 1.0, np.nan, np.nan, 4.0])
    np.testing.assert_array_equal(panel.time_positions, [0, 1, 3, 1, 2])


def test_nlswork_gaps_in_1974_and_1976():
    """Years 68..78 without 74 and 76 (panelvar's nlswork2): L1 at 75 and 77 is missing,
    L2 at 75 is 73, L1 at 78 is 77."""
    data = pd.read_csv(SHARED / "data" / "panelvar_nlswork2.csv")
    panel = PanelData(data, "idcode", "year")
    assert panel.delta == 1
    year = panel.frame["year"].to_numpy()
    lag1, lag2 = panel.lag("ln_wage", 1), panel.lag("ln_wage", 2)
    assert np.isnan(lag1[np.isin(year, [68, 75, 77])]).all()
    table = dict(zip(zip(data["idcode"], data["year"], strict=True), data["ln_wage"], strict=True))
    keys = list(zip(panel.frame["idcode"], year, strict=True))
    for k, values in ((1, lag1), (2, lag2)):
        expected = [table.get((e, t - k), np.nan) for e, t in keys]
        np.testing.assert_array_equal(values, expected)
    assert np.isfinite(lag2[year == 75]).any() and np.isfinite(lag1[year == 78]).any()
    assert panel.balance.n_periods == 9 and not panel.balance.balanced


def test_explicit_delta_and_its_validation():
    frame = pd.DataFrame({"id": [1, 1, 1], "t": [2000, 2002, 2004], "x": [1.0, 2.0, 3.0]})
    np.testing.assert_array_equal(PanelData(frame, "id", "t", delta=1).lag("x"), [np.nan] * 3)
    with pytest.raises(PanelDataError, match=r"delta=3 does not fit .*\[2002, 2004\]"):
        PanelData(frame, "id", "t", delta=3)
    with pytest.raises(PanelDataError, match="positive integer"):
        PanelData(frame, "id", "t", delta=0)
    dated = frame.assign(t=pd.to_datetime(frame["t"].astype(str)))
    with pytest.raises(PanelDataError, match="integer or Period"):
        PanelData(dated, "id", "t", delta=2)


def test_period_keys_use_ordinals_so_gaps_are_seen():
    frame = pd.DataFrame(
        {
            "id": [1, 1, 2, 2],
            "t": pd.PeriodIndex(["2000Q1", "2000Q3", "2000Q2", "2000Q3"], freq="Q"),
            "x": [1.0, 2.0, 3.0, 4.0],
        }
    )
    panel = PanelData(frame, "id", "t")
    assert panel.delta == 1
    np.testing.assert_array_equal(panel.lag("x"), [np.nan, np.nan, np.nan, 3.0])


def test_ordered_categorical_keys_use_category_codes():
    t = pd.Categorical(["early", "late", "early", "mid"], ["early", "mid", "late"], ordered=True)
    frame = pd.DataFrame({"id": [1, 1, 2, 2], "t": t, "x": [1.0, 2.0, 3.0, 4.0]})
    panel = PanelData(frame, "id", "t")
    np.testing.assert_array_equal(panel.lag("x"), [np.nan, np.nan, np.nan, 3.0])
    assert panel.balance.entities_with_gaps == 1


def test_dates_use_rank_of_observed_periods():
    frame = pd.DataFrame(
        {"id": [1, 1, 2], "t": pd.to_datetime(["2001", "2003", "2002"]), "x": [1.0, 2.0, 3.0]}
    )
    panel = PanelData(frame, "id", "t")
    np.testing.assert_array_equal(panel.time_positions, [0, 2, 1])
    np.testing.assert_array_equal(panel.lag("x"), [np.nan, np.nan, np.nan])


# ---------------------------------------------------------------- construction
def test_multiindex_and_columns_give_the_same_panel():
    frame = pd.DataFrame({"id": [2, 1, 1], "t": [1, 2, 1], "x": [3.0, 2.0, 1.0]})
    a = PanelData(frame, "id", "t")
    b = PanelData(frame.set_index(["id", "t"]))
    c = PanelData(frame.set_index(["id", "t"]), entity="id", time="t")
    for panel in (b, c):
        pd.testing.assert_frame_equal(panel.frame[["id", "t", "x"]], a.frame[["id", "t", "x"]])
    assert list(a.index) == [(1, 1), (1, 2), (2, 1)]
    assert as_panel(a) is a
    assert PanelData(a).entity == "id"


def test_mixed_type_entity_ids_stay_contiguous():
    frame = pd.DataFrame(
        {"id": [1, "a", 2.5, "a", 1], "t": [3, 1, 1, 2, 1], "x": [1.0, 2, 3, 4, 5]}
    )
    panel = PanelData(frame, "id", "t")
    np.testing.assert_array_equal(panel.entity_codes, [0, 0, 1, 2, 2])
    table, keys = lookup(frame), panel_keys(panel)
    np.testing.assert_array_equal(panel.lag("x"), brute_shift(table, keys, 1, 1))


def test_balance_info_text():
    frame = pd.DataFrame({"id": [1, 1, 2, 2], "t": [1, 2, 1, 2], "x": [1.0, 2, 3, 4]})
    info = PanelData(frame, "id", "t").balance
    assert info == BalanceInfo(2, 2, 4, 2, 2.0, 2, True, 0)
    assert str(info).startswith("balanced panel: 2 entities, 2 periods, 4 obs")


# ---------------------------------------------------------------- bad input
def test_duplicate_pairs_are_shown():
    frame = pd.DataFrame({"id": [1, 1, 2], "t": [1, 1, 1], "x": [1.0, 2.0, 3.0]})
    with pytest.raises(PanelDataError) as err:
        PanelData(frame, "id", "t")
    text = str(err.value)
    assert "2 rows share an (id, t) pair" in text and "de-duplicate" in text
    assert "\n0 " in text and "\n1 " in text and "\n2 " not in text  # the offending rows


def test_missing_key_values_are_shown():
    frame = pd.DataFrame({"id": [1, np.nan, 2], "t": [1, 2, 1], "x": [1.0, 2.0, 3.0]})
    with pytest.raises(PanelDataError, match=r"Key column 'id' has 1 missing value") as err:
        PanelData(frame, "id", "t")
    assert "NaN" in str(err.value) and "Drop or fill" in str(err.value)


def test_key_column_not_present_suggests_the_close_name():
    frame = pd.DataFrame({"firm": [1], "year": [1], "x": [1.0]})
    with pytest.raises(PanelDataError, match=r"entity='frim' .*Did you mean 'firm'\?"):
        PanelData(frame, "frim", "year")


def test_only_one_key_given():
    frame = pd.DataFrame({"id": [1], "t": [1]})
    with pytest.raises(PanelDataError, match=r"Give both entity= and time=.*time=None"):
        PanelData(frame, entity="id")


def test_no_keys_and_no_multiindex():
    with pytest.raises(PanelDataError, match=r"set_index\(\['province', 'year'\]\)"):
        PanelData(pd.DataFrame({"id": [1], "t": [1]}))


def test_unnamed_multiindex_levels():
    frame = pd.DataFrame({"x": [1.0, 2.0]}, index=pd.MultiIndex.from_tuples([(1, 1), (1, 2)]))
    with pytest.raises(PanelDataError, match="set_names"):
        PanelData(frame)


@pytest.mark.parametrize(
    ("values", "dtype_hint"),
    [(["2001", "2002"], "pd.to_numeric"), ([2001, "2002"], "object"), ([True, False], "bool")],
)
def test_time_key_not_orderable(values, dtype_hint):
    frame = pd.DataFrame({"id": [1, 1], "t": values})
    with pytest.raises(PanelDataError, match=r"Time key 't' has dtype .*no time order") as err:
        PanelData(frame, "id", "t")
    assert dtype_hint in str(err.value)


def test_not_a_dataframe_and_same_key_twice():
    with pytest.raises(PanelDataError, match="must be a pandas DataFrame, got dict"):
        PanelData({"id": [1]}, "id", "t")
    with pytest.raises(PanelDataError, match="must be different columns"):
        PanelData(pd.DataFrame({"id": [1]}), "id", "id")


def test_operator_on_text_column():
    panel = PanelData(pd.DataFrame({"id": [1, 1], "t": [1, 2], "s": ["a", "b"]}), "id", "t")
    with pytest.raises(PanelDataError, match="'s' is not numeric.*pd.to_numeric"):
        panel.lag("s")
    with pytest.raises(PanelDataError, match=r"'w' is not a column"):
        panel.lag("w")
    with pytest.raises(PanelDataError, match="must be 0 or more, got -1"):
        panel.diff("s", -1)


def test_as_panel_refuses_rekeying():
    panel = PanelData(pd.DataFrame({"id": [1], "t": [1], "u": [1]}), "id", "t")
    with pytest.raises(PanelDataError, match="cannot be re-keyed"):
        as_panel(panel, "u", "t")
