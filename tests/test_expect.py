"""Replication checks: pinned numbers, drift verdicts, JUnit XML, the scaffold, determinism."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from stfi_models.cli import app
from stfi_models.exceptions import SpecificationError
from stfi_models.replicate import load_replication, replicate
from stfi_models.replicate.expect import (
    Expected,
    collect_numbers,
    compare,
    expected_path,
    numbers_equal,
    to_junit,
    tolerances_from,
)
from stfi_models.replicate.init import PACKAGE_FILES, init_study
from stfi_models.replicate.runner import run_study_report

XSD = Path(__file__).parent / "replicate_data" / "junit.xsd"


@pytest.fixture(scope="module")
def package(tmp_path_factory) -> Path:
    """A scaffolded study with its expected results written once."""
    folder = tmp_path_factory.mktemp("pkg") / "my_study"
    init_study(folder)
    replicate([folder / "study.toml"], out=folder / "report", expected="update")
    return folder


def _check(folder: Path, study: Path | None = None, **kwargs):
    reports, _ = replicate([study or folder / "study.toml"], out=folder / "report",
                           expected="check", **kwargs)
    return reports[0].check


def _variant(package: Path, tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the package whose study file has ``old`` replaced by ``new``."""
    copy = tmp_path / "copy"
    for name in ("study.toml", "study.expected.json", "data/panel.csv"):
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_bytes((package / name).read_bytes())
    text = (copy / "study.toml").read_text(encoding="utf-8")
    assert old in text
    (copy / "study.toml").write_text(text.replace(old, new), encoding="utf-8")
    return copy


def test_scaffold_has_every_file(package):
    for name in PACKAGE_FILES:
        assert (package / name).is_file(), name
    dictionary = pd.read_csv(package / "data" / "dictionary.csv")
    assert set(pd.read_csv(package / "data" / "panel.csv").columns) == set(dictionary["variable"])
    workflow = (package / ".github" / "workflows" / "replicate.yml").read_text()
    assert "stfi replicate study.toml --check --junit junit.xml" in workflow


def test_init_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "thesis.tex").write_text("mine")
    with pytest.raises(SpecificationError, match="not empty"):
        init_study(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["thesis.tex"]


def test_expected_file_records_versions_seeds_and_fingerprint(package):
    payload = json.loads(expected_path(package / "study.toml").read_text())
    assert payload["written_by"] == "stfi replicate --update-expected"
    assert {"numpy", "stfi-models", "python"} <= set(payload["versions"])
    assert payload["seeds"] == {"moran": 20261202}
    assert len(payload["data_fingerprint"]) == 64
    kinds = {v["kind"] for v in payload["numbers"].values()}
    assert {"coefficient", "std_error", "statistic", "pvalue"} <= kinds
    keys = payload["numbers"]
    assert "regressions-fe/regressions_fe/(1)/ln_rd/estimate" in keys
    assert any(k.startswith("dagum/dagum_summary/") for k in keys)
    assert any(k.startswith("moran/moran/") for k in keys)


def test_study_checked_against_its_own_expected_file_passes(package):
    drift = _check(package)
    assert drift.passed and not drift.fingerprint_changed
    assert len(drift.rows) == len(Expected.read(expected_path(package / "study.toml")).numbers)


def test_one_changed_data_cell_is_caught(package, tmp_path):
    copy = _variant(package, tmp_path, 'title = "', 'title = "')
    data = pd.read_csv(copy / "data" / "panel.csv")
    row = data.index[(data["province_en"] == "Beijing") & (data["year"] == 2015)][0]
    data.loc[row, "rd_exp_total"] *= 1.01
    data.to_csv(copy / "data" / "panel.csv", index=False)
    drift = _check(copy)
    assert not drift.passed and drift.fingerprint_changed
    moved = {r.key for r in drift.failures}
    assert "regressions-fe/regressions_fe/(1)/ln_rd/estimate" in moved
    assert all(r.status == "moved" for r in drift.failures)
    assert any("data fingerprint: CHANGED" in line for line in drift.lines())


def test_changed_option_moves_exactly_what_it_should(package, tmp_path):
    copy = _variant(package, tmp_path, 'options = { vcov = "cluster" }',
                    'options = { vcov = "robust" }')
    drift = _check(copy)
    moved = {r.key for r in drift.failures}
    assert moved and not drift.fingerprint_changed
    assert all("regressions-fe" in key for key in moved)
    assert "regressions-fe/regressions_fe/(1)/ln_rd/std_error" in moved
    assert "regressions-fe/regressions_fe/(1)/ln_rd/estimate" not in moved  # same estimate
    line = next(s for s in drift.lines() if "(1)/ln_rd/std_error" in s)
    assert line.strip().startswith("moved") and "tolerance" in line


def test_new_and_missing_numbers_fail(package, tmp_path):
    copy = _variant(package, tmp_path, '  "ln_patents ~ ln_rd + ln_gdp + C(province_en) + C(year)",\n',
                    "")
    drift = _check(copy)
    statuses = {r.status for r in drift.failures}
    assert statuses == {"missing"}
    assert any("(2)/ln_gdp/estimate" in r.key for r in drift.failures)


def test_tolerance_decides(package):
    expected = Expected.read(expected_path(package / "study.toml"))
    key = "regressions-fe/regressions_fe/(1)/ln_rd/estimate"
    value, kind = expected.numbers[key]
    shifted = dict(expected.numbers)
    shifted[key] = (value * (1 + 1e-7), kind)
    loose = compare(expected, shifted, expected.data_fingerprint, tolerances_from(None, "x"))
    assert loose.passed  # 1e-7 relative is within the default rtol of 1e-6
    tight = compare(expected, shifted, expected.data_fingerprint,
                    tolerances_from({"rtol": {"coefficient": 1e-9}}, "x"))
    assert [r.key for r in tight.failures] == [key]


def test_tolerances_in_the_study_file_are_checked(package, tmp_path):
    copy = _variant(package, tmp_path, "rtol = { coefficient = 1e-6 }",
                    "rtol = { coeficient = 1e-6 }")
    with pytest.raises(SpecificationError, match="Did you mean 'coefficient'"):
        load_replication(copy / "study.toml")
    copy2 = _variant(package, tmp_path / "b", "rtol = { coefficient = 1e-6 }",
                     "rtol = { coefficient = 5 }")
    with pytest.raises(SpecificationError, match="from 0 to 1"):
        load_replication(copy2 / "study.toml")


def test_junit_validates_against_the_schema(package, tmp_path):
    xmlschema = pytest.importorskip("xmlschema")
    schema = xmlschema.XMLSchema(str(XSD))
    good = _check(package)
    copy = _variant(package, tmp_path, 'options = { vcov = "cluster" }',
                    'options = { vcov = "robust" }')
    bad = _check(copy)
    xml = to_junit([good, bad])
    path = tmp_path / "junit.xml"
    path.write_text(xml, encoding="utf-8")
    schema.validate(str(path))
    tree = schema.to_dict(str(path))
    assert int(tree["@tests"]) == len(good.rows) + len(bad.rows)
    assert int(tree["@failures"]) == len(bad.failures) > 0


def test_cli_check_exit_codes_and_junit(package, tmp_path):
    runner = CliRunner()
    ok = runner.invoke(app, ["replicate", str(package / "study.toml"), "--check", "--out",
                             str(tmp_path / "r"), "--junit", str(tmp_path / "j.xml")])
    assert ok.exit_code == 0, ok.output
    assert "holds" in ok.stdout and (tmp_path / "j.xml").is_file()
    copy = _variant(package, tmp_path / "c", 'options = { vcov = "cluster" }',
                    'options = { vcov = "robust" }')
    bad = runner.invoke(app, ["replicate", str(copy / "study.toml"), "--check", "--out",
                              str(tmp_path / "r2")])
    assert bad.exit_code == 1
    assert "FAILS" in bad.stdout and "moved" in bad.stdout
    page = (tmp_path / "r2" / "index.html").read_text(encoding="utf-8")
    assert "Replication check" in page and "FAILS" in page and "std_error" in page


def test_cli_refuses_conflicting_flags(package, tmp_path):
    runner = CliRunner()
    both = runner.invoke(app, ["replicate", str(package / "study.toml"), "--check",
                               "--update-expected"])
    assert both.exit_code != 0 and "not both" in both.output
    junit = runner.invoke(app, ["replicate", str(package / "study.toml"), "--junit", "j.xml"])
    assert junit.exit_code != 0 and "--junit needs --check" in junit.output


def test_check_without_expected_file_says_how_to_write_it(tmp_path):
    folder = tmp_path / "s"
    init_study(folder)
    with pytest.raises(SpecificationError, match="--update-expected"):
        replicate([folder / "study.toml"], out=folder / "r", expected="check")


def test_update_never_overwrites_a_foreign_file(tmp_path):
    folder = tmp_path / "s"
    init_study(folder)
    (folder / "study.expected.json").write_text("my notes", encoding="utf-8")
    with pytest.raises(SpecificationError, match="left untouched"):
        replicate([folder / "study.toml"], out=folder / "r", expected="update")
    assert (folder / "study.expected.json").read_text(encoding="utf-8") == "my notes"


def test_numbers_identical_across_runs_and_n_jobs(package):
    spec = load_replication(package / "study.toml")
    one = collect_numbers(run_study_report(spec, n_jobs=1))
    again = collect_numbers(run_study_report(spec, n_jobs=1))
    two = collect_numbers(run_study_report(spec, n_jobs=2))
    assert numbers_equal(one, again) and numbers_equal(one, two)
    assert any("/p_sim" in key for key in one)  # the permutation p-values are among them


def test_bundled_studies_ship_their_expected_results():
    from stfi_models.replicate import STUDIES

    for path in STUDIES.values():
        expected = Expected.read(expected_path(path))
        assert len(expected.numbers) > 100
        assert np.isfinite([v for v, _ in expected.numbers.values()]).all()
