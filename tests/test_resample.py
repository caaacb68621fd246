"""The resampling engine: same seed, same numbers, whatever n_jobs, chunking or backend."""

import numpy as np
import pandas as pd
import pytest

from stfi_models.exceptions import SpecificationError
from stfi_models.resample import DrawChunk, Resampling, map_chunks, map_draws, resolve_seed


def _mean_of_normals(rng, n):
    return float(rng.normal(size=n).mean())


def _blas_threads(rng):
    from threadpoolctl import threadpool_info

    return max((i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"),
               default=1)


def _chunk_sum(chunk: DrawChunk, scale):
    return np.array([scale * g.random() for g in chunk.generators()])


def test_same_seed_same_numbers_across_chunking_and_jobs():
    ref = map_draws(_mean_of_normals, 50, seed=3, args=(5,))
    assert ref == map_draws(_mean_of_normals, 50, seed=3, args=(5,), chunk_size=7)
    assert ref == map_draws(_mean_of_normals, 50, seed=3, args=(5,), n_jobs=2)
    assert ref != map_draws(_mean_of_normals, 50, seed=4, args=(5,))


def test_draw_r_depends_on_seed_and_r_only():
    short = map_draws(_mean_of_normals, 10, seed=9, args=(3,))
    long = map_draws(_mean_of_normals, 30, seed=9, args=(3,))
    assert short == long[:10]


def test_map_chunks_keeps_order_and_indices():
    out = map_chunks(_chunk_sum, 23, seed=1, chunk_size=5, args=(2.0,))
    assert [len(c) for c in out] == [5, 5, 5, 5, 3]
    flat = np.concatenate(out)
    again = np.concatenate(map_chunks(_chunk_sum, 23, seed=1, n_jobs=2, args=(2.0,)))
    np.testing.assert_array_equal(flat, again)


def test_blas_limited_to_one_thread_in_sequential_path():
    assert set(map_draws(_blas_threads, 3, seed=0)) == {1}


def test_seed_none_is_recorded_and_reproducible():
    opts = Resampling.of(5, None)
    again = Resampling.of(5, np.random.SeedSequence(opts.seed.entropy))
    a = map_draws(_mean_of_normals, 5, options=opts, args=(4,))
    b = map_draws(_mean_of_normals, 5, options=again, args=(4,))
    assert a == b


@pytest.mark.parametrize(
    "kwargs, word",
    [
        ({"draws": 0}, "draws"),
        ({"draws": 2.5}, "draws"),
        ({"draws": 10**12}, "limit"),
        ({"draws": 5, "seed": "abc"}, "seed"),
        ({"draws": 5, "seed": -1}, "seed"),
        ({"draws": 5, "n_jobs": 0}, "n_jobs"),
        ({"draws": 5, "backend": "spark"}, "backend"),
        ({"draws": 5, "progress": "yes"}, "progress"),
    ],
)
def test_bad_options_are_our_errors(kwargs, word):
    with pytest.raises(SpecificationError, match=word):
        map_draws(_mean_of_normals, args=(3,), **kwargs)


def test_resolve_seed_rejects_generator():
    with pytest.raises(SpecificationError, match="SeedSequence"):
        resolve_seed(np.random.default_rng(1))


def test_dask_without_client_is_a_clear_error():
    distributed = pytest.importorskip("distributed")
    try:
        distributed.get_client()
        pytest.skip("a client is running in this process")
    except ValueError:
        pass
    with pytest.raises(SpecificationError, match="Client"):
        map_draws(_mean_of_normals, 3, seed=1, backend="dask", args=(3,))


@pytest.mark.slow
def test_dask_local_cluster_equals_loky():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        on_dask = map_draws(_mean_of_normals, 40, seed=11, backend="dask", args=(6,))
    assert on_dask == map_draws(_mean_of_normals, 40, seed=11, args=(6,))


# ---------------------------------------------------------------------------- engine users
def _china_cross_section():
    import stfi_models as sm

    w = sm.china_weights(key="province_en")
    frame = sm.load_china_provinces().query("year == 2020").set_index("province_en")
    return frame.loc[list(w.ids), "rd_exp_total"].to_numpy(dtype=float), w


def test_moran_and_geary_permutations_do_not_depend_on_n_jobs():
    import stfi_models as sm

    y, w = _china_cross_section()
    for func in (sm.moran, sm.geary):
        one = func(y, w, permutations=300, seed=7)
        two = func(y, w, permutations=300, seed=7, n_jobs=2)
        np.testing.assert_array_equal(one.simulated, two.simulated)
        assert one.p_sim == two.p_sim


def test_local_moran_permutations_do_not_depend_on_n_jobs():
    import stfi_models as sm

    y, w = _china_cross_section()
    one = sm.local_moran(y, w, permutations=200, seed=3).table
    two = sm.local_moran(y, w, permutations=200, seed=3, n_jobs=2).table
    np.testing.assert_array_equal(one["p_sim"], two["p_sim"])


def test_panel_periods_get_their_own_reshuffles():
    import stfi_models as sm

    y, w = _china_cross_section()
    frame = pd.DataFrame({"id": list(w.ids) * 2, "t": [1] * w.n + [2] * w.n,
                          "v": np.concatenate([y, y])})
    res = sm.moran(frame, w, "v", id="id", by="t", permutations=99, seed=2)
    first, second = (res.results[t].simulated for t in (1, 2))
    assert not np.array_equal(first, second)  # same data, different child seeds
