"""From a formula with ``regimes(z, by=q)`` to the arrays of a threshold model.

``y ~ x1 + x2 + regimes(z1, z2, by=q) | id``: ``x1, x2`` keep one slope, ``z1, z2`` get one
slope per regime of the threshold variable ``q``, and the entity effects are swept out.  The
regime variables and ``q`` are built by the ordinary design machinery (panel operators,
math, missing-value accounting), as extra terms of the formula; ``q`` is a regressor only
if the formula also lists it outside ``regimes()`` (Hansen's model has the debt ratio both
as the threshold variable and as a control).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stfi_models.exceptions import EstimationError, FormulaError, PanelDataError
from stfi_models.formula.design import Design, build_design
from stfi_models.formula.grammar import is_regimes, parse_regimes
from stfi_models.formula.operators import OperatorEvaluator
from stfi_models.formula.render import term_text, unquote
from stfi_models.formula.safety import point_at_node
from stfi_models.formula.spec import FormulaSpec, RegimeSpec, Term
from stfi_models.models.static.base import _check_rank
from stfi_models.panel import PanelData

__all__ = ["ThresholdData", "threshold_data", "check_identified", "regime_block", "column_name"]


@dataclass(frozen=True)
class ThresholdData:
    """The estimation sample of a threshold model, untransformed, sorted by entity and time.

    Attributes
    ----------
    design : Design
        Design of the formula with the regime variables and ``q`` as plain terms.
    y : numpy.ndarray
    x : numpy.ndarray
        Regime-independent regressors (no intercept).
    z : numpy.ndarray
        Regime-dependent regressors.
    q : numpy.ndarray
        Threshold variable.
    x_names, z_names : list of str
    q_name : str
    entity : numpy.ndarray
        Entity code ``0..N-1`` of each row.
    time : numpy.ndarray
        Time code of each row.
    time_effects : bool
        The formula absorbs period effects too (``| id + year`` or ``C(year)``).
    """

    design: Design
    y: np.ndarray
    x: np.ndarray
    z: np.ndarray
    q: np.ndarray
    x_names: list[str]
    z_names: list[str]
    q_name: str
    entity: np.ndarray
    time: np.ndarray
    time_effects: bool = False

    @property
    def index(self) -> pd.MultiIndex:
        """(entity, time) labels of the rows."""
        return self.design.y.index  # type: ignore[return-value]


def regime_block(spec: FormulaSpec, model: str) -> tuple[RegimeSpec, list[Term]]:
    """Return the one ``regimes()`` block of the formula and the other right-hand terms."""
    blocks = [t for t in spec.rhs if is_regimes(t.node)]
    if not blocks:
        raise FormulaError(
            f"model='{model}' needs a regimes() term naming the regressors whose slope "
            "switches and the threshold variable, e.g. 'y ~ x + regimes(z, by=q) | id':\n  "
            f"{spec.text}"
        )
    if len(blocks) > 1:
        raise FormulaError(
            f"model='{model}' takes one regimes() term; list several regime-dependent "
            "variables inside it, regimes(z1, z2, by=q):\n"
            f"{point_at_node(spec.text, blocks[1].node)}"
        )
    return parse_regimes(blocks[0], spec.text), [t for t in spec.rhs if t is not blocks[0]]


def column_name(node, evaluator: OperatorEvaluator, spec: FormulaSpec, what: str) -> str:
    """Return the design column a one-column term becomes (``L(x, 1)`` -> ``L1.x``)."""
    nodes = evaluator.expand_term(Term(node, "", 1))
    if len(nodes) != 1:
        raise FormulaError(
            f"The {what} must be one column; a lag range gives several. Write one "
            f"L(x, k) per lag:\n{point_at_node(spec.text, node)}"
        )
    return unquote(term_text(nodes[0]))


def threshold_data(spec: FormulaSpec, panel: PanelData, model: str = "threshold"
                   ) -> ThresholdData:
    """Build the sample of a threshold (or smooth transition) model.

    Errors name the term, the option and the fix; ``model`` is quoted in them.
    """
    regimes, controls = regime_block(spec, model)
    evaluator = OperatorEvaluator(panel, spec.text)
    z_terms = [Term(v, spec.text[v.src_start:v.src_end], 1) for v in regimes.variables]
    q_term = Term(regimes.by, spec.text[regimes.by.src_start:regimes.by.src_end], 1)
    design = build_design(dataclasses.replace(spec, rhs=(*controls, *z_terms, q_term)), panel,
                          absorb=True)
    columns = list(design.x.columns)
    z_names = [column_name(v, evaluator, spec, "regime-dependent variable")
               for v in regimes.variables]
    q_name = column_name(regimes.by, evaluator, spec, "threshold variable (by=)")
    for name, node in [*zip(z_names, regimes.variables, strict=True), (q_name, regimes.by)]:
        if name not in columns:
            raise FormulaError(
                f"'{name}' must be a numeric column or expression (a categorical C() cannot "
                f"switch regime or be a threshold variable):\n{point_at_node(spec.text, node)}"
            )
    control_names: set[str] = set()
    for term in controls:
        control_names |= {unquote(term_text(n)) for n in evaluator.expand_term(term)}
    both = [n for n in z_names if n in control_names]
    if both:
        raise FormulaError(
            f"{', '.join(both)} appear(s) both inside regimes() and as a plain regressor; "
            "regimes() already gives one slope per regime. Remove the plain term.\n  "
            f"{spec.text}"
        )
    if len(set(z_names)) != len(z_names):
        raise FormulaError(f"A variable is listed twice inside regimes():\n  {spec.text}")
    drop = {"Intercept", *z_names} | (set() if q_name in control_names else {q_name})
    x_names = [c for c in columns if c not in drop]
    rows = design.y.index
    entity = pd.factorize(rows.get_level_values(0), sort=True)[0]
    time = pd.factorize(rows.get_level_values(1), sort=True)[0]
    sample = PanelData(rows.to_frame(index=False), panel.entity, panel.time).balance
    if not sample.balanced:
        raise PanelDataError(
            f"model='{model}' needs a balanced panel (bootstraps resample whole entities' "
            "residual series; period effects are swept out by period means); the estimation "
            f"sample has {sample.n_entities} entities with {sample.t_min} to {sample.t_max} of "
            f"{sample.n_periods} periods ({design.dropped}). Keep the entities observed in "
            "every period, e.g. df.groupby(entity).filter(lambda g: "
            "g[cols].notna().all().all() and len(g) == n_periods)."
        )
    q = design.x[q_name].to_numpy(dtype=float)
    if np.ptp(q) == 0:
        raise EstimationError(
            f"The threshold variable '{q_name}' is constant on the sample ({q[0]:g}): it "
            "cannot split the observations into regimes. Choose another by= variable."
        )
    if sample.n_periods < 2:
        raise EstimationError(f"model='{model}' needs at least 2 periods per entity.")
    return ThresholdData(design, design.y.iloc[:, 0].to_numpy(dtype=float),
                         design.x[x_names].to_numpy(dtype=float),
                         design.x[z_names].to_numpy(dtype=float), q, x_names, z_names,
                         q_name, entity, time, "time" in design.absorbed)


def check_identified(data: ThresholdData, transformed: np.ndarray) -> None:
    """Raise if the linear model (controls and regime variables) is not identified.

    ``transformed`` holds the within-transformed controls and regime variables.  A regime
    variable constant within entity has no regime slopes either: their sum is absorbed by the
    fixed effects.

    Raises
    ------
    EstimationError
        Naming the columns that vanish or are collinear, and the fix.
    """
    _check_rank(transformed, data.x_names + data.z_names, "after the within transformation",
                before=np.column_stack([data.x, data.z]),
                vanish_hint=" (constant within entity)")
