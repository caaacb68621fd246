"""Stata ``xtreg, re`` / ``xtreg, fe`` reference numbers, from the Stata 13 log in linearmodels.

linearmodels (BSD licence) ships Stata's output for its simulated panel in
``linearmodels/tests/panel/results/stata-panel-simulated-results.txt`` (written by
``execute-stata-simulated-data.py`` in the same folder: ``xtreg y x1-x5, re
vce(conventional)``, ``xtreg y x1-x5, fe vce(conventional)`` and ``xtreg y x1-x5, fe
vce(cluster)`` on the full panel and on two versions with missing values, ``_light`` and
``_heavy``, i.e. unbalanced panels).  Run from the repository root:
    python validation/stata_xtreg/make_reference.py
It writes reference.csv: coefficients, SEs (square roots of e(V)), and for RE sigma_u and
sigma_e.  Stata printed 12 significant digits, so the tolerance is 1e-9 absolute.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import linearmodels
import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
LOG = (Path(linearmodels.__file__).parent / "tests" / "panel" / "results"
       / "stata-panel-simulated-results.txt")
SOURCE = ("Stata 13 xtreg, log stored in linearmodels "
          "tests/panel/results/stata-panel-simulated-results.txt")
#: Stata run (block name in the log) -> our case prefix.
RUNS = {"random_effect-conventional-": "re", "fixed_effect-conventional-": "fe",
        "fixed_effect-cluster-": "fe_cluster"}


def _block(lines: list[str], run: str, ending: str) -> list[str]:
    head = f"#################!{run}-{ending}!####################"
    start = lines.index(head) + 1
    stop = next(i for i in range(start, len(lines)) if lines[i].startswith("#####"))
    return lines[start:stop]


def main() -> None:
    """Parse the three blocks and write reference.csv."""
    lines = LOG.read_text().splitlines()
    rows = []
    for (ending, data), (run, prefix) in itertools.product(
            (("", "full"), ("_light", "light"), ("_heavy", "heavy")), RUNS.items()):
        block = _block(lines, run, ending)
        case = f"{prefix}/{data}"
        fe = prefix != "re"  # xtreg, fe reports a _cons (the mean effect); plm and we do not
        names = ["x1", "x2", "x3", "x4", "x5"] + ([] if fe else ["_cons"])
        for name in names:
            label = name if name == "_cons" else name + ending
            i = next(j for j, line in enumerate(block) if line.split("\t")[0] == label)
            term = "Intercept" if name == "_cons" else label
            rows.append((case, "coef", term, float(block[i].split("\t")[1])))
        for stat in () if fe else ("sigma_u", "sigma_e"):
            line = next(x for x in block if x.split("\t")[0] == stat)
            rows.append((case, stat, "", float(line.split("\t")[1])))
        at = block.index("********* Variance *************")
        header = block[at + 2].split("\t")[1:]
        for k, row in enumerate(block[at + 3:at + 3 + len(header)]):
            cells = row.split("\t")
            term = "Intercept" if cells[0] == "_cons" else cells[0]
            if fe and term == "Intercept":
                continue
            rows.append((case, "se", term, float(np.sqrt(float(cells[1 + k])))))
    ref = pd.DataFrame(rows, columns=["case", "quantity", "term", "value"])
    ref["tolerance"] = 1e-9
    ref["source"] = SOURCE
    ref.to_csv(HERE / "reference.csv", index=False, float_format="%.15g")
    print(f"wrote {len(ref)} rows")


if __name__ == "__main__":
    main()
