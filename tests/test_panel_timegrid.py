"""Time grids of date, Period and non-integer numeric keys (issue 11): gaps are gaps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import stfi_models as sm
from stfi_models.exceptions import PanelDataError
from stfi_models.panel import PanelData


def _yearly(dates):
    n = len(dates)
    return pd.DataFrame({"id": [1] * n + [2] * n, "t": pd.to_datetime(dates * 2),
                         "x": np.arange(2.0 * n)})


def test_year_missing_from_the_whole_panel_is_a_gap_for_dates():
    frame = _yearly(["2000-12-31", "2001-12-31", "2003-12-31"])  # 2002 absent everywhere
    panel = PanelData(frame, "id", "t")
    assert panel.freq == "Y"
    np.testing.assert_array_equal(panel.time_positions, [0, 1, 3, 0, 1, 3])
    np.testing.assert_array_equal(panel.lag("x"), [np.nan, 0, np.nan, np.nan, 3, np.nan])


def test_lag_does_not_bridge_the_missing_year_in_fit():
    rng = np.random.default_rng(0)
    years = [2000, 2001, 2002, 2004, 2005, 2006]
    frame = pd.DataFrame({"id": np.repeat(np.arange(8), 6), "year": np.tile(years, 8)})
    frame["x"], frame["y"] = rng.normal(size=48), rng.normal(size=48)
    dated = frame.assign(year=pd.to_datetime(frame.year.astype(str) + "-07-01"))
    ints = sm.fit("y ~ L(x)", frame, entity="id", time="year")
    dates = sm.fit("y ~ L(x)", dated, entity="id", time="year")
    assert dates.nobs == ints.nobs == 8 * 4
    np.testing.assert_allclose(dates.params, ints.params, rtol=1e-12)


def test_quarterly_dates_are_inferred_and_freq_can_be_given():
    frame = pd.DataFrame({"id": [1, 1, 1], "t": pd.to_datetime(["2000-03-31", "2000-06-30",
                                                                "2000-12-31"]),
                          "x": [1.0, 2.0, 3.0]})
    panel = PanelData(frame, "id", "t")
    assert panel.freq == "Q"
    np.testing.assert_array_equal(panel.lag("x"), [np.nan, 1.0, np.nan])
    monthly = PanelData(frame, "id", "t", freq="M")  # months 3, 6, 12: a period is 3 months
    assert monthly.freq == "M" and monthly.delta == 3
    np.testing.assert_array_equal(monthly.time_positions, [0, 1, 3])


def test_freq_that_merges_an_entitys_dates_is_refused():
    frame = pd.DataFrame({"id": [1, 1], "t": pd.to_datetime(["2000-01-31", "2000-02-29"]),
                          "x": [1.0, 2.0]})
    with pytest.raises(PanelDataError, match=r"freq='Y' puts several dates of one entity"):
        PanelData(frame, "id", "t", freq="Y")


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"freq": "Y"}, "freq= applies to date time keys only; 't'"),
    ({"delta": -1}, "delta must be a positive integer"),
])
def test_grid_options_that_do_not_fit_integer_keys(kwargs, words):
    frame = pd.DataFrame({"id": [1, 1], "t": [2000, 2001], "x": [1.0, 2.0]})
    with pytest.raises(PanelDataError, match=words):
        PanelData(frame, "id", "t", **kwargs)


def test_bad_freq_string_is_ours():
    with pytest.raises(PanelDataError, match=r"freq='fortnight' is not a pandas period"):
        PanelData(_yearly(["2000-01-01", "2001-01-01"]), "id", "t", freq="fortnight")


def test_non_integer_times_need_a_step():
    frame = pd.DataFrame({"id": [1, 1, 1], "t": [2000.0, 2000.25, 2000.75], "x": [1.0, 2, 3]})
    with pytest.raises(PanelDataError, match=r"'t' has non-integer values .* give delta="):
        PanelData(frame, "id", "t")
    panel = PanelData(frame, "id", "t", delta=0.25)
    np.testing.assert_array_equal(panel.time_positions, [0, 1, 3])
    np.testing.assert_array_equal(panel.lag("x"), [np.nan, 1.0, np.nan])
    with pytest.raises(PanelDataError, match=r"delta=0.5 does not fit .*\[2000.25, 2000.75\]"):
        PanelData(frame, "id", "t", delta=0.5)


def test_fit_takes_the_grid_options_and_suggests_them():
    frame = pd.DataFrame({"id": np.repeat([1, 2, 3], 4), "t": np.tile([0.0, 0.5, 1.0, 1.5], 3),
                          "x": np.arange(12.0), "y": np.arange(12.0) ** 1.5})
    res = sm.fit("y ~ x", frame, entity="id", time="t", delta=0.5)
    assert res.nobs == 12
    with pytest.raises(sm.SpecificationError, match="Did you mean 'delta'"):
        sm.fit("y ~ x", frame.assign(t=frame.t * 2), entity="id", time="t", detla=1)


@pytest.mark.parametrize(("formula", "data", "error", "words"), [
    ("n ~ n + w", None, sm.FormulaError, "dependent variable 'n' is also on the right-hand"),
    ("c ~ w", 1.0, sm.EstimationError, "dependent variable 'c' is constant"),
])
def test_degenerate_dependent_variable_is_refused(formula, data, error, words):
    ab = sm.load_abdata().assign(c=data) if data is not None else sm.load_abdata()
    with pytest.raises(error, match=words):
        sm.fit(formula, ab, entity="id", time="year")
