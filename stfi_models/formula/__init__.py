"""Formula language: patsy syntax plus panel operators, instrument parts and systems."""

from stfi_models.formula.design import Design, Dropped, build_design
from stfi_models.formula.grammar import FormulaSpec, InstrumentSpec, Term, parse_formula

__all__ = ["Design", "Dropped", "FormulaSpec", "InstrumentSpec", "Term", "build_design", "parse_formula"]
