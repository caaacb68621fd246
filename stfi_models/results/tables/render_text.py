"""Plain-text and Markdown renderings of a :class:`~stfi_models.results.tables.Table`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from stfi_models.results.tables.row import Row

if TYPE_CHECKING:
    from stfi_models.results.tables.table import Table

__all__ = ["to_text", "to_markdown", "escape_markdown"]


def to_text(table: Table) -> str:
    """Render fixed-width text: caption, a rule between blocks, notes below."""
    top = Row(table.stub, table.columns)
    rows = [top, *table.rows()]
    label_w = max(len(r.label) for r in rows)
    col_w = [max(len(r.cells[j]) for r in rows) for j in range(len(table.columns))]

    def line(row: Row) -> str:
        cells = "  ".join(c.center(w) for c, w in zip(row.cells, col_w, strict=True))
        return f"{row.label:<{label_w}}  {cells}".rstrip()

    width = label_w + sum(w + 2 for w in col_w)
    out = [table.caption] if table.caption else []
    out.append("=" * width)
    if table.groups:
        spans, start = [], 0
        for title, span in table.groups:
            span_w = sum(col_w[start:start + span]) + 2 * (span - 1)
            spans.append(title.center(span_w))
            start += span
        out.append((" " * label_w + "  " + "  ".join(spans)).rstrip())
    out.append(line(top))
    for block in table.blocks():
        out.append("-" * width)
        out.extend(line(r) for r in block)
    out.append("=" * width)
    out.extend(table.notes)
    return "\n".join(out)


_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>|#])")


def escape_markdown(text: str) -> str:
    r"""Backslash-escape Markdown's inline specials (``* _ | < > [ ] # \```)."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", str(text))


def to_markdown(table: Table) -> str:
    r"""Render a pipe table, the caption in bold above it, each note a paragraph of its own.

    Every ``*`` is escaped, so the star legend ("\\* p<0.1") renders as text instead of a
    bullet list and stars never turn into emphasis.
    """

    def line(label: str, cells: Sequence[str]) -> str:
        return "| " + " | ".join(escape_markdown(c) for c in (label, *cells)) + " |"

    out = [f"**{escape_markdown(table.caption)}**", ""] if table.caption else []
    out += [line(table.stub, table.columns), "|:---|" + "---:|" * len(table.columns)]
    if table.groups:  # pipe tables have one header line: the groups open the body
        out.append(line("", table.group_cells()))
    out.extend(line(r.label, r.cells) for r in table.rows())
    for note in table.notes:
        out += ["", escape_markdown(note)]
    return "\n".join(out)
