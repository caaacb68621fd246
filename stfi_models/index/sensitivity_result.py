"""The result of :func:`stfi_models.index.sensitivity.sensitivity`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from stfi_models._plotting import figure_and_axes
from stfi_models.exceptions import SpecificationError, check_choice
from stfi_models.resample import Resampling

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["SensitivityResult"]


@dataclass(frozen=True)
class SensitivityResult:
    """Rank bands, Sobol indices and propagated statistics of an index's construction choices.

    Attributes
    ----------
    name, entity, time : str
        The composite and the panel keys.
    choices : dict
        The sampled levels of every choice (the Sobol factors, in order).
    ranks : pandas.DataFrame
        Per (entity, time): ``nominal`` rank (1 = highest score), ``median``, ``low`` (5 %)
        and ``high`` (95 %) rank over the draws, and ``mean_abs_shift`` against the nominal.
    draws : pandas.DataFrame
        One row per independent draw (rows of A and B): ``rank_shift`` (mean absolute rank
        shift) and ``<label>|estimate``, ``|std_error``, ``|pvalue`` per propagated spec.
    nominal_stats : dict
        The propagated statistics of the nominal index.
    labels : tuple of str
        The propagated specs' labels.
    sobol : pandas.DataFrame or None
        Indexed by (output, factor): ``S1``, ``ST`` with bootstrap ``_se``, ``_low``, ``_high``;
        outputs are ``rank_shift`` and each propagated label (its estimate).
    convergence : pandas.DataFrame or None
        Sobol indices of the rank shift on the first ``draws`` rows, as the draws double.
    alpha : float
        Significance level used by :meth:`propagation`.
    n_builds : int
        Index builds run (:math:`N(k+2)` with Sobol, :math:`N` without).
    resampling : Resampling
        Draws, seed (``resampling.seed.entropy`` reproduces the run), n_jobs, backend.
    """

    name: str
    entity: str
    time: str
    choices: Mapping[str, tuple[Any, ...]]
    ranks: pd.DataFrame
    draws: pd.DataFrame
    nominal_stats: Mapping[str, float]
    labels: tuple[str, ...]
    sobol: pd.DataFrame | None
    convergence: pd.DataFrame | None
    alpha: float
    n_builds: int
    resampling: Resampling

    def propagation(self) -> pd.DataFrame:
        r"""Distribution of every propagated statistic over the draws.

        Returns
        -------
        pandas.DataFrame
            One row per label: ``nominal``, ``median``, ``low`` (5 %), ``high`` (95 %),
            ``same_sign`` (share of draws with the nominal sign), ``same_sign_significant``
            (same sign and :math:`p < \alpha`), ``failed`` (draws where the step failed) and
            ``most_influential`` (the choice with the largest total Sobol index).
        """
        rows = {}
        for label in self.labels:
            est = self.draws[f"{label}|estimate"].to_numpy()
            pval = self.draws[f"{label}|pvalue"].to_numpy()
            ok = np.isfinite(est)
            nominal = self.nominal_stats[f"{label}|estimate"]
            sign = np.sign(est[ok]) == np.sign(nominal)
            row = {"nominal": nominal, "nominal_pvalue": self.nominal_stats[f"{label}|pvalue"]}
            if ok.any():
                row.update(median=np.median(est[ok]), low=np.percentile(est[ok], 5),
                           high=np.percentile(est[ok], 95), same_sign=sign.mean(),
                           same_sign_significant=(sign & (pval[ok] < self.alpha)).mean())
            row["failed"] = int((~ok).sum())
            if self.sobol is not None and label in self.sobol.index.get_level_values(0):
                total = self.sobol.loc[label, "ST"]
                row["most_influential"] = total.idxmax() if total.notna().any() else None
            rows[label] = row
        return pd.DataFrame.from_dict(rows, orient="index")

    def plot(self, kind: str = "ranks", *, year: Any = None, output: str = "rank_shift",
             ax: Axes | None = None) -> Figure:
        """Rank-uncertainty figure, Sobol indices, or their convergence as draws grow.

        Parameters
        ----------
        kind : {"ranks", "sobol", "convergence"}
            ``"ranks"``: median rank and 5-95 % band per entity, nominal rank marked;
            ``"sobol"``: first-order and total indices of ``output`` with their intervals;
            ``"convergence"``: total indices of the rank shift on the first n draws.
        year : optional
            The period of ``"ranks"`` (default: the last one).
        output : str
            ``"rank_shift"`` or a propagated label, for ``"sobol"``.
        ax : matplotlib Axes, optional

        Returns
        -------
        matplotlib.figure.Figure
        """
        check_choice("kind", kind, ("ranks", "sobol", "convergence"))
        if kind == "ranks":
            return self._plot_ranks(year, ax)
        if self.sobol is None or self.convergence is None:
            raise SpecificationError(f"plot(kind={kind!r}) needs Sobol indices: run "
                                     "sensitivity(..., sobol=True).")
        fig, ax = figure_and_axes(ax, (7, 4))
        if kind == "convergence":
            for factor, part in self.convergence.groupby("factor", sort=False):
                ax.plot(part["draws"], part["ST"], marker="o", label=str(factor))
            ax.set_xscale("log", base=2)
            ax.set_xlabel("draws N")
            ax.set_ylabel("total Sobol index of the rank shift")
            ax.legend(fontsize=8)
            return fig
        outputs = list(dict.fromkeys(self.sobol.index.get_level_values(0)))
        check_choice("output", output, outputs)
        table = self.sobol.loc[output]
        pos = np.arange(len(table))
        for shift, name in ((-0.2, "S1"), (0.2, "ST")):
            err = None
            if f"{name}_low" in table:
                err = np.abs(table[[f"{name}_low", f"{name}_high"]].to_numpy().T
                             - table[name].to_numpy())
            ax.bar(pos + shift, table[name], width=0.4, yerr=err, label=name, capsize=2)
        ax.set_xticks(pos, [str(f) for f in table.index])
        ax.set_ylabel("Sobol index")
        ax.set_title(f"{output}: first-order (S1) and total (ST) indices")
        ax.legend()
        return fig

    def _plot_ranks(self, year: Any, ax: Axes | None) -> Figure:
        years = self.ranks.index.get_level_values(1)
        year = years.max() if year is None else year
        if year not in set(years):
            raise SpecificationError(
                f"plot(year={year!r}): not a period of the index ({years.min()}-{years.max()})."
            )
        part = self.ranks.xs(year, level=1).sort_values("nominal")
        fig, ax = figure_and_axes(ax, (7, max(4.0, 0.22 * len(part))))
        pos = np.arange(len(part))
        ax.hlines(pos, part["low"], part["high"], color="tab:blue", linewidth=3, alpha=0.5,
                  label="5-95 % band")
        ax.plot(part["median"], pos, "o", color="tab:blue", label="median rank")
        ax.plot(part["nominal"], pos, "x", color="black", label="nominal rank")
        ax.set_yticks(pos, [str(i) for i in part.index])
        ax.invert_yaxis()
        ax.set_xlabel(f"rank of {self.name} in {year} (1 = highest)")
        ax.set_title(f"{self.name}: rank uncertainty over {len(self.draws)} draws")
        ax.legend(loc="lower right", fontsize=8)
        return fig

    def summary(self) -> str:
        """Return a short text report: choices, rank shifts, Sobol indices, propagation."""
        shift = self.draws["rank_shift"]
        lines = [
            f"Sensitivity of {self.name}: {len(self.draws)} draws, {self.n_builds} index builds",
            "  choices: " + "; ".join(f"{k}: {list(v)}" for k, v in self.choices.items()),
            f"  mean |rank shift|: median {shift.median():.2f}, 5-95 % "
            f"[{shift.quantile(0.05):.2f}, {shift.quantile(0.95):.2f}]",
        ]
        if self.sobol is not None:
            lines.append(self.sobol[["S1", "ST"]].round(3).to_string())
        if self.labels:
            lines.append(self.propagation().round(4).to_string())
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()
