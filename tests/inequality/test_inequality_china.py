"""Inequality tools on the bundled China panel: they run, plot and satisfy the identities.

No particular values are asserted (there is no published decomposition of this panel); the
checks are shapes, the exact identities and the known data gap (R&D intensity is missing for
every province in 2010).
"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from stfi_models.datasets import china_regions, load_china_provinces
from stfi_models.exceptions import MissingValueWarning
from stfi_models.inequality import dagum_gini, kernel_density, theil


@pytest.fixture(scope="module")
def panel():
    return load_china_provinces()


@pytest.fixture(scope="module")
def dagum(panel):
    with pytest.warns(MissingValueWarning, match="dropped 31 of 434"):
        return dagum_gini(panel, "rd_intensity", "region3", by="year")


def test_region3_matches_regions_table(panel):
    regions = china_regions("region3", key="prov_code")
    assert (panel["region3"] == panel["prov_code"].map(regions)).all()


def test_dagum_every_year(dagum):
    s = dagum.summary
    assert list(s["year"]) == list(range(2011, 2024))  # 2010: rd_intensity missing
    assert dagum.n_dropped == 31
    assert (s["n"] == 31).all()
    assert np.allclose(s["G"], s["G_w"] + s["G_nb"] + s["G_t"], atol=1e-12)
    assert np.allclose(s[["share_w", "share_nb", "share_t"]].sum(axis=1), 1.0, atol=1e-12)
    assert ((s["G"] > 0) & (s["G"] < 1)).all()
    assert dagum.groups.shape == (13 * 3, 8)
    assert dagum.pairs.shape == (13 * 3, 7)
    assert dagum.pairs["D_jh"].between(0, 1).all()
    assert set(dagum.groups["group"]) == {"east", "central", "west"}
    assert dagum.matrix(2023).shape == (3, 3)


@pytest.mark.parametrize("kind", ["shares", "within", "between"])
def test_dagum_plots(dagum, kind):
    assert isinstance(dagum.plot(kind), Figure)


def test_theil_every_year(panel):
    with pytest.warns(MissingValueWarning):
        res = theil(panel, "rd_intensity", "region3", by="year")
    s = res.summary
    assert s.shape[0] == 13 * 2
    assert np.allclose(s["within"] + s["between"], s["total"], atol=1e-12)


@pytest.mark.parametrize("kind", ["lines", "surface", "ridge"])
def test_kernel_density_plots(panel, kind):
    with pytest.warns(MissingValueWarning):
        res = kernel_density(panel, "rd_intensity", by="year", n_points=100)
    assert res.grid.shape == (13 * 100, 3)
    assert res.to_wide().shape == (100, 13)
    assert (res.grid["density"] >= 0).all()
    assert isinstance(res.plot(kind), Figure)
