"""The formatted table: rows of cells in blocks, rendered on demand in every format.

A :class:`Table` holds strings only (numbers are formatted once, when it is built), so every
renderer shows the same cells.  ``save(path)`` picks the format from the file extension.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from stfi_models.exceptions import SpecificationError, did_you_mean
from stfi_models.results.tables.row import Row

__all__ = ["Row", "Table", "SAVE_FORMATS"]

#: File extension -> renderer name used by :meth:`Table.save`.
SAVE_FORMATS = {
    ".txt": "text", ".md": "markdown", ".html": "html", ".htm": "html", ".tex": "latex",
    ".docx": "docx", ".xlsx": "excel", ".csv": "csv",
}


@dataclass(frozen=True, slots=True)
class Table:
    """A formatted table of one or more columns.

    Attributes
    ----------
    columns : tuple of str
        Column titles.
    header : tuple of Row
        Rows above the body (dependent variable, estimator).
    coefficients : tuple of Row
        The body: estimate rows, each followed by its parenthesised row.
    statistics : tuple of Row
        Fit statistics and diagnostics.
    notes : tuple of str
        Footnotes, one per line (what is in parentheses, the star legend, user notes).
    caption, label : str
        Caption, and the cross-reference label of the LaTeX float.
    stub : str
        Title of the label column (empty for regression tables).
    math : bool
        Labels may hold ``$...$`` LaTeX math (explicit opt-in; otherwise everything is escaped).
    indicators : tuple of Row
        Check-mark rows (fixed effects, collapsed dummies, clustering).
    extra : tuple of tuple of Row
        Further blocks between the body and the indicators (e.g. spatial effects).
    groups : tuple of (str, int)
        Spanning titles above the column titles: ``(("Static", 2), ("GMM", 2))``; the spans
        add up to the number of columns.
    """

    columns: tuple[str, ...]
    header: tuple[Row, ...] = ()
    coefficients: tuple[Row, ...] = ()
    statistics: tuple[Row, ...] = ()
    notes: tuple[str, ...] = ()
    caption: str = ""
    label: str = ""
    stub: str = ""
    math: bool = False
    indicators: tuple[Row, ...] = ()
    extra: tuple[tuple[Row, ...], ...] = ()
    groups: tuple[tuple[str, int], ...] = ()

    def __post_init__(self) -> None:
        k = len(self.columns)
        for row in self.rows():
            if len(row.cells) != k:
                raise SpecificationError(
                    f"Table row {row.label!r} has {len(row.cells)} cells for {k} columns."
                )
        spans = [n for _, n in self.groups]
        if self.groups and (sum(spans) != k or min(spans) < 1):
            raise SpecificationError(
                f"groups {list(self.groups)} span {sum(spans)} columns; give positive spans "
                f"that add up to the {k} columns."
            )
        if not re.fullmatch(r"[\w:.\-]*", self.label):
            raise SpecificationError(
                f"label={self.label!r}: a LaTeX label takes letters, digits and ': . - _' "
                "only, e.g. 'tab:gmm'."
            )

    # ------------------------------------------------------------------ data
    def blocks(self) -> tuple[tuple[Row, ...], ...]:
        """Return the non-empty row blocks, top to bottom (each is separated by a rule)."""
        blocks = (self.header, self.coefficients, *self.extra, self.indicators, self.statistics)
        return tuple(b for b in blocks if b)

    def rows(self) -> tuple[Row, ...]:
        """Every row, top to bottom."""
        return tuple(row for block in self.blocks() for row in block)

    def to_frame(self) -> pd.DataFrame:
        """Return the cells as strings; index levels ``row`` (label) and ``line`` (row kind).

        The row beneath an estimate has no label of its own and takes its estimate's.
        """
        labels = []
        previous = ""
        for row in self.rows():
            label = row.label or previous
            labels.append((label, row.kind if row.kind in _BODY_KINDS else ""))
            previous = label
        index = pd.MultiIndex.from_tuples(labels, names=["row", "line"])
        return pd.DataFrame([row.cells for row in self.rows()], index=index,
                            columns=list(self.columns))

    def to_grid(self) -> list[list[str]]:
        """Header line then one list per row: ``[label, cell, cell, ...]``."""
        return [[self.stub, *self.columns], *([r.label, *r.cells] for r in self.rows())]

    def group_cells(self) -> list[str]:
        """One cell per column: a group's title over its first column, empty elsewhere."""
        cells: list[str] = []
        for title, span in self.groups:
            cells += [title] + [""] * (span - 1)
        return cells

    def replace(self, **changes: Any) -> Table:
        """Return a copy with some fields changed (e.g. ``caption=``, ``notes=``)."""
        return dataclasses.replace(self, **changes)

    # ------------------------------------------------------------------ renderers
    def to_text(self) -> str:
        """Render fixed-width plain text."""
        from stfi_models.results.tables.render_text import to_text

        return to_text(self)

    def to_markdown(self) -> str:
        """Render a Markdown pipe table; the notes follow as paragraphs (stars escaped)."""
        from stfi_models.results.tables.render_text import to_markdown

        return to_markdown(self)

    def to_latex(self, *, float: bool = True, width: str = r"\linewidth") -> str:
        r"""Render LaTeX (booktabs ``tabular*``; notes wrap at the table's width).

        Parameters
        ----------
        float : bool
            Wrap in a ``table`` float with ``\caption`` and ``\label`` (default); ``False``
            returns the bare ``tabular*``.
        width : str
            Width of the table (and of its notes).

        Notes
        -----
        Needs ``\usepackage{booktabs,amssymb}`` (:data:`stfi_models.results.latex.LATEX_PACKAGES`).
        """
        from stfi_models.results.tables.render_latex import to_latex

        return to_latex(self, float_env=float, width=width)

    def to_html(self) -> str:
        """Render an HTML ``<table>`` (escaped), caption on top and notes in a ``<tfoot>``."""
        from stfi_models.results.tables.render_html import to_html

        return to_html(self)

    def to_docx(self, path: str | Path) -> Path:
        """Write a Word document holding this table (python-docx)."""
        from stfi_models.results.tables.render_office import write_docx

        return write_docx([self], Path(path))

    def to_excel(self, path: str | Path) -> Path:
        """Write an Excel workbook: caption, the grid, then the notes."""
        from stfi_models.results.tables.render_office import write_excel

        return write_excel(self, Path(path))

    def to_csv(self, path: str | Path) -> Path:
        """Write the grid (header line and rows) as CSV; notes are left out."""
        from stfi_models.results.tables.render_office import write_csv

        return write_csv(self, Path(path))

    def save(self, path: str | Path) -> Path:
        r"""Write the table in the format named by the extension of ``path``.

        ``.txt``, ``.md``, ``.html``/``.htm``, ``.tex`` (the float, to ``\input``), ``.docx``,
        ``.xlsx`` and ``.csv``.  Returns the path written.
        """
        path = Path(path)
        kind = file_format(path)
        writers = {"docx": self.to_docx, "excel": self.to_excel, "csv": self.to_csv}
        if kind in writers:
            return writers[kind](path)
        text = {"text": self.to_text, "markdown": self.to_markdown, "html": self.to_html,
                "latex": self.to_latex}[kind]()
        path.write_text(text + "\n", encoding="utf-8")
        return path

    def __str__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        return self.to_html()


_BODY_KINDS = ("coef", "std_error", "tstat", "pvalue", "ci")


def file_format(path: Path) -> str:
    """Return the renderer named by the extension of ``path`` (an error names the known ones)."""
    suffix = path.suffix.lower()
    if suffix not in SAVE_FORMATS:
        raise SpecificationError(
            f"Cannot tell the table format of '{path}' from its extension {suffix!r}."
            f"{did_you_mean(suffix, SAVE_FORMATS)} Use one of {', '.join(SAVE_FORMATS)}."
        )
    return SAVE_FORMATS[suffix]
