"""Formula language: patsy syntax plus panel operators, instrument parts and systems.

Modules, in the order a formula travels through them:

* :mod:`~stfi_models.formula.safety` -- read the text with :mod:`ast` and refuse anything
  outside the whitelist (nothing is evaluated);
* :mod:`~stfi_models.formula.grammar` -- sides, ``|`` parts, terms, ``gmm()``/``iv()`` specs,
  read into the records of :mod:`~stfi_models.formula.spec`
  (:mod:`~stfi_models.formula.columns` finds the data columns a tree reads);
* :mod:`~stfi_models.formula.operators` -- ``L``/``F``/``D`` evaluated on the full panel;
* :mod:`~stfi_models.formula.render` -- checked trees back to patsy text, names back to ours;
* :mod:`~stfi_models.formula.design` -- the design matrices, absorbed effects, dropped rows;
* :mod:`~stfi_models.formula.registry` -- the one list of callable names.
"""

from stfi_models.formula.columns import names_in
from stfi_models.formula.design import Design, Dropped, build_design
from stfi_models.formula.grammar import flatten_sum, lag_range, parse_formula, split_top_level
from stfi_models.formula.operators import OperatorEvaluator
from stfi_models.formula.render import to_patsy
from stfi_models.formula.safety import parse_expression, point_at
from stfi_models.formula.spec import FormulaSpec, InstrumentSpec, Term

__all__ = [
    "Design",
    "Dropped",
    "FormulaSpec",
    "InstrumentSpec",
    "OperatorEvaluator",
    "Term",
    "build_design",
    "flatten_sum",
    "lag_range",
    "names_in",
    "parse_expression",
    "parse_formula",
    "point_at",
    "split_top_level",
    "to_patsy",
]
