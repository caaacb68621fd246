r"""The spatial Jacobian :math:`\ln|I - \rho W|`, its derivatives and the parameter space.

Two methods:

* ``"eigen"`` (Ord 1975): with the eigenvalues :math:`\omega_i` of :math:`W`,

  .. math::

      \ln|I - \rho W| = \sum_i \ln|1 - \rho\,\omega_i|,\qquad
      \frac{d}{d\rho} = -\sum_i \frac{\omega_i}{1 - \rho\,\omega_i},\qquad
      \frac{d^2}{d\rho^2} = -\sum_i \frac{\omega_i^2}{(1 - \rho\,\omega_i)^2}.

  A row-standardised symmetric contiguity :math:`W = D^{-1}B` is similar to the symmetric
  :math:`D^{-1/2} B D^{-1/2}`, whose real eigenvalues are computed stably and fast
  (``eigvalsh``).
  The same sums give :math:`\operatorname{tr} G` and :math:`\operatorname{tr} G^2` for
  :math:`G = W(I - \rho W)^{-1}`.
* ``"lu"``: sparse LU of :math:`I - \rho W` (Pace & Barry 1997), for large ``N``; the
  determinant is the product of the pivots.  The derivatives are then taken from the
  eigenvalue-free identity :math:`d/d\rho = -\operatorname{tr}((I-\rho W)^{-1} W)`, evaluated
  exactly with the same LU (column by column, so it costs ``N`` solves).

The parameter space is :math:`(1/\omega_{\min}, 1/\omega_{\max})` (real eigenvalues), as in
R splm / spatialreg; for ``"lu"`` it is :math:`(-1, 1)`, exact for a row-standardised ``W``
with :math:`\omega_{\min} \ge -1`.

References
----------
Ord, K. (1975). Estimation methods for models of spatial interaction. JASA 70, 120-126.
Pace, R. K. & Barry, R. (1997). Quick computation of spatial autoregressive estimators.
Geographical Analysis 29, 232-247.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from stfi_models.exceptions import EstimationError, check_choice

__all__ = ["LogDet", "LOGDET_METHODS", "eigenvalues"]

LOGDET_METHODS = ("eigen", "lu")


def eigenvalues(matrix: sp.csr_array | np.ndarray, links: sp.csr_array | None = None
                ) -> np.ndarray:
    """Eigenvalues of ``W`` (real and sorted when ``W`` is similar to a symmetric matrix).

    Parameters
    ----------
    matrix : sparse or dense, shape (N, N)
        The weights :math:`W`.
    links : sparse, optional
        The untransformed links :math:`B` when :math:`W = D^{-1}B` is their row
        standardisation; a symmetric :math:`B` gives the eigenvalues of the symmetric
        :math:`D^{-1/2}BD^{-1/2}` (``eigvalsh``: faster and exactly real).
    """
    if links is not None:
        base = sp.csr_array(links)
        if abs(base - base.T).max() <= 1e-12 * abs(base).max():
            rows = np.asarray(base.sum(axis=1)).ravel()
            scale = np.divide(1.0, np.sqrt(rows), out=np.zeros_like(rows), where=rows > 0)
            return np.linalg.eigvalsh((sp.diags(scale) @ base @ sp.diags(scale)).toarray())
    dense = matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix, dtype=float)
    if np.allclose(dense, dense.T, rtol=1e-12, atol=1e-14):
        return np.linalg.eigvalsh(dense)
    values = np.linalg.eigvals(dense)
    if np.abs(values.imag).max(initial=0.0) < 1e-10:
        return np.sort(values.real)
    return values


@dataclass(frozen=True)
class LogDet:
    r""":math:`\ln|I - \rho W|` and its first two derivatives for one ``W``.

    Parameters
    ----------
    matrix : scipy.sparse array, shape (N, N)
    method : {"eigen", "lu"}
    links : scipy.sparse array, optional
        The untransformed links when ``matrix`` is their row standardisation
        (see :func:`eigenvalues`).
    """

    matrix: sp.csr_array
    method: str = "eigen"
    links: sp.csr_array | None = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_choice("logdet", self.method, LOGDET_METHODS)

    def __getstate__(self) -> dict:
        """Pickle without the LU factorisation cache (SuperLU objects do not pickle)."""
        return {**self.__dict__, "_cache": {}}

    @cached_property
    def omega(self) -> np.ndarray:
        """Eigenvalues of ``W`` (method ``"eigen"``)."""
        return eigenvalues(self.matrix, self.links)

    @cached_property
    def bounds(self) -> tuple[float, float]:
        r"""Open interval of :math:`\rho` on which :math:`I - \rho W` is invertible."""
        if self.method == "lu":
            return (-1.0, 1.0)
        real = self.omega.real
        lo, hi = real.min(), real.max()
        if lo >= 0 or hi <= 0:
            raise EstimationError(
                "The spatial weights have no negative (or no positive) eigenvalue, so the "
                "parameter space of rho is unbounded; check the weights (w=)."
            )
        return (1.0 / lo, 1.0 / hi)

    def __call__(self, rho: float) -> float:
        r""":math:`\ln|I - \rho W|`."""
        if self.method == "eigen":
            return float(np.log(np.abs(1.0 - rho * self.omega)).sum())
        lu = self._lu(rho)
        return float(np.log(np.abs(lu.U.diagonal())).sum())

    def derivatives(self, rho: float) -> tuple[float, float]:
        r"""First and second derivatives of :math:`\ln|I - \rho W|` in :math:`\rho`."""
        t1, t2 = self.traces(rho)
        return -t1, -t2

    def traces(self, rho: float) -> tuple[float, float]:
        r"""Return :math:`\operatorname{tr} G` and :math:`\operatorname{tr} G^2`.

        Here :math:`G = W(I-\rho W)^{-1}`.
        """
        if self.method == "eigen":
            ratio = self.omega / (1.0 - rho * self.omega)
            return float(ratio.sum().real), float((ratio**2).sum().real)
        g = self.g_matrix(rho)
        return float(np.trace(g)), float(np.einsum("ij,ji->", g, g))

    def g_matrix(self, rho: float) -> np.ndarray:
        r"""Dense :math:`G = W (I - \rho W)^{-1}`."""
        n = self.matrix.shape[0]
        inv = self._lu(rho).solve(np.eye(n))
        return np.asarray(self.matrix @ inv)

    def _lu(self, rho: float):
        key = float(rho)
        if key not in self._cache:
            n = self.matrix.shape[0]
            a = sp.csc_matrix(sp.identity(n) - rho * sp.csr_matrix(self.matrix))
            self._cache.clear()
            self._cache[key] = spla.splu(a)
        return self._cache[key]
