"""Printed summaries: a header of facts, the coefficient table, and a footer of notes.

One :class:`Summary` renders to text, HTML, Markdown and LaTeX and saves to every format of
:meth:`~stfi_models.results.tables.Table.save`.  It holds text and numbers only: a result
fills it (:meth:`Result.summary <stfi_models.results.result.Result.summary>`, where models add
header facts and footer lines through ``Result.info``), so this module knows no result class.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from stfi_models.results.tables.table import Table

__all__ = ["Summary"]


def _cell(value: object) -> str:
    """Format a coefficient-table cell: four decimals, or scientific notation when huge."""
    value = float(value)  # type: ignore[arg-type]
    if not np.isfinite(value):
        return ""
    return f"{value:.4f}" if abs(value) < 1e6 else f"{value:.4e}"


@dataclass(frozen=True, slots=True)
class Summary:
    """A result's summary, rendered on demand: title, header facts, table and footer."""

    title: str
    header: tuple[tuple[str, str], ...]
    table: pd.DataFrame
    footer: tuple[str, ...]

    # ------------------------------------------------------------------ renderers
    def as_text(self) -> str:
        """Plain text, 78+ columns wide."""
        numbers = self.table.map(lambda v: f"{v:.6g}" if abs(v) < 1e6 else f"{v:.4e}")
        body = numbers.to_string()
        width = max(78, max(len(line) for line in body.splitlines()))
        half = width // 2
        lines = [self.title.center(width), "=" * width]
        pairs = list(self.header)
        long = [p for p in pairs if len(p[0]) + len(p[1]) + 2 > half - 2]
        short = [p for p in pairs if p not in long]
        for key, value in long:
            lines.append(f"{key + ':':<18}{value}")
        for i in range(0, len(short), 2):
            cells = [f"{k + ':':<20}{v:>{half - 22}}" for k, v in short[i : i + 2]]
            lines.append("  ".join(cells))
        lines += ["=" * width, body, "=" * width]
        lines += self.footer
        return "\n".join(lines)

    def as_html(self) -> str:
        """Render an HTML fragment (header table, coefficient table, footer)."""
        head = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in self.header
        )
        coef = self.table.to_html(float_format=lambda v: f"{v:.6g}", border=0)
        foot = "<br>".join(html.escape(line) for line in self.footer)
        return (
            f"<div class='stfi-summary'><h4>{html.escape(self.title)}</h4>"
            f"<table>{head}</table>{coef}<p>{foot}</p></div>"
        )

    def to_table(self) -> Table:
        """Return the coefficient table as a :class:`~stfi_models.results.tables.Table`.

        Numbers get four decimals; the header facts and the footer become notes.
        """
        # imported here: the tables package imports Result, whose module imports this one
        from stfi_models.results.tables.table import Row, Table

        rows = tuple(
            Row(str(name), tuple(_cell(v) for v in values), "coef")
            for name, values in zip(self.table.index, self.table.to_numpy(), strict=True)
        )
        notes = tuple(f"{key}: {value}" for key, value in self.header) + self.footer
        return Table(columns=tuple(str(c) for c in self.table.columns), coefficients=rows,
                     notes=notes, caption=self.title)

    def as_latex(self) -> str:
        r"""Render LaTeX: a booktabs ``tabular*`` of the coefficients, facts and notes below.

        ``P>|t|`` and the like are typeset in math mode, so they print right under pdflatex's
        default font encoding; needs ``\usepackage{booktabs,amssymb}``.
        """
        return self.to_table().to_latex(float=False)

    def as_markdown(self) -> str:
        """Render a Markdown pipe table (title in bold, facts and notes as paragraphs)."""
        return self.to_table().to_markdown()

    def save(self, path: str | Path) -> Path:
        """Write the summary in the format of the extension of ``path``.

        ``.txt`` is :meth:`as_text`; ``.md``, ``.html``, ``.tex``, ``.docx``, ``.xlsx`` and
        ``.csv`` render :meth:`to_table`.
        """
        path = Path(path)
        if path.suffix.lower() == ".txt":
            path.write_text(self.as_text() + "\n", encoding="utf-8")
            return path
        return self.to_table().save(path)

    def __str__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()
