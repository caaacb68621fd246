"""Local Moran's I against spdep 1.2.7 (full table) and esda 2.9.0 (scaling convention).

References:

* validation/moran/columbus_localmoran_spdep_COLnb.csv: spdep ``localmoran()`` with its
  defaults (conditional randomisation, ``mlvar=TRUE``), Columbus CRIME on COL.nb, style W:
  I_i, E(I_i), Var(I_i), Z(I_i) and the two-sided p-value for all 49 areas, to 1e-10.
* validation/moran/reference.csv, columbus_libpysal_local: first six spdep I_i and esda
  ``Moran_Local.Is`` (= spdep x (n-1)/n) on libpysal's columbus.gal, to 1e-12.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.pyplot
import numpy as np
import pandas as pd
import pytest

from conftest import load_reference
from stfi_models.exceptions import SpecificationError
from stfi_models.spatial import local_moran, moran, read_gal

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    matplotlib.pyplot.close("all")

FOLDER = Path(__file__).resolve().parents[2] / "validation" / "moran"
INPUTS = FOLDER / "inputs"
REF = load_reference("moran")


@pytest.fixture(scope="module")
def col_nb():
    data = pd.read_csv(INPUTS / "columbus_spdep_oldcol.csv").set_index("region_id")["CRIME"]
    return data, read_gal(INPUTS / "columbus_spdep_COLnb.gal")


@pytest.fixture(scope="module")
def libpysal_columbus():
    data = pd.read_csv(INPUTS / "columbus_libpysal.csv").set_index("POLYID")["CRIME"]
    return data, read_gal(INPUTS / "columbus_libpysal.gal")


def test_spdep_full_table(col_nb):
    y, w = col_nb
    spdep = pd.read_csv(FOLDER / "columbus_localmoran_spdep_COLnb.csv").set_index("region_id")
    tol = REF.set_index("case").loc["columbus_COLnb_local", "tolerance"]
    res = local_moran(y, w, permutations=0).table.set_index("id").loc[spdep.index]
    assert np.allclose(res["value"], spdep["CRIME"], atol=0, rtol=0)
    for ours, theirs in [("I", "I_i"), ("expected", "E_I_i"), ("variance", "Var_I_i"),
                         ("z", "Z_I_i"), ("p_norm", "p_two_sided")]:
        assert np.abs(res[ours] - spdep[theirs]).max() < tol, ours


def _local_rows(quantity):
    rows = REF.loc[(REF["case"] == "columbus_libpysal_local") & (REF["quantity"] == quantity)]
    return [pytest.param(int(r.term), r.value, r.tolerance, id=f"{quantity}-{r.term}")
            for r in rows.itertuples()]


@pytest.mark.parametrize(("unit", "value", "tol"), _local_rows("I_spdep"))
def test_spdep_scaling(libpysal_columbus, unit, value, tol):
    y, w = libpysal_columbus
    table = local_moran(y, w, permutations=0, scaling="spdep").table.set_index("id")
    assert table.loc[unit, "I"] == pytest.approx(value, abs=tol)


@pytest.mark.parametrize(("unit", "value", "tol"), _local_rows("I_esda"))
def test_esda_scaling(libpysal_columbus, unit, value, tol):
    y, w = libpysal_columbus
    table = local_moran(y, w, permutations=0, scaling="esda").table.set_index("id")
    assert table.loc[unit, "I"] == pytest.approx(value, abs=tol)


def test_scalings_differ_by_factor_and_share_z(col_nb):
    y, w = col_nb
    a = local_moran(y, w, permutations=0).table
    b = local_moran(y, w, permutations=0, scaling="esda").table
    n = w.n
    assert np.allclose(b["I"], a["I"] * (n - 1) / n, atol=1e-15)
    assert np.allclose(b["variance"], a["variance"] * ((n - 1) / n) ** 2, atol=1e-15)
    assert np.allclose(a["z"], b["z"], atol=1e-12)
    # row-standardised: the spdep local values average to the global I
    assert a["I"].mean() == pytest.approx(moran(y, w, permutations=0).I, abs=1e-12)


def test_quadrants_clusters_and_permutations(col_nb):
    y, w = col_nb
    res = local_moran(y, w, permutations=199, seed=11, alpha=0.05)
    t = res.table
    z = t["value"] - t["value"].mean()
    lag = w.lag(z.to_numpy())
    assert (t.loc[(z > 0) & (lag > 0), "quadrant"] == "HH").all()
    assert (t.loc[(z < 0) & (lag < 0), "quadrant"] == "LL").all()
    assert (t.loc[(z > 0) & (lag < 0), "quadrant"] == "HL").all()
    assert (t.loc[(z < 0) & (lag > 0), "quadrant"] == "LH").all()
    assert ((t["p_sim"] >= 1 / 200) & (t["p_sim"] <= 1)).all()
    sig = t["p_sim"] <= 0.05
    assert (t.loc[sig, "cluster"] == t.loc[sig, "quadrant"]).all()
    assert (t.loc[~sig, "cluster"] == "ns").all()
    again = local_moran(y, w, permutations=199, seed=11)
    assert np.array_equal(again.table["p_sim"], t["p_sim"])
    # conditional permutation and analytic conditional moments agree on the strong cases
    strong = t["p_norm"] < 0.001
    assert strong.any() and (t.loc[strong, "p_sim"] <= 0.02).all()
    counts = res.counts()
    assert counts.to_numpy().sum() == w.n
    assert list(counts.columns) == ["HH", "LL", "HL", "LH", "ns"]
    assert isinstance(res.plot(labels=True), matplotlib.figure.Figure)


def test_by_period_and_errors(col_nb):
    y, w = col_nb
    long = pd.concat([pd.DataFrame({"id": y.index, "x": y.to_numpy() + k, "t": k})
                      for k in (0, 5)])
    res = local_moran(long, w, "x", id="id", by="t", permutations=0)
    assert res.table.shape[0] == 2 * w.n
    first, second = (res.table.loc[res.table["t"] == k, "I"].to_numpy() for k in (0, 5))
    assert np.allclose(first, second, atol=1e-12)  # shift invariance
    assert res.counts().shape == (2, 5)
    with pytest.raises(SpecificationError, match="period="):
        res.plot()
    assert isinstance(res.plot(period=5), matplotlib.figure.Figure)
    with pytest.raises(SpecificationError, match="Did you mean 'esda'"):
        local_moran(y, w, scaling="esd")
    with pytest.raises(SpecificationError, match="alpha"):
        local_moran(y, w, alpha=5)


@pytest.mark.parametrize(("population", "k"), [(8, 4), (48, 5), (10, 9)])
def test_conditional_draws_are_uniform_without_replacement(population, k):
    from stfi_models.spatial.local import _draw_without_replacement

    draws = _draw_without_replacement(np.random.default_rng(0), population, k, 4000)
    assert draws.shape == (4000, k)
    assert all(len(set(row)) == k for row in draws)
    # every item is equally likely in every slot: frequencies within 5 binomial SDs
    p = 1 / population
    sd = np.sqrt(4000 * p * (1 - p))
    for slot in range(k):
        counts = np.bincount(draws[:, slot], minlength=population)
        assert np.abs(counts - 4000 * p).max() < 5 * sd
