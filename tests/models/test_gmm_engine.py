"""Unit tests of the shared GMM machinery (transforms, instruments, H, estimator)."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stfi_models.exceptions import EstimationError, SpecificationWarning
from stfi_models.models.gmm import engine as ge


def _panel(rows):
    ent = np.array([r[0] for r in rows])
    time = np.array([r[1] for r in rows])
    val = np.array([r[2] for r in rows], dtype=float)
    return ent, time, val


def test_first_difference_respects_gaps_and_entities():
    ent, time, val = _panel([(0, 0, 1.0), (0, 1, 3.0), (0, 3, 10.0), (0, 4, 11.0), (1, 1, 5.0),
                             (1, 2, 2.0)])
    d = ge.first_difference(val, ent, time)
    np.testing.assert_array_equal(np.isnan(d), [True, False, True, False, True, False])
    np.testing.assert_allclose(d[[1, 3, 5]], [2.0, 1.0, -3.0])


def test_forward_orthogonal_deviations_by_hand():
    ent, time, val = _panel([(0, 0, 1.0), (0, 1, 2.0), (0, 3, 6.0), (1, 0, 4.0), (1, 1, 8.0)])
    out, label = ge.forward_orthogonal_deviations(val, ent, time)
    # entity 0: later rows skip the gap (xtabond2): t=0 -> mean(2, 6), t=1 -> 6
    expected = [np.sqrt(2 / 3) * (1 - 4), np.sqrt(1 / 2) * (2 - 6), np.nan,
                np.sqrt(1 / 2) * (4 - 8), np.nan]
    np.testing.assert_allclose(out, expected)
    np.testing.assert_array_equal(label, time + 1)


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 7), st.integers(1, 4), st.integers(0, 10_000))
def test_fod_is_orthonormal_transform_of_within_deviations(t_len, n_ent, seed):
    """FOD rows are orthonormal and annihilate constants: ||FOD(x)||^2 = ||x - mean(x)||^2."""
    rng = np.random.default_rng(seed)
    ent = np.repeat(np.arange(n_ent), t_len)
    time = np.tile(np.arange(t_len), n_ent)
    x = rng.normal(size=ent.size)
    out, _ = ge.forward_orthogonal_deviations(x, ent, time)
    for e in range(n_ent):
        xe = x[ent == e]
        oe = out[ent == e][:-1]
        assert np.isnan(out[ent == e][-1])
        np.testing.assert_allclose(oe @ oe, ((xe - xe.mean()) ** 2).sum(), atol=1e-10)
    const, _ = ge.forward_orthogonal_deviations(np.full(ent.size, 3.0), ent, time)
    np.testing.assert_allclose(const[np.isfinite(const)], 0.0, atol=1e-12)


def test_gmm_style_uncollapsed_and_collapsed():
    ent = np.array([0, 0, 0, 0, 1, 1, 1])
    time = np.array([0, 1, 2, 3, 1, 2, 3])
    val = np.array([1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 30.0])
    eq_ent, eq_time = np.array([0, 0, 1]), np.array([2, 3, 3])
    m, names = ge.gmm_style(val, ent, time, eq_ent, eq_time, (2, None))
    # t=2: lag 2 (1 col); t=3: lags 2, 3 (2 cols)
    assert names == ("z: lag 2, t=2", "z: lag 2, t=3", "z: lag 3, t=3")
    np.testing.assert_array_equal(m, [[1, 0, 0], [0, 2, 1], [0, 10, 0]])
    mc, names_c = ge.gmm_style(val, ent, time, eq_ent, eq_time, (2, None), collapse=True)
    assert names_c == ("z: lag 2", "z: lag 3")
    np.testing.assert_array_equal(mc, [[1, 0], [2, 1], [10, 0]])
    empty, none = ge.gmm_style(val, ent, time, eq_ent, eq_time, (5, 6))
    assert empty.shape == (3, 0) and none == ()


def test_independent_columns_greedy_in_order():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=20), rng.normal(size=20)
    m = np.column_stack([a, np.zeros(20), b, a + 2 * b, rng.normal(size=20)])
    np.testing.assert_array_equal(ge.independent_columns(m), [0, 2, 4])


def test_h_structures_match_dense_matrices():
    ent = np.array([0, 0, 0, 1, 1, 0, 0, 1])
    time = np.array([1, 2, 4, 2, 3, 1, 2, 3])
    d_rows, l_rows = np.arange(5), np.arange(5, 8)
    rng = np.random.default_rng(1)
    z = rng.normal(size=(8, 3))

    def dense(h):
        out = np.zeros((8, 8))
        np.add.at(out, (h.a, h.b), h.w)
        return out

    h1 = dense(ge.h_first_difference(ent, time, d_rows))
    assert h1[0, 1] == -1 and h1[1, 2] == 0 and h1[0, 0] == 2 and h1[3, 4] == -1
    h3 = dense(ge.h_system(ent, time, d_rows, l_rows, kind=3))
    # diff row (0, t=2) with level row (0, t=2): +1; with level row (0, t=1): -1
    assert h3[1, 6] == 1 and h3[1, 5] == -1 and h3[6, 1] == 1
    np.testing.assert_allclose(h3, h3.T)
    h2 = dense(ge.h_system(ent, time, d_rows, l_rows, kind=2))
    assert np.all(h2[:5, 5:] == 0)
    hs = ge.h_system(ent, time, d_rows, l_rows, kind=3)
    np.testing.assert_allclose(hs.cross(z), z.T @ h3 @ z)


def test_gmm_fit_refuses_underidentified_and_warns_on_singular():
    rng = np.random.default_rng(2)
    n = 60
    ent = np.repeat(np.arange(20), 3)
    x = rng.normal(size=(n, 2))
    y = x @ [1.0, -1.0] + rng.normal(size=n)
    h = ge.h_identity(n)
    with pytest.raises(EstimationError, match="not identified"):
        ge.gmm_fit(y, x, x[:, :1], ent, h)
    z = np.column_stack([x, x[:, 0]])  # duplicated column: Z'HZ singular
    with pytest.warns(SpecificationWarning, match="singular"):
        fit = ge.gmm_fit(y, x, z, ent, h)
    assert fit.singular
    # OLS when Z = X and H = I
    np.testing.assert_allclose(ge.gmm_fit(y, x, x, ent, h, steps=1).params,
                               np.linalg.lstsq(x, y, rcond=None)[0], atol=1e-12)


def test_iterated_gmm_converges_to_a_fixed_point():
    rng = np.random.default_rng(3)
    n = 400
    ent = np.repeat(np.arange(100), 4)
    z = rng.normal(size=(n, 4))
    x = z[:, :2] + rng.normal(size=(n, 2)) * 0.5
    y = x @ [0.5, 2.0] + rng.normal(size=n) * (1 + np.abs(z[:, 0]))
    fit = ge.gmm_fit(y, x, z, ent, ge.h_identity(n), steps="iterated")
    gi = ge.entity_sums(z * (y - x @ fit.params)[:, None], ent)
    w = np.linalg.inv(gi.T @ gi)
    zx = z.T @ x
    again = np.linalg.solve(zx.T @ w @ zx, zx.T @ w @ (z.T @ y))
    np.testing.assert_allclose(fit.params, again, atol=1e-9)


def test_stacked_equations_one_step_equals_separate_fits():
    rng = np.random.default_rng(4)
    n = 300
    ent = np.repeat(np.arange(60), 5)
    time = np.tile(np.arange(5), 60)
    h = ge.h_first_difference(ent, time)
    zs = [rng.normal(size=(n, 4)), rng.normal(size=(n, 3))]
    xs = [zs[0][:, :2] + rng.normal(size=(n, 2)), zs[1][:, :1] + rng.normal(size=(n, 1))]
    ys = [xs[0] @ [1.0, 2.0] + rng.normal(size=n), xs[1][:, 0] * -1 + rng.normal(size=n)]
    y, x, z, e, hs = ge.stack_equations(ys, xs, zs, ent, h)
    joint = ge.gmm_fit(y, x, z, e, hs, steps=1)
    sep = [ge.gmm_fit(ys[j], xs[j], zs[j], ent, h, steps=1).params for j in range(2)]
    np.testing.assert_allclose(joint.params, np.concatenate(sep), atol=1e-12)
    assert joint.cov["windmeijer"].shape == (3, 3)


# ---------------------------------------------------------------------------------- layering
def _stfi_imports(path: Path) -> set[str]:
    """Modules of stfi_models that a file imports (``from a import b`` counts as ``a.b``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("stfi_models")}


def test_engine_is_the_lower_layer():
    """The engine imports nothing of the models above it; the gmm package imports lazily."""
    # so the panel VAR and the dynamic threshold model get the engine without DiffGMM
    allowed = ("stfi_models.exceptions.", "stfi_models.models.lstsq",
               "stfi_models.models.gmm.engine.")
    home = Path(ge.__file__).parent
    for path in sorted(home.glob("*.py")):
        wrong = {name for name in _stfi_imports(path) if not name.startswith(allowed)}
        assert not wrong, f"{path.name} imports {sorted(wrong)}"
    assert not _stfi_imports(home.parent / "__init__.py")


def test_gmm_package_names_resolve_lazily():
    import stfi_models.models.gmm as gmm
    from stfi_models.models.gmm.model import DiffGMM

    assert gmm.DiffGMM is DiffGMM
    assert all(callable(getattr(gmm, name)) for name in gmm.__all__)
    assert set(gmm.__all__) <= set(dir(gmm))
    with pytest.raises(AttributeError, match="no attribute 'DifGMM'"):
        gmm.DifGMM  # noqa: B018
