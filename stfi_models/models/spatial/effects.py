r"""LeSage-Pace direct, indirect and total effects of spatial lag and Durbin models.

For regressor :math:`k` with coefficient :math:`\beta_k` and Durbin coefficient
:math:`\theta_k` (0 in a SAR),

.. math::

    S_k(W) = (I_N - \rho W)^{-1}(\beta_k I_N + \theta_k W),\qquad
    \text{direct}_k = \tfrac1N \operatorname{tr} S_k,\qquad
    \text{total}_k = \tfrac1N \iota' S_k \iota,\qquad
    \text{indirect}_k = \text{total}_k - \text{direct}_k .

With :math:`A = (I - \rho W)^{-1}`: :math:`\operatorname{tr} A = \sum_i 1/(1-\rho\omega_i)`
and :math:`\operatorname{tr} AW = \sum_i \omega_i/(1-\rho\omega_i)` (eigenvalues
:math:`\omega_i`), while the totals solve :math:`(I - \rho W)a = \iota` and
:math:`(I - \rho W)b = W\iota`.  The decomposition by order of neighbours expands
:math:`A = \sum_q \rho^q W^q`, so the part of :math:`S_k` in :math:`W^q` is
:math:`(\rho^q\beta_k + \rho^{q-1}\theta_k) W^q` (LeSage & Pace 2009, sec. 2.7).

The delta method differentiates these closed forms (:math:`d\operatorname{tr}A/d\rho =
\operatorname{tr}(AWA)`, ...); the simulation draws the parameters from their asymptotic
normal distribution (LeSage & Pace 2009, p. 39) through :mod:`stfi_models.resample`.

References
----------
LeSage, J. & Pace, R. K. (2009). *Introduction to Spatial Econometrics*. CRC Press.
Elhorst, J. P. (2014). *Spatial Econometrics*, sec. 2.7. Springer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from stfi_models.models.spatial.logdet import LogDet

__all__ = ["EffectTerms", "Multipliers", "effect_values", "effect_gradient", "order_effects"]

KINDS = ("direct", "indirect", "total")


@dataclass(frozen=True)
class EffectTerms:
    r"""Which parameters enter the effects of each variable.

    Attributes
    ----------
    variables : tuple of str
        Variables with effects (a regressor, its Durbin lag, or both).
    beta : tuple of int or None
        Position of :math:`\beta_k` in the parameter vector (None: no direct term).
    theta : tuple of int or None
        Position of :math:`\theta_k` (None in a SAR).
    rho : int
        Position of :math:`\rho`.
    """

    variables: tuple[str, ...]
    beta: tuple[int | None, ...]
    theta: tuple[int | None, ...]
    rho: int

    @classmethod
    def of(cls, names: tuple[str, ...], rho: int) -> EffectTerms:
        """Pair each regressor ``x`` with its Durbin lag ``W.x`` by name."""
        pos = {n: i for i, n in enumerate(names)}
        variables = list(dict.fromkeys(n.removeprefix("W.") for n in names))
        return cls(tuple(variables), tuple(pos.get(v) for v in variables),
                   tuple(pos.get(f"W.{v}") for v in variables), rho)

    def coefficients(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        r""":math:`(\beta_k)` and :math:`(\theta_k)` with zeros where absent."""
        beta = np.array([0.0 if i is None else params[i] for i in self.beta])
        theta = np.array([0.0 if i is None else params[i] for i in self.theta])
        return beta, theta


@dataclass(frozen=True)
class Multipliers:
    r"""The four scalar multipliers of the effects and their derivatives in :math:`\rho`.

    ``values`` = :math:`(\operatorname{tr}A, \operatorname{tr}AW, \iota'A\iota,
    \iota'AW\iota)/N`; ``derivatives`` = their derivatives.
    """

    values: np.ndarray
    derivatives: np.ndarray

    @classmethod
    def at(cls, rho: float, logdet: LogDet) -> Multipliers:
        """Evaluate at ``rho`` (eigenvalues for the traces, two solves for the totals)."""
        w = logdet.matrix
        n = w.shape[0]
        if logdet.method == "eigen":
            om = logdet.omega
            inv = 1.0 / (1.0 - rho * om)
            traces = np.array([inv.sum(), (om * inv).sum()]).real / n
            d_traces = np.array([(om * inv**2).sum(), (om**2 * inv**2).sum()]).real / n
        else:  # G = W A, A = I + rho G: tr A = N + rho tr G, tr GA = tr G + rho tr G^2
            tr_g, tr_gg = logdet.traces(rho)
            traces = np.array([n + rho * tr_g, tr_g]) / n
            d_traces = np.array([tr_g + rho * tr_gg, tr_gg]) / n
        solve = _solver(w, rho)
        ones = np.ones(n)
        a1 = solve(ones)
        aw1 = solve(np.asarray(w @ ones))
        wa1, waw1 = np.asarray(w @ a1), np.asarray(w @ aw1)
        sums = np.array([a1.sum(), aw1.sum()]) / n
        d_sums = np.array([solve(wa1).sum(), solve(waw1).sum()]) / n
        return cls(np.concatenate([traces, sums]), np.concatenate([d_traces, d_sums]))


def _solver(w: sp.csr_array, rho: float):
    n = w.shape[0]
    lu = sp.linalg.splu(sp.csc_matrix(sp.identity(n) - rho * sp.csr_matrix(w)))
    return lu.solve


def effect_values(params: np.ndarray, terms: EffectTerms, logdet: LogDet) -> np.ndarray:
    """Effects as an array ``(n_variables, 3)``: direct, indirect, total."""
    beta, theta = terms.coefficients(params)
    m = Multipliers.at(float(params[terms.rho]), logdet).values
    direct = beta * m[0] + theta * m[1]
    total = beta * m[2] + theta * m[3]
    return np.column_stack([direct, total - direct, total])


def effect_gradient(params: np.ndarray, terms: EffectTerms, logdet: LogDet) -> np.ndarray:
    """Jacobian of the effects in the parameters: shape ``(n_variables, 3, n_params)``."""
    beta, theta = terms.coefficients(params)
    mult = Multipliers.at(float(params[terms.rho]), logdet)
    m, dm = mult.values, mult.derivatives
    grad = np.zeros((len(terms.variables), 3, params.size))
    for v, (ib, it) in enumerate(zip(terms.beta, terms.theta, strict=True)):
        d_direct = np.zeros(params.size)
        d_total = np.zeros(params.size)
        if ib is not None:
            d_direct[ib], d_total[ib] = m[0], m[2]
        if it is not None:
            d_direct[it], d_total[it] = m[1], m[3]
        d_direct[terms.rho] = beta[v] * dm[0] + theta[v] * dm[1]
        d_total[terms.rho] = beta[v] * dm[2] + theta[v] * dm[3]
        grad[v] = [d_direct, d_total - d_direct, d_total]
    return grad


def order_effects(params: np.ndarray, terms: EffectTerms, w: sp.csr_array,
                  orders: int) -> np.ndarray:
    r"""Effects by order of neighbours: array ``(orders + 1, n_variables, 3)``.

    Order ``q`` holds the part of :math:`S_k` in :math:`W^q`; the sum over all orders is the
    full effect (the tail beyond ``orders`` is left out).
    """
    beta, theta = terms.coefficients(params)
    rho = float(params[terms.rho])
    n = w.shape[0]
    power = sp.identity(n, format="csr")
    out = np.zeros((orders + 1, beta.size, 3))
    for q in range(orders + 1):
        if q > 0:
            power = power @ w
        coef = beta.copy() if q == 0 else rho**q * beta + rho ** (q - 1) * theta
        trace, total = power.diagonal().sum() / n, power.sum() / n
        out[q, :, 0] = coef * trace
        out[q, :, 2] = coef * total
        out[q, :, 1] = out[q, :, 2] - out[q, :, 0]
    return out
