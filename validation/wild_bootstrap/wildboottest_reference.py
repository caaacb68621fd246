"""Reference wild cluster bootstrap p-values from the ``wildboottest`` package (PyPI 0.3.2).

Run from the repository root in an environment with ``pip install wildboottest``:
    python validation/wild_bootstrap/wildboottest_reference.py > \
        validation/wild_bootstrap/wildboottest_output.txt
It writes ``wildboottest_raw.csv`` and ``reference.csv`` (tolerance 1e-12: with Rademacher
weights and 2^G <= B every sign pattern is enumerated and the p-value is deterministic).
The tests never import wildboottest; they read the stored numbers.
"""

from __future__ import annotations

import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as smapi
from wildboottest.wildboottest import wildboottest as wbt

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def main() -> None:
    """Run every case and write the raw output and reference.csv."""
    print(f"wildboottest {version('wildboottest')}")
    data = pd.read_csv(ROOT / "stfi_models/datasets/grunfeld/grunfeld.csv")
    data = data.sort_values(["firm", "year"]).reset_index(drop=True)
    slopes = data[["value", "capital"]]
    designs = {
        "pooled": pd.concat([pd.Series(1.0, index=data.index, name="Intercept"), slopes], axis=1),
        "fe": pd.concat([slopes, pd.get_dummies(data["firm"], prefix="f", dtype=float)], axis=1),
    }
    rows = []
    for model, x in designs.items():
        for param in ("value", "capital"):
            for null, scheme in ((True, "WCR"), (False, "WCU")):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    out = wbt(smapi.OLS(data["inv"], x), B=9999, cluster=data["firm"].to_numpy(),
                              param=param, weights_type="rademacher", impose_null=null,
                              seed=1, show=False)
                print(f"grunfeld/{model}/{scheme}", param, out.to_dict("records"))
                case = f"grunfeld/{model}/{scheme}"
                rows.append((case, "pvalue", param, float(out["p-value"].iloc[0])))
                if model == "pooled":  # the FE design counts its dummies in k: another t
                    rows.append((case, "stat", param, float(out["statistic"].iloc[0])))
    raw = pd.DataFrame(rows, columns=["case", "quantity", "term", "value"])
    raw.to_csv(HERE / "wildboottest_raw.csv", index=False, float_format="%.17g")
    ref = raw.assign(tolerance=np.where(raw["quantity"] == "pvalue", 1e-12, 1e-9),
                     source="wildboottest 0.3.2 (PyPI), validation/wild_bootstrap/"
                            "wildboottest_reference.py (output in wildboottest_output.txt)")
    ref.to_csv(HERE / "reference.csv", index=False, float_format="%.17g")


if __name__ == "__main__":
    main()
