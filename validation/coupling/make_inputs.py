"""Write the inputs of ``numpy_reference.py`` from the bundled study ``tech_finance_nqp``.

``inputs/tf_nqp_scores.csv``: TF and NQP of the 30 provinces, 2013-2019, as the study builds
them (formulas/tech_finance_split.toml, formulas/nqp_index.toml);
``inputs/nqp_normalized.csv`` and ``inputs/nqp_weights.csv``: the NQP index's normalised
indicators and its per-year global weights.  These are the *inputs* of the coupling and
obstacle formulas; the formulas themselves are re-derived in plain numpy from them.

Usage::

    python validation/coupling/make_inputs.py
"""

from __future__ import annotations

import warnings
from pathlib import Path

from stfi_models.index import run_study
from stfi_models.replicate.runner import prepare
from stfi_models.replicate.spec import FORMULAS, load_replication

HERE = Path(__file__).resolve().parent / "inputs"


def main() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctx, _ = prepare(load_replication("tech_finance_nqp"))
        nqp = run_study(FORMULAS / "nqp_index.toml")
    scores = ctx.frame[["province_en", "year", "TF", "NQP"]].dropna()
    scores.to_csv(HERE / "tf_nqp_scores.csv", index=False, float_format="%.17g")
    nqp.normalized.reset_index().to_csv(HERE / "nqp_normalized.csv", index=False,
                                        float_format="%.17g")
    weights = nqp.weights.query("level == 'indicator'")[["year", "group", "indicator",
                                                         "global_weight"]]
    weights.to_csv(HERE / "nqp_weights.csv", index=False, float_format="%.17g")


if __name__ == "__main__":
    main()
