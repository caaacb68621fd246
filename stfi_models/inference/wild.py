r"""Wild cluster bootstrap tests and confidence intervals, by the boottest algebra.

For the regression the model estimated, :math:`\tilde y = \tilde X\beta + \tilde e` (within
transformed for FE, quasi-demeaned for RE with :math:`\theta` held fixed, differenced for FD),
clusters :math:`g = 1..G` and the hypothesis :math:`R\beta = r`, each bootstrap sample is

.. math::

    \tilde y^* = \tilde X\hat\beta_0 + M_D(\hat u \odot v), \qquad v_i = v_{g(i)},

with :math:`\hat\beta_0, \hat u` the restricted estimate and residuals (WCR, the null imposed)
or the unrestricted ones (WCU), :math:`M_D` the within transformation of absorbed effects
(the identity otherwise; it matters only when effects are not nested in the clusters) and
:math:`v_g` i.i.d. Rademacher (:math:`\pm 1`), Webb (six points :math:`\pm\sqrt{1/2}, \pm 1,
\pm\sqrt{3/2}`), Mammen (two points) or standard normal weights.  The bootstrap statistic is
the CR1 cluster-robust t (one restriction) or Wald statistic of :math:`R\beta^* = R\hat\beta_0`.

No sample is refitted (Roodman, MacKinnon, Nielsen & Webb 2019).  Everything is linear in
:math:`v`: with :math:`M = (\tilde X^\prime\tilde X)^{-1}`, :math:`W_g = M_D(\hat u\odot 1_g)`
and :math:`S = \tilde X^\prime W` (k x G),

.. math::

    R\beta^* - R\hat\beta_0 = RMS\,v, \qquad
    R M \tilde X_h^\prime e^*_h = R M\,(\tilde X_h^\prime W_{h\cdot} - \tilde X_h^\prime
    \tilde X_h M S)\, v =: C_h v,

so a draw costs a few products of q x G matrices with :math:`v`; 9,999 draws on 31 clusters
take milliseconds.  The restricted residuals are affine in the hypothesised value
:math:`r_0`, :math:`\hat u(r_0) = \tilde e + \tilde X M R^\prime(RMR^\prime)^{-1}(R\hat\beta -
r_0)`, so every bootstrap t is a ratio of an affine function and the square root of a quadratic
in :math:`r_0`, and the confidence interval (the set of :math:`r_0` not rejected at the level)
is found by bisection on exact p-values.

p-values: ``"symmetric"`` :math:`P(|t^*| > |t|)`, ``"greater"`` :math:`P(t^* > t)`,
``"less"`` :math:`P(t^* < t)`; Wald statistics are compared one-sided.  A bootstrap statistic
equal to the original one within a relative :math:`10^{-10}` does not count as exceeding it,
so the p-value does not depend on rounding (the draws :math:`v = \pm 1` reproduce the original
t exactly under WCR).  With Rademacher weights and :math:`2^G \le` ``draws`` all :math:`2^G`
sign patterns are enumerated and the p-value is deterministic.

References
----------
Cameron, A. C., Gelbach, J. B. & Miller, D. L. (2008). Bootstrap-based improvements for
inference with clustered errors. Review of Economics and Statistics 90(3), 414-427.
Roodman, D., MacKinnon, J. G., Nielsen, M. O. & Webb, M. D. (2019). Fast and wild: bootstrap
inference in Stata using boottest. Stata Journal 19(1), 4-60.
Webb, M. D. (2023). Reworking wild bootstrap-based inference for clustered errors. Canadian
Journal of Economics 56(3), 839-858.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from stfi_models.exceptions import (
    EstimationError,
    SpecificationError,
    SpecificationWarning,
    check_choice,
    check_kwargs,
)
from stfi_models.inference.covariance import Regression, cluster_codes
from stfi_models.inference.hypothesis import parse_restrictions
from stfi_models.inference.small_sample import MAX_ELEMENTS, cluster_groups
from stfi_models.resample import DrawChunk, Resampling, map_chunks

__all__ = ["WEIGHTS", "SCHEMES", "PVALUE_TYPES", "WildBootstrap", "wild_bootstrap",
           "draw_weights"]

#: Weight distributions of the bootstrap.
WEIGHTS = ("rademacher", "webb", "mammen", "normal")
#: Restricted (null imposed) or unrestricted bootstrap DGP.
SCHEMES = ("WCR", "WCU")
#: Which tail(s) the p-value counts.
PVALUE_TYPES = ("symmetric", "greater", "less")
_TIE = 1e-10
#: Below this many clusters Rademacher weights warn (Webb 2023: use Webb's six points).
_FEW_RADEMACHER = 12
#: Draws per chunk, fixed so that the numbers never depend on n_jobs (same chunks everywhere).
_CHUNK = 1024
_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])
_SQ5 = np.sqrt(5.0)
_MAMMEN = np.array([-(_SQ5 - 1) / 2, (_SQ5 + 1) / 2])
_MAMMEN_P = (_SQ5 + 1) / (2 * _SQ5)
_OPTIONS = ("draws", "weights", "scheme", "cluster", "level", "ci", "pvalue", "seed", "n_jobs",
            "backend", "progress")


def draw_weights(kind: str, n_clusters: int, rng: np.random.Generator) -> np.ndarray:
    """One draw of ``n_clusters`` bootstrap weights of distribution ``kind``."""
    if kind == "rademacher":
        return rng.integers(0, 2, n_clusters) * 2.0 - 1.0
    if kind == "webb":
        return _WEBB[rng.integers(0, 6, n_clusters)]
    if kind == "mammen":
        return np.where(rng.random(n_clusters) < _MAMMEN_P, _MAMMEN[0], _MAMMEN[1])
    return rng.standard_normal(n_clusters)


# ---------------------------------------------------------------------------- the algebra
@dataclass(frozen=True)
class _Pieces:
    """``A`` (q x G) and ``C`` (H, q, G) of one residual vector (see the module notes)."""

    a: np.ndarray
    c: np.ndarray

    def apply(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Numerators (q, B) and per-cluster score contrasts (H, q, B) of the draws ``v``."""
        return np.einsum("qg,gb->qb", self.a, v), np.einsum("hqg,gb->hqb", self.c, v)


@dataclass(frozen=True)
class _Engine:
    """Everything a chunk of draws needs (picklable arrays only)."""

    kind: str
    n_clusters: int
    enumerate: bool
    factor: float
    base: _Pieces
    slope: _Pieces | None  # residual part proportional to (R b - r0), one restriction only

    def weights(self, chunk: DrawChunk) -> np.ndarray:
        if self.enumerate:
            idx = np.asarray(chunk.indices, dtype=np.int64)
            bits = (idx[None, :] >> np.arange(self.n_clusters)[:, None]) & 1
            return 1.0 - 2.0 * bits
        return np.column_stack([draw_weights(self.kind, self.n_clusters, rng)
                                for rng in chunk.generators()])


def _chunk_stats(chunk: DrawChunk, engine: _Engine) -> np.ndarray:
    """Per draw of the chunk: ``(a_e, a_z, d0, d1, d2)`` (one restriction) or the Wald/q."""
    v = engine.weights(chunk)
    num, den = engine.base.apply(v)
    if engine.base.a.shape[0] == 1:
        if engine.slope is None:
            num_z, den_z = np.zeros_like(num), np.zeros_like(den)
        else:
            num_z, den_z = engine.slope.apply(v)
        d0 = np.sum(den[:, 0] ** 2, axis=0)
        d1 = np.sum(den[:, 0] * den_z[:, 0], axis=0)
        d2 = np.sum(den_z[:, 0] ** 2, axis=0)
        return np.vstack([num[0], num_z[0], d0, d1, d2])
    var = engine.factor * np.einsum("hqb,hpb->bqp", den, den)
    sol = np.linalg.solve(var, num.T[:, :, None])[:, :, 0]
    return (np.einsum("qb,bq->b", num, sol) / num.shape[0])[None, :]


def _pieces(u: np.ndarray, reg: Regression, groups: Sequence[np.ndarray], rm: np.ndarray,
            bread: np.ndarray, blocks: np.ndarray) -> _Pieces:
    """Return ``A = R M S`` and ``C_h = R M (X_h' W_h. - X_h'X_h M S)`` for residuals ``u``."""
    x, n_groups = reg.x, len(groups)
    if reg.sweep is None:
        s = np.column_stack([x[rows].T @ u[rows] for rows in groups])
        a = rm @ s
        own = np.zeros((n_groups, rm.shape[0], n_groups))
        own[np.arange(n_groups), :, np.arange(n_groups)] = a.T
    else:
        if x.shape[0] * n_groups > MAX_ELEMENTS:
            raise EstimationError(
                f"The wild bootstrap with absorbed effects needs an array of {x.shape[0]} rows "
                f"x {n_groups} clusters, above the limit of {MAX_ELEMENTS:,} numbers."
            )
        spread = np.zeros((x.shape[0], n_groups))
        for g, rows in enumerate(groups):
            spread[rows, g] = u[rows]
        w = reg.sweep(spread)
        s = x.T @ w
        a = rm @ s
        own = np.stack([rm @ (x[rows].T @ w[rows]) for rows in groups])
    return _Pieces(a, own - np.einsum("hqk,kg->hqg", blocks, bread @ s))


# ---------------------------------------------------------------------------- the result
@dataclass(frozen=True)
class WildBootstrap:
    """Result of a wild cluster bootstrap test (immutable).

    Attributes
    ----------
    hypothesis : tuple of str
        The restrictions tested.
    stat : float
        The original CR1 cluster-robust t (one restriction) or Wald/q statistic.
    pvalue : float
        Bootstrap p-value.
    conf_int : tuple of float or None
        Confidence interval for ``R b`` by test inversion (one restriction only).
    level : float
        Its level.
    draws : int
        Bootstrap samples used (``2^G`` when enumerated).
    enumerated : bool
        All Rademacher sign patterns were used (deterministic p-value).
    weights, scheme, pvalue_type : str
        Options used.
    cluster : str
        Bootstrap clustering.
    n_clusters : int
        G.
    seed_entropy : int or None
        Entropy of the root seed (reproduces a run made with ``seed=None``).
    boot_stats : numpy.ndarray
        Bootstrap statistics at the hypothesis (t or Wald/q).
    """

    hypothesis: tuple[str, ...]
    stat: float
    pvalue: float
    conf_int: tuple[float, float] | None
    level: float
    draws: int
    enumerated: bool
    weights: str
    scheme: str
    pvalue_type: str
    cluster: str
    n_clusters: int
    seed_entropy: int | None
    boot_stats: np.ndarray = field(repr=False)

    def summary(self) -> str:
        """Return the test as text."""
        kind = "t" if len(self.hypothesis) == 1 else "Wald/q"
        how = (f"all {self.draws} sign patterns enumerated" if self.enumerated
               else f"{self.draws} draws, seed entropy {self.seed_entropy}")
        lines = [
            f"Wild cluster bootstrap ({self.scheme}, {self.weights} weights; {how})",
            f"H0: {'; '.join(self.hypothesis)}",
            f"Clusters: {self.cluster} (G = {self.n_clusters}); statistic: CR1 {kind}",
            f"{kind} = {self.stat:.4f}, bootstrap p = {self.pvalue:.4f} ({self.pvalue_type})",
        ]
        if self.conf_int is not None:
            lo, hi = self.conf_int
            lines.append(f"{self.level:.0%} CI (test inversion): [{lo:.6g}, {hi:.6g}]")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


# ---------------------------------------------------------------------------- the test
@dataclass(frozen=True)
class _Setup:
    engine: _Engine
    stat: Callable[[float], float]
    boot: Callable[[np.ndarray, float], np.ndarray]
    estimate: float
    se: float


def _pvalue(stat: float, boot: np.ndarray, kind: str, wald: bool) -> float:
    tie = _TIE * max(abs(stat), 1e-300)
    if wald or kind == "greater":
        return float(np.mean(boot > stat + tie))
    if kind == "less":
        return float(np.mean(boot < stat - tie))
    return float(np.mean(np.abs(boot) > abs(stat) + tie))


def _bound(p_at: Callable[[float], float], inside: float, step: float, alpha: float,
           sign: float) -> float:
    """Bisect for the edge of ``{r0: p(r0) > alpha}`` on one side of ``inside``."""
    outer = inside + sign * step
    for _ in range(60):
        if p_at(outer) <= alpha:
            break
        outer = inside + 2 * (outer - inside)
    else:
        return float(sign * np.inf)
    lo, hi = inside, outer
    for _ in range(100):
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        if p_at(mid) > alpha:
            lo = mid
        else:
            hi = mid
        if abs(hi - lo) <= 1e-10 * step:
            break
    return float((lo + hi) / 2)


def wild_bootstrap(reg: Regression, frame: pd.DataFrame, keys: tuple[str, str],
                   result: Any, hypothesis: str | list[str], **options: Any) -> WildBootstrap:
    """Wild cluster bootstrap test of ``hypothesis`` after a static model.

    Called as ``res.wild_bootstrap(hypothesis, ...)``.

    Parameters
    ----------
    reg, frame, keys
        The model's transformed regression, panel columns and key names (bound by the model).
    result : Result
        The fitted Result (its ``params``).
    hypothesis : str or list of str
        Linear restrictions, e.g. ``"STFI = 0"`` or ``"a = 0, b = c"``.
    **options
        ``draws`` (int, default 9999), ``weights`` (:data:`WEIGHTS`, default
        ``"rademacher"``), ``scheme`` (``"WCR"`` default, or ``"WCU"``), ``cluster`` (one
        column or key, default the entity), ``level`` (0.95), ``ci`` (True: invert the test
        for one restriction), ``pvalue`` (:data:`PVALUE_TYPES`), ``seed``, ``n_jobs``,
        ``backend``, ``progress`` (see :mod:`stfi_models.resample`).

    Returns
    -------
    WildBootstrap
    """
    check_kwargs("wild_bootstrap", options, _OPTIONS)
    weights = check_choice("weights", options.get("weights", "rademacher"), WEIGHTS)
    scheme = check_choice("scheme", options.get("scheme", "WCR"), SCHEMES)
    ptype = check_choice("pvalue", options.get("pvalue", "symmetric"), PVALUE_TYPES)
    level = options.get("level", 0.95)
    if isinstance(level, bool) or not isinstance(level, float | int) or not 0 < level < 1:
        raise SpecificationError(f"level must be between 0 and 1 (e.g. 0.95), got {level!r}.")
    cluster = options.get("cluster", "entity")
    if not isinstance(cluster, str):
        raise SpecificationError(
            f"cluster= of the wild bootstrap is one column or key name, got {cluster!r}."
        )
    opts = Resampling.of(options.get("draws", 9999), options.get("seed"),
                         options.get("n_jobs", 1), options.get("backend", "loky"),
                         options.get("progress"))
    restr = parse_restrictions(hypothesis, [str(n) for n in result.params.index])
    groups = cluster_groups(cluster_codes((cluster,), reg, frame, keys)[:, 0])
    n_groups = len(groups)
    if n_groups < 2:
        raise EstimationError(f"cluster={cluster!r} leaves one cluster; the bootstrap needs 2+.")
    if weights == "rademacher" and n_groups < _FEW_RADEMACHER:
        warnings.warn(
            f"Rademacher weights on {n_groups} clusters give only {2 ** n_groups} distinct "
            f"bootstrap samples, so p-values move in steps of {2.0 ** -n_groups:.2g}; Webb "
            "(2023) recommends weights='webb' with fewer than 12 clusters.",
            SpecificationWarning, stacklevel=3,
        )
    enumerate_ = weights == "rademacher" and 2 ** n_groups <= opts.draws
    draws = 2 ** n_groups if enumerate_ else opts.draws
    setup = _setup(reg, groups, result.params.to_numpy(dtype=float), restr.matrix,
                   restr.value, weights, scheme, enumerate_)
    chunks = map_chunks(_chunk_stats, draws, seed=opts.seed, n_jobs=opts.n_jobs,
                        backend=opts.backend, progress=opts.progress, desc="wild bootstrap",
                        chunk_size=_CHUNK, args=(setup.engine,))
    raw = np.hstack(chunks)
    wald = restr.n > 1
    r0 = float(restr.value[0])
    stat = setup.stat(r0)
    boot = setup.boot(raw, r0)
    pvalue = _pvalue(stat, boot, ptype, wald)
    interval = None
    if not wald and options.get("ci", True):
        alpha = 1 - level

        def p_at(value: float) -> float:
            return _pvalue(setup.stat(value), setup.boot(raw, value), ptype, False)

        step = 2 * setup.se
        interval = (_bound(p_at, setup.estimate, step, alpha, -1.0),
                    _bound(p_at, setup.estimate, step, alpha, 1.0))
    return WildBootstrap(
        hypothesis=restr.text, stat=stat, pvalue=pvalue, conf_int=interval, level=float(level),
        draws=draws, enumerated=enumerate_, weights=weights, scheme=scheme,
        pvalue_type="upper tail (Wald)" if wald else ptype,
        cluster=cluster, n_clusters=n_groups,
        seed_entropy=None if enumerate_ else opts.seed.entropy, boot_stats=boot,
    )


def _setup(reg: Regression, groups: Sequence[np.ndarray], params: np.ndarray,
           r: np.ndarray, value: np.ndarray, weights: str, scheme: str,
           enumerate_: bool) -> _Setup:
    """Build the engine and the original / bootstrap statistics as functions of ``r0``."""
    x, e = reg.x, reg.resid
    n, k = x.shape
    n_groups = len(groups)
    bread = np.linalg.inv(x.T @ x)
    rm = r @ bread
    factor = n_groups / (n_groups - 1) * (n - 1) / (n - k)
    scores = np.stack([x[rows].T @ e[rows] for rows in groups])
    var = factor * rm @ (scores.T @ scores) @ rm.T
    blocks = np.stack([rm @ (x[rows].T @ x[rows]) for rows in groups])
    shift = x @ (bread @ r.T @ np.linalg.inv(r @ bread @ r.T))  # n x q
    estimate = r @ params
    one = r.shape[0] == 1
    if scheme == "WCU":
        base, slope = _pieces(e, reg, groups, rm, bread, blocks), None
    elif one:
        base = _pieces(e, reg, groups, rm, bread, blocks)
        slope = _pieces(shift[:, 0], reg, groups, rm, bread, blocks)
    else:
        base = _pieces(e + shift @ (estimate - value), reg, groups, rm, bread, blocks)
        slope = None
    engine = _Engine(weights, n_groups, enumerate_, factor, base, slope)
    if not one:
        diff = estimate - value
        wald = float(diff @ np.linalg.solve(var, diff)) / r.shape[0]
        return _Setup(engine, lambda _: wald, lambda raw, _: raw[0], float("nan"),
                      float("nan"))
    se = float(np.sqrt(var[0, 0]))
    if not np.isfinite(se) or se <= 0:
        raise EstimationError("The cluster-robust variance of the hypothesis is zero or NaN.")

    def boot(raw: np.ndarray, r0: float) -> np.ndarray:
        delta = float(estimate[0]) - r0
        den = raw[2] + 2 * delta * raw[3] + delta ** 2 * raw[4]
        with np.errstate(divide="ignore", invalid="ignore"):
            return (raw[0] + delta * raw[1]) / np.sqrt(factor * den)

    return _Setup(engine, lambda r0: (float(estimate[0]) - r0) / se, boot,
                  float(estimate[0]), se)
