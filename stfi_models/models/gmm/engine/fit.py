r"""Linear panel GMM machinery shared by the dynamic panel models (difference/system GMM, PVAR).

API for other estimators
------------------------
Everything works on *stacked equation rows*: each row is one observation of one transformed
equation (a first-differenced or orthogonal-deviation row, or a levels row in system GMM) and
carries an entity code (``0..N-1``) and an integer time label.  Nothing here forms an
``NT x NT`` or ``N x N`` matrix: cross products are sums of per-entity blocks, computed through
a sparse ``H`` (built from within-entity row pairs) and a sparse entity-indicator matrix, so
memory grows linearly in ``N``.

1. Transform (on the rows of one entity-sorted panel, any subset of its periods):

   * :func:`first_difference` -- ``Δx_t = x_t - x_{t-1}``; missing after a gap.
   * :func:`forward_orthogonal_deviations` -- Arellano-Bover (1995) FOD over the *available*
     later rows, labelled ``t + 1`` as xtabond2 does (so instrument lags mean the same under
     both transforms).
   * :func:`lookup` -- the value of a variable at ``(entity, time - lag)``: the primitive
     behind every instrument.

2. Instruments (``n_rows x L`` dense blocks; missing entries are zero, as in xtabond2):

   * :func:`gmm_style` -- GMM-style columns, one per (period, lag) or one per lag
     (``collapse=True``), for lag ranges ``a:b`` or open ``a:.``.
   * :func:`level_gmm_style` -- the system-GMM levels instruments ``Δz_{t-a+1}``.
   * :func:`independent_columns` -- drop zero and collinear columns, greedily in order
     (how xtabond2 prunes IV-style instruments and time dummies).

3. Weighting structure ``H`` of the one-step estimator as a :class:`HStructure` (a list of
   within-entity row pairs and weights): :func:`h_first_difference`, :func:`h_identity`,
   :func:`h_system` (xtabond2 ``h(1)``, ``h(2)``, ``h(3)``); :func:`h_outer` builds
   ``H = V V'`` from any sparse transformation ``V`` (R panelvar's convention).

4. Estimation: :func:`gmm_fit` with ``y`` (n,), ``X`` (n, K), ``Z`` (n, L), entity codes and
   an :class:`HStructure` returns a :class:`GmmFit` holding the one-step and two-step (or
   iterated) estimates, their covariance matrices (one-step non-robust and cluster-robust,
   two-step plain and Windmeijer-corrected), Sargan and Hansen statistics and the cross
   products (``Z'X``, ``Z'y``, ``S``) the tests reuse.  ``sigma2=`` sets the error-variance
   convention of the non-robust covariance and the Sargan statistic.  A system of equations
   (a panel VAR) is one call on :func:`stack_equations` output (block-diagonal ``X`` and
   ``Z``, ``I ⊗ H``; the two-step weight then carries the cross-equation moment
   covariance), or one call per equation.

5. Tests: :func:`hansen_j` (from cross products; difference-in-Hansen on an instrument
   subset), :func:`arellano_bond_ar` (AR(m) in the differenced residuals), :func:`wald_test`,
   :func:`chi2_pvalue`; :func:`windmeijer` on its own; :func:`entity_sums` for per-entity
   sums.

Typical use (difference GMM by hand)::

    dy = first_difference(y, ent, t)                     # on the sample rows
    z, names = gmm_style(y_full, ent_full, t_full, ent, t, (2, None))
    fit = gmm_fit(dy[ok], dx[ok], z[ok], ent[ok], h_first_difference(ent[ok], t[ok]))
    fit.params2, fit.cov["windmeijer"], fit.hansen

Model
-----
.. math::

    \hat\beta(W) = (X'Z W Z'X)^{-1} X'Z W Z'y, \qquad
    W_1 = \Big(\sum_i Z_i' H_i Z_i\Big)^{-1}, \qquad
    W_2 = \Big(\sum_i Z_i'\hat u_{1i} \hat u_{1i}' Z_i\Big)^{-1}.

References
----------
Arellano, M. and Bond, S. (1991). Some tests of specification for panel data. *Review of
Economic Studies* 58: 277-297.
Arellano, M. and Bover, O. (1995). Another look at the instrumental variable estimation of
error-components models. *Journal of Econometrics* 68: 29-51.
Blundell, R. and Bond, S. (1998). Initial conditions and moment restrictions in dynamic panel
data models. *Journal of Econometrics* 87: 115-143.
Windmeijer, F. (2005). A finite sample correction for the variance of linear efficient
two-step GMM estimators. *Journal of Econometrics* 126: 25-51.
Roodman, D. (2009). How to do xtabond2. *Stata Journal* 9(1): 86-136.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp
from scipy import stats
from scipy.linalg import solve_triangular

from stfi_models.exceptions import EstimationError, SpecificationError, SpecificationWarning
from stfi_models.models import lstsq

__all__ = [
    "first_difference",
    "forward_orthogonal_deviations",
    "lookup",
    "gmm_style",
    "level_gmm_style",
    "independent_columns",
    "HStructure",
    "h_first_difference",
    "h_identity",
    "h_system",
    "h_outer",
    "GmmFit",
    "gmm_fit",
    "hansen_j",
    "arellano_bond_ar",
    "wald_test",
    "entity_sums",
    "stack_equations",
    "windmeijer",
    "chi2_pvalue",
]


# ---------------------------------------------------------------------------------- lookups
def _keys(entity: np.ndarray, time: np.ndarray, span: int) -> np.ndarray:
    return entity.astype(np.int64) * span + time.astype(np.int64)


def lookup(
    values: np.ndarray,
    entity: np.ndarray,
    time: np.ndarray,
    at_entity: np.ndarray,
    at_time: np.ndarray,
) -> np.ndarray:
    """Values of a variable at given (entity, time) points; NaN where not observed.

    Parameters
    ----------
    values : ndarray, shape (n,) or (n, k)
        The variable on its own rows.
    entity, time : ndarray of int, shape (n,)
        Keys of those rows (unique pairs; any order).
    at_entity, at_time : ndarray of int, shape (m,)
        Points to read, e.g. ``(entity, time - lag)`` of the equation rows.

    Returns
    -------
    ndarray, shape (m,) or (m, k)
    """
    values = np.asarray(values, dtype=float)
    if entity.size == 0:
        return np.full((at_entity.size,) + values.shape[1:], np.nan)
    lo = int(min(time.min(), at_time.min()))
    span = int(max(time.max(), at_time.max())) - lo + 1
    key = _keys(entity, time - lo, span)
    order = np.argsort(key, kind="stable")
    key_sorted = key[order]
    target = _keys(at_entity, at_time - lo, span)
    pos = np.searchsorted(key_sorted, target)
    pos_c = np.minimum(pos, key_sorted.size - 1)
    found = key_sorted[pos_c] == target
    out = np.full((at_entity.size,) + values.shape[1:], np.nan)
    out[found] = values[order[pos_c[found]]]
    return out


def first_difference(values: np.ndarray, entity: np.ndarray, time: np.ndarray) -> np.ndarray:
    """First differences within entity along time: ``x_t - x_{t-1}``.

    Missing (NaN) at an entity's first period and after a gap (no neighbour's value is
    ever borrowed), as Stata's ``D.`` and plm's ``diff``.

    Parameters
    ----------
    values : ndarray, shape (n,) or (n, k)
    entity, time : ndarray of int, shape (n,)

    Returns
    -------
    ndarray, same shape as ``values``
    """
    values = np.asarray(values, dtype=float)
    return values - lookup(values, entity, time, entity, time - 1)


def forward_orthogonal_deviations(
    values: np.ndarray,
    entity: np.ndarray,
    time: np.ndarray,
    valid: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Forward orthogonal deviations (Arellano and Bover 1995), xtabond2's convention.

    .. math::

        x^*_{it} = \sqrt{\frac{T_{it}}{T_{it}+1}}\Big(x_{it} - \frac{1}{T_{it}}
        \sum_{s > t,\ s \text{ valid}} x_{is}\Big),

    where :math:`T_{it}` is the number of *valid* rows of entity ``i`` after ``t`` (gaps are
    skipped, not treated as missing).  As in xtabond2 (Roodman 2009, section 2.3) the
    deviation of period ``t`` is labelled ``t + 1``, so an instrument lag means the same
    under first differences and orthogonal deviations.

    Parameters
    ----------
    values : ndarray, shape (n,) or (n, k)
        Rows sorted by (entity, time).
    entity, time : ndarray of int, shape (n,)
    valid : ndarray of bool, shape (n,), optional
        Rows that count as observed (default: every column finite).  Invalid rows get NaN
        and are skipped in the forward means.

    Returns
    -------
    transformed : ndarray, same shape as ``values``
        NaN for rows that are invalid or have no valid later row.
    label : ndarray of int, shape (n,)
        ``time + 1``: the time label of each transformed row.
    """
    values = np.asarray(values, dtype=float)
    two_d = values.ndim == 2
    v = values if two_d else values[:, None]
    if valid is None:
        valid = np.all(np.isfinite(v), axis=1)
    if np.any(np.diff(entity) < 0) or np.any((np.diff(time) <= 0) & (np.diff(entity) == 0)):
        raise SpecificationError(
            "forward_orthogonal_deviations needs rows sorted by (entity, time)."
        )
    w = np.where(valid[:, None], v, 0.0)
    cnt = valid.astype(float)
    # reverse cumulative sums within entity: sum over rows at or after r
    csum = np.cumsum(w[::-1], axis=0)[::-1]
    ccnt = np.cumsum(cnt[::-1])[::-1]
    boundaries = np.r_[np.flatnonzero(np.diff(entity)) + 1, entity.size]
    # subtract the totals of the entities that follow
    ends = np.repeat(boundaries, np.diff(np.r_[0, boundaries]))
    tail_sum = np.vstack([csum[1:], np.zeros((1, v.shape[1]))])
    tail_cnt = np.r_[ccnt[1:], 0.0]
    after_sum = tail_sum - np.vstack([csum, np.zeros((1, v.shape[1]))])[ends]
    after_cnt = tail_cnt - np.r_[ccnt, 0.0][ends]
    ok = valid & (after_cnt > 0)
    out = np.full(v.shape, np.nan)
    n_after = after_cnt[ok][:, None]
    out[ok] = np.sqrt(n_after / (n_after + 1)) * (v[ok] - after_sum[ok] / n_after)
    return (out if two_d else out[:, 0]), time + 1


# ---------------------------------------------------------------------------------- instruments
def _max_lag(eq_time: np.ndarray, src_time: np.ndarray) -> int:
    return int(eq_time.max() - src_time.min())


def gmm_style(
    values: np.ndarray,
    entity: np.ndarray,
    time: np.ndarray,
    eq_entity: np.ndarray,
    eq_time: np.ndarray,
    lags: tuple[int, int | None],
    *,
    collapse: bool = False,
    active: np.ndarray | None = None,
    name: str = "z",
) -> tuple[np.ndarray, tuple[str, ...]]:
    """GMM-style instruments ``z_{i,t-l}`` for the rows of a transformed equation.

    Uncollapsed (Holtz-Eakin, Newey and Rosen 1988; Arellano and Bond 1991): one column per
    (period ``t``, lag ``l``), nonzero only on rows of period ``t``.  Collapsed (Roodman
    2009): one column per lag.  Missing values become zero; columns that are zero on every
    active row are dropped.

    Parameters
    ----------
    values, entity, time : ndarray
        The (untransformed) instrumenting variable on the panel's rows.
    eq_entity, eq_time : ndarray of int, shape (m,)
        Keys of the equation rows (for FOD, the ``t + 1`` labels).
    lags : (int, int or None)
        Lag range ``a:b``; ``None`` as upper bound = every available lag.
    collapse : bool
    active : ndarray of bool, shape (m,), optional
        Rows the block applies to (e.g. the differenced rows of a stacked system); the
        others get zeros.
    name : str
        Variable label for the column names.

    Returns
    -------
    matrix : ndarray, shape (m, L)
    names : tuple of str
    """
    a, b = lags
    m = eq_entity.size
    active = np.ones(m, dtype=bool) if active is None else active
    if not active.any():
        return np.zeros((m, 0)), ()
    longest = _max_lag(eq_time[active], time)
    hi = longest if b is None else min(b, longest)  # longer lags exist on no row: bounded work
    periods = np.unique(eq_time[active])
    slot = np.where(active, np.searchsorted(periods, eq_time), -1)
    by_lag: dict[int, np.ndarray] = {}
    present: dict[int, np.ndarray] = {}
    for lag in range(a, hi + 1):
        z = lookup(values, entity, time, eq_entity, eq_time - lag)
        z = np.where(active & np.isfinite(z), z, 0.0)
        nonzero = z != 0
        if nonzero.any():
            by_lag[lag] = z
            present[lag] = np.bincount(slot[nonzero], minlength=periods.size) > 0
    if collapse:
        names = tuple(f"{name}: lag {lag}" for lag in by_lag)
        matrix = np.column_stack(list(by_lag.values())) if by_lag else np.zeros((m, 0))
        return matrix, names
    # one column per (period, lag), ordered by period then lag as xtabond2 and plm list them
    columns = [(j, lag) for j in range(periods.size) for lag in by_lag if present[lag][j]]
    matrix = np.zeros((m, len(columns)))
    rows_of = {j: np.flatnonzero(slot == j) for j in range(periods.size)}
    for c, (j, lag) in enumerate(columns):
        rows = rows_of[j]
        matrix[rows, c] = by_lag[lag][rows]
    names = tuple(f"{name}: lag {lag}, t={periods[j]}" for j, lag in columns)
    return matrix, names


def level_gmm_style(
    diff_values: np.ndarray,
    entity: np.ndarray,
    time: np.ndarray,
    eq_entity: np.ndarray,
    eq_time: np.ndarray,
    lag: int,
    *,
    collapse: bool = False,
    active: np.ndarray | None = None,
    name: str = "z",
) -> tuple[np.ndarray, tuple[str, ...]]:
    """System-GMM levels instruments: ``Δz_{i,t-lag}`` (Blundell and Bond 1998).

    For a block ``gmm(z, a:b)`` xtabond2 uses the difference dated ``lag = a - 1`` in the
    levels equation (further lags are redundant given the differenced equation's moments).

    Parameters
    ----------
    diff_values : ndarray
        First differences of the instrumenting variable on the panel's rows.
    entity, time, eq_entity, eq_time, collapse, active, name
        As in :func:`gmm_style`.
    lag : int

    Returns
    -------
    matrix : ndarray, shape (m, L)
    names : tuple of str
    """
    return gmm_style(
        diff_values, entity, time, eq_entity, eq_time, (lag, lag),
        collapse=collapse, active=active, name=f"D.{name}",
    )


def independent_columns(matrix: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """Return the indices of the columns that survive a greedy, in-order collinearity check.

    A column is kept when it is not (numerically) a linear combination of the columns kept
    before it; all-zero columns are dropped.  This is how Stata's ``_rmcoll`` (used by
    xtabond2 for regressors and IV-style instruments) chooses what to drop.  Works on the
    ``k x k`` cross-product matrix with an incrementally grown Cholesky factor.

    Parameters
    ----------
    matrix : ndarray, shape (n, k)
    tol : float
        A column is dependent when its residual sum of squares, after projection on the kept
        columns, is below ``tol`` times its own sum of squares.

    Returns
    -------
    ndarray of int
    """
    gram = matrix.T @ matrix
    kept: list[int] = []
    chol = np.zeros((0, 0))
    for j in range(gram.shape[0]):
        gjj = gram[j, j]
        if gjj <= 0:
            continue
        r = solve_triangular(chol, gram[kept, j], lower=True) if kept else np.zeros(0)
        resid = gjj - float(r @ r)
        if resid > tol * gjj:
            size = len(kept)
            grown = np.zeros((size + 1, size + 1))
            grown[:size, :size] = chol
            grown[size, :size] = r
            grown[size, size] = np.sqrt(resid)
            chol = grown
            kept.append(j)
    return np.asarray(kept, dtype=int)


# ---------------------------------------------------------------------------------- H matrix
@dataclass(frozen=True)
class HStructure:
    """The one-step weighting structure ``H = blockdiag(H_i)`` as within-entity row pairs.

    ``Z'HZ = sum_p w_p z_{a_p} z_{b_p}'`` over the listed pairs ``(a_p, b_p, w_p)``; pairs
    are listed in both orders, so ``H`` is symmetric.  Products go through a sparse matrix,
    so memory is linear in the row count.

    Attributes
    ----------
    a, b : ndarray of int
        Row indices (into the stacked equation rows) of each pair.
    w : ndarray of float
        The ``H`` entry of each pair.
    name : str
        Description, e.g. ``"first differences (tridiag(-1, 2, -1))"``.
    """

    a: np.ndarray
    b: np.ndarray
    w: np.ndarray
    name: str = ""

    def sparse(self, n_rows: int) -> sp.csr_matrix:
        """``H`` as a sparse ``n_rows x n_rows`` matrix (a few nonzeros per row)."""
        return sp.csr_matrix((self.w, (self.a, self.b)), shape=(n_rows, n_rows))

    def cross(self, left: np.ndarray, right: np.ndarray | None = None) -> np.ndarray | float:
        """``left' H right`` through a sparse product (memory linear in the rows).

        ``left`` and ``right`` may be dense or scipy sparse; the result is dense.
        """
        right = left if right is None else right
        l2 = left if left.ndim == 2 else left[:, None]
        r2 = right if right.ndim == 2 else right[:, None]
        out = l2.T @ (self.sparse(l2.shape[0]) @ r2)
        if left.ndim == 1 and right.ndim == 1:
            return float(out[0, 0])
        return _dense(out)

    @property
    def trace(self) -> float:
        """Sum of the diagonal entries of ``H``."""
        return float(self.w[self.a == self.b].sum())


def _pairs_by_offset(
    entity: np.ndarray, time: np.ndarray, rows_a: np.ndarray, rows_b: np.ndarray, offset: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (ra, rb) with same entity and ``time[rb] = time[ra] + offset``."""
    idx_b = np.arange(rows_b.size)
    found = lookup(
        idx_b.astype(float), entity[rows_b], time[rows_b], entity[rows_a], time[rows_a] + offset
    )
    ok = np.isfinite(found)
    return rows_a[ok], rows_b[found[ok].astype(int)]


def h_first_difference(
    entity: np.ndarray, time: np.ndarray, rows: np.ndarray | None = None
) -> HStructure:
    """``H`` of first-differenced errors: 2 on the diagonal, -1 for adjacent periods.

    ``H_i = D_i D_i'`` with ``D_i`` the differencing matrix, so rows two or more periods apart
    (after a gap or a dropped row) get 0.

    Parameters
    ----------
    entity, time : ndarray of int
        Keys of all stacked rows.
    rows : ndarray of int, optional
        The differenced rows among them (default: all).
    """
    rows = np.arange(entity.size) if rows is None else rows
    a1, b1 = _pairs_by_offset(entity, time, rows, rows, 1)
    a = np.r_[rows, a1, b1]
    b = np.r_[rows, b1, a1]
    w = np.r_[np.full(rows.size, 2.0), -np.ones(2 * a1.size)]
    return HStructure(a, b, w, "first differences: H = tridiag(-1, 2, -1)")


def h_identity(n: int, rows: np.ndarray | None = None) -> HStructure:
    """``H = I`` (orthogonal deviations, or levels with i.i.d. errors)."""
    rows = np.arange(n) if rows is None else rows
    return HStructure(rows, rows, np.ones(rows.size), "identity")


def h_system(
    entity: np.ndarray,
    time: np.ndarray,
    diff_rows: np.ndarray,
    level_rows: np.ndarray,
    kind: int = 3,
    transform: str = "fd",
) -> HStructure:
    """``H`` of the stacked (transformed, levels) system, xtabond2's ``h(1|2|3)``.

    * ``h(1)``: ``H = I`` (Blundell and Bond 1998 as published).
    * ``h(2)``: ``blockdiag(G, I)``, ``G`` the transformed-equation block (DPD for Ox).
    * ``h(3)``: ``[[G, C], [C', I]]`` with ``C`` the covariance of transformed and level
      errors under i.i.d. errors: for first differences ``+1`` at the same period and ``-1``
      for the level row one period earlier (xtabond2's default; plm's ``transformation="ld"``).

    Under forward orthogonal deviations ``G = I`` and, as xtabond2 does, ``C`` is set to 0.

    Parameters
    ----------
    entity, time : ndarray of int
        Keys of all stacked rows.
    diff_rows, level_rows : ndarray of int
        Positions of the transformed and levels rows.
    kind : {1, 2, 3}
    transform : {"fd", "fod"}
    """
    n = entity.size
    if kind == 1:
        return HStructure(*[np.arange(n)] * 2, np.ones(n), "h(1): identity")
    if transform == "fd":
        g = h_first_difference(entity, time, diff_rows)
    else:
        g = h_identity(n, diff_rows)
    a, b, w = [g.a, level_rows], [g.b, level_rows], [g.w, np.ones(level_rows.size)]
    if kind == 3 and transform == "fd":
        d0, l0 = _pairs_by_offset(entity, time, diff_rows, level_rows, 0)
        d1, l1 = _pairs_by_offset(entity, time, diff_rows, level_rows, -1)
        a += [d0, l0, d1, l1]
        b += [l0, d0, l1, d1]
        w += [np.ones(2 * d0.size), -np.ones(2 * d1.size)]
    label = {2: "h(2): blockdiag(G, I)", 3: "h(3): [[G, C], [C', I]]"}[kind]
    return HStructure(np.concatenate(a), np.concatenate(b), np.concatenate(w), label)


def h_outer(v: sp.spmatrix, name: str = "H = V V'") -> HStructure:
    """``H = V V'`` for a sparse transformation ``V`` of the level observations.

    Row ``r`` of ``V`` holds the weights with which equation row ``r`` combines the level
    observations (columns) of its entity: a first-difference or orthogonal-deviation row, or
    a unit row for a levels equation.  With i.i.d. errors of unit variance ``V V'`` is the
    covariance of the stacked equation errors, so ``W_1 = (sum_i Z_i'V_iV_i'Z_i)^{-1}`` is the
    one-step weight of Arellano and Bover (1995) and R panelvar.  Stacking first-difference
    rows on an identity block gives :func:`h_system` ``kind=3``; stacking orthogonal-deviation
    rows on it gives the cross block ``C = F`` (which xtabond2 sets to 0).

    Parameters
    ----------
    v : scipy.sparse matrix, shape (n_rows, n_obs)
        Must not combine observations of different entities in one row.
    name : str

    Returns
    -------
    HStructure
    """
    prod = sp.coo_matrix(sp.csr_matrix(v) @ sp.csr_matrix(v).T)
    return HStructure(prod.row.astype(np.int64), prod.col.astype(np.int64),
                      prod.data.astype(float), name)


def stack_equations(
    ys: list[np.ndarray],
    xs: list[np.ndarray],
    zs: list[np.ndarray],
    entity: np.ndarray,
    h: HStructure,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, HStructure]:
    """Stack ``m`` equations on the same rows into one system for :func:`gmm_fit`.

    ``y`` is stacked equation by equation; ``X`` and ``Z`` are block diagonal; ``H`` is
    ``I_m ⊗ H``.  The one-step estimate then equals equation-by-equation one-step GMM, while
    the two-step weight ``(sum_i g_i g_i')^{-1}`` uses the cross-equation covariance of the
    moments (the joint system GMM of a panel VAR, Abrigo and Love 2016).

    Parameters
    ----------
    ys : list of ndarray, each (n,)
    xs : list of ndarray, each (n, K_j)
    zs : list of ndarray or scipy sparse matrices, each (n, L_j)
    entity : ndarray of int, shape (n,)
    h : HStructure
        Weighting structure of one equation's rows.

    Returns
    -------
    y, x, z, entity, h
        Stacked arrays (``m n`` rows) and the block-diagonal structure.
    """
    m = len(ys)
    if not m or len(xs) != m or len(zs) != m:
        raise SpecificationError("stack_equations needs as many X and Z blocks as equations.")
    n = ys[0].size
    y = np.concatenate(ys)
    x = np.zeros((m * n, sum(b.shape[1] for b in xs)))
    sparse = any(sp.issparse(b) for b in zs)
    # sparse blocks (e.g. uncollapsed instruments) stay sparse: no dense (m n) x (m L) matrix
    width = sum(b.shape[1] for b in zs)
    z = sp.block_diag(zs, format="csr") if sparse else np.zeros((m * n, width))
    cx = cz = 0
    for j in range(m):
        rows = slice(j * n, (j + 1) * n)
        x[rows, cx : cx + xs[j].shape[1]] = xs[j]
        if not sparse:
            z[rows, cz : cz + zs[j].shape[1]] = zs[j]
        cx += xs[j].shape[1]
        cz += zs[j].shape[1]
    offsets = np.repeat(np.arange(m) * n, h.a.size)
    stacked = HStructure(np.tile(h.a, m) + offsets, np.tile(h.b, m) + offsets,
                         np.tile(h.w, m), f"I_{m} kron ({h.name})")
    return y, x, z, np.tile(entity, m), stacked


# ---------------------------------------------------------------------------------- estimation
def entity_sums(
    values: np.ndarray,
    entity: np.ndarray,
    n_entities: int | None = None,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Per-entity column sums ``sum_t w_it v_it`` as an ``N x k`` array.

    Computed as a sparse (entity indicator, optionally weighted) times dense product, so
    ``entity_sums(Z, entity, weights=u)`` gives the moment contributions ``Z_i'u_i`` without
    forming ``Z * u``.
    """
    n_entities = int(entity.max()) + 1 if n_entities is None else n_entities
    data = np.ones(entity.size) if weights is None else np.asarray(weights, dtype=float)
    indicator = sp.csr_matrix(
        (data, (entity, np.arange(entity.size))), shape=(n_entities, entity.size)
    )
    v = values if values.ndim == 2 else values[:, None]
    return _dense(indicator @ v)


def _dense(matrix: np.ndarray | sp.spmatrix) -> np.ndarray:
    """Return a dense or scipy sparse matrix as a dense ndarray."""
    return matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix)


def _inverse(matrix: np.ndarray, what: str, fix: str) -> tuple[np.ndarray, bool]:
    """Inverse of a symmetric matrix, or its Moore-Penrose inverse with a warning."""
    sym = (matrix + matrix.T) / 2
    eig = np.linalg.eigvalsh(sym)
    top = max(float(np.max(np.abs(eig))), np.finfo(float).tiny)
    if eig.min() > top * 1e-12:
        return np.linalg.inv(sym), False
    warnings.warn(
        f"The {what} is singular (rank {int(np.sum(eig > top * 1e-12))} of {sym.shape[0]}); "
        f"using a generalised inverse, as xtabond2 does. {fix}",
        SpecificationWarning,
        stacklevel=4,
    )
    return np.linalg.pinv(sym, hermitian=True), True


@dataclass(frozen=True)
class GmmFit:
    """Everything :func:`gmm_fit` computes.

    Attributes
    ----------
    params : ndarray, shape (K,)
        Final estimate (one-step, two-step or iterated, as asked).
    params1, params2 : ndarray
        One-step and two-step estimates (``params2`` is computed even for ``steps=1``:
        it gives the Hansen statistic, as xtabond2 prints after a one-step fit).
    resid1, resid2, resid : ndarray, shape (n,)
        Residuals of the one-step, two-step and final estimates.
    cov : dict of str to ndarray
        ``"onestep"`` (``sigma2 * A1``), ``"onestep_robust"`` (cluster sandwich),
        ``"twostep"`` (``A2``, Arellano-Bond's), ``"windmeijer"``, and for iterated GMM
        ``"iterated"``.
    sigma2 : float
        One-step error variance (default ``u1'u1 / trace(H)``, ``SSR_Δ / 2n`` for first
        differences; see the ``sigma2`` argument of :func:`gmm_fit`).
    w1, w2 : ndarray, shape (L, L)
        One-step and two-step weighting matrices.
    sargan, hansen : float
        ``g1' W1 g1 / sigma2`` with one-step residuals; ``g2' W2 g2`` with two-step residuals.
    n_instruments : int
    steps : int or str
    iterations : int
    singular : bool
        A generalised inverse was used.
    g1 : ndarray, shape (L,)
        ``Z'u_1`` (one-step moments).
    s1 : ndarray, shape (L, L)
        ``sum_i Z_i'u_{1i}u_{1i}'Z_i`` (inverse of the two-step weight).
    zx, zy : ndarray
        ``Z'X`` and ``Z'y``.
    """

    params: np.ndarray
    params1: np.ndarray
    params2: np.ndarray
    resid1: np.ndarray
    resid2: np.ndarray
    resid: np.ndarray
    cov: dict[str, np.ndarray]
    sigma2: float
    w1: np.ndarray
    w2: np.ndarray
    a1: np.ndarray
    a2: np.ndarray
    sargan: float
    hansen: float
    n_instruments: int
    steps: int | str
    iterations: int = 1
    singular: bool = False
    g1: np.ndarray = field(default_factory=lambda: np.zeros(0))
    s1: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    zx: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    zy: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def unscaled(self, x_scale: np.ndarray, z_scale: np.ndarray) -> GmmFit:
        """Map a fit on ``X / x_scale`` and ``Z / z_scale`` back to the original units."""
        xx, zz = np.outer(x_scale, x_scale), np.outer(z_scale, z_scale)
        return replace(
            self,
            params=self.params / x_scale, params1=self.params1 / x_scale,
            params2=self.params2 / x_scale,
            cov={key: value / xx for key, value in self.cov.items()},
            w1=self.w1 / zz, w2=self.w2 / zz, a1=self.a1 / xx, a2=self.a2 / xx,
            g1=self.g1 * z_scale, s1=self.s1 * zz, zx=self.zx * np.outer(z_scale, x_scale),
            zy=self.zy * z_scale,
        )


def _solve(
    zx: np.ndarray, zy: np.ndarray, w: np.ndarray, what: str, names: Sequence[str] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    r"""GMM estimate and :math:`A = (X'ZWZ'X)^{-1}` as least squares, never inverting ``X'ZWZ'X``.

    With :math:`W = CC'` (from the eigendecomposition, so a generalised-inverse weight works
    too), :math:`\hat\beta = \arg\min \lVert C'Z'y - C'Z'X b\rVert`, solved by the column-scaled
    pivoted QR of :math:`C'Z'X` (:mod:`stfi_models.models.lstsq`), whose rank and condition are
    judged on what is solved.
    """
    lam, vec = np.linalg.eigh((w + w.T) / 2)
    c = vec * np.sqrt(np.clip(lam, 0.0, None))
    fac = lstsq.factor(c.T @ zx)
    if fac.rank < zx.shape[1]:
        raise EstimationError(
            f"X'Z W Z'X is singular in the {what} estimator: the regressors are collinear or "
            "not identified by the instruments. Drop collinear regressors or add instruments "
            "(each regressor needs an instrument that moves it)."
        )
    labels = list(names) if names is not None else [f"x{j}" for j in range(zx.shape[1])]
    lstsq.warn_conditioning(fac, labels, f"in the {what} GMM estimator (X'Z W Z'X)",
                            stacklevel=5)
    return fac.coef(c.T @ zy), fac.gram_inverse()


def windmeijer(
    x: np.ndarray,
    z: np.ndarray,
    entity: np.ndarray,
    n_entities: int,
    u1: np.ndarray,
    u2: np.ndarray,
    w2: np.ndarray,
    a2: np.ndarray,
    v1: np.ndarray,
) -> np.ndarray:
    r"""Windmeijer (2005) corrected covariance of the two-step estimator.

    .. math::

        \hat V_c = A_2 + D A_2 + A_2 D' + D \hat V_1 D', \quad
        D_{\cdot k} = A_2 X'Z W_2 \Big(\sum_i Z_i'(x_{ik} \hat u_{1i}' +
        \hat u_{1i} x_{ik}')Z_i\Big) W_2 Z'\hat u_2,

    with :math:`A_2 = (X'ZW_2Z'X)^{-1}` and :math:`\hat V_1` the robust one-step covariance.
    Computed without per-entity ``L x L`` matrices: with ``v = W_2 Z'u_2``,
    ``sum_i (a_ik g_i' + g_i a_ik') v = Z'(x_k * (G v)_[i]) + G' (per-entity sum of x_k * Zv)``.
    """
    zu2 = z.T @ u2
    v = w2 @ zu2
    g = entity_sums(z, entity, n_entities, weights=u1)  # N x L, g_i = Z_i'u1_i
    gv = g @ v  # N
    zv = z @ v  # n
    term1 = z.T @ (x * gv[entity][:, None])  # L x K
    m = entity_sums(x, entity, n_entities, weights=zv)  # N x K
    term2 = g.T @ m  # L x K
    d = a2 @ (z.T @ x).T @ w2 @ (term1 + term2)
    return a2 + d @ a2 + a2 @ d.T + d @ v1 @ d.T


def gmm_fit(
    y: np.ndarray,
    x: np.ndarray,
    z: np.ndarray,
    entity: np.ndarray,
    h: HStructure,
    *,
    steps: int | str = 2,
    max_iter: int = 100,
    tol: float = 1e-10,
    n_entities: int | None = None,
    sigma2: Callable[[np.ndarray], float] | None = None,
    sargan_scale: float = 1.0,
    names: Sequence[str] | None = None,
) -> GmmFit:
    """One-step, two-step or iterated linear GMM on stacked equation rows.

    Parameters
    ----------
    y : ndarray, shape (n,)
    x : ndarray, shape (n, K)
    z : ndarray, shape (n, L)
        Must be finite (zeros for unavailable instruments).
    entity : ndarray of int, shape (n,)
        Entity code of each row (clusters for the robust covariance and the weight matrix).
    h : HStructure
        One-step weighting structure.
    steps : {1, 2, "iterated"}
        Which estimate is returned in ``params``; one- and two-step are always computed.
    max_iter, tol : int, float
        Iterated GMM stops when the largest coefficient change is below ``tol``.
    n_entities : int, optional
    sigma2 : callable, optional
        Error variance from the one-step residuals, ``sigma2(u1) -> float``, used by the
        non-robust one-step covariance and the Sargan statistic.  Default
        ``u1'u1 / trace(H)`` (``SSR_Δ / 2n`` for first differences).
    sargan_scale : float
        Factor on ``sigma2`` in the Sargan statistic (``n / (n - k)`` for the
        degrees-of-freedom corrected variance of gretl/DPD; 1 for xtabond2).
    names : sequence of str, optional
        Names of the columns of ``x``, for the ill-conditioning warning.

    Notes
    -----
    The columns of ``X`` and ``Z`` are scaled by powers of two
    (:func:`stfi_models.models.lstsq.column_scale`) before anything is computed and every
    output is mapped back (:meth:`GmmFit.unscaled`): the estimator is equivariant in the units
    of a regressor and invariant in those of an instrument, and so is the arithmetic.

    Returns
    -------
    GmmFit

    Raises
    ------
    EstimationError
        When fewer instruments than regressors, or ``X'ZWZ'X`` is singular.
    """
    n, k = x.shape
    n_inst = z.shape[1]
    if n_inst < k:
        raise EstimationError(
            f"The model has {k} regressors but only {n_inst} instrument columns: it is not "
            "identified. Add instruments (widen the gmm() lag ranges or add iv() variables)."
        )
    n_entities = int(entity.max()) + 1 if n_entities is None else n_entities
    x_scale, z_scale = lstsq.column_scale(x), lstsq.column_scale(z)
    x, z = x / x_scale, z / z_scale
    zx, zy = z.T @ x, z.T @ y
    fix = "Reduce the instrument count (gmm(..., collapse=True) or shorter lag ranges)."
    w1, sing1 = _inverse(h.cross(z), "one-step weighting matrix Z'HZ", fix)
    b1, a1 = _solve(zx, zy, w1, "one-step", names)
    u1 = y - x @ b1
    sigma2_1 = float(u1 @ u1) / h.trace if sigma2 is None else float(sigma2(u1))
    g1_i = entity_sums(z, entity, n_entities, weights=u1)
    s1 = g1_i.T @ g1_i
    zxa = zx @ a1
    v1_robust = zxa.T @ w1 @ s1 @ w1 @ zxa
    g1 = z.T @ u1
    sargan = float(g1 @ w1 @ g1) / (sigma2_1 * sargan_scale)
    w2, sing2 = _inverse(s1, "two-step weighting matrix sum_i Z_i'u_i u_i'Z_i", fix)
    b2, a2 = _solve(zx, zy, w2, "two-step", names)
    u2 = y - x @ b2
    g2 = z.T @ u2
    hansen = float(g2 @ w2 @ g2)
    cov = {
        "onestep": sigma2_1 * a1,
        "onestep_robust": v1_robust,
        "twostep": a2,
        "windmeijer": windmeijer(x, z, entity, n_entities, u1, u2, w2, a2, v1_robust),
    }
    params, resid, iterations = (b1, u1, 1) if steps == 1 else (b2, u2, 2)
    if steps == "iterated":
        b_prev, w_it = b2, w2
        for _ in range(max_iter):
            gi = entity_sums(z, entity, n_entities, weights=y - x @ b_prev)
            w_it, _ = _inverse(gi.T @ gi, "iterated weighting matrix", fix)
            b_new, _ = _solve(zx, zy, w_it, "iterated", names)
            if np.max(np.abs(b_new - b_prev)) < tol:
                b_prev = b_new
                break
            b_prev = b_new
        else:
            warnings.warn(
                f"Iterated GMM did not converge in {max_iter} iterations (tol={tol}).",
                SpecificationWarning,
                stacklevel=3,
            )
        params, resid = b_prev, y - x @ b_prev
        gi = entity_sums(z, entity, n_entities, weights=resid)
        w_fin, _ = _inverse(gi.T @ gi, "iterated weighting matrix", fix)
        cov["iterated"] = _solve(zx, zy, w_fin, "iterated", names)[1]
        gz = z.T @ resid
        hansen = float(gz @ w_fin @ gz)
    return GmmFit(
        params=params, params1=b1, params2=b2, resid1=u1, resid2=u2, resid=resid, cov=cov,
        sigma2=sigma2_1, w1=w1, w2=w2, a1=a1, a2=a2, sargan=sargan, hansen=hansen,
        n_instruments=n_inst, steps=steps, iterations=iterations, singular=sing1 or sing2,
        g1=g1, s1=s1, zx=zx, zy=zy,
    ).unscaled(x_scale, z_scale)


# ---------------------------------------------------------------------------------- tests
def hansen_j(zx: np.ndarray, zy: np.ndarray, s: np.ndarray) -> float:
    r"""Two-step Hansen J from cross products: ``g' W g`` at the two-step estimate.

    .. math::

        W = S^{-1},\quad \hat\beta = (X'ZWZ'X)^{-1}X'ZWZ'y,\quad
        J = (Z'y - Z'X\hat\beta)' W (Z'y - Z'X\hat\beta).

    With ``S = sum_i Z_i'u_{1i} u_{1i}'Z_i`` from the full model's one-step residuals, passing
    the rows/columns of an instrument subset gives the "Hansen excluding group" statistic of
    a difference-in-Hansen test (xtabond2's convention; Roodman 2009 §2.5) without touching the
    data again.

    Parameters
    ----------
    zx : ndarray, shape (L, K)
    zy : ndarray, shape (L,)
    s : ndarray, shape (L, L)
    """
    z_scale = lstsq.power_of_two(np.sqrt(np.abs(np.diag(s))))  # J is invariant to units
    zx, zy, s = zx / z_scale[:, None], zy / z_scale, s / np.outer(z_scale, z_scale)
    zx = zx / lstsq.column_scale(zx)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SpecificationWarning)
        w, _ = _inverse(s, "weighting matrix", "")
    b, _ = _solve(zx, zy, w, "difference-in-Hansen")
    g = zy - zx @ b
    return float(g @ w @ g)


def arellano_bond_ar(
    resid: np.ndarray,
    lagged: np.ndarray,
    x: np.ndarray,
    entity: np.ndarray,
    g: np.ndarray,
    zx: np.ndarray,
    w: np.ndarray,
    a: np.ndarray,
    vcov: np.ndarray,
    *,
    iid: tuple[float, HStructure, np.ndarray] | None = None,
    n_entities: int | None = None,
) -> float:
    r"""Arellano-Bond (1991) m statistic for serial correlation in differenced residuals.

    .. math::

        m = \frac{\hat w'\hat u}{\sqrt{\sum_i (\hat w_i'\hat u_i)^2
        - 2\hat w'X A X'Z W \sum_i Z_i'\hat e_i\, \hat u_i'\hat w_i
        + \hat w'X\hat V X'\hat w}}

    on the "AR rows" (first-differenced equation rows): ``u`` the differenced residuals,
    ``w`` the same residuals lagged ``m`` periods (zero where unavailable), ``X`` the
    differenced regressors; ``e`` the residuals of the estimating equations (equal to ``u``
    for first-difference GMM; the stacked residuals in system GMM), ``A = (X'ZWZ'X)^{-1}``
    and ``V`` the covariance of the estimate in use.

    Parameters
    ----------
    resid, lagged : ndarray, shape (r,)
        Differenced residuals and their ``m``-th lag on the AR rows.
    x : ndarray, shape (r, K)
        Differenced regressors on the AR rows.
    entity : ndarray of int, shape (r,)
    g : ndarray, shape (N, L)
        Per-entity moment contributions ``Z_i'e_i`` of the estimator.
    zx, w, a, vcov : ndarray
        ``Z'X``, weight matrix, ``A`` and the covariance in use.
    iid : (sigma2, H, Z), optional
        The one-step non-robust form: outer products ``u_i u_i'`` replaced by
        ``sigma2 * H_i`` (then the AR rows must be the estimation rows, ``H`` and ``Z``
        on them).
    n_entities : int, optional

    Returns
    -------
    float
        The statistic (asymptotically standard normal); NaN if no lagged residual exists.
    """
    if not np.any(lagged != 0):
        return float("nan")
    num = float(lagged @ resid)
    wx = lagged @ x
    if iid is None:
        per = entity_sums(lagged * resid, entity, n_entities)[:, 0]
        first = float(per @ per)
        gz = g.T @ per
    else:
        sigma2, h, z = iid
        first = sigma2 * h.cross(lagged)
        gz = sigma2 * h.cross(z, lagged)[:, 0]
    var = first - 2 * float(wx @ a @ zx.T @ w @ gz) + float(wx @ vcov @ wx)
    if var <= 0:
        return float("nan")
    return num / np.sqrt(var)


def wald_test(params: np.ndarray, cov: np.ndarray) -> float:
    """Wald statistic ``b' V^{-1} b`` for the joint hypothesis ``b = 0``."""
    if params.size == 0:
        return float("nan")
    size = lstsq.power_of_two(np.sqrt(np.abs(np.diag(cov))))  # invariant to units
    scaled = params / size
    return float(scaled @ np.linalg.solve(cov / np.outer(size, size), scaled))


def chi2_pvalue(stat: float, df: float) -> float:
    """Upper-tail chi-squared p-value (NaN for df <= 0)."""
    return float(stats.chi2.sf(stat, df)) if df > 0 else float("nan")
