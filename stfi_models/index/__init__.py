"""Composite indices: entropy, CRITIC, CV, equal and PCA weights; hierarchical or flat.

``build_index("STFI ~ invest(a + b) + market(c - d)", df, entity=..., time=...)`` returns an
:class:`IndexResult`; study files (TOML) in ``formulas/`` are run by :func:`run_study`.
"""

from stfi_models.index import propagate
from stfi_models.index.composite import build_index
from stfi_models.index.coupling import CouplingResult, coupling_coordination
from stfi_models.index.formula import IndexSpec, Indicator, IndicatorGroup, parse_index_formula
from stfi_models.index.obstacle import ObstacleResult, obstacle_degree
from stfi_models.index.result import IndexResult
from stfi_models.index.robustness import rank_robustness
from stfi_models.index.sensitivity import sensitivity
from stfi_models.index.sensitivity_result import SensitivityResult
from stfi_models.index.study import Study, derive_columns, load_study, run_study, study_data
from stfi_models.index.weights import (
    COMBINE_RULES,
    WEIGHT_METHODS,
    Weights,
    compute_weights,
    critic_weights,
    cv_weights,
    entropy_weights,
    equal_weights,
    pca_weights,
)

__all__ = [
    "build_index",
    "IndexResult",
    "IndexSpec",
    "Indicator",
    "IndicatorGroup",
    "parse_index_formula",
    "Study",
    "load_study",
    "derive_columns",
    "study_data",
    "run_study",
    "WEIGHT_METHODS",
    "COMBINE_RULES",
    "Weights",
    "compute_weights",
    "entropy_weights",
    "critic_weights",
    "cv_weights",
    "equal_weights",
    "pca_weights",
    "propagate",
    "rank_robustness",
    "sensitivity",
    "SensitivityResult",
    "coupling_coordination",
    "CouplingResult",
    "obstacle_degree",
    "ObstacleResult",
]
