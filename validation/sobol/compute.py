"""Our Sobol indices for ``reference.csv`` (SALib 1.6 on the same model outputs): ``compute()``.

Cases: the Ishigami function (a = 7, b = 0.1) and the Sobol' G function (a = 0, 1, 4.5, 9,
99, 99), each evaluated on one Saltelli design of N = 1024 draws drawn by
:func:`stfi_models.index.sobol.saltelli_evaluate` (seed 2010).  ``salib_reference.py`` hands
the same outputs to SALib's ``sobol.analyze`` (first order and total effects).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stfi_models.index.sobol import saltelli_evaluate, sobol_indices

DRAWS, SEED = 1024, 2010
G_A = (0.0, 1.0, 4.5, 9.0, 99.0, 99.0)


def ishigami(u: list[np.ndarray]) -> float:
    """Ishigami function on uniform(0, 1) inputs mapped to [-pi, pi]."""
    x = [np.pi * (2 * v[0] - 1) for v in u]
    return float(np.sin(x[0]) + 7 * np.sin(x[1]) ** 2 + 0.1 * x[2] ** 4 * np.sin(x[0]))


def sobol_g(u: list[np.ndarray]) -> float:
    """Sobol' G function."""
    return float(np.prod([(abs(4 * v[0] - 2) + a) / (1 + a) for v, a in zip(u, G_A,
                                                                              strict=True)]))


CASES = {"ishigami": (ishigami, 3), "sobol_g": (sobol_g, len(G_A))}


def outputs(case: str) -> np.ndarray:
    """The (N, k + 2) model outputs of one case."""
    func, k = CASES[case]
    return saltelli_evaluate(func, [1] * k, DRAWS, seed=SEED)[:, :, 0]


def compute() -> pd.DataFrame:
    """First-order and total Sobol indices of both cases."""
    rows = []
    for case in CASES:
        first, total = sobol_indices(outputs(case))
        rows += [(case, "S1", f"x{i + 1}", float(v)) for i, v in enumerate(first)]
        rows += [(case, "ST", f"x{i + 1}", float(v)) for i, v in enumerate(total)]
    return pd.DataFrame(rows, columns=["case", "quantity", "term", "value"])
