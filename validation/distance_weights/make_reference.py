"""Build ``reference.csv`` from ``spdep_raw.csv`` (output of ``spdep_distance.R``).

Run from the repository root: ``python validation/distance_weights/make_reference.py``.
Tolerances (absolute): 1e-9 km for distances (1e-12 relative at ~1,000 km), 1e-10 for the
Cliff-Ord constants and link counts, 1e-12 for Moran's I, its expectation and variances
(closed forms on the same weights).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
SOURCE = ("R 4.2.2 spdep 1.2.7, knearneigh / dnearneigh / nbdists (longlat = TRUE), nb2listw "
          "style W, spweights.constants, moran.test; validation/distance_weights/"
          "spdep_distance.R (output spdep_output.txt)")
TOLERANCE = {"threshold_km": 1e-9, "mean_nb_dist_km": 1e-9, "S0": 1e-10, "S1": 1e-10,
             "S2": 1e-10, "links": 1e-10}


def main() -> None:
    """Write reference.csv."""
    raw = pd.read_csv(HERE / "spdep_raw.csv", dtype={"term": str}, keep_default_na=False)
    raw["tolerance"] = raw["quantity"].map(TOLERANCE).fillna(1e-12)
    raw["source"] = SOURCE
    raw.to_csv(HERE / "reference.csv", index=False)


if __name__ == "__main__":
    main()
