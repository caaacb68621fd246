"""SALib 1.6.0 ``sobol.analyze`` on our Saltelli outputs -> ``reference.csv`` and ``salib.out``.

SALib expects, per base draw, the rows A, A_B^(1..k), B; ``compute.outputs`` gives A, B,
A_B^(1..k), so the columns are reordered.  ``calc_second_order=False``: SALib's first-order
estimator is Saltelli et al. (2010) and its total effect Jansen (1999), on outputs centred by
their overall mean.  Needs ``pip install SALib`` (not a dependency of stfi-models).

Usage::

    python validation/sobol/salib_reference.py
"""

from __future__ import annotations

import csv
import importlib.metadata
import importlib.util
from pathlib import Path

import numpy as np
from SALib.analyze import sobol

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("sobol_compute", HERE / "compute.py")
compute = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compute)


def main() -> None:
    version = importlib.metadata.version("SALib")
    source = f"computed: SALib {version} sobol.analyze (validation/sobol/salib_reference.py)"
    rows, log = [], []
    for case, (_, k) in compute.CASES.items():
        y = compute.outputs(case)
        ordered = np.concatenate([y[:, [0]], y[:, 2:], y[:, [1]]], axis=1).ravel()
        problem = {"num_vars": k, "names": [f"x{i + 1}" for i in range(k)],
                   "bounds": [[0.0, 1.0]] * k}
        res = sobol.analyze(problem, ordered, calc_second_order=False, num_resamples=100,
                            seed=1, print_to_console=False)
        for quantity in ("S1", "ST"):
            rows += [(case, quantity, f"x{i + 1}", f"{v:.17g}", "1e-12", source)
                     for i, v in enumerate(res[quantity])]
        log.append(f"{case}: S1 {np.round(res['S1'], 6).tolist()} ST "
                   f"{np.round(res['ST'], 6).tolist()} (conf S1 "
                   f"{np.round(res['S1_conf'], 4).tolist()})")
    with open(HERE / "reference.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["case", "quantity", "term", "value", "tolerance", "source"])
        writer.writerows(rows)
    (HERE / "salib.out").write_text(f"SALib {version}\n" + "\n".join(log) + "\n")


if __name__ == "__main__":
    main()
