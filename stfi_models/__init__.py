"""stfi-models: the empirical pipeline of the science-and-technology-finance literature.

Formulas in, one immutable Result out::

    import stfi_models as sm
    res = sm.fit("n ~ w + k + C(id)", sm.load_abdata(), entity="id", time="year")
"""

import inspect as _inspect

from stfi_models._checks import guard_keywords as _guard_keywords
from stfi_models._plotting import save_figure
from stfi_models.api import fit
from stfi_models.convergence import beta_convergence, sigma_convergence, spatial_beta_convergence
from stfi_models.datasets import (
    china_capital_cities,
    china_citation,
    china_contiguity,
    china_coordinates,
    china_provinces,
    china_regions,
    china_variables,
    dataset_citation,
    list_datasets,
    load_abdata,
    load_china_capital,
    load_china_gdp,
    load_china_population,
    load_china_provinces,
    load_dahlberg,
    load_dataset,
    load_grunfeld,
    load_hansen1999,
    load_nqp,
    simulate_dynamic_panel,
    simulate_stfi_panel,
)
from stfi_models.datasets.produc import load_produc, produc_weights
from stfi_models.diagnostics import (
    cips_test,
    cross_section_dependence,
    groupwise_heteroskedasticity,
    hadri_test,
    llc_test,
    pesaran_cd,
    random_effects_lm,
    wooldridge_fd,
    wooldridge_fe,
)
from stfi_models.exceptions import (
    EstimationError,
    FormulaError,
    IllConditionedWarning,
    MissingValueWarning,
    NaNStatisticWarning,
    PanelDataError,
    SpecificationError,
    SpecificationWarning,
    StfiError,
    UnsafeFormulaError,
)
from stfi_models.formula import parse_formula
from stfi_models.index import (
    IndexResult,
    build_index,
    coupling_coordination,
    load_study,
    obstacle_degree,
    parse_index_formula,
    propagate,
    run_study,
)
from stfi_models.inequality import dagum_gini, kernel_density, theil
from stfi_models.inference import WildBootstrap
from stfi_models.models.gmm import DiffGMM, DynamicMultipliers, GmmResult, SystemGMM
from stfi_models.models.iv import IVModel
from stfi_models.models.mediation import MediationResult, mediate, sobel_tests
from stfi_models.models.pvar import PanelVAR, PanelVARResult
from stfi_models.models.spatial import SpatialEffects, SpatialResult, spatial_model_choice
from stfi_models.models.static import hausman
from stfi_models.panel import PanelData
from stfi_models.productivity import TFPResult, tfp
from stfi_models.replicate import load_replication, replicate
from stfi_models.results import Result, TestResult
from stfi_models.results.irf import FEVD, IRF
from stfi_models.results.stability import Stability
from stfi_models.results.tables import etable, write_tables
from stfi_models.spatial import (
    SpatialWeights,
    china_weights,
    geary,
    local_moran,
    moran,
    read_gal,
)
from stfi_models.unitroot import fisher_adf_test, ips_test
from stfi_models.validation import run_validation

__version__ = "0.2.0.dev0"

__all__ = [
    "fit",
    "etable",
    "write_tables",
    "save_figure",
    "dagum_gini",
    "theil",
    "kernel_density",
    "SpatialWeights",
    "read_gal",
    "china_weights",
    "moran",
    "geary",
    "local_moran",
    "SpatialResult",
    "SpatialEffects",
    "spatial_model_choice",
    "load_produc",
    "produc_weights",
    "sigma_convergence",
    "beta_convergence",
    "spatial_beta_convergence",
    "hausman",
    "IVModel",
    "pesaran_cd",
    "cross_section_dependence",
    "wooldridge_fd",
    "wooldridge_fe",
    "groupwise_heteroskedasticity",
    "random_effects_lm",
    "hadri_test",
    "llc_test",
    "cips_test",
    "WildBootstrap",
    "DiffGMM",
    "SystemGMM",
    "GmmResult",
    "DynamicMultipliers",
    "PanelVAR",
    "PanelVARResult",
    "IRF",
    "FEVD",
    "Stability",
    "ips_test",
    "fisher_adf_test",
    "tfp",
    "TFPResult",
    "replicate",
    "load_replication",
    "run_validation",
    "simulate_stfi_panel",
    "simulate_dynamic_panel",
    "mediate",
    "MediationResult",
    "sobel_tests",
    "build_index",
    "coupling_coordination",
    "obstacle_degree",
    "propagate",
    "IndexResult",
    "parse_index_formula",
    "run_study",
    "load_study",
    "load_abdata",
    "load_grunfeld",
    "load_dahlberg",
    "load_hansen1999",
    "load_china_provinces",
    "load_china_gdp",
    "load_china_population",
    "load_china_capital",
    "load_nqp",
    "china_variables",
    "china_citation",
    "china_provinces",
    "china_regions",
    "china_contiguity",
    "china_capital_cities",
    "china_coordinates",
    "list_datasets",
    "load_dataset",
    "dataset_citation",
    "parse_formula",
    "PanelData",
    "Result",
    "TestResult",
    "StfiError",
    "FormulaError",
    "UnsafeFormulaError",
    "PanelDataError",
    "SpecificationError",
    "EstimationError",
    "MissingValueWarning",
    "SpecificationWarning",
    "IllConditionedWarning",
    "NaNStatisticWarning",
]


def _guard_public_functions() -> None:
    """Every public function refuses an unknown keyword with a "did you mean" hint."""
    namespace = globals()
    for name in __all__:
        if _inspect.isfunction(namespace[name]):
            namespace[name] = _guard_keywords(namespace[name])


_guard_public_functions()
