"""`stfi replicate`: the report of both studies, --data, and bad input (atomic output)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from stfi_models.cli import app
from stfi_models.datasets import load_china_provinces
from stfi_models.exceptions import SpecificationError
from stfi_models.replicate import STUDIES, load_replication
from stfi_models.replicate.report import MARKER

runner = CliRunner()
FIGURES = {  # the figures the issue asks for, by study
    "stfi_regional": {"STFI_weights", "regional_trends", "density_surface",
                      "dagum_contributions", "moran_scatter", "pvar_irf", "pvar_fevd",
                      "sigma_convergence"},
    "tech_finance_nqp": {"TF_weights", "NQP_weights", "regional_trends", "mediation_diagram"},
}


def run(*args: str):
    return runner.invoke(app, list(args))


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, object, float]:
    out = tmp_path_factory.mktemp("rep") / "report"
    started = time.perf_counter()
    result = run("replicate", "--out", str(out))
    return out, result, time.perf_counter() - started


def _assert_one_line_error(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output  # user errors exit 2 (cli_errors)
    assert result.stderr.startswith("error: ") or "\nerror: " in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in errors[0], errors[0]


def test_replicate_runs_every_study_fast(report):
    out, result, seconds = report
    assert result.exit_code == 0, result.stderr
    assert seconds < 60
    assert (out / "index.html").is_file() and (out / MARKER).is_file()
    for name in STUDIES:
        assert f"[{name}] done" in result.stderr  # progress shown
    assert "Report written to" in result.stdout


def test_headline_numbers_are_printed(report):
    _, result, _ = report
    for pattern in (r"Dagum Gini of STFI in 2022: 0\.\d+", r"Moran's I of STFI in 2022",
                    r"STFI = -?\d+\.\d+ \(SE", r"Indirect effect of market via ric",
                    r"largest companion eigenvalue modulus 0\.\d+ \(stable\)"):
        assert re.search(pattern, result.stdout), pattern


def test_html_references_every_figure_and_table(report):
    out, _, _ = report
    page = (out / "index.html").read_text(encoding="utf-8")
    figures = sorted((out / "figures").glob("*.png"))
    tables = sorted((out / "tables").glob("*.csv"))
    assert figures and tables
    for path in figures:
        assert f'data-file="figures/{path.name}"' in page, path.name
    for path in tables:
        assert f'href="tables/{path.name}"' in page, path.name
        assert f'href="tables/{path.stem}.tex"' in page
        assert path.with_suffix(".tex").is_file()
    names = {p.stem for p in figures}
    for study, expected in FIGURES.items():
        assert {f"{study}__{f}" for f in expected} <= names
    # self-contained: every image is embedded, nothing is loaded from elsewhere
    assert page.count("<img") == len(figures)
    assert page.count('src="data:image/svg+xml;base64,') == len(figures)
    for path in figures:  # print resolution, and a vector copy beside it
        assert path.with_suffix(".svg").is_file()
        assert _png_dpi(path) >= 299
    assert "http://" not in page and "https://" not in page


def test_tables_hold_the_published_quantities(report):
    out, _, _ = report
    dagum = pd.read_csv(out / "tables" / "stfi_regional__dagum_summary.csv")
    shares = dagum[["share_w", "share_nb", "share_t"]].sum(axis=1)
    np.testing.assert_allclose(shares, 1.0, atol=1e-12)
    np.testing.assert_allclose(dagum[["G_w", "G_nb", "G_t"]].sum(axis=1), dagum["G"],
                               atol=1e-12)
    assert list(dagum["year"]) == list(range(2012, 2023))
    tex = (out / "tables" / "stfi_regional__regressions_fe.tex").read_text()
    assert tex.startswith("\\begin{table}") and "ln\\_gdp\\_pc" in tex


def test_data_option_on_a_csv_export_gives_the_same_numbers(report, tmp_path):
    out, _, _ = report
    csv = tmp_path / "my.csv"
    load_china_provinces().to_csv(csv, index=False)
    mine = tmp_path / "mine"
    result = run("replicate", "--data", str(csv), "--out", str(mine))
    assert result.exit_code == 0, result.stderr
    ours = sorted(p.name for p in (out / "tables").glob("*.csv"))
    assert sorted(p.name for p in (mine / "tables").glob("*.csv")) == ours
    for name in ours:
        a = pd.read_csv(out / "tables" / name)
        b = pd.read_csv(mine / "tables" / name)
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=1e-12)
    assert "user-supplied data" in (mine / "index.html").read_text(encoding="utf-8")


def test_rerun_replaces_a_previous_report(report, tmp_path):
    out = tmp_path / "again"
    first = run("replicate", "tech_finance_nqp", "--out", str(out))
    assert first.exit_code == 0, first.stderr
    (out / "stale.txt").write_text("old")
    second = run("replicate", "tech_finance_nqp", "--out", str(out))
    assert second.exit_code == 0, second.stderr
    assert not (out / "stale.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["again"]  # no staging folders left


# ---------------------------------------------------------------------- bad input


def _nothing_written(parent: Path, out: Path) -> None:
    assert not out.exists()
    assert not [p for p in parent.iterdir() if ".partial-" in p.name or ".old-" in p.name]


def test_typo_in_study_key(tmp_path):
    out = tmp_path / "r"
    _assert_one_line_error(run("replicate", "stfi_regionl", "--out", str(out)),
                           "Did you mean 'stfi_regional'")
    _nothing_written(tmp_path, out)


def test_missing_data_file(tmp_path):
    out = tmp_path / "r"
    _assert_one_line_error(run("replicate", "--data", str(tmp_path / "nope.csv"), "--out",
                               str(out)), "File not found")
    _nothing_written(tmp_path, out)


def test_data_with_a_missing_column_names_it(tmp_path):
    csv = tmp_path / "bad.csv"
    load_china_provinces().drop(columns="region3").to_csv(csv, index=False)
    out = tmp_path / "r"
    _assert_one_line_error(run("replicate", "stfi_regional", "--data", str(csv), "--out",
                               str(out)), "'region3'")
    _nothing_written(tmp_path, out)


def test_data_missing_an_indicator_fails_without_partial_output(tmp_path):
    csv = tmp_path / "bad.csv"
    load_china_provinces().drop(columns="patent_app_invention").to_csv(csv, index=False)
    out = tmp_path / "r"
    result = run("replicate", "--data", str(csv), "--out", str(out))
    _assert_one_line_error(result, "patent_app_invention")
    _nothing_written(tmp_path, out)


def _study_copy(tmp_path: Path, old: str, new: str) -> Path:
    text = STUDIES["tech_finance_nqp"].read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "study.toml"
    formulas = STUDIES["tech_finance_nqp"].parent
    for index_file in ("tech_finance_split.toml", "nqp_index.toml"):  # travel with the study
        (tmp_path / index_file).write_bytes((formulas / index_file).read_bytes())
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_study_file_with_a_typo_in_a_key(tmp_path):
    study = _study_copy(tmp_path, "mediator = ", "mediatr = ")
    out = tmp_path / "r"
    _assert_one_line_error(run("replicate", str(study), "--out", str(out)),
                           "unknown key 'mediatr' in [mediation]", "Did you mean 'mediator'")
    _nothing_written(tmp_path, out)


def test_study_file_with_a_typo_in_a_table(tmp_path):
    study = _study_copy(tmp_path, "[mediation]", "[mediaton]")
    with pytest.raises(SpecificationError, match=r"unknown table \[mediaton\]"):
        load_replication(study)


def test_error_in_a_late_step_leaves_nothing(tmp_path):
    study = _study_copy(tmp_path, 'outcome = "NQP"', 'outcome = "NQPX"')
    out = tmp_path / "r"
    result = run("replicate", str(study), "--out", str(out))
    _assert_one_line_error(result, "NQPX")
    _nothing_written(tmp_path, out)


def test_refuses_to_replace_a_folder_that_is_not_a_report(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    _assert_one_line_error(run("replicate", "tech_finance_nqp", "--out", str(out)),
                           "does not hold a previous report")
    assert (out / "thesis.tex").read_text() == "precious"


def test_report_windows_counts_and_headlines_agree_with_its_tables(report):
    """Issue 12: what the page states is what its own tables hold."""
    out, result, _ = report
    page = (out / "index.html").read_text(encoding="utf-8")
    tables = out / "tables"
    # the data note's window and row count = the regression sample (balanced panel)
    note = re.search(r"(\d+) entities, years (\d{4})-(\d{4}), (\d+) rows", page)
    n_ent, first, last, rows = map(int, note.groups())
    assert rows == n_ent * (last - first + 1)
    fe = pd.read_csv(tables / "stfi_regional__regressions_fe.csv")
    assert set(fe.loc[fe["row"] == "Observations", ["(1)", "(2)", "(3)"]].iloc[0].astype(int)
               ) == {rows}
    moran = pd.read_csv(tables / "stfi_regional__moran.csv")
    assert (moran["year"].min(), moran["year"].max()) == (first, last)
    # the index headline: its own window, equal to the yearly-means table
    head = re.search(r"STFI \(index window (\d{4})-(\d{4})\): mean ([\d.]+) in \d{4} -> "
                     r"([\d.]+) in \d{4}", result.stdout)
    means = pd.read_csv(tables / "stfi_regional__STFI_yearly_means.csv")
    assert (int(head[1]), int(head[2])) == (means["year"].min(), means["year"].max())
    assert float(head[3]) == round(means["STFI"].iloc[0], 3)
    assert float(head[4]) == round(means["STFI"].iloc[-1], 3)
    assert f"Built on {head[1]}-{head[2]}" in page and f"use {first}-{last}" in page
    # the Dagum headline = the last row of its table
    dagum = pd.read_csv(tables / "stfi_regional__dagum_summary.csv")
    stated = re.search(r"Dagum Gini of STFI in (\d{4}): ([\d.]+)", result.stdout)
    assert int(stated[1]) == dagum["year"].iloc[-1] == last
    assert float(stated[2]) == round(dagum["G"].iloc[-1], 3)
    # no raw Python objects, no doubled titles, counts print as integers, sources cited
    assert "{'" not in page and "Index STFI: STFI:" not in page
    dagum_html = page[page.index('data-file="tables/stfi_regional__dagum_groups.csv"'):]
    dagum_html = dagum_html[:dagum_html.index("</table>")]
    assert "<td>31.0000</td>" not in dagum_html and "<td>11</td>" in dagum_html  # group n
    assert "Data and references" in page and "Dagum, C. (1997)" in page
    assert "Source: NBS/MOST" in page


@pytest.mark.skipif(shutil.which("pdflatex") is None and not os.environ.get("CI"),
                    reason="pdflatex not installed (CI installs texlive-latex-base)")
def test_report_tables_tex_compiles_on_its_own(report, tmp_path):
    out, _, _ = report
    (tmp_path / "tables.tex").write_bytes((out / "tables.tex").read_bytes())
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                           "-no-shell-escape", "tables.tex"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:]
    log = (tmp_path / "tables.log").read_text(errors="replace")
    assert "Overfull \\hbox" not in log
    assert (tmp_path / "tables.pdf").stat().st_size > 10_000


def test_report_tables_docx_holds_the_numbers_of_the_tables(report):
    docx = pytest.importorskip("docx")
    out, _, _ = report
    document = docx.Document(str(out / "tables.docx"))
    cells = {c.text.strip() for t in document.tables for row in t.rows for c in row.cells}
    fe = pd.read_csv(out / "tables" / "stfi_regional__regressions_fe.csv", dtype=str)
    numbers = {v for v in fe[["(1)", "(2)", "(3)"]].to_numpy().ravel()
               if isinstance(v, str) and any(ch.isdigit() for ch in v)}
    assert numbers and numbers <= cells


def _png_dpi(path: Path) -> float:
    """Horizontal resolution stored in a PNG's pHYs chunk (dots per inch)."""
    import struct

    data = path.read_bytes()
    at = data.find(b"pHYs")
    per_metre = struct.unpack(">I", data[at + 4:at + 8])[0]
    return per_metre * 0.0254
