r"""Approximate log-determinants :math:`\ln|I - \rho W|` for large ``N``: Chebyshev and Monte Carlo.

Both need only products of the sparse :math:`W` with dense blocks (memory
:math:`O(\operatorname{nnz}(W) + N b)`, never an :math:`N \times N` array) and assume a
spectral radius of :math:`W` at most 1 (row-standardised or min-max scaled weights), so that
they hold for :math:`|\rho| < 1`.

Chebyshev (Pace & LeSage 2004)
    Interpolate :math:`f(x) = \ln(1 - \rho x)` at the :math:`q + 1` Chebyshev nodes
    :math:`x_k = \cos(\pi (k - \tfrac12)/(q+1))`, :math:`k = 1..q+1`:
    :math:`c_j = \tfrac{2}{q+1}\sum_k f(x_k)\,T_j(x_k)`, then sum the polynomial over the
    eigenvalues of :math:`W` through traces,

    .. math::

        \ln|I - \rho W| \approx \sum_{j=0}^{q} c_j \operatorname{tr}T_j(W)
                                 - \tfrac12 c_0 N ,

    with :math:`T_0(W) = I`, :math:`T_1(W) = W`, :math:`T_{j+1}(W) = 2WT_j(W) - T_{j-1}(W)`.
    The traces are computed exactly (column blocks of :math:`T_j(W)`, :math:`O(qN
    \operatorname{nnz}(W))` time), so the approximation is deterministic; R spatialreg's
    ``method = "Chebyshev"`` (default :math:`q = 5`) is the same quantity.  Derivatives in
    :math:`\rho` are those of the approximation (the :math:`c_j` are linear in :math:`f`).

    Error bound.  :math:`\ln(1 - \rho x) = \ln\frac{1+s}{2} - 2\sum_{j\ge1} r^j T_j(x)/j`
    with :math:`s = \sqrt{1-\rho^2}`, :math:`r = \rho/(1+s)` (the generating function of the
    :math:`T_j`).  At the nodes every :math:`T_j` with :math:`j > q` aliases to
    :math:`\pm T_i`, :math:`i \le q`, so the interpolant errs by at most twice the tail of
    the series (the aliasing argument of Trefethen 2019, ch. 4, made there for the points of
    the second kind), and for every real :math:`x\in[-1,1]`

    .. math::

        |f(x) - p_q(x)| \le \frac{4\,|r|^{q+1}}{(q+1)(1-|r|)} ,

    and :math:`N` times that bounds the error of the log-determinant when the eigenvalues of
    :math:`W` are real (e.g. ``W`` a row-standardised symmetric matrix: contiguity, inverse
    distance).  With complex eigenvalues (k-nearest neighbours) the bound does not apply:
    compare with ``logdet="lu"`` once.

Monte Carlo (Barry & Pace 1999)
    :math:`\ln|I-\rho W| = -\sum_{k\ge1}\rho^k\operatorname{tr}(W^k)/k`, truncated after
    :math:`m` terms, with :math:`\operatorname{tr}(W^k)` estimated from :math:`p` standard
    normal probes :math:`x_i` by :math:`N x_i'W^kx_i / x_i'x_i` (unbiased, since
    :math:`x_i/\lVert x_i\rVert` is uniform on the sphere).  As in LeSage's MATLAB
    ``lndetmc`` and R spatialreg's ``method = "MC"``, the first two traces are replaced by
    their exact values, :math:`\operatorname{tr}W` and :math:`\operatorname{tr}W^2 =
    \sum_{ij} w_{ij}w_{ji}`.  With :math:`V_i(\rho)` the estimate of probe :math:`i` and
    :math:`s` their standard deviation, the estimate is :math:`\bar V` and Barry & Pace's
    interval

    .. math::

        \bar V \pm \Big(z_{1-\alpha/2}\, s/\sqrt p
              + \frac{N |\rho|^{m+1}}{(m+1)(1-|\rho|)}\Big)

    covers the log-determinant with probability :math:`\ge 1-\alpha` asymptotically (the
    second term bounds the truncated terms, since :math:`|\operatorname{tr}W^k| \le N`).
    The probes are drawn through :mod:`stfi_models.resample` (probe ``i`` from the ``i``-th
    child of ``SeedSequence(seed)``), so a seed reproduces the approximation exactly.

References
----------
Barry, R. P. & Pace, R. K. (1999). Monte Carlo estimates of the log determinant of large
sparse matrices. Linear Algebra and its Applications 289, 41-54.
Pace, R. K. & LeSage, J. P. (2004). Chebyshev approximation of log-determinants of spatial
weight matrices. Computational Statistics & Data Analysis 45, 179-196.
Trefethen, L. N. (2019). *Approximation Theory and Approximation Practice*, extended ed.,
ch. 4. SIAM.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy import stats

from stfi_models.resample import map_draws

__all__ = ["ChebyshevLogDet", "MonteCarloLogDet", "chebyshev_traces", "probe_traces"]

#: Columns of W's polynomials held at once by the trace computation (memory ``N * BLOCK``).
BLOCK = 256


def chebyshev_traces(w: sp.csr_array, order: int, *, block: int = BLOCK) -> np.ndarray:
    r"""Exact :math:`\operatorname{tr}T_j(W)`, :math:`j = 0..q`, by column blocks.

    Parameters
    ----------
    w : scipy.sparse array, shape (N, N)
    order : int
        The order :math:`q`.
    block : int
        Columns per block (memory :math:`3Nb` floats).
    """
    n = w.shape[0]
    traces = np.zeros(order + 1)
    traces[0] = n
    for start in range(0, n, block):
        cols = np.arange(start, min(start + block, n))
        local = np.arange(cols.size)
        prev = np.zeros((n, cols.size))
        prev[cols, local] = 1.0
        cur = np.asarray(w @ prev)
        traces[1] += cur[cols, local].sum()
        for j in range(2, order + 1):
            prev, cur = cur, 2.0 * np.asarray(w @ cur) - prev
            traces[j] += cur[cols, local].sum()
    return traces


def chebyshev_coefficients(rho: float, order: int) -> np.ndarray:
    r"""Coefficients of :math:`f`, :math:`f'` and :math:`f''` in :math:`\rho`, shape (q+1, 3).

    Column 0 interpolates :math:`\ln(1-\rho x)`, columns 1-2 its first two derivatives in
    :math:`\rho`; the first row is already halved, so the approximation of
    :math:`\ln|I-\rho W|` is ``traces @ coef[:, 0]``.
    """
    theta = np.pi * (np.arange(1, order + 2) - 0.5) / (order + 1)
    x = np.cos(theta)
    basis = np.cos(np.outer(np.arange(order + 1), theta))  # T_j(x_k)
    denom = 1.0 - rho * x
    values = np.column_stack([np.log(denom), -x / denom, -(x / denom) ** 2])
    coef = (2.0 / (order + 1)) * basis @ values
    coef[0] *= 0.5
    return coef


@dataclass(frozen=True)
class ChebyshevLogDet:
    """Chebyshev approximation of order ``order`` with its exact traces (see the module)."""

    traces: np.ndarray
    order: int

    @classmethod
    def of(cls, w: sp.csr_array, order: int) -> ChebyshevLogDet:
        """Compute the traces of ``W``'s Chebyshev polynomials."""
        return cls(chebyshev_traces(w, order), order)

    def values(self, rho: float) -> np.ndarray:
        """Return the approximation and its first two derivatives at ``rho``."""
        return self.traces @ chebyshev_coefficients(rho, self.order)

    def error_bound(self, rho: float) -> float:
        r"""Bound on the error for ``W`` with real eigenvalues in :math:`[-1, 1]`."""
        r = abs(rho) / (1.0 + np.sqrt(1.0 - rho * rho))
        q = self.order
        return float(self.traces[0] * 4.0 * r ** (q + 1) / ((q + 1) * (1.0 - r)))


def probe_traces(w: sp.csr_array, x: np.ndarray, terms: int) -> np.ndarray:
    r"""Return :math:`N x'W^kx / x'x` for :math:`k = 1..m`; shape (m,) or (m, p) for x (N, p)."""
    x = np.asarray(x, dtype=float)
    norm = (x * x).sum(axis=0)
    out = np.empty((terms, *x.shape[1:]))
    v = x
    for k in range(terms):
        v = np.asarray(w @ v)
        out[k] = (x * v).sum(axis=0) / norm
    return w.shape[0] * out


def _probe(rng: np.random.Generator, w: sp.csr_array, terms: int) -> np.ndarray:
    """Trace estimates from one standard normal probe."""
    return probe_traces(w, rng.standard_normal(w.shape[0]), terms)


@dataclass(frozen=True)
class MonteCarloLogDet:
    r"""Barry-Pace estimate from per-probe trace estimates (see the module).

    ``traces`` has shape (p, m): row ``i`` holds probe ``i``'s estimates of
    :math:`\operatorname{tr}W^k`, :math:`k = 1..m`, the first two replaced by the exact
    values.
    """

    traces: np.ndarray
    n: int

    @classmethod
    def of(cls, w: sp.csr_array, *, draws: int, terms: int, seed: Any) -> MonteCarloLogDet:
        """Draw ``draws`` probes through the resampling engine."""
        probes = np.stack(map_draws(_probe, draws, seed=seed, desc="log-determinant probes",
                                    progress=False, args=(w, terms)))
        return cls.from_probe_traces(w, probes)

    @classmethod
    def from_probe_traces(cls, w: sp.csr_array, probes: np.ndarray) -> MonteCarloLogDet:
        """Use given per-probe trace estimates, shape (p, m), e.g. of another program's draws."""
        probes = np.array(probes, dtype=float)
        exact = [float(w.diagonal().sum()), float(w.multiply(w.T).sum())]
        m = min(2, probes.shape[1])
        probes[:, :m] = exact[:m]
        return cls(probes, w.shape[0])

    @property
    def terms(self) -> int:
        """Number of series terms ``m``."""
        return self.traces.shape[1]

    def _per_probe(self, rho: float) -> np.ndarray:
        k = np.arange(1, self.terms + 1)
        return -self.traces @ (rho**k / k)

    def values(self, rho: float) -> np.ndarray:
        """Return the estimate and its first two derivatives at ``rho``."""
        k = np.arange(1, self.terms + 1)
        mean = self.traces.mean(axis=0)
        d1 = -mean @ rho ** (k - 1)
        d2 = -mean[1:] @ ((k[1:] - 1) * rho ** (k[1:] - 2))
        return np.array([-mean @ (rho**k / k), d1, d2])

    def interval(self, rho: float, level: float = 0.95) -> tuple[float, float]:
        """Barry & Pace's confidence interval for the log-determinant at ``rho``."""
        per = self._per_probe(rho)
        half = stats.norm.ppf(0.5 + level / 2) * per.std(ddof=1) / np.sqrt(per.size)
        m = self.terms
        half += self.n * abs(rho) ** (m + 1) / ((m + 1) * (1.0 - abs(rho)))
        return float(per.mean() - half), float(per.mean() + half)
