"""Build ``reference.csv`` from spatialreg_raw.csv (R spatialreg, spatialreg_convergence.R).

Run from the repository root after
``Rscript validation/spatial_convergence/spatialreg_convergence.R > validation/spatial_convergence/spatialreg_output.txt``:
``python validation/spatial_convergence/make_reference.py``.

Tolerances (README.md): 1e-6 relative, as the spatial_panel topic (R's ``optimize`` stops at
about 1e-8 in rho; ours solves the score equation); the log-likelihood, flat at the optimum,
1e-7 absolute; the delta-method SEs of the effects 1e-6 relative (R differentiates
numerically, with central differences of error ~1e-10).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
SOURCE = ("R 4.2.2 spatialreg 1.2.6 (lagsarlm / errorsarlm, method='eigen') on within-"
          "transformed data, validation/spatial_convergence/spatialreg_convergence.R "
          "(output spatialreg_output.txt)")


def main() -> None:
    raw = pd.read_csv(HERE / "spatialreg_raw.csv", keep_default_na=False)
    rows = []
    for case, quantity, term, value in raw.itertuples(index=False):
        value = float(value)
        tol = 1e-7 if quantity == "loglik" else max(1e-6 * abs(value), 1e-12)
        rows.append((case, quantity, term, value, tol, SOURCE))
    out = pd.DataFrame(rows, columns=["case", "quantity", "term", "value", "tolerance", "source"])
    out.to_csv(HERE / "reference.csv", index=False, float_format="%.15g")


if __name__ == "__main__":
    main()
