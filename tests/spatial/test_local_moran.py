"""Local Moran's I against spdep 1.2.7 (full table) and esda 2.9.0 (scaling convention).

References:

* validation/moran/columbus_localmoran_spdep_COLnb.csv: spdep ``localmoran()`` with its
  defaults (conditional randomisation, ``mlvar=TRUE``), Columbus CRIME on COL.nb, style W:
  I_i, E(I_i), Var(I_i), Z(I_i) and the two-sided p-value for all 49 areas, to 1e-10.
* validation/moran/reference.csv, columbus_libpysal_local: first six spdep I_i and esda
  ``Moran_Local.Is`` (= spdep x (n-1)/n) on libpysal's columbus.gal, to 1e-12.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import check_reference_row, reference_rows, validation_module
from matplotlib.figure import Figure

from stfi_models.exceptions import SpecificationError
from stfi_models.spatial import local_moran, moran

MORAN = validation_module("moran")  # the reference cases: data, GAL files, transforms
LOCAL_CASES = ("columbus_libpysal_local", "columbus_COLnb_local")


@pytest.fixture(scope="module")
def col_nb():
    return MORAN.load_case("columbus_COLnb_W")


@pytest.mark.parametrize(("topic", "row"), reference_rows("moran", cases=LOCAL_CASES))
def test_local_moran_reference_number(topic, row):
    """spdep and esda scalings of I_i on libpysal's columbus.gal, and the largest gap to
    spdep's full COL.nb table (validation/moran/compute.py)."""
    check_reference_row(topic, row)


def test_spdep_table_is_for_the_same_data(col_nb):
    """The spdep table compared by compute.py holds exactly our CRIME values, by region."""
    y, w = col_nb
    spdep = pd.read_csv(MORAN.FOLDER / "columbus_localmoran_spdep_COLnb.csv")
    res = local_moran(y, w, permutations=0).table.set_index("id")
    spdep = spdep.set_index("region_id")
    assert np.array_equal(res.loc[spdep.index, "value"], spdep["CRIME"])


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
    assert isinstance(res.plot(labels=True), Figure)


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
    assert isinstance(res.plot(period=5), Figure)
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
