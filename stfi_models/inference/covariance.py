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
  clustering by entity); multi-way clustering on any columns (``cluster=["firm", "year"]``)
  sums the one-way meats of every non-empty set of the dimensions with sign
  :math:`(-1)^{|S|+1}`, each on the intersection of its dimensions (Cameron, Gelbach & Miller
  2011; Thompson 2011); ``"twoway"`` is ``[entity, time]``;
* ``"CR0"`` ... ``"CR3"``: one-way cluster-robust kinds in R clubSandwich's naming:
  CR0 (no factor), CR1 (J/(J-1)), CR1S (J(n-1)/((J-1)(n-k)), Stata's), CR2 (Bell-McCaffrey)
  and CR3 (approximate jackknife); see :mod:`stfi_models.inference.small_sample`.  Their t
  tests use Satterthwaite degrees of freedom per coefficient by default (``test_df``);
* ``"driscoll-kraay"``: :math:`\sum_{|l|\le L} w_l \sum_t h_t h_{t-l}^\prime`, with
  :math:`h_t = \sum_i x^*_{it} e^*_{it}` and kernel weights :math:`w_l` (Bartlett:
  :math:`1 - |l|/(L+1)`) (Driscoll & Kraay 1998).

The robust and Driscoll-Kraay meats come from linearmodels' panel covariance classes (run
without any correction), the cluster meats are ours; the scalar ``c`` is explicit:

``df_adjust``
    ``"none"`` (c = 1), ``"hc1"`` (c = n / (n - k)) or ``"stata"`` (c = (n - 1) / (n - k)).
``group_debias``
    multiply each cluster meat by G / (G - 1), G its number of clusters (for two-way clustering
    each of the three meats by its own G; for Driscoll-Kraay, G = number of periods).
``count_effects``
    what absorbed effects add to ``k`` in ``df_adjust``: ``"none"`` (plm), ``"constant"``
    (one, for the ``_cons`` Stata's ``xtreg, fe`` reports: ``count_effects="constant"`` is the
    Stata choice, named in the summary footer) or ``"all"`` (every effect, as Stata's ``areg``
    and LSDV).
``test_df``
    degrees of freedom of t tests: ``"residual"`` (n - k - absorbed, plm's ``coeftest``),
    ``"clusters"`` (G - 1, Stata's cluster convention) or ``"satterthwaite"`` (per coefficient,
    clubSandwich's ``coef_test``; one clustering dimension).

With fewer than 42 clusters (Angrist & Pischke 2009, ch. 8.2.3) a CR0/CR1 request warns
(:class:`~stfi_models.exceptions.SpecificationWarning`) and names the remedies: CR2 with
Satterthwaite df, or the wild cluster bootstrap (``res.wild_bootstrap``).

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
Bell, R. M. & McCaffrey, D. F. (2002). Survey Methodology 28(2), 169-181.
Pustejovsky, J. E. & Tipton, E. (2018). JBES 36(4), 672-683.
Angrist, J. D. & Pischke, J.-S. (2009). *Mostly Harmless Econometrics*. Princeton.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from linearmodels.panel.covariance import DriscollKraay, HeteroskedasticCovariance

from stfi_models._groups import group_sums
from stfi_models.exceptions import (
    EstimationError,
    SpecificationError,
    SpecificationWarning,
    check_choice,
    check_kwargs,
    did_you_mean,
)
from stfi_models.inference import small_sample as ss
from stfi_models.models import lstsq
from stfi_models.models.absorb import dense_codes

__all__ = ["VCOV_TYPES", "VCOV_OPTIONS", "CR_TYPES", "DF_ADJUST", "COUNT_EFFECTS", "KERNELS",
           "TEST_DF", "DEFAULTS", "FEW_CLUSTERS", "MAX_CLUSTER_DIMENSIONS", "Regression",
           "VcovChoice", "Covariance", "resolve_vcov", "compute_vcov", "cluster_codes",
           "contrast_df"]

#: One-way cluster-robust kinds in R clubSandwich's naming.
CR_TYPES = ("CR0", "CR1", "CR1S", "CR2", "CR3")
VCOV_TYPES = ("unadjusted", "robust", "cluster", "driscoll-kraay", *CR_TYPES)
DF_ADJUST = ("none", "hc1", "stata")
COUNT_EFFECTS = ("none", "constant", "all")
KERNELS = ("bartlett", "parzen", "quadratic-spectral")
TEST_DF = ("residual", "clusters", "satterthwaite")
#: Options of a covariance request besides its kind (keywords of fit() and with_vcov()).
VCOV_OPTIONS = ("cluster", "kernel", "bandwidth", "df_adjust", "group_debias", "count_effects",
                "test_df")
#: Below this many clusters a CR0/CR1 request warns (Angrist & Pischke 2009).
FEW_CLUSTERS = 42
#: Multi-way clustering sums 2^m - 1 meats; more dimensions than this are refused.
MAX_CLUSTER_DIMENSIONS = 4
#: Default small-sample corrections per covariance type (``None`` = not applicable).
DEFAULTS: dict[str, dict[str, Any]] = {
    "unadjusted": {"df_adjust": None, "group_debias": None},
    "robust": {"df_adjust": "hc1", "group_debias": None},
    "cluster": {"df_adjust": "stata", "group_debias": True},
    "driscoll-kraay": {"df_adjust": "none", "group_debias": False},
    **{kind: {"df_adjust": None, "group_debias": None} for kind in CR_TYPES},
}
_FACTOR_TEXT = {"none": "no df factor", "hc1": "n/(n-k)", "stata": "(n-1)/(n-k)"}
_CR_TEXT = {
    "CR0": "CR0 [no small-sample factor]",
    "CR1": "CR1 [J/(J-1)]",
    "CR1S": "CR1S [J(n-1)/((J-1)(n-k)), Stata's]",
    "CR2": "CR2 [Bell-McCaffrey (I - H_jj)^(-1/2), absorbed effects in H]",
    "CR3": "CR3 [approximate jackknife (I - X_j M X_j')^(-1)]",
}
_K_TEXT = {"none": "k excludes absorbed effects (plm)",
           "constant": "k counts one absorbed constant (Stata xtreg, fe: count_effects='constant')",
           "all": "k counts all absorbed effects (Stata areg / LSDV)"}


@dataclass(frozen=True)
class Regression:
    r"""The transformed regression a static model estimated by OLS.

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
    sweep : callable, optional
        The within transformation :math:`M_D` of the absorbed effects, applied to the columns
        of an ``(n, m)`` array (``None``: nothing absorbed).  CR2 and its degrees of freedom
        use it to build the hat matrix of the full model.
    theta : numpy.ndarray, optional
        Per-row quasi-demeaning weight of random effects (CR2 in clubSandwich's GLS form).
    xtx_inv : numpy.ndarray, optional
        :math:`(X^\prime X)^{-1}` from the column-scaled pivoted QR the estimator solved with
        (:meth:`stfi_models.models.lstsq.Factored.gram_inverse`), so that :attr:`bread`
        factors nothing again; without it, ``x`` is factored when the bread is first needed.
    """

    x: np.ndarray
    resid: np.ndarray
    entity: np.ndarray
    time: np.ndarray
    index: pd.MultiIndex
    n_absorbed: int = 0
    sweep: Callable[[np.ndarray], np.ndarray] | None = None
    theta: np.ndarray | None = None
    xtx_inv: np.ndarray | None = None

    @cached_property
    def bread(self) -> np.ndarray:
        r""":math:`(X^\prime X)^{-1}` from the column-scaled pivoted QR of ``x``.

        Digits lost grow with :math:`\kappa(X)`, not :math:`\kappa(X)^2` as through
        :math:`X^\prime X` (:mod:`stfi_models.models.lstsq`).
        """
        return self.xtx_inv if self.xtx_inv is not None else lstsq.gram_inverse(self.x)

    @property
    def nobs(self) -> int:
        """Rows of the transformed regression."""
        return int(self.x.shape[0])

    @property
    def df_resid(self) -> int:
        """``n - k - n_absorbed``."""
        return self.nobs - self.x.shape[1] - self.n_absorbed


@dataclass(frozen=True)
class Covariance:
    """A computed covariance: the matrix, its name and note, and the t-test df."""

    cov: np.ndarray
    name: str
    note: str
    df_params: np.ndarray | None = None
    n_clusters: tuple[int, ...] = ()


@dataclass(frozen=True)
class VcovChoice:
    """A validated covariance request (see :func:`resolve_vcov`)."""

    vcov: str
    cluster: tuple[str, ...] | None = None
    kernel: str | None = None
    bandwidth: float | None = None
    df_adjust: str | None = None
    group_debias: bool | None = None
    count_effects: str = "none"
    test_df: str = "residual"

    @property
    def is_cluster(self) -> bool:
        """Clustered by some key or column."""
        return self.vcov == "cluster" or self.vcov in CR_TYPES

    def describe(self, reg: Regression, n_clusters: tuple[int, ...], bandwidth: float | None
                 ) -> tuple[str, str]:
        """``(vcov_type, vcov_note)`` for the summary footer."""
        if self.vcov == "unadjusted":
            return "unadjusted", f"sigma^2 = SSR/(n-k-a) = SSR/{reg.df_resid} (classical)"
        if self.is_cluster:
            what = ("twoway (entity, time)" if self.cluster == ("entity", "time")
                    else ", ".join(self.cluster or ()))
            kind = "cluster" if self.vcov == "cluster" else f"{self.vcov} cluster"
            name = f"{kind} ({what}; G = {', '.join(map(str, n_clusters))})"
        elif self.vcov == "driscoll-kraay":
            name = f"driscoll-kraay ({self.kernel} kernel, bandwidth {bandwidth:g})"
        else:
            name = "robust (heteroskedasticity)"
        if self.vcov in CR_TYPES:
            parts = [_CR_TEXT[self.vcov]]
        else:
            parts = [f"df_adjust={self.df_adjust!r} [{_FACTOR_TEXT[self.df_adjust]}; "
                     f"{_K_TEXT[self.count_effects]}]"]
        if self.group_debias is not None:
            per = "G = periods" if self.vcov == "driscoll-kraay" else "per cluster dimension"
            parts.append(f"group_debias={self.group_debias} [G/(G-1), {per}]")
        return name, "; ".join(parts)


def _cluster_names(cluster: Any) -> tuple[str, ...]:
    if cluster is None:
        return ("entity",)
    if isinstance(cluster, str):
        return ("entity", "time") if cluster == "twoway" else (cluster,)
    if isinstance(cluster, list | tuple) and cluster and all(isinstance(c, str) for c in cluster):
        names = tuple(cluster)
        if "twoway" in names or len(set(names)) < len(names):
            raise SpecificationError(
                f"cluster={list(cluster)!r} repeats a dimension or mixes 'twoway' into a list; "
                "give each clustering column once, e.g. cluster=['firm', 'year']."
            )
        if len(names) > MAX_CLUSTER_DIMENSIONS:
            raise SpecificationError(
                f"cluster= names {len(names)} dimensions; at most {MAX_CLUSTER_DIMENSIONS} are "
                "supported (multi-way clustering sums 2^m - 1 covariance pieces)."
            )
        return names
    raise SpecificationError(
        f"cluster must be a column name, 'entity', 'time', 'twoway' or a list of column "
        f"names, got {cluster!r}."
    )


def resolve_vcov(vcov: str, **options: Any) -> VcovChoice:
    """Validate a covariance request and fill in the documented defaults.

    Parameters
    ----------
    vcov : str
        One of :data:`VCOV_TYPES`.
    **options
        :data:`VCOV_OPTIONS`: ``cluster``, ``kernel``, ``bandwidth``, ``df_adjust``,
        ``group_debias``, ``count_effects`` (default ``"none"``), ``test_df`` (module notes);
        ``None`` means the default.

    Raises
    ------
    SpecificationError
        Unknown names (with a suggestion) or options that do not apply to ``vcov``.
    """
    check_kwargs("with_vcov", options, VCOV_OPTIONS)
    cluster, kernel, bandwidth, df_adjust, group_debias, test_df = (
        options.get(name) for name in ("cluster", "kernel", "bandwidth", "df_adjust",
                                       "group_debias", "test_df"))
    count_effects = options.get("count_effects") or "none"
    vcov = check_choice("vcov", vcov, VCOV_TYPES)
    defaults = DEFAULTS[vcov]
    clustered = vcov == "cluster" or vcov in CR_TYPES
    if cluster is not None and not clustered:
        raise SpecificationError(
            f"cluster={cluster!r} applies to vcov='cluster' or 'CR0'..'CR3' only (got "
            f"vcov={vcov!r}). Use vcov='cluster', cluster={cluster!r}."
        )
    if (kernel is not None or bandwidth is not None) and vcov != "driscoll-kraay":
        raise SpecificationError(
            f"kernel= and bandwidth= apply to vcov='driscoll-kraay' only (got vcov={vcov!r})."
        )
    for option, value in (("df_adjust", df_adjust), ("group_debias", group_debias)):
        if value is not None and defaults[option] is None:
            reason = {"unadjusted": ": the classical variance always divides the SSR by "
                                    "n - k - (absorbed effects).",
                      "robust": ": it has no clusters."}.get(
                vcov, f": {vcov} fixes its own small-sample factor ({_CR_TEXT.get(vcov, '')}).")
            raise SpecificationError(f"{option}= does not apply to vcov={vcov!r}{reason}")
    if vcov in ("unadjusted", *CR_TYPES) and count_effects != "none":
        raise SpecificationError(
            f"count_effects= does not apply to vcov={vcov!r}: "
            + ("the classical variance always divides the SSR by n - k - (absorbed effects)."
               if vcov == "unadjusted" else "clubSandwich's k never counts absorbed effects; "
               "use vcov='cluster', count_effects='constant' for Stata's xtreg, fe.")
        )
    if df_adjust is not None:
        check_choice("df_adjust", df_adjust, DF_ADJUST)
    if bandwidth is not None and (not np.isfinite(bandwidth) or bandwidth < 0):
        raise SpecificationError(f"bandwidth must be a non-negative number, got {bandwidth!r}.")
    names = _cluster_names(cluster) if clustered else None
    if vcov in CR_TYPES and len(names) > 1:
        raise SpecificationError(
            f"vcov={vcov!r} clusters on one dimension; cluster={cluster!r} names "
            f"{len(names)}. Use vcov='cluster' for multi-way clustering (CR1 pieces)."
        )
    if test_df is None:
        test_df = "satterthwaite" if vcov in CR_TYPES else "residual"
    check_choice("test_df", test_df, TEST_DF)
    if test_df != "residual" and not clustered:
        raise SpecificationError(
            f"test_df={test_df!r} applies to clustered covariances only (got vcov={vcov!r})."
        )
    if test_df == "satterthwaite" and len(names) > 1:
        raise SpecificationError(
            "test_df='satterthwaite' is defined for one clustering dimension; with "
            f"cluster={cluster!r} use test_df='clusters' (smallest G - 1) or 'residual'."
        )
    return VcovChoice(
        vcov=vcov,
        cluster=names,
        kernel=check_choice("kernel", kernel, KERNELS) if kernel is not None else (
            "bartlett" if vcov == "driscoll-kraay" else None),
        bandwidth=bandwidth,
        df_adjust=df_adjust if df_adjust is not None else defaults["df_adjust"],
        group_debias=group_debias if group_debias is not None else defaults["group_debias"],
        count_effects=check_choice("count_effects", count_effects, COUNT_EFFECTS),
        test_df=test_df,
    )


def _one_code(name: str, reg: Regression, frame: pd.DataFrame, keys: tuple[str, str]
              ) -> np.ndarray:
    if name in ("entity", keys[0]):
        return reg.entity
    if name in ("time", keys[1]):
        return reg.time
    if name not in frame.columns:
        options = [*keys, "entity", "time", "twoway", *map(str, frame.columns)]
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


def cluster_codes(names: Sequence[str], reg: Regression, frame: pd.DataFrame,
                  keys: tuple[str, str]) -> np.ndarray:
    """``(n, m)`` integer cluster codes (0-based, dense) of the ``m`` clustering dimensions.

    Raises
    ------
    SpecificationError
        A name that is no key or column (with a suggestion), or a column missing on rows.
    """
    codes = [dense_codes(_one_code(name, reg, frame, keys))[0] for name in names]
    return np.column_stack(codes)


def _joint_codes(codes: np.ndarray) -> np.ndarray:
    """Dense codes of the intersections of the columns of ``codes`` (each dense, 0-based).

    The codes follow the lexicographic order of the combinations, as ``np.unique(codes,
    axis=0)`` would number them, from one hash factorization per column (no sort of rows).
    """
    joint = codes[:, 0]
    for column in codes.T[1:]:
        joint = pd.factorize(joint.astype(np.int64) * (int(column.max()) + 1) + column,
                             sort=True)[0]
    return joint


def _clustered(reg: Regression, codes: np.ndarray, group_debias: bool) -> np.ndarray:
    """Multi-way CR0 sandwich: signed sum over the non-empty sets of dimensions.

    Each piece clusters on the intersection of its dimensions, times G/(G-1) for its own G
    when ``group_debias`` (plm's ``vcovDC`` for two dimensions).
    """
    x, e = reg.x, reg.resid
    total = np.zeros((x.shape[1], x.shape[1]))
    for size in range(1, codes.shape[1] + 1):
        for dims in combinations(range(codes.shape[1]), size):
            joint = _joint_codes(codes[:, dims])
            scores = group_sums(x, joint, int(joint.max()) + 1, weights=e)
            g = scores.shape[0]
            meat = scores.T @ scores * (g / (g - 1) if group_debias else 1.0)
            total += (-1) ** (size + 1) * meat
    return reg.bread @ total @ reg.bread


def _adjustments(choice: VcovChoice, reg: Regression, bread: np.ndarray,
                 groups: list[np.ndarray]) -> list[np.ndarray] | None:
    quasi = None
    if reg.theta is not None and choice.vcov == "CR2":
        cluster_of = np.empty(reg.nobs, dtype=int)
        for j, rows in enumerate(groups):
            cluster_of[rows] = j
        pairs = np.unique(np.column_stack([reg.entity, cluster_of]), axis=0)
        if np.unique(pairs[:, 0]).size < pairs.shape[0]:
            raise SpecificationError(
                f"vcov='CR2' after random effects needs the entities nested in the clusters "
                f"(clubSandwich's working model); cluster={list(choice.cluster or ())!r} "
                "splits entities. Cluster by the entity (or a coarser grouping), or use CR1/CR3."
            )
        quasi = (reg.entity, reg.theta)
    return ss.adjustment_matrices(choice.vcov, reg.x, bread, groups, reg.sweep, quasi)


def _cr_kind(choice: VcovChoice, reg: Regression, codes: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray | None]:
    """Compute clubSandwich's CR0-CR3 and, if asked, the Satterthwaite df of every coefficient."""
    x, e = reg.x, reg.resid
    n, k = x.shape
    groups = ss.cluster_groups(codes)
    bread = reg.bread
    adjust = _adjustments(choice, reg, bread, groups)
    scores = ss.cluster_scores(x, e, groups, adjust)
    j = len(groups)
    factor = {"CR1": j / (j - 1), "CR1S": j * (n - 1) / ((j - 1) * (n - k))}.get(choice.vcov, 1.0)
    cov = factor * bread @ (scores.T @ scores) @ bread
    df = None
    if choice.test_df == "satterthwaite":
        df = ss.satterthwaite_df(x, bread, groups, adjust, reg.sweep)
    return cov, df


def _warn_few(choice: VcovChoice, n_clusters: tuple[int, ...]) -> None:
    if choice.vcov not in ("cluster", "CR0", "CR1", "CR1S") or min(n_clusters) >= FEW_CLUSTERS:
        return
    warnings.warn(
        f"Only {min(n_clusters)} clusters ({', '.join(choice.cluster or ())}): CR1-type "
        f"cluster-robust t tests over-reject with fewer than about {FEW_CLUSTERS} clusters. "
        "Use vcov='CR2' (Bell-McCaffrey, Satterthwaite df) or res.wild_bootstrap('x = 0').",
        SpecificationWarning, stacklevel=4,
    )


def _test_df(choice: VcovChoice, reg: Regression, n_clusters: tuple[int, ...],
             df: np.ndarray | None) -> tuple[np.ndarray | None, str]:
    if choice.test_df == "clusters":
        g = min(n_clusters)
        return np.full(reg.x.shape[1], float(g - 1)), f"t tests: df = G - 1 = {g - 1}"
    if choice.test_df == "satterthwaite" and df is not None:
        return df, (f"t tests: Satterthwaite df per coefficient ({df.min():.2f} to "
                    f"{df.max():.2f}; clubSandwich coef_test)")
    return None, ""


def _cluster_cov(choice: VcovChoice, reg: Regression, frame: pd.DataFrame,
                 keys: tuple[str, str]) -> tuple[np.ndarray, tuple[int, ...], np.ndarray | None]:
    codes = cluster_codes(choice.cluster or ("entity",), reg, frame, keys)
    n_clusters = tuple(int(c.max()) + 1 for c in codes.T)
    if min(n_clusters) < 2:
        raise EstimationError(
            f"cluster={choice.cluster!r} leaves {min(n_clusters)} cluster on the sample; "
            "clustered standard errors need at least 2 (in practice many more)."
        )
    _warn_few(choice, n_clusters)
    if choice.vcov in CR_TYPES:
        cov, df = _cr_kind(choice, reg, codes[:, 0])
        return cov, n_clusters, df
    cov = _clustered(reg, codes, bool(choice.group_debias))
    df = None
    if choice.test_df == "satterthwaite":
        groups = ss.cluster_groups(codes[:, 0])
        df = ss.satterthwaite_df(reg.x, reg.bread, groups, None, reg.sweep)
    return cov, n_clusters, df


def compute_vcov(
    choice: VcovChoice,
    reg: Regression,
    frame: pd.DataFrame,
    keys: tuple[str, str],
) -> Covariance:
    """Compute the covariance matrix, its name, its note and the t-test df.

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
    df = None
    if choice.vcov == "unadjusted":
        if reg.df_resid <= 0:
            raise EstimationError(
                f"No residual degrees of freedom: n = {n}, k = {k}, absorbed = {reg.n_absorbed}."
            )
        cov = float(e @ e) / reg.df_resid * reg.bread
        name, note = choice.describe(reg, n_clusters, bandwidth)
        return Covariance((cov + cov.T) / 2, name, note)
    y = e[:, None]  # with params = 0, linearmodels' residual y - x @ params is e
    zeros = np.zeros((k, 1))
    entity, time = reg.entity[:, None], reg.time[:, None]
    if choice.vcov == "robust":
        cov = np.asarray(HeteroskedasticCovariance(y, x, zeros, entity, time).cov)
    elif choice.is_cluster:
        cov, n_clusters, df = _cluster_cov(choice, reg, frame, keys)
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
    name, note = choice.describe(reg, n_clusters, bandwidth)
    df_params, df_text = _test_df(choice, reg, n_clusters, df)
    note = "; ".join(p for p in (note, df_text) if p)
    if choice.vcov in CR_TYPES:
        return Covariance((cov + cov.T) / 2, name, note, df_params, n_clusters)
    k_eff = k + {"none": 0, "constant": min(reg.n_absorbed, 1), "all": reg.n_absorbed}[
        choice.count_effects]
    if n - k_eff <= 0:
        raise EstimationError(f"No residual degrees of freedom: n = {n}, k = {k_eff}.")
    factor = {"none": 1.0, "hc1": n / (n - k_eff), "stata": (n - 1) / (n - k_eff)}[choice.df_adjust]
    return Covariance(cov * factor, name, note, df_params, n_clusters)


def contrast_df(choice: VcovChoice, reg: Regression, frame: pd.DataFrame,
                keys: tuple[str, str], contrasts: np.ndarray) -> float:
    """HTZ degrees of freedom of the contrasts ``R`` (J x k) under a one-way CR kind."""
    codes = cluster_codes(choice.cluster or ("entity",), reg, frame, keys)[:, 0]
    groups = ss.cluster_groups(codes)
    bread = reg.bread
    adjust = _adjustments(choice, reg, bread, groups)
    return ss.htz_df(np.asarray(contrasts, dtype=float), reg.x, bread, groups, adjust, reg.sweep)
