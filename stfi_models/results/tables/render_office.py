"""Word, Excel and CSV renderings of a :class:`~stfi_models.results.tables.Table`.

Word tables follow the booktabs look of the LaTeX output: a rule above and below the column
titles and below the last row, no vertical lines, notes in a smaller font beneath.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stfi_models.results.tables.table import Table

__all__ = ["add_docx_table", "write_excel", "write_csv"]


def _rule(cell: Any, edge: str, size: int) -> None:
    """Draw a horizontal rule on one edge of a Word table cell."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    props = cell._tc.get_or_add_tcPr()
    borders = props.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        props.append(borders)
    line = OxmlElement(f"w:{edge}")
    for key, value in (("val", "single"), ("sz", str(size)), ("space", "0"),
                       ("color", "000000")):
        line.set(qn(f"w:{key}"), value)
    borders.append(line)


def _font(run: Any, size: float, latin: str, east_asian: str) -> None:
    """Set a run's size and fonts: ``latin`` for Western text, ``east_asian`` for CJK."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.size = Pt(size)
    run.font.name = latin
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asian)


def add_docx_table(document: Any, table: Table, font_size: float = 10,
                   font: str = "Times New Roman", east_asian_font: str = "SimSun") -> None:
    """Append ``table`` (caption, cells, notes) to a python-docx ``Document``.

    Text is set in ``font`` (Western) and ``east_asian_font`` (Chinese, as journals in China
    ask: SimSun / 宋体).
    """
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    if table.caption:
        run = document.add_paragraph().add_run(table.caption)
        run.bold = True
        _font(run, font_size + 1, font, east_asian_font)
    grid = table.to_grid()
    if table.groups:
        grid = [["", *table.group_cells()], *grid]
    word = document.add_table(rows=len(grid), cols=len(grid[0]))
    first = 1  # merge first: filling a merged cell twice adds empty runs only
    for _, span in table.groups:  # merge each group's title over its columns
        if span > 1:
            word.cell(0, first).merge(word.cell(0, first + span - 1))
        first += span
    offset = 1 if table.groups else 0  # the group line, above the column titles
    rules: dict[int, list[str]] = {}
    for row, edge in ((0, "top"), (offset, "bottom"), (len(grid) - 1, "bottom")):
        rules.setdefault(row, []).append(edge)
    starts = {row + offset for row in _block_starts(table)}
    for i, values in enumerate(grid):
        for j, value in enumerate(values):
            cell = word.cell(i, j)
            para = cell.paragraphs[0]
            para.alignment = WD_ALIGN_PARAGRAPH.LEFT if j == 0 else WD_ALIGN_PARAGRAPH.CENTER
            run = para.add_run(value)
            _font(run, font_size, font, east_asian_font)
            run.bold = i <= offset
            for edge in rules.get(i, ()):
                _rule(cell, edge, 12)
            if i in starts and i > 1 + offset:
                _rule(cell, "top", 4)
    for note in table.notes:
        _font(document.add_paragraph().add_run(note), font_size - 1, font, east_asian_font)


def write_docx(tables: Iterable[Table], path: Path, title: str = "") -> Path:
    """Write ``tables`` into one Word document (python-docx), a heading above if ``title``."""
    from docx import Document

    document = Document()
    if title:
        document.add_heading(title, level=1)
    for table in tables:
        add_docx_table(document, table)
        document.add_paragraph()
    document.save(str(path))
    return path


def _block_starts(table: Table) -> set[int]:
    """Grid rows (1-based after the title line) where a new block begins."""
    starts, row = set(), 1
    for block in table.blocks():
        starts.add(row)
        row += len(block)
    return starts


def write_excel(table: Table, path: Path) -> Path:
    """Write the caption, the grid and the notes to the first sheet of a workbook."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "table"
    if table.caption:
        sheet.append([table.caption])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    if table.groups:
        sheet.append(["", *table.group_cells()])
        first = 2
        for _, span in table.groups:
            sheet.cell(sheet.max_row, first).alignment = Alignment(horizontal="center")
            if span > 1:
                sheet.merge_cells(start_row=sheet.max_row, start_column=first,
                                  end_row=sheet.max_row, end_column=first + span - 1)
            first += span
    for i, values in enumerate(table.to_grid()):
        sheet.append(values)
        for j in range(2, len(values) + 1):
            sheet.cell(sheet.max_row, j).alignment = Alignment(horizontal="center")
        if i == 0:
            for j in range(1, len(values) + 1):
                sheet.cell(sheet.max_row, j).font = Font(bold=True)
    for note in table.notes:
        sheet.append([note])
    labels = [table.stub, *(r.label for r in table.rows())]
    sheet.column_dimensions["A"].width = max(10, max(map(len, labels)) + 2)
    book.save(path)
    return path


def write_csv(table: Table, path: Path) -> Path:
    """Write the grid (group line, title line, one line per row) as UTF-8 CSV."""
    grid = table.to_grid()
    if table.groups:
        grid = [["", *table.group_cells()], *grid]
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(grid)
    return path
