"""``etable([res1, res2, ...])``: regression tables from Results.

The builder only reads the Result contract (``params``, ``std_errors``, ``pvalues``,
``conf_int``, ``diagnostics``, ``info``, ``rsquared``, ``vcov_type``), so every estimator's
Result fits.  Model families add statistic rows and estimator names in
:mod:`~stfi_models.results.tables.statistics`; blocks of rows of their own (threshold regimes,
first stages) register a function in :data:`ROW_BLOCKS`.  Spillover effects of spatial models
(``effects=``, or effects objects in place of Results) come from
:mod:`~stfi_models.results.tables.effects`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from stfi_models.exceptions import SpecificationError, check_choice, did_you_mean
from stfi_models.results.result import Result
from stfi_models.results.tables.effects import (
    EffectsLike,
    EffectsOption,
    effect_blocks,
    effects_note,
    is_effects,
    resolve_effects,
)
from stfi_models.results.tables.statistics import (
    ESTIMATOR_LABELS,
    STATISTICS,
    estimator_label,
    indicator_rows,
    statistic_keys,
)
from stfi_models.results.tables.table import Row, Table
from stfi_models.results.tables.terms import dummy_variable, select_terms, select_variables

__all__ = ["etable", "Formatter", "ROW_BLOCKS", "RowBlock"]

SeKind = Literal["std_error", "tstat", "pvalue", "ci"]

_SE_NOTE = {
    "std_error": "Standard errors in parentheses.",
    "tstat": "t statistics in parentheses.",
    "pvalue": "p-values in parentheses.",
    "ci": "{level:g}% confidence intervals in brackets.",
}


@dataclass(frozen=True, slots=True)
class Formatter:
    """How a table prints numbers: decimals, stars and what goes beneath an estimate.

    Row blocks use it so that their cells look like the coefficients'.
    """

    digits: int
    stars: tuple[tuple[str, float], ...]
    se: str
    level: float

    def number(self, value: object) -> str:
        """Format a float with the table's decimals; empty for None and NaN."""
        if value is None:
            return ""
        value = float(value)  # type: ignore[arg-type]
        return f"{value:.{self.digits}f}" if np.isfinite(value) else ""

    def starred(self, estimate: float, pvalue: float) -> str:
        """Format the estimate followed by the stars its p-value earns."""
        marks = [sym for sym, level in self.stars if np.isfinite(pvalue) and pvalue < level]
        return self.number(estimate) + (marks[-1] if marks else "")

    def cells(self, estimate: float, std_error: float, tstat: float, pvalue: float,
              interval: tuple[float, float]) -> tuple[str, str]:
        """(estimate with stars, the parenthesised or bracketed cell beneath it)."""
        if self.se == "ci":
            beneath = f"[{self.number(interval[0])}, {self.number(interval[1])}]"
        else:
            chosen = {"std_error": std_error, "tstat": tstat, "pvalue": pvalue}[self.se]
            beneath = f"({self.number(chosen)})"
        return self.starred(float(estimate), float(pvalue)), beneath

    def coefficient(self, res: Result, term: object) -> tuple[str, str]:
        """(estimate with stars, the cell beneath) of one term of one model."""
        ci = (res.conf_int(self.level).loc[term] if self.se == "ci"
              else {"lower": np.nan, "upper": np.nan})
        return self.cells(res.params[term], res.std_errors[term], res.tstats[term],
                          res.pvalues[term], (ci["lower"], ci["upper"]))

    def effect(self, row: pd.Series) -> tuple[str, str]:
        """(estimate with stars, the cell beneath) of one row of an effects' tidy table."""
        return self.cells(row["estimate"], row["std_error"], row["statistic"], row["p_value"],
                          (row["conf_low"], row["conf_high"]))


#: A block of extra rows: ``func(models, formatter)`` returns rows (``[]`` when the models
#: have nothing to show); the table draws a rule above a non-empty block.
RowBlock = Callable[[Sequence[Result], Formatter], Sequence[Row]]

#: Row blocks run for every table, in order (name -> function); new Result kinds register
#: theirs here (e.g. the regimes of a threshold model read from ``info``).
ROW_BLOCKS: dict[str, RowBlock] = {}


Column = Result | EffectsLike


def _as_named(results: Sequence[Column] | Mapping[str, Column] | Column,
              titles: Sequence[str] | None) -> dict[str, Column]:
    if isinstance(results, Result) or is_effects(results):
        results = [results]  # type: ignore[list-item]
    if isinstance(results, Mapping):
        named = {str(k): v for k, v in results.items()}
    elif isinstance(results, Iterable) and not isinstance(results, str):
        named = {f"({i + 1})": r for i, r in enumerate(results)}
    else:
        raise SpecificationError(
            f"etable() takes a list of Results or a dict name -> Result, got "
            f"{type(results).__name__}."
        )
    if not named:
        raise SpecificationError("etable() needs at least one Result.")
    kinds = {name: "effects" if is_effects(res) else "result" for name, res in named.items()}
    for name, res in named.items():
        if kinds[name] == "result" and not isinstance(res, Result):
            raise SpecificationError(
                f"etable(): model {name} is a {type(res).__name__}, not a Result. Pass what "
                "stfi_models.fit() returns (or the effects objects of res.effects())."
            )
    if len(set(kinds.values())) > 1:
        raise SpecificationError(
            "etable() takes Results or effects objects, not both: pass the Results and their "
            "effects as effects=[...] (one per model, None for none), or effects=True."
        )
    if titles is not None:
        titles = [str(t) for t in titles]
        if len(titles) != len(named):
            raise SpecificationError(
                f"titles has {len(titles)} entries for {len(named)} models; give one title "
                "per model."
            )
        named = dict(zip(titles, named.values(), strict=True))
        if len(named) != len(titles):
            raise SpecificationError(f"titles {titles} repeat a title; make them distinct.")
    return named


def _stars(stars: Sequence[float] | Mapping[str, float] | None) -> tuple[tuple[str, float], ...]:
    """``((symbol, level), ...)`` from the largest level to the smallest."""
    if stars is None:
        return ()
    pairs = (list(stars.items()) if isinstance(stars, Mapping)
             else [("*" * (i + 1), s) for i, s in
                   enumerate(sorted(stars, key=lambda v: -float(v)))])
    levels = [float(level) for _, level in pairs]
    if any(not 0 < s < 1 for s in levels) or len(set(levels)) != len(levels):
        raise SpecificationError(
            f"stars={stars!r}: give distinct significance levels between 0 and 1, e.g. "
            "(0.1, 0.05, 0.01) or {'+': 0.1, '*': 0.05}, or stars=None for none."
        )
    return tuple(sorted(((str(sym), float(lv)) for sym, lv in pairs), key=lambda p: -p[1]))


def _statistic_rows(models: Sequence[Result], stats: str | Sequence[str] | Mapping[str, str],
                    fmt: Formatter) -> list[Row]:
    if isinstance(stats, str):
        check_choice("stats", stats, ("auto",))
        chosen = {key: STATISTICS[key].label for key in statistic_keys(models)}
    else:
        chosen = (dict(stats) if isinstance(stats, Mapping)
                  else {key: None for key in stats})
        for key in chosen:
            check_choice("stats", key, STATISTICS)
    rows = []
    for key, label in chosen.items():
        stat = STATISTICS[key]
        values = [stat.value(r) for r in models]
        if stat.kind == "float":
            cells = [fmt.number(v) for v in values]
        elif stat.kind == "floats":
            cells = ["" if v is None else ", ".join(map(fmt.number, v)) for v in values]
        else:
            cells = ["" if v is None else str(v) for v in values]
        if any(cells):
            rows.append(Row(label or stat.label, tuple(cells), "stat"))
    return rows


def _effects_only_options(effects: EffectsOption, stats: object,
                          blocks: Sequence[RowBlock]) -> None:
    """Refuse the options a table of effects objects (no Results) cannot honour."""
    if effects is not False:
        raise SpecificationError(
            "etable() got effects objects and effects=: the objects are the effects already; "
            "drop effects=, or pass the Results with effects=True."
        )
    if stats != "auto" or blocks:
        raise SpecificationError(
            "A table of effects objects has no fit statistics or row blocks (stats=, blocks=): "
            "pass the Results with effects=True for a table of models and their effects."
        )


def _collapsed(models: Sequence[Result], dummies: str | Sequence[str]) -> frozenset[str]:
    found = {v for r in models for v in map(dummy_variable, r.params.index) if v}
    if isinstance(dummies, str):
        check_choice("dummies", dummies, ("collapse", "show"))
        return frozenset(found) if dummies == "collapse" else frozenset()
    for var in dummies:
        if var not in found:
            raise SpecificationError(
                f"dummies names {var!r}, but no model has C({var}) dummies."
                f"{did_you_mean(var, found)} Dummy sets: {', '.join(sorted(found)) or 'none'}."
            )
    return frozenset(dummies)


def etable(
    results: Sequence[Column] | Mapping[str, Column] | Column,
    *,
    titles: Sequence[str] | None = None,
    groups: Mapping[str, int] | Sequence[tuple[str, int]] = (),
    stars: Sequence[float] | Mapping[str, float] | None = (0.1, 0.05, 0.01),
    se: SeKind = "std_error",
    level: float = 0.95,
    keep: str | Sequence[str] | None = None,
    drop: str | Sequence[str] | None = None,
    order: str | Sequence[str] | None = None,
    rename: Mapping[str, str] | None = None,
    coef_map: Mapping[str, str] | None = None,
    dummies: str | Sequence[str] = "collapse",
    stats: str | Sequence[str] | Mapping[str, str] = "auto",
    estimator: bool = True,
    marks: tuple[str, str] = ("✓", ""),
    blocks: Sequence[RowBlock] = (),
    notes: str | Sequence[str] = (),
    caption: str = "",
    label: str = "",
    math: bool = False,
    digits: int = 3,
    effects: EffectsOption = False,
) -> Table:
    r"""Regression table of several models side by side.

    Parameters
    ----------
    results : list of Result, or dict title -> Result
        The models, one column each; list columns are headed ``(1)``, ``(2)``, ...
        Effects objects (``res.effects()`` of spatial models) in place of Results give a
        table of direct, indirect and total effects alone.
    titles : list of str, optional
        Column titles (one per model), replacing the numbers or the dict keys.
    groups : dict title -> span, or list of (title, span)
        Titles spanning neighbouring columns, above the column titles
        (``{"Static": 2, "Dynamic": 2}``); the spans add up to the number of models.
    stars : sequence of float, dict symbol -> level, or None
        Significance levels; with levels ``(0.1, 0.05, 0.01)`` a coefficient gets ``*``,
        ``**`` or ``***`` when its p-value is below 10, 5 or 1 %.  A dict sets the symbols
        (``{"+": 0.1, "*": 0.05}``).  ``None`` for no stars.
    se : {"std_error", "tstat", "pvalue", "ci"}
        What goes beneath each estimate: its standard error, t (or z) statistic or p-value in
        parentheses, or its confidence interval at ``level`` in brackets.
    level : float
        Confidence level of ``se="ci"``.
    keep, drop, order : str or list of str, optional
        Regular expressions searched in the coefficient names (``"equation: term"`` for
        systems): show only terms some ``keep`` pattern finds, hide those a ``drop`` pattern
        finds, put terms the first ``order`` pattern finds first, then the second's, ...
    rename : dict, optional
        ``{term: label}``; two models' differently named terms may share a label (row).
    coef_map : dict, optional
        ``{term: label}`` that also selects and orders (modelsummary's ``coef_map``); not
        combined with ``keep``/``drop``/``order``/``rename``.
    dummies : "collapse", "show" or list of str
        Patsy dummy sets (``C(year)[1977]``, ...) are replaced by one indicator row per
        variable ("Year dummies ✓"); ``"show"`` prints their coefficients, a list collapses
        only those variables.
    stats : "auto", list of str, or dict key -> label
        Statistic rows by key of :data:`~stfi_models.results.tables.statistics.STATISTICS`:
        ``nobs``, ``entities``, ``r2``, ``r2_within``, ``r2_between``, ``r2_overall``,
        ``r2_pseudo``, ``rho``, ``loglik``, ``aic``, ``bic``, ``sigma2``, ``instruments``,
        ``ar1_p``, ``ar2_p``, ``hansen``, ``hansen_p``, ``sargan_p``, ``hausman_p``,
        ``first_stage_f``, ``underid_p``, ``overid_p``, ``endogeneity_p``, ``thresholds``,
        ``clusters``,
        ``vcov``.
        ``"auto"`` takes each model family's defaults.  Rows without a value are left out.
    estimator : bool
        Print the "Estimator" row (FE, RE, System GMM, Panel VAR, ...).
    marks : (str, str)
        Cells of indicator rows for yes and no (e.g. ``("Yes", "No")``).
    blocks : list of callables
        Extra row blocks ``func(models, formatter) -> rows``, after those in
        :data:`ROW_BLOCKS`.
    notes : str or list of str
        Notes printed after the standard ones.
    caption, label : str
        Caption; LaTeX ``\label`` of the float.
    math : bool
        Labels (titles, ``rename``/``coef_map`` values, notes) may hold ``$...$`` LaTeX math,
        passed verbatim to LaTeX; without it every character is escaped.
    digits : int
        Decimals of coefficients, standard errors and statistics.
    effects : bool, dict or list, default False
        Spillover effects of spatial models (LeSage-Pace direct, indirect and total) under
        the coefficients, one block per kind of effect, a row per variable (``keep``,
        ``drop``, ``order``, ``rename`` and ``coef_map`` apply to the variables' names):
        ``True`` computes ``res.effects(method="delta")`` for every model with spillovers
        (``sar``, ``sdm``, ``sac``, ``sdem``; other columns stay empty); a dict gives the
        options of ``res.effects()`` instead (``{"method": "simulation", "draws": 1000,
        "seed": 1}``); a list gives effects already computed, one per model (None for none).
        Beneath each effect goes what ``se`` asks for (normal-based, as ``to_frame()``).

    Returns
    -------
    Table
        ``to_text()``, ``to_markdown()``, ``to_latex()``, ``to_html()``, ``to_docx(path)``,
        ``to_excel(path)``, ``to_csv(path)``, ``save(path)``; cells via ``to_frame()``.

    Notes
    -----
    The indicator rows (``Entity FE``, ``Time FE``, ``Year dummies``, ``Clustered by``) are
    derived from the models: ``info["effects"]`` (or ``info["absorbed"]``), the collapsed
    dummy sets and a clustered ``vcov_type``.  A column gets an empty "Entity FE" cell when
    its model does not say (e.g. GMM, where differencing removes the entity effect).

    Examples
    --------
    >>> import stfi_models as sm
    >>> from stfi_models.datasets import load_abdata
    >>> ab = load_abdata()
    >>> pooled = sm.fit("n ~ w + k", ab, entity="id", time="year")
    >>> fe = sm.fit("n ~ w + k + C(id)", ab, entity="id", time="year", vcov="cluster")
    >>> table = etable([pooled, fe], keep=["^w$", "^k$"], rename={"w": "Wage"})
    >>> table.to_frame().loc[("Wage", "coef")].tolist()
    ['-0.364***', '-0.368***']
    >>> latex = table.to_latex()  # also to_text(), to_markdown(), to_html(), save(path)

    Spatial models with their effects (``etable([sdm.effects(), ...])`` for effects alone):

    >>> china = sm.load_china_provinces()
    >>> sdm = sm.fit("np.log(patent_grant_invention) ~ np.log(rd_exp_total)", china,
    ...              model="sdm", w=sm.china_weights(), entity="prov_code", time="year")
    >>> frame = etable(sdm, effects=True).to_frame()
    >>> frame.loc[("Indirect: np.log(rd_exp_total)", "coef")].tolist()
    ['0.889***']
    """
    named = _as_named(results, titles)
    check_choice("se", se, tuple(_SE_NOTE))
    if not isinstance(digits, int | np.integer) or digits < 0:
        raise SpecificationError(f"digits must be a non-negative integer, got {digits!r}.")
    if not 0 < level < 1:
        raise SpecificationError(f"level must be between 0 and 1 (e.g. 0.95), got {level!r}.")
    if len(marks) != 2:
        raise SpecificationError(f"marks={marks!r}: give two strings, e.g. ('Yes', 'No').")
    fmt = Formatter(int(digits), _stars(stars), se, float(level))
    columns = list(named.values())
    models = [c for c in columns if isinstance(c, Result)]
    if models:
        spill = resolve_effects(models, effects)
        header = [Row("Dep. var.", tuple(r.dependent for r in models), "header")]
        labels = tuple(estimator_label(r) for r in models)
    else:  # a table of effects objects
        _effects_only_options(effects, stats, blocks)
        spill = [c for c in columns if is_effects(c)]
        header = ([Row("Dep. var.", tuple(e.dependent for e in spill), "header")]
                  if any(e.dependent for e in spill) else [])
        labels = tuple(ESTIMATOR_LABELS.get(e.model, e.model) for e in spill)
    collapse = _collapsed(models, dummies)

    coefficients: list[Row] = []
    for row in select_terms(models, keep=keep, drop=drop, order=order, rename=rename,
                            coef_map=coef_map, collapse=collapse) if models else ():
        cells = [fmt.coefficient(res, term) if term is not None else ("", "")
                 for res, term in zip(models, row.terms, strict=True)]
        coefficients.append(Row(row.label, tuple(c[0] for c in cells), "coef"))
        coefficients.append(Row("", tuple(c[1] for c in cells), se))

    def chosen(variables: Sequence[str]) -> list[tuple[str, str]]:
        return select_variables(variables, keep=keep, drop=drop, order=order, rename=rename,
                                coef_map=coef_map)

    spillovers = effect_blocks(spill, chosen, fmt.effect, fmt.level, se)
    if estimator:
        header.append(Row("Estimator", labels, "header"))
    indicators = tuple(Row(lab, tuple(cells), "indicator")
                       for lab, cells in indicator_rows(models, collapse, tuple(marks)))
    extra = spillovers + tuple(tuple(rows) for func in (*ROW_BLOCKS.values(), *blocks)
                               if models and (rows := func(models, fmt)))

    legend = ", ".join(f"{sym} p<{lv:g}" for sym, lv in fmt.stars)
    standard = [_SE_NOTE[se].format(level=100 * level), *([legend] if legend else [])]
    if any(e is not None for e in spill):
        standard.append(effects_note(spill, list(named)))
    user = [notes] if isinstance(notes, str) else list(notes)
    return Table(
        columns=tuple(named), header=tuple(header), coefficients=tuple(coefficients),
        statistics=tuple(_statistic_rows(models, stats, fmt)) if models else (),
        notes=tuple(standard + [str(n) for n in user]), caption=str(caption),
        label=str(label), math=bool(math), indicators=indicators, extra=extra,
        groups=tuple((str(t), int(n)) for t, n in
                     (groups.items() if isinstance(groups, Mapping) else groups)),
    )
