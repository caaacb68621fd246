"""Regenerate ``reference.csv`` with pyfixest (``python pyfixest_reference.py``).

pyfixest 0.60.0 ``feols`` on ``panel.csv`` (its defaults: singletons removed,
``fixef_rm="singleton"``; its alternating projections run to ``fixef_tol=1e-14``: at the
default 1e-8 its demeaned regressors are 4e-8 off the exact ones and the SEs 2.5e-9 relative),
every case with entity-clustered (CRV1) and iid SEs.  The
small-sample factor is ``ssc(k_fixef="none")`` for the clustered SEs, i.e.
``(n-1)/(n-k) * G/(G-1)`` with ``k`` the slopes only, our ``vcov="cluster"`` default (R plm's),
and pyfixest's default ``ssc()`` for the iid SEs: ``SSR / (n - k - #fixed effects)`` with
the redundant effects not counted, our ``vcov="unadjusted"``.  The raw printout of every fit
is kept in ``pyfixest_output.txt``.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pandas as pd
import pyfixest as pf

from compute import CASES as OURS  # run from this folder

HERE = Path(__file__).resolve().parent
#: case -> pyfixest fixed-effects part: ours with fixest's ``a^b`` for our ``a:b``
CASES = {case: effects.replace(":", "^") for case, effects in OURS.items()}
SOURCE = "pyfixest 0.60.0 feols on validation/hdfe_pyfixest/panel.csv (pyfixest_reference.py)"


def main() -> None:
    """Fit every case, write reference.csv and pyfixest_output.txt."""
    data = pd.read_csv(HERE / "panel.csv")
    rows, printed = [], io.StringIO()
    for case, fe in CASES.items():
        for quantity, kwargs in (("se:cluster", {"vcov": {"CRV1": "firm"},
                                                 "ssc": pf.ssc(k_fixef="none")}),
                                 ("se:unadjusted", {"vcov": "iid"})):
            fit = pf.feols(f"y ~ x1 + x2 | {fe}", data, fixef_tol=1e-14, fixef_maxiter=1_000_000,
                           **kwargs)
            with contextlib.redirect_stdout(printed):
                print(f"== {case} / {quantity}: y ~ x1 + x2 | {fe}")
                fit.summary()
            if quantity == "se:cluster":
                rows += [(case, "coef", t, v, 1e-10, SOURCE) for t, v in fit.coef().items()]
                rows.append((case, "nobs", "n", float(fit._N), 0, SOURCE))
            rows += [(case, quantity, t, v, 1e-10, SOURCE) for t, v in fit.se().items()]
    pd.DataFrame(rows, columns=["case", "quantity", "term", "value", "tolerance", "source"]
                 ).to_csv(HERE / "reference.csv", index=False, float_format="%.17g")
    (HERE / "pyfixest_output.txt").write_text(printed.getvalue())


if __name__ == "__main__":
    main()
