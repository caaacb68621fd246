"""The `stfi` command: datasets listing, fit on bundled data and files, and bad input."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from stfi_models.cli import app, parse_options
from stfi_models.datasets import DATASETS, load_abdata
from stfi_models.exceptions import MissingValueWarning, StfiError

runner = CliRunner()

README_FIT = ["fit", "n ~ w + k + C(id)", "--data", "abdata", "--entity", "id", "--time", "year",
              "--vcov", "cluster"]


def run(*args: str):
    return runner.invoke(app, list(args))


def within_slopes(frame: pd.DataFrame) -> np.ndarray:
    """FE slopes of n on (w, k) by demeaning within firm: an independent computation."""
    demeaned = frame[["n", "w", "k"]] - frame.groupby("id")[["n", "w", "k"]].transform("mean")
    x, y = demeaned[["w", "k"]].to_numpy(), demeaned["n"].to_numpy()
    return np.linalg.lstsq(x, y, rcond=None)[0]


def printed_coefficients(text: str) -> dict[str, float]:
    """Read 'term coef se ...' rows of a text summary."""
    rows = {}
    for line in text.splitlines():
        match = re.match(r"^(\w+)\s+(-?[\d.]+(?:e-?\d+)?)\s+[\d.]", line)
        if match:
            rows[match.group(1)] = float(match.group(2))
    return rows


def assert_user_error(result, *needles: str, lines: int | None = 1) -> None:
    assert result.exit_code == 2  # every user error: one message, exit status 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr
    if lines is not None:
        assert len(result.stderr.strip().splitlines()) == lines, result.stderr
    for needle in needles:
        assert needle in result.stderr


# ---------------------------------------------------------------------- datasets


def test_datasets_lists_every_bundled_dataset():
    result = run("datasets")
    assert result.exit_code == 0
    for name in DATASETS:
        assert re.search(rf"^\s*{name}\s+\d+\s+\d+", result.stdout, re.M), name
    assert re.search(r"^\s*abdata\s+1031\s+11\s+id\s+year", result.stdout, re.M)


def test_datasets_name_prints_the_citation():
    result = run("datasets", "abdata")
    assert result.exit_code == 0
    assert "Arellano" in result.stdout and "dazhwu/pydynpd" in result.stdout


def test_datasets_unknown_name():
    assert_user_error(run("datasets", "grunfield"), "Did you mean 'grunfeld'")


# ---------------------------------------------------------------------- fit


def test_readme_command_prints_the_fe_summary():
    result = run(*README_FIT)
    assert result.exit_code == 0, result.stderr
    coefs = printed_coefficients(result.stdout)
    expected = within_slopes(load_abdata())
    # the summary prints 6 significant digits
    assert coefs["w"] == pytest.approx(expected[0], rel=1e-5)
    assert coefs["k"] == pytest.approx(expected[1], rel=1e-5)
    assert "cluster" in result.stdout


def test_bundled_dataset_supplies_its_panel_keys():
    explicit = run(*README_FIT)
    implicit = run("fit", "n ~ w + k + C(id)", "--data", "abdata", "--vcov", "cluster")
    assert implicit.exit_code == 0, implicit.stderr
    assert implicit.stdout == explicit.stdout


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".dta"])
def test_files_of_each_type_give_the_bundled_result(tmp_path, suffix):
    frame = load_abdata()
    path = tmp_path / f"abdata{suffix}"
    {".csv": lambda p: frame.to_csv(p, index=False),
     ".xlsx": lambda p: frame.to_excel(p, index=False),
     ".dta": lambda p: frame.to_stata(p, write_index=False)}[suffix](path)
    result = run("fit", "n ~ w + k + C(id)", "--data", str(path), "--entity", "id",
                 "--time", "year")
    assert result.exit_code == 0, result.stderr
    coefs = printed_coefficients(result.stdout)
    expected = within_slopes(frame)
    assert coefs["w"] == pytest.approx(expected[0], rel=1e-5)
    assert coefs["k"] == pytest.approx(expected[1], rel=1e-5)


@pytest.mark.parametrize(("fmt", "marker"), [("latex", "\\begin{tabular"), ("html", "<table")])
def test_output_formats(fmt, marker):
    result = run(*README_FIT, "--output", fmt)
    assert result.exit_code == 0, result.stderr
    assert marker in result.stdout


def test_dropped_rows_are_reported_as_one_warning_line(tmp_path):
    frame = load_abdata()
    frame.loc[[3, 10, 20], "w"] = np.nan
    path = tmp_path / "gappy.csv"
    frame.to_csv(path, index=False)
    result = run("fit", "n ~ w + k", "--data", str(path), "--entity", "id", "--time", "year")
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert warnings and "3" in warnings[0]
    assert "Traceback" not in result.stderr


# ---------------------------------------------------------------------- bad input


def test_unknown_dataset_name():
    assert_user_error(run("fit", "n ~ w", "--data", "abdta"),
                      "neither a bundled dataset nor an existing file", "Did you mean 'abdata'")


def test_missing_file(tmp_path):
    assert_user_error(run("fit", "n ~ w", "--data", str(tmp_path / "nope.csv")),
                      "File not found")


def test_unsupported_file_type(tmp_path):
    path = tmp_path / "data.json"
    path.write_text("{}")
    assert_user_error(run("fit", "n ~ w", "--data", str(path)), "unsupported file type")


def test_unreadable_excel_file(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_text("not a spreadsheet")
    assert_user_error(run("fit", "n ~ w", "--data", str(path), "--entity", "id",
                          "--time", "year"), "Cannot read", "broken.xlsx")


def test_file_without_panel_keys(tmp_path):
    path = tmp_path / "plain.csv"
    load_abdata().to_csv(path, index=False)
    assert_user_error(run("fit", "n ~ w", "--data", str(path)), "entity=")


def test_entity_that_is_not_a_column():
    assert_user_error(run("fit", "n ~ w", "--data", "abdata", "--entity", "firm"),
                      "'firm' is not a column")


@pytest.mark.parametrize(
    ("formula", "needle"),
    [
        ("n ~ w + k +", "Cannot parse formula"),
        ("n ~ w + __import__('os')", "__import__"),
        ("n ~ w + nope", "nope"),
    ],
)
def test_bad_formulas(formula, needle):
    # formula errors carry a second line with the formula and a caret under the bad token
    assert_user_error(run("fit", formula, "--data", "abdata"), needle, lines=None)


def test_unknown_vcov_and_model():
    assert_user_error(run("fit", "n ~ w", "--data", "abdata", "--vcov", "clustr"),
                      "Did you mean 'cluster'")
    assert_user_error(run("fit", "n ~ w", "--data", "abdata", "--model", "fee"),
                      "Did you mean 'fe'")


def test_unknown_model_option():
    assert_user_error(run("fit", "n ~ w", "--data", "abdata", "-o", "stepz=2"), "stepz")


def test_malformed_option_and_output():
    assert_user_error(run("fit", "n ~ w", "--data", "abdata", "-o", "steps"), "KEY=VALUE")
    assert_user_error(run("fit", "n ~ w", "--data", "abdata", "--output", "pdf"), "--output")


def test_parse_options_reads_literals():
    assert parse_options(["steps=2", "cluster=province", "collapse=True", "lags=(1, 2)",
                          "name='a=b'"]) == {
        "steps": 2, "cluster": "province", "collapse": True, "lags": (1, 2), "name": "a=b"}
    with pytest.raises(StfiError, match="KEY=VALUE"):
        parse_options(["=3"])


def test_readme_opens_with_the_two_commands_and_the_first_one_works(tmp_path, monkeypatch):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme.split("```")[1].strip().splitlines()
    assert len(block) == 2
    install, command = (part.strip() for part in block[0].split("&&"))
    assert install == "pip install -e ."
    assert block[1] == 'pip install -e ".[test]" && pytest -q -n 2'
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert block[1] in ci.splitlines()
    args = shlex.split(command)
    assert args == ["stfi", "replicate"]
    monkeypatch.chdir(tmp_path)
    result = run(*args[1:])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "report" / "index.html").is_file()
    assert "Report written to report/index.html" in result.stdout


def test_readme_tour_runs():
    """The Python tour in the README runs as written."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    code = readme.split("```python")[1].split("```")[0]
    with pytest.warns(MissingValueWarning, match="Interpolated 5 missing indicator cell"):
        exec(compile(code, "README.md", "exec"), {})
