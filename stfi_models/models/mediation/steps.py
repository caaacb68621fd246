"""The Baron-Kenny steps of a mediation model and the vector of its paths.

:func:`_fit_steps` estimates the total-effect, mediator and outcome steps with
:func:`stfi_models.fit` on one common sample; :func:`_labels` and :func:`_path_vector` define the
order of the paths (c, c', a, b, indirect effects, proportions) shared by
:class:`~stfi_models.models.mediation.MediationResult` and every bootstrap replicate.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stfi_models.api import fit
from stfi_models.exceptions import EstimationError, MissingValueWarning
from stfi_models.formula.design import Design, build_design
from stfi_models.formula.grammar import parse_formula
from stfi_models.models.mediation.spec import _Setup
from stfi_models.panel import PanelData
from stfi_models.results.result import Result

#: Path labels of :attr:`MediationResult.params` (first index level).
PATHS = ("c", "c'", "a", "b", "indirect", "proportion", "total indirect", "total proportion")
#: Column holding a step's dependent variable restricted to the common sample.
_MASKED = "_mediate_common_sample_dependent"


@dataclass(frozen=True)
class _Steps:
    total: Result
    mediator_models: dict[str, Result]
    direct: Result
    design: Design


def _fit_steps(setup: _Setup, frame: pd.DataFrame) -> _Steps:
    """Fit the Baron-Kenny steps with :func:`fit` on the common sample of ``frame``.

    The common sample is the estimation sample of the widest step (outcome on treatments,
    mediators and controls).  A narrower step whose own sample is larger is given its
    dependent variable as a copy set missing outside the common sample (the original column
    stays intact, so lags of it on the right-hand side are unaffected); its Result is then
    relabelled with the real dependent variable, formula and the common sample's drop count.
    """
    panel = PanelData(frame, setup.entity, setup.time)
    design = build_design(parse_formula(setup.direct_formula), panel, warn=False)
    outside = np.ones(len(panel.frame), dtype=bool)
    outside[design.rows] = False
    work = panel.frame

    def run(dependent: str, *regressors: str) -> Result:
        formula = setup.formula(dependent, *regressors)
        data, lhs = work, dependent
        if (outside & work[dependent].notna().to_numpy()).any():
            lhs = _MASKED
            data = work.assign(**{_MASKED: work[dependent].where(~outside)})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MissingValueWarning)
            res = fit(setup.formula(lhs, *regressors), data, entity=setup.entity,
                      time=setup.time, model=setup.model, **setup.fit_options)
        return res.replace(formula=formula, dependent=dependent, dropped=design.dropped)

    total = run(setup.outcome, *setup.treatments)
    mediator_models = {m: run(m, *setup.treatments) for m in setup.mediators}
    direct = run(setup.outcome, *setup.treatments, *setup.mediators)
    for res in (total, *mediator_models.values()):
        if res.nobs != direct.nobs:
            raise EstimationError(
                f"The mediation steps used different samples ({res.nobs} vs {direct.nobs} rows; "
                f"'{res.formula}'). Remove rows with missing values before calling mediate()."
            )
    return _Steps(total, mediator_models, direct, design)


def _labels(treatments: tuple[str, ...], mediators: tuple[str, ...]) -> pd.MultiIndex:
    rows: list[tuple[str, str, str]] = []
    for x in treatments:
        rows += [("c", x, ""), ("c'", x, "")]
    for m in mediators:
        rows += [("a", x, m) for x in treatments]
        rows.append(("b", "", m))
    for m in mediators:
        rows += [("indirect", x, m) for x in treatments]
        rows += [("proportion", x, m) for x in treatments]
    if len(mediators) > 1:
        rows += [("total indirect", x, "") for x in treatments]
        rows += [("total proportion", x, "") for x in treatments]
    return pd.MultiIndex.from_tuples(rows, names=["path", "treatment", "mediator"])


def _path_vector(c: np.ndarray, cprime: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """All paths in the order of :func:`_labels`; ``a`` is ``(mediators, treatments)``."""
    ab = a * b[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = ab / c[None, :]
        parts = [np.column_stack([c, cprime]).ravel()]
        for j in range(a.shape[0]):
            parts += [a[j], b[j : j + 1]]
        for j in range(a.shape[0]):
            parts += [ab[j], share[j]]
        if a.shape[0] > 1:
            total = ab.sum(axis=0)
            parts += [total, total / c]
    return np.concatenate(parts)


def _paths_of(setup: _Setup, steps: _Steps) -> np.ndarray:
    xs, ms = list(setup.treatments), list(setup.mediators)
    c = steps.total.params[xs].to_numpy(dtype=float)
    cprime = steps.direct.params[xs].to_numpy(dtype=float)
    a = np.array([steps.mediator_models[m].params[xs].to_numpy(dtype=float) for m in ms])
    b = steps.direct.params[ms].to_numpy(dtype=float)
    return _path_vector(c, cprime, a, b)

