"""Every export format holds the same cells: Markdown rendered by a Markdown library, Word read
back with python-docx, Excel with openpyxl, CSV with the csv module; save() by extension."""

from __future__ import annotations

import csv
import re
from functools import partial

import numpy as np
import pandas as pd
import pytest
from hand_results import make_result
from hypothesis import given
from hypothesis import strategies as st

from stfi_models import results
from stfi_models.exceptions import SpecificationError
from stfi_models.results.tables import Row, Table, etable, frame_table, write_tables

make = partial(make_result, vcov_type="cluster (entity; G = 140)",
               info={"effects": ("entity",)}, rsquared={"within": 0.5})


@pytest.fixture
def table() -> Table:
    fe = make({"w": -0.5, "k|<x>": 0.3}, [0.1, 0.2])
    gmm = make({"L1.n": 0.7, "w": -0.2, "C(year)[1980]": 0.1}, [0.1, 0.2, 0.1],
               model="sys-gmm", vcov_type="robust", info={"n_instruments": 12}, rsquared={},
               diagnostics={"AR(2)": results.TestResult(0.5, 0.61, None, "AR(2)", "normal")})
    return etable({"FE": fe, "GMM*": gmm}, caption="Employment_1 & wages",
                  notes="Source: Arellano and Bond (1991).")


def text_cells(table: Table) -> list[list[str]]:
    return [[c.strip() for c in row] for row in table.to_grid()]


def test_markdown_renders_the_full_star_legend(table):
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").enable("table").render(table.to_markdown())
    assert "<table>" in html and "<li>" not in html and "<em>" not in html
    assert "<strong>Employment_1 &amp; wages</strong>" in html
    assert "<p>* p&lt;0.1, ** p&lt;0.05, *** p&lt;0.01</p>" in html
    cells = re.sub(r' style="[^"]*"', "", html)
    assert "<td>-0.500***</td>" in cells and "<th>GMM*</th>" in cells
    assert "<td>k|&lt;x&gt;</td>" in cells  # the escaped pipe stays inside its cell
    rows = re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)
    assert len(rows) == len(table.to_grid())
    for row in rows:
        assert len(re.findall(r"<t[hd][ >]", row)) == 3


def test_docx_holds_the_same_cells_as_the_text_table(table, tmp_path):
    from docx import Document

    path = table.save(tmp_path / "table.docx")
    doc = Document(str(path))
    [word] = doc.tables
    cells = [[cell.text for cell in row.cells] for row in word.rows]
    assert cells == table.to_grid()
    text = table.to_text()
    for row in cells[1:]:
        for value in row[1:]:
            assert value in text
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[0] == "Employment_1 & wages"
    assert "* p<0.1, ** p<0.05, *** p<0.01" in paragraphs
    assert "Source: Arellano and Bond (1991)." in paragraphs


def test_many_tables_in_one_docx(table, tmp_path):
    from docx import Document

    frame = pd.DataFrame({"region": ["east", "west"], "gini": [0.31234, np.nan],
                          "n": [11.0, 20.0]})
    summary = make({"w": -0.5}, [0.1]).summary()
    path = write_tables({"Regressions": table, "Summary": summary, "Dagum": frame},
                        tmp_path / "tables.docx", title="All tables")
    doc = Document(str(path))
    assert len(doc.tables) == 3
    assert [[c.text for c in row.cells] for row in doc.tables[2].rows] == [
        ["region", "gini", "n"], ["east", "0.3123", "11"], ["west", "", "20"]]
    assert doc.tables[1].rows[0].cells[4].text == "P>|z|"
    assert [p.text for p in doc.paragraphs if p.text in ("Regressions", "Summary", "Dagum")] \
        == ["Regressions", "Summary", "Dagum"]


def test_excel_and_csv_hold_the_grid(table, tmp_path):
    from openpyxl import load_workbook

    sheet = load_workbook(table.save(tmp_path / "t.xlsx")).active
    values = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "Employment_1 & wages"
    grid = table.to_grid()
    assert [row[: len(grid[0])] for row in values[1 : 1 + len(grid)]] == grid
    assert values[-1][0] == "Source: Arellano and Bond (1991)."
    with open(table.save(tmp_path / "t.csv"), newline="", encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == grid


@pytest.mark.parametrize(("suffix", "needle"), [
    (".txt", "==="), (".md", "|:---|"), (".html", "<table"), (".htm", "<caption>"),
    (".tex", "\\begin{tabular*}"),
])
def test_save_picks_the_format_from_the_extension(table, tmp_path, suffix, needle):
    path = table.save(tmp_path / f"table{suffix.upper()}")
    assert needle in path.read_text(encoding="utf-8")


def test_save_refuses_an_unknown_extension(table, tmp_path):
    with pytest.raises(SpecificationError, match=r"Did you mean '\.txt'"):
        table.save(tmp_path / "table.tx")
    with pytest.raises(SpecificationError, match=r"\.tex or \.docx"):
        write_tables([table], tmp_path / "tables.md")
    with pytest.raises(SpecificationError, match="Cannot write a dict"):
        write_tables([{"a": 1}], tmp_path / "tables.tex")
    with pytest.raises(SpecificationError, match="at least one"):
        write_tables([], tmp_path / "tables.tex")


def test_summary_saves_in_every_format(tmp_path):
    summary = make({"w": -0.5, "k": 0.25}, [0.1, 0.2]).summary()
    assert summary.save(tmp_path / "s.txt").read_text().startswith(summary.as_text()[:20])
    assert "P\\>\\|z\\|" in summary.save(tmp_path / "s.md").read_text()
    assert "P$>$$|$z$|$" in summary.save(tmp_path / "s.tex").read_text()
    frame = summary.to_table().to_frame()
    assert frame.loc[("k", "coef")].tolist()[:2] == ["0.2500", "0.2000"]
    assert summary.as_markdown().startswith("**fe estimation results**")


def test_html_caption_and_escaping(table):
    html = table.to_html()
    assert "<caption>Employment_1 &amp; wages</caption>" in html
    assert "k|&lt;x&gt;" in html and "<x>" not in html


def test_frame_table_formats_counts_and_missing_values():
    frame = pd.DataFrame({"n": [31.0, 2.0], "gini": [0.123456, np.nan]},
                         index=pd.Index(["east", "west"], name="region"))
    grid = frame_table(frame, "Dagum", index=True).to_grid()
    assert grid == [["region", "n", "gini"], ["east", "31", "0.1235"], ["west", "2", ""]]


def test_rows_must_fit_the_columns_and_labels_be_plain():
    with pytest.raises(SpecificationError, match="2 cells for 1 columns"):
        Table(columns=("a",), coefficients=(Row("x", ("1", "2")),))
    with pytest.raises(SpecificationError, match="LaTeX label"):
        Table(columns=("a",), label="tab:x y}")


@given(st.text(alphabet=st.characters(codec="ascii", exclude_categories=("Cc",)),
               min_size=1, max_size=20).filter(lambda s: s.strip() == s))
def test_markdown_cells_survive_any_label(label):
    """Whatever the label, the rendered table has its two cells and shows the label as text."""
    import html as html_module

    from markdown_it import MarkdownIt

    table = Table(columns=("(1)",), coefficients=(Row(label, ("1.0",), "coef"),))
    rendered = MarkdownIt("commonmark").enable("table").render(table.to_markdown())
    cells = re.findall(r"<td[^>]*>(.*?)</td>", rendered)
    assert len(cells) == 2
    assert html_module.unescape(cells[0]) == label


def test_write_tables_takes_anything_with_to_table(table, tmp_path):
    class Wrapped:
        def to_table(self):
            return table

    text = write_tables({"Wrapped": Wrapped()}, tmp_path / "t.tex").read_text()
    assert "\\caption{Wrapped}" in text


def test_column_groups_span_their_columns_in_every_format(tmp_path):
    from docx import Document
    from openpyxl import load_workbook

    models = [make({"w": -0.5}, [0.1]) for _ in range(3)]
    table = etable(models, groups={"Static": 2, "GMM": 1})
    assert table.to_text().splitlines()[1].split() == ["Static", "GMM"]
    assert "<tr><th></th><th colspan='2'>Static</th><th colspan='1'>GMM</th></tr>" \
        in table.to_html()
    latex = table.to_latex()
    assert "& \\multicolumn{2}{c}{Static} & \\multicolumn{1}{c}{GMM} \\\\" in latex
    assert "\\cmidrule(lr){2-3}\\cmidrule(lr){4-4}" in latex
    assert "|  | Static |  | GMM |" in table.to_markdown()
    word = Document(str(table.save(tmp_path / "t.docx"))).tables[0]
    assert [c.text for c in word.rows[0].cells] == ["", "Static", "Static", "GMM"]
    assert [c.text for c in word.rows[1].cells] == ["", "(1)", "(2)", "(3)"]
    sheet = load_workbook(table.save(tmp_path / "t.xlsx")).active
    assert "B1:C1" in {str(r) for r in sheet.merged_cells.ranges}
    with open(table.save(tmp_path / "t.csv"), encoding="utf-8") as handle:
        assert handle.readline().strip() == ",Static,,GMM"
    with pytest.raises(SpecificationError, match="add up to the 3 columns"):
        etable(models, groups={"Static": 2})


def test_word_cells_use_a_chinese_font_for_chinese_text(tmp_path):
    from docx import Document
    from docx.oxml.ns import qn

    res = make({"w": -0.5}, [0.1])
    table = etable({"北京": res}, caption="科技金融")
    doc = Document(str(table.save(tmp_path / "t.docx")))
    run = doc.tables[0].rows[0].cells[1].paragraphs[0].runs[0]
    assert run.text == "北京"
    assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == "SimSun"
    assert run.font.name == "Times New Roman"
    assert doc.paragraphs[0].text == "科技金融"
