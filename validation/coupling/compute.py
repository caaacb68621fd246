"""Our numbers for ``reference.csv`` (coupling coordination and obstacle degrees): ``compute()``.

Coupling: :func:`stfi_models.coupling_coordination` on the TF and NQP scores of
``inputs/tf_nqp_scores.csv`` (standard and revised).  Obstacle degrees:
:func:`stfi_models.obstacle_degree` on the NQP index built from ``formulas/nqp_index.toml``
(the index whose normalised values and weights ``inputs/`` holds).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from stfi_models import coupling_coordination, obstacle_degree
from stfi_models.index import run_study

HERE = Path(__file__).resolve().parent
FORMULAS = HERE.parents[1] / "formulas"


def _coupling() -> list[tuple]:
    scores = pd.read_csv(HERE / "inputs" / "tf_nqp_scores.csv")
    keys = ["province_en", "year"]
    std = coupling_coordination(scores, ["TF", "NQP"], keys=keys).table
    rev = coupling_coordination(scores, ["TF", "NQP"], keys=keys, kind="revised").table
    rows = []
    for (_, s), (_, r) in zip(std.iterrows(), rev.iterrows(), strict=True):
        term = f"{s['province_en']} {s['year']}"
        rows += [("tf_nqp", q, term, float(s[q])) for q in ("C", "T", "D", "level")]
        rows += [("tf_nqp", "C_revised", term, float(r["C"])),
                 ("tf_nqp", "D_revised", term, float(r["D"]))]
    means = std.groupby("year")["D"].mean()
    rows += [("tf_nqp", "mean_D", str(y), float(v)) for y, v in means.items()]
    return rows


def _obstacle() -> list[tuple]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = obstacle_degree(run_study(FORMULAS / "nqp_index.toml"))
    ind = res.indicators
    rows = [("nqp_obstacle", "obstacle", f"{r.province_en} {r.year} {r.indicator}",
             float(r.obstacle)) for r in ind.itertuples()]
    by_year = res.mean("dimension", by="year")
    rows += [("nqp_obstacle", "dimension_mean", f"{r.year} {r.dimension}", float(r.obstacle))
             for r in by_year.itertuples()]
    rows += [("nqp_obstacle", "dimension_mean", f"all {r.dimension}", float(r.obstacle))
             for r in res.mean("dimension").itertuples()]
    return rows


def compute() -> pd.DataFrame:
    """Coupling coordination of TF and NQP; obstacle degrees of NQP."""
    return pd.DataFrame(_coupling() + _obstacle(), columns=["case", "quantity", "term", "value"])
