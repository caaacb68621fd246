"""Study files, the `stfi index` command, and the indices on the bundled real data."""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from stfi_models.exceptions import FormulaError, SpecificationError, UnsafeFormulaError
from stfi_models.index.cli import index_command
from stfi_models.index.study import load_study, run_study, study_data

ROOT = Path(__file__).resolve().parents[2]
FORMULAS = ROOT / "formulas"


def write(tmp_path: Path, text: str, name: str = "study.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def csv_study(tmp_path):
    rng = np.random.default_rng(7)
    keys = pd.MultiIndex.from_product([list("ABCDE"), range(2000, 2006)], names=["id", "yr"])
    frame = keys.to_frame(index=False).assign(
        x=rng.uniform(1, 5, 30), y=rng.uniform(1, 5, 30), pop=rng.uniform(10, 20, 30)
    )
    frame.to_csv(tmp_path / "panel.csv", index=False)
    return write(tmp_path, """
[data]
path = "panel.csv"
entity = "id"
time = "yr"
years = [2001, 2005]
exclude = ["E"]
[derive]
x_pc = "x / pop"
lx = "log(x_pc)"
[index]
formula = "I ~ a(x_pc + lx) + b(-y)"
method = "critic"
""")


def test_csv_study_with_derived_columns(csv_study):
    study = load_study(csv_study)
    data = study_data(study)
    assert set(data["id"]) == set("ABCD") and data["yr"].min() == 2001
    np.testing.assert_allclose(data["lx"], np.log(data["x"] / data["pop"]))
    result = run_study(study)
    assert result.options["method"] == "critic" and list(result.scores.columns) == ["I", "a", "b"]
    assert run_study(study, method="equal").options["method"] == "equal"


@pytest.mark.parametrize(
    "text,message",
    [
        ("[data]\ndataset='china'\n[indx]\nformula='I ~ a'", "unknown table \\[indx\\]"),
        ("[data]\ndataset='china'\n[index]\nformula='I ~ a'\nmethd='critic'",
         "Did you mean 'method'"),
        ("[data]\ndataset='china'\n[index]\nmethod='critic'", "needs a formula"),
        ("[data]\ndataset='china'\npath='x.csv'\n[index]\nformula='I ~ a'", "exactly one of"),
        ("[data]\ndataset='chna'\n[index]\nformula='I ~ a'", "Did you mean 'china'"),
        ("[data]\ndataset='china'\nyears=[2020, 2010]\n[index]\nformula='I ~ a'", "years must be"),
        ("[data]\npath='x.csv'\n[index]\nformula='I ~ a'", "needs entity"),
        ("[data\n", "not valid TOML"),
    ],
)
def test_study_file_errors(tmp_path, text, message):
    with pytest.raises(SpecificationError, match=message):
        load_study(write(tmp_path, text))


def test_missing_study_file(tmp_path):
    with pytest.raises(SpecificationError, match="does not exist"):
        load_study(tmp_path / "nope.toml")


def test_derive_cannot_run_code(tmp_path, csv_study, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = csv_study.read_text().replace(
        'x_pc = "x / pop"', "x_pc = \"__import__('os').system('touch pwned')\""
    )
    with pytest.raises(UnsafeFormulaError, match=r"bad.toml, \[derive\] x_pc"):
        load_study(write(tmp_path, text, "bad.toml"))  # refused before any data is read
    assert not (tmp_path / "pwned").exists()


def test_derive_unknown_column_and_bad_exclude(tmp_path, csv_study):
    text = csv_study.read_text().replace('x_pc = "x / pop"', 'x_pc = "x / popp"')
    with pytest.raises(FormulaError, match="popp"):
        study_data(load_study(write(tmp_path, text, "a.toml")))
    text = csv_study.read_text().replace('exclude = ["E"]', 'exclude = ["Z"]')
    with pytest.raises(SpecificationError, match="exclude"):
        study_data(load_study(write(tmp_path, text, "b.toml")))


# ---------------------------------------------------------------- the bundled studies
@pytest.fixture(scope="module")
def stfi():
    with pytest.warns(UserWarning, match="Interpolated 37"):
        return run_study(FORMULAS / "stfi_index.toml")


def test_stfi_study_on_real_data(stfi):
    assert stfi.spec.hierarchical and [g.name for g in stfi.spec.groups] == [
        "invest", "market", "efficiency", "social"
    ]
    assert len(stfi.scores) == 31 * 12
    # Tibet's technology market 2012-2016 (5), high-tech revenue 2017 (31), Beijing's
    # enterprise R&D funds 2012 (1): see shared/reference/data.md section 2
    assert stfi.filled.groupby("indicator").size().to_dict() == {
        "ent_rd_share": 1, "hitech_gdp": 31, "techmkt_gdp": 5
    }
    # sanity check from the issue (not a tuning target): the three leaders in the top five
    top5 = stfi.scores.xs(2020, level="year")["STFI"].nlargest(5).index
    assert {"Beijing", "Shanghai", "Guangdong"} <= set(top5)


@pytest.mark.parametrize("name", ["nqp_index.toml", "tech_finance_split.toml"])
def test_other_studies_run(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_study(FORMULAS / name)
    assert np.isfinite(result.scores.to_numpy()).all()
    sub = result.weights.query("level == 'subindex'")
    sums = sub.groupby("year")["weight"].sum() if "year" in sub else sub["weight"].sum()
    np.testing.assert_allclose(sums, 1.0, atol=1e-12)


def test_tech_finance_split_has_public_and_market_subindices():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run_study(FORMULAS / "tech_finance_split.toml")
    assert list(result.scores.columns) == ["TF", "public", "market"]


# ---------------------------------------------------------------- the command
@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    app.command("index")(index_command)
    app.command("noop")(lambda: None)  # a second command keeps "index" a sub-command
    return app


@pytest.mark.filterwarnings("ignore::stfi_models.exceptions.MissingValueWarning")
def test_index_command_prints_weights_and_writes_scores(app, tmp_path):
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(
        app, ["index", str(FORMULAS / "stfi_index.toml"), "--method", "critic", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Weights of STFI (critic)" in result.output and "global_weight" in result.output
    scores = pd.read_csv(out)
    assert list(scores.columns) == ["province_en", "year", "STFI", "invest", "market",
                                    "efficiency", "social"]
    assert len(scores) == 372


def test_index_command_reports_errors(app, tmp_path):
    result = CliRunner().invoke(app, ["index", str(FORMULAS / "stfi_index.toml"),
                                      "--method", "critc", "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 2 and "Did you mean 'critic'" in result.output


# ---------------------------------------------------------------- NQP reproduction
def _reproduction():
    path = ROOT / "validation" / "entropy" / "nqp_reproduction.py"
    spec = importlib.util.spec_from_file_location("nqp_reproduction", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_nqp_published_scores_reproduced():
    """127ww/nqp-spatial-development's combined CRITIC + entropy composites (403 rows).

    Our min-max divides by (max - min); the study divides by (max - min + 1e-9).  That
    changes a normalised value by at most 1e-9 / (max - min) relative; the smallest range is
    about 0.0099 (HQD's pollution-investment share), so differences up to ~1e-7 are expected
    and 1e-7 is the tolerance.  With the study's denominator the gap is machine precision.
    """
    module = _reproduction()
    _, summary = module.reproduce()
    summary = summary.set_index("index")
    assert (summary["n"] == 403).all()
    assert (summary["max_abs_diff"] < 1e-7).all(), summary
    assert (summary["1-pearson"] < 1e-12).all()
    gaps = module.study_denominator_check()
    assert max(gaps.values()) < 1e-12, gaps
