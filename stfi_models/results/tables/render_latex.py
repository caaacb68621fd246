r"""LaTeX rendering of a :class:`~stfi_models.results.tables.Table` (booktabs).

The table is a ``tabular*`` of a fixed width (``\linewidth`` by default) whose columns spread
with ``\extracolsep{\fill}``; the notes follow in the same ``minipage`` of that width, so a long
note wraps at the table's width instead of stretching the last column (as a ``\multicolumn``
wider than its columns would).  Labels are escaped
(:func:`~stfi_models.results.latex.latex_text`), with ``$...$`` math only when the table was
built with ``math=True``.  Stars become superscripts and a leading minus a math minus.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from stfi_models.results.latex import latex_text
from stfi_models.results.tables.row import Row

if TYPE_CHECKING:
    from stfi_models.results.tables.table import Table

__all__ = ["to_latex", "latex_cell"]

_STARRED = re.compile(r"^(.*?)(\*+)$")


def latex_cell(text: str) -> str:
    """Typeset a data cell: escaped, trailing stars as a superscript, a leading ``-`` as a minus."""
    stars = ""
    match = _STARRED.match(text)
    if match and match.group(1):
        text, stars = match.group(1), f"$^{{{match.group(2)}}}$"
    minus = ""
    if re.match(r"^-(\d|\.\d)", text):
        text, minus = text[1:], "$-$"
    return minus + latex_text(text) + stars


def to_latex(table: Table, *, float_env: bool = True, width: str = r"\linewidth") -> str:
    r"""Render ``table``; see :meth:`Table.to_latex <stfi_models.results.tables.Table.to_latex>`."""
    k = len(table.columns)

    def line(row: Row) -> str:
        label = latex_text(row.label, math=table.math)
        return " & ".join([label, *(latex_cell(c) for c in row.cells)]) + r" \\"

    head = " & ".join([latex_text(table.stub, math=table.math),
                       *(latex_text(c, math=table.math) for c in table.columns)]) + r" \\"
    out = [rf"\begin{{tabular*}}{{{width}}}{{@{{\extracolsep{{\fill}}}}l{'c' * k}@{{}}}}",
           r"\toprule", *_group_lines(table), head]
    for block in table.blocks():
        out.append(r"\midrule")
        out.extend(line(r) for r in block)
    out += [r"\bottomrule", r"\end{tabular*}"]
    if table.notes:
        notes = [latex_text(note, math=table.math) for note in table.notes]
        out = [rf"\begin{{minipage}}{{{width}}}", *out,
               r"\par\smallskip\footnotesize\raggedright", r"\par ".join(notes),
               r"\end{minipage}"]
    if not float_env:
        return "\n".join(out)
    lead = [r"\begin{table}[!htbp]", r"\centering"]
    if table.caption:
        lead.append(rf"\caption{{{latex_text(table.caption, math=table.math)}}}")
    if table.label:
        lead.append(rf"\label{{{table.label}}}")
    return "\n".join([*lead, *out, r"\end{table}"])


def _group_lines(table: Table) -> list[str]:
    r"""Return the spanning group titles and their ``\cmidrule``s (none without groups)."""
    if not table.groups:
        return []
    cells, rules, first = [""], [], 2
    for title, span in table.groups:
        cells.append(rf"\multicolumn{{{span}}}{{c}}{{{latex_text(title, math=table.math)}}}")
        rules.append(rf"\cmidrule(lr){{{first}-{first + span - 1}}}")
        first += span
    return [" & ".join(cells) + r" \\", "".join(rules)]
