"""Build validation/pvar/reference.csv from R panelvar's numbers.

Input: ``panelvar_raw_values.csv`` (copy of ``shared/reference/pvar_reference_values.csv``):
R panelvar 0.5.6 (CRAN mirror ``cran/panelvar`` @ 5e7b205), example 1 of ``?pvargmm``
(Dahlberg data, lag 1, FOD, GMM-style instruments lags 2..99, two-step), read from the
package's stored objects ``data/ex1_dahlberg_data.rda`` / ``ex1_dahlberg_data_bs.rda`` or
computed from them with the package's own functions.  The Granger table is not produced by
panelvar: it was computed from the stored coefficients and two-step vcov (see
``shared/reference/pvar.md`` section 3.3) and is typed in below.

Tolerances (absolute, in the ``tolerance`` column): ``1e-7 * |value|`` (relative 1e-7,
panelvar reproduces itself to ~1e-11) with a floor for exact zeros; Granger statistics
are given to 6 decimals, so 1e-6 absolute; counts (``hansen_df``, ``hansen_n_instruments``,
``granger_df``) must match exactly (0).  panelvar's bootstrap GIRF bands (``girf_boot_*``, 500
draws with R's RNG) are not reference numbers: no seed reproduces them, so
``tests/models/test_pvar.py`` reads them from ``panelvar_raw_values.csv`` for its
distributional check, and they are left out here.

Run from the repository root: ``python validation/pvar/make_reference.py``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
CASE = "dahlberg/lag1-fod-twostep"
RTOL = 1e-7
FLOOR = 1e-15

QUANTITIES = {
    "coef_first_step": "coef_onestep",
    "se_first_step": "se_onestep",
    "coef_second_step": "coef",
    "se_second_step": "se",
    "pvalue_second_step": "pvalue",
    "sigma_fod_resid_df_n_minus_k": "sigma",
    "companion_eigen_modulus": "eigen_modulus",
}

GRANGER = [  # equation, excluded, chi2, df  (pvar.md §3.3)
    ("expenditures", "revenues", 0.544506, 1),
    ("expenditures", "grants", 35.324891, 1),
    ("expenditures", "ALL", 41.955636, 2),
    ("revenues", "expenditures", 10.562820, 1),
    ("revenues", "grants", 61.749887, 1),
    ("revenues", "ALL", 64.911532, 2),
    ("grants", "expenditures", 0.940594, 1),
    ("grants", "revenues", 7.205107, 1),
    ("grants", "ALL", 20.187058, 2),
]
GRANGER_SOURCE = ("Wald tests from panelvar's stored ex1 coefficients and two-step vcov "
                  "(shared/reference/pvar.md §3.3)")


def _strip(name: str) -> str:
    return name.replace("fod_lag1_", "L1.").replace("fod_", "")


def build() -> pd.DataFrame:
    raw = pd.read_csv(HERE / "panelvar_raw_values.csv")
    rows = []
    for rec in raw.itertuples(index=False):
        q = rec.quantity
        value = float(rec.value)
        tol = max(RTOL * abs(value), FLOOR)
        if q in QUANTITIES:
            quantity = QUANTITIES[q]
            term = (str(rec.row) if quantity == "eigen_modulus"
                    else f"{_strip(rec.row)}|{_strip(rec.col)}")
        elif q == "hansen_j":
            quantity, term = f"hansen_{rec.col}", "J"
            if rec.col in ("df", "n_instruments"):
                tol = 0.0
        elif q.startswith(("oirf_impulse=", "girf_impulse=")):
            kind, impulse = q.split("_impulse=")
            quantity, term = kind, f"{impulse}|{rec.col}|{rec.row[1:]}"
        elif q.startswith("fevd_response="):
            response = q.split("=")[1].replace("_cols", "")
            quantity, term = "fevd", f"{response}|{rec.col}|{rec.row[4:]}"
        elif q.startswith("girf_boot_"):
            continue  # distributional check only, see the module docstring
        else:
            raise ValueError(f"unknown quantity {q}")
        rows.append((CASE, quantity, term, value, tol, f"R panelvar 0.5.6 {rec.source}"))
    for eq, excl, chi2, df in GRANGER:
        rows.append((CASE, "granger_chi2", f"{eq}|{excl}", chi2, 1e-6, GRANGER_SOURCE))
        rows.append((CASE, "granger_df", f"{eq}|{excl}", df, 0.0, GRANGER_SOURCE))
    return pd.DataFrame(rows, columns=["case", "quantity", "term", "value", "tolerance", "source"])


if __name__ == "__main__":
    frame = build()
    frame.to_csv(HERE / "reference.csv", index=False, float_format="%.17g")
    print(f"wrote {len(frame)} rows to {HERE / 'reference.csv'}")
