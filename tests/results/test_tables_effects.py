"""Spillover effects in ``etable``: ``effects=`` under the coefficients, or effects objects alone.

Every cell is checked against the effects' own tidy table (``SpatialEffects.to_frame``), in
every format; the LaTeX is compiled (skipped without pdflatex, as the other LaTeX tests).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from hand_results import make_result
from scipy import stats
from test_tables_latex import MOJIBAKE, document, needs_tex, squash, typeset

import stfi_models as sm
from stfi_models.exceptions import SpecificationError
from stfi_models.results.tables import etable

RD, GDP = "ln_rd", "ln_gdp_pc"
FORMULA = f"patents ~ {RD} + {GDP}"


@pytest.fixture(scope="module")
def fits():
    china = sm.load_china_provinces()
    china = china.assign(patents=np.log(china["patent_grant_invention"]),
                         ln_rd=np.log(china["rd_exp_total"]),
                         ln_gdp_pc=np.log(china["gdp_nbs"] / china["pop_yearend"]))
    w = sm.china_weights()
    return {model: sm.fit(FORMULA, china, model=model, w=w, entity="prov_code", time="year")
            for model in ("sar", "sem", "sdm")}


def expected_cells(eff, kind, var, se="std_error", level=0.95, digits=3):
    """The two cells of one effect, formatted from the tidy table by hand."""
    row = eff.to_frame(level).set_index(["effect", "variable"]).loc[(kind, var)]
    stars = "*" * sum(row["p_value"] < cut for cut in (0.1, 0.05, 0.01))
    top = f"{row['estimate']:.{digits}f}{stars}"
    if se == "ci":
        return top, f"[{row['conf_low']:.{digits}f}, {row['conf_high']:.{digits}f}]"
    column = {"std_error": "std_error", "tstat": "statistic", "pvalue": "p_value"}[se]
    return top, f"({row[column]:.{digits}f})"


@pytest.mark.parametrize("se", ["std_error", "tstat", "pvalue", "ci"])
def test_effect_cells_are_the_delta_method_effects(fits, se):
    level = 0.9
    table = etable([fits["sar"], fits["sem"], fits["sdm"]], effects=True, se=se, level=level)
    frame = table.to_frame()
    for col, name in zip(table.columns, ("sar", "sem", "sdm"), strict=True):
        for kind in ("direct", "indirect", "total"):
            for var in (RD, GDP):
                label = f"{kind.capitalize()}: {var}"
                cells = frame.loc[label, col].tolist()
                if name == "sem":  # no spillovers: the column stays empty
                    assert cells == ["", ""]
                else:
                    eff = fits[name].effects(method="delta")
                    assert cells == list(expected_cells(eff, kind, var, se, level))
    assert table.notes[-1] == ("Direct, indirect and total effects (LeSage and Pace 2009); "
                               "their standard errors: delta method.")


def test_effects_are_their_own_blocks_after_the_coefficients(fits):
    table = etable(fits["sdm"], effects=True)
    kinds = [block[0].label.split(":")[0] for block in table.extra]
    assert kinds == ["Direct", "Indirect", "Total"]
    assert [len(block) for block in table.extra] == [4, 4, 4]  # 2 variables x 2 lines
    assert table.blocks().index(table.extra[0]) == table.blocks().index(table.coefficients) + 1
    assert "SDM (ML)" in table.to_text() and "Pseudo R²" in table.to_text()


def test_the_direct_effect_sums_with_the_indirect_to_the_total(fits):
    eff = fits["sdm"].effects(method="delta")
    frame = etable(fits["sdm"], effects=True, digits=6).to_frame().iloc[:, 0]
    for var in (RD, GDP):
        d, i, t = (float(frame.loc[(f"{k}: {var}", "coef")].rstrip("*"))
                   for k in ("Direct", "Indirect", "Total"))
        assert d + i == pytest.approx(t, abs=2e-6)
        assert t == pytest.approx(eff.estimates.loc[var, "total"], abs=5e-7)


def test_simulation_options_and_given_effects(fits):
    sdm = fits["sdm"]
    options = {"method": "simulation", "draws": 200, "seed": 7}
    by_options = etable(sdm, effects=options)
    given = etable(sdm, effects=[sdm.effects(**options)])
    assert by_options.to_frame().equals(given.to_frame())
    assert by_options.notes[-1].endswith("their standard errors: simulation, 200 draws.")
    mixed = etable([sdm, fits["sar"]], effects=[sdm.effects(**options), None])
    assert mixed.to_frame().loc[f"Total: {RD}", "(2)"].tolist() == ["", ""]
    both = etable([sdm, sdm], effects=[sdm.effects(**options), sdm.effects(method="delta")])
    assert both.notes[-1].endswith("(1) simulation, 200 draws; (2) delta method.")


def test_selection_and_labels_apply_to_the_effect_variables(fits):
    sdm = fits["sdm"]
    table = etable(sdm, effects=True, keep=["rd"], rename={RD: "R&D"})
    labels = [row.label for row in table.rows() if row.kind == "coef"]
    assert labels == ["R&D", "W.ln_rd", "Direct: R&D", "Indirect: R&D",
                      "Total: R&D"]
    mapped = etable(sdm, effects=True, coef_map={GDP: "GDP pc", "rho": "rho"})
    labels = [row.label for row in mapped.rows() if row.kind == "coef"]
    assert labels == ["GDP pc", "rho", "Direct: GDP pc", "Indirect: GDP pc", "Total: GDP pc"]
    dropped = etable(sdm, effects=True, drop=["gdp"])
    assert not any("gdp" in row.label for row in dropped.rows())


def test_a_table_of_effects_objects_alone(fits):
    effs = {"SAR": fits["sar"].effects(method="delta"),
            "SDM": fits["sdm"].effects(method="delta")}
    table = etable(effs, se="tstat", digits=4)
    assert table.coefficients == () and table.statistics == () and table.indicators == ()
    assert [row.label for row in table.header] == ["Dep. var.", "Estimator"]
    assert table.header[1].cells == ("SAR (ML)", "SDM (ML)")
    assert table.to_frame().loc[(f"Indirect: {GDP}", "tstat"), "SDM"] == expected_cells(
        effs["SDM"], "indirect", GDP, "tstat", digits=4)[1]
    assert table.notes[0] == "t statistics in parentheses."
    single = etable(effs["SDM"])  # one object, as one Result
    assert single.columns == ("(1)",)


@dataclass(frozen=True)
class HandEffects:
    """An effects object that is not a SpatialEffects: the table needs only the protocol."""

    estimates: pd.DataFrame
    model: str = "mine"
    dependent: str = ""
    inference: str = "bootstrap, 99 draws"

    def to_frame(self, level=None):
        crit = stats.norm.ppf(0.5 + (level or 0.95) / 2)
        tidy = self.estimates.stack().rename("estimate").reset_index()
        tidy.columns = ["variable", "effect", "estimate"]
        tidy["std_error"] = 0.5
        tidy["statistic"] = tidy["estimate"] / 0.5
        tidy["p_value"] = 2 * stats.norm.sf(tidy["statistic"].abs())
        tidy["conf_low"] = tidy["estimate"] - crit * 0.5
        tidy["conf_high"] = tidy["estimate"] + crit * 0.5
        return tidy


def test_any_object_with_the_protocol_is_an_effects_object():
    estimates = pd.DataFrame({"direct": [2.0], "indirect": [0.1], "total": [2.1]},
                             index=pd.Index(["x"], name="variable"))
    table = etable(HandEffects(estimates))
    assert [row.label for row in table.header] == ["Estimator"]  # no dependent variable
    frame = table.to_frame()
    assert frame.loc[("Direct: x", "coef"), "(1)"] == "2.000***"
    assert frame.loc[("Indirect: x", "std_error"), "(1)"] == "(0.500)"
    assert table.notes[-1].endswith("their standard errors: bootstrap, 99 draws.")


def test_bad_effects_input(fits):
    fe = make_result({"x": 1.0})
    with pytest.raises(SpecificationError, match="none of the models has spillover"):
        etable([fe, fits["sem"]], effects=True)
    with pytest.raises(SpecificationError, match="2 entries for 1 models"):
        etable(fits["sdm"], effects=[None, None])
    with pytest.raises(SpecificationError, match="entry 1 is a SpatialResult"):
        etable(fits["sdm"], effects=[fits["sdm"]])
    with pytest.raises(SpecificationError, match="give True, a dict"):
        etable(fits["sdm"], effects="delta")
    with pytest.raises(SpecificationError, match="Did you mean 'draws'"):
        etable(fits["sdm"], effects={"method": "simulation", "drawz": 10})
    eff = fits["sdm"].effects(method="delta")
    with pytest.raises(SpecificationError, match="not both"):
        etable([fits["sdm"], eff])
    with pytest.raises(SpecificationError, match="effects objects and effects="):
        etable([eff], effects=True)
    with pytest.raises(SpecificationError, match="no fit statistics"):
        etable([eff], stats=["nobs"])
    with pytest.raises(SpecificationError, match="level must be in"):
        eff.to_frame(level=95)


# ---------------------------------------------------------------------------- every format
@pytest.fixture(scope="module")
def table(fits):
    return etable({"SAR": fits["sar"], "SEM": fits["sem"], "SDM": fits["sdm"]}, effects=True,
                  rename={RD: "ln R&D_exp", GDP: "ln GDP pc"}, caption="Spillovers | China")


def test_text_markdown_and_html_hold_the_effect_rows(table):
    from markdown_it import MarkdownIt

    cells = table.to_frame().loc[("Indirect: ln R&D_exp", "coef")].tolist()
    text = table.to_text()
    assert "Indirect: ln R&D_exp" in text and all(c in text for c in cells)
    html = MarkdownIt("commonmark").enable("table").render(table.to_markdown())
    html = re.sub(r' style="[^"]*"', "", html)
    assert "<td>Indirect: ln R&amp;D_exp</td>" in html and "<em>" not in html
    assert html.count("<tr>") == len(table.to_grid())
    page = table.to_html()
    assert "Total: ln GDP pc" in page and page.count("<tbody>") == len(table.blocks())


def test_word_excel_and_csv_hold_the_grid(table, tmp_path):
    from docx import Document
    from openpyxl import load_workbook

    grid = table.to_grid()
    [word] = Document(str(table.save(tmp_path / "t.docx"))).tables
    assert [[c.text for c in row.cells] for row in word.rows] == grid
    sheet = load_workbook(table.save(tmp_path / "t.xlsx")).active
    values = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    assert [row[: len(grid[0])] for row in values[1: 1 + len(grid)]] == grid
    assert values[-1][0] == table.notes[-1]
    with open(table.save(tmp_path / "t.csv"), newline="", encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == grid


@needs_tex
def test_latex_with_effects_compiles(table, tmp_path):
    text = squash(typeset(document(table.to_latex()), tmp_path))
    for needle in ("Spillovers | China", "Direct: ln R&D exp", "Indirect: ln GDP pc",
                   "Total: ln GDP pc", "SDM (ML)", "Pseudo R2", "(LeSage and Pace 2009)",
                   "delta method"):
        assert needle in text, needle
    sdm_total = table.to_frame().loc[("Total: ln GDP pc", "coef"), "SDM"]
    assert sdm_total.rstrip("*") in text
    assert not any(ch in text for ch in MOJIBAKE)


def test_effects_rows_have_as_many_cells_as_columns(fits):
    table = etable([fits["sem"], fits["sdm"]], effects=True)
    assert all(len(row.cells) == 2 for row in table.rows())
    assert np.all([row.cells[0] == "" for block in table.extra for row in block])
