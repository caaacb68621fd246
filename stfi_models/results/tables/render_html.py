"""HTML rendering of a :class:`~stfi_models.results.tables.Table` (every cell escaped)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stfi_models.results.tables.table import Table

__all__ = ["to_html"]


def to_html(table: Table) -> str:
    """Render a ``<table class="stfi-etable">``: caption, header, a ``<tbody>`` per block."""

    def line(label: str, cells: Sequence[str], tag: str = "td") -> str:
        inner = "".join(f"<{tag}>{html.escape(c)}</{tag}>" for c in cells)
        return f"<tr><th>{html.escape(label)}</th>{inner}</tr>"

    caption = f"<caption>{html.escape(table.caption)}</caption>" if table.caption else ""
    body = "".join(
        "<tbody>" + "".join(line(r.label, r.cells) for r in block) + "</tbody>"
        for block in table.blocks()
    )
    foot = "".join(
        f"<tr><td colspan='{len(table.columns) + 1}'>{html.escape(n)}</td></tr>"
        for n in table.notes
    )
    groups = "".join(f"<th colspan='{span}'>{html.escape(title)}</th>"
                     for title, span in table.groups)
    group_row = f"<tr><th></th>{groups}</tr>" if table.groups else ""
    return (
        f"<table class='stfi-etable'>{caption}<thead>{group_row}"
        + line(table.stub, table.columns, "th") + "</thead>"
        + body + f"<tfoot>{foot}</tfoot></table>"
    )
