"""Index formulas: ``"STFI ~ invest(gov_st + rd_exp) + market(loans + vc) + social(edu - energy)"``.

The left-hand side names the composite.  On the right, each ``name(...)`` is a sub-index (a
secondary indicator) and its members are indicators; ``-x`` marks a negative (cost) indicator,
one for which smaller values are better.  A formula of bare names, ``"NQP ~ a + b - c"``, is a
one-level index.

Group calls are read structurally, never evaluated: the right-hand side is split at top-level
``+``/``-`` with :func:`stfi_models.formula.grammar.split_top_level`; a term of the form
``identifier(...)`` is a group whose label is only a label, and everything inside it (and every
ungrouped term) goes through the whitelist checker
:func:`stfi_models.formula.safety.parse_expression` and must reduce to signed bare column names.
Nothing in an index formula is ever executed; a formula read from a study file cannot run code.
"""

from __future__ import annotations

import ast
import keyword
from dataclasses import dataclass

from stfi_models.exceptions import FormulaError, SpecificationError, did_you_mean
from stfi_models.formula.grammar import flatten_sum, split_top_level
from stfi_models.formula.safety import parse_expression, point_at

__all__ = ["Indicator", "IndicatorGroup", "IndexSpec", "parse_index_formula"]


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator (a column of the data).

    Attributes
    ----------
    name : str
        Column name.
    direction : int
        ``+1`` for a positive (benefit) indicator, ``-1`` for a negative (cost) indicator.
    """

    name: str
    direction: int = 1


@dataclass(frozen=True, slots=True)
class IndicatorGroup:
    """A sub-index: a named group of indicators."""

    name: str
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True, slots=True)
class IndexSpec:
    """A parsed index formula.

    Attributes
    ----------
    text : str
        The formula as given.
    name : str
        The composite's name (left-hand side).
    groups : tuple of IndicatorGroup
        The sub-indices.  A one-level formula holds a single group named after the composite.
    hierarchical : bool
        ``True`` when the formula names sub-indices (``group(...)`` terms).
    """

    text: str
    name: str
    groups: tuple[IndicatorGroup, ...]
    hierarchical: bool

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        """All indicators, in formula order."""
        return tuple(ind for group in self.groups for ind in group.indicators)

    @property
    def columns(self) -> tuple[str, ...]:
        """The indicator column names, in formula order."""
        return tuple(ind.name for ind in self.indicators)

    def without(self, indicator: str) -> IndexSpec:
        """Return the same index with one indicator left out.

        Raises
        ------
        SpecificationError
            When ``indicator`` is not in the formula, or is the only one of its group.
        """
        if indicator not in self.columns:
            raise SpecificationError(
                f"Cannot leave out '{indicator}': not an indicator of {self.name}."
                f"{did_you_mean(indicator, self.columns)} Indicators: {', '.join(self.columns)}."
            )
        groups = []
        for g in self.groups:
            kept = tuple(i for i in g.indicators if i.name != indicator)
            if not kept:
                raise SpecificationError(
                    f"Cannot leave out '{indicator}': it is the only indicator of '{g.name}'."
                )
            groups.append(IndicatorGroup(g.name, kept))
        return IndexSpec(f"{self.text} (without {indicator})", self.name, tuple(groups),
                         self.hierarchical)

    def group_of(self, indicator: str) -> str:
        """Return the name of the group holding ``indicator``."""
        for group in self.groups:
            if any(ind.name == indicator for ind in group.indicators):
                return group.name
        raise KeyError(indicator)


def _signed_terms(text: str, formula: str, offset: int) -> list[tuple[str, int, int]]:
    """Split ``text`` at top-level ``+``/``-`` into (term text, offset in formula, sign)."""
    terms: list[tuple[str, int, int]] = []
    for plus_piece, plus_off in split_top_level(text, "+"):
        pieces = split_top_level(plus_piece, "-")
        for k, (piece, off) in enumerate(pieces):
            where = offset + plus_off + off
            if not piece.strip():
                if k == 0 and len(pieces) > 1:  # a leading '-': "-x"
                    continue
                raise FormulaError(
                    f"Empty term in index formula (a doubled or trailing '+'/'-'?):\n"
                    f"{point_at(formula, where)}"
                )
            sign = -1 if k > 0 else 1
            lead = len(piece) - len(piece.lstrip())
            terms.append((piece.strip(), where + lead, sign))
    return terms


def _group_call(term: str) -> tuple[str, str, int] | None:
    """``label(inside)`` -> (label, inside, offset of inside); else ``None``."""
    open_at = term.find("(")
    if open_at <= 0 or not term.endswith(")"):
        return None
    label = term[:open_at].strip()
    if not label.isidentifier():
        return None
    depth = 0
    for i, ch in enumerate(term[open_at:], start=open_at):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            return (label, term[open_at + 1 : -1], open_at + 1) if i == len(term) - 1 else None
    return None


def _indicators(text: str, formula: str, offset: int, where: str) -> list[Indicator]:
    """Check ``text`` with the whitelist; it must be a signed sum of bare column names."""
    if not text.strip():
        raise FormulaError(
            f"{where} is empty: name at least one indicator column inside the brackets.\n"
            f"{point_at(formula, max(offset - 1, 0), offset + 1)}"
        )
    node = parse_expression(text, formula=formula, offset=offset)
    found: list[Indicator] = []
    for term in flatten_sum(node, text):
        if not isinstance(term.node, ast.Name):
            start = offset + term.node.src_start  # type: ignore[attr-defined]
            end = offset + term.node.src_end  # type: ignore[attr-defined]
            raise FormulaError(
                f"{where}: an indicator must be a column name, optionally preceded by '-' for a "
                f"negative indicator; '{term.text}' is an expression. Compute it as a column "
                "first (the [derive] table of a study file does this).\n"
                f"{point_at(formula, start, end)}"
            )
        found.append(Indicator(term.node.id, term.sign))
    return found


def parse_index_formula(formula: str) -> IndexSpec:
    """Parse and check an index formula.

    Parameters
    ----------
    formula : str
        ``"NAME ~ group(a + b - c) + group2(d)"`` (hierarchical) or ``"NAME ~ a + b - c"``
        (one level).  ``-`` marks a negative indicator.  Line breaks and runs of blanks are
        read as one blank, so a formula may span several lines.

    Returns
    -------
    IndexSpec

    Raises
    ------
    UnsafeFormulaError
        When a member is anything but a column name (calls, attributes, strings ...).
    FormulaError
        For a malformed formula, an empty group, a repeated indicator or group, a negated
        group, or a mix of grouped and ungrouped indicators.

    Examples
    --------
    >>> spec = parse_index_formula("STFI ~ invest(rd + gov) + social(edu - energy)")
    >>> [g.name for g in spec.groups], spec.groups[1].indicators[1]
    (['invest', 'social'], Indicator(name='energy', direction=-1))
    """
    if not isinstance(formula, str):
        raise FormulaError(f"An index formula must be a string, got {type(formula).__name__}.")
    formula = " ".join(formula.split())  # one line: study files may spread it over several
    sides = split_top_level(formula, "~")
    if len(sides) != 2:
        raise FormulaError(
            "An index formula needs exactly one '~' between the index name and its indicators, "
            f"e.g. 'STFI ~ invest(a + b) + market(c - d)':\n  {formula}"
        )
    (lhs, _), (rhs, rhs_off) = sides
    lhs_node = parse_expression(lhs, formula=formula)
    if not isinstance(lhs_node, ast.Name):
        raise FormulaError(
            f"The left-hand side of an index formula is the index's name, a single word; got "
            f"'{lhs.strip()}':\n{point_at(formula, 0, len(lhs))}"
        )
    if not rhs.strip():
        raise FormulaError(f"The index formula names no indicator:\n{point_at(formula, rhs_off)}")
    groups: list[IndicatorGroup] = []
    loose: list[Indicator] = []
    for term, where, sign in _signed_terms(rhs, formula, rhs_off):
        call = _group_call(term)
        if call is None:
            found = _indicators(term, formula, where, "Indicator")
            loose.extend(Indicator(ind.name, sign * ind.direction) for ind in found)
            continue
        label, inside, inner_off = call
        if keyword.iskeyword(label) or label.startswith("__"):
            raise FormulaError(
                f"'{label}' cannot name a sub-index; choose another word.\n"
                f"{point_at(formula, where, where + len(label))}"
            )
        if sign < 0:
            raise FormulaError(
                f"A whole sub-index cannot be negated ('-{label}(...)'); mark the negative "
                f"indicators inside it instead, e.g. {label}(a - b).\n"
                f"{point_at(formula, where - 1, where + len(term))}"
            )
        members = _indicators(inside, formula, where + inner_off, f"Sub-index '{label}'")
        if any(g.name == label for g in groups):
            raise FormulaError(
                f"Sub-index '{label}' appears twice; merge its indicators into one group.\n"
                f"{point_at(formula, where, where + len(label))}"
            )
        groups.append(IndicatorGroup(label, tuple(members)))
    if groups and loose:
        raise FormulaError(
            f"Indicator(s) {', '.join(i.name for i in loose)} stand outside any sub-index while "
            "others are grouped; put every indicator in a group (or use no groups at all):\n"
            f"  {formula}"
        )
    name = lhs_node.id
    hierarchical = bool(groups)
    if not hierarchical:
        groups = [IndicatorGroup(name, tuple(loose))]
    spec = IndexSpec(formula, name, tuple(groups), hierarchical)
    seen: set[str] = set()
    for ind in spec.indicators:
        if ind.name in seen:
            raise FormulaError(
                f"Indicator '{ind.name}' appears more than once; each indicator belongs to one "
                f"sub-index only:\n  {formula}"
            )
        seen.add(ind.name)
    clash = {g.name for g in spec.groups} & seen if hierarchical else set()
    if name in seen or clash:
        bad = sorted(clash | ({name} & seen))
        raise FormulaError(
            f"Name(s) {bad} are used both as an indicator and as an index/sub-index name; "
            f"the scores table needs distinct names:\n  {formula}"
        )
    if hierarchical and name in {g.name for g in spec.groups}:
        raise FormulaError(
            f"The index '{name}' and one of its sub-indices share a name:\n  {formula}"
        )
    return spec
