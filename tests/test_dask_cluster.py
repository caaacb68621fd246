"""The resampling engine on a dask.distributed LocalCluster gives loky's numbers.

One cluster of two worker processes (as a real cluster: every chunk and its arguments are
pickled to another process) serves panel VAR bands on a system with sparse uncollapsed
instruments (the linear-memory cross products travel to the workers), the mediation
bootstrap and Moran's I permutations (threshold bootstraps and index sensitivity have theirs
in tests/models/test_threshold.py and tests/index/test_sensitivity.py).  Same seed, same numbers,
whatever the backend (``benchmarks/README.md``, "Running on a cluster", has the recipe for a
real scheduler).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import stfi_models as sm
from stfi_models.datasets import simulate_mediation_panel
from stfi_models.models.mediation import mediate
from stfi_models.spatial import china_weights, moran

distributed = pytest.importorskip("distributed",
                                  reason="dask.distributed not installed (extra 'dask')")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client():
    """A two-process local cluster and its client, shared by the module."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as connected:
        yield connected


def _var_panel(entities: int = 60, periods: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    y = np.zeros((entities, periods + 10, 2))
    effect = rng.normal(size=(entities, 2))
    for t in range(1, periods + 10):
        y[:, t] = effect + 0.4 * y[:, t - 1] + rng.normal(size=(entities, 2))
    frame = pd.DataFrame(y[:, 10:].reshape(-1, 2), columns=["a", "b"])
    frame["id"] = np.repeat(np.arange(entities), periods)
    frame["t"] = np.tile(np.arange(periods), entities)
    return frame


def test_pvar_bands_with_sparse_instruments(client):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sm.fit("a + b ~ L(1)", _var_panel(), entity="id", time="t", model="pvar")
        on_dask = res.irf(4, kind="orth", ci="bootstrap", draws=24, seed=3, backend="dask",
                          progress=False)
        on_loky = res.irf(4, kind="orth", ci="bootstrap", draws=24, seed=3, n_jobs=2,
                          progress=False)
    np.testing.assert_allclose(on_dask.bands.lower, on_loky.bands.lower, rtol=1e-10,
                               atol=1e-18)
    np.testing.assert_allclose(on_dask.bands.upper, on_loky.bands.upper, rtol=1e-10,
                               atol=1e-18)


def test_mediation_bootstrap(client):
    df = simulate_mediation_panel(30, 5, seed=2)
    kwargs = {"entity": "id", "time": "year", "bootstrap": 30, "seed": 8, "progress": False}
    on_dask = mediate("x", "m", "y", df, backend="dask", **kwargs)
    on_loky = mediate("x", "m", "y", df, n_jobs=2, **kwargs)
    pd.testing.assert_frame_equal(on_dask.draws, on_loky.draws, check_exact=False, rtol=1e-12)


def test_moran_permutations(client):
    w = china_weights()
    y = pd.Series(np.random.default_rng(0).normal(size=len(w.ids)), index=list(w.ids))
    on_dask = moran(y, w, permutations=99, seed=5, backend="dask")
    on_loky = moran(y, w, permutations=99, seed=5, n_jobs=2)
    np.testing.assert_array_equal(on_dask.simulated, on_loky.simulated)
    assert on_dask.p_sim == on_loky.p_sim
