"""The package works without the checkout: resources, ``python -m``, an empty validation run.

The wheel itself is built, checked against the checkout and run from another folder by
``.ci/run`` (after the tests), which is the real proof that an installed wheel works.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from stfi_models._resources import resource_dir
from stfi_models.replicate.spec import STUDIES
from stfi_models.validation import run_validation

ROOT = Path(__file__).resolve().parents[1]


def test_checkout_resources_are_the_repository_folders():
    assert resource_dir("formulas") == ROOT / "formulas"
    assert resource_dir("validation") == ROOT / "validation"
    for path in STUDIES.values():
        assert path.is_file() and path.parent == ROOT / "formulas"


def test_bundled_copy_wins_when_present(tmp_path, monkeypatch):
    import stfi_models._resources as resources

    (tmp_path / "_bundled" / "formulas").mkdir(parents=True)
    monkeypatch.setattr(resources, "_PACKAGE", tmp_path)
    assert resources.resource_dir("formulas") == tmp_path / "_bundled" / "formulas"


def test_validation_that_compares_nothing_fails(tmp_path):
    report = run_validation(root=tmp_path)
    assert not report.passed
    assert "Nothing was compared" in report.to_text()


def test_cli_validate_exits_nonzero_when_nothing_compared(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    import stfi_models.validation as validation
    from stfi_models.cli import app

    monkeypatch.setattr(validation, "VALIDATION_ROOT", tmp_path)
    result = CliRunner().invoke(app, ["validate"])
    assert result.exit_code != 0
    assert "Nothing was compared" in result.output


@pytest.mark.parametrize("args", [["--help"], ["datasets"]])
def test_python_dash_m(args):
    done = subprocess.run([sys.executable, "-m", "stfi_models", *args], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()


def test_release_files_exist():
    for name in ("LICENSE", "CHANGELOG.md", "CITATION.cff", "MANIFEST.in", "setup.py"):
        assert (ROOT / name).is_file(), name
    manifest = (ROOT / "MANIFEST.in").read_text()
    assert "graft formulas" in manifest and "graft validation" in manifest
