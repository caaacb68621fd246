"""Our numbers for ``reference.csv`` (global and local Moran's I): ``compute()``.

* Global cases: :func:`moran` with ``permutations=0`` (two-sided p-values, or
  ``alternative="greater"`` for the ``*_greater`` quantities); ``p_sim_greater`` with 999
  permutations (seed 20240601): the reference 0.001 means the observed I beats every
  reshuffle, the only pseudo p-value portable across random-number generators.
* ``columbus_libpysal_local``: :func:`local_moran` with spdep and esda scaling.
* ``columbus_COLnb_local``, quantity ``table``: the largest absolute difference between our
  local Moran table (I_i, E(I_i), Var(I_i), z, two-sided p) and spdep's full table
  (``columbus_localmoran_spdep_COLnb.csv``), whose reference value is 0.
* Geary cases (``geary_*``, :data:`GEARY_CASES`): :func:`geary` with ``permutations=0``
  and ``alternative="greater"`` (spdep's ``geary.test`` default; z = (1 - C)/sd); the
  ``p_sim_greater`` of Columbus COL.nb with 999 permutations (seed 20240601), portable
  because C beats every reshuffle, as for Moran's I.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from stfi_models.spatial import SpatialWeights, geary, local_moran, moran, read_gal

FOLDER = Path(__file__).resolve().parent
INPUTS = FOLDER / "inputs"

#: case -> (data file, id column, value column, GAL file, transform)
CASES = {
    "lattice3x3_binary": ("lattice_3x3_y1to9.csv", "cell", "y", "lattice_3x3_rook.gal", "binary"),
    "lattice3x3_row": ("lattice_3x3_y1to9.csv", "cell", "y", "lattice_3x3_rook.gal", "row"),
    "stl_row": ("stl_hom_HR8893.csv", "gal_id", "HR8893", "stl.gal", "row"),
    "sids_row": ("sids2_SIDR74.csv", "FIPSNO", "SIDR74", "sids2.gal", "row"),
    "columbus_COLnb_W": ("columbus_spdep_oldcol.csv", "region_id", "CRIME",
                         "columbus_spdep_COLnb.gal", "row"),
    "columbus_COLnb_B": ("columbus_spdep_oldcol.csv", "region_id", "CRIME",
                         "columbus_spdep_COLnb.gal", "binary"),
    "columbus_libpysal_row": ("columbus_libpysal.csv", "POLYID", "CRIME",
                              "columbus_libpysal.gal", "row"),
}
#: Geary case -> the Moran case with the same data and weights
GEARY_CASES = {
    "geary_columbus_colnb": "columbus_COLnb_W",
    "geary_columbus_colnb_B": "columbus_COLnb_B",
    "geary_lattice3x3_binary": "lattice3x3_binary",
}
_GEARY = ("C", "expected", "var_rand", "z_rand", "var_norm", "z_norm")
_GLOBAL = ("I", "expected", "var_rand", "var_norm", "z_rand", "z_norm")
_SPDEP_COLUMNS = {"I": "I_i", "expected": "E_I_i", "variance": "Var_I_i", "z": "Z_I_i",
                  "p_norm": "p_two_sided"}


def load_case(case: str) -> tuple[pd.Series, SpatialWeights]:
    """Load the variable (indexed by unit id) and the weights of a case of :data:`CASES`."""
    data_file, id_col, value, gal, transform = CASES[case]
    data = pd.read_csv(INPUTS / data_file).set_index(id_col)[value]
    return data, read_gal(INPUTS / gal, transform)


def compute() -> pd.DataFrame:
    """Every case of the moran topic."""
    rows = []
    for case in CASES:
        y, w = load_case(case)
        res = moran(y, w, permutations=0)
        rows += [(case, q, "", float(getattr(res, q))) for q in _GLOBAL]
        greater = moran(y, w, permutations=0, alternative="greater")
        rows.append((case, "p_norm_greater", "", float(greater.p_norm)))
    y, w = load_case("columbus_COLnb_W")
    sim = moran(y, w, alternative="greater", permutations=999, seed=20240601)
    rows.append(("columbus_COLnb_W", "p_sim_greater", "", float(sim.p_sim)))
    y, w = load_case("columbus_libpysal_row")
    for scaling in ("spdep", "esda"):
        table = local_moran(y, w, permutations=0, scaling=scaling).table.set_index("id")
        rows += [("columbus_libpysal_local", f"I_{scaling}", str(unit), float(value))
                 for unit, value in table["I"].items()]
    y, w = load_case("columbus_COLnb_W")
    spdep = pd.read_csv(FOLDER / "columbus_localmoran_spdep_COLnb.csv").set_index("region_id")
    ours = local_moran(y, w, permutations=0).table.set_index("id").loc[spdep.index]
    gap = max(float(np.abs(ours[a] - spdep[b]).max()) for a, b in _SPDEP_COLUMNS.items())
    rows.append(("columbus_COLnb_local", "table", "", gap))
    for case, data_case in GEARY_CASES.items():
        y, w = load_case(data_case)
        res = geary(y, w, permutations=0, alternative="greater")
        rows += [(case, q, "", float(getattr(res, q))) for q in _GEARY]
        rows += [(case, f"{p}_greater", "", float(getattr(res, p))) for p in ("p_rand", "p_norm")]
    y, w = load_case("columbus_COLnb_W")
    sim = geary(y, w, alternative="greater", permutations=999, seed=20240601)
    rows.append(("geary_columbus_colnb", "p_sim_greater", "", float(sim.p_sim)))
    return pd.DataFrame(rows, columns=["case", "quantity", "term", "value"])
