"""The documentation site's sources: one executed page per pipeline step, the Stata/R page,
the teaching pages, and a build command with warnings as errors.

The build itself (``bash docs/build.sh``, a few minutes: it executes every example) runs in
CI as its own step, not in the test suite.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
STEPS = ("index_building", "describe", "inequality", "spatial", "static", "gmm", "pvar",
         "mediation", "report")


def toctree(page: Path) -> list[str]:
    block = re.search(r"```\{toctree\}(.*?)```", page.read_text(), flags=re.S)
    assert block, f"{page} has no toctree"
    return [line.strip() for line in block.group(1).splitlines()
            if line.strip() and not line.strip().startswith(":")]


@pytest.mark.parametrize("step", STEPS)
def test_every_pipeline_step_has_an_executed_page(step):
    page = DOCS / "user_guide" / f"{step}.md"
    text = page.read_text()
    assert "file_format: mystnb" in text
    assert text.count("```{code-cell} ipython3") >= 1
    assert step in toctree(DOCS / "user_guide" / "index.md")


def test_site_tree_and_build_command():
    assert toctree(DOCS / "index.md") == ["user_guide/index", "stata_r", "teaching/index", "api"]
    assert toctree(DOCS / "teaching" / "index.md") == ["nickell", "instruments"]
    build = (DOCS / "build.sh").read_text()
    assert "sphinx-build -W --keep-going -b html docs docs/_build/html" in build
    conf = (DOCS / "conf.py").read_text()
    assert 'nb_execution_mode = "force"' in conf and "nb_execution_raise_on_error = True" in conf
    assert "stfi_models.__all__" in conf


def test_stata_and_r_page_maps_every_peer_and_checks_numbers():
    text = (DOCS / "stata_r.md").read_text()
    for peer in ("xtabond2", "pvar", "xtreg", "reghdfe", "esttab", "plm", "panelvar",
                 "fixest"):
        assert peer in text, peer
    assert "compare_topic" in text and "../validation/gmm/reference.csv" in text
