"""Moran's I on the bundled China panel: runs per year, shapes and identities (no values)."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from stfi_models.datasets import load_china_provinces
from stfi_models.spatial import china_weights, local_moran, moran


@pytest.fixture(scope="module")
def panel():
    data = load_china_provinces()
    return data.assign(log_rd=np.log(data["rd_exp_total"]))


def test_global_moran_every_year(panel):
    w = china_weights()
    res = moran(panel, w, "log_rd", id="prov_code", by="year", permutations=99, seed=5)
    t = res.table
    assert list(t["year"]) == list(range(2010, 2024))
    assert np.allclose(t["expected"], -1 / 30)
    assert (t["I"].abs() < 1).all()
    assert ((t["p_sim"] > 0) & (t["p_sim"] <= 1)).all()
    assert (t["n"] == 31).all()
    # binary weights give another statistic on the same data, same expectation
    binary = moran(panel, china_weights("binary"), "log_rd", id="prov_code", by="year",
                   permutations=0)
    assert np.allclose(binary.table["expected"], -1 / 30)
    assert isinstance(res.plot(), Figure)
    assert isinstance(res[2023].plot(labels=True), Figure)


def test_local_moran_every_year(panel):
    w = china_weights()
    res = local_moran(panel, w, "log_rd", id="prov_code", by="year", permutations=99, seed=5)
    assert res.table.shape[0] == 31 * 14
    glob = moran(panel, w, "log_rd", id="prov_code", by="year", permutations=0).table
    means = res.table.groupby("year")["I"].mean().to_numpy()
    assert np.allclose(means, glob["I"], atol=1e-12)  # row-standardised: mean I_i = I
    assert res.counts().to_numpy().sum() == 31 * 14
    assert isinstance(res.plot(period=2015), Figure)
