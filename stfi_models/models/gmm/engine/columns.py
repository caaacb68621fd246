"""Instrument columns: GMM-style blocks, the system-GMM levels block, collinearity pruning.

Each block is an ``n_rows x L`` dense matrix on the equation rows, with zeros for
unavailable instruments (as in xtabond2).

References
----------
Holtz-Eakin, D., Newey, W. and Rosen, H. (1988). Estimating vector autoregressions with panel
data. *Econometrica* 56: 1371-1395.
Arellano, M. and Bond, S. (1991). *Review of Economic Studies* 58: 277-297.
Blundell, R. and Bond, S. (1998). *Journal of Econometrics* 87: 115-143.
Roodman, D. (2009). How to do xtabond2. *Stata Journal* 9(1): 86-136.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import solve_triangular

from stfi_models.models.gmm.engine.transform import lookup

__all__ = ["gmm_style", "level_gmm_style", "independent_columns"]


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
