"""The parsed formula: its terms, instruments, endogenous part, regimes and effects.

Plain frozen records of checked :mod:`ast` trees, built by
:func:`stfi_models.formula.grammar.parse_formula`; nothing here has touched data.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from stfi_models.formula.columns import names_in

__all__ = [
    "DIFF_EQUATIONS", "Term", "InstrumentSpec", "EndogenousSpec", "RegimeSpec", "FormulaSpec",
]

#: The equations a ``gmm()``/``iv()`` instrument may apply to (``eq=``).
DIFF_EQUATIONS = ("diff", "level", "both")


@dataclass(frozen=True, slots=True)
class Term:
    """One additive term of a formula side.

    Attributes
    ----------
    node : ast.expr
        The checked tree of the term (``:`` appears as ``@``).
    text : str
        The term as written.
    sign : int
        ``+1`` for an added term, ``-1`` for a removed one (``- 1`` removes the intercept).
    """

    node: ast.expr
    text: str
    sign: int = 1


@dataclass(frozen=True, slots=True)
class InstrumentSpec:
    """An instrument block after ``|``: ``gmm(...)`` (GMM-style) or ``iv(...)`` (IV-style).

    Attributes
    ----------
    kind : {"gmm", "iv"}
    variables : tuple of ast.expr
        The instrumenting variables (may contain panel operators).  Empty for a ``gmm()``
        that names only lags (``gmm(2:5, collapse=True)``): in a system (panel VAR) it
        means the left-hand variables; single-equation models refuse it.
    names : tuple of str
        The variables as written.
    lags : tuple of (int, int or None), or None
        For ``gmm``: the lag range ``a:b``; ``None`` as the upper bound means all available
        lags (``2:.``).  ``None`` for ``iv``.
    collapse : bool
        Collapsed GMM-style instruments (one column per lag, not per period and lag).
    eq : {"diff", "level", "both"} or None
        Equation(s) of a system GMM model the instruments apply to; ``None`` when not given,
        leaving the model's default (xtabond2's: ``gmm()`` in both equations of a system,
        ``iv()`` in both).
    text : str
        The block as written.
    """

    kind: str
    variables: tuple[ast.expr, ...]
    names: tuple[str, ...]
    lags: tuple[int, int | None] | None
    collapse: bool
    eq: str | None
    text: str


@dataclass(frozen=True, slots=True)
class EndogenousSpec:
    """The instrumental-variables part ``[endog ~ z1 + z2]`` of a formula.

    Attributes
    ----------
    endogenous : tuple of Term
        The endogenous regressors (left of ``~``).
    instruments : tuple of Term
        The excluded instruments (right of ``~``).
    text : str
        The part as written, brackets included.
    """

    endogenous: tuple[Term, ...]
    instruments: tuple[Term, ...]
    text: str


@dataclass(frozen=True, slots=True)
class RegimeSpec:
    """A regime-dependent block ``regimes(x1, x2, by=q)`` of a threshold model.

    Attributes
    ----------
    variables : tuple of ast.expr
        The regressors whose slopes switch with the regime (each one column).
    by : ast.expr
        The threshold variable (a column or an expression of columns).
    text : str
        The block as written.
    """

    variables: tuple[ast.expr, ...]
    by: ast.expr
    text: str


@dataclass(frozen=True, slots=True)
class FormulaSpec:
    """A parsed, checked formula.  Nothing here has touched data.

    Attributes
    ----------
    text : str
        The formula as given.
    lhs : tuple of Term
        Left-hand variables; more than one makes a system.
    rhs : tuple of Term
        Terms of the first right-hand part.
    instruments : tuple of InstrumentSpec
        ``gmm()`` / ``iv()`` blocks from the later parts.
    effects : tuple of str
        Names listed in a bare-names part (``| province + year``), to be absorbed.
    extra_parts : tuple of tuple of Term
        Any other later part (plm-style instrument lists), in order.
    endogenous : EndogenousSpec or None
        The ``[endog ~ instruments]`` part, if the formula has one.
    """

    text: str
    lhs: tuple[Term, ...]
    rhs: tuple[Term, ...]
    instruments: tuple[InstrumentSpec, ...] = ()
    effects: tuple[str, ...] = ()
    extra_parts: tuple[tuple[Term, ...], ...] = field(default=())
    endogenous: EndogenousSpec | None = None

    @property
    def is_system(self) -> bool:
        """Several left-hand variables (a system such as a panel VAR)."""
        return len(self.lhs) > 1

    def names(self) -> set[str]:
        """Every bare name the formula mentions outside call position and keywords."""
        found: set[str] = set()
        trees = [t.node for t in (*self.lhs, *self.rhs)]
        trees += [v for spec in self.instruments for v in spec.variables]
        trees += [t.node for part in self.extra_parts for t in part]
        if self.endogenous is not None:
            trees += [t.node for t in (*self.endogenous.endogenous,
                                       *self.endogenous.instruments)]
        for tree in trees:
            found |= names_in(tree)
        return found | set(self.effects)
