"""Independent re-derivation of coupling coordination and obstacle degrees in plain numpy.

Reads the inputs of ``inputs/`` (``make_inputs.py``) and evaluates the published formulas
directly, without any function of stfi_models:

* coupling (Liao 1999; Cong 2019) C = 2 sqrt(U1 U2) / (U1 + U2); revised coupling (Wang et al.
  2021, n = 2) C = sqrt((1 - |U1 - U2|) min(U1, U2) / max(U1, U2)); T = (U1 + U2) / 2;
  D = sqrt(C T); level = floor(10 D) + 1 (10 for D = 1);
* obstacle degree O_ij = w_j (1 - x'_ij) / sum_k w_k (1 - x'_ik) with the year's global
  weights; a dimension's obstacle is the sum over its indicators.

Writes ``reference.csv`` (17 significant digits).

Usage::

    python validation/coupling/numpy_reference.py
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SOURCE = "computed: validation/coupling/numpy_reference.py (plain numpy, formulas of README)"
PROVINCES = ("Beijing", "Guangdong", "Gansu", "Anhui")
YEARS = (2013, 2019)


def read(name: str) -> tuple[list[str], list[list[str]]]:
    with open(HERE / "inputs" / name, newline="") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def coupling_rows() -> list[tuple]:
    _, rows = read("tf_nqp_scores.csv")
    out = []
    by_year: dict[int, list[float]] = {}
    for province, year, tf, nqp in rows:
        u1, u2 = float(tf), float(nqp)
        c = 2 * math.sqrt(u1 * u2) / (u1 + u2)
        t = (u1 + u2) / 2
        d = math.sqrt(c * t)
        c_rev = math.sqrt((1 - abs(u1 - u2)) * min(u1, u2) / max(u1, u2))
        by_year.setdefault(int(year), []).append(d)
        if province in PROVINCES and int(year) in YEARS:
            term = f"{province} {year}"
            out += [("tf_nqp", "C", term, c, 1e-12), ("tf_nqp", "T", term, t, 1e-12),
                    ("tf_nqp", "D", term, d, 1e-12),
                    ("tf_nqp", "level", term, float(min(math.floor(10 * d), 9) + 1), 0),
                    ("tf_nqp", "C_revised", term, c_rev, 1e-12),
                    ("tf_nqp", "D_revised", term, math.sqrt(c_rev * t), 1e-12)]
    out += [("tf_nqp", "mean_D", str(y), float(np.mean(v)), 1e-12)
            for y, v in sorted(by_year.items())]
    return out


def obstacle_rows() -> list[tuple]:
    header, rows = read("nqp_normalized.csv")
    indicators = header[2:]
    _, wrows = read("nqp_weights.csv")
    weight = {(int(y), ind): float(w) for y, _, ind, w in wrows}
    group = {ind: g for _, g, ind, _ in wrows}
    dims = list(dict.fromkeys(group[i] for i in indicators))
    out, dim_sums = [], {}
    for row in rows:
        province, year = row[0], int(row[1])
        x = np.array([float(v) for v in row[2:]])
        w = np.array([weight[(year, ind)] for ind in indicators])
        o = w * (1 - x) / np.sum(w * (1 - x))
        for dim in dims:
            share = float(sum(o[j] for j, ind in enumerate(indicators) if group[ind] == dim))
            dim_sums.setdefault((year, dim), []).append(share)
            dim_sums.setdefault(("all", dim), []).append(share)
        if province == "Gansu" and year == 2019:
            out += [("nqp_obstacle", "obstacle", f"Gansu 2019 {ind}", float(o[j]), 1e-12)
                    for j, ind in enumerate(indicators)]
    out += [("nqp_obstacle", "dimension_mean", f"{y} {d}", float(np.mean(v)), 1e-12)
            for (y, d), v in dim_sums.items() if y in (2019, "all")]
    return out


def main() -> None:
    rows = coupling_rows() + obstacle_rows()
    with open(HERE / "reference.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["case", "quantity", "term", "value", "tolerance", "source"])
        for case, quantity, term, value, tol in rows:
            writer.writerow([case, quantity, term, f"{value:.17g}", tol, SOURCE])


if __name__ == "__main__":
    main()
