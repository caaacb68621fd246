"""Our numbers for ``reference.csv`` (entropy and CRITIC weights): ``compute()``.

Cases (README.md in this folder): A1 the Elsayed et al. (2017) matrix in the raw-data
convention; A2 the same after min-max normalisation (all positive, or types +,-,-,+,+) with
shift 0, 1e-4, 1e-2; A3 a hand-checkable 3 x 2 matrix; CRITIC the Tus and Adali (2019)
matrix.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from stfi_models.index import build_index

INPUTS = Path(__file__).resolve().parent / "inputs"
CRITERIA = ["C1", "C2", "C3", "C4", "C5"]
TYPES = {"C1": "+", "C2": "-", "C3": "-", "C4": "+", "C5": "+"}
A2 = {"A2_pos_shift0": (False, 0.0), "A2_pos_shift1e-4": (False, 1e-4),
      "A2_pos_shift1e-2": (False, 1e-2), "A2_types_shift0": (True, 0.0),
      "A2_types_shift1e-4": (True, 1e-4), "A2_types_shift1e-2": (True, 1e-2)}


def _rows(case: str, weights: pd.DataFrame, quantities: dict[str, str]) -> list[tuple]:
    table = weights[weights["level"] == "indicator"].set_index("indicator")
    return [(case, quantity, str(term), float(value))
            for quantity, column in quantities.items()
            for term, value in table[column].items()]


def compute() -> pd.DataFrame:
    """Weights, entropies and divergences of every case through ``build_index``."""
    elsayed = pd.read_csv(INPUTS / "ewm_pymcdm_elsayed_12x5.csv").assign(period=1)
    rows = []
    a1 = build_index("E ~ C1 + C2 + C3 + C4 + C5", elsayed, entity="alternative",
                     time="period", normalize="none")
    rows += _rows("A1_raw", a1.weights, {"weight": "weight", "weight_published": "weight",
                                         "entropy": "entropy", "divergence": "divergence"})
    for case, (typed, shift) in A2.items():
        signs = [TYPES[c] if typed else "+" for c in CRITERIA]
        terms = " ".join(f"{s} {c}" for s, c in zip(signs, CRITERIA, strict=True))
        formula = "E ~ " + terms.lstrip("+ ")
        idx = build_index(formula, elsayed, entity="alternative", time="period", shift=shift)
        rows += _rows(case, idx.weights, {"weight": "weight", "entropy": "entropy"})
    toy = pd.DataFrame({"id": [1, 2, 3], "t": 0, "T1": [1.0, 2, 3], "T2": [2.0, 2, 5]})
    rows += _rows("A3_toy", build_index("I ~ T1 + T2", toy, entity="id", time="t").weights,
                  {"weight": "weight", "entropy": "entropy"})
    tus = pd.read_csv(INPUTS / "critic_tus_adali_5x6.csv")
    columns = [c for c in tus.columns if c != "alternative"]
    critic = build_index("I ~ " + " + ".join(columns), tus.assign(t=1), entity="alternative",
                         time="t", method="critic")
    rows += _rows("CRITIC_tus_adali", critic.weights, {"weight_published": "weight"})
    return pd.DataFrame(rows, columns=["case", "quantity", "term", "value"])
