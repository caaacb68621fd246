r"""Covariance estimators of the static panel models, with every small-sample factor named.

All estimators are computed on the *transformed* regression the model estimated by OLS
(within-demeaned for FE, quasi-demeaned for RE, differenced for FD, group means for between),
``y* = X* b + e*`` with ``n`` rows and ``k`` columns:

.. math::

    \hat V = c\,(X^{*\prime}X^*)^{-1}\,\hat\Omega\,(X^{*\prime}X^*)^{-1},

where the "meat" :math:`\hat\Omega` is

* ``"unadjusted"``: :math:`\hat\sigma^2 X^{*\prime}X^*` with
  :math:`\hat\sigma^2 = e^{*\prime}e^*/(n - k - a)`, ``a`` the absorbed effects (classical);
* ``"robust"``: :math:`\sum_{it} e_{it}^{*2} x^*_{it}x^{*\prime}_{it}` (White 1980);
* ``"cluster"``: :math:`\sum_g (\sum_{i\in g} x^*_i e^*_i)(\cdot)^\prime` (Arellano 1987 when
  clustering by entity); two-way clustering adds the entity and time meats and subtracts the
  observation-level one (Cameron, Gelbach & Miller 2011; Thompson 2011);
* ``"driscoll-kraay"``: :math:`\sum_{|l|\le L} w_l \sum_t h_t h_{t-l}^\prime`, with
  :math:`h_t = \sum_i x^*_{it} e^*_{it}` and kernel weights :math:`w_l` (Bartlett:
  :math:`1 - |l|/(L+1)`) (Driscoll & Kraay 1998).

The meats come from linearmodels' panel covariance classes (run without any correction); the
scalar ``c`` is ours and explicit:

``df_adjust``
    ``"none"`` (c = 1), ``"hc1"`` (c = n / (n - k)) or ``"stata"`` (c = (n - 1) / (n - k)).
``group_debias``
    multiply each cluster meat by G / (G - 1), G its number of clusters (for two-way clustering
    each of the three meats by its own G; for Driscoll-Kraay, G = number of periods).
``count_effects``
    what absorbed effects add to ``k`` in ``df_adjust``: ``"none"`` (plm), ``"constant"``
    (one, for the ``_cons`` Stata's ``xtreg, fe`` reports) or ``"all"`` (every effect, as
    Stata's ``areg`` and LSDV).

Defaults (documented in :data:`DEFAULTS`) reproduce R plm: ``robust`` = ``vcovHC(method =
"white1", type = "HC1")``; ``cluster`` = ``vcovHC(method = "arellano", type = "sss")`` (the
Stata small-sample factor); ``driscoll-kraay`` = ``vcovSCC(type = "HC0")`` with plm's
bandwidth ``floor(T^(1/4))``.  ``validation/static_plm/README.md`` maps every plm option.

References
----------
White, H. (1980). Econometrica 48(4), 817-838.
Arellano, M. (1987). Oxford Bulletin of Economics and Statistics 49(4), 431-434.
Driscoll, J. C. & Kraay, A. C. (1998). Review of Economics and Statistics 80(4), 549-560.
Cameron, A. C., Gelbach, J. B. & Miller, D. L. (2011). JBES 29(2), 238-249.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from linearmodels.panel.covariance import (
    ClusteredCovariance,
    DriscollKraay,
    HeteroskedasticCovariance,
)

from stfi_models.exceptions import EstimationError, SpecificationError, check_choice, did_you_mean

__all__ = ["VCOV_TYPES", "DF_ADJUST", "COUNT_EFFECTS", "KERNELS", "DEFAULTS", "Regression",
           "VcovChoice", "resolve_vcov", "compute_vcov"]

VCOV_TYPES = ("unadjusted", "robust", "cluster", "driscoll-kraay")
DF_ADJUST = ("none", "hc1", "stata")
COUNT_EFFECTS = ("none", "constant", "all")
KERNELS = ("bartlett", "parzen", "quadratic-spectral")
#: Default small-sample corrections per covariance type (``None`` = not applicable).
DEFAULTS: dict[str, dict[str, Any]] = {
    "unadjusted": {"df_adjust": None, "group_debias": None},
    "robust": {"df_adjust": "hc1", "group_debias": None},
    "cluster": {"df_adjust": "stata", "group_debias": True},
    "driscoll-kraay": {"df_adjust": "none", "group_debias": False},
}
_FACTOR_TEXT = {"none": "no df factor", "hc1": "n/(n-k)", "stata": "(n-1)/(n-k)"}


@dataclass(frozen=True)
class Regression:
    """The transformed regression a static model estimated by OLS.

    Attributes
    ----------
    x : numpy.ndarray
        ``(n, k)`` transformed regressors.
    resid : numpy.ndarray
        ``(n,)`` residuals of the transformed regression.
    entity, time : numpy.ndarray
        Integer entity code and time position of each row.
    index : pandas.MultiIndex
        (entity, time) label of each row, to look up cluster columns.
    n_absorbed : int
        Degrees of freedom used by absorbed effects (0 unless FE).
    """

    x: np.ndarray
    resid: np.ndarray
    entity: np.ndarray
    time: np.ndarray
    index: pd.MultiIndex
    n_absorbed: int = 0

    @property
    def nobs(self) -> int:
        """Rows of the transformed regression."""
        return int(self.x.shape[0])

    @property
    def df_resid(self) -> int:
        """``n - k - n_absorbed``."""
        return self.nobs - self.x.shape[1] - self.n_absorbed


@dataclass(frozen=True)
class VcovChoice:
    """A validated covariance request (see :func:`resolve_vcov`)."""

    vcov: str
    cluster: str | None = None
    kernel: str | None = None
    bandwidth: float | None = None
    df_adjust: str | None = None
    group_debias: bool | None = None
    count_effects: str = "none"

    def describe(self, reg: Regression, n_clusters: tuple[int, ...], bandwidth: float | None
                 ) -> tuple[str, str]:
        """``(vcov_type, vcov_note)`` for the summary footer."""
        if self.vcov == "unadjusted":
            return "unadjusted", f"sigma^2 = SSR/(n-k-a) = SSR/{reg.df_resid} (classical)"
        if self.vcov == "cluster":
            what = "twoway (entity, time)" if self.cluster == "twoway" else str(self.cluster)
            name = f"cluster ({what}; G = {', '.join(map(str, n_clusters))})"
        elif self.vcov == "driscoll-kraay":
            name = f"driscoll-kraay ({self.kernel} kernel, bandwidth {bandwidth:g})"
        else:
            name = "robust (heteroskedasticity)"
        k = {"none": "k excludes absorbed effects", "constant": "k counts one absorbed constant",
             "all": "k counts all absorbed effects"}[self.count_effects]
        parts = [f"df_adjust={self.df_adjust!r} [{_FACTOR_TEXT[self.df_adjust]}; {k}]"]
        if self.group_debias is not None:
            per = "G = periods" if self.vcov == "driscoll-kraay" else "per cluster dimension"
            parts.append(f"group_debias={self.group_debias} [G/(G-1), {per}]")
        return name, "; ".join(parts)


def resolve_vcov(
    vcov: str,
    *,
    cluster: str | None = None,
    kernel: str | None = None,
    bandwidth: float | None = None,
    df_adjust: str | None = None,
    group_debias: bool | None = None,
    count_effects: str = "none",
) -> VcovChoice:
    """Validate a covariance request and fill in the documented defaults.

    Raises
    ------
    SpecificationError
        Unknown names (with a suggestion) or options that do not apply to ``vcov``.
    """
    vcov = check_choice("vcov", vcov, VCOV_TYPES)
    defaults = DEFAULTS[vcov]
    if cluster is not None and vcov != "cluster":
        raise SpecificationError(
            f"cluster={cluster!r} applies to vcov='cluster' only (got vcov={vcov!r}). "
            f"Use vcov='cluster', cluster={cluster!r}."
        )
    if (kernel is not None or bandwidth is not None) and vcov != "driscoll-kraay":
        raise SpecificationError(
            f"kernel= and bandwidth= apply to vcov='driscoll-kraay' only (got vcov={vcov!r})."
        )
    for option, value in (("df_adjust", df_adjust), ("group_debias", group_debias)):
        if value is not None and defaults[option] is None:
            raise SpecificationError(
                f"{option}= does not apply to vcov={vcov!r}"
                + (": the classical variance always divides the SSR by n - k - (absorbed effects)."
                   if vcov == "unadjusted" else ": it has no clusters.")
            )
    if vcov == "unadjusted" and count_effects != "none":
        raise SpecificationError(
            "count_effects= does not apply to vcov='unadjusted': the classical variance always "
            "divides the SSR by n - k - (absorbed effects)."
        )
    if df_adjust is not None:
        check_choice("df_adjust", df_adjust, DF_ADJUST)
    if bandwidth is not None and (not np.isfinite(bandwidth) or bandwidth < 0):
        raise SpecificationError(f"bandwidth must be a non-negative number, got {bandwidth!r}.")
    if vcov == "cluster" and cluster is None:
        cluster = "entity"
    return VcovChoice(
        vcov=vcov,
        cluster=cluster,
        kernel=check_choice("kernel", kernel, KERNELS) if kernel is not None else (
            "bartlett" if vcov == "driscoll-kraay" else None),
        bandwidth=bandwidth,
        df_adjust=df_adjust if df_adjust is not None else defaults["df_adjust"],
        group_debias=group_debias if group_debias is not None else defaults["group_debias"],
        count_effects=check_choice("count_effects", count_effects, COUNT_EFFECTS),
    )


def _cluster_codes(choice: VcovChoice, reg: Regression, frame: pd.DataFrame,
                   keys: tuple[str, str]) -> np.ndarray:
    """Integer cluster codes, ``(n,)`` or ``(n, 2)`` for two-way clustering."""
    name = choice.cluster
    if name in ("entity", keys[0]):
        return reg.entity
    if name in ("time", keys[1]):
        return reg.time
    if name == "twoway":
        return np.column_stack([reg.entity, reg.time])
    if name not in frame.columns:
        options = ["entity", "time", "twoway", *map(str, frame.columns)]
        raise SpecificationError(
            f"cluster={name!r} is neither 'entity', 'time', 'twoway' nor a column of the data."
            f"{did_you_mean(str(name), options)}"
        )
    values = frame[name].reindex(reg.index)
    if values.isna().any():
        raise SpecificationError(
            f"Cluster column '{name}' is missing on {int(values.isna().sum())} rows of the "
            "estimation sample; fill it or drop those rows."
        )
    return pd.factorize(values, sort=True)[0]


def _clustered(y: np.ndarray, x: np.ndarray, codes: np.ndarray, group_debias: bool) -> np.ndarray:
    """One-way cluster covariance, or two-way as V(entity) + V(time) - V(entity x time).

    Each one-way piece is linearmodels' clustered sandwich without any correction, times
    G/(G-1) for its own G when ``group_debias`` (linearmodels' own ``group_debias`` also
    multiplies by (n-1)/n, which is not plm's nor Stata's factor).
    """
    zeros = np.zeros((x.shape[1], 1))
    dummy = np.zeros((x.shape[0], 1), dtype=int)

    def one_way(c: np.ndarray) -> np.ndarray:
        cov = np.asarray(ClusteredCovariance(y, x, zeros, dummy, dummy, clusters=c).cov)
        g = np.unique(c).size
        return cov * g / (g - 1) if group_debias else cov

    if codes.ndim == 1:
        return one_way(codes)
    both = np.unique(codes, axis=0, return_inverse=True)[1].ravel()
    return one_way(codes[:, 0]) + one_way(codes[:, 1]) - one_way(both)


def compute_vcov(
    choice: VcovChoice,
    reg: Regression,
    frame: pd.DataFrame,
    keys: tuple[str, str],
) -> tuple[np.ndarray, str, str]:
    """Compute the covariance matrix, its name and its note.

    Parameters
    ----------
    choice : VcovChoice
        From :func:`resolve_vcov`.
    reg : Regression
        The transformed regression.
    frame : pandas.DataFrame
        Panel columns indexed by (entity, time), for clustering by a column.
    keys : (str, str)
        Names of the entity and time keys (accepted as cluster names).
    """
    x, e = reg.x, reg.resid
    n, k = x.shape
    n_clusters: tuple[int, ...] = ()
    bandwidth = None
    if choice.vcov == "unadjusted":
        if reg.df_resid <= 0:
            raise EstimationError(
                f"No residual degrees of freedom: n = {n}, k = {k}, absorbed = {reg.n_absorbed}."
            )
        cov = float(e @ e) / reg.df_resid * np.linalg.inv(x.T @ x)
        name, note = choice.describe(reg, n_clusters, bandwidth)
        return (cov + cov.T) / 2, name, note
    y = e[:, None]  # with params = 0, linearmodels' residual y - x @ params is e
    zeros = np.zeros((k, 1))
    entity, time = reg.entity[:, None], reg.time[:, None]
    if choice.vcov == "robust":
        cov = np.asarray(HeteroskedasticCovariance(y, x, zeros, entity, time).cov)
    elif choice.vcov == "cluster":
        codes = _cluster_codes(choice, reg, frame, keys)
        n_clusters = tuple(
            int(np.unique(c).size) for c in (codes.T if codes.ndim == 2 else [codes])
        )
        if min(n_clusters) < 2:
            raise EstimationError(
                f"cluster={choice.cluster!r} leaves {min(n_clusters)} cluster on the sample; "
                "clustered standard errors need at least 2 (in practice many more)."
            )
        cov = _clustered(y, x, codes, bool(choice.group_debias))
    else:
        n_periods = int(np.unique(reg.time).size)
        bandwidth = (choice.bandwidth if choice.bandwidth is not None
                     else float(np.floor(n_periods ** 0.25)))
        if bandwidth >= n_periods:
            raise SpecificationError(
                f"bandwidth={bandwidth:g} must be below the {n_periods} periods of the sample."
            )
        est = DriscollKraay(y, x, zeros, entity, time, kernel=choice.kernel, bandwidth=bandwidth)
        cov = np.asarray(est.cov)
        if choice.group_debias:
            n_clusters = (n_periods,)
            cov = cov * n_periods / (n_periods - 1)
    k_eff = k + {"none": 0, "constant": min(reg.n_absorbed, 1), "all": reg.n_absorbed}[
        choice.count_effects]
    if n - k_eff <= 0:
        raise EstimationError(f"No residual degrees of freedom: n = {n}, k = {k_eff}.")
    factor = {"none": 1.0, "hc1": n / (n - k_eff), "stata": (n - 1) / (n - k_eff)}[choice.df_adjust]
    name, note = choice.describe(reg, n_clusters, bandwidth)
    return cov * factor, name, note
