"""Our numbers for ``reference.csv`` (Dagum Gini, Theil, kernel density): ``compute()``.

* ``dagum_toy``, ``mexico1940``, ``weighted_mussard``: :func:`dagum_gini` (summary, groups,
  pairs; group terms are the group labels, pair terms ``"richer|poorer"``).
* ``theil_mexico1940``, ``theil_zeros``: :func:`theil` Theil T total / between / within.
* ``kde_mexico1940``: :func:`bandwidth_rule` and :func:`kernel_density` at the listed points.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from stfi_models.inequality import bandwidth_rule, dagum_gini, kernel_density, theil

INPUTS = Path(__file__).resolve().parent / "inputs"
_SUMMARY = ("G", "G_w", "G_nb", "G_t", "share_w")
_GROUP = ("G_jj", "p", "s", "mean")
_PAIR = ("G_jh", "d_jh", "p_jh", "D_jh")


def _dagum_rows(case: str, res) -> list[tuple]:
    rows = [(case, q, "", float(res.summary[q].iloc[0])) for q in _SUMMARY]
    for g in res.groups.itertuples(index=False):
        rows += [(case, q, str(g.group), float(getattr(g, q))) for q in _GROUP]
    for p in res.pairs.itertuples(index=False):
        rows += [(case, q, f"{p.group_j}|{p.group_h}", float(getattr(p, q))) for q in _PAIR]
    return rows


def compute() -> pd.DataFrame:
    """Every case of the gini topic."""
    mexico = pd.read_csv(INPUTS / "mexico_pcgdp1940_hanson98.csv")
    rows = _dagum_rows("dagum_toy", dagum_gini(pd.read_csv(INPUTS / "dagum_toy.csv"), "y",
                                               "group"))
    rows += _dagum_rows("mexico1940", dagum_gini(mexico, "pcgdp1940", "hanson98"))
    weighted = pd.DataFrame({"y": [2000, 2500, 3000, 3500, 4000, 4500], "g": list("AABBCC"),
                             "w": [1.2, 0.8, 1.0, 1.0, 0.9, 1.1]})
    rows += _dagum_rows("weighted_mussard", dagum_gini(weighted, "y", "g", weights="w"))
    theil_t = theil(mexico, "pcgdp1940", "hanson98").summary.set_index("index").loc["T"]
    rows += [("theil_mexico1940", "T", part, float(theil_t[part]))
             for part in ("total", "between", "within")]
    zeros = pd.DataFrame({"y": [0, 0, 0, 10, 10, 10], "g": [0, 0, 0, 1, 1, 1]})
    theil_z = theil(zeros, "y", "g", index=["T"]).summary.iloc[0]
    rows += [("theil_zeros", "T", part, float(theil_z[part]))
             for part in ("total", "between", "within")]
    values = mexico["pcgdp1940"].to_numpy()
    for rule in ("silverman", "scott"):
        rows.append(("kde_mexico1940", f"bw_{rule}", "", bandwidth_rule(values, rule)))
        points = [7000.0, 10000.0]
        grid = kernel_density(mexico, "pcgdp1940", by=None, bandwidth=rule, points=points).grid
        rows += [("kde_mexico1940", f"density_{rule}", f"{x:g}", float(d))
                 for x, d in zip(grid["x"], grid["density"], strict=True)]
    return pd.DataFrame(rows, columns=["case", "quantity", "term", "value"])
