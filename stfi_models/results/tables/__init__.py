"""Regression and result tables in text, Markdown, HTML, LaTeX, Word, Excel and CSV.

* :func:`etable` builds a :class:`Table` from Results (model -> table data);
* the ``render_*`` modules turn a Table into each format (``Table.save(path)`` picks one);
* :func:`write_tables` writes many tables into one standalone ``.tex`` or one ``.docx``.
"""

from stfi_models.results.tables.build import ROW_BLOCKS, Formatter, RowBlock, etable
from stfi_models.results.tables.document import as_table, frame_table, write_tables
from stfi_models.results.tables.statistics import (
    ESTIMATOR_LABELS,
    FAMILY_STATISTICS,
    STATISTICS,
    Statistic,
)
from stfi_models.results.tables.table import Row, Table

__all__ = [
    "etable", "Table", "Row", "write_tables", "as_table", "frame_table", "Formatter",
    "RowBlock", "ROW_BLOCKS", "Statistic", "STATISTICS", "FAMILY_STATISTICS",
    "ESTIMATOR_LABELS",
]
