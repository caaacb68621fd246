"""Write ``panel.csv``: the seeded unbalanced panel the pyfixest reference is computed on.

300 firms x up to 8 years (about a quarter of the rows dropped at random, so the panel is
unbalanced and has singleton firms), an industry (12 levels) and a region (4 levels) per firm,
two regressors correlated with the firm effect, and an outcome with firm, year, industry-year
and region effects.  Run once; the CSV is the input of ``pyfixest_reference.py`` and of
``compute.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def make() -> pd.DataFrame:
    """Build the panel (seed 2026)."""
    rng = np.random.default_rng(2026)
    firms, years = 300, 8
    firm = np.repeat(np.arange(firms), years)
    year = np.tile(np.arange(2010, 2010 + years), firms)
    industry = rng.integers(0, 12, firms)[firm]
    region = rng.integers(0, 4, firms)[firm]
    alpha = rng.normal(size=firms)[firm]
    x1 = rng.normal(size=firm.size) + 0.5 * alpha
    x2 = rng.gamma(2.0, size=firm.size) - alpha
    iy = rng.normal(size=(12, years))[industry, year - 2010]
    y = (0.7 * x1 - 0.4 * x2 + alpha + 0.3 * (year - 2010) + iy + 0.5 * region
         + rng.normal(size=firm.size))
    frame = pd.DataFrame({"firm": firm, "year": year, "industry": industry, "region": region,
                          "x1": x1, "x2": x2, "y": y})
    return frame[rng.uniform(size=len(frame)) > 0.25].reset_index(drop=True)


if __name__ == "__main__":
    make().to_csv(Path(__file__).with_name("panel.csv"), index=False, float_format="%.17g")
