"""Residuals of a panel Result in the shapes the diagnostics need, and the model checks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from stfi_models.exceptions import SpecificationError
from stfi_models.results.result import Result

__all__ = ["panel_resid", "require_model", "wide", "lagged"]


def require_model(res: Result, models: tuple[str, ...], test: str, fix: str) -> None:
    """Raise unless ``res`` comes from one of ``models``; ``fix`` says what to fit instead."""
    if not isinstance(res, Result):
        raise SpecificationError(
            f"{test} takes a Result of sm.fit(...), got {type(res).__name__}.")
    if res.model not in models:
        raise SpecificationError(
            f"{test} needs the residuals of model={' or '.join(map(repr, models))}; this "
            f"Result is model={res.model!r}. {fix}")


def panel_resid(res: Result, test: str) -> pd.Series:
    """Return the residuals as a Series indexed by (entity, time), finite values only."""
    resid = res.resid
    if not isinstance(resid, pd.Series) or not isinstance(resid.index, pd.MultiIndex) or (
            resid.index.nlevels != 2):
        raise SpecificationError(
            f"{test} needs residuals indexed by (entity, time); model={res.model!r} "
            "does not provide them (a between or system model?).")
    return resid[np.isfinite(resid.to_numpy(dtype=float))].astype(float)


def wide(resid: pd.Series) -> pd.DataFrame:
    """Entities in rows, periods in (sorted) columns; NaN where an entity is not observed."""
    return resid.unstack(level=1).sort_index(axis=1)


def lagged(resid: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(e_t, e_{t-1}, entity code)`` over rows whose previous period is observed.

    Periods are the sorted distinct time labels of the residuals; a gap gives no lag.
    """
    index = resid.index
    entity = pd.factorize(index.get_level_values(0), sort=True)[0]
    time = pd.factorize(index.get_level_values(1), sort=True)[0]
    order = np.lexsort((time, entity))
    e, ent, t = resid.to_numpy()[order], entity[order], time[order]
    ok = np.flatnonzero((ent[1:] == ent[:-1]) & (t[1:] - t[:-1] == 1)) + 1
    return e[ok], e[ok - 1], ent[ok]
