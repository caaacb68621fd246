"""Our Moran's I with an island (``adjust_n``) for ``reference.csv``: ``compute()``.

China's 31 provinces with the Hainan-Guangdong link removed (Hainan an island), row-standardised,
log GDP per capita of 2020 and 2023, as in moran_island.R.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

import stfi_models as sm
from stfi_models.spatial import SpatialWeights


def island_weights() -> SpatialWeights:
    """The bundled contiguity without the Hainan (46) - Guangdong (44) link."""
    links = sm.china_weights(transform="binary").to_frame()
    links.loc[46, 44] = links.loc[44, 46] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the island warning
        return SpatialWeights.from_matrix(links, transform="row")


def compute() -> pd.DataFrame:
    """Every reference row."""
    w = island_weights()
    panel = sm.load_china_provinces()
    rows = []
    for year in (2020, 2023):
        d = panel[panel["year"] == year].set_index("prov_code").loc[list(w.ids)]
        x = np.log(d["gdp_nbs"] / d["pop_yearend"])
        for adjust in (True, False):
            res = sm.moran(x, w, permutations=0, adjust_n=adjust)
            case = f"lngdppc_{year}/adjust_n={str(adjust).lower()}"
            rows += [(case, "I", "", res.I), (case, "expected", "", res.expected),
                     (case, "var_rand", "", res.var_rand), (case, "var_norm", "", res.var_norm)]
    return pd.DataFrame(rows, columns=["case", "quantity", "term", "value"])
