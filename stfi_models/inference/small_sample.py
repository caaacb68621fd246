r"""Small-sample cluster-robust inference: CR2 / CR3 adjustments and Satterthwaite / HTZ df.

For the regression :math:`\tilde y = \tilde X\beta + \tilde e` the model estimated (within
transformed for FE, quasi-demeaned for RE, differenced for FD) and clusters
:math:`j = 1..J`, the cluster-robust covariance is

.. math::

    \hat V = M \Big(\sum_j \tilde X_j^\prime A_j \tilde e_j \tilde e_j^\prime A_j^\prime
    \tilde X_j\Big) M, \qquad M = (\tilde X^\prime \tilde X)^{-1},

with :math:`A_j = I` (CR0), :math:`A_j = (I - H_{jj})^{-1/2}` (CR2, Bell & McCaffrey 2002)
or :math:`A_j = (I - \tilde X_j M \tilde X_j^\prime)^{-1}` (CR3, the approximate jackknife).
For CR2 the hat matrix is that of the *full* model, absorbed effects included (Pustejovsky &
Tipton 2018): :math:`I - H = M_D - \tilde X M \tilde X^\prime`, :math:`M_D` the within
transformation, so :math:`(I - H)_{jj} = (M_D)_{jj} - \tilde X_j M \tilde X_j^\prime`; its
inverse square root is taken on the eigenvalues above :math:`10^{-12}` (the rest, the
directions of effects nested in cluster j, are zero).  This is R clubSandwich's ``vcovCR``
for ``plm`` objects (``inverse_var = TRUE``; its ``CR3`` ignores absorbed effects, and so
does ours).

Random effects: clubSandwich works on the GLS form, :math:`W_j = \Theta_j^{-1}` with the
working covariance :math:`\Theta_j = I + (\sigma^2_\eta/\sigma^2_\nu) J` per entity.  In the
quasi-demeaned regression, with :math:`P_j = I - \theta_i \bar J` (so :math:`P_j^2 = W_j`),
its CR2 is :math:`\tilde X_j^\prime G_j^{-1/2} P_j^{-2} \tilde e_j` with
:math:`G_j = P_j^{-4} - P_j^{-2}\tilde X_j M \tilde X_j^\prime P_j^{-2}`, i.e. the
adjustment :math:`A_j = G_j^{-1/2} P_j^{-2}` (not symmetric; CR0, CR1 and CR3 equal their
transformed-regression forms).  Entities must be nested in clusters.

Degrees of freedom (Bell & McCaffrey 2002; Pustejovsky & Tipton 2018).  For a contrast
matrix :math:`C` (q x k), let :math:`g_{js} = (I - H)_{\cdot j} A_j \tilde X_j M c_s`
(the columns of the residual maker of cluster j times the cluster's weights), and
:math:`P_{jk} = G_j^\prime G_k` after normalising by :math:`\Omega^{-1/2}`,
:math:`\Omega = \sum_j G_j^\prime G_j`.  Under the working model (independent homoskedastic
errors) :math:`C\hat V C^\prime` has the moments of a sum of quadratic forms, and the HTZ
test matches them to a Hotelling :math:`T^2`:

.. math::

    \eta = \frac{q(q+1)}{\sum_{j,k} [(\operatorname{tr} P_{jk})^2 + \operatorname{tr}
    (P_{jk}P_{jk})]}, \qquad F = \frac{\eta - q + 1}{\eta q} Q \sim F(q, \eta - q + 1),

with :math:`Q` the Wald statistic.  For one coefficient :math:`\eta` is the Satterthwaite df
:math:`(\sum_j p_{jj})^2 / \sum_{j,k} p_{jk}^2` of its t test.

References
----------
Bell, R. M. & McCaffrey, D. F. (2002). Survey Methodology 28(2), 169-181.
Pustejovsky, J. E. & Tipton, E. (2018). Small-sample methods for cluster-robust variance
estimation and hypothesis testing in fixed effects models. JBES 36(4), 672-683.
Imbens, G. W. & Kolesar, M. (2016). Review of Economics and Statistics 98(4), 701-712.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from stfi_models.exceptions import EstimationError

__all__ = ["cluster_groups", "adjustment_matrices", "cluster_scores", "sym_power", "htz_df",
           "satterthwaite_df", "MAX_ELEMENTS"]

Sweep = Callable[[np.ndarray], np.ndarray]
#: Largest n x (J q) work array the df computations may allocate (bounded work).
MAX_ELEMENTS = 60_000_000


def cluster_groups(codes: np.ndarray) -> list[np.ndarray]:
    """Row indices of each cluster, in the order of the (0-based) codes."""
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    return np.split(order, bounds)


def sym_power(matrix: np.ndarray, power: float, tol: float = 1e-12) -> np.ndarray:
    """Power of a symmetric matrix on its eigenvalues above ``tol`` (others set to zero)."""
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    scaled = np.where(values > tol, np.abs(values) ** power, 0.0)
    return (vectors * scaled) @ vectors.T


def _residual_block(rows: np.ndarray, n: int, sweep: Sweep | None) -> np.ndarray:
    """``(M_D)_{jj}``: the within transformation restricted to the rows of one cluster."""
    if sweep is None:
        return np.eye(rows.size)
    unit = np.zeros((n, rows.size))
    unit[rows, np.arange(rows.size)] = 1.0
    return sweep(unit)[rows]


def _re_power(rows: np.ndarray, quasi: tuple[np.ndarray, np.ndarray]) -> Callable[[float],
                                                                                np.ndarray]:
    r"""Return ``a -> P_j^a``, powers of the quasi-demeaning :math:`P = I - \theta \bar J`."""
    entity, theta = quasi[0][rows], quasi[1][rows]
    same = (entity[:, None] == entity[None, :]).astype(float)
    means = same / same.sum(axis=1, keepdims=True)
    return lambda a: np.eye(rows.size) + ((1.0 - theta) ** a - 1.0)[:, None] * means


def adjustment_matrices(kind: str, x: np.ndarray, bread: np.ndarray,
                        groups: Sequence[np.ndarray], sweep: Sweep | None = None,
                        quasi: tuple[np.ndarray, np.ndarray] | None = None
                        ) -> list[np.ndarray] | None:
    """Return the per-cluster :math:`A_j` of CR2 / CR3 (``None`` for CR0 / CR1, where A = I).

    ``quasi`` = (entity code, theta) per row for random effects (CR2 in clubSandwich's GLS
    form, see the module notes).

    Raises
    ------
    EstimationError
        When a cluster is perfectly fitted (CR3: :math:`I - H_{jj}` is singular).
    """
    if kind not in ("CR2", "CR3"):
        return None
    out = []
    for j, rows in enumerate(groups):
        xj = x[rows]
        hat = xj @ bread @ xj.T
        if kind == "CR2" and quasi is not None:
            power = _re_power(rows, quasi)
            inv2 = power(-2.0)
            out.append(sym_power(power(-4.0) - inv2 @ hat @ inv2, -0.5) @ inv2)
            continue
        if kind == "CR2":
            out.append(sym_power(_residual_block(rows, x.shape[0], sweep) - hat, -0.5))
            continue
        try:
            out.append(np.linalg.inv(np.eye(rows.size) - hat))
        except np.linalg.LinAlgError:
            raise EstimationError(
                f"CR3 is undefined: cluster {j + 1} (of {len(groups)}) is fitted perfectly "
                "(I - H_jj is singular). Use vcov='CR2'."
            ) from None
    return out


def cluster_scores(x: np.ndarray, resid: np.ndarray, groups: Sequence[np.ndarray],
                   adjust: Sequence[np.ndarray] | None) -> np.ndarray:
    r"""Return the ``(J, k)`` scores :math:`\\tilde X_j^\\prime A_j \\tilde e_j`."""
    if adjust is None:
        return np.stack([x[rows].T @ resid[rows] for rows in groups])
    return np.stack([x[rows].T @ (a @ resid[rows]) for rows, a in zip(groups, adjust,
                                                                           strict=True)])


def _residual_maker(z: np.ndarray, x: np.ndarray, bread: np.ndarray,
                    sweep: Sweep | None) -> np.ndarray:
    r"""Return ``(I - H) z`` of the full model: :math:`M_D z - \\tilde X M \\tilde X^\\prime z`."""
    swept = sweep(z) if sweep is not None else z
    return swept - x @ (bread @ (x.T @ z))


def _stacked(x: np.ndarray, bread: np.ndarray, groups: Sequence[np.ndarray],
             adjust: Sequence[np.ndarray] | None, weights: np.ndarray,
             sweep: Sweep | None) -> np.ndarray:
    """``(n, J, q)`` array of :math:`g_{js}`, the residual maker times each cluster's row."""
    n, q, n_groups = x.shape[0], weights.shape[1], len(groups)
    if n * n_groups * q > MAX_ELEMENTS:
        raise EstimationError(
            f"Small-sample degrees of freedom need an array of {n} rows x {n_groups} clusters "
            f"x {q} contrasts, above the limit of {MAX_ELEMENTS:,} numbers. Use "
            "test_df='clusters' (G - 1) or the wild cluster bootstrap."
        )
    z = np.zeros((n, n_groups, q))
    for j, rows in enumerate(groups):
        block = x[rows] @ weights
        z[rows, j, :] = adjust[j].T @ block if adjust is not None else block
    return _residual_maker(z.reshape(n, -1), x, bread, sweep).reshape(n, n_groups, q)


def htz_df(contrasts: np.ndarray, x: np.ndarray, bread: np.ndarray,
           groups: Sequence[np.ndarray], adjust: Sequence[np.ndarray] | None,
           sweep: Sweep | None = None) -> float:
    r"""Degrees of freedom :math:`\\eta` of the HTZ test of ``contrasts`` (q x k) (see module)."""
    g = _stacked(x, bread, groups, adjust, bread @ contrasts.T, sweep)
    n, n_groups, q = g.shape
    omega = np.einsum("njs,njt->st", g, g)
    b = g @ sym_power(omega, -0.5, tol=1e-12 * float(np.abs(omega).max()))  # scale-free
    flat = b.reshape(n, n_groups * q)
    p = (flat.T @ flat).reshape(n_groups, q, n_groups, q)  # p[j, s, k, t] = b_js . b_kt
    trace = np.einsum("jsks->jk", p)
    square = np.einsum("jskt,jtks->jk", p, p)
    return float(q * (q + 1) / (np.sum(trace ** 2) + np.sum(square)))


def satterthwaite_df(x: np.ndarray, bread: np.ndarray, groups: Sequence[np.ndarray],
                     adjust: Sequence[np.ndarray] | None, sweep: Sweep | None = None
                     ) -> np.ndarray:
    """Satterthwaite df of each coefficient's t test (clubSandwich ``coef_test``)."""
    k = x.shape[1]
    return np.array([htz_df(np.eye(k)[[c]], x, bread, groups, adjust, sweep)
                     for c in range(k)])
