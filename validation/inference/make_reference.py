"""Turn clubSandwich's raw output (clubsandwich_raw.csv) into reference.csv.

Run from the repository root after ``clubsandwich.R``:
    python validation/inference/make_reference.py
Only renames R's "(Intercept)" to our "Intercept" and adds tolerance and source columns.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
TOLERANCE = 1e-6  # absolute; the acceptance bound, both sides read the same CSV files

raw = pd.read_csv(HERE / "clubsandwich_raw.csv")
raw["term"] = raw["term"].replace({"(Intercept)": "Intercept"})
raw["tolerance"] = TOLERANCE
raw["source"] = ("R 4.2 clubSandwich 0.5.8 on plm 2.6.2, validation/inference/clubsandwich.R "
                 "(output in clubsandwich_output.txt)")
raw.to_csv(HERE / "reference.csv", index=False, float_format="%.15g")
print(f"wrote {len(raw)} rows to {HERE / 'reference.csv'}")
