"""Which coefficients a table shows, in what order, under what labels.

Each model's terms are labelled (``"equation: term"`` for systems), dummy sets such as
``C(year)[1977]`` are collapsed into one indicator per variable, then ``keep`` / ``drop`` /
``order`` (regular expressions, searched in the original labels) and ``rename`` (a mapping)
apply; ``coef_map`` is the all-in-one alternative (select, order and rename by exact name).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from stfi_models.exceptions import SpecificationError, did_you_mean
from stfi_models.results.result import Result

__all__ = ["TermRow", "select_terms", "select_variables", "dummy_variable"]

#: The constant of a single equation, printed last unless ``order`` says otherwise (as Stata).
_INTERCEPT = re.compile(r"Intercept|const|_cons")

#: ``C(year)[1977]``, ``C(year, Treatment(1976))[T.1977]``: patsy's dummy columns.
_DUMMY = re.compile(r"^C\(\s*([A-Za-z_]\w*)\s*(?:,.*)?\)\[(?:T\.)?.+\]$")


@dataclass(frozen=True, slots=True)
class TermRow:
    """A coefficient row: its label and the term it shows in each model (None = absent)."""

    label: str
    terms: tuple[object | None, ...]


def term_label(term: object) -> str:
    """``"equation: term"`` for system models, the term itself otherwise."""
    if isinstance(term, tuple):
        return ": ".join(map(str, term))
    return str(term)


def dummy_variable(term: object) -> str | None:
    """Return the variable of a patsy dummy column (``C(year)[1977]`` -> ``"year"``), else None."""
    name = term[-1] if isinstance(term, tuple) else term
    match = _DUMMY.match(str(name))
    return match.group(1) if match else None


def _patterns(option: str, value: str | Sequence[str] | None) -> list[re.Pattern[str]]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    compiled = []
    for item in items:
        try:
            compiled.append(re.compile(str(item)))
        except re.error as exc:
            raise SpecificationError(
                f"{option}={item!r} is not a valid regular expression ({exc}). Escape "
                r"parentheses and dots to match them literally, e.g. 'C\(year\)'."
            ) from None
    return compiled


def _unmatched(option: str, patterns: list[re.Pattern[str]], labels: Sequence[str]) -> None:
    for pattern in patterns:
        if not any(pattern.search(label) for label in labels):
            raise SpecificationError(
                f"{option}: the pattern {pattern.pattern!r} matches no coefficient. "
                f"Coefficients: {', '.join(labels)}."
            )


def select_terms(
    models: Sequence[Result],
    *,
    keep: str | Sequence[str] | None = None,
    drop: str | Sequence[str] | None = None,
    order: str | Sequence[str] | None = None,
    rename: Mapping[str, str] | None = None,
    coef_map: Mapping[str, str] | None = None,
    collapse: frozenset[str] = frozenset(),
) -> list[TermRow]:
    """Return the coefficient rows of a table, in display order.

    Terms that are dummies of a variable in ``collapse`` are left out (the table shows an
    indicator row instead).  ``keep`` keeps the terms any pattern finds, ``drop`` removes
    them, ``order`` puts the terms the first pattern finds first, and so on (the rest keep
    their first-seen order; without ``order`` the intercept comes last), ``rename``
    relabels (two models' different terms may share a label).
    """
    per_model = [
        {term_label(t): t for t in res.params.index if dummy_variable(t) not in collapse}
        for res in models
    ]
    known = list(dict.fromkeys(label for terms in per_model for label in terms))
    labels = known
    if coef_map is not None:
        if any(v is not None for v in (keep, drop, order, rename)):
            raise SpecificationError(
                "coef_map selects, orders and renames by itself: give either coef_map or "
                "keep/drop/order/rename."
            )
        return _merge(per_model, [(old, str(new)) for old, new in coef_map.items()], known,
                      "coef_map")
    keep_p, drop_p, order_p = (_patterns(o, v) for o, v in
                               (("keep", keep), ("drop", drop), ("order", order)))
    for option, patterns in (("keep", keep_p), ("drop", drop_p), ("order", order_p)):
        _unmatched(option, patterns, known)
    labels = _filtered(labels, keep_p, drop_p, order_p)
    if not order_p:
        labels = [lab for lab in labels if not _INTERCEPT.fullmatch(lab)] + [
            lab for lab in labels if _INTERCEPT.fullmatch(lab)]
    rename = dict(rename or {})
    for old in rename:
        if old not in known:
            raise SpecificationError(
                f"rename names {old!r}, which is a coefficient of none of the models."
                f"{did_you_mean(old, known)} Coefficients: {', '.join(known)}."
            )
    return _merge(per_model, [(lab, str(rename.get(lab, lab))) for lab in labels],
                  known, "rename")


def _filtered(labels: Sequence[str], keep_p: list[re.Pattern[str]],
              drop_p: list[re.Pattern[str]], order_p: list[re.Pattern[str]]) -> list[str]:
    """``labels`` some keep pattern finds and no drop pattern finds, in ``order``'s order."""
    out = [lab for lab in labels if not keep_p or any(p.search(lab) for p in keep_p)]
    out = [lab for lab in out if not any(p.search(lab) for p in drop_p)]
    if order_p:
        rank = {lab: next((i for i, p in enumerate(order_p) if p.search(lab)), len(order_p))
                for lab in out}
        out = sorted(out, key=lambda lab: rank[lab])
    return out


def select_variables(
    variables: Sequence[str],
    *,
    keep: str | Sequence[str] | None = None,
    drop: str | Sequence[str] | None = None,
    order: str | Sequence[str] | None = None,
    rename: Mapping[str, str] | None = None,
    coef_map: Mapping[str, str] | None = None,
) -> list[tuple[str, str]]:
    """Return ``(variable, label)`` pairs of the variables a table shows effects of.

    The coefficient options apply to variable names as they do to terms (a ``keep`` that
    shows ``STFI`` shows its effects too), without the checks that every pattern and name
    match: the table's coefficients are checked already (:func:`select_terms`).
    """
    if coef_map is not None:
        return [(str(v), str(coef_map[v])) for v in coef_map if v in variables]
    chosen = _filtered(list(variables), _patterns("keep", keep), _patterns("drop", drop),
                       _patterns("order", order))
    names = dict(rename or {})
    return [(v, str(names.get(v, v))) for v in chosen]


def _merge(per_model: list[dict[str, object]], pairs: list[tuple[str, str]],
           known: Sequence[str], option: str) -> list[TermRow]:
    """Rows from (old label, new label) pairs; several old labels may share one row."""
    rows: dict[str, list[object | None]] = {}
    for old, new in pairs:
        if old not in known:
            raise SpecificationError(
                f"{option} names {old!r}, which is a coefficient of none of the models."
                f"{did_you_mean(old, known)} Coefficients: {', '.join(known)}."
            )
        cells = rows.setdefault(new, [None] * len(per_model))
        for j, terms in enumerate(per_model):
            if old in terms:
                if cells[j] is not None:
                    raise SpecificationError(
                        f"{option} maps two coefficients of model ({j + 1}) to the same row "
                        f"{new!r}; give them distinct labels."
                    )
                cells[j] = terms[old]
    return [TermRow(label, tuple(terms)) for label, terms in rows.items()]
