r"""The spatial Jacobian :math:`\ln|I - \rho W|`, its derivatives and the parameter space.

Four methods:

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
  exactly with the same LU (by blocks of columns, so it costs ``2N`` solves).
* ``"chebyshev"``: the Chebyshev approximation of order ``order`` (default 5) of Pace &
  LeSage (2004), R spatialreg's ``method = "Chebyshev"``;
* ``"mc"``: the Monte Carlo estimate of Barry & Pace (1999) from ``draws`` probes (default
  16) and ``terms`` series terms (default 30), seeded by ``seed`` (default 0), R
  spatialreg's ``method = "MC"``.

The two approximations (:mod:`.logdet_approx`, with their error bounds) use only sparse
products with ``W`` and need its spectral radius to be at most 1 (row-standardised or
``"minmax"`` weights).  Their :meth:`LogDet.derivatives` are those of the approximation (so
the likelihood's score is that of the approximate likelihood being maximised), while
:meth:`LogDet.traces`, :meth:`LogDet.g_traces` and :meth:`LogDet.g_apply`, which the
information matrix and the effects use, stay exact (sparse LU, by blocks of columns: no
:math:`N \times N` array is formed).

The parameter space is :math:`(1/\omega_{\min}, 1/\omega_{\max})` (real eigenvalues), as in
R splm / spatialreg; for the other methods it is :math:`(-1, 1)`, exact for a row-standardised
``W`` with :math:`\omega_{\min} \ge -1`.

References
----------
Barry, R. P. & Pace, R. K. (1999). Monte Carlo estimates of the log determinant of large
sparse matrices. Linear Algebra and its Applications 289, 41-54.
Ord, K. (1975). Estimation methods for models of spatial interaction. JASA 70, 120-126.
Pace, R. K. & LeSage, J. P. (2004). Chebyshev approximation of log-determinants of spatial
weight matrices. Computational Statistics & Data Analysis 45, 179-196.
Pace, R. K. & Barry, R. (1997). Quick computation of spatial autoregressive estimators.
Geographical Analysis 29, 232-247.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from stfi_models.exceptions import EstimationError, SpecificationError, check_choice
from stfi_models.models.spatial.logdet_approx import BLOCK, ChebyshevLogDet, MonteCarloLogDet
from stfi_models.resample import resolve_seed

__all__ = ["LogDet", "LOGDET_METHODS", "LOGDET_OPTIONS", "eigenvalues"]

LOGDET_METHODS = ("eigen", "lu", "chebyshev", "mc")
#: Options each method takes (``logdet_options=``) and their defaults.
LOGDET_OPTIONS: dict[str, dict[str, Any]] = {
    "eigen": {}, "lu": {},
    "chebyshev": {"order": 5},
    "mc": {"draws": 16, "terms": 30, "seed": 0},
}
#: Upper limits of the approximations' sizes (a typo must not run for hours).
_LIMITS = {"order": 100, "draws": 100_000, "terms": 1_000}


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


def _check_size(name: str, value: Any, low: int) -> int:
    limit = _LIMITS[name]
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not \
            low <= value <= limit:
        raise SpecificationError(
            f"logdet_options['{name}'] must be an integer in {low}..{limit}, got {value!r}."
        )
    return int(value)


@dataclass(frozen=True)
class LogDet:
    r""":math:`\ln|I - \rho W|` and its first two derivatives for one ``W``.

    Parameters
    ----------
    matrix : scipy.sparse array, shape (N, N)
    method : {"eigen", "lu", "chebyshev", "mc"}
    links : scipy.sparse array, optional
        The untransformed links when ``matrix`` is their row standardisation
        (see :func:`eigenvalues`).
    options : mapping, optional
        ``{"order": q}`` for ``"chebyshev"``; ``{"draws": p, "terms": m, "seed": s}`` for
        ``"mc"`` (defaults in :data:`LOGDET_OPTIONS`).

    Raises
    ------
    SpecificationError
        An unknown method or option, an option out of range, or (approximations) weights
        whose spectral radius may exceed 1.
    """

    matrix: sp.csr_array
    method: str = "eigen"
    links: sp.csr_array | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_choice("logdet", self.method, LOGDET_METHODS)
        allowed = LOGDET_OPTIONS[self.method]
        if not isinstance(self.options, Mapping):
            raise SpecificationError(
                f"logdet_options must be a dict, got {type(self.options).__name__}.")
        unknown = sorted(set(self.options) - set(allowed))
        if unknown:
            takes = (f"takes {', '.join(repr(k) for k in allowed)}" if allowed
                     else "takes no options")
            raise SpecificationError(
                f"logdet_options {unknown} do not apply to logdet={self.method!r}, which "
                f"{takes}."
            )
        settings = {**allowed, **self.options}
        for name, low in (("order", 1), ("draws", 2), ("terms", 1)):
            if name in settings:
                settings[name] = _check_size(name, settings[name], low)
        if "seed" in settings:
            resolve_seed(settings["seed"])  # validates
        object.__setattr__(self, "options", settings)
        if self.method in ("chebyshev", "mc"):
            self._check_radius()

    def _check_radius(self) -> None:
        """Refuse weights whose norms do not bound the spectral radius by 1."""
        m = abs(sp.csr_array(self.matrix))
        norm = min(m.sum(axis=1).max(initial=0.0), m.sum(axis=0).max(initial=0.0))
        if norm > 1.0 + 1e-10:
            raise SpecificationError(
                f"logdet={self.method!r} needs weights with spectral radius at most 1, but "
                f"the smaller of W's largest row and column sums is {norm:.6g}: use "
                "row-standardised weights (transform='row'), transform='minmax', or "
                "logdet='eigen' / 'lu'."
            )

    def __getstate__(self) -> dict:
        """Pickle without the LU factorisation cache (SuperLU objects do not pickle)."""
        return {**self.__dict__, "_cache": {}}

    @cached_property
    def omega(self) -> np.ndarray:
        """Eigenvalues of ``W`` (method ``"eigen"``)."""
        return eigenvalues(self.matrix, self.links)

    @cached_property
    def approximation(self) -> ChebyshevLogDet | MonteCarloLogDet:
        """The Chebyshev or Monte Carlo approximation (methods ``"chebyshev"``, ``"mc"``)."""
        if self.method == "chebyshev":
            return ChebyshevLogDet.of(self.matrix, self.options["order"])
        if self.method == "mc":
            return MonteCarloLogDet.of(self.matrix, draws=self.options["draws"],
                                       terms=self.options["terms"], seed=self.options["seed"])
        raise AttributeError(f"logdet={self.method!r} is exact, not an approximation")

    @property
    def fast_derivatives(self) -> bool:
        """Whether :meth:`derivatives` is cheap (every method but ``"lu"``)."""
        return self.method != "lu"

    @cached_property
    def bounds(self) -> tuple[float, float]:
        r"""Open interval of :math:`\rho` on which :math:`I - \rho W` is invertible."""
        if self.method != "eigen":
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
        r""":math:`\ln|I - \rho W|` (exact, or the approximation)."""
        if self.method == "eigen":
            return float(np.log(np.abs(1.0 - rho * self.omega)).sum())
        if self.method == "lu":
            lu = self._lu(rho)
            return float(np.log(np.abs(lu.U.diagonal())).sum())
        return float(self.approximation.values(rho)[0])

    def derivatives(self, rho: float) -> tuple[float, float]:
        r"""Return the first two derivatives in :math:`\rho` of the log-determinant as computed.

        Exact for ``"eigen"`` and ``"lu"``; the approximation's own for ``"chebyshev"`` and
        ``"mc"``.
        """
        if self.method in ("chebyshev", "mc"):
            _, d1, d2 = self.approximation.values(rho)
            return float(d1), float(d2)
        t1, t2 = self.traces(rho)
        return -t1, -t2

    def traces(self, rho: float) -> tuple[float, float]:
        r"""Return :math:`\operatorname{tr} G` and :math:`\operatorname{tr} G^2` (exact).

        Here :math:`G = W(I-\rho W)^{-1}`: from the eigenvalues (``"eigen"``), else by
        :meth:`g_traces`.
        """
        if self.method == "eigen":
            ratio = self.omega / (1.0 - rho * self.omega)
            return float(ratio.sum().real), float((ratio**2).sum().real)
        return self.g_traces(rho)[:2]

    def g_traces(self, rho: float) -> tuple[float, float, float]:
        r"""Return the traces of :math:`G`, :math:`G^2` and :math:`G'G` (information matrix).

        Exact, by blocks of columns of :math:`G` from the sparse LU of :math:`I - \rho W`
        (one solve per column for :math:`G'G`, one more for :math:`G^2` unless the
        eigenvalues give it; memory that of the LU plus :math:`N b`, never
        :math:`N \times N`).
        """
        n = self.matrix.shape[0]
        spectral = self.method == "eigen"
        tr_g = tr_gg = tr_gtg = 0.0
        for start in range(0, n, BLOCK):
            cols = np.arange(start, min(start + BLOCK, n))
            local = np.arange(cols.size)
            unit = np.zeros((n, cols.size))
            unit[cols, local] = 1.0
            g = self.g_apply(rho, unit)
            tr_gtg += float((g * g).sum())
            if not spectral:
                tr_g += g[cols, local].sum()
                tr_gg += self.g_apply(rho, g)[cols, local].sum()
        if spectral:
            tr_g, tr_gg = self.traces(rho)
        return float(tr_g), float(tr_gg), tr_gtg

    def g_apply(self, rho: float, v: np.ndarray) -> np.ndarray:
        r"""Return :math:`G v = W (I - \rho W)^{-1} v` for a vector or an (N, k) block."""
        return np.asarray(self.matrix @ self._lu(rho).solve(np.asarray(v, dtype=float)))

    def _lu(self, rho: float):
        key = float(rho)
        if key not in self._cache:
            n = self.matrix.shape[0]
            a = sp.csc_matrix(sp.identity(n) - rho * sp.csr_matrix(self.matrix))
            self._cache.clear()
            self._cache[key] = spla.splu(a)
        return self._cache[key]
