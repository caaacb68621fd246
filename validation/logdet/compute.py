"""Our log-determinants and Chebyshev fits for ``reference.csv``: ``compute()``.

The weights of spatialreg_logdet.R (all row-standardised) and ``LogDet`` with the methods
``"eigen"`` / ``"lu"`` (exact) and ``"chebyshev"`` (orders 5 and 10); the FE SAR / SEM fits
with ``logdet="chebyshev"``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import stfi_models as sm
from stfi_models.datasets.produc import load_produc, produc_weights
from stfi_models.models.spatial import LogDet
from stfi_models.spatial import SpatialWeights, distance_band_weights, knn_weights

HERE = Path(__file__).resolve().parent
RHOS = (-0.9, -0.5, 0.2, 0.5, 0.8, 0.95)
FITS = {
    "produc": ("np.log(gsp) ~ np.log(pcap) + np.log(pc) + np.log(emp) + unemp", "entity"),
    "china": ("np.log(patent_grant_total) ~ np.log(rd_exp_total) + np.log(gdp_nbs / pop_yearend)",
              "twoways"),
}


def lattice() -> SpatialWeights:
    """Return the rook lattice of 56 x 50 cells; cell (r, c) has id (r - 1) * 50 + c."""
    r, c = np.divmod(np.arange(2800), 50)
    coords = pd.DataFrame({"x": c + 1.0, "y": r + 1.0}, index=np.arange(1, 2801))
    return distance_band_weights(coords, 1.0, metric="euclidean")


def weights() -> dict[str, SpatialWeights]:
    """Return the four weights of the script, by name."""
    points = pd.read_csv(HERE / "points1000.csv")
    return {"china_contiguity": sm.china_weights(), "china_knn5": knn_weights("china", 5),
            "lattice_56x50": lattice(), "points1000_knn6": knn_weights(points, 6)}


def exact(w: SpatialWeights) -> LogDet:
    """Exact log-determinant: eigenvalues for N <= 100, sparse LU above (as the script)."""
    return LogDet(w.matrix, "eigen" if w.n <= 100 else "lu",
                  w.links if w.transform == "row" else None)


def fit(data: str, model: str) -> sm.Result:
    """Return the FE fit of ``data`` with the Chebyshev log-determinant of order 5."""
    formula, effects = FITS[data]
    if data == "produc":
        frame, w, keys = load_produc(), produc_weights(), {"entity": "state", "time": "year"}
    else:
        frame, w = sm.load_china_provinces(), sm.china_weights()
        keys = {"entity": "prov_code", "time": "year"}
    return sm.fit(formula, frame, model=model, w=w, effects=effects, logdet="chebyshev", **keys)


def compute() -> pd.DataFrame:
    """Every reference row."""
    rows = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sm.SpecificationWarning)
        for name, w in weights().items():
            ldets = {"exact": exact(w)}
            for order in (5, 10):
                ldets[f"chebyshev{order}"] = LogDet(w.matrix, "chebyshev",
                                                    options={"order": order})
            rows += [(name, q, f"{rho:g}", ld(rho)) for rho in RHOS for q, ld in ldets.items()]
    for data, (_, effects) in FITS.items():
        suffix = {"entity": "individual", "twoways": "twoways"}[effects]
        for model in ("sar", "sem"):
            res = fit(data, model)
            case = f"{data}/{model}_{suffix}/chebyshev5"
            rows += [(case, "coef", t, v) for t, v in res.params.items()]
            rows += [(case, "sigma2", "", res.info["sigma2"]), (case, "loglik", "", res.loglik)]
    return pd.DataFrame(rows, columns=["case", "quantity", "term", "value"])
