"""Hansen's bootstrap tests on his data with 5000 draws (seed 20261202, 2 workers).

Not a reference row (random); README.md compares it with thresh.out and the paper's Table 2.
Run from the repository root:  python validation/threshold/bootstrap_pvalues.py
It writes bootstrap_pvalues.csv.
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path

import stfi_models as sm

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("cases", HERE / "cases.py")
cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cases)


def main() -> None:
    """Fit with 5000 draws per test; write the test table."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sm.MissingValueWarning)
        res = sm.fit(cases.HANSEN_FORMULA, sm.load_hansen1999(), entity="id", time="year",
                     model="threshold", bootstrap=5000, seed=20261202, n_jobs=2,
                     progress=False, **cases.HANSEN_OPTIONS)
    table = res.threshold_tests[["fstat", "pvalue", "mc_se", "crit10", "crit5", "crit1",
                                 "draws"]]
    table.to_csv(HERE / "bootstrap_pvalues.csv", float_format="%.6g")
    print(table.to_string())


if __name__ == "__main__":
    main()
