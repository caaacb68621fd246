"""Bad input to the ``stfi`` command: one ``error:`` message, exit status 2, no traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stfi_models.cli import app

ROOT = Path(__file__).resolve().parents[2]
STUDY = str(ROOT / "formulas" / "stfi_index.toml")
runner = CliRunner()


def _cases(tmp: Path) -> list[tuple[str, list[str], list[str]]]:
    text = tmp / "data.txt"
    text.write_text("not a table\x00\x01", encoding="latin-1")
    binary_csv = tmp / "bad.csv"
    binary_csv.write_bytes(b"\xff\xfe\x00\x00garbage\n\x00")
    return [
        ("fit -o repeats --entity", ["fit", "n ~ w", "-d", "abdata", "-o", "entity=id"],
         ["'entity' is an option of the command itself", "--entity id"]),
        ("fit -o given twice", ["fit", "n ~ w", "-d", "abdata", "-o", "steps=1", "-o", "steps=2"],
         ["-o steps=... is given twice"]),
        ("fit -o without =", ["fit", "n ~ w", "-d", "abdata", "-o", "steps"],
         ["KEY=VALUE", "'steps'"]),
        ("fit unknown option", ["fit", "n ~ w", "-d", "abdata", "-o", "vcvo=robust"],
         ["'vcvo'", "Did you mean 'vcov'"]),
        ("fit unknown flag", ["fit", "n ~ w", "-d", "abdata", "--bogus"],
         ["No such option: --bogus", "stfi fit --help"]),
        ("fit missing formula", ["fit"], ["Missing argument 'formula'"]),
        ("fit missing data", ["fit", "n ~ w"], ["Missing option '--data'"]),
        ("fit unknown dataset", ["fit", "n ~ w", "-d", "abdat"], ["'abdat'", "'abdata'"]),
        ("fit missing file", ["fit", "n ~ w", "-d", str(tmp / "none.csv")], ["File not found"]),
        ("fit unsupported file", ["fit", "n ~ w", "-d", str(text)], ["unsupported file type"]),
        ("fit unreadable csv", ["fit", "n ~ w", "-d", str(binary_csv), "--entity", "id",
                                "--time", "year"], ["bad.csv"]),
        ("fit bad output", ["fit", "n ~ w", "-d", "abdata", "--output", "pdf"],
         ["--output='pdf'", "'text'"]),
        ("fit bad model", ["fit", "n ~ w", "-d", "abdata", "--model", "fee"],
         ["model='fee'", "'fe'"]),
        ("fit formula column", ["fit", "n ~ wgae", "-d", "abdata"], ["'wgae'"]),
        ("fit lag range", ["fit", "n ~ L(w, 1:10000)", "-d", "abdata"],
         ["L\\(w, 1:10000\\)", "longest entity spans 8"]),
        ("fit unsafe formula", ["fit", "n ~ __import__('os')", "-d", "abdata"],
         ["Refused formula"]),
        ("index output is a folder", ["index", STUDY, "--out", str(tmp)],
         [f"--out '{tmp}' is a folder"]),
        ("index missing study", ["index", str(tmp / "none.toml")], ["none.toml"]),
        ("index method typo", ["index", STUDY, "--method", "critc", "--out",
                               str(tmp / "s.csv")], ["Did you mean 'critic'"]),
        ("index missing argument", ["index"], ["Missing argument 'study'"]),
        ("datasets unknown", ["datasets", "grunfel"], ["'grunfel'", "'grunfeld'"]),
        ("validate unknown topic", ["validate", "gmn"], ["Unknown validation topic 'gmn'"]),
        ("unknown command", ["fitt"], ["No such command 'fitt'"]),
    ]


CASE_IDS = [c[0] for c in _cases(Path("/tmp"))]


@pytest.mark.parametrize("position", range(len(CASE_IDS)), ids=CASE_IDS)
def test_cli_bad_input(position, tmp_path):
    name, args, words = _cases(tmp_path)[position]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, (name, result.output)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.startswith("error: "), result.stderr
    for word in words:
        assert re.search(word, result.stderr), (word, result.stderr)
