"""The immutable result of :func:`stfi_models.index.build_index`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import pandas as pd

from stfi_models._frozen import reduce_by_value
from stfi_models._lending import borrowed
from stfi_models._plotting import figure_and_axes, integer_ticks, print_style
from stfi_models.exceptions import SpecificationError, check_choice, did_you_mean
from stfi_models.index.formula import IndexSpec

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["IndexResult"]


class IndexResult:
    """A composite index: scores, weights and the normalised indicators.

    Every table is returned as a copy; the result itself never changes.

    Attributes
    ----------
    spec : IndexSpec
        The parsed index formula.
    entity, time : str
        Names of the panel keys.
    options : Mapping
        The options the index was built with (method, normalize, scope, weights_by, shift,
        combine, hierarchy, scoring, missing).
    scores : pandas.DataFrame
        Indexed by (entity, time); the composite first, then one column per sub-index.
    weights : pandas.DataFrame
        Tidy weights: ``level`` ("indicator" or "subindex"), ``group`` (the parent: the
        sub-index of an indicator, the composite of a sub-index), ``indicator``, ``direction``,
        the time key when ``weights_by="year"``, ``entropy`` and ``divergence`` (entropy-based
        methods), ``criterion`` (the method's un-normalised importance), ``weight`` (within
        the parent) and ``global_weight`` (share of the composite); ``w_entropy``/``w_critic``
        for ``entropy_critic``.
    normalized : pandas.DataFrame
        The normalised indicators, indexed by (entity, time).
    filled : pandas.DataFrame
        Cells filled by ``missing="interpolate"``.
    dropped : pandas.DataFrame
        Rows dropped by ``missing="drop"``.
    """

    __slots__ = ("spec", "entity", "time", "options", "_scores", "_weights", "_normalized",
                 "_filled", "_dropped", "_data")

    def __init__(
        self,
        *,
        spec: IndexSpec,
        entity: str,
        time: str,
        options: Mapping[str, Any],
        scores: pd.DataFrame,
        weights: pd.DataFrame,
        normalized: pd.DataFrame,
        filled: pd.DataFrame,
        dropped: pd.DataFrame,
        data: pd.DataFrame,
    ) -> None:
        setter = object.__setattr__
        setter(self, "spec", spec)
        setter(self, "entity", entity)
        setter(self, "time", time)
        setter(self, "options", MappingProxyType(dict(options)))
        for name, table in (("_scores", scores), ("_weights", weights),
                            ("_normalized", normalized), ("_filled", filled),
                            ("_dropped", dropped), ("_data", data)):
            setter(self, name, table.copy())

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by value: the read-only options travel as a plain dict."""
        return reduce_by_value(self, self.__slots__, ("options",))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"IndexResult is immutable; cannot set '{name}'.")

    # ------------------------------------------------------------------ tables
    @property
    def name(self) -> str:
        """The composite's name (left-hand side of the formula)."""
        return self.spec.name

    @property
    def scores(self) -> pd.DataFrame:
        """Composite and sub-index scores, indexed by (entity, time)."""
        return self._scores.copy()

    @property
    def composite(self) -> pd.Series:
        """The composite score alone."""
        return self._scores[self.spec.name].copy()

    @property
    def weights(self) -> pd.DataFrame:
        """The tidy weights table (see the class docstring)."""
        return self._weights.copy()

    @property
    def normalized(self) -> pd.DataFrame:
        """The normalised indicators."""
        return self._normalized.copy()

    @property
    def filled(self) -> pd.DataFrame:
        """Cells filled by interpolation: entity, time, indicator, value."""
        return self._filled.copy()

    @property
    def dropped(self) -> pd.DataFrame:
        """Rows dropped for missing indicators, with the indicators that were missing."""
        return self._dropped.copy()

    def to_frame(self, data: bool = False) -> pd.DataFrame:
        """Scores as a flat DataFrame with the key columns, ready for :func:`stfi_models.fit`.

        Parameters
        ----------
        data : bool
            Also carry every column of the input data (scores are merged on the keys), so
            that ``fit("innovation ~ STFI", idx.to_frame(data=True), entity=..., time=...)``
            works in one step.
        """
        flat = self._scores.reset_index()
        if not data:
            return flat
        keys = [self.entity, self.time]
        base = self._data.drop(columns=[c for c in self._scores.columns if c in self._data.columns])
        return base.merge(flat, on=keys, how="left", validate="one_to_one")

    # ------------------------------------------------------------------ robustness
    def rank_robustness(
        self,
        alternatives: Iterable[str] | Mapping[str, Mapping[str, Any]] | None = None,
        *,
        by: str | None = None,
    ) -> pd.DataFrame:
        """Rank agreement of the composite with the same index built other ways.

        ``alternatives`` are weighting methods (default: every other method) or labelled
        option sets; ``by="year"`` gives one correlation per year.  See
        :func:`stfi_models.index.robustness.rank_robustness` for the options.

        Returns
        -------
        pandas.DataFrame
            Columns ``spearman`` and ``kendall`` (tau-b); rows are the alternatives (and years).
        """
        return borrowed("IndexResult.rank_robustness")(self, alternatives, by=by)

    def sensitivity(self, choices: Mapping[str, Any] | None = None, **options: Any) -> Any:
        """Uncertainty and sensitivity analysis of this index's construction choices.

        Rank bands, Sobol indices and propagated model statistics; see
        :func:`stfi_models.index.sensitivity.sensitivity` for the options.

        Returns
        -------
        SensitivityResult
        """
        return borrowed("IndexResult.sensitivity")(self, choices, **options)

    # ------------------------------------------------------------------ display
    @print_style
    def plot(self, kind: str = "trend", *, by: str | None = None,
             ax: Axes | None = None) -> Figure:
        """Plot regional trend lines of the composite, or the weights.

        Parameters
        ----------
        kind : {"trend", "weights"}
            ``"trend"``: mean composite per year, one line per value of ``by``;
            ``"weights"``: bar chart of each indicator's share of the composite
            (``global_weight``; its mean over years when weights vary by year).
        by : str, optional
            A column of the input data grouping entities (e.g. ``"region"``), for ``"trend"``.
        ax : matplotlib Axes, optional

        Returns
        -------
        matplotlib.figure.Figure
        """
        check_choice("kind", kind, ["trend", "weights"])
        fig, ax = figure_and_axes(ax, (6, 3.8))
        if kind == "weights":
            w = self._weights[self._weights["level"] == "indicator"]
            share = w.groupby("indicator", sort=False)["global_weight"].mean()
            ax.barh(share.index[::-1], share.to_numpy()[::-1])
            ax.set_xlabel("share of the composite (global weight)")
            ax.set_title(f"{self.name}: {self.options['method']} weights")
            return fig
        frame = self.to_frame(data=by is not None)
        if by is not None and by not in frame.columns:
            raise SpecificationError(
                f"plot(by={by!r}): not a column of the data.{did_you_mean(by, frame.columns)}"
            )
        if by is None:
            lines = {self.name: frame.groupby(self.time)[self.name].mean()}
        else:
            lines = dict(tuple(frame.groupby(by)))
            lines = {k: v.groupby(self.time)[self.name].mean() for k, v in lines.items()}
        for label, series in lines.items():
            ax.plot(series.index, series.to_numpy(), marker="o", label=str(label))
        ax.set_xlabel(self.time)
        ax.set_ylabel(f"mean {self.name}")
        integer_ticks(ax)
        ax.legend()
        return fig

    def summary(self) -> str:
        """Return a short text summary: options, sample, sub-index weights and top entities."""
        years = self._scores.index.get_level_values(1)
        opts = ", ".join(f"{k}={v!r}" for k, v in self.options.items())
        lines = [
            f"Composite index {self.name}: {self.spec.text}",
            f"  {self._scores.index.get_level_values(0).nunique()} {self.entity} x "
            f"{years.nunique()} {self.time} ({years.min()}-{years.max()}), "
            f"{len(self._scores)} rows",
            f"  {opts}",
        ]
        top = self._weights[self._weights["level"] == "indicator"]
        share = top.groupby("indicator", sort=False)["global_weight"].mean()
        lines.append("  global weights: " + ", ".join(f"{k} {v:.3f}" for k, v in share.items()))
        last = self._scores.xs(years.max(), level=1)[self.name].sort_values(ascending=False)
        lines.append(
            f"  top in {years.max()}: " + ", ".join(f"{k} {v:.3f}" for k, v in last.head(5).items())
        )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()

    def __str__(self) -> str:
        return self.summary()
