"""The replication report: sections of tables and figures, written atomically.

``write_report`` writes ``index.html`` (self-contained: figures embedded as SVG,
tables inline; Jinja2 with autoescape, ``templates/report.html.j2``),
``tables/<study>__<name>.csv`` and ``.tex``, ``figures/<study>__<name>.png``, and every table
in one ``tables.tex`` (compiles on its own) and one ``tables.docx``, into a temporary folder
next to the target, and moves it into place only when everything is written, so an error
never leaves a half-written report.  A folder is only replaced if it
is empty or holds a previous report (marker file ``.stfi-report``).
"""

from __future__ import annotations

import base64
import functools
import io
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from stfi_models._plotting import figure_svg
from stfi_models.exceptions import SpecificationError
from stfi_models.replicate.expect import Drift, frame_numbers, result_numbers
from stfi_models.results.latex import escape_latex
from stfi_models.results.tables import Table, write_tables
from stfi_models.results.tables.document import as_table

__all__ = ["ReportTable", "ReportFigure", "Section", "StudyReport", "write_report",
           "render_figure", "RenderedFigure", "MARKER"]

#: Marker file identifying a folder written by ``write_report``.
MARKER = ".stfi-report"
#: Resolution of the report's PNG figures (print quality).
FIGURE_DPI = 300
#: Tables longer than this are folded (``<details>``) in the page, their first
#: ``PREVIEW_ROWS`` rows shown above the fold; the CSV holds every row.
FOLD_ROWS = 30
PREVIEW_ROWS = 8


@dataclass(frozen=True)
class ReportTable:
    """One table: its cells (CSV), its HTML and LaTeX renderings and the numbers it pins.

    ``pinned`` holds the full-precision numbers behind a formatted table (an etable's
    estimates and standard errors); tables of raw numbers pin their numeric cells.
    """

    name: str
    caption: str
    frame: pd.DataFrame
    html: str
    latex: str
    pinned: Mapping[str, tuple[float, str]] | None = None
    preview: str = ""
    source: Any = None

    def to_table(self) -> Table:
        """Return the table for ``tables.tex``/``tables.docx`` (an etable keeps its layout)."""
        return as_table(self.source if self.source is not None else self.frame, self.caption)

    def numbers(self, prefix: str) -> dict[str, tuple[float, str]]:
        """Return the numbers a replication check compares, keyed under ``prefix``."""
        if self.pinned is not None:
            return {f"{prefix}/{k}": v for k, v in self.pinned.items()}
        return frame_numbers(prefix, self.frame)

    @classmethod
    def from_frame(cls, name: str, caption: str, frame: pd.DataFrame,
                   digits: int = 4, index: bool = False) -> ReportTable:
        """Render a DataFrame (floats to ``digits`` decimals)."""
        fmt = f"{{:.{digits}f}}".format
        shown = frame.reset_index() if index else frame
        whole = [c for c in shown.columns if pd.api.types.is_float_dtype(shown[c])
                 and shown[c].dropna().map(float.is_integer).all()]
        text = shown.astype({c: "Int64" for c in whole})  # counts print as 31, not 31.0000

        def rendered(rows: pd.DataFrame) -> str:
            return rows.to_html(index=False, float_format=fmt, na_rep="",
                                classes="stfi-table", border=0)

        table_html = rendered(text)
        preview = rendered(text.head(PREVIEW_ROWS)) if len(text) > FOLD_ROWS else ""
        cells = text.map(lambda v: fmt(v) if isinstance(v, float) else
                         ("" if v is pd.NA else str(v)))
        cols = "l" * cells.shape[1]
        lines = [f"\\begin{{tabular}}{{{cols}}}", "\\hline",
                 " & ".join(escape_latex(str(c)) for c in cells.columns) + " \\\\", "\\hline"]
        lines += [" & ".join(escape_latex(v if v != "nan" else "") for v in row) + " \\\\"
                  for row in cells.itertuples(index=False)]
        lines += ["\\hline", "\\end{tabular}"]
        return cls(name, caption, shown, table_html, "\n".join(lines), preview=preview)

    @classmethod
    def from_etable(cls, name: str, caption: str, table: Any,
                    results: Sequence[Any] = ()) -> ReportTable:
        """Wrap a :class:`stfi_models.results.tables.Table`; pin its models' numbers."""
        pinned: dict[str, tuple[float, str]] = {}
        for k, res in enumerate(results, start=1):
            pinned.update(result_numbers(f"({k})", res))
        return cls(name, caption, table.to_frame().reset_index(), table.to_html(),
                   table.to_latex(), pinned, source=table)


@dataclass(frozen=True)
class RenderedFigure:
    """A figure rendered for the report: PNG at print resolution and SVG (vector)."""

    png: bytes
    svg: str


@dataclass(frozen=True)
class ReportFigure:
    """One figure: ``figures/<study>__<name>.png`` (300 dpi) and ``.svg``.

    The page embeds the SVG as an image (a data URI: matplotlib escapes its text, and an
    ``<img>`` runs no script).
    """

    name: str
    caption: str
    image: RenderedFigure


def render_figure(fig: Any, dpi: int = FIGURE_DPI) -> RenderedFigure:
    """Render a matplotlib Figure to PNG (``dpi``) and SVG, then close it."""
    import matplotlib.pyplot as plt

    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=dpi, bbox_inches="tight")
    svg = figure_svg(fig)
    plt.close(fig)
    return RenderedFigure(png.getvalue(), svg)


@dataclass
class Section:
    """A report section: a title, an explanatory note, tables, figures, headline lines."""

    key: str
    title: str
    note: str = ""
    tables: list[ReportTable] = field(default_factory=list)
    figures: list[ReportFigure] = field(default_factory=list)
    headline: list[str] = field(default_factory=list)
    #: Works the section rests on: keys of ``steps.REFERENCES`` or full citations.
    references: list[str] = field(default_factory=list)


@dataclass
class StudyReport:
    """All sections of one study, its input data's fingerprint and a check's verdict.

    ``check`` is set after ``stfi replicate --check``.
    """

    name: str
    title: str
    description: str
    data_note: str
    sections: list[Section] = field(default_factory=list)
    data_fingerprint: str = ""
    check: Drift | None = None
    references: list[str] = field(default_factory=list)

    @property
    def headline(self) -> list[str]:
        """The headline lines of every section, in order."""
        return [line for s in self.sections for line in s.headline]


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1100px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{border-bottom:2px solid #345}h2{margin-top:2em;color:#234;border-bottom:1px solid #ccc}
h3{color:#345}table{border-collapse:collapse;margin:.6em 0;font-size:.85em}
td,th{padding:2px 8px;border-bottom:1px solid #e4e4e4;text-align:right}
th:first-child,td:first-child{text-align:left}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #eee}
figcaption,.caption{font-size:.9em;color:#555}.note{color:#444}.files{font-size:.8em}
ul.headline{background:#f4f7fa;padding:.8em 2em;border-left:4px solid #345}
.scroll{overflow-x:auto}
"""




def _b64(figure: ReportFigure) -> str:
    return base64.b64encode(figure.image.svg.encode("utf-8")).decode("ascii")


def _trusted_table(markup: str) -> Markup:
    """Mark a table's HTML as safe: pandas and :mod:`stfi_models.results` escape every cell."""
    return Markup(markup)


@functools.cache
def _environment() -> Environment:
    """Return the Jinja2 environment of the report, with autoescape on.

    Every string from a study file, a dataset or a column name is escaped; only table HTML
    built by escaping renderers is marked safe.
    """
    env = Environment(loader=PackageLoader("stfi_models.replicate", "templates"),
                      autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["b64"] = _b64
    env.filters["trusted_table"] = _trusted_table
    return env


def render_html(studies: list[StudyReport]) -> str:
    """Render the self-contained HTML page of the report (Jinja2, autoescaped)."""
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return _environment().get_template("report.html.j2").render(
        studies=studies, css=Markup(_CSS), stamp=stamp)


def _check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise SpecificationError(f"--out {out} is a file; give a folder for the report.")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise SpecificationError(
            f"--out {out} is a non-empty folder that does not hold a previous report; "
            "give a new or empty folder (the report replaces the folder's content)."
        )


def write_report(studies: list[StudyReport], out: str | Path) -> Path:
    """Write the report into ``out`` atomically; returns the path of ``index.html``.

    Raises
    ------
    SpecificationError
        ``out`` is a file, or a non-empty folder that is not a previous report.
    """
    out = Path(out)
    _check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        (staging / "tables").mkdir()
        (staging / "figures").mkdir()
        for study in studies:
            for section in study.sections:
                for table in section.tables:
                    stem = staging / "tables" / f"{study.name}__{table.name}"
                    table.frame.to_csv(stem.with_suffix(".csv"), index=False)
                    stem.with_suffix(".tex").write_text(table.latex + "\n", encoding="utf-8")
                for figure in section.figures:
                    stem = staging / "figures" / f"{study.name}__{figure.name}"
                    stem.with_suffix(".png").write_bytes(figure.image.png)
                    stem.with_suffix(".svg").write_text(figure.image.svg, encoding="utf-8")
        _write_documents(studies, staging)
        (staging / "index.html").write_text(render_html(studies), encoding="utf-8")
        (staging / MARKER).write_text("written by stfi replicate\n", encoding="utf-8")
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out / "index.html"


#: Tables longer or wider than this stay out of ``tables.tex``/``tables.docx`` (a float
#: cannot break across pages, nor shrink to the page); their CSV and .tex files hold them,
#: and a last table lists them.
DOCUMENT_ROWS = 45
DOCUMENT_CHARACTERS = 80  # a row of 11pt text across a 17 cm line holds about 85 characters


def _text_width(table: Table) -> int:
    """Characters of the widest row: each column's longest cell plus two of spacing."""
    rows = [row for block in table.blocks() for row in block]
    columns = [[table.stub, *(r.label for r in rows)]] + [
        [title, *(r.cells[j] for r in rows)] for j, title in enumerate(table.columns)]
    return sum(max(len(str(cell)) for cell in column) + 2 for column in columns)


def _write_documents(studies: list[StudyReport], folder: Path) -> None:
    """Write the report's tables into one ``tables.tex`` (compiles alone) and ``tables.docx``."""
    items: dict[str, Any] = {}
    elsewhere = []
    for study in studies:
        for section in study.sections:
            for table in section.tables:
                caption = f"{study.title}: {table.caption}"
                if len(table.frame) <= DOCUMENT_ROWS and _text_width(table.to_table()) <= \
                        DOCUMENT_CHARACTERS:
                    items[caption] = table
                else:
                    elsewhere.append({"file (tables/, .csv)": f"{study.name}__{table.name}",
                                      "rows": len(table.frame)})
    if not items:
        return
    if elsewhere:
        items["Tables too long or wide for a page (see their CSV files)"] = pd.DataFrame(
            elsewhere)
    title = "stfi-models replication report: tables"
    write_tables(items, folder / "tables.tex", title=title)
    write_tables(items, folder / "tables.docx", title=title)


def _swap(staging: Path, out: Path) -> None:
    """Move the finished report into place; an old report is removed only afterwards."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        out.rename(old)
    try:
        staging.rename(out)
    except BaseException:
        if old is not None:
            old.rename(out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
