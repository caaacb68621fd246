"""etable: three models in four formats, stars, SE choices, coef_map, escaping, bad input."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from hand_results import make_result

from stfi_models import results
from stfi_models.exceptions import SpecificationError
from stfi_models.results.tables import Table, etable

make = make_result


@pytest.fixture
def three():
    fe = make({"w": -0.5, "k": 0.3}, [0.1, 0.2], rsquared={"within": 0.5},
              info={"effects": ("entity",)})
    twfe = make({"w": -0.4, "k": 0.35, "rd_exp%": 0.01}, [0.1, 0.2, 0.05],
                rsquared={"within": 0.6}, info={"effects": ("entity", "time")})
    gmm = make(
        {"L1.gov_st#": 0.7, "w": -0.2}, [0.1, 0.2], model="sys-gmm", nobs=891,
        vcov_type="robust (Windmeijer)",
        diagnostics={
            "Hansen J": results.TestResult(10.0, 0.35, 8, "Hansen J"),
            "AR(2)": results.TestResult(0.5, 0.61, None, "AR(2)", "normal"),
            "AR(1)": results.TestResult(-3.0, 0.003, None, "AR(1)", "normal"),
        },
        info={"n_instruments": 25},
    )
    return {"FE": fe, "TWFE": twfe, "GMM": gmm}


def test_three_models_render_in_all_four_formats(three):
    table = etable(three)
    latex = re.sub(r"\$\^\{(\*+)\}\$", r"\1", table.to_latex()).replace("$-$", "-")
    outputs = {
        "text": table.to_text(),
        "markdown": re.sub(r"\\(.)", r"\1", table.to_markdown()),  # undo the escapes
        "latex": latex,
        "html": table.to_html(),
    }
    for fmt, out in outputs.items():
        for needle in ("FE", "TWFE", "GMM", "-0.500***", "(0.100)", "1031", "891",
                       "Observations", "Within R", "0.500", "Entity FE", "Time FE",
                       "Clustered by", "entity", "robust (Windmeijer)", "Hansen p", "0.350",
                       "AR(2) p", "0.610", "AR(1) p", "Instruments", "25"):
            assert needle in out, f"{needle!r} missing from the {fmt} table"
    assert str(table) == outputs["text"]
    assert table._repr_html_() == outputs["html"]


def test_cells_sit_in_the_right_columns(three):
    frame = etable(three).to_frame()
    assert list(frame.columns) == ["FE", "TWFE", "GMM"]
    assert frame.loc[("w", "coef")].tolist() == ["-0.500***", "-0.400***", "-0.200"]
    assert frame.loc[("w", "std_error")].tolist() == ["(0.100)", "(0.100)", "(0.200)"]
    assert frame.loc[("k", "coef")].tolist() == ["0.300", "0.350*", ""]
    assert frame.loc[("Entity FE", "")].tolist() == ["✓", "✓", ""]
    assert frame.loc[("Time FE", "")].tolist() == ["", "✓", ""]
    assert frame.loc[("Std. errors", "")].tolist() == ["cluster", "cluster",
                                                       "robust (Windmeijer)"]
    assert frame.loc[("Clustered by", "")].tolist() == ["entity", "entity", ""]
    assert frame.loc[("Observations", "")].tolist() == ["1031", "1031", "891"]
    assert frame.loc[("Hansen p", "")].tolist() == ["", "", "0.350"]
    assert frame.loc[("Instruments", "")].tolist() == ["", "", "25"]
    # rows appear in first-seen order across models
    terms = [row for row, line in frame.index if line == "coef"]
    assert terms == ["w", "k", "rd_exp%", "L1.gov_st#"]


@pytest.mark.parametrize(
    ("t", "expected"),
    # two-sided normal p-values: t=1.6 -> 0.110, 1.7 -> 0.089, 1.95 -> 0.0512, 1.97 -> 0.0488,
    # 2.55 -> 0.0108, 2.6 -> 0.0093 (standard normal table)
    [(1.6, ""), (1.7, "*"), (1.95, "*"), (1.97, "**"), (2.55, "**"), (2.6, "***")],
)
def test_stars_follow_the_levels(t, expected):
    frame = etable([make({"x": t}, [1.0])]).to_frame()
    assert frame.loc[("x", "coef"), "(1)"] == f"{t:.3f}{expected}"


def test_custom_and_no_stars():
    res = make({"x": 2.6}, [1.0])
    assert etable(res, stars=(0.001,)).to_frame().loc[("x", "coef"), "(1)"] == "2.600"
    none = etable(res, stars=None)
    assert "*" not in none.to_text()
    assert none.notes == ("Standard errors in parentheses.",)
    assert "** p<0.05" in etable(res).to_text()


@pytest.mark.parametrize("stars", [(0.1, 1.5), (0.05, 0.05), (-0.1,)])
def test_bad_star_levels_are_refused(stars):
    with pytest.raises(SpecificationError, match="stars"):
        etable(make({"x": 1.0}, [1.0]), stars=stars)


@pytest.mark.parametrize(
    ("se", "attr", "note"),
    [("tstat", "tstats", "t statistics"), ("pvalue", "pvalues", "p-values")],
)
def test_what_goes_in_parentheses(three, se, attr, note):
    table = etable(three, se=se, digits=4)
    frame = table.to_frame()
    expected = getattr(three["FE"], attr)["w"]
    assert frame.loc[("w", se), "FE"] == f"({expected:.4f})"
    assert note in table.to_text()


def test_unknown_se_choice_suggests_the_closest(three):
    with pytest.raises(SpecificationError, match="Did you mean 'pvalue'"):
        etable(three, se="pvalues")


def test_coef_map_selects_orders_renames_and_merges(three):
    table = etable(three, coef_map={"L1.gov_st#": "Lagged S&T", "rd_exp%": "R&D share",
                                    "w": "Wage"})
    frame = table.to_frame()
    assert [row for row, line in frame.index if line == "coef"] == [
        "Lagged S&T", "R&D share", "Wage"]
    merged = etable(three, coef_map={"rd_exp%": "x", "L1.gov_st#": "x"}).to_frame()
    assert merged.loc[("x", "coef")].tolist() == ["", "0.010", "0.700***"]


def test_coef_map_errors(three):
    with pytest.raises(SpecificationError, match="Did you mean 'rd_exp%'"):
        etable(three, coef_map={"rd_exp": "R&D"})
    with pytest.raises(SpecificationError, match="same row"):
        etable(three, coef_map={"w": "x", "k": "x"})


def test_latex_escapes_every_special_character(three):
    latex = etable({"A&B": three["FE"], "50%_#": three["TWFE"], "GMM": three["GMM"]},
                   coef_map={"rd_exp%": "rd_exp%", "L1.gov_st#": "L1.gov_st#",
                             "w": "w & wage"}).to_latex()
    assert r"rd\_exp\%" in latex
    assert r"L1.gov\_st\#" in latex
    assert r"A\&B" in latex and r"50\%\_\#" in latex and r"w \& wage" in latex
    body = [line for line in latex.splitlines() if line.endswith("\\\\")
            and not line.startswith("\\multicolumn")]
    # every row has exactly one unescaped '&' per column separator
    for line in body:
        assert len(re.findall(r"(?<!\\)&", line)) == 3, line
    assert not re.search(r"(?<!\\)[%#_]", latex.replace("\\begin{tabular}", ""))


def test_html_and_markdown_escape(three):
    html = etable({"<b>": three["FE"]}).to_html()
    assert "&lt;b&gt;" in html and "<b>" not in html
    md = etable({"a|b": three["FE"]}).to_markdown()
    assert "a\\|b" in md


def test_system_terms_are_labelled_by_equation():
    index = pd.MultiIndex.from_tuples([("y1", "L1.y1"), ("y2", "L1.y1")])
    res = make({"a": 0.0, "b": 0.0}, [1.0, 1.0])
    res = res.replace(params=pd.Series([0.5, 0.2], index=index),
                      cov=pd.DataFrame(np.eye(2) * 0.01, index=index, columns=index))
    frame = etable(res).to_frame()
    assert [row for row, line in frame.index if line == "coef"] == ["y1: L1.y1", "y2: L1.y1"]


def test_r2_rows_take_r2_and_within_only():
    pooled = make({"x": 1.0}, [1.0], rsquared={"r2": 0.25})
    fe = make({"x": 1.0}, [1.0], rsquared={"overall": 0.4, "within": 0.3, "between": 0.5})
    frame = etable([pooled, fe]).to_frame()
    assert frame.loc[("R²", "")].tolist() == ["0.250", ""]
    assert frame.loc[("Within R²", "")].tolist() == ["", "0.300"]


def test_rows_without_values_are_left_out():
    frame = etable(make({"x": 1.0}, [1.0])).to_frame()
    labels = {row for row, _ in frame.index}
    assert {"R²", "Within R²", "Hansen p", "Instruments", "Entity FE"}.isdisjoint(labels)
    assert {"Observations", "Entities", "Std. errors", "Dep. var.", "Estimator"} <= labels


def test_bad_inputs():
    with pytest.raises(SpecificationError, match="at least one"):
        etable([])
    with pytest.raises(SpecificationError, match="not a Result"):
        etable([make({"x": 1.0}, [1.0]), "model"])
    with pytest.raises(SpecificationError, match="digits"):
        etable(make({"x": 1.0}, [1.0]), digits=-1)


def test_table_is_immutable(three):
    table = etable(three)
    assert isinstance(table, Table)
    with pytest.raises(AttributeError):
        table.columns = ("x",)


def test_fitted_models_fill_the_table():
    import stfi_models as sm
    from stfi_models.datasets import load_abdata

    ab = load_abdata()
    pooled = sm.fit("n ~ w + k", ab, entity="id", time="year")
    fe = sm.fit("n ~ w + k + C(id)", ab, entity="id", time="year", vcov="cluster")
    twfe = sm.fit("n ~ w + k + C(id) + C(year)", ab, entity="id", time="year")
    frame = etable([pooled, fe, twfe], digits=4).to_frame()
    for j, res in enumerate((pooled, fe, twfe)):
        assert frame.loc[("w", "coef")].iloc[j].rstrip("*") == f"{res.params['w']:.4f}"
        assert frame.loc[("k", "std_error")].iloc[j] == f"({res.std_errors['k']:.4f})"
    assert frame.loc[("Std. errors", "")].tolist() == [pooled.vcov_type, "cluster",
                                                       twfe.vcov_type]
    assert frame.loc[("Clustered by", "")].tolist() == ["", "entity", ""]
    assert frame.loc[("Clusters", "")].tolist() == ["", "140", ""]
    assert frame.loc[("Entity FE", "")].tolist() == ["", "✓", "✓"]
    assert frame.loc[("Time FE", "")].tolist() == ["", "", "✓"]
    assert frame.loc[("Estimator", "")].tolist() == ["Pooled OLS", "FE", "FE"]
    assert frame.loc[("Within R²", "")].iloc[1] == f"{fe.rsquared['within']:.4f}"
