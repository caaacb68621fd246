"""Build ``reference.csv`` from spatialreg_raw.csv and the published splm output (section 3.1).

Run from the repository root after ``Rscript validation/spatial_panel/spatialreg_fe.R``:
``python validation/spatial_panel/make_reference.py``.

Tolerances: spatialreg rows 1e-6 relative (README.md: both sides solve to ~1e-8 or better;
the log-likelihood, flat at the optimum, to 1e-7 absolute); spreg rows the same (its
Brent search stops at xatol = 1e-7, yet it agrees to 1e-7 relative on Produc); splm rows half a unit of
the last printed digit.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
SPLM = ("splm 1.4-11 spml(model='within', effect='individual'), published run by T. Shimamura "
        "(2020), shared/reference/spatial_panel.md section 3.1")
SPREG = ("PySAL spreg 1.9.0 ML_LagFE / ML_ErrorFE (vm=True, spat_impacts='full'), "
         "validation/spatial_panel/spreg_fe.py (output spreg_raw.csv)")
SPATIALREG = ("R 4.2.2 spatialreg 1.2.6 on demeaned stacked data, "
              "validation/spatial_panel/spatialreg_fe.R (output spatialreg_output.txt)")

#: (case suffix, parameter name, printed table as term -> (estimate, se), residual quantiles)
PUBLISHED = {
    "sar": ("rho", {"rho": ("0.274689", "0.023516"),
                    "np.log(pcap)": ("-0.0465819", "0.0254425"),
                    "np.log(pc)": ("0.1874325", "0.0230441"),
                    "np.log(emp)": ("0.6250902", "0.0297044"),
                    "unemp": ("-0.0044816", "0.0008653")},
            ("-0.1509930", "-0.0191196", "-0.0024997", "0.0159299", "0.1766827")),
    "sem": ("lambda", {"lambda": ("0.557401", "0.033075"),
                       "np.log(pcap)": ("0.0051438", "0.0250109"),
                       "np.log(pc)": ("0.2053026", "0.0231427"),
                       "np.log(emp)": ("0.7822540", "0.0278057"),
                       "unemp": ("-0.0022317", "0.0010709")},
            ("-0.1246945", "-0.0237699", "-0.0034993", "0.0170886", "0.1882224")),
}


def _half_unit(text: str) -> float:
    decimals = len(text.split(".")[1])
    return 0.5 * 10.0 ** -decimals


def main() -> None:
    rows = []
    for model, (_, table, quantiles) in PUBLISHED.items():
        case = f"produc/splm_{model}_individual"
        for term, (est, se) in table.items():
            rows.append((case, "coef", term, float(est), _half_unit(est), SPLM))
            rows.append((case, "se", term, float(se), _half_unit(se), SPLM))
        for name, text in zip(("min", "q1", "median", "q3", "max"), quantiles, strict=True):
            rows.append((case, "resid_quantile", name, float(text), _half_unit(text), SPLM))
    for name, source in (("spatialreg_raw.csv", SPATIALREG), ("spreg_raw.csv", SPREG)):
        raw = pd.read_csv(HERE / name, keep_default_na=False)
        for case, quantity, term, value in raw.itertuples(index=False):
            value = float(value)
            tol = 1e-7 if quantity == "loglik" else max(1e-6 * abs(value), 1e-12)
            rows.append((case, quantity, term, value, tol, source))
    out = pd.DataFrame(rows, columns=["case", "quantity", "term", "value", "tolerance", "source"])
    out.to_csv(HERE / "reference.csv", index=False, float_format="%.15g")


if __name__ == "__main__":
    main()
