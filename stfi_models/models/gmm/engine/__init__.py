"""Linear panel GMM engine shared by difference/system GMM, the panel VAR and dynamic thresholds."""

from __future__ import annotations

from stfi_models.models.gmm.engine.fit import (
    GmmFit,
    HStructure,
    arellano_bond_ar,
    chi2_pvalue,
    entity_sums,
    first_difference,
    forward_orthogonal_deviations,
    gmm_fit,
    gmm_style,
    h_first_difference,
    h_identity,
    h_outer,
    h_system,
    hansen_j,
    independent_columns,
    level_gmm_style,
    lookup,
    stack_equations,
    wald_test,
    windmeijer,
)

__all__ = [
    "first_difference",
    "forward_orthogonal_deviations",
    "lookup",
    "gmm_style",
    "level_gmm_style",
    "independent_columns",
    "HStructure",
    "h_first_difference",
    "h_identity",
    "h_system",
    "h_outer",
    "GmmFit",
    "gmm_fit",
    "hansen_j",
    "arellano_bond_ar",
    "wald_test",
    "entity_sums",
    "stack_equations",
    "windmeijer",
    "chi2_pvalue",
]
