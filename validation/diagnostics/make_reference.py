"""Turn plm's raw output (plm_raw.csv, written by plm_diagnostics.R) into reference.csv.

Run from the repository root after the R script:
    python validation/diagnostics/make_reference.py
Adds the tolerance (absolute 1e-6, the issue's bound) and the source.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
raw = pd.read_csv(HERE / "plm_raw.csv", keep_default_na=False)
raw["tolerance"] = 1e-6
raw["source"] = ("R 4.2 plm 2.6.2 (xttest3 by formula in R), "
                 "validation/diagnostics/plm_diagnostics.R (output in plm_output.txt)")
raw.to_csv(HERE / "reference.csv", index=False, float_format="%.15g")
print(f"wrote {len(raw)} rows to {HERE / 'reference.csv'}")
