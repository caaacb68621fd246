"""Stata ``xtreg, re`` reference numbers, read from the Stata 13 log stored in linearmodels.

linearmodels (BSD licence) ships Stata's output for its simulated panel in
``linearmodels/tests/panel/results/stata-panel-simulated-results.txt`` (written by
``execute-stata-simulated-data.py`` in the same folder: ``xtreg y x1-x5, re
vce(conventional)`` on the full panel and on two versions with missing values, ``_light`` and
``_heavy``, i.e. unbalanced panels).  Run from the repository root:
    python validation/stata_re/make_reference.py
It writes reference.csv: coefficients, conventional SEs (square roots of e(V)), sigma_u and
sigma_e.  Stata printed 12 significant digits, so the tolerance is 1e-9 absolute.
"""

from __future__ import annotations

from pathlib import Path

import linearmodels
import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
LOG = (Path(linearmodels.__file__).parent / "tests" / "panel" / "results"
       / "stata-panel-simulated-results.txt")
SOURCE = ("Stata 13 xtreg, re vce(conventional), log stored in linearmodels "
          "tests/panel/results/stata-panel-simulated-results.txt")


def _block(lines: list[str], ending: str) -> list[str]:
    head = f"#################!random_effect-conventional--{ending}!####################"
    start = lines.index(head) + 1
    stop = next(i for i in range(start, len(lines)) if lines[i].startswith("#####"))
    return lines[start:stop]


def main() -> None:
    """Parse the three blocks and write reference.csv."""
    lines = LOG.read_text().splitlines()
    rows = []
    for ending, case in (("", "full"), ("_light", "light"), ("_heavy", "heavy")):
        block = _block(lines, ending)
        names = ["x1", "x2", "x3", "x4", "x5", "_cons"]
        for name in names:
            label = name if name == "_cons" else name + ending
            i = next(j for j, line in enumerate(block) if line.split("\t")[0] == label)
            term = "Intercept" if name == "_cons" else label
            rows.append((case, "coef", term, float(block[i].split("\t")[1])))
        for stat in ("sigma_u", "sigma_e"):
            line = next(x for x in block if x.split("\t")[0] == stat)
            rows.append((case, stat, "", float(line.split("\t")[1])))
        at = block.index("********* Variance *************")
        header = block[at + 2].split("\t")[1:]
        for k, row in enumerate(block[at + 3:at + 3 + len(header)]):
            cells = row.split("\t")
            term = "Intercept" if cells[0] == "_cons" else cells[0]
            rows.append((case, "se", term, float(np.sqrt(float(cells[1 + k])))))
    ref = pd.DataFrame(rows, columns=["case", "quantity", "term", "value"])
    ref["tolerance"] = 1e-9
    ref["source"] = SOURCE
    ref.to_csv(HERE / "reference.csv", index=False, float_format="%.15g")
    print(f"wrote {len(ref)} rows")


if __name__ == "__main__":
    main()
