"""Build validation/unitroot/reference.csv from plm_purtest_output.txt (R plm 2.6.2).

Rows: per-entity ADF t statistics (``tau``) and chosen lags, the IPS W_tbar statistic and
p-value, and the Maddala-Wu / Choi statistics.  The entity p-values plm used (``p_unit``,
MacKinnon 1996) are not reference rows: ``compute.py`` reads them from the raw output as the
*input* of the combination formulas, which are so checked separately from the p-value
approximation (arch uses other MacKinnon surfaces; see README.md).

Run from the repository root: ``python validation/unitroot/make_reference.py``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
SOURCE = ("R 4.2 plm 2.6.2 purtest, validation/unitroot/plm_purtest.R "
          "(output plm_purtest_output.txt)")


def build() -> pd.DataFrame:
    rows = []
    for line in (HERE / "plm_purtest_output.txt").read_text().splitlines():
        parts = line.split(",")
        if len(parts) != 3 or parts[0] == "table":
            continue
        case, what, value = parts
        if what == "p_unit":  # an input of compute.py, not a reference number
            continue
        if what in ("stat", "pvalue"):
            rows.append((case, what, "", float(value), 1e-9, SOURCE))
        else:
            for i, v in enumerate(value.split(";"), start=1):
                tol = 0.0 if what == "lags" else 1e-9
                rows.append((case, what, str(i), float(v), tol, SOURCE))
    return pd.DataFrame(rows, columns=["case", "quantity", "term", "value", "tolerance", "source"])


if __name__ == "__main__":
    frame = build()
    frame.to_csv(HERE / "reference.csv", index=False, float_format="%.17g")
    print(f"wrote {len(frame)} rows")
