r"""Many tables in one file: a standalone ``tables.tex`` (pdflatex) or a ``tables.docx``.

:func:`write_tables` takes regression tables (:class:`Table`), summaries
(:class:`~stfi_models.results.summary.Summary`, or a Result's ``summary()``) and plain
DataFrames, each with an optional caption, and writes them in order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stfi_models.exceptions import SpecificationError
from stfi_models.results.latex import LATEX_PACKAGES, latex_text
from stfi_models.results.tables.table import Row, Table, file_format

__all__ = ["write_tables", "as_table", "frame_table", "latex_document"]

TableLike = Any  # Table | Summary | pandas.DataFrame


def frame_table(frame: pd.DataFrame, caption: str = "", *, index: bool = False,
                digits: int = 4) -> Table:
    """Build a :class:`Table` of a DataFrame: the index (or first column) labels the rows.

    Parameters
    ----------
    frame : pandas.DataFrame
        The cells; floats are printed with ``digits`` decimals, integral floats (counts such
        as ``31.0``) as integers, missing values as empty cells.
    caption : str
        Table caption.
    index : bool
        Label the rows by the index (its name heads the label column); otherwise by the
        first column.
    digits : int
        Decimals of non-integral floats.
    """
    shown = frame.reset_index() if index else frame
    if shown.shape[1] < 2:
        shown = shown.reset_index()
    cells = shown.map(lambda v: format_value(v, digits))
    rows = tuple(Row(str(r[0]), tuple(r[1:]), "stat") for r in cells.itertuples(index=False))
    return Table(columns=tuple(str(c) for c in shown.columns[1:]), coefficients=rows,
                 caption=caption, stub=str(shown.columns[0]))


def format_value(value: Any, digits: int = 4) -> str:
    """One cell: floats to ``digits`` decimals, whole floats as integers, NaN as empty."""
    if isinstance(value, float | np.floating):
        if not np.isfinite(value):
            return ""
        if float(value).is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.{digits}f}"
    if value is None or value is pd.NA:
        return ""
    return str(value)


def as_table(item: TableLike, caption: str = "") -> Table:
    """Turn a Table, a DataFrame or anything with ``to_table()`` (a Summary) into a Table.

    ``caption``, when given, replaces the table's own.
    """
    if not isinstance(item, Table) and callable(getattr(item, "to_table", None)):
        item = item.to_table()
    if isinstance(item, pd.DataFrame):
        return frame_table(item, caption)
    if isinstance(item, Table):
        return item.replace(caption=caption) if caption else item
    raise SpecificationError(
        f"Cannot write a {type(item).__name__} as a table: give an etable() Table, a "
        "summary(), a pandas DataFrame or an object with a to_table() method."
    )


def _tables(items: Iterable[TableLike] | Mapping[str, TableLike]) -> list[Table]:
    pairs = items.items() if isinstance(items, Mapping) else ((None, t) for t in items)
    tables = [as_table(item, caption or "") for caption, item in pairs]
    if not tables:
        raise SpecificationError("write_tables() needs at least one table.")
    return tables


def latex_document(tables: Iterable[Table], title: str = "") -> str:
    r"""Return a standalone LaTeX document (``article``, pdflatex) holding ``tables`` as floats."""
    lines = [
        r"\documentclass[11pt]{article}",
        r"\usepackage[utf8]{inputenc}",
        r"\usepackage[margin=2cm]{geometry}",
        r"\usepackage{" + ",".join(LATEX_PACKAGES) + "}",
        r"\begin{document}",
    ]
    if title:
        lines.append(rf"\section*{{{latex_text(title)}}}")
    for table in tables:
        lines += [table.to_latex(), r"\clearpage"]
    lines.append(r"\end{document}")
    return "\n".join(lines) + "\n"


def write_tables(items: Iterable[TableLike] | Mapping[str, TableLike], path: str | Path,
                 *, title: str = "") -> Path:
    """Write several tables into one ``.tex`` document or one ``.docx``.

    Parameters
    ----------
    items : list of tables, or dict caption -> table
        :class:`Table` (``etable``), ``Summary`` (``res.summary()``), DataFrame, or any object
        with a ``to_table()`` method returning a Table; a dict key replaces the table's own
        caption.
    path : str or Path
        ``.tex`` (a standalone document that compiles with pdflatex; it needs the LaTeX
        packages ``geometry``, ``booktabs`` and ``amssymb``) or ``.docx``.
    title : str
        A heading above the first table.

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import stfi_models as sm
    >>> from stfi_models.datasets import load_abdata
    >>> from stfi_models.results.tables import write_tables
    >>> fe = sm.fit("n ~ w + k + C(id)", load_abdata(), entity="id", time="year")
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_tables({"Employment": sm.etable([fe]), "FE": fe.summary()},
    ...              folder / "tables.tex").name
    'tables.tex'
    """
    path = Path(path)
    kind = file_format(path)
    tables = _tables(items)
    if kind == "latex":
        path.write_text(latex_document(tables, title), encoding="utf-8")
    elif kind == "docx":
        from stfi_models.results.tables.render_office import write_docx

        write_docx(tables, path, title)
    else:
        raise SpecificationError(
            f"write_tables() writes .tex or .docx files, not '{path.suffix}'. Save single "
            "tables in other formats with Table.save(path)."
        )
    return path
