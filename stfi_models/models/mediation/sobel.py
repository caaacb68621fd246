"""Sobel-type tests of indirect effects: Sobel (1982), Aroian (1947) and Goodman (1960).

:func:`sobel_tests` is the formula for one a path and one b path; :func:`_indirect_tests`
applies it to every (treatment, mediator) pair of fitted steps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from stfi_models.exceptions import SpecificationError
from stfi_models.results.result import TestResult

if TYPE_CHECKING:
    from stfi_models.models.mediation.spec import _Setup
    from stfi_models.models.mediation.steps import _Steps

__all__ = ["sobel_tests"]


def sobel_tests(a: float, b: float, se_a: float, se_b: float) -> pd.DataFrame:
    r"""Sobel, Aroian and Goodman tests of the indirect effect :math:`ab = 0`.

    .. math::

        \mathrm{se}_{\text{Sobel}} = \sqrt{b^2 s_a^2 + a^2 s_b^2}, \quad
        \mathrm{se}_{\text{Aroian}} = \sqrt{b^2 s_a^2 + a^2 s_b^2 + s_a^2 s_b^2}, \quad
        \mathrm{se}_{\text{Goodman}} = \sqrt{b^2 s_a^2 + a^2 s_b^2 - s_a^2 s_b^2},

    :math:`z = ab/\mathrm{se}` with a two-sided normal p-value (Sobel 1982; Aroian 1947;
    Goodman 1960).  Goodman's variance can be negative; its row is then NaN.

    Parameters
    ----------
    a, b : float
        The a path (treatment -> mediator) and b path (mediator -> outcome).
    se_a, se_b : float
        Their standard errors.

    Returns
    -------
    pandas.DataFrame
        Index ``sobel``, ``aroian``, ``goodman``; columns ``estimate`` (a b), ``std_error``,
        ``statistic`` (z) and ``p_value``.

    Examples
    --------
    >>> round(float(sobel_tests(2, 3, 0.3, 0.4).loc["sobel", "statistic"]), 5)
    4.98273
    """
    for name, value in (("a", a), ("b", b), ("se_a", se_a), ("se_b", se_b)):
        if not np.isfinite(value):
            raise SpecificationError(f"sobel_tests(): {name} must be a finite number, got "
                                     f"{value!r}.")
    if se_a < 0 or se_b < 0:
        raise SpecificationError(
            f"sobel_tests(): standard errors cannot be negative (se_a={se_a}, se_b={se_b})."
        )
    base = b**2 * se_a**2 + a**2 * se_b**2
    rows = {}
    for name, var in (("sobel", base), ("aroian", base + se_a**2 * se_b**2),
                      ("goodman", base - se_a**2 * se_b**2)):
        se = float(np.sqrt(var)) if var > 0 else np.nan
        z = a * b / se
        rows[name] = {"estimate": a * b, "std_error": se, "statistic": z,
                      "p_value": float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else np.nan}
    return pd.DataFrame.from_dict(rows, orient="index")


def _indirect_tests(
    setup: _Setup, steps: _Steps
) -> tuple[pd.DataFrame, dict[tuple[str, str, str], TestResult]]:
    rows, tests = [], {}
    for m in setup.mediators:
        b, sb = steps.direct.params[m], steps.direct.std_errors[m]
        step = steps.mediator_models[m]
        for x in setup.treatments:
            table = sobel_tests(step.params[x], b, step.std_errors[x], sb)
            for name, row in table.iterrows():
                rows.append({"treatment": x, "mediator": m, "test": name, **row.to_dict()})
                tests[(name, x, m)] = TestResult(
                    stat=float(row["statistic"]), pvalue=float(row["p_value"]), df=None,
                    name=name.capitalize(), dist="normal",
                    null=f"no indirect effect of {x} on {setup.outcome} through {m} (a b = 0)",
                )
    return pd.DataFrame(rows), tests
