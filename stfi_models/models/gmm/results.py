"""The result of a dynamic panel GMM fit and the pieces of its xtabond2-layout summary.

:class:`GmmResult` is the immutable :class:`~stfi_models.results.result.Result` of
:class:`DiffGMM`/:class:`SystemGMM` plus :meth:`GmmResult.irf`; :func:`residual_series`
labels the stacked residuals by (equation,) entity and period; :func:`summary_info` builds the
result's ``info`` mapping: instrument counts and groups, one- and two-step estimates, and the
summary header and footer laid out as xtabond2 prints them (Roodman 2009).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from stfi_models.models.gmm import engine as ge
from stfi_models.models.gmm.multipliers import DynamicMultipliers, dynamic_multipliers
from stfi_models.models.gmm.system import GmmSystem
from stfi_models.results.result import Result

__all__ = ["GmmResult", "residual_series", "summary_info"]


@dataclass(frozen=True)
class GmmResult(Result):
    """Result of a difference or system GMM fit, with :meth:`irf` (dynamic multipliers)."""

    def irf(  # type: ignore[override]
        self, periods: int = 10, impulse: str | list[str] | None = None
    ) -> DynamicMultipliers:
        """Dynamic multipliers of each regressor and its long-run effect (delta-method SEs).

        Parameters
        ----------
        periods : int
            Horizons ``0..periods``.
        impulse : str or list of str, optional
            Regressors (without lag prefix, e.g. ``"w"``); default: all.

        Returns
        -------
        DynamicMultipliers
            Uses this result's covariance (so ``res.with_vcov(...).irf()`` changes the SEs).
        """
        return dynamic_multipliers(self.params, self.cov, self.dependent, periods, impulse)


def residual_series(
    g: GmmSystem, resid: np.ndarray, entity: str, time: str
) -> tuple[pd.Series, pd.Series]:
    """Label the residuals and fitted values by (equation,) entity and period.

    Parameters
    ----------
    g : GmmSystem
        The stacked equations the residuals belong to.
    resid : ndarray
        Residuals on the stacked rows.
    entity, time : str
        Names of the panel's entity and time columns (the index level names).

    Returns
    -------
    (pandas.Series, pandas.Series)
        Residuals and fitted values; system GMM adds an ``equation`` level
        (``"transformed"``/``"level"``).
    """
    period = g.time - ((g.transform == "fod") & g.is_diff)  # FOD rows carry t + 1
    arrays = [g.entities[g.entity], g.time_values[period]]
    level_names = [entity, time]
    if g.system:
        arrays.insert(0, np.where(g.is_diff, "transformed", "level"))
        level_names.insert(0, "equation")
    index = pd.MultiIndex.from_arrays(arrays, names=level_names)
    return (pd.Series(resid, index=index, name="resid"),
            pd.Series(g.y - resid, index=index, name="fitted"))


def summary_info(g: GmmSystem, fitres: ge.GmmFit, steps: int | str,
                 counts: np.ndarray) -> dict[str, Any]:
    """Build the ``info`` mapping of a GMM result, with xtabond2's summary header and footer.

    Parameters
    ----------
    g : GmmSystem
        The stacked equations that were estimated.
    fitres : engine.GmmFit
        The engine's estimates.
    steps : {1, 2, "iterated"}
    counts : ndarray of int
        Reported observations per entity.

    Returns
    -------
    dict
        Instrument count, names and groups, ``steps``, ``transform``, ``h``, ``sigma2``, the
        one- and two-step estimates, observations per group and per equation, the time
        terms, and ``summary_header``/``summary_footer`` (instruments listed per equation).
    """
    by_eq: dict[str, list[str]] = {"diff": [], "level": []}
    for name, cols in g.z_groups.items():
        eqs = {g.z_equation[j] for j in cols}
        for e in eqs:
            for part in (("diff", "level") if e == "both" else (e,)):
                by_eq[part].append(f"{name} ({len(cols)})")
    header = [
        ("Estimator", ("system" if g.system else "difference") + " GMM, "
         + {1: "one-step", 2: "two-step", "iterated": "iterated"}[steps]),
        ("Transform", {"fd": "first differences", "fod": "orthogonal deviations"}[g.transform]),
        ("Instruments", str(g.z.shape[1])),
        ("Obs per group", f"min {counts.min()}, avg {counts.mean():.2f}, max {counts.max()}"),
    ]
    if g.system:
        header.append(("H (one-step)", g.h.name))
    footer = ["Instruments for " + ("first-differences" if g.transform == "fd" else
                                    "orthogonal-deviations") + " equation: "
              + "; ".join(by_eq["diff"])]
    if g.system:
        footer.append("Instruments for levels equation: " + "; ".join(by_eq["level"]))
    if fitres.singular:
        footer.append("Warning: a weighting matrix was singular; generalised inverse used.")
    return {
        "n_instruments": int(g.z.shape[1]),
        "instruments": g.z_names,
        "instrument_groups": {k: tuple(g.z_names[j] for j in v) for k, v in g.z_groups.items()},
        "steps": steps,
        "transform": g.transform,
        "h": g.h.name,
        "sigma2": fitres.sigma2,
        "params_onestep": pd.Series(fitres.params1, index=list(g.x_names)),
        "params_twostep": pd.Series(fitres.params2, index=list(g.x_names)),
        "obs_per_group": (int(counts.min()), float(counts.mean()), int(counts.max())),
        "n_diff_obs": int(g.is_diff.sum()),
        "n_level_obs": int((~g.is_diff).sum()),
        "time_terms": g.time_terms,
        "summary_header": tuple(header),
        "summary_footer": tuple(footer),
    }
