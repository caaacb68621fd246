"""Assemble reference.csv from Hansen's thresh.out (as printed) and brute_force_output.csv.

Hansen rows: the numbers printed in ``thresh.out`` of his GAUSS program THRESH_P.PRG
(``atecon/Threshold_Panel : Hansen_JoE1999/GAUSS/thresh.out`` @ 467703f5, transcribed in
shared/reference/threshold.md section B), written here as printed.  Each tolerance is half a
unit of the last printed digit: agreement "to all printed digits".

China rows: ``brute_force.py`` (statsmodels OLS at every grid point), tolerance 1e-8.

Run from the repository root:  python validation/threshold/make_reference.py
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
THRESH_OUT = ("Hansen (1999) GAUSS THRESH_P.PRG output thresh.out (atecon/Threshold_Panel @ "
              "467703f5; shared/reference/threshold.md sec. B)")
BRUTE = "validation/threshold/brute_force.py (statsmodels OLS per grid point), brute_force_output.csv"

#: (case, quantity, term, value as printed)
PRINTED = [
    ("hansen", "ssr0", "", "16.591220"),
    ("hansen/single", "threshold", "gamma1", "0.015700000"),
    ("hansen/single", "ci95_lower", "gamma1", "0.013920000"),
    ("hansen/single", "ci95_upper", "gamma1", "0.018060000"),
    ("hansen/single", "ssr", "", "16.517795"),
    ("hansen/single", "fstat", "", "32.649894"),
    ("hansen/double", "threshold", "gamma1", "0.015700000"),
    ("hansen/double", "ci95_lower", "gamma1", "0.013920000"),
    ("hansen/double", "ci95_upper", "gamma1", "0.018060000"),
    ("hansen/double", "threshold", "gamma2", "0.53616000"),
    ("hansen/double", "ci95_lower", "gamma2", "0.53049000"),
    ("hansen/double", "ci95_upper", "gamma2", "0.56287000"),
    ("hansen/double", "ssr", "", "16.459979"),
    ("hansen/double", "fstat", "", "25.799434"),
    ("hansen/triple", "threshold", "gamma1", "0.0157"),
    ("hansen/triple", "threshold", "gamma2", "0.33134000"),
    ("hansen/triple", "ci95_lower", "gamma2", "0.039020000"),
    ("hansen/triple", "ci95_upper", "gamma2", "1.0059300"),
    ("hansen/triple", "threshold", "gamma3", "0.53616"),
    ("hansen/triple", "ssr", "", "16.450614"),
    ("hansen/triple", "fstat", "", "4.1814091"),
]
#: coefficient / homoskedastic SE / White SE, per model, in thresh.out's row order
COEFS = {
    "single": [
        ("0.010477561", "0.00094180433", "0.0019209862"),
        ("-0.00019973418", "2.6384549e-5", "6.5267054e-5"),
        ("1.0546255e-6", "1.9897620e-7", "4.5695562e-7"),
        ("-0.025445695", "0.0047622210", "0.0067847950"),
        ("0.0014242179", "0.0014748465", "0.0019797733"),
        ("0.058868434", "0.0056143147", "0.013802960"),
        ("0.090423494", "0.0054944182", "0.011593318"),
    ],
    "double": [
        ("0.010285143", "0.00094105141", "0.0018833187"),
        ("-0.00019753392", "2.6344140e-5", "6.3768397e-5"),
        ("1.0466549e-6", "1.9864905e-7", "4.4786653e-7"),
        ("-0.016489208", "0.0050965786", "0.0089750760"),
        ("0.0014806529", "0.0014724173", "0.0020687843"),
        ("0.063153741", "0.0056733464", "0.013500229"),
        ("0.097725900", "0.0056858777", "0.010292374"),
        ("0.039209296", "0.011847125", "0.031114460"),
    ],
    "triple": [
        ("0.010415077", "0.00094317785", "0.0019042279"),
        ("-0.00019993697", "2.6367013e-5", "6.4581881e-5"),
        ("1.0597885e-6", "1.9871982e-7", "4.5293815e-7"),
        ("-0.019438026", "0.0053122527", "0.010023220"),
        ("0.0015235240", "0.0014722690", "0.0020546923"),
        ("0.061957491", "0.0057047824", "0.013721451"),
        ("0.095087507", "0.0058413602", "0.010421695"),
        ("0.11114170", "0.0088886616", "0.013622053"),
        ("0.044084479", "0.012102114", "0.032685571"),
    ],
}
TERMS = ["q1", "q1^2", "q1^3", "d1", "q1*d1"]


def half_unit(printed: str) -> float:
    """Half a unit of the last printed digit of ``printed``."""
    return float(Decimal(1).scaleb(Decimal(printed).as_tuple().exponent) / 2)


def main() -> None:
    """Write reference.csv."""
    rows = [(c, q, t, float(v), half_unit(v), THRESH_OUT) for c, q, t, v in PRINTED]
    for model, values in COEFS.items():
        terms = TERMS + [f"cf_r{j}" for j in range(1, len(values) - len(TERMS) + 1)]
        for term, (coef, se, white) in zip(terms, values, strict=True):
            for quantity, v in (("coef", coef), ("se", se), ("se_white", white)):
                rows.append((f"hansen/{model}", quantity, term, float(v), half_unit(v),
                             THRESH_OUT))
    brute = pd.read_csv(HERE / "brute_force_output.csv", keep_default_na=False)
    rows += [(r.case, r.quantity, r.term, float(r.value), 1e-8, BRUTE)
             for r in brute.itertuples()]
    pd.DataFrame(rows, columns=["case", "quantity", "term", "value", "tolerance", "source"]
                 ).to_csv(HERE / "reference.csv", index=False, float_format="%.17g")


if __name__ == "__main__":
    main()
