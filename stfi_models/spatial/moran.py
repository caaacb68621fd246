r"""Global Moran's I with normality, randomisation and permutation inference.

With :math:`z_i = y_i - \bar y` and weights :math:`w_{ij}` (:math:`S_0 = \sum_{ij} w_{ij}`):

.. math::

    I = \frac{n}{S_0} \frac{\sum_i \sum_j w_{ij} z_i z_j}{\sum_i z_i^2}, \qquad
    E[I] = -\frac{1}{n-1}.

Under normality (Cliff and Ord 1981, eq. 1.38):

.. math::

    \operatorname{Var}_N(I) = \frac{n^2 S_1 - n S_2 + 3 S_0^2}{(n^2 - 1) S_0^2} - E[I]^2 .

Under randomisation, with the kurtosis :math:`b_2 = n \sum z_i^4 / (\sum z_i^2)^2`:

.. math::

    \operatorname{Var}_R(I) = \frac{n[(n^2 - 3n + 3) S_1 - n S_2 + 3 S_0^2]
        - b_2 [(n^2 - n) S_1 - 2 n S_2 + 6 S_0^2]}{(n-1)(n-2)(n-3) S_0^2} - E[I]^2 .

The permutation test reshuffles the values over the units ``permutations`` times; its
p-value is the pseudo p-value :math:`(M + 1)/(P + 1)` with ``M`` the number of reshuffles at
least as extreme as the observed I (see :func:`permutation_pvalue`).

References
----------
Moran, P. A. P. (1950). Notes on continuous stochastic phenomena. *Biometrika* 37, 17-23.
Cliff, A. D. and Ord, J. K. (1981). *Spatial Processes: Models and Applications*. Pion.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from scipy import stats

from stfi_models._checks import guard_keywords
from stfi_models._plotting import figure_and_axes, integer_ticks, print_style
from stfi_models.exceptions import SpecificationError, check_choice
from stfi_models.resample import DrawChunk, Resampling, map_chunks
from stfi_models.results.result import TestResult
from stfi_models.spatial._values import aligned_values
from stfi_models.spatial.weights import SpatialWeights

__all__ = ["moran", "MoranResult", "MoranPanel", "permutation_pvalue", "ALTERNATIVES",
           "centred_values", "normal_pvalue", "Alternative",
           "permutation_inference", "autocorrelation_tests", "global_statistic"]

ALTERNATIVES = ("two-sided", "greater", "less")
Alternative = Literal["two-sided", "greater", "less"]
#: Inference columns of a global statistic's tidy row, after the statistic itself.
INFERENCE_COLUMNS = ("expected", "var_norm", "z_norm", "p_norm", "var_rand", "z_rand", "p_rand",
                     "z_sim", "p_sim", "n")
TIDY_COLUMNS = ("I", *INFERENCE_COLUMNS)


def normal_pvalue(z: np.ndarray | float, alternative: Alternative) -> np.ndarray | float:
    """P-value of a standard-normal statistic under ``alternative``."""
    if alternative == "greater":
        return stats.norm.sf(z)
    if alternative == "less":
        return stats.norm.cdf(z)
    return 2 * stats.norm.sf(np.abs(z))


def permutation_pvalue(observed: np.ndarray, simulated: np.ndarray,
                       alternative: Alternative) -> np.ndarray:
    """Pseudo p-values :math:`(M + 1)/(P + 1)` from ``P`` simulated statistics.

    Parameters
    ----------
    observed : array, shape (k,)
        Observed statistics.
    simulated : array, shape (P, k)
        Statistics under the reshuffles.
    alternative : {"two-sided", "greater", "less"}
        ``"greater"``: ``M = #{sim >= obs}`` (spdep ``moran.mc`` default);
        ``"less"``: ``M = #{sim <= obs}``; ``"two-sided"``: twice the smaller one-sided
        pseudo p-value, capped at 1.
    """
    p = simulated.shape[0]
    upper = ((simulated >= observed).sum(axis=0) + 1) / (p + 1)
    lower = ((simulated <= observed).sum(axis=0) + 1) / (p + 1)
    if alternative == "greater":
        return upper
    if alternative == "less":
        return lower
    return np.minimum(1.0, 2 * np.minimum(upper, lower))


#: Reshuffles per chunk of the resampling engine.  Fixed, so that the reshuffles (drawn per
#: chunk, vectorised) depend on the seed only, never on ``n_jobs`` or the backend.
PERMUTATION_CHUNK = 128


@dataclass(frozen=True)
class Permutations:
    """How to run ``count`` reshuffles through :mod:`stfi_models.resample`."""

    count: int
    seed: np.random.SeedSequence
    n_jobs: int = 1
    backend: str = "loky"

    @classmethod
    def of(cls, permutations: Any, seed: Any, n_jobs: Any = 1,
           backend: Any = "loky") -> Permutations:
        """Validate the user's options (``permutations=0`` is allowed: no test)."""
        if isinstance(permutations, bool) or not isinstance(permutations, int | np.integer) \
                or permutations < 0:
            raise SpecificationError(
                f"permutations must be >= 0 (an integer; 0 skips the test), got {permutations!r}.")
        opts = Resampling.of(max(int(permutations), 1), seed, n_jobs, backend,
                             what="permutations")
        return cls(int(permutations), opts.seed, opts.n_jobs, opts.backend)

    def period(self, position: int) -> Permutations:
        """Return the reshuffles of the ``position``-th period of a panel (own child seed)."""
        child = np.random.SeedSequence(self.seed.entropy,
                                       spawn_key=(*self.seed.spawn_key, position))
        return Permutations(self.count, child, self.n_jobs, self.backend)

    def run(self, func: Any, args: tuple) -> np.ndarray:
        """Stack ``func(rng, count, *args)`` over the chunks (rows are reshuffles)."""
        opts = Resampling(self.count, self.seed, self.n_jobs, self.backend, progress=False)
        chunks = map_chunks(_chunk_call, self.count, options=opts,
                            chunk_size=PERMUTATION_CHUNK, args=(func, *args))
        return np.concatenate(chunks)


def _chunk_call(chunk: DrawChunk, func: Any, *args: Any) -> np.ndarray:
    return func(np.random.default_rng(chunk.seeds[0]), len(chunk), *args)


def _shuffled_statistic(rng: np.random.Generator, count: int, z: np.ndarray, statistic: Any,
                        w: SpatialWeights) -> np.ndarray:
    return statistic(rng.permuted(np.tile(z, (count, 1)), axis=1).T, w)


def permutation_inference(stat: float, statistic: Any, z: np.ndarray, w: SpatialWeights,
                          perms: Permutations,
                          alternative: Alternative) -> tuple[np.ndarray, float, float]:
    """Reshuffle ``z`` over the units and return ``(simulated, z_sim, p_sim)``.

    ``statistic(shuffled, w)`` maps an (n, P) array to P statistics, oriented so that large
    values mean positive autocorrelation (``z_sim`` against the mean and SD of the reshuffles,
    ``p_sim`` from :func:`permutation_pvalue`). With ``permutations=0``: empty, NaN, NaN.
    The reshuffles run through the resampling engine.
    """
    if not perms.count:
        return np.empty(0), np.nan, np.nan
    sims = perms.run(_shuffled_statistic, (z, statistic, w))
    z_sim = float((stat - sims.mean()) / sims.std(ddof=1))
    p_sim = float(permutation_pvalue(np.array([stat]), sims[:, None], alternative)[0])
    return sims, z_sim, p_sim


def centred_values(y: np.ndarray, w: SpatialWeights, name: str) -> np.ndarray:
    """``y - mean(y)`` after checking n >= 4, a non-constant ``y`` and S0 > 0 (for ``name``)."""
    if w.n < 4:
        raise SpecificationError(f"{name} needs at least 4 units for its variance; got {w.n}.")
    z = y - y.mean()
    if not (z != 0).any():
        raise SpecificationError(f"{name} is undefined for a constant variable.")
    if w.s0 == 0:
        raise SpecificationError("The spatial weights have no links (S0 = 0).")
    return z


def autocorrelation_tests(label: str, z_norm: float, p_norm: float, z_rand: float,
                          p_rand: float, z_sim: float, p_sim: float,
                          permutations: int) -> dict[str, TestResult]:
    """Build the ``normality``, ``randomisation`` (and ``permutation``) :class:`TestResult`."""
    null = "no spatial autocorrelation"
    out = {
        "normality": TestResult(z_norm, p_norm, None, f"{label} (normality)", "normal", null),
        "randomisation": TestResult(z_rand, p_rand, None, f"{label} (randomisation)",
                                    "normal", null),
    }
    if permutations:
        out["permutation"] = TestResult(z_sim, p_sim, None,
                                        f"{label} ({permutations} permutations)",
                                        "permutation", null)
    return out


def _moran_stat(z: np.ndarray, w: SpatialWeights) -> np.ndarray:
    """Moran's I of each column of ``z`` (already centred), shape (n,) or (n, P)."""
    lag = w.matrix @ z
    return w.n / w.s0 * (z * lag).sum(axis=0) / (z * z).sum(axis=0)


@dataclass(frozen=True)
class GlobalAutocorrelation:
    """Inference shared by the global statistics (Moran's I, Geary's C) of one cross-section.

    Subclasses add the statistic as a field named by :attr:`statistic` and document the
    attributes; :attr:`label` names the statistic in test names.
    """

    expected: float
    var_norm: float
    var_rand: float
    z_norm: float
    z_rand: float
    p_norm: float
    p_rand: float
    z_sim: float
    p_sim: float
    permutations: int
    alternative: str
    n: int
    values: np.ndarray = field(repr=False)
    weights: SpatialWeights = field(repr=False)
    simulated: np.ndarray = field(repr=False)
    statistic: ClassVar[str] = ""
    label: ClassVar[str] = ""

    @property
    def tests(self) -> Mapping[str, TestResult]:
        """Return the tests as :class:`TestResult`.

        Keys ``normality``, ``randomisation`` and (with permutations) ``permutation``.
        """
        return autocorrelation_tests(self.label, self.z_norm, self.p_norm, self.z_rand,
                                     self.p_rand, self.z_sim, self.p_sim, self.permutations)

    def tidy(self) -> pd.DataFrame:
        """One row: the statistic and all inference (``statistic`` then ``INFERENCE_COLUMNS``)."""
        columns = (self.statistic, *INFERENCE_COLUMNS)
        return pd.DataFrame([[getattr(self, c) for c in columns]], columns=columns)

    def __str__(self) -> str:
        return "\n".join(str(t) for t in self.tests.values())


@dataclass(frozen=True)
class MoranResult(GlobalAutocorrelation):
    """Global Moran's I of one cross-section.

    Attributes
    ----------
    I, expected : float
        The statistic and its expectation :math:`-1/(n-1)`.
    var_norm, var_rand : float
        Variance under normality and under randomisation.
    z_norm, z_rand, p_norm, p_rand : float
        Standardised statistics and their p-values under ``alternative``.
    z_sim, p_sim : float
        Permutation z (against the mean and SD of the reshuffles) and pseudo p-value
        (``NaN`` with ``permutations=0``).
    permutations : int
        Number of reshuffles.
    alternative : str
        ``"two-sided"``, ``"greater"`` or ``"less"``.
    n : int
        Number of units.
    values : numpy.ndarray
        The variable in weights order (for the scatter plot).
    weights : SpatialWeights
        The weights used.
    simulated : numpy.ndarray
        The permutation distribution of I.
    """

    I: float  # noqa: E741 - the statistic's conventional name
    statistic: ClassVar[str] = "I"
    label: ClassVar[str] = "Moran's I"

    def plot(self, ax: Any = None, labels: bool = False) -> Any:
        """Moran scatter plot: standardised value against its spatial lag; returns the Figure.

        The fitted line through the origin has slope :math:`z'Wz / z'z`, which equals I for
        row-standardised weights.
        """
        return moran_scatter(self.values, self.weights, ax=ax, labels=labels,
                             title=f"Moran's I = {self.I:.4f}")


@print_style
def moran_scatter(values: np.ndarray, w: SpatialWeights, *, ax: Any = None,
                  labels: bool = False, colors: Any = None, title: str = "") -> Any:
    """Draw a Moran scatter plot of ``values`` (weights order) and return the Figure."""
    fig, ax = figure_and_axes(ax, (5.5, 5))
    z = (values - values.mean()) / values.std()
    lag = w.lag(z)
    ax.scatter(z, lag, c=colors if colors is not None else "tab:blue", s=25)
    slope = float(z @ lag / (z @ z))
    grid = np.array([z.min(), z.max()])
    ax.plot(grid, slope * grid, color="black", linewidth=1)
    ax.axhline(0, color="grey", linewidth=0.6)
    ax.axvline(0, color="grey", linewidth=0.6)
    if labels:
        for key, xi, yi in zip(w.ids, z, lag, strict=False):
            ax.annotate(str(key), (xi, yi), fontsize=7)
    ax.set_xlabel("standardised value")
    ax.set_ylabel("spatial lag")
    ax.set_title(title)
    return fig


def _global(y: np.ndarray, w: SpatialWeights, perms: Permutations,
            alternative: Alternative, adjust_n: bool = True) -> MoranResult:
    n = w.n - len(w.islands) if adjust_n else w.n
    z = centred_values(y, w, "Moran's I")
    s0, s1, s2 = w.s0, w.s1, w.s2
    raw = float(_moran_stat(z, w))
    stat = raw * n / w.n
    ei = -1.0 / (n - 1)
    var_n = (n * n * s1 - n * s2 + 3 * s0 * s0) / ((n * n - 1) * s0 * s0) - ei * ei
    b2 = w.n * (z**4).sum() / (z**2).sum() ** 2
    var_r = (n * ((n * n - 3 * n + 3) * s1 - n * s2 + 3 * s0 * s0)
             - b2 * ((n * n - n) * s1 - 2 * n * s2 + 6 * s0 * s0)) / (
        (n - 1) * (n - 2) * (n - 3) * s0 * s0) - ei * ei
    z_n, z_r = (stat - ei) / np.sqrt(var_n), (stat - ei) / np.sqrt(var_r)
    sims, z_sim, p_sim = permutation_inference(raw, _moran_stat, z, w, perms, alternative)
    sims = sims * (n / w.n)
    values = y.copy()
    for array in (values, sims):
        array.flags.writeable = False
    return MoranResult(
        I=stat, expected=ei, var_norm=float(var_n), var_rand=float(var_r), z_norm=float(z_n),
        z_rand=float(z_r), p_norm=float(normal_pvalue(z_n, alternative)),
        p_rand=float(normal_pvalue(z_r, alternative)), z_sim=z_sim, p_sim=p_sim,
        permutations=perms.count, alternative=alternative, n=n, values=values, weights=w,
        simulated=sims,
    )


@dataclass(frozen=True)
class MoranPanel:
    """Global Moran's I per period.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per period (column named after ``by``) with ``TIDY_COLUMNS``.
    results : Mapping
        Period -> :class:`MoranResult`.
    by : str
        The period column.
    value : str
        The variable.
    """

    table: pd.DataFrame
    results: Mapping[Hashable, MoranResult]
    by: str
    value: str
    statistic: ClassVar[str] = "I"
    label: ClassVar[str] = "Moran's I"

    def __getitem__(self, period: Hashable) -> MoranResult:
        try:
            return self.results[period]
        except KeyError:
            raise SpecificationError(
                f"Period {period!r} is not in the result; periods: {list(self.results)}."
            ) from None

    @print_style
    def plot(self, ax: Any = None, pvalue: str = "p_rand", alpha: float = 0.05) -> Any:
        """Plot the statistic over the periods; filled markers where ``pvalue`` <= ``alpha``."""
        check_choice("pvalue", pvalue, ("p_norm", "p_rand", "p_sim"))
        fig, ax = figure_and_axes(ax, (6, 3.8))
        t = self.table
        stat = self.statistic
        ax.plot(t[self.by], t[stat], color="tab:blue")
        sig = t[pvalue] <= alpha
        ax.scatter(t.loc[sig, self.by], t.loc[sig, stat], color="tab:blue",
                   label=f"{pvalue} <= {alpha}")
        ax.scatter(t.loc[~sig, self.by], t.loc[~sig, stat], facecolors="white",
                   edgecolors="tab:blue", label=f"{pvalue} > {alpha}")
        ax.axhline(float(t["expected"].iloc[0]), color="grey", linestyle="--", linewidth=0.8,
                   label=f"E[{stat}]")
        ax.set_xlabel(self.by)
        integer_ticks(ax)
        ax.set_ylabel(self.label)
        ax.set_title(f"Global {self.label} of {self.value}")
        ax.legend(frameon=False)
        return fig

    def __str__(self) -> str:
        return f"Global {self.label} of '{self.value}'\n{self.table.to_string(index=False)}"


@guard_keywords
def moran(
    data: Any,
    w: SpatialWeights,
    value: str | None = None,
    *,
    id: str | None = None,
    by: str | None = None,
    permutations: int = 999,
    seed: int | np.random.SeedSequence | None = None,
    alternative: Alternative = "two-sided",
    adjust_n: bool = True,
    n_jobs: int = 1,
    backend: Literal["loky", "dask"] = "loky",
) -> MoranResult | MoranPanel:
    """Global Moran's I with normality, randomisation and permutation inference.

    Parameters
    ----------
    data : array-like, pandas.Series or pandas.DataFrame
        The variable: an array in the order of ``w.ids``, a Series indexed by the ids, or a
        DataFrame with ``value`` (and ``id``, or ids as its index).
    w : SpatialWeights
        Spatial weights (their ``transform`` applies: row-standardised by default).
    value : str, optional
        Column of ``data`` (DataFrame input).
    id : str, optional
        Unit-id column (needed with ``by``).
    by : str, optional
        Period column: one Moran's I per period, returned as a :class:`MoranPanel`.
    permutations : int, default 999
        Reshuffles for the pseudo p-value; 0 skips the permutation test.
    seed : int or numpy SeedSequence, optional
        Seed of the reshuffles, run by the resampling engine (:mod:`stfi_models.resample`):
        the same seed gives the same p-values for any ``n_jobs`` and backend (not comparable
        draw-by-draw with spdep or esda).
    alternative : {"two-sided", "greater", "less"}, default "two-sided"
        For every p-value. spdep's ``moran.test`` and ``moran.mc`` default to ``"greater"``;
        esda reports one-tailed normal p-values (halve our two-sided ones).
    adjust_n : bool, default True
        Count only units with neighbours in ``n`` (of :math:`I`, :math:`E[I]` and the
        variances) when ``w`` has islands, as spdep's ``moran.test(adjust.n = TRUE)``
        (its default); False uses every unit (spdep ``adjust.n = FALSE``, esda).  Without
        islands the two coincide.
    n_jobs : int, default 1
        Workers for the reshuffles (-1: all cores).
    backend : {"loky", "dask"}, default "loky"
        Where parallel reshuffles run (``"dask"``: the running dask.distributed client).

    Returns
    -------
    MoranResult or MoranPanel

    Raises
    ------
    SpecificationError
        Data and weights over different units, missing values (naming the units), a constant
        variable, fewer than 4 units, a negative ``permutations``.

    Notes
    -----
    Missing values are an error rather than a silent drop: dropping a unit changes the
    neighbour graph. Impute, or subset both the data and the weights (``w.subset(ids)``).
    """
    return global_statistic(partial(_global, adjust_n=bool(adjust_n)), MoranPanel, "moran", data,
                            w, value, id, by, permutations, seed, alternative, n_jobs, backend)


def global_statistic(compute: Any, panel: type[MoranPanel], func: str, data: Any,
                     w: SpatialWeights, value: str | None, id: str | None, by: str | None,
                     permutations: int, seed: int | np.random.SeedSequence | None,
                     alternative: Alternative, n_jobs: int = 1,
                     backend: str = "loky") -> Any:
    """Check the options, line the data up with ``w`` and run ``compute`` per period.

    ``compute(y, w, perms, alternative)`` returns one cross-section's result (with
    ``tidy()``); with ``by`` the results are collected in ``panel``.  Period ``p`` (in order)
    reshuffles with the ``p``-th child of ``seed``, through the resampling engine.
    """
    check_choice("alternative", alternative, ALTERNATIVES)
    perms = Permutations.of(permutations, seed, n_jobs, backend)
    out = {period: compute(y, w, perms.period(p), alternative)
           for p, (period, y) in enumerate(aligned_values(data, w, value, id, by, func))}
    if by is None:
        return out[None]
    table = pd.concat([r.tidy() for r in out.values()], ignore_index=True)
    table.insert(0, by, list(out))
    return panel(table=table, results=out, by=by, value=str(value))
