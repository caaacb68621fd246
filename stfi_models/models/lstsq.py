r"""Least squares that rescaling a column cannot fool: column scaling, pivoted QR, conditioning.

Every estimator solves :math:`\min_b \lVert y - Xb \rVert` on the column-scaled matrix

.. math::

    X_s = X D^{-1}, \qquad D = \operatorname{diag}(d_j), \quad
    d_j = 2^{\operatorname{round}(\log_2 \lVert x_j \rVert / \sqrt{n})},

so that every column has a root mean square between 1/2 and 2.  The scale factors are powers
of two, so :math:`X_s` carries exactly the digits of :math:`X`: multiplying a regressor by
:math:`10^k` changes :math:`X_s` by one rounding of each entry and the coefficient by
:math:`10^{-k}`, nothing else.  :math:`X_s` is factored by Householder QR with column pivoting
(Businger & Golub 1965), :math:`X_s P = QR`; its rank is the number of diagonal entries of
:math:`R` above :math:`\max(n, k)\,\epsilon\,|r_{11}|` (the tolerance of LAPACK's
``xGELSY`` and numpy's ``matrix_rank``), and

.. math:: b = D^{-1} P R^{-1} Q^\prime y, \qquad (X^\prime X)^{-1} = D^{-1} P R^{-1} R^{-\prime}
          P^\prime D^{-1}

never forms :math:`X^\prime X`.  What scaling cannot repair is real near-collinearity: the
condition number :math:`\kappa(X_s)` (the ratio of the extreme singular values of :math:`R`)
above :data:`COND_WARN` is reported by :class:`~stfi_models.exceptions.IllConditionedWarning`,
naming the columns of the smallest singular vector, and exact collinearity by
:class:`~stfi_models.exceptions.EstimationError`.

References
----------
Businger, P. & Golub, G. H. (1965). Linear least squares solutions by Householder
transformations. Numerische Mathematik 7(3), 269-276.
van der Sluis, A. (1969). Condition numbers and equilibration of matrices. Numerische
Mathematik 14(1), 14-23.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.sparse

from stfi_models.exceptions import EstimationError, IllConditionedWarning

__all__ = ["COND_WARN", "power_of_two", "column_norms", "column_scale", "Factored", "factor",
           "rank", "solve", "gram_inverse", "check_design", "warn_conditioning"]

#: Condition number of the column-scaled matrix above which a fit warns: standard errors
#: computed from :math:`(X^\prime X)^{-1}` lose about :math:`2\log_{10}\kappa` of 16 digits.
COND_WARN = 1e6


def power_of_two(size: np.ndarray) -> np.ndarray:
    """Return the powers of two nearest to ``size`` (1 where it is zero or not finite)."""
    size = np.asarray(size, dtype=float)
    ok = np.isfinite(size) & (size > 0)
    exponent = np.zeros(size.shape)
    exponent[ok] = np.round(np.log2(size[ok]))
    return np.ldexp(1.0, exponent.astype(int))


def column_norms(x: np.ndarray) -> np.ndarray:
    r"""Return the Euclidean norm :math:`\lVert x_j \rVert` of each column of a dense matrix.

    One BLAS ``dnrm2`` per column: no ``n x k`` temporary, and no overflow or underflow for
    entries beyond :math:`10^{\pm 154}`, where squaring them would lose the column's size.
    """
    x = np.asarray(x, dtype=float)
    return np.array([scipy.linalg.blas.dnrm2(col) if col.size else 0.0 for col in x.T])


def column_scale(x: np.ndarray) -> np.ndarray:
    """Power-of-two factors bringing each column's root mean square into [1/2, 2].

    A column of zeros (or without finite values) gets the factor 1; ``x`` may be sparse.
    """
    if scipy.sparse.issparse(x):
        squares = np.asarray(x.multiply(x).mean(axis=0)).ravel() if x.shape[0] else None
        return power_of_two(np.sqrt(squares) if squares is not None else np.ones(x.shape[1]))
    x = np.asarray(x, dtype=float)
    return power_of_two(column_norms(x) / np.sqrt(x.shape[0]) if x.shape[0]
                        else np.ones(x.shape[1]))


@dataclass(frozen=True)
class Factored:
    """Pivoted QR factors of a column-scaled matrix ``x / scale``.

    Attributes
    ----------
    q, r : numpy.ndarray
        Economic factors, ``(x / scale)[:, perm] = q @ r``.
    perm : numpy.ndarray
        Column permutation chosen by the pivoting.
    scale : numpy.ndarray
        Column factors of :func:`column_scale`.
    rank : int
        Numerical rank.
    """

    q: np.ndarray
    r: np.ndarray
    perm: np.ndarray
    scale: np.ndarray
    rank: int

    @property
    def cond(self) -> float:
        """Condition number of the scaled matrix (``inf`` when rank deficient)."""
        if self.rank < self.r.shape[1]:
            return float("inf")
        s = scipy.linalg.svdvals(self.r)
        return float(s[0] / s[-1]) if s.size else 1.0

    def coef(self, y: np.ndarray) -> np.ndarray:
        """Least-squares coefficients of ``y`` (vector or matrix) on the unscaled columns.

        On a rank-deficient matrix, the basic solution: the columns pivoted beyond the rank
        get 0.
        """
        k, p = self.r.shape[1], self.rank
        qty = self.q[:, :p].T @ y
        z = np.zeros((k,) + np.shape(y)[1:])
        z[self.perm[:p]] = scipy.linalg.solve_triangular(self.r[:p, :p], qty)
        return z / self.scale.reshape((-1,) + (1,) * (z.ndim - 1))

    def back(self) -> np.ndarray:
        r""":math:`B = D^{-1} P R^{-1}`, so that :math:`X B = Q` (full rank only).

        A covariance computed for the coefficients of the orthonormal basis ``q`` becomes that of
        the coefficients of ``x`` as :math:`B V_Q B^\prime`.  Every sandwich
        :math:`(X^\prime X)^{-1} X^\prime \Omega X (X^\prime X)^{-1}` transforms this way, and
        ``q`` has condition number 1, so no digits are lost to :math:`(X^\prime X)^{-1}`.
        """
        k = self.r.shape[1]
        rinv = scipy.linalg.solve_triangular(self.r, np.eye(k))
        out = np.empty((k, k))
        out[self.perm] = rinv
        return out / self.scale[:, None]

    def gram_inverse(self) -> np.ndarray:
        r""":math:`(X^\prime X)^{-1}` of the unscaled matrix, without forming ``X'X``."""
        back = self.back()
        return back @ back.T


def factor(x: np.ndarray, *, overwrite: bool = False) -> Factored:
    """Column-scale ``x`` and factor it by pivoted QR (see the module docstring).

    The scaled copy is the only ``n x k`` array allocated: LAPACK factors it and forms ``q``
    in place.  With ``overwrite=True`` a Fortran-ordered float ``x`` is scaled and factored in
    place instead (its contents are lost).
    """
    x = np.asarray(x, dtype=float)
    n, k = x.shape
    scale = column_scale(x)
    if k == 0:
        return Factored(np.zeros((n, 0)), np.zeros((0, 0)), np.zeros(0, int), scale, 0)
    in_place = overwrite and x.flags.f_contiguous and x.flags.writeable
    scaled = np.divide(x, scale, out=x if in_place else np.empty((n, k), order="F"))
    q, r, perm = scipy.linalg.qr(scaled, mode="economic", pivoting=True, overwrite_a=True)
    diag = np.abs(np.diag(r))
    tol = max(n, k) * np.finfo(float).eps * (diag[0] if diag.size else 0.0)
    return Factored(q, r, perm, scale, int(np.sum(diag > tol)))


def rank(x: np.ndarray) -> int:
    """Numerical rank of ``x``, judged on its column-scaled form."""
    return factor(x).rank


def gram_inverse(x: np.ndarray) -> np.ndarray:
    r""":math:`(X^\prime X)^{-1}` computed on the column-scaled QR factors of ``x``."""
    return factor(x).gram_inverse()


def solve(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients and residuals of the least-squares fit of ``y`` on ``x`` (scaled QR)."""
    fac = factor(x)
    coef = fac.coef(y)
    return coef, y - x @ coef


def _join(names: Sequence[str]) -> str:
    return ", ".join(map(str, names))


def _is_are(names: Sequence[str]) -> str:
    return "is" if len(names) == 1 else "are"


def _it_them(names: Sequence[str]) -> str:
    return "it" if len(names) == 1 else "them"


def check_design(x: np.ndarray, names: Sequence[str], where: str,
                 before: np.ndarray | None = None, vanish_hint: str = "") -> Factored:
    """Raise if ``x`` has dependent columns; warn if it is ill-conditioned; return its factors.

    Parameters
    ----------
    x : numpy.ndarray
        The matrix the estimator solves with.
    names : sequence of str
        Its column names, for the messages.
    where : str
        Which matrix this is (e.g. "after first-differencing").
    before : numpy.ndarray, optional
        The columns before a transformation: a column the transformation wipes out (norm below
        1e-10 of its norm before) is reported as such, with ``vanish_hint`` saying why.
        Without it, only columns of exact zeros count as vanished.

    Raises
    ------
    EstimationError
        Naming the columns that vanished or are linear combinations of the others.

    Warns
    -----
    IllConditionedWarning
        When the condition number after column scaling exceeds :data:`COND_WARN`.
    """
    x = np.asarray(x, dtype=float)
    names = [str(n) for n in names]
    norms = column_norms(x)
    if before is None:
        gone = norms == 0
    else:
        gone = norms <= 1e-10 * column_norms(before)
    if gone.any():
        cols = [n for n, g in zip(names, gone, strict=True) if g]
        raise EstimationError(
            f"Singular design {where}: {_join(cols)} {_is_are(cols)} identically zero"
            f"{vanish_hint if before is not None else ''}. Drop {_it_them(cols)} from the "
            "formula."
        )
    fac = factor(x)
    if fac.rank < x.shape[1]:
        keep: list[int] = []
        collinear: list[str] = []
        for j in range(x.shape[1]):
            if rank(x[:, keep + [j]]) == len(keep) + 1:
                keep.append(j)
            else:
                collinear.append(names[j])
        raise EstimationError(
            f"Singular design {where}: {_join(collinear)} {_is_are(collinear)} a linear "
            f"combination of the other regressors ({_join(names[j] for j in keep)}). Drop "
            f"{_it_them(collinear)} from the formula."
        )
    warn_conditioning(fac, names, where)
    return fac


def warn_conditioning(fac: Factored, names: Sequence[str], where: str,
                      stacklevel: int = 4) -> None:
    """Warn with :class:`IllConditionedWarning` when ``fac.cond`` exceeds :data:`COND_WARN`.

    The message names the columns that carry the near-dependence (the entries of the right
    singular vector of the smallest singular value above 0.1 in absolute value).
    """
    cond = fac.cond
    if cond <= COND_WARN:
        return
    _, _, vt = np.linalg.svd(fac.r)
    weights = np.zeros(len(names))
    weights[fac.perm] = np.abs(vt[-1])
    involved = [str(n) for n, w in zip(names, weights, strict=True) if w > 0.1]
    digits = min(16, int(round(2 * np.log10(cond))))
    warnings.warn(
        f"Ill-conditioned design {where}: {_join(involved)} {_is_are(involved)} nearly "
        f"collinear (condition number {cond:.3g} after scaling every column to unit size). "
        f"Standard errors lose about {digits} of 16 significant digits and may be inaccurate "
        f"or NaN. Drop or combine {_it_them(involved)}.",
        IllConditionedWarning,
        stacklevel=stacklevel,
    )
