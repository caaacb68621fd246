"""The covariance algebra in linear time equals its textbook forms.

Cluster intersections are numbered by hashing (not by sorting rows), cluster scores summed by
``np.bincount`` and the bread reused from the estimator's factorization; each is compared
with the direct computation (``np.unique`` over rows, ``np.add.at``, a fresh factorization,
pandas ``groupby`` sums of the multi-way sandwich).
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stfi_models as sm
from stfi_models.exceptions import SpecificationWarning
from stfi_models._groups import group_sums
from stfi_models.inference.covariance import _joint_codes, compute_vcov, resolve_vcov
from stfi_models.models import lstsq
from stfi_models.models.base import model_class


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_joint_codes_number_intersections_as_unique_rows(data):
    n = data.draw(st.integers(1, 60))
    sizes = data.draw(st.lists(st.integers(1, 7), min_size=1, max_size=4))
    columns = [pd.factorize(np.asarray(data.draw(st.lists(st.integers(0, g - 1), min_size=n,
                                                          max_size=n))), sort=True)[0]
               for g in sizes]
    codes = np.column_stack(columns)
    want = np.unique(codes, axis=0, return_inverse=True)[1].ravel()
    np.testing.assert_array_equal(_joint_codes(codes), want)


def test_group_sums_equal_add_at():
    rng = np.random.default_rng(0)
    x, e = rng.normal(size=(500, 3)), rng.normal(size=500)
    joint = rng.integers(0, 40, size=500)
    joint[:40] = np.arange(40)  # every cluster present
    want = np.zeros((40, 3))
    np.add.at(want, joint, x * e[:, None])
    np.testing.assert_array_equal(group_sums(x, joint, 40, weights=e), want)
    unweighted = np.zeros((40, 3))
    np.add.at(unweighted, joint, x)
    np.testing.assert_array_equal(group_sums(x, joint, 40), unweighted)


def _fits():
    ab = sm.load_abdata()
    for model in ("pooled", "fe", "re", "fd", "between"):
        spec = "n ~ w + k + ys" + (" + C(year)" if model in ("pooled", "fe") else "")
        yield model, model_class(model).from_formula(spec, ab, entity="id", time="year")


@pytest.mark.parametrize("vcov", ["unadjusted", "robust", "CR2"])
def test_the_reused_factorization_gives_the_recomputed_covariance(vcov):
    """Regression.bread from the estimator's QR equals factoring x again, bit for bit."""
    for model, est in _fits():
        if model == "between" and vcov == "CR2":
            continue
        reg = est._fitted.reg
        fresh = replace(reg, xtx_inv=None)
        np.testing.assert_array_equal(reg.bread, lstsq.gram_inverse(reg.x), err_msg=model)
        keyed = est._keyed_frame
        keys = (est.panel.entity, est.panel.time)
        choice = resolve_vcov(vcov)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SpecificationWarning)
            got = compute_vcov(choice, reg, keyed, keys).cov
            want = compute_vcov(choice, fresh, keyed, keys).cov
        np.testing.assert_array_equal(got, want, err_msg=model)


def test_multiway_cluster_sandwich_equals_groupby_sums():
    """Two- and three-way CR0 pieces with G/(G-1), against pandas groupby sums."""
    ab = sm.load_abdata().assign(region=lambda d: d["id"] % 7, era=lambda d: d["year"] // 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpecificationWarning)  # era has 4 clusters
        res = sm.fit("n ~ w + k + C(id)", ab, entity="id", time="year", vcov="cluster",
                     cluster=["id", "region", "era"], df_adjust="none")
    reg = model_class("fe").from_formula("n ~ w + k + C(id)", ab, entity="id",
                                            time="year")._fitted.reg
    sample = ab.set_index(["id", "year"]).loc[reg.index].reset_index()
    scores = pd.DataFrame(reg.x * reg.resid[:, None])
    meat = np.zeros((2, 2))
    names = ["id", "region", "era"]
    for size in (1, 2, 3):
        for dims in combinations(names, size):
            sums = scores.groupby([sample[d] for d in dims]).sum().to_numpy()
            g = sums.shape[0]
            meat += (-1) ** (size + 1) * g / (g - 1) * sums.T @ sums
    bread = np.linalg.inv(reg.x.T @ reg.x)
    np.testing.assert_allclose(res.cov.to_numpy(), bread @ meat @ bread, rtol=1e-9)
