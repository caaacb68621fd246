r"""Build a composite index: normalise, weight, aggregate (hierarchically or flat).

The hierarchical procedure of the STFI literature (e.g. the seed paper's four sub-indices):

1. normalise every indicator (:mod:`stfi_models.index.normalize`);
2. within each sub-index :math:`g`, weight its indicators by the chosen method and score
   :math:`S_{ig} = \sum_{j \in g} w_{j|g} x'_{ij}`;
3. weight the sub-indices by the *same* method applied to the sub-index scores
   :math:`S_{ig}` and score the composite :math:`\mathrm{CI}_i = \sum_g W_g S_{ig}`.

The flat variant weights all indicators at once, :math:`\mathrm{CI}_i = \sum_j w_j x'_{ij}`,
and reports each sub-index as :math:`S_{ig} = \sum_{j\in g} w_j x'_{ij} / W_g` with
:math:`W_g = \sum_{j \in g} w_j` (so again :math:`\mathrm{CI}_i = \sum_g W_g S_{ig}`).

Weights are computed once over the panel (``weights_by="pooled"``) or for each year's
cross-section (``weights_by="year"``), or given (``method="given"``, ``weights={name: w}``:
each set of siblings is rescaled to sum to one).  Scoring is the weighted sum, the weighted
geometric mean :math:`\prod_j x'^{\,w_j}_{ij}` (OECD/JRC 2008, section 6.2: less
compensability; a zero normalised value gives a zero score) or TOPSIS (Hwang & Yoon 1981):
with :math:`v_{ij} = w_j x'_{ij}`, :math:`v^+_j = \max_i v_{ij}`,
:math:`v^-_j = \min_i v_{ij}` over the rows of the weight block,
:math:`D^\pm_i = \lVert v_i - v^\pm \rVert_2` and closeness :math:`C_i = D^-_i/(D^+_i + D^-_i)`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from stfi_models._checks import guard_keywords
from stfi_models.exceptions import (
    EstimationError,
    SpecificationError,
    SpecificationWarning,
    check_choice,
    did_you_mean,
)
from stfi_models.index.bod import bod_scores
from stfi_models.index.formula import IndexSpec, parse_index_formula
from stfi_models.index.missing import MISSING_RULES, check_indicators, handle_missing
from stfi_models.index.normalize import NORMALIZE_METHODS, SCOPES
from stfi_models.index.normalize import normalize as normalize_values
from stfi_models.index.result import IndexResult
from stfi_models.index.weights import COMBINE_RULES, WEIGHT_METHODS, Weights, compute_weights
from stfi_models.panel import PanelData, as_panel

__all__ = ["build_index", "SCORING_RULES", "HIERARCHY_RULES", "WEIGHTS_BY"]

#: Aggregation of normalised indicators into scores.
SCORING_RULES = ("weighted_sum", "geometric", "topsis", "bod")
#: ``method`` value for weights given by the user (``weights=``).
GIVEN = "given"
#: Hierarchical (weights within groups, then between) or flat (all indicators at once).
HIERARCHY_RULES = ("hierarchical", "flat")
#: Blocks over which weights are computed.
WEIGHTS_BY = ("pooled", "year")


def _score(x: np.ndarray, w: np.ndarray, scoring: str) -> np.ndarray:
    """Weighted sum, geometric mean, TOPSIS closeness or benefit-of-the-doubt scores."""
    if scoring == "weighted_sum":
        return x @ w
    if scoring == "bod":
        return bod_scores(x)
    if scoring == "geometric":
        if np.any(x < 0):
            raise SpecificationError(
                "scoring='geometric' needs non-negative normalised values, but some are "
                "negative (z-scores?). Use normalize='minmax', 'rank' or 'distance'."
            )
        return np.prod(np.power(x, w), axis=1)
    v = x * w
    d_best = np.sqrt(((v - v.max(axis=0)) ** 2).sum(axis=1))
    d_worst = np.sqrt(((v - v.min(axis=0)) ** 2).sum(axis=1))
    total = d_best + d_worst
    if np.any(total == 0):
        raise EstimationError(
            "TOPSIS closeness is undefined: some rows equal both the ideal and the anti-ideal "
            "(every weighted indicator is constant in the block). Use scoring='weighted_sum'."
        )
    return d_worst / total


def _weight_rows(
    w: Weights,
    names: list[str],
    directions: list[int],
    level: str,
    parent: str,
    scale: np.ndarray,
    block: object,
) -> list[dict[str, Any]]:
    """Rows of the tidy weights table for one set of siblings (``scale``: parent's weight)."""
    rows = []
    for j, name in enumerate(names):
        row = {
            "level": level,
            "group": parent,
            "indicator": name,
            "direction": directions[j],
            "block": block,
            "entropy": w.entropy[j],
            "divergence": w.divergence[j],
            "criterion": w.criterion[j],
            "weight": w.weight[j],
            "global_weight": w.weight[j] * scale[j],
        }
        row.update({f"w_{part}": values[j] for part, values in w.components.items()})
        rows.append(row)
    return rows


class _Columns:
    """Columns of a block as float arrays, ``view[names]`` (no pandas indexing per call)."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.values = frame.to_numpy(dtype=float)
        self.position = {c: j for j, c in enumerate(frame.columns)}

    def __getitem__(self, names: list[str]) -> np.ndarray:
        return self.values[:, [self.position[c] for c in names]]

    def __len__(self) -> int:
        return len(self.values)


class _Builder:
    """Weights and scores of one block of rows (all rows, or one year)."""

    def __init__(self, spec: IndexSpec, options: Mapping[str, Any]) -> None:
        self.spec = spec
        self.options = options
        self.zero_weight: list[tuple[str, object]] = []
        self.columns = [[ind.name for ind in g.indicators] for g in spec.groups]
        self.directions = [[ind.direction for ind in g.indicators] for g in spec.groups]
        self.group_names = [g.name for g in spec.groups]

    def weigh(self, x: np.ndarray, names: list[str], block: object) -> Weights:
        if self.options["method"] == GIVEN:
            given = np.array([self.options["weights"][n] for n in names], dtype=float)
            nan = np.full(len(names), np.nan)
            return Weights(given / given.sum(), given, nan, nan)
        w, constant = compute_weights(
            x, self.options["method"], shift=self.options["shift"], combine=self.options["combine"]
        )
        self.zero_weight.extend((names[j], block) for j in np.flatnonzero(constant))
        return w

    def score(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        return _score(x, w, self.options["scoring"])

    def block(self, x: pd.DataFrame, block: object) -> tuple[np.ndarray, list[dict[str, Any]]]:
        """Scores (rows x [composite, sub-indices]) and weight-table rows for one block."""
        view = _Columns(x)
        if self.options["hierarchy"] == "flat" or not self.spec.hierarchical:
            return self._flat(view, block)
        return self._hierarchical(view, block)

    def _hierarchical(self, x: _Columns, block: object):
        inner = [self.weigh(x[cols], cols, block) for cols in self.columns]
        sub = np.column_stack(
            [
                self.score(x[cols], w.weight)
                for cols, w in zip(self.columns, inner, strict=False)
            ]
        )
        outer = self.weigh(sub, self.group_names, block)
        table: list[dict[str, Any]] = []
        for g, (cols, w) in enumerate(zip(self.columns, inner, strict=False)):
            table += _weight_rows(w, cols, self.directions[g], "indicator", self.group_names[g],
                                  np.full(len(cols), outer.weight[g]), block)
        table += self._group_rows(outer, block)
        return np.column_stack([self.score(sub, outer.weight), sub]), table

    def _flat(self, x: _Columns, block: object):
        names = [c for cols in self.columns for c in cols]
        w = self.weigh(x[names], names, block)
        composite = self.score(x[names], w.weight)
        if not self.spec.hierarchical:
            rows = _weight_rows(w, names, self.directions[0], "indicator", self.spec.name,
                                np.ones(len(names)), block)
            return composite[:, None], rows
        table: list[dict[str, Any]] = []
        sub_scores, group_weight, start = [], [], 0
        for g, cols in enumerate(self.columns):
            part = w.take(slice(start, start + len(cols)))
            total = part.weight.sum()  # the sub-index's weight: its indicators' share
            share = part.weight / total if total > 0 else np.zeros(len(cols))
            sub_scores.append(
                self.score(x[cols], share) if total > 0 else np.zeros(len(x))
            )
            group_weight.append(total)
            table += _weight_rows(part.replace_weight(share), cols, self.directions[g],
                                  "indicator", self.group_names[g], np.full(len(cols), total),
                                  block)
            start += len(cols)
        sums = np.array(group_weight)
        nan = np.full(len(sums), np.nan)
        outer = Weights(sums, sums, nan, nan, {k: nan for k in w.components})
        table += self._group_rows(outer, block)
        return np.column_stack([composite, *sub_scores]), table

    def _group_rows(self, outer: Weights, block: object) -> list[dict[str, Any]]:
        n = len(self.group_names)
        return _weight_rows(outer, self.group_names, [1] * n, "subindex", self.spec.name,
                            np.ones(n), block)


def _warn_constant(
    in_normalization: list[tuple[str, object]], zero_weight: list[tuple[str, object]], scope: str
) -> None:
    """One warning for indicators that are constant in a normalisation or weight block."""
    parts = []
    if zero_weight:
        names = sorted({n for n, _ in zero_weight})
        parts.append(f"{names} got weight 0 as constant indicators carry no information "
                     f"({len(zero_weight)} weight block(s))")
    if in_normalization:
        shown = ", ".join(f"{c} ({b})" for c, b in in_normalization[:8])
        more = f" and {len(in_normalization) - 8} more" if len(in_normalization) > 8 else ""
        parts.append(f"constant within a normalisation block (scope={scope!r}), so set to 0 "
                     f"there: {shown}{more}")
    if parts:
        warnings.warn("Constant indicator(s): " + "; ".join(parts) + ".",
                      SpecificationWarning, stacklevel=3)


def _given_weights(
    weights: Mapping[str, float] | None, spec: IndexSpec, method: str, hierarchy: str
) -> dict[str, float]:
    """Check ``weights=`` against the formula: one finite weight >= 0 per indicator/group."""
    if method != GIVEN:
        raise SpecificationError(
            f"weights= is only used with method='given' (method={method!r} computes them)."
        )
    if not isinstance(weights, Mapping):
        raise SpecificationError(
            "method='given' needs weights={name: weight} for every indicator, e.g. "
            f"weights={{{spec.columns[0]!r}: 0.5, ...}}."
        )
    nested = spec.hierarchical and hierarchy == "hierarchical"
    siblings = [[i.name for i in g.indicators] for g in spec.groups] if nested \
        else [list(spec.columns)]
    if nested:
        siblings.append([g.name for g in spec.groups])
    needed = [n for names in siblings for n in names]
    for key in weights:
        if key not in needed:
            raise SpecificationError(
                f"weights: '{key}' is not an indicator or sub-index of the formula."
                f"{did_you_mean(key, needed)} Expected: {', '.join(needed)}."
            )
    missing = [n for n in needed if n not in weights]
    if missing:
        raise SpecificationError(f"weights: no weight given for {missing}.")
    out = {n: float(weights[n]) for n in needed}
    if not all(np.isfinite(v) and v >= 0 for v in out.values()):
        raise SpecificationError(f"weights must be finite and >= 0, got {out}.")
    for names in siblings:
        if sum(out[n] for n in names) <= 0:
            raise SpecificationError(f"weights of {names} sum to 0; give one of them a weight.")
    return out


@guard_keywords
def build_index(
    spec: str | IndexSpec,
    data: pd.DataFrame | PanelData,
    *,
    entity: str | None = None,
    time: str | None = None,
    method: str = "entropy",
    normalize: str = "minmax",
    scope: str = "pooled",
    weights_by: str = "pooled",
    shift: float = 0.0,
    combine: str = "mean",
    hierarchy: str = "hierarchical",
    scoring: str = "weighted_sum",
    missing: str = "error",
    weights: Mapping[str, float] | None = None,
) -> IndexResult:
    r"""Build a composite index from an index formula.

    Parameters
    ----------
    spec : str or IndexSpec
        Index formula, e.g. ``"STFI ~ invest(gov_st + rd) + market(dfi - cost)"`` (see
        :func:`stfi_models.index.formula.parse_index_formula`); ``-`` marks a negative
        indicator.
    data : pandas.DataFrame or PanelData
        The panel, long form.
    entity, time : str, optional
        Key columns (or pass a DataFrame with a 2-level MultiIndex).
    method : {"entropy", "critic", "cv", "equal", "pca", "entropy_critic", "given"}
        Weighting method, used at both levels of a hierarchical index
        (:mod:`stfi_models.index.weights`); ``"given"`` takes ``weights``.
    normalize : {"minmax", "zscore", "rank", "distance", "none"}
        Normalisation (:mod:`stfi_models.index.normalize`).
    scope : {"pooled", "by_year", "by_entity"}
        Block over which min/max (or mean/sd) are taken.
    weights_by : {"pooled", "year"}
        Compute one weight vector for the whole panel, or one per year (cross-section).
    shift : float
        Added to normalised values inside the entropy computation only
        (:math:`p_{ij} = (x'_{ij}+s)/\sum_i(x'_{ij}+s)`).  ``normalized`` and the scores use the
        unshifted values; a shift added to every indicator would only add :math:`s` to every
        weighted-sum score.
    combine : {"mean", "product"}
        How ``method="entropy_critic"`` combines the two weight vectors.
    hierarchy : {"hierarchical", "flat"}
        Weights within each sub-index and then between sub-indices (recomputed on the
        sub-index scores), or all indicators at once.
    scoring : {"weighted_sum", "geometric", "topsis", "bod"}
        Aggregation at each level; ``"bod"`` (benefit of the doubt,
        :mod:`stfi_models.index.bod`) chooses each row's own most favourable weights, so the
        ``method`` weights are reported but not used in the scores.
    missing : {"error", "interpolate", "drop"}
        Missing indicator cells: refuse (naming them), interpolate linearly within entity
        (reported in ``filled``), or drop the rows (reported in ``dropped``).

    Returns
    -------
    IndexResult
        ``scores`` (composite and sub-indices), tidy ``weights``, ``normalized`` indicators.

    Raises
    ------
    FormulaError, UnsafeFormulaError
        Bad formula or unknown indicator column.
    PanelDataError
        Non-numeric, all-missing or infinite indicators, or missing cells with
        ``missing="error"``.
    SpecificationError
        Unknown option or keyword.

    Warns
    -----
    SpecificationWarning
        An indicator is constant (in a normalisation block, or over a weight block, where it
        gets weight 0).
    MissingValueWarning
        Cells were interpolated or rows dropped.

    References
    ----------
    Shannon (1948); Diakoulaki, Mavrotas & Papayannakis (1995); Hwang & Yoon (1981);
    OECD/JRC (2008) *Handbook on Constructing Composite Indicators*.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"p": ["a", "a", "b", "b", "c", "c"], "t": [1, 2] * 3,
    ...                    "x": [1., 2, 3, 4, 5, 7], "y": [3., 1, 2, 2, 1, 0]})
    >>> idx = build_index("I ~ x - y", df, entity="p", time="t")
    >>> round(float(idx.weights["weight"].sum()), 12)
    1.0
    """
    options = {
        "method": check_choice("method", method, (*WEIGHT_METHODS, GIVEN)),
        "normalize": check_choice("normalize", normalize, NORMALIZE_METHODS),
        "scope": check_choice("scope", scope, SCOPES),
        "weights_by": check_choice("weights_by", weights_by, WEIGHTS_BY),
        "shift": float(shift),
        "combine": check_choice("combine", combine, COMBINE_RULES),
        "hierarchy": check_choice("hierarchy", hierarchy, HIERARCHY_RULES),
        "scoring": check_choice("scoring", scoring, SCORING_RULES),
        "missing": check_choice("missing", missing, MISSING_RULES),
    }
    if not np.isfinite(options["shift"]) or options["shift"] < 0:
        raise SpecificationError(
            f"shift={shift!r}: the entropy shift must be a finite number >= 0 (e.g. 0.0001)."
        )
    spec = parse_index_formula(spec) if isinstance(spec, str) else spec
    if method == GIVEN or weights is not None:
        options["weights"] = _given_weights(weights, spec, method, options["hierarchy"])
    panel = as_panel(data, entity, time)
    columns = list(spec.columns)
    check_indicators(panel.frame, spec.columns, spec.text)
    frame, filled, dropped = handle_missing(panel, columns, options["missing"])
    keys = pd.MultiIndex.from_frame(frame[[panel.entity, panel.time]])
    values = pd.DataFrame(frame[columns].to_numpy(dtype=float), index=keys, columns=columns)
    directions = {ind.name: ind.direction for ind in spec.indicators}
    normalized, flat_blocks = normalize_values(
        values, directions, method=options["normalize"], scope=options["scope"]
    )
    builder = _Builder(spec, options)
    out = np.empty((len(normalized), len(spec.groups) + 1 if spec.hierarchical else 1))
    table: list[dict[str, Any]] = []
    if options["weights_by"] == "pooled":
        out[:], table = builder.block(normalized, "all")
    else:
        times = normalized.index.get_level_values(1)
        for t in pd.unique(times):
            rows = np.asarray(times == t)
            out[rows], rows_table = builder.block(normalized.loc[rows], t)
            table += rows_table
    _warn_constant(flat_blocks, builder.zero_weight, options["scope"])
    score_cols = [spec.name] + ([g.name for g in spec.groups] if spec.hierarchical else [])
    scores = pd.DataFrame(out, index=keys, columns=score_cols)
    weights = pd.DataFrame(table)
    if options["weights_by"] == "pooled":
        weights = weights.drop(columns="block")
    else:
        weights = weights.rename(columns={"block": panel.time})
    return IndexResult(
        spec=spec,
        entity=panel.entity,
        time=panel.time,
        options=options,
        scores=scores,
        weights=weights,
        normalized=normalized,
        filled=filled,
        dropped=dropped,
        data=panel.frame,
    )
