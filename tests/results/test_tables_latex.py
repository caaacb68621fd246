"""LaTeX output compiles with pdflatex and prints the right symbols.

Every LaTeX output (an etable, summaries, a many-tables ``tables.tex``) is compiled in a
standalone document with pdflatex's default font encoding (OT1), and the PDF's text
(``pdftotext``) is checked: ``<`` ``>`` ``|`` print as themselves (not "¡", "¿", "—"), the
star legend is whole, notes wrap instead of widening the table.  The tests skip when pdflatex
or pdftotext is missing; CI installs them (texlive-latex-base, texlive-latex-recommended,
poppler-utils).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hand_results import make_result
from hypothesis import given
from hypothesis import strategies as st

from stfi_models import results
from stfi_models.results.latex import escape_latex, latex_text
from stfi_models.results.tables import etable, write_tables
from stfi_models.results.tables.document import latex_document

TOOLS = ("pdflatex", "pdftotext")
needs_tex = pytest.mark.skipif(  # never skipped in CI (.ci/run installs the tools)
    any(shutil.which(t) is None for t in TOOLS) and not os.environ.get("CI"),
    reason="pdflatex/pdftotext not installed (apt-get install texlive-latex-base "
    "texlive-latex-recommended poppler-utils); CI installs them",
)
MOJIBAKE = ("¡", "¿", "—")


make = partial(make_result, df_resid=900.0, vcov_type="cluster (entity; G = 140)",
               info={"effects": ("entity",)}, rsquared={"within": 0.5})


@pytest.fixture
def models() -> list:
    fe = make({"w": -0.5, "k_%": 0.3}, [0.1, 0.2])
    years = {f"C(year)[{y}]": 0.01 * (y - 1976) for y in range(1977, 1984)}
    gmm = make({"L1.n": 0.7, "w": -0.2, **years}, [0.1, 0.2, *[0.05] * 7], model="sys-gmm",
               nobs=891, vcov_type="Windmeijer (2005) corrected, two-step", df_resid=None,
               info={"n_instruments": 41}, rsquared={},
               diagnostics={"Hansen": results.TestResult(30.1, 0.35, 28, "Hansen J"),
                            "AR(2)": results.TestResult(0.6, 0.548, None, "AR(2)", "normal")})
    return [fe, gmm]


def typeset(source: str, folder: Path, name: str = "doc") -> str:
    """Compile a LaTeX document with pdflatex and return its text (pdftotext -layout)."""
    tex = folder / f"{name}.tex"
    tex.write_text(source, encoding="utf-8")
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
         tex.name], cwd=folder, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    log = (folder / f"{name}.log").read_text(errors="replace")
    assert "Overfull \\hbox" not in log, re.findall(r"Overfull \\hbox.*", log)
    out = subprocess.run(["pdftotext", "-layout", f"{name}.pdf", "-"], cwd=folder,
                         capture_output=True, text=True, timeout=60, check=True)
    return out.stdout


def document(*fragments: str) -> str:
    """A minimal article around LaTeX fragments (the packages tables need)."""
    return ("\\documentclass{article}\n\\usepackage{booktabs,amssymb}\n\\begin{document}\n"
            + "\n\n".join("\\noindent\n" + f for f in fragments) + "\n\\end{document}\n")


def squash(text: str) -> str:
    """Text with runs of white space collapsed, for searching typeset output."""
    return re.sub(r"\s+", " ", text)


def test_escape_sends_comparison_and_bar_to_math_mode():
    assert escape_latex("P>|t|") == "P$>$$|$t$|$"
    assert escape_latex("p<0.1") == "p$<$0.1"
    assert escape_latex("R² ✓") == "R$^2$ $\\checkmark$"
    assert latex_text("$V_{it}$_x", math=True) == "$V_{it}$\\_x"
    assert latex_text("$V_{it}$") == "\\$V\\_\\{it\\}\\$"


@needs_tex
def test_etable_compiles_and_prints_legend_and_symbols(models, tmp_path):
    table = etable(models, caption="Employment <and> wages | 1976-1984", label="tab:emp",
                   groups={"Static": 1, "Dynamic": 1},
                   notes="Robust standard errors; a long note " + "that wraps " * 30 + ".")
    text = squash(typeset(document(table.to_latex()), tmp_path))
    assert "* p<0.1, ** p<0.05, *** p<0.01" in text
    assert "Employment <and> wages | 1976-1984" in text
    for needle in ("Year dummies", "Entity FE", "Clustered by entity", "Hansen p 0.350",
                   "AR(2) p 0.548", "Instruments 41", "Within R2 0.500", "System GMM",
                   "k%", "−0.500∗∗∗", "Static Dynamic"):
        assert needle in text, needle
    assert "C(year)" not in text
    assert not any(ch in text for ch in MOJIBAKE)


@needs_tex
def test_long_notes_wrap_inside_the_table_width(models, tmp_path):
    """A note of 90 words wraps onto several lines, all within the 9 cm of the table."""
    note = " ".join(["wrapping"] * 90)
    fragment = etable(models, notes=note, stats=["nobs"]).to_latex(float=False, width="9cm")
    typeset(document(fragment), tmp_path)  # no overfull box: the table keeps its width
    bbox = subprocess.run(["pdftotext", "-bbox", "doc.pdf", "-"], cwd=tmp_path,
                          capture_output=True, text=True, check=True).stdout
    words = re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)"[^>]*>([^<]+)<', bbox)
    left = min(float(x0) for x0, _, _, w in words if w == "Observations")
    notes = [(float(x1), float(y0)) for _, y0, x1, w in words if w == "wrapping"]
    assert len({y for _, y in notes}) >= 5  # wrapped onto five lines or more
    assert max(x for x, _ in notes) <= left + 9 * 72 / 2.54 + 0.5  # 9 cm in points


@needs_tex
def test_summaries_compile_with_p_greater_than_bar_t(models, tmp_path):
    fragments = [res.summary().as_latex() for res in models]
    text = squash(typeset(document(*fragments), tmp_path))
    assert "P>|t|" in text and "P>|z|" in text
    assert "Formula: n ∼ w + k" in text
    assert not any(ch in text for ch in MOJIBAKE)


@needs_tex
def test_math_labels_only_on_explicit_opt_in(models, tmp_path):
    mapping = {"w": "$V_{it}$", "L1.n": "$y_{i,t-1}$"}
    literal = etable(models, rename=mapping).to_latex()
    assert r"\$V\_\{it\}\$" in literal
    typeset_math = squash(typeset(document(etable(models, rename=mapping,
                                                  math=True).to_latex()), tmp_path))
    assert "$" not in typeset_math
    assert "Vit" in typeset_math and "yi,t−1" in typeset_math
    shown = squash(typeset(document(literal), tmp_path, "literal"))
    assert "$V" in shown and "{it}$" in shown  # OT1 draws the underscore as a rule


@needs_tex
def test_many_tables_document_compiles(models, tmp_path):
    frame = pd.DataFrame({"region": ["east", "west"], "n": [11.0, 12.0],
                          "Gini | within": [0.1234567, np.nan]})
    path = write_tables({"Regressions": etable(models), "FE summary": models[0].summary(),
                         "Dagum <by> region": frame}, tmp_path / "tables.tex",
                        title="All tables")
    text = squash(typeset(path.read_text(), tmp_path, "tables"))
    for needle in ("All tables", "Table 1: Regressions", "Table 2: FE summary",
                   "Table 3: Dagum <by> region", "P>|t|", "Gini | within", "0.1235",
                   "* p<0.1, ** p<0.05, *** p<0.01"):
        assert needle in text, needle
    assert "11.0" not in text and "east 11" in text
    assert not any(ch in text for ch in MOJIBAKE)


def test_latex_document_lists_the_packages_it_needs(models):
    source = latex_document([etable(models)])
    assert "\\usepackage{booktabs,amssymb}" in source
    assert source.count("\\begin{table}") == 1 and source.rstrip().endswith("\\end{document}")


@given(st.text(alphabet=st.characters(codec="ascii", exclude_categories=("Cc",)), max_size=40))
def test_escaped_text_leaves_no_special_character_bare(text):
    """Outside ``$...$`` and control sequences, no character LaTeX treats specially is left."""
    out = escape_latex(text)
    bare = re.sub(r"\\(textbackslash|textasciicircum)\{\}|\\[&%$#_{}]", "", out)
    bare = re.sub(r"\$[^$]*\$", "", bare)
    assert not set(bare) & set("\\&%$#_{}~^<>|")
