r"""Impulse responses and forecast-error variance decompositions of a (panel) VAR.

The VAR(p) in the (transformed) variables,

.. math::

    y_t = A_1 y_{t-1} + \dots + A_p y_{t-p} + \varepsilon_t, \qquad
    \operatorname{E}\varepsilon_t\varepsilon_t' = \Sigma,

has the moving-average representation :math:`y_t = \sum_h \Phi_h \varepsilon_{t-h}` with

.. math::

    \Phi_0 = I_m, \qquad \Phi_h = \sum_{j=1}^{\min(h, p)} \Phi_{h-j} A_j .

Three kinds of responses (arrays ``[h, response, impulse]``, as statsmodels' ``irfs``):

* ``"simple"``: :math:`\Phi_h` (a unit shock to one equation's error);
* ``"orth"``: :math:`\Phi_h P` with :math:`P` the lower Cholesky factor of :math:`\Sigma`
  in the chosen ordering (a one-standard-deviation orthogonalised shock);
* ``"girf"``: :math:`\Phi_h \Sigma e_j / \sqrt{\sigma_{jj}}` (Pesaran and Shin 1998),
  invariant to the ordering; for the first variable of the ordering it equals the OIRF.

The FEVD share of impulse :math:`j` in the ``s``-step forecast-error variance of response
:math:`i` is

.. math::

    \omega_{ij}(s) = \frac{\sum_{h=0}^{s-1} (\Phi_h P)_{ij}^2}
                          {\sum_{h=0}^{s-1} (\Phi_h \Sigma \Phi_h')_{ii}},
    \qquad s = 1, 2, \dots

Step convention: step ``s = 1`` is the impact period alone (R panelvar ``fevd_orthogonal``,
statsmodels ``fevd().decomp[:, 0]``, Stata ``pvarfevd`` step 1; Stata's extra row "step 0"
of zeros is not reported).  Every row sums to one.

References
----------
Lütkepohl, H. (2005). *New Introduction to Multiple Time Series Analysis*, ch. 2.3.
Pesaran, M. H. and Shin, Y. (1998). Generalized impulse response analysis in linear
multivariate models. *Economics Letters* 58: 17-29.
Abrigo, M. R. M. and Love, I. (2016). Estimation of panel vector autoregression in Stata.
*Stata Journal* 16(3): 778-804.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from stfi_models._plotting import axes_grid, integer_ticks, print_style
from stfi_models.exceptions import EstimationError, SpecificationError, check_choice

__all__ = [
    "IRF",
    "FEVD",
    "IRF_KINDS",
    "ma_coefficients",
    "responses",
    "fevd_shares",
    "ordering",
]

#: Kinds of impulse responses.
IRF_KINDS = ("simple", "orth", "girf")
#: Band methods: Monte Carlo (symmetric Gaussian, Stata pvar) or bootstrap (percentile).
BAND_METHODS = ("mc", "bootstrap")


def ma_coefficients(lag_matrices: np.ndarray, periods: int) -> np.ndarray:
    r"""MA coefficients :math:`\Phi_0, \dots, \Phi_{periods}` of a VAR(p).

    Parameters
    ----------
    lag_matrices : numpy.ndarray
        Shape ``(p, m, m)``: ``lag_matrices[j - 1]`` is :math:`A_j`, rows = equations.
        A leading batch axis ``(draws, p, m, m)`` is allowed.
    periods : int
        Last horizon.

    Returns
    -------
    numpy.ndarray
        Shape ``(periods + 1, m, m)`` (or ``(draws, periods + 1, m, m)``).
    """
    lag_matrices = np.asarray(lag_matrices, dtype=float)
    p, m = lag_matrices.shape[-3], lag_matrices.shape[-1]
    batch = lag_matrices.shape[:-3]
    phi = np.zeros(batch + (periods + 1, m, m))
    phi[..., 0, :, :] = np.eye(m)
    for h in range(1, periods + 1):
        acc = np.zeros(batch + (m, m))
        for j in range(1, min(h, p) + 1):
            acc += phi[..., h - j, :, :] @ lag_matrices[..., j - 1, :, :]
        phi[..., h, :, :] = acc
    return phi


def ordering(names: Sequence[str], order: Sequence[str] | None) -> np.ndarray:
    """Positions of ``order`` (a permutation of ``names``) in ``names``.

    Raises
    ------
    SpecificationError
        When ``order`` is not a permutation of the variables.
    """
    names = list(names)
    if order is None:
        return np.arange(len(names))
    order = list(order)
    if sorted(order) != sorted(names):
        raise SpecificationError(
            f"order={order!r} must list each of the variables {names} exactly once."
        )
    return np.array([names.index(v) for v in order])


def _cholesky(sigma: np.ndarray, perm: np.ndarray) -> np.ndarray:
    """Lower Cholesky factor of ``sigma`` in the ordering ``perm``, in the original order.

    So ``P @ P.T == sigma`` and ``P`` is lower-triangular after permuting rows and columns by
    ``perm``.
    """
    reordered = sigma[np.ix_(perm, perm)]
    chol = np.linalg.cholesky(reordered)
    inv = np.argsort(perm)
    return chol[np.ix_(inv, inv)]


def impact_matrix(kind: str, sigma: np.ndarray | None, perm: np.ndarray) -> np.ndarray | None:
    r"""Return the matrix that maps unit structural shocks into reduced-form errors.

    ``None`` for ``"simple"``; :math:`P` for ``"orth"``; :math:`\Sigma D^{-1/2}` for
    ``"girf"``.
    """
    if kind == "simple":
        return None
    if sigma is None:
        raise SpecificationError(f"kind={kind!r} needs the residual covariance Sigma.")
    if kind == "orth":
        return _cholesky(sigma, perm)
    return sigma / np.sqrt(np.diag(sigma))[None, :]


def responses(
    phi: np.ndarray,
    kind: str,
    sigma: np.ndarray | None = None,
    order: np.ndarray | None = None,
    cumulative: bool = False,
) -> np.ndarray:
    """Impulse responses ``[h, response, impulse]`` from MA coefficients.

    Parameters
    ----------
    phi : numpy.ndarray
        Output of :func:`ma_coefficients`, shape ``(H + 1, m, m)``.
    kind : {"simple", "orth", "girf"}
    sigma : numpy.ndarray, optional
        Residual covariance (needed unless ``kind="simple"``).
    order : numpy.ndarray, optional
        Cholesky ordering as positions (see :func:`ordering`); default: as given.
    cumulative : bool
        Accumulate the responses over horizons.

    Raises
    ------
    numpy.linalg.LinAlgError
        When ``kind="orth"`` and ``sigma`` is not positive definite.
    """
    check_choice("kind", kind, IRF_KINDS)
    m = phi.shape[-1]
    perm = np.arange(m) if order is None else order
    impact = impact_matrix(kind, sigma, perm)
    out = phi.copy() if impact is None else phi @ impact
    return np.cumsum(out, axis=0) if cumulative else out


def fevd_shares(phi: np.ndarray, sigma: np.ndarray, order: np.ndarray | None = None) -> np.ndarray:
    r"""Cholesky FEVD shares ``[step - 1, response, impulse]`` for steps ``1 .. len(phi)``.

    Step ``s`` uses :math:`\Phi_0, \dots, \Phi_{s-1}` (see the module docstring).
    """
    m = phi.shape[-1]
    perm = np.arange(m) if order is None else order
    theta = phi @ _cholesky(sigma, perm)
    num = np.cumsum(theta**2, axis=0)
    return num / num.sum(axis=2, keepdims=True)


# ---------------------------------------------------------------------------- containers
def _tidy(values: np.ndarray, names: Sequence[str], steps: np.ndarray, lower, upper,
          step_name: str) -> pd.DataFrame:
    """Long frame (impulse, response, <step_name>, value, lower, upper)."""
    n_h, m, _ = values.shape
    imp, h, resp = np.meshgrid(np.arange(m), np.arange(n_h), np.arange(m), indexing="ij")
    imp, h, resp = imp.ravel(), h.ravel(), resp.ravel()
    frame = pd.DataFrame(
        {
            "impulse": np.asarray(names, dtype=object)[imp],
            "response": np.asarray(names, dtype=object)[resp],
            step_name: steps[h],
            "value": values[h, resp, imp],
            "lower": np.nan if lower is None else lower[h, resp, imp],
            "upper": np.nan if upper is None else upper[h, resp, imp],
        }
    )
    return frame


@dataclass(frozen=True)
class Bands:
    """Confidence bands and how they were made.

    Attributes
    ----------
    lower, upper : numpy.ndarray
        Same shape as the point values.
    method : {"mc", "bootstrap"}
        ``"mc"``: point ± z·sd of Monte Carlo draws from the estimates' asymptotic
        distribution (Stata ``pvarirf, mc()``); ``"bootstrap"``: percentile band of refits on
        entities drawn with replacement (R panelvar ``bootstrap_irf``).
    level : float
    draws : int
        Draws requested.
    used : int
        Draws that entered the band (Monte Carlo draws with a non-positive-definite Sigma,
        or bootstrap refits that failed, are discarded and counted in ``discarded``).
    discarded : int
    sd : numpy.ndarray or None
        Standard deviation of the draws (Monte Carlo).
    """

    lower: np.ndarray
    upper: np.ndarray
    method: str
    level: float
    draws: int
    used: int
    discarded: int = 0
    sd: np.ndarray | None = None

    @classmethod
    def from_draws(cls, point: np.ndarray, draws: np.ndarray, method: str, level: float,
                   requested: int) -> Bands:
        r"""Bands from stacked draws ``(n_used, *point.shape)``.

        ``"mc"``: :math:`\hat\theta \pm z_{(1+level)/2}\,\mathrm{sd}`; ``"bootstrap"``:
        the :math:`(1-level)/2` and :math:`(1+level)/2` quantiles of the draws.
        """
        from scipy import stats

        check_choice("ci", method, BAND_METHODS)
        if draws.shape[0] < 2:
            raise EstimationError(
                f"Only {draws.shape[0]} usable draws of {requested}; cannot form bands. "
                "Increase draws= or check the warnings about discarded draws."
            )
        if method == "mc":
            sd = draws.std(axis=0, ddof=1)
            z = stats.norm.ppf(0.5 + level / 2)
            lower, upper = point - z * sd, point + z * sd
        else:
            sd = None
            lower, upper = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2], axis=0)
        return cls(lower, upper, method, level, requested, int(draws.shape[0]),
                   requested - int(draws.shape[0]), sd)

    def describe(self) -> str:
        """One line: method, level, draws used."""
        how = ("Monte Carlo, point ± z·sd" if self.method == "mc"
               else "entity bootstrap, percentile")
        text = f"{self.level:.0%} bands: {how}; {self.used} of {self.draws} draws used"
        return text + (f" ({self.discarded} discarded)" if self.discarded else "")


class _Responses:
    """Shared behaviour of :class:`IRF` and :class:`FEVD`."""

    _step_name = "h"

    values: np.ndarray
    names: tuple[str, ...]
    bands: Bands | None

    @property
    def steps(self) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def frame(self) -> pd.DataFrame:
        """Tidy numbers: columns impulse, response, h, value, lower, upper."""
        lower = None if self.bands is None else self.bands.lower
        upper = None if self.bands is None else self.bands.upper
        return _tidy(self.values, self.names, self.steps, lower, upper, self._step_name)

    def to_frame(self) -> pd.DataFrame:
        """Return the tidy numbers (same as :attr:`frame`)."""
        return self.frame

    def conf_int(self) -> pd.DataFrame:
        """Bands as a frame indexed by (impulse, response, h) with columns lower, upper.

        Raises
        ------
        SpecificationError
            When no bands were computed (ask with ``ci="mc"`` or ``ci="bootstrap"``).
        """
        if self.bands is None:
            raise SpecificationError(
                "No confidence bands were computed; call with ci='mc' or ci='bootstrap'."
            )
        frame = self.frame.set_index(["impulse", "response", self._step_name])
        return frame[["lower", "upper"]]

    def _select(self, impulse, response) -> tuple[list[int], list[int]]:
        names = list(self.names)

        def pick(value, what: str) -> list[int]:
            if value is None:
                return list(range(len(names)))
            values = [value] if isinstance(value, str) else list(value)
            for v in values:
                check_choice(what, v, names)
            return [names.index(v) for v in values]

        return pick(impulse, "impulse"), pick(response, "response")

    @print_style
    def _plot(self, impulse, response, ylabel: str, figsize=None, ax=None):
        imps, resps = self._select(impulse, response)
        fig, axes = axes_grid(ax, len(resps), len(imps), sharex=True,
                              figsize=figsize or (2.2 + 2.0 * len(imps), 0.4 + 1.8 * len(resps)))
        steps = self.steps
        for c, j in enumerate(imps):
            for r, i in enumerate(resps):
                ax = axes[r, c]
                ax.plot(steps, self.values[:, i, j], color="C0")
                if self.bands is not None:
                    ax.fill_between(steps, self.bands.lower[:, i, j], self.bands.upper[:, i, j],
                                    color="C0", alpha=0.2, linewidth=0)
                ax.axhline(0, color="0.5", linewidth=0.6)
                ax.set_title(f"{self.names[j]} → {self.names[i]}")
                integer_ticks(ax)
                if c == 0:
                    ax.set_ylabel(ylabel)
        for ax in axes[-1]:
            ax.set_xlabel(self._step_name)
        fig.tight_layout()
        return fig


@dataclass(frozen=True, eq=False)
class IRF(_Responses):
    """Impulse responses of a (panel) VAR, with optional bands.

    Attributes
    ----------
    values : numpy.ndarray
        ``[h, response, impulse]`` for ``h = 0 .. periods``.
    names : tuple of str
        Variable names (equation order).
    kind : {"simple", "orth", "girf"}
    order : tuple of str
        Cholesky ordering (``"orth"``; also stored for the others).
    cumulative : bool
    bands : Bands or None
    notes : tuple of str
        Warnings issued while computing (e.g. instability), repeated in :meth:`summary`.
    """

    values: np.ndarray
    names: tuple[str, ...]
    kind: str
    order: tuple[str, ...]
    cumulative: bool = False
    bands: Bands | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def periods(self) -> int:
        """Last horizon."""
        return self.values.shape[0] - 1

    @property
    def steps(self) -> np.ndarray:
        """Horizons 0 to ``periods``."""
        return np.arange(self.values.shape[0])

    def plot(self, impulse: str | Sequence[str] | None = None,
             response: str | Sequence[str] | None = None, figsize: Any = None,
             ax: Any = None):
        """Grid of responses (rows) to impulses (columns), with bands when present.

        Parameters
        ----------
        impulse, response : str or list of str, optional
            Variables to show (default: all).
        figsize : tuple of float, optional
            Size of a new figure.
        ax : Axes or array of Axes, optional
            Where to draw: one Axes per panel (rows = responses), e.g. from ``plt.subplots``.

        Returns
        -------
        matplotlib.figure.Figure
            Horizons (integers) on the x axis.
        """
        label = {"simple": "IRF", "orth": "OIRF", "girf": "GIRF"}[self.kind]
        return self._plot(impulse, response, ("cumulative " if self.cumulative else "") + label,
                          figsize, ax)

    def summary(self) -> str:
        """Text: the responses per impulse (rows h, columns responses), bands below."""
        label = {"simple": "Simple", "orth": "Orthogonalised (Cholesky)",
                 "girf": "Generalised (Pesaran-Shin)"}[self.kind]
        lines = [f"{'Cumulative ' if self.cumulative else ''}{label} impulse responses, "
                 f"h = 0..{self.periods}"]
        if self.kind == "orth":
            lines.append(f"Cholesky ordering: {', '.join(self.order)}")
        if self.bands is not None:
            lines.append(self.bands.describe())
        for j, name in enumerate(self.names):
            table = pd.DataFrame(self.values[:, :, j], columns=list(self.names))
            table.index.name = "h"
            lines += ["", f"Impulse: {name}", table.to_string(float_format=lambda v: f"{v:.6g}")]
        lines += list(self.notes)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


@dataclass(frozen=True, eq=False)
class FEVD(_Responses):
    """Forecast-error variance decomposition (Cholesky), with optional bands.

    Attributes
    ----------
    values : numpy.ndarray
        ``[step - 1, response, impulse]`` for steps ``1 .. periods``; rows (over impulses)
        sum to one.  Step 1 is the impact period only.
    names : tuple of str
    order : tuple of str
        Cholesky ordering.
    bands : Bands or None
    """

    _step_name = "h"

    values: np.ndarray
    names: tuple[str, ...]
    order: tuple[str, ...]
    bands: Bands | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def periods(self) -> int:
        """Number of forecast steps."""
        return self.values.shape[0]

    @property
    def steps(self) -> np.ndarray:
        """Forecast steps 1 to ``periods`` (the ``h`` column of :attr:`frame`)."""
        return np.arange(1, self.values.shape[0] + 1)

    def table(self, response: str) -> pd.DataFrame:
        """Shares for one response: rows = steps, columns = impulses."""
        (i,) = self._select(None, response)[1]
        return pd.DataFrame(self.values[:, i, :], index=pd.Index(self.steps, name="step"),
                            columns=list(self.names))

    def plot(self, impulse: str | Sequence[str] | None = None,
             response: str | Sequence[str] | None = None, figsize: Any = None,
             ax: Any = None):
        """Grid of shares (rows = responses, columns = impulses), with bands when present.

        Parameters are those of :meth:`IRF.plot`.

        Returns
        -------
        matplotlib.figure.Figure
        """
        return self._plot(impulse, response, "FEVD share", figsize, ax)

    def summary(self) -> str:
        """Text: one table per response (rows = steps, columns = impulses)."""
        lines = [f"Forecast-error variance decomposition (Cholesky ordering: "
                 f"{', '.join(self.order)}); step 1 = impact period"]
        if self.bands is not None:
            lines.append(self.bands.describe())
        for name in self.names:
            lines += ["", f"Response: {name}",
                      self.table(name).to_string(float_format=lambda v: f"{v:.4f}")]
        lines += list(self.notes)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()
