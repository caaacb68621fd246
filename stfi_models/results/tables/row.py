"""One row of a formatted table (the leaf every renderer and builder shares)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Row"]


@dataclass(frozen=True, slots=True)
class Row:
    """One table row: a label and one formatted cell per column.

    ``kind`` says what the row holds: ``"coef"`` (estimates), the ``se`` choice of the table
    beneath each estimate (``"std_error"``, ``"tstat"``, ``"pvalue"``, ``"ci"``),
    ``"header"``, ``"indicator"`` (check-mark rows) or ``"stat"``.
    """

    label: str
    cells: tuple[str, ...]
    kind: str = ""
