"""Column sums within groups: the one grouped-sum kernel of the static models and covariances."""

from __future__ import annotations

import numpy as np

__all__ = ["group_sums"]


def group_sums(values: np.ndarray, codes: np.ndarray, n_groups: int,
               weights: np.ndarray | None = None) -> np.ndarray:
    r"""Return :math:`\sum_{i \in g} w_i v_{ij}` for every group ``g`` and column ``j``.

    One ``np.bincount`` per column of ``values`` (``n x k``): rows are added in order, as
    ``np.add.at`` would, with no dummy matrix and no ``n x k`` temporary.

    Parameters
    ----------
    values : numpy.ndarray
        ``n x k`` values.
    codes : numpy.ndarray
        Group code of each row, ``0 .. n_groups - 1``.
    n_groups : int
        Number of groups (rows of the result).
    weights : numpy.ndarray, optional
        Row weights :math:`w_i` (e.g. residuals for cluster scores); 1 when omitted.
    """
    columns = np.asarray(values, dtype=float).T
    if weights is not None:
        return np.column_stack([np.bincount(codes, weights=col * weights, minlength=n_groups)
                                for col in columns])
    return np.column_stack([np.bincount(codes, weights=col, minlength=n_groups)
                            for col in columns])
