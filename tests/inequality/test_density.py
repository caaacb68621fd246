"""Kernel densities per period: bandwidth rules and density values against R.

References (validation/gini/reference.csv, kde_mexico1940): R 4.2 ``bw.nrd0`` (Silverman),
``bw.nrd`` (Scott) and the exact Gaussian kernel sum at two points
(validation/gini/kde_bandwidth.R). Plus the equivalence with scipy's gaussian_kde at the same
bandwidth, unit mass, shapes and plots.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import check_reference_row, reference_rows, validation_module
from matplotlib.figure import Figure
from scipy import stats

from stfi_models.exceptions import MissingValueWarning, SpecificationError
from stfi_models.inequality import bandwidth_rule, kernel_density

GINI = validation_module("gini")  # the reference cases and their inputs


@pytest.fixture(scope="module")
def mexico():
    return pd.read_csv(GINI.INPUTS / "mexico_pcgdp1940_hanson98.csv")


@pytest.mark.parametrize(("topic", "row"), reference_rows("gini", cases=("kde_",)))
def test_kde_reference_number(topic, row):
    """R's bw.nrd0 / bw.nrd and the Gaussian kernel sums at 7000 and 10000
    (validation/gini/compute.py)."""
    check_reference_row(topic, row)


def test_equals_scipy_gaussian_kde_at_same_bandwidth(mexico):
    x = mexico["pcgdp1940"].to_numpy()
    res = kernel_density(mexico, "pcgdp1940", by=None, bandwidth=1500.0, n_points=50)
    kde = stats.gaussian_kde(x, bw_method=1500.0 / x.std(ddof=1))
    assert np.allclose(res.grid["density"], kde(res.grid["x"]), rtol=1e-10, atol=0)


def test_grid_shapes_unit_mass_and_by():
    rng = np.random.default_rng(1)
    data = pd.DataFrame({"v": rng.normal(size=90), "year": np.repeat([2010, 2011, 2012], 30)})
    res = kernel_density(data, "v", n_points=400, cut=8)
    assert res.grid.shape == (1200, 3)
    assert list(res.grid.columns) == ["year", "x", "density"]
    assert res.to_wide().shape == (400, 3)
    assert list(res.bandwidths["year"]) == [2010, 2011, 2012]
    for year in (2010, 2011, 2012):
        d = res.grid.loc[res.grid["year"] == year]
        assert np.trapezoid(d["density"], d["x"]) == pytest.approx(1.0, abs=1e-6)
        h = bandwidth_rule(data.loc[data["year"] == year, "v"].to_numpy())
        assert res.bandwidths.set_index("year").loc[year, "bandwidth"] == pytest.approx(h)


@pytest.mark.parametrize("kind", ["lines", "surface", "ridge"])
def test_plots(kind):
    data = pd.DataFrame({"v": np.tile(np.arange(10.0), 3), "year": np.repeat([1, 2, 3], 10)})
    fig = kernel_density(data, "v", bandwidth="scott").plot(kind)
    assert isinstance(fig, Figure)


def test_bad_input():
    data = pd.DataFrame({"v": [1.0, 2.0, np.nan, 4.0], "year": [1, 1, 2, 2]})
    with pytest.warns(MissingValueWarning, match="dropped 1"):
        with pytest.raises(SpecificationError, match="at least 2 values"):
            kernel_density(data, "v")
    with pytest.raises(SpecificationError, match="positive number"):
        kernel_density(data, "v", bandwidth=-1.0)
    with pytest.raises(SpecificationError, match="Did you mean 'scott'"):
        kernel_density(data, "v", bandwidth="scot")
