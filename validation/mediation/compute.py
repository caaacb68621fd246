"""Our numbers for ``reference.csv`` (pingouin data, R ``lm``/``boot``, Sobel): ``compute()``.

Every pingouin case is :func:`mediate` ``("X", "M", "Y")`` on ``inputs/pingouin_mediation.csv``
with ``seed=numpy.random.RandomState(42)``, which draws the case resamples exactly as pingouin
does (README.md):

* ``pingouin_lm``, ``pingouin_published``, ``pingouin_boot_bc``: 5000 draws (pingouin's
  published call); ``pingouin_doc_ex1``: 500 draws; ``pingouin_doc_ex4``: 500 draws with
  ``controls="Mbin + Ybin"``.
* ``r_boot``: the mean, SD, percentile and BCa intervals of the same 5000 seeded draws.  R
  ``boot`` uses another RNG, so these reference rows carry Monte Carlo tolerances (README.md);
  ours is deterministic given the seed.
* ``r_boot_bca_fixed``: BCa ingredients (z0, acceleration, adjusted quantile levels) of the
  same 5000 draws, which :func:`write_replicates` exports to ``inputs/bca_replicates.csv`` for
  ``boot_bca.R`` (R ``boot`` on those very replicates, with its own delete-one-row jackknife).
* ``sobel_closed_form``: :func:`sobel_tests` on the (a, b, se_a, se_b) of the term.

Quantity names: a path (``c``, ``a``, ``b``, ``cprime``, ``indirect``, ``proportion``), with
``_se``, ``_t``, ``_p``, ``_ci_low``, ``_ci_high`` for its statistics; ``sobel``/``aroian``/
``goodman`` with ``_se``, ``_z``, ``_p``; ``intercept_total|a|direct``; bootstrap ``boot_se``,
``bc_low``, ``bc_high``, ``boot_mean``, ``boot_sd``, ``percentile_low``, ``percentile_high``,
``bca_low``, ``bca_high``, ``z0``, ``acceleration``, ``bca_level_low``, ``bca_level_high``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from stfi_models.models.mediation import mediate, sobel_tests
from stfi_models.models.mediation.bootstrap import _acceleration, _adjusted_levels, _z0

INPUTS = Path(__file__).resolve().parent / "inputs"
REPLICATES = INPUTS / "bca_replicates.csv"
X, M, Y = "X", "M", "Y"
INDIRECT = f"{X}->{M}"
#: quantity stem -> (path key of ``MediationResult.params``, reference term)
PATHS = {"c": (("c", X, ""), X), "a": (("a", X, M), X), "b": (("b", "", M), M),
         "cprime": (("c'", X, ""), X), "indirect": (("indirect", X, M), INDIRECT),
         "proportion": (("proportion", X, M), INDIRECT)}
STATISTICS = {"se": "std_error", "t": "statistic", "p": "p_value", "ci_low": "conf_low",
              "ci_high": "conf_high"}
TESTS = {"se": "std_error", "z": "statistic", "p": "p_value"}
#: case -> options of mediate() (all with seed=RandomState(42))
CASES = {
    "pingouin_lm": {"bootstrap": 5000},
    "pingouin_published": {"bootstrap": 5000},
    "pingouin_boot_bc": {"bootstrap": 5000},
    "r_boot": {"bootstrap": 5000},
    "r_boot_bca_fixed": {"bootstrap": 5000},
    "pingouin_doc_ex1": {"bootstrap": 500},
    "pingouin_doc_ex4": {"bootstrap": 500, "controls": "Mbin + Ybin"},
}
SOBEL_INPUTS = [(2.0, 3.0, 0.3, 0.4), (0.4, 0.3, 0.05, 0.04)]


def load_data() -> pd.DataFrame:
    """Read pingouin's ``mediation.csv`` (n = 100)."""
    return pd.read_csv(INPUTS / "pingouin_mediation.csv")


def fit_case(case: str, data: pd.DataFrame | None = None):
    """Fit a pingouin case with :func:`mediate`."""
    data = load_data() if data is None else data
    return mediate(X, M, Y, data, seed=np.random.RandomState(42), **CASES[case])


def quantities(res) -> list[tuple[str, str, float]]:
    """List (quantity, term, value) of every named quantity of a single-path result."""
    out = []
    tidy = res.tidy().set_index(["path", "treatment", "mediator"])
    for stem, (key, term) in PATHS.items():
        out.append((stem, term, float(res.params[key])))
        if key in tidy.index:
            out += [(f"{stem}_{s}", term, float(tidy.loc[key, column]))
                    for s, column in STATISTICS.items()]
    tests = res.tests.set_index("test")
    out += [(f"{test}_{s}", INDIRECT, float(tests.loc[test, column]))
            for test in ("sobel", "aroian", "goodman") for s, column in TESTS.items()]
    steps = {"total": (res.total, f"{Y}~{X}"), "a": (res.mediator_models[M], f"{M}~{X}"),
             "direct": (res.direct, f"{Y}~{X}+{M}")}
    out += [(f"intercept_{name}", term, float(step.params["Intercept"]))
            for name, (step, term) in steps.items()]
    key = PATHS["indirect"][0]
    draws = res.draws[key]
    bc = res.bootstrap_ci(method="bc").loc[key]
    pct = res.bootstrap_ci(method="percentile").loc[key]
    bca = res.bootstrap_ci(method="bca").loc[key]
    acceleration = _acceleration(res.jackknife[[key]].to_numpy())
    levels = _adjusted_levels(draws.to_numpy()[:, None], np.array([res.params[key]]), res.level,
                              acceleration)[0]
    boot = {"boot_se": draws.std(ddof=1), "boot_mean": draws.mean(),
            "boot_sd": draws.std(ddof=1), "bc_low": bc["lower"], "bc_high": bc["upper"],
            "percentile_low": pct["lower"], "percentile_high": pct["upper"],
            "bca_low": bca["lower"], "bca_high": bca["upper"],
            "z0": _z0(draws.to_numpy(), res.params[key]), "acceleration": acceleration[0],
            "bca_level_low": levels[0], "bca_level_high": levels[1]}
    return out + [(q, INDIRECT, float(v)) for q, v in boot.items()]


def compute() -> pd.DataFrame:
    """Every case of the mediation topic."""
    data = load_data()
    fits = {}
    rows = []
    for case, options in CASES.items():
        frozen = tuple(sorted(options.items()))
        if frozen not in fits:
            fits[frozen] = fit_case(case, data)
        rows += [(case, q, term, v) for q, term, v in quantities(fits[frozen])]
    for a, b, se_a, se_b in SOBEL_INPUTS:
        table = sobel_tests(a, b, se_a, se_b)
        term = f"a={a:g};b={b:g};se_a={se_a:g};se_b={se_b:g}"
        rows.append(("sobel_closed_form", "sobel_z", term, float(table.loc["sobel", "statistic"])))
    return pd.DataFrame(rows, columns=["case", "quantity", "term", "value"])


def write_replicates(path: Path = REPLICATES) -> None:
    """Export the 5000 seeded draws of the indirect effect for ``boot_bca.R`` (17 digits)."""
    draws = fit_case("r_boot_bca_fixed").draws[PATHS["indirect"][0]]
    header = ('# 5000 bootstrap replicates of the indirect effect a*b: stfi mediate("X", "M", '
              '"Y", pingouin_mediation.csv, bootstrap=5000, seed=numpy.random.RandomState(42)); '
              "written by compute.write_replicates()\n")
    body = "".join(f"{float(v)!r}\n" for v in draws)
    path.write_text(header + "indirect\n" + body, encoding="utf-8")
