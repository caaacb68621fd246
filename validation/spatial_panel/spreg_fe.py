"""Second independent reference: PySAL spreg 1.9 ``ML_LagFE`` / ``ML_ErrorFE`` (entity effects).

spreg takes the panel stacked time-major, demeans by unit itself and
searches rho/lambda by bounded Brent with ``xatol = 1e-7`` (spatial_panel.md section 2), so
its numbers are good to about 1e-6 relative (found: 1e-7 at worst); reference.csv gives them
the 1e-6 relative tolerance of the other peer rows.  spreg's SAR impacts (``spat_impacts="full"``) are exact LeSage-Pace effects; its
SDM split is not (section 2), so only its SAR effects are kept.

Run from the repository root: ``python validation/spatial_panel/spreg_fe.py`` (writes
``spreg_raw.csv``); spreg and libpysal are not dependencies of the library.
"""

from __future__ import annotations

from pathlib import Path

import libpysal
import numpy as np
import pandas as pd
import spreg

from stfi_models.datasets.produc import load_produc, produc_weights

HERE = Path(__file__).resolve().parent
REGRESSORS = {"np.log(pcap)": "pcap", "np.log(pc)": "pc", "np.log(emp)": "emp", "unemp": "unemp"}


def main() -> None:
    data = load_produc()
    wide = {name: data.pivot(index="state", columns="year", values=col)
            for name, col in {**REGRESSORS, "gsp": "gsp"}.items()}
    weights = produc_weights()
    order = list(weights.ids)
    # stacked time-major: all states of 1970, then 1971, ...
    y = np.log(wide["gsp"].loc[order].to_numpy()).T.reshape(-1, 1)
    x = np.column_stack([(np.log(wide[n]) if n.startswith("np.log") else wide[n]).loc[order]
                         .to_numpy().T.ravel() for n in REGRESSORS])
    w = libpysal.weights.full2W(weights.matrix.toarray())
    w.transform = "r"
    rows = []
    lag = spreg.ML_LagFE(y, x, w, spat_impacts="full", vm=True)
    err = spreg.ML_ErrorFE(y, x, w, vm=True)
    for model, res, par in (("sar", lag, "rho"), ("sem", err, "lambda")):
        case = f"produc/spreg_{model}_individual"
        coef = np.asarray(res.betas).ravel()
        se = np.sqrt(np.diag(res.vm))
        names = [*REGRESSORS, par]
        rows += [(case, "coef", n, v) for n, v in zip(names, coef, strict=True)]
        rows += [(case, "se", n, v) for n, v in zip(names, se, strict=True)]
        rows += [(case, "sigma2", "", float(np.ravel(res.sig2)[0])), (case, "loglik", "",
                                                             float(np.ravel(res.logll)[0]))]
    # spreg's "full" SAR multipliers (direct, indirect, total per unit of beta) times its betas
    case = "produc/spreg_sar_individual"
    betas = np.asarray(lag.betas).ravel()
    for kind, mult in zip(("direct", "indirect", "total"), lag.sp_multipliers["full"],
                          strict=True):
        rows += [(case, kind, n, float(b * mult)) for n, b in zip(REGRESSORS, betas,
                                                                 strict=False)]
    pd.DataFrame(rows, columns=["case", "quantity", "term", "value"]).to_csv(
        HERE / "spreg_raw.csv", index=False, float_format="%.15g")


if __name__ == "__main__":
    main()
