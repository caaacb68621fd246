"""Our distance-based weights of China's provinces for ``reference.csv``: ``compute()``.

The bundled provincial capitals (``coords="china"``: great-circle km on the WGS84 ellipsoid,
spdep's ``longlat = TRUE``), row-standardised, as in spdep_distance.R.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

import stfi_models as sm
from stfi_models.spatial import (
    SpatialWeights,
    distance_band_weights,
    knn_weights,
)
from stfi_models.spatial.distance import pairwise_distances


def min_band_km() -> float:
    """Return the largest nearest-neighbour distance: the smallest band without islands."""
    _, d = pairwise_distances("china")
    np.fill_diagonal(d, np.inf)
    return float(d.min(axis=1).max())


def cases() -> dict[str, SpatialWeights]:
    """Return the weights of every case, by name (ids ``prov_code``)."""
    band = min_band_km()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sm.SpecificationWarning)  # band_1000's islands
        return {
            "knn4": knn_weights("china", 4),
            "knn5": knn_weights("china", 5),
            "band_min": distance_band_weights("china", band),
            "band_1000": distance_band_weights("china", 1000.0),
            "idw1": SpatialWeights.inverse_distance("china", power=1),
            "idw2": SpatialWeights.inverse_distance("china", power=2),
            "idw1_band_min": SpatialWeights.inverse_distance("china", power=1, threshold=band),
        }


def variables() -> dict[str, pd.Series]:
    """Log GDP per capita and R&D intensity in 2020, by ``prov_code``."""
    d = sm.load_china_provinces().query("year == 2020").set_index("prov_code")
    return {"lngdppc_2020": np.log(d["gdp_nbs"] / d["pop_yearend"]),
            "rd_intensity_2020": d["rd_intensity"]}


def compute() -> pd.DataFrame:
    """Every reference row."""
    rows: list[tuple[str, str, str, float]] = [("band_min", "threshold_km", "", min_band_km())]
    _, dist = pairwise_distances("china")
    for name, w in cases().items():
        rows += [(name, "S0", "", w.s0), (name, "S1", "", w.s1), (name, "S2", "", w.s2),
                 (name, "links", "", float(w.links.nnz))]
        if name.startswith("knn"):
            binary = w.links.toarray() > 0
            means = (dist * binary).sum(axis=1) / binary.sum(axis=1)
            rows += [(name, "mean_nb_dist_km", str(code), m) for code, m in zip(w.ids, means,
                                                                                 strict=True)]
        for label, x in variables().items():
            res = sm.moran(x.loc[list(w.ids)].to_numpy(), w, permutations=0)
            case = f"{name}/{label}"
            rows += [(case, "I", "", res.I), (case, "expected", "", res.expected),
                     (case, "var_rand", "", res.var_rand), (case, "var_norm", "", res.var_norm)]
    return pd.DataFrame(rows, columns=["case", "quantity", "term", "value"])
