"""Build ``reference.csv`` from ``spatialreg_raw.csv`` (output of ``spatialreg_logdet.R``).

Run from the repository root: ``python validation/logdet/make_reference.py``.  The Monte Carlo
values (``spatialreg_mc.csv``) are draws of R's generator and are not reference rows; the tests
compare them in distribution (README.md).

Tolerances: log-determinants 1e-9 absolute (their size reaches ~1e3 for N = 2800, so this is
~1e-12 relative: both sides are closed forms); fits 1e-6 relative (1e-7 absolute on the
log-likelihood), as in validation/spatial_panel: R's ``optimize`` stops at about 1e-8 in rho.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
SOURCE = ("R 4.2.2 spatialreg 1.2.6 {what}; validation/logdet/spatialreg_logdet.R "
          "(output spatialreg_output.txt)")


def main() -> None:
    """Write reference.csv."""
    raw = pd.read_csv(HERE / "spatialreg_raw.csv", dtype={"term": str}, keep_default_na=False)
    fits = raw["case"].str.contains("/")
    rel = (1e-6 * raw["value"].abs()).clip(lower=1e-12)
    raw["tolerance"] = rel.where(fits, 1e-9).where(raw["quantity"] != "loglik", 1e-7)
    what = raw["quantity"].map({"exact": "do_ldet after eigen_setup (N = 31) / LU_setup",
                                "chebyshev5": "do_ldet after cheb_setup(q = 5)",
                                "chebyshev10": "do_ldet after cheb_setup(q = 10)"})
    what = what.fillna("lagsarlm / errorsarlm(method = 'Chebyshev', cheb_q = 5) on demeaned "
                       "stacked data")
    raw["source"] = [SOURCE.format(what=w) for w in what]
    raw.to_csv(HERE / "reference.csv", index=False)


if __name__ == "__main__":
    main()
