"""Side-by-side regression tables: ``etable([res1, res2, ...])``.

A :class:`Table` holds the formatted cells once and renders them as text, Markdown, LaTeX
(with every cell escaped) or HTML, or returns them as a DataFrame.  Tables only read Results.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from stfi_models.exceptions import SpecificationError, check_choice, did_you_mean
from stfi_models.results.latex import escape_latex
from stfi_models.results.result import Result

__all__ = ["etable", "Table"]

SeKind = Literal["std_error", "tstat", "pvalue"]

_SE_NOTE = {
    "std_error": "Standard errors in parentheses.",
    "tstat": "t statistics in parentheses.",
    "pvalue": "p-values in parentheses.",
}

#: Diagnostic rows: label and the pattern a ``diagnostics`` key must match once lower-cased
#: and stripped of everything but letters and digits ("Hansen J" -> "hansenj", "AR(2)" -> "ar2").
_DIAGNOSTIC_ROWS = (
    ("Hansen p", re.compile(r"hansen(j|test)?")),
    ("Sargan p", re.compile(r"sargan(test)?")),
    ("AR(1) p", re.compile(r"(ar|m)1(test)?")),
    ("AR(2) p", re.compile(r"(ar|m)2(test)?")),
    ("Overid. p", re.compile(r"overid")),  # IV: Hansen J / Sargan
    ("Endogeneity p", re.compile(r"endogeneity")),  # IV: C test
)

_EFFECT_LABELS = {"entity": "Entity FE", "time": "Time FE"}


@dataclass(frozen=True, slots=True)
class Row:
    """One table row: a label and one formatted cell per model."""

    label: str
    cells: tuple[str, ...]
    kind: str = ""


@dataclass(frozen=True, slots=True)
class Table:
    """A formatted multi-model table.

    Attributes
    ----------
    columns : tuple of str
        Model names (column headers).
    header : tuple of Row
        Rows above the coefficients (dependent variable).
    coefficients : tuple of Row
        Estimate rows (``kind="coef"``), each followed by its parenthesised row
        (``kind`` = the ``se`` choice).
    statistics : tuple of Row
        Observations, R2, fixed-effects indicators, SE type, GMM diagnostics.
    notes : tuple of str
        Footnotes (what is in parentheses, star levels).
    """

    columns: tuple[str, ...]
    header: tuple[Row, ...]
    coefficients: tuple[Row, ...]
    statistics: tuple[Row, ...]
    notes: tuple[str, ...]

    # ------------------------------------------------------------------ data
    def to_frame(self) -> pd.DataFrame:
        """Return the cells as strings; index levels ``row`` (label) and ``line`` (coef / se)."""
        rows = [*self.header, *self.coefficients, *self.statistics]
        labels = []
        previous = ""
        for row in rows:
            label = row.label or previous
            labels.append((label, row.kind))
            previous = label
        index = pd.MultiIndex.from_tuples(labels, names=["row", "line"])
        return pd.DataFrame([row.cells for row in rows], index=index, columns=list(self.columns))

    def _blocks(self) -> tuple[tuple[Row, ...], ...]:
        return tuple(b for b in (self.header, self.coefficients, self.statistics) if b)

    # ------------------------------------------------------------------ renderers
    def to_text(self) -> str:
        """Render fixed-width plain text."""
        rows = [Row("", self.columns), *self.header, *self.coefficients, *self.statistics]
        label_w = max(len(r.label) for r in rows)
        col_w = [max(len(r.cells[j]) for r in rows) for j in range(len(self.columns))]

        def line(row: Row) -> str:
            cells = "  ".join(c.center(w) for c, w in zip(row.cells, col_w, strict=True))
            return f"{row.label:<{label_w}}  {cells}".rstrip()

        width = label_w + sum(w + 2 for w in col_w)
        out = ["=" * width, line(rows[0])]
        for block in self._blocks():
            out.append("-" * width)
            out.extend(line(r) for r in block)
        out.append("=" * width)
        out.extend(self.notes)
        return "\n".join(out)

    def to_markdown(self) -> str:
        """Render a GitHub-flavoured Markdown pipe table followed by the notes."""

        def cell(text: str) -> str:
            return text.replace("|", "\\|")

        def line(label: str, cells: Sequence[str]) -> str:
            return "| " + " | ".join(cell(c) for c in (label, *cells)) + " |"

        out = [line("", self.columns), "|:---|" + "---:|" * len(self.columns)]
        for block in self._blocks():
            out.extend(line(r.label, r.cells) for r in block)
        out.append("")
        out.extend(cell(n) for n in self.notes)
        return "\n".join(out)

    def to_latex(self) -> str:
        r"""Render a LaTeX ``tabular``, every label and cell escaped (``_ # % & $ { } ~ ^ \``)."""
        k = len(self.columns)

        def line(label: str, cells: Sequence[str]) -> str:
            return " & ".join(escape_latex(c) for c in (label, *cells)) + " \\\\"

        out = ["\\begin{tabular}{l" + "c" * k + "}", "\\hline", line("", self.columns)]
        for block in self._blocks():
            out.append("\\hline")
            out.extend(line(r.label, r.cells) for r in block)
        out.append("\\hline")
        out.extend(
            f"\\multicolumn{{{k + 1}}}{{l}}{{\\footnotesize {escape_latex(n)}}} \\\\"
            for n in self.notes
        )
        out.append("\\end{tabular}")
        return "\n".join(out)

    def to_html(self) -> str:
        """Render an HTML ``<table>`` (escaped), notes in a ``<tfoot>``."""

        def line(label: str, cells: Sequence[str], tag: str = "td") -> str:
            inner = "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in cells)
            return f"<tr><th>{html.escape(label)}</th>{inner}</tr>"

        body = []
        for block in self._blocks():
            body.append("<tbody>" + "".join(line(r.label, r.cells) for r in block) + "</tbody>")
        foot = "".join(
            f"<tr><td colspan='{len(self.columns) + 1}'>{html.escape(n)}</td></tr>"
            for n in self.notes
        )
        return (
            "<table class='stfi-etable'><thead>" + line("", self.columns, "th") + "</thead>"
            + "".join(body) + f"<tfoot>{foot}</tfoot></table>"
        )

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        return self.to_html()


# ---------------------------------------------------------------------- building


def _as_named(results: Sequence[Result] | Mapping[str, Result] | Result) -> dict[str, Result]:
    if isinstance(results, Result):
        results = [results]
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
    for name, res in named.items():
        if not isinstance(res, Result):
            raise SpecificationError(
                f"etable(): model {name} is a {type(res).__name__}, not a Result. Pass what "
                "stfi_models.fit() returns."
            )
    return named


def _term_label(term: object) -> str:
    if isinstance(term, tuple):
        return ": ".join(map(str, term))
    return str(term)


def _check_stars(stars: Sequence[float] | None) -> tuple[float, ...]:
    levels = tuple(sorted((float(s) for s in (stars or ())), reverse=True))
    if any(not 0 < s < 1 for s in levels) or len(set(levels)) != len(levels):
        raise SpecificationError(
            f"stars={stars!r}: give distinct significance levels between 0 and 1, e.g. "
            "(0.1, 0.05, 0.01), or stars=None for none."
        )
    return levels


def _rows_of_terms(
    named: Mapping[str, Result], coef_map: Mapping[str, str] | None
) -> list[tuple[str, list[object | None]]]:
    """(label, [term in model j or None]) in display order."""
    per_model = [{_term_label(t): t for t in res.params.index} for res in named.values()]
    if coef_map is None:
        order = list(dict.fromkeys(label for terms in per_model for label in terms))
        return [(label, [terms.get(label) for terms in per_model]) for label in order]
    known = set().union(*per_model)
    for old in coef_map:
        if old not in known:
            raise SpecificationError(
                f"coef_map names {old!r}, which is a coefficient of none of the models."
                f"{did_you_mean(old, known)} Coefficients: {', '.join(sorted(known))}."
            )
    rows: dict[str, list[object | None]] = {}
    for old, new in coef_map.items():
        cells = rows.setdefault(str(new), [None] * len(per_model))
        for j, terms in enumerate(per_model):
            if old in terms:
                if cells[j] is not None:
                    raise SpecificationError(
                        f"coef_map maps two coefficients of model {list(named)[j]} to the "
                        f"same row {new!r}; give them distinct labels."
                    )
                cells[j] = terms[old]
    return list(rows.items())


def _effects(res: Result) -> tuple[str, ...] | None:
    """Absorbed effects named in ``info``; ``None`` when the model does not say."""
    value = res.info.get("effects", res.info.get("absorbed"))
    if value is None:
        return None
    if isinstance(value, str):
        value = (value,)
    return tuple(str(v) for v in value)


def _diagnostic(res: Result, pattern: re.Pattern[str]) -> float | None:
    for key, test in res.diagnostics.items():
        if pattern.fullmatch(re.sub(r"[^a-z0-9]", "", str(key).lower())):
            return float(test.pvalue)
    return None


def etable(
    results: Sequence[Result] | Mapping[str, Result] | Result,
    *,
    stars: Sequence[float] | None = (0.1, 0.05, 0.01),
    se: SeKind = "std_error",
    coef_map: Mapping[str, str] | None = None,
    digits: int = 3,
) -> Table:
    """Regression table of several models side by side.

    Parameters
    ----------
    results : list of Result, or dict name -> Result
        The models, one column each; list columns are headed ``(1)``, ``(2)``, ...
    stars : sequence of float or None
        Significance levels; a coefficient gets one star per level its p-value is below
        (default ``*`` 10 %, ``**`` 5 %, ``***`` 1 %).  ``None`` for no stars.
    se : {"std_error", "tstat", "pvalue"}
        What goes in parentheses beneath each coefficient.
    coef_map : dict, optional
        ``{term: label}``: shows only these coefficients, in this order, under these labels
        (as modelsummary's ``coef_map``).  Terms of system models are written
        ``"equation: term"``.  Two models' differently named terms may share a label.
    digits : int
        Decimals of coefficients, standard errors and statistics.

    Returns
    -------
    Table
        Render with ``to_text()``, ``to_markdown()``, ``to_latex()``, ``to_html()``;
        cells via ``to_frame()``.

    Notes
    -----
    Rows below the coefficients, each shown when at least one model has it:

    * ``Observations``, ``Entities``;
    * ``R2``: ``rsquared["r2"]`` (the R2 of the regression the model estimates: pooled OLS,
      first differences, between, the quasi-demeaned RE regression); ``Within R2``:
      ``rsquared["within"]`` (fixed and random effects).  Between and overall R2 of FE/RE
      models stay in their summaries;
    * ``Entity FE`` / ``Time FE`` (``Yes``/``No``) from ``info["effects"]`` (or
      ``info["absorbed"]``), a tuple of ``"entity"``, ``"time"`` or other effect names; a
      model whose ``info`` has neither key gets an empty cell (e.g. GMM, where differencing
      removes the entity effect instead);
    * ``Std. errors``: each model's ``vcov_type``;
    * ``Hansen p``, ``Sargan p``, ``AR(1) p``, ``AR(2) p`` from ``diagnostics`` (keys such as
      ``"hansen"``, ``"Hansen J"``, ``"sargan"``, ``"ar1"``, ``"AR(2)"``, ``"m2"``; case and
      punctuation ignored) and
      ``Instruments`` from ``info["n_instruments"]``.

    Examples
    --------
    >>> import stfi_models as sm
    >>> from stfi_models.datasets import load_abdata
    >>> ab = load_abdata()
    >>> pooled = sm.fit("n ~ w + k", ab, entity="id", time="year")
    >>> fe = sm.fit("n ~ w + k + C(id)", ab, entity="id", time="year", vcov="cluster")
    >>> table = etable([pooled, fe])
    >>> table.to_frame().loc[("w", "coef")].tolist()
    ['-0.364***', '-0.368***']
    >>> latex = table.to_latex()  # also to_text(), to_markdown(), to_html()
    """
    named = _as_named(results)
    levels = _check_stars(stars)
    check_choice("se", se, tuple(_SE_NOTE))
    if not isinstance(digits, int | np.integer) or digits < 0:
        raise SpecificationError(f"digits must be a non-negative integer, got {digits!r}.")
    models = list(named.values())
    fmt = f"{{:.{digits}f}}".format

    def starred(p: float) -> str:
        return "*" * sum(p < level for level in levels) if np.isfinite(p) else ""

    coefficients: list[Row] = []
    for label, terms in _rows_of_terms(named, coef_map):
        est, under = [], []
        for res, term in zip(models, terms, strict=True):
            if term is None:
                est.append("")
                under.append("")
                continue
            p = float(res.pvalues[term])
            est.append(fmt(float(res.params[term])) + starred(p))
            second = {"std_error": res.std_errors, "tstat": res.tstats, "pvalue": res.pvalues}
            under.append(f"({fmt(float(second[se][term]))})")
        coefficients.append(Row(label, tuple(est), "coef"))
        coefficients.append(Row("", tuple(under), se))

    statistics: list[Row] = []

    def add(label: str, values: list[str | None]) -> None:
        if any(v is not None for v in values):
            statistics.append(Row(label, tuple(v if v is not None else "" for v in values)))

    add("Observations", [str(r.nobs) for r in models])
    add("Entities", [str(r.n_entities) for r in models])
    add("R2", [_maybe(fmt, r.rsquared.get("r2")) for r in models])
    add("Within R2", [_maybe(fmt, r.rsquared.get("within")) for r in models])
    effects = [_effects(r) for r in models]
    for effect in dict.fromkeys(e for model_effects in effects for e in model_effects or ()):
        label = _EFFECT_LABELS.get(effect, f"{effect} FE")
        add(label, [None if e is None else "Yes" if effect in e else "No" for e in effects])
    add("Std. errors", [r.vcov_type for r in models])
    for label, pattern in _DIAGNOSTIC_ROWS:
        add(label, [_maybe(fmt, _diagnostic(r, pattern)) for r in models])
    add("Instruments", [_maybe(str, r.info.get("n_instruments")) for r in models])
    add("Weak-ID F", [_maybe(fmt, r.info.get("weak_id_f")) for r in models])  # IV

    notes = [_SE_NOTE[se]]
    if levels:
        notes.append(", ".join(
            f"{'*' * (i + 1)} p<{level:g}" for i, level in enumerate(levels)))
    header = (Row("Dep. var.", tuple(r.dependent for r in models)),)
    return Table(tuple(named), header, tuple(coefficients), tuple(statistics), tuple(notes))


def _maybe(fmt: Callable[[object], str], value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return fmt(value)
