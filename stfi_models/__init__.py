"""stfi-models: the empirical pipeline of the science-and-technology-finance literature.

Formulas in, one immutable Result out::

    import stfi_models as sm
    res = sm.fit("n ~ w + k + C(id)", sm.load_abdata(), entity="id", time="year")
"""

from stfi_models.api import fit
from stfi_models.exceptions import (
    EstimationError,
    FormulaError,
    MissingValueWarning,
    PanelDataError,
    SpecificationError,
    SpecificationWarning,
    StfiError,
    UnsafeFormulaError,
)
from stfi_models.formula import parse_formula
from stfi_models.panel import PanelData
from stfi_models.results import Result, TestResult

__version__ = "0.1.0"

__all__ = [
    "fit",
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
]
