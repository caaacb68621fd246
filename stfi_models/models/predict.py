r"""Predictions of the static models on new data, panel operators included.

``res.predict(newdata)`` builds the model's regressors on ``newdata`` with the same formula,
so ``L(x, 1)``, ``D(x)`` and ``F(x)`` are built *within newdata's own panel* (its entities
and periods; a lag needs the earlier period in ``newdata``), and returns

.. math:: \hat y_{it} = x_{it}^\prime \hat\beta + \hat\alpha_i + \hat\gamma_t

where the absorbed effects :math:`\hat\alpha_i, \hat\gamma_t` of a fixed-effects model are
the ones estimated on the sample (:math:`\hat d_{it} = y_{it} - x_{it}^\prime\hat\beta -
\hat e_{it}`, split into entity and time parts by least squares; their sum is unique on a
connected panel).  An entity or period the model never saw has no estimated effect: its
prediction is NaN (counted in a warning).  Random effects predict :math:`x^\prime\hat\beta`
(no BLUP of :math:`\alpha_i`); pooled OLS predicts :math:`x^\prime\hat\beta` (dummies
``C(...)`` included).  Rows whose regressors are missing (e.g. the first period for a lag)
are dropped and counted as in ``fit``.  Without ``newdata`` the fitted values of the
estimation sample are returned, on the same scale.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from stfi_models.exceptions import MissingValueWarning, SpecificationError
from stfi_models.formula.columns import column_references
from stfi_models.formula.design import build_design
from stfi_models.panel import PanelData

__all__ = ["predict_static", "PREDICTS"]

#: Models whose predict() is defined.
PREDICTS = ("pooled", "fe", "re")


def _effects(model: Any, params: pd.Series, reg_resid: np.ndarray
             ) -> tuple[pd.Series | None, pd.Series | None]:
    """Absorbed entity and time effects estimated on the sample (``None`` if not absorbed)."""
    effects = getattr(model, "effects", ())
    if not effects:
        return None, None
    design = model.design
    x = design.x.drop(columns="Intercept", errors="ignore")[params.index]
    d = design.y.iloc[:, 0].to_numpy() - x.to_numpy() @ params.to_numpy() - reg_resid
    index = design.y.index
    codes = {"entity": model._entity, "time": model._time}
    blocks = [np.eye(int(codes[e].max()) + 1)[codes[e]] for e in effects]
    coef, *_ = np.linalg.lstsq(np.hstack(blocks), d, rcond=None)
    out: dict[str, pd.Series] = {}
    start = 0
    for effect, block in zip(effects, blocks, strict=True):
        level = 0 if effect == "entity" else 1
        labels = pd.Index(index.get_level_values(level)).unique().sort_values()
        out[effect] = pd.Series(coef[start:start + block.shape[1]], index=labels)
        start += block.shape[1]
    return out.get("entity"), out.get("time")


def predict_static(model: Any, params: pd.Series, fitted: pd.Series, reg_resid: np.ndarray,
                   newdata: pd.DataFrame | None = None) -> pd.Series:
    """Predictions of a fitted static model (see the module notes).

    Raises
    ------
    SpecificationError
        The model has no predict(), ``newdata`` is not a DataFrame, or its regressors differ
        from the fitted ones (e.g. a level of ``C(region)`` missing from ``newdata``).
    """
    if model.name not in PREDICTS:
        raise SpecificationError(
            f"predict() is defined for models {', '.join(PREDICTS)}; model={model.name!r} "
            "estimates a transformed equation (differences or entity means)."
        )
    entity_fx, time_fx = _effects(model, params, reg_resid)
    if newdata is None:
        if model.name == "fe":
            return (model.design.y.iloc[:, 0] - pd.Series(reg_resid, index=fitted.index)
                    ).rename("predicted")
        return fitted.rename("predicted")
    if not isinstance(newdata, pd.DataFrame):
        raise SpecificationError(f"newdata must be a pandas DataFrame, got {type(newdata)}.")
    panel = model.panel
    frame = newdata.copy()
    rhs = {name for term in model.spec.rhs for name, _ in column_references(term.node)}
    for term in model.spec.lhs:  # the response is not needed: a placeholder keeps rows
        for name, _ in column_references(term.node):
            if name in rhs and name not in frame.columns:
                raise SpecificationError(
                    f"newdata lacks column '{name}', which the regressors use (e.g. a lag of "
                    "the dependent variable); add it."
                )
            if name not in frame.columns:
                frame[name] = 1.0
    new_panel = PanelData(frame, panel.entity, panel.time)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingValueWarning)
        design = build_design(model.spec, new_panel, absorb=model._absorb, warn=False,
                              check_dependent=False)
    x = design.x.drop(columns="Intercept", errors="ignore") if model.name == "fe" else design.x
    if list(x.columns) != list(params.index):
        missing = [c for c in params.index if c not in x.columns]
        extra = [c for c in x.columns if c not in params.index]
        raise SpecificationError(
            "The regressors built on newdata differ from the fitted ones"
            + (f"; missing: {', '.join(map(str, missing))}" if missing else "")
            + (f"; not in the model: {', '.join(map(str, extra))}" if extra else "")
            + ". newdata needs every level of each C(...) term the model was fitted on."
        )
    pred = pd.Series(x.to_numpy() @ params.to_numpy(), index=x.index, name="predicted")
    for effect, level in ((entity_fx, 0), (time_fx, 1)):
        if effect is not None:
            pred = pred + effect.reindex(x.index.get_level_values(level)).to_numpy()
    unseen = int(pred.isna().sum())
    parts = ([f"{design.dropped.n} rows of newdata lack a regressor (e.g. a lag's earlier "
              "period) and are left out"] if design.dropped.n else [])
    parts += ([f"{unseen} rows have an entity or period without an estimated effect (NaN)"]
              if unseen else [])
    if parts:
        warnings.warn(f"predict(): {'; '.join(parts)}.", MissingValueWarning, stacklevel=3)
    return pred
