"""Turn plm's raw output (plm_raw.csv, written by plm_static.R) into reference.csv.

Run from the repository root after the R script:
    python validation/static_plm/make_reference.py
Only renames plm's "(Intercept)" to our "Intercept" and adds tolerance and source columns.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
TOLERANCE = 1e-6  # absolute; the acceptance bound, both sides read the same CSV files

raw = pd.read_csv(HERE / "plm_raw.csv")
raw["term"] = raw["term"].replace({"(Intercept)": "Intercept"})
raw["tolerance"] = TOLERANCE
raw["source"] = (
    "R 4.2 plm 2.6.2, validation/static_plm/plm_static.R (output in plm_static_output.txt)"
)
raw.to_csv(HERE / "reference.csv", index=False, float_format="%.15g")
print(f"wrote {len(raw)} rows to {HERE / 'reference.csv'}")
