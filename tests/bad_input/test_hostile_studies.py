"""Hostile study files: each is refused (or its text neutralised), nothing is written outside
the output folder and nothing runs.

Replication packages travel between strangers and CI runs them unattended, so every case
below is a study file someone could send: writing or reading outside its folder, running
code, injecting script or spreadsheet formulas into the outputs, or asking for unbounded work.
Each case runs through the command line (as CI would) in a fresh folder that also holds an
``outside/`` folder standing for the rest of the machine.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stfi_models.cli import app
from stfi_models.exceptions import SpecificationError
from stfi_models.index.study import load_study
from stfi_models.replicate import load_replication

runner = CliRunner()

REPLICATION = '''
[study]
title = "Hostile test"
[data]
dataset = "china"
entity = "province_en"
time = "year"
years = [2012, 2020]
[regressions.fe]
title = "FE"
model = "fe"
formulas = ["patent_app_invention ~ rd_exp_total + C(province_en) + C(year)"]
'''

INDEX = '''
[study]
title = "Hostile index"
[data]
dataset = "china"
years = [2012, 2020]
[index]
formula = "STFI ~ invest(budget_exp_scitech + rd_exp_total) + output(patent_grant_total)"
missing = "interpolate"
'''


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every file and link below ``root`` with its size and modification time."""
    out = {}
    for base, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(base) / name
            info = path.lstat()
            out[str(path.relative_to(root))] = (info.st_size, info.st_mtime_ns)
    return out


@pytest.fixture
def place(tmp_path: Path) -> Path:
    """A study folder ``study/`` and an ``outside/`` folder with a file a study must not touch."""
    (tmp_path / "study").mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text("province_en,year,x\nA,2012,1\n", encoding="utf-8")
    (outside / "other_index.toml").write_text(INDEX, encoding="utf-8")
    (outside / "bashrc").write_text("# precious\n", encoding="utf-8")
    return tmp_path


def _run(place: Path, kind: str, text: str, *extra: str):
    study = place / "study" / "study.toml"
    study.write_text(text, encoding="utf-8")
    before = _tree(place)
    if kind == "replicate":
        args = ["replicate", str(study), "--out", str(place / "study" / "out"), *extra]
    else:
        args = ["index", str(study), *extra]
    cwd = os.getcwd()
    os.chdir(place / "study")
    try:
        result = runner.invoke(app, args)
    finally:
        os.chdir(cwd)
    return result, before


def _assert_refused(place: Path, result, before, *needles: str) -> None:
    assert result.exit_code not in (0, None), result.output
    assert "Traceback" not in (result.stderr or "")
    text = (result.stderr or "") + (result.stdout or "")
    for needle in needles:
        assert needle in text, text
    after = _tree(place)
    assert after == before, sorted(set(after) ^ set(before))  # nothing written anywhere
    assert not (place / "pwned").exists() and not (place / "study" / "pwned").exists()


def _symlink(link: Path, target: Path) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)


# ---------------------------------------------------------------------------- write outside
WRITE_OUTSIDE = {
    "absolute scores path": ('[output]\nscores = "{outside}/stolen.csv"\n', "outside"),
    "dotdot scores path": ('[output]\nscores = "../outside/stolen.csv"\n', "outside"),
    "nested dotdot scores": ('[output]\nscores = "a/../../outside/x.csv"\n', "outside"),
    "scores onto bashrc": ('[output]\nscores = "{outside}/bashrc"\n', "scores"),
    "scores not csv": ('[output]\nscores = "evil.sh"\n', ".csv"),
    "scores empty name": ('[output]\nscores = ""\n', "scores"),
    "scores not text": ('[output]\nscores = 5\n', "scores"),
}


@pytest.mark.parametrize("case", list(WRITE_OUTSIDE))
def test_index_study_cannot_write_outside(place, case):
    snippet, needle = WRITE_OUTSIDE[case]
    result, before = _run(place, "index", INDEX + snippet.format(outside=place / "outside"))
    _assert_refused(place, result, before, needle)


def test_scores_through_a_symlinked_folder_do_not_land_outside(place):
    _symlink(place / "study" / "link", place / "outside")
    result, before = _run(place, "index", INDEX + '[output]\nscores = "link/x.csv"\n')
    assert not (place / "outside" / "x.csv").exists()
    _assert_refused(place, result, before, "scores")


def test_index_never_overwrites_a_file_it_did_not_write(place):
    mine = place / "study" / "STFI_scores.csv"
    mine.write_text("my thesis data\n", encoding="utf-8")
    result, before = _run(place, "index", INDEX)
    _assert_refused(place, result, before, "was not written by stfi")
    assert mine.read_text(encoding="utf-8") == "my thesis data\n"


def test_index_may_replace_its_own_untouched_output(place):
    first, _ = _run(place, "index", INDEX)
    assert first.exit_code == 0, first.output
    again, _ = _run(place, "index", INDEX)
    assert again.exit_code == 0, again.output


def test_replicate_refuses_an_output_folder_that_is_not_a_report(place):
    out = place / "study" / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    result, before = _run(place, "replicate", REPLICATION)
    _assert_refused(place, result, before, "does not hold a previous report")


# ---------------------------------------------------------------------------- read outside
READ_OUTSIDE = {
    "index data absolute": ("index", INDEX.replace('dataset = "china"',
                            'path = "{outside}/secret.csv"\nentity = "province_en"\n'
                            'time = "year"'), "outside the study's folder"),
    "index data dotdot": ("index", INDEX.replace('dataset = "china"',
                          'path = "../outside/secret.csv"\nentity = "province_en"\n'
                          'time = "year"'), "outside the study's folder"),
    "index data system file": ("index", INDEX.replace('dataset = "china"',
                               'path = "/etc/passwd"\nentity = "a"\ntime = "b"'),
                               "outside the study's folder"),
    "indices absolute": ("replicate", REPLICATION + '[indices]\nSTFI = "{outside}/other_index.toml"\n',
                         "outside the study's folder"),
    "indices dotdot": ("replicate", REPLICATION + '[indices]\nSTFI = "../outside/other_index.toml"\n',
                       "outside the study's folder"),
    "indices system file": ("replicate", REPLICATION + '[indices]\nSTFI = "/etc/passwd"\n',
                            "outside the study's folder"),
    "dataset as a path": ("replicate", REPLICATION.replace('dataset = "china"',
                          'dataset = "/etc/passwd"'), "dataset"),
    "index dataset as a path": ("index", INDEX.replace('dataset = "china"',
                                'dataset = "../outside/secret.csv"'), "unknown dataset"),
}


@pytest.mark.parametrize("case", list(READ_OUTSIDE))
def test_study_cannot_read_outside(place, case):
    kind, text, needle = READ_OUTSIDE[case]
    result, before = _run(place, kind, text.format(outside=place / "outside"))
    _assert_refused(place, result, before, needle)
    assert "precious" not in result.output and "A,2012" not in result.output


def test_data_through_a_symlink_leading_out_is_refused(place):
    _symlink(place / "study" / "data.csv", place / "outside" / "secret.csv")
    text = INDEX.replace('dataset = "china"', 'path = "data.csv"\nentity = "province_en"\n'
                         'time = "year"')
    result, before = _run(place, "index", text)
    _assert_refused(place, result, before, "symbolic link")


def test_indices_through_a_symlink_leading_out_are_refused(place):
    _symlink(place / "study" / "idx.toml", place / "outside" / "other_index.toml")
    result, before = _run(place, "replicate", REPLICATION + '[indices]\nSTFI = "idx.toml"\n')
    _assert_refused(place, result, before, "symbolic link")


# ---------------------------------------------------------------------------- code execution
CODE = {
    "derive import": '[derive]\nz = "__import__(\'os\').system(\'touch pwned\')"\n',
    "derive eval": '[derive]\nz = "eval(\'1\')"\n',
    "derive open": '[derive]\nz = "open(\'pwned\', \'w\')"\n',
    "derive dunder": '[derive]\nz = "rd_exp_total.__class__"\n',
    "derive lambda": '[derive]\nz = "(lambda: 1)()"\n',
    "derive getattr": '[derive]\nz = "getattr(rd_exp_total, \'x\')"\n',
}


@pytest.mark.parametrize("case", list(CODE))
def test_derive_runs_no_code(place, case):
    result, before = _run(place, "replicate", REPLICATION + CODE[case])
    _assert_refused(place, result, before, "derive")


FORMULA_CODE = {
    "formula import": "__import__('os').system('touch pwned') ~ rd_exp_total",
    "formula exec": "patent_app_invention ~ exec('import os')",
    "formula attribute": "patent_app_invention ~ rd_exp_total.__class__",
    "formula subscript": "patent_app_invention ~ rd_exp_total[0]",
}


@pytest.mark.parametrize("case", list(FORMULA_CODE))
def test_regression_formula_runs_no_code(place, case):
    text = REPLICATION.replace('"patent_app_invention ~ rd_exp_total + C(province_en) + C(year)"',
                               f"'''{FORMULA_CODE[case]}'''")
    result, before = _run(place, "replicate", text)
    _assert_refused(place, result, before, "study.toml, [regressions.fe] formulas[0]")


def test_index_formula_runs_no_code(place):
    text = INDEX.replace('output(patent_grant_total)', "output(__import__('os'))")
    result, before = _run(place, "index", text)
    _assert_refused(place, result, before, "[index] formula")


# ---------------------------------------------------------------------------- injection
INJECTED_KEYS = {
    "regression key script": ('[regressions."<script>alert(1)</script>"]\nformulas = ["a ~ b"]\n',
                              "not a plain name"),
    "regression key path": ('[regressions."../../outside/x"]\nformulas = ["a ~ b"]\n',
                            "not a plain name"),
    "indices key script": ('[indices]\n"<img src=x onerror=alert(1)>" = "a.toml"\n',
                           "not a plain name"),
    "derive key script": ('[derive]\n"<b>x</b>" = "rd_exp_total"\n', "not a plain name"),
    "entity csv formula": (None, "spreadsheet formula"),
    "group csv formula": (None, "spreadsheet formula"),
}


@pytest.mark.parametrize("case", list(INJECTED_KEYS))
def test_injected_names_are_refused(place, case):
    snippet, needle = INJECTED_KEYS[case]
    if case == "entity csv formula":
        text = REPLICATION.replace('entity = "province_en"', 'entity = "=cmd|\' /C calc\'!A0"')
    elif case == "group csv formula":
        text = REPLICATION.replace('time = "year"', 'time = "year"\ngroup = "@SUM(1+1)"')
    else:
        text = REPLICATION + snippet
    result, before = _run(place, "replicate", text)
    _assert_refused(place, result, before, needle)


SCRIPT = "<script>alert('x')</script>"
ESCAPED_FIELDS = {
    "title": ('title = "Hostile test"', f'title = "{SCRIPT}"'),
    "description": ('title = "Hostile test"', f'title = "t"\ndescription = "{SCRIPT}"'),
    "regression title": ('title = "FE"', f'title = "{SCRIPT}"'),
    "regression headline": ('title = "FE"', f'title = "FE"\nheadline = "{SCRIPT}"'),
}


@pytest.mark.parametrize("case", list(ESCAPED_FIELDS))
def test_script_in_text_fields_is_escaped_in_the_report(place, case):
    old, new = ESCAPED_FIELDS[case]
    result, _ = _run(place, "replicate", REPLICATION.replace(old, new))
    page = (place / "study" / "out" / "index.html")
    if result.exit_code == 0:
        html = page.read_text(encoding="utf-8")
        assert "<script>" not in html
        assert "&lt;script&gt;" in html
    else:  # refused is fine too, as long as nothing was written
        assert not page.exists()
    assert set(_tree(place / "outside")) == {"secret.csv", "other_index.toml", "bashrc"}


def test_study_file_name_cannot_inject_into_ids(place):
    study = place / "study" / "a'><script>x.toml"
    study.write_text(REPLICATION, encoding="utf-8")
    spec = load_replication(study)
    assert spec.name.replace("_", "").isalnum()


# ---------------------------------------------------------------------------- oversized work
OVERSIZED = {
    "moran permutations": ('[moran]\nvalue = "rd_exp_total"\npermutations = 1000000000\n',
                           "permutations"),
    "pvar draws": ('[pvar]\nformula = "a + b ~ L(1)"\ndraws = 100000000\n', "draws"),
    "pvar periods": ('[pvar]\nformula = "a + b ~ L(1)"\nperiods = 1000000\n', "periods"),
    "mediation bootstrap": ('[mediation]\ntreatment = "a"\nmediator = "b"\noutcome = "c"\n'
                            'bootstrap = 50000000\n', "bootstrap"),
    "negative seed": ('[moran]\nvalue = "rd_exp_total"\nseed = -4\n', "seed"),
    "text seed": ('[moran]\nvalue = "rd_exp_total"\nseed = "abc"\n', "seed"),
    "float permutations": ('[moran]\nvalue = "rd_exp_total"\npermutations = 1e9\n',
                           "permutations"),
    "draws in options": ('[regressions.x]\nformulas = ["a ~ b"]\noptions = { draws = 10000000 }\n',
                         "draws"),
    "long text": ('[derive]\nz = "' + "x" * 20_000 + '"\n', "characters"),
    "long list": ('[trends]\nvariables = [' + ",".join(['"a"'] * 5000) + ']\n', "items"),
    "many formulas": ('[regressions.x]\nformulas = [' + ",".join(['"a ~ b"'] * 50) + ']\n',
                      "formulas"),
}


@pytest.mark.parametrize("case", list(OVERSIZED))
def test_oversized_work_is_refused_before_anything_runs(place, case):
    snippet, needle = OVERSIZED[case]
    result, before = _run(place, "replicate", REPLICATION + snippet)
    _assert_refused(place, result, before, needle)


def test_huge_study_file_is_refused(place):
    result, before = _run(place, "replicate", REPLICATION + "#" * 1_200_000 + "\n")
    _assert_refused(place, result, before, "limited to")


def test_deeply_nested_tables_are_refused(place):
    nested = "[regressions.x]\nformulas = [\"a ~ b\"]\noptions = { a = { b = { c = { d = 1 } } } }\n"
    result, before = _run(place, "replicate", REPLICATION + nested)
    _assert_refused(place, result, before, "deeper")


# ---------------------------------------------------------------------------- malformed
MALFORMED = {
    "not toml": ("replicate", "this is not = = toml", "not valid TOML"),
    "unknown table": ("replicate", REPLICATION + "[shell]\ncmd = \"rm -rf /\"\n", "unknown table"),
    "years as text": ("replicate", REPLICATION.replace("years = [2012, 2020]",
                      'years = "2012-2020"'), "years"),
    "alpha out of range": ("replicate", REPLICATION + '[productivity]\nname = "t"\noutput = "a"\n'
                           'capital = "b"\nlabour = "c"\nalpha = 7\n', "alpha"),
    "index years as text": ("index", INDEX.replace("years = [2012, 2020]", 'years = "all"'),
                            "years"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_study_files_are_refused(place, case):
    kind, text, needle = MALFORMED[case]
    result, before = _run(place, kind, text)
    _assert_refused(place, result, before, needle)


def test_binary_study_file_is_refused(place):
    study = place / "study" / "study.toml"
    study.write_bytes(b"\xff\xfe\x00binary\x00")
    with pytest.raises(SpecificationError, match="UTF-8"):
        load_study(study)


def test_errors_name_the_file_and_never_echo_another_file(place):
    (place / "outside" / "loot.toml").write_text("[TOP_SECRET_TABLE]\nk = 1\n",
                                                  encoding="utf-8")
    text = REPLICATION + '[indices]\nSTFI = "../outside/loot.toml"\n'
    result, _ = _run(place, "replicate", text)
    assert "study.toml" in result.output
    assert "TOP_SECRET_TABLE" not in result.output
