"""`stfi validate` and the runner the tests share: wired topics pass, misses are caught, known
mismatches are reported with their reason (neither a pass nor a failure) and cannot go stale."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import compared, load_reference
from typer.testing import CliRunner

from stfi_models.cli import app
from stfi_models.exceptions import SpecificationError
from stfi_models.validation import (
    VALIDATION_ROOT,
    compare_topic,
    compute_module,
    known_mismatches,
    load_compute,
    run_validation,
    topics,
)

runner = CliRunner()
WIRED = [t for t in topics() if load_compute(t) is not None]


def test_the_landed_topics_are_wired():
    landed = {"entropy", "static_plm", "static_grunfeld", "convergence", "gini", "moran",
              "mediation", "pvar", "unitroot", "gmm", "spatial_panel", "moran_adjust_n",
              "spatial_convergence"}
    assert landed <= set(WIRED)


@pytest.mark.parametrize("topic", WIRED)
def test_every_reference_row_of_a_wired_topic_is_compared_and_matches(topic):
    """One compared row per reference row, in file order, all within tolerance except the
    rows of known_mismatches.csv, which must miss (the topic's test module asserts the same
    rows one by one, with their sources; see conftest.py)."""
    table = compared(topic)
    ref = load_reference(topic)
    assert len(table) == len(ref)
    assert list(table["case"]) == list(ref["case"])
    assert list(table["quantity"]) == list(ref["quantity"])
    assert table["tolerance"].notna().all() and (table["tolerance"] >= 0).all()
    assert (table["passed"] == (table["status"] == "ok")).all()
    assert ((table["reason"] != "") == table["status"].isin(["known miss"])).all()
    bad = table[~table["status"].isin(["ok", "known miss"])]  # also rows no test parametrizes
    assert bad.empty, bad[["case", "quantity", "term", "reference", "ours"]].to_string()


def test_run_validation_counts_and_lists_unwired_topics(tmp_path):
    for topic in ("static_grunfeld", "convergence", "entropy"):
        _copy_topic(tmp_path, topic)
    (tmp_path / "entropy" / "compute.py").unlink()
    report = run_validation(root=tmp_path)
    assert report.passed
    expected = len(load_reference("static_grunfeld")) + len(load_reference("convergence"))
    assert len(report.table) == expected
    assert report.not_wired == ("entropy",)
    text = report.to_text()
    assert f"{expected} reference numbers, 0 miss(es)" in text
    assert "Not wired yet (reference.csv without compute.py): entropy." in text
    for column in ("method", "quantity", "reference", "ours", "difference", "tolerance",
                   "source"):
        assert column in text.splitlines()[0]


def _copy_topic(tmp_path: Path, topic: str) -> Path:
    shutil.copytree(VALIDATION_ROOT / topic, tmp_path / topic)
    return tmp_path


def test_a_reference_number_off_by_more_than_its_tolerance_is_a_miss(tmp_path):
    root = _copy_topic(tmp_path, "static_grunfeld")
    path = root / "static_grunfeld" / "reference.csv"
    ref = pd.read_csv(path, dtype={"term": str})
    ref.loc[0, "value"] += 3 * ref.loc[0, "tolerance"]
    ref.to_csv(path, index=False)
    report = run_validation(root=root)
    assert not report.passed
    assert int((~report.table["passed"]).sum()) == 1
    assert "MISS" in report.to_text(misses_only=True)
    assert "1 miss(es)" in report.to_text()


def test_a_reference_row_without_a_computed_value_is_a_miss(tmp_path):
    root = _copy_topic(tmp_path, "static_grunfeld")
    path = root / "static_grunfeld" / "reference.csv"
    ref = pd.read_csv(path, dtype={"term": str})
    extra = ref.iloc[[0]].assign(term="no_such_term")
    pd.concat([ref, extra]).to_csv(path, index=False)
    table = compare_topic("static_grunfeld", root)
    row = table[table["term"] == "no_such_term"].iloc[0]
    assert np.isnan(row["ours"]) and not row["passed"]


def test_unknown_and_unwired_topics(tmp_path):
    with pytest.raises(SpecificationError, match="Did you mean 'entropy'"):
        compare_topic("entrpy")
    root = _copy_topic(tmp_path, "static_grunfeld")
    (root / "static_grunfeld" / "compute.py").unlink()
    with pytest.raises(SpecificationError, match="not wired"):
        compare_topic("static_grunfeld", root)
    assert run_validation(root=root).not_wired == ("static_grunfeld",)
    assert compute_module("static_grunfeld", root) is None


def test_compute_module_exposes_cases_and_a_compute_py_needs_compute(tmp_path):
    module = compute_module("moran")
    assert callable(module.compute) and "stl_row" in module.CASES
    y, w = module.load_case("stl_row")
    assert len(y) == w.n
    root = _copy_topic(tmp_path, "static_grunfeld")
    (root / "static_grunfeld" / "compute.py").write_text("VALUE = 1\n")
    assert compute_module("static_grunfeld", root).VALUE == 1
    with pytest.raises(SpecificationError, match="defines no compute"):
        load_compute("static_grunfeld", root)


def test_cli_validate_prints_the_table_and_exits_zero():
    result = runner.invoke(app, ["validate", "static_grunfeld"])
    assert result.exit_code == 0, result.output
    assert "static_grunfeld/pooled" in result.stdout
    assert "24 reference numbers, 0 miss(es)" in result.stdout


def test_cli_validate_unknown_topic_is_a_one_line_error():
    result = runner.invoke(app, ["validate", "gmn"])
    assert result.exit_code == 2  # a user error (cli_errors)
    assert result.stderr.startswith("error: Unknown validation topic 'gmn'")
    assert len(result.stderr.strip().splitlines()) == 1


def _list_known_miss(root: Path, reason: str = "their convention differs (README)") -> None:
    """List the first static_grunfeld row in known_mismatches.csv."""
    ref = pd.read_csv(root / "static_grunfeld" / "reference.csv", dtype={"term": str})
    pd.DataFrame({"case": [ref.loc[0, "case"]], "quantity": [ref.loc[0, "quantity"]],
                  "term": [ref.loc[0, "term"]], "reason": [reason]}).to_csv(
        root / "static_grunfeld" / "known_mismatches.csv", index=False)


def _shift_first_reference(root: Path) -> None:
    path = root / "static_grunfeld" / "reference.csv"
    ref = pd.read_csv(path, dtype={"term": str})
    ref.loc[0, "value"] += 3 * ref.loc[0, "tolerance"]
    ref.to_csv(path, index=False)


def test_a_known_mismatch_is_printed_with_its_reason_and_not_counted_as_a_pass(tmp_path):
    root = _copy_topic(tmp_path, "static_grunfeld")
    _shift_first_reference(root)
    _list_known_miss(root)
    report = run_validation(root=root)
    assert report.passed  # a documented miss does not fail `stfi validate` ...
    row = report.table.iloc[0]
    assert not row["passed"] and row["status"] == "known miss"  # ... and is no pass
    text = report.to_text()
    assert "24 reference numbers, 0 miss(es), 1 known miss(es)" in text
    assert "static_grunfeld 23/24" in text
    assert "known miss" in text and "their convention differs (README)" in text
    assert "known miss" in report.to_text(misses_only=True)


def test_a_known_mismatch_that_now_matches_fails_the_run(tmp_path):
    """Like xfail(strict=True): a listed row within tolerance means the list is stale."""
    root = _copy_topic(tmp_path, "static_grunfeld")
    _list_known_miss(root)
    report = run_validation(root=root)
    assert not report.passed
    assert report.table.iloc[0]["status"] == "unexpected pass"
    assert "remove them from known_mismatches.csv" in report.to_text()


def test_known_mismatches_must_name_a_reference_row_and_give_a_reason(tmp_path):
    root = _copy_topic(tmp_path, "static_grunfeld")
    assert known_mismatches("static_grunfeld", root).empty
    _list_known_miss(root, reason="  ")
    with pytest.raises(SpecificationError, match="needs a reason"):
        compare_topic("static_grunfeld", root)
    path = root / "static_grunfeld" / "known_mismatches.csv"
    path.write_text("case,quantity,term,reason\npooled,coef,no_such_term,why\n")
    with pytest.raises(SpecificationError, match="not in reference.csv"):
        compare_topic("static_grunfeld", root)
    path.write_text("case,quantity,reason\npooled,coef,why\n")
    with pytest.raises(SpecificationError, match="lacks columns \\['term'\\]"):
        compare_topic("static_grunfeld", root)


def test_readme_states_the_number_of_reference_quantities():
    """The README's count of reference numbers is the count ``stfi validate`` checks."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    stated = re.search(r"checks \*\*([\d,]+) reference numbers\*\* in (\d+) topics", readme)
    assert stated, "README no longer states the reference count"
    total = sum(len(pd.read_csv(VALIDATION_ROOT / t / "reference.csv")) for t in topics())
    assert (int(stated.group(1).replace(",", "")), int(stated.group(2))) == (total, len(topics()))
