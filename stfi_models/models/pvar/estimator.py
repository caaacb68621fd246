"""GMM core of the panel VAR: per-entity cross products, one- and two-step estimates.

Job: estimate the ``m`` equations of a :class:`~stfi_models.models.pvar.system._System` as one
linear GMM problem (block-diagonal regressors ``I_m ⊗ X_i`` and instruments ``I_m ⊗ Z_i``).
The estimates come from per-entity cross products (:class:`_CrossProducts`: ``Z_i'H_iZ_i``,
``Z_i'X_i``, ``Z_i'Y_i``), algebraically the engine's
:func:`~stfi_models.models.gmm.engine.gmm_fit` on the stacked system (:func:`_stack`), with
one-step robust or Windmeijer (2005) two-step covariance and Hansen's J
(:func:`_gmm_system`).  :class:`_VarState` keeps what a fitted result needs for responses,
bands and refits.  The formulas are in the package docstring.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import scipy.sparse as sp

from stfi_models.exceptions import EstimationError
from stfi_models.models import lstsq
from stfi_models.models.gmm import engine
from stfi_models.models.pvar.system import VarModel, _System

#: ``MASS::ginv``'s default tolerance, used by R panelvar for the two-step weight.
GINV_RCOND = float(np.sqrt(np.finfo(float).eps))


@dataclass(frozen=True)
class _Estimate:
    """Numbers of one fit: coefficients ``(m, K)``, their covariance, residuals, Sigma."""

    coef: np.ndarray
    cov: np.ndarray
    resid: np.ndarray
    sigma: np.ndarray
    coef_onestep: np.ndarray | None = None
    cov_onestep: np.ndarray | None = None
    hansen: float | None = None
    n_moments: int = 0
    rank_w2: int | None = None
    vcov_type: str = ""

    def unscaled(self, y_scale: np.ndarray, x_scale: np.ndarray) -> _Estimate:
        """Map a fit on ``Y / y_scale`` and ``X / x_scale`` back to the original units.

        Coefficient ``(e, j)`` (equation ``e``, regressor ``j``) is multiplied by
        ``y_scale[e] / x_scale[j]``; covariances (equation-major ``vec``) congruently.
        """
        ratio = y_scale[:, None] / x_scale[None, :]
        vec = ratio.ravel()

        def cov(v: np.ndarray | None) -> np.ndarray | None:
            return None if v is None else v * np.outer(vec, vec)

        def coef(b: np.ndarray | None) -> np.ndarray | None:
            return None if b is None else b * ratio

        return replace(self, coef=coef(self.coef), cov=cov(self.cov), resid=self.resid * y_scale,
                       sigma=self.sigma * np.outer(y_scale, y_scale),
                       coef_onestep=coef(self.coef_onestep), cov_onestep=cov(self.cov_onestep))


def _stack(system: _System):
    """Stack the system block-diagonally (the engine's input form).

    Rows are (equation, observation), ``y = vec(Y)``, ``X = I_m ⊗ X``, ``Z = I_m ⊗ Z``, the
    entity repeated, and the one-step structure ``I_m ⊗ H``
    (:func:`~stfi_models.models.gmm.engine.stack_equations`).
    """
    m = system.y.shape[1]
    return engine.stack_equations(list(system.y.T), [system.x] * m, [system.z] * m,
                                  system.entity, system.h)


def _pinv(s: np.ndarray, rcond: float, equilibrate: bool = False,
          units: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """Return the Moore-Penrose inverse of a symmetric PSD matrix and the numerical rank kept.

    Eigenvalues below ``rcond * max`` are set to zero.

    ``equilibrate=True`` truncates the eigenvalues of ``D^{-1/2} S D^{-1/2}`` (``D`` the
    diagonal of ``S``) and returns ``D^{-1/2} (.)^+ D^{-1/2}``: the kept rank then does not
    depend on the units of the moments (the inverse itself is unchanged when nothing is
    truncated).  Otherwise, ``units`` (the factors by which the moments were divided, see
    :func:`_gmm_system`) makes the truncation that of the matrix in the data's own units.
    """
    sym = (s + s.T) / 2
    if equilibrate:
        diag = np.sqrt(np.abs(np.diag(sym)))
    else:
        diag = 1.0 / units if units is not None else np.ones(sym.shape[0])
    diag[diag == 0] = 1.0
    sym = sym / np.outer(diag, diag)
    vals, vecs = np.linalg.eigh(sym)
    top = float(np.max(np.abs(vals))) if vals.size else 0.0
    keep = np.abs(vals) > rcond * top if rcond > 0 else np.abs(vals) > 0
    inv = (vecs[:, keep] / vals[keep]) @ vecs[:, keep].T
    return inv / np.outer(diag, diag), int(keep.sum())


@dataclass(frozen=True)
class _Steps:
    """Intermediate quantities of one GMM fit on cross products.

    Stacked ordering: equation-major, ``vec`` of ``(L, m)`` / ``(K, m)`` matrices.
    """

    b1: np.ndarray
    b2: np.ndarray | None
    w1: np.ndarray
    w2: np.ndarray | None
    rank_w2: int | None
    g1: np.ndarray
    g2: np.ndarray | None
    zx: np.ndarray
    sigma: np.ndarray


@dataclass(frozen=True, eq=False)
class _CrossProducts:
    """Per-entity cross products of a transformed system: the sufficient statistics of GMM.

    The estimator is the one the engine's :func:`gmm_fit` computes on the stacked system
    (:func:`_stack`), written on ``Z_i'H Z_i``, ``Z_i'X_i``, ``Z_i'Y_i`` (and ``Y'Y``,
    ``X'Y``, ``X'X`` for Sigma): with the block-diagonal structure the one-step weight is
    ``I_m ⊗ W_1`` and needs only ``L x L`` work.  With entity weights ``c_i`` (bootstrap
    counts) every sum is ``sum_i c_i (.)_i``, so a refit costs a few small products.
    ``tests/models/test_pvar.py`` checks it against ``gmm_fit`` on the stacked system.

    Memory is linear in the rows: the ``L x L`` blocks ``Z_i'HZ_i`` are never stored per
    entity; ``sum_i c_i Z_i'HZ_i = Z' diag(c_i(r)) HZ`` is one sparse
    product of the (sparse) instruments ``z`` with ``hz = HZ`` (:meth:`zhz`).  The per-entity
    ``Z_i'X_i`` and ``Z_i'Y_i`` (``N x L x K``, ``N x L x m``) are kept.
    """

    z: sp.csr_matrix
    hz: sp.csr_matrix
    entity: np.ndarray
    zx: np.ndarray
    zy: np.ndarray
    yy: np.ndarray
    xy: np.ndarray
    xx: np.ndarray
    nobs: np.ndarray
    n_const: int = 0
    equilibrate: bool = False
    #: Factors the moments (equation-major) were divided by, or None (see :func:`_pinv`).
    units: np.ndarray | None = None

    @property
    def n_entities(self) -> int:
        return self.nobs.size

    @classmethod
    def of(cls, system: _System) -> _CrossProducts:
        """Compute the cross products of ``system``.

        ``Z_i'X_i``, ``Z_i'Y_i`` over all rows, ``Y'Y``, ``X'Y``, ``X'X`` and counts over the
        transformed rows (Sigma is a transformed-residual covariance), one sparse
        entity-indicator product per column; ``HZ`` with the system's one-step structure.
        """
        n = system.n_entities
        z = sp.csr_matrix(system.z)
        rows = np.arange(system.entity.size)
        indicator = sp.csr_matrix((np.ones(rows.size), (system.entity, rows)),
                                  shape=(n, rows.size))

        def per_entity_z(values: np.ndarray) -> np.ndarray:  # (N, L, columns)
            return np.stack([(indicator @ z.multiply(col[:, None]).tocsr()).toarray()
                             for col in values.T], axis=2)

        trans = system.transformed

        def per_entity_outer(a: np.ndarray, b: np.ndarray) -> np.ndarray:  # (N, a, b)
            outer = (a[trans][:, :, None] * b[trans][:, None, :]).reshape(int(trans.sum()), -1)
            sums = engine.entity_sums(outer, system.entity[trans], n)
            return sums.reshape(n, a.shape[1], b.shape[1])

        x, y = system.x, system.y
        nobs = np.bincount(system.entity[trans], minlength=n).astype(float)
        return cls(z=z, hz=sp.csr_matrix(system.h.sparse(rows.size) @ z), entity=system.entity,
                   zx=per_entity_z(x), zy=per_entity_z(y), yy=per_entity_outer(y, y),
                   xy=per_entity_outer(x, y), xx=per_entity_outer(x, x), nobs=nobs,
                   n_const=int(system.const), equilibrate=bool(system.level.any()))

    def zhz(self, counts: np.ndarray) -> np.ndarray:
        """``sum_i c_i Z_i'H_iZ_i`` (``L x L``, dense) by one sparse product."""
        weighted = sp.diags(counts[self.entity]) @ self.hz
        return (self.z.T @ weighted).toarray()

    def _moments(self, b: np.ndarray) -> np.ndarray:
        """Per-entity moments ``vec(Z_i'Y_i - Z_i'X_i B)``, shape ``(N, m L)``."""
        return (self.zy - self.zx @ b).transpose(0, 2, 1).reshape(self.n_entities, -1)

    def steps(self, counts: np.ndarray, steps: int, rcond: float) -> _Steps:
        """One-step (and two-step) estimates with entity weights ``counts``.

        One-step weight: inverse of ``sum_i c_i Z_i'HZ_i``, or its pseudo-inverse when
        singular at 1e-12 (the engine's rule).  Two-step weight: pseudo-inverse of
        ``sum_i c_i g_i g_i'`` at relative tolerance ``rcond``.  With levels equations
        (system GMM) both are equilibrated first (:func:`_pinv`): the constant's moments and
        the data's differ in scale by the data's units, and a relative tolerance on the raw
        matrix would truncate by units (Dahlberg: rank 70 of 318 raw, 244 after scaling
        the data by 1000).
        """
        m, k = self.zy.shape[2], self.zx.shape[2]
        zhz = self.zhz(counts)
        zx, zy = np.tensordot(counts, self.zx, 1), np.tensordot(counts, self.zy, 1)
        w1, _ = _pinv(zhz, 1e-12, equilibrate=True)
        b1 = np.linalg.solve(zx.T @ w1 @ zx, zx.T @ w1 @ zy)  # K x m
        g1 = self._moments(b1)
        b, b2, w2, rank, g2 = b1, None, None, None, None
        if steps == 2:
            w2, rank = _pinv((g1 * counts[:, None]).T @ g1, rcond, self.equilibrate, self.units)
            big = np.kron(np.eye(m), zx)
            b2 = (np.linalg.pinv(big.T @ w2 @ big) @ big.T @ w2 @ zy.T.ravel()).reshape(m, k).T
            b, g2 = b2, self._moments(b2)
        yy, xy = np.tensordot(counts, self.yy, 1), np.tensordot(counts, self.xy, 1)
        xx = np.tensordot(counts, self.xx, 1)
        ee = yy - b.T @ xy - xy.T @ b + b.T @ xx @ b
        sigma = ee / (counts @ self.nobs - (k - self.n_const))
        return _Steps(b1, b2, w1, w2, rank, g1, g2, zx, sigma)

    def estimate(self, counts: np.ndarray, steps: int, rcond: float
                 ) -> tuple[np.ndarray, np.ndarray]:
        """Coefficients ``(m, K)`` and Sigma with entity weights ``counts`` (no SEs)."""
        out = self.steps(counts, steps, rcond)
        return (out.b1 if steps == 1 else out.b2).T, out.sigma

    def within_ols(self, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Fit ``estimator="fe-ols"`` on within-demeaned data with entity weights ``counts``.

        Returns the coefficients ``(m, K)`` and Sigma with divisor ``n - N - K``
        (N = entities drawn).
        """
        k = self.xx.shape[1]
        xx, xy = np.tensordot(counts, self.xx, 1), np.tensordot(counts, self.xy, 1)
        yy = np.tensordot(counts, self.yy, 1)
        b = np.linalg.solve(xx, xy)
        ee = yy - xy.T @ b
        return b.T, ee / (counts @ self.nobs - counts.sum() - k)


def _gmm_system(system: _System, steps: int, rcond: float,
                with_cov: bool = True) -> _Estimate:
    """One- and two-step system GMM (:func:`_gmm_scaled`) on unit-free columns.

    The columns of ``Y``, ``X`` and ``Z`` are divided by powers of two
    (:func:`stfi_models.models.lstsq.column_scale`) first, so that no inverse depends on the
    units of a variable, and the estimate is mapped back (:meth:`_Estimate.unscaled`).  The
    one-step weight is inverted equilibrated (unit-free, and equal to the plain inverse when
    ``Z'HZ`` is regular).  The two-step weight keeps R panelvar's rule (a relative tolerance on
    ``sum_i g_i g_i'`` in the data's units, equilibrated only in system GMM); when that
    truncates, the model warns that the estimate depends on units.
    """
    y_scale, x_scale, z_scale = (lstsq.column_scale(a) for a in (system.y, system.x, system.z))
    scaled = replace(system, y=system.y / y_scale, x=system.x / x_scale,
                     z=sp.csr_matrix(system.z @ sp.diags(1.0 / z_scale)))
    return _gmm_scaled(scaled, steps, rcond, with_cov, np.kron(y_scale, z_scale)).unscaled(
        y_scale, x_scale)


def _gmm_scaled(system: _System, steps: int, rcond: float, with_cov: bool = True,
                units: np.ndarray | None = None) -> _Estimate:
    """One- and two-step system GMM with robust / Windmeijer covariance.

    Estimates come from the cross products (:class:`_CrossProducts`); the one-step robust
    sandwich is :math:`A_1 G'W_1 S_1 W_1 G A_1` (``G = I_m ⊗ Z'X``, ``W_1 = I_m ⊗ (Z'HZ)^{-1}``,
    ``S_1 = sum_i g_i g_i'`` joint over equations) and the two-step covariance is the
    engine's :func:`~stfi_models.models.gmm.engine.windmeijer` on the stacked system.
    """
    m, k = system.y.shape[1], system.x.shape[1]
    n_moments = system.z.shape[1] * m
    if n_moments < k * m:
        raise EstimationError(
            f"The panel VAR has {k} regressors per equation but only {system.z.shape[1]} "
            "instruments: widen the gmm() lag range."
        )
    cp = replace(_CrossProducts.of(system), units=units)
    ones = np.ones(cp.n_entities)
    try:
        out = cp.steps(ones, steps, rcond)
    except np.linalg.LinAlgError:
        raise EstimationError(
            "X'Z W Z'X is singular: the lagged variables are not identified by the "
            "instruments (collinear regressors or too few instrument lags)."
        ) from None
    coef1 = out.b1.T
    big = np.kron(np.eye(m), out.zx)
    w1 = np.kron(np.eye(m), out.w1)
    a1 = np.linalg.inv(big.T @ w1 @ big)
    if with_cov or steps == 1:
        bread = a1 @ big.T @ w1
        v1 = bread @ (out.g1.T @ out.g1) @ bread.T
    else:
        v1 = None
    if steps == 1:
        resid = system.y - system.x @ out.b1
        return _Estimate(coef1, v1, resid, out.sigma, coef1, v1, None, n_moments, None,
                         "robust (one-step sandwich, clustered by entity)")
    gbar = out.g2.sum(axis=0)
    hansen = float(gbar @ out.w2 @ gbar)
    a2 = np.linalg.pinv(big.T @ out.w2 @ big)
    resid = system.y - system.x @ out.b2
    cov = a2
    if with_cov:
        y, x, z, entity, _ = _stack(system)
        u1 = y - x @ out.b1.T.ravel()
        u2 = resid.T.ravel()
        cov = engine.windmeijer(x, z, entity, system.n_entities, u1, u2, out.w2, a2, v1)
    return _Estimate(out.b2.T, cov, resid, out.sigma, coef1, v1, hansen, n_moments,
                     out.rank_w2, "Windmeijer-corrected two-step")


@dataclass(frozen=True, eq=False)
class _VarState:
    """What the result needs to compute responses, bands and refits."""

    model: VarModel
    system: _System
    estimate: _Estimate
    steps: int
    rcond: float

    @property
    def names(self) -> tuple[str, ...]:
        return self.model.names

    @property
    def p(self) -> int:
        return self.model.p

    def lag_matrices(self, coef: np.ndarray) -> np.ndarray:
        """``(p, m, m)`` from a ``(m, K)`` coefficient matrix (exogenous columns dropped)."""
        m = len(self.names)
        return coef[:, : self.p * m].reshape(m, self.p, m).transpose(1, 0, 2)

    @property
    def cross_products(self) -> _CrossProducts:
        """Per-entity cross products of the fitted system (built on first use)."""
        cached = self.__dict__.get("_cp")
        if cached is None:
            cached = _CrossProducts.of(self.system)
            object.__setattr__(self, "_cp", cached)
        return cached
