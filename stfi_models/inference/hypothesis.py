r"""Linear hypotheses written as text, parsed safely into :math:`R\beta = q`, and Wald tests.

``"STFI = 0, ln_gdp_pc = tertiary"`` is two restrictions: :math:`\beta_{STFI} = 0` and
:math:`\beta_{ln\_gdp\_pc} - \beta_{tertiary} = 0`.  Each restriction is ``lhs = rhs``
(``==`` also accepted) with both sides linear in the coefficients: sums and differences of
coefficient names, each optionally multiplied or divided by a number (``2*w - k/2 = 1``).
Coefficient names are matched literally first (longest first, so ``L1.x``, ``np.log(gdp)`` or
``C(year)[T.2001]`` are single names), then the remainder is parsed with :mod:`ast` against a
whitelist of numbers, ``+ - * /`` and parentheses: nothing is evaluated.

The Wald statistic is

.. math::

    W = (R\hat\beta - q)^\prime (R \hat V R^\prime)^{-1} (R\hat\beta - q),

reported as :math:`F = W/J \sim F(J, \nu)` when the model has residual degrees of freedom
:math:`\nu` and as :math:`W \sim \chi^2_J` otherwise (Greene 2018, sec. 5.3).  For the
clubSandwich kinds CR0-CR3 the HTZ test replaces :math:`\nu` (Pustejovsky & Tipton 2018; see
:mod:`stfi_models.inference.small_sample`).

References
----------
Greene, W. H. (2018). *Econometric Analysis*, 8th ed. Pearson.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from stfi_models.exceptions import SpecificationError, did_you_mean

__all__ = ["Restrictions", "parse_restrictions", "wald_statistic", "MAX_HYPOTHESIS_LENGTH"]

#: Longest hypothesis text accepted (bounded work on untrusted input).
MAX_HYPOTHESIS_LENGTH = 10_000


@dataclass(frozen=True)
class Restrictions:
    r"""Parsed linear restrictions :math:`R\beta = q`.

    Attributes
    ----------
    matrix : numpy.ndarray
        ``R``, ``(J, k)``.
    value : numpy.ndarray
        ``q``, ``(J,)``.
    text : tuple of str
        Each restriction as written.
    """

    matrix: np.ndarray
    value: np.ndarray
    text: tuple[str, ...]

    @property
    def n(self) -> int:
        """Number of restrictions J."""
        return int(self.matrix.shape[0])


def _placeholder(i: int) -> str:
    return f"__b{i}__"


def _substitute(text: str, names: Sequence[str]) -> str:
    """Replace every coefficient name by a placeholder, longest names first."""
    order = sorted(range(len(names)), key=lambda i: -len(names[i]))
    for i in order:
        pattern = r"(?<![\w.])" + re.escape(names[i]) + r"(?![\w.(\[])"
        text = re.sub(pattern, _placeholder(i), text)
    return text


class _Linear:
    """Evaluate a whitelisted expression tree into (coefficient vector, constant)."""

    def __init__(self, names: Sequence[str], original: str) -> None:
        self.names = list(names)
        self.original = original

    def fail(self, message: str) -> SpecificationError:
        return SpecificationError(f"Hypothesis '{self.original}': {message}")

    def __call__(self, node: ast.AST) -> tuple[np.ndarray, float]:
        k = len(self.names)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float) \
                and not isinstance(node.value, bool):
            return np.zeros(k), float(node.value)
        if isinstance(node, ast.Name):
            match = re.fullmatch(r"__b(\d+)__", node.id)
            if match is None:
                raise self.fail(
                    f"'{node.id}' is not a coefficient of the model."
                    f"{did_you_mean(node.id, self.names)} Coefficients: "
                    f"{', '.join(self.names)}."
                )
            vec = np.zeros(k)
            vec[int(match.group(1))] = 1.0
            return vec, 0.0
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            vec, const = self(node.operand)
            sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
            return sign * vec, sign * const
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
            (lv, lc), (rv, rc) = self(node.left), self(node.right)
            sign = 1.0 if isinstance(node.op, ast.Add) else -1.0
            return lv + sign * rv, lc + sign * rc
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult | ast.Div):
            (lv, lc), (rv, rc) = self(node.left), self(node.right)
            if isinstance(node.op, ast.Div):
                if rv.any():
                    raise self.fail("dividing by a coefficient is not linear.")
                if rc == 0:
                    raise self.fail("division by zero.")
                return lv / rc, lc / rc
            if lv.any() and rv.any():
                raise self.fail("a product of coefficients is not linear.")
            return (lv * rc + rv * lc), lc * rc
        raise self.fail(
            "only coefficient names, numbers, + - * / and parentheses are allowed "
            f"(found {type(node).__name__})."
        )


def _split(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += (char in "([") - (char in ")]")
        if char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def parse_restrictions(hypothesis: str | Sequence[str], names: Sequence[str]) -> Restrictions:
    """Parse ``hypothesis`` (a string of comma-separated restrictions, or a list of them).

    Raises
    ------
    SpecificationError
        Malformed text, a name that is not a coefficient (with a suggestion), a non-linear
        term, or restrictions that are contradictory or linearly dependent.
    """
    items = [hypothesis] if isinstance(hypothesis, str) else hypothesis
    if not isinstance(items, list | tuple) or not items or \
            not all(isinstance(h, str) for h in items):
        raise SpecificationError(
            f"hypothesis must be a string like 'x = 0, z = w' or a list of such strings, got "
            f"{hypothesis!r}."
        )
    total = sum(len(h) for h in items)
    if total > MAX_HYPOTHESIS_LENGTH:
        raise SpecificationError(
            f"hypothesis is {total} characters long; the limit is {MAX_HYPOTHESIS_LENGTH}."
        )
    names = [str(n) for n in names]
    rows, values, texts = [], [], []
    for item in items:
        for piece in _split(_substitute(item, names)):
            original = piece
            for i, name in enumerate(names):
                original = original.replace(_placeholder(i), name)
            original = original.strip()
            sides = re.split(r"==|=", piece)
            if len(sides) != 2 or not sides[0].strip() or not sides[1].strip():
                raise SpecificationError(
                    f"Hypothesis '{original or item}' must have the form 'lhs = rhs', e.g. "
                    "'x = 0' or 'x = z'; separate several restrictions with commas."
                )
            linear = _Linear(names, original)
            try:
                lhs, rhs = (ast.parse(s.strip(), mode="eval").body for s in sides)
            except SyntaxError:
                raise SpecificationError(
                    f"Hypothesis '{original}' cannot be parsed; write e.g. 'x = 0' or "
                    "'2*x - z = 1'."
                ) from None
            (lv, lc), (rv, rc) = linear(lhs), linear(rhs)
            row = lv - rv
            if not row.any():
                raise SpecificationError(
                    f"Hypothesis '{original}' involves no coefficient (it is "
                    f"{'always true' if lc == rc else 'never true'})."
                )
            rows.append(row)
            values.append(rc - lc)
            texts.append(original)
    matrix = np.array(rows)
    if np.linalg.matrix_rank(matrix) < matrix.shape[0]:
        raise SpecificationError(
            f"The restrictions {texts} are linearly dependent (or repeated); drop the "
            "redundant ones."
        )
    return Restrictions(matrix, np.array(values), tuple(texts))


def wald_statistic(restrictions: Restrictions, params: np.ndarray, cov: np.ndarray,
                   df_denom: float | None) -> tuple[float, float, str, tuple | float]:
    """``(statistic, p-value, distribution, df)`` of the Wald test (F if ``df_denom``)."""
    r, q = restrictions.matrix, restrictions.value
    diff = r @ params - q
    middle = r @ cov @ r.T
    try:
        w = float(diff @ np.linalg.solve(middle, diff))
    except np.linalg.LinAlgError:
        raise SpecificationError(
            f"R V R' is singular for {list(restrictions.text)}: the covariance gives no "
            "information on (a combination of) these restrictions."
        ) from None
    j = restrictions.n
    if df_denom is None:
        return w, float(stats.chi2.sf(w, j)), "chi2", float(j)
    f = w / j
    return f, float(stats.f.sf(f, j, df_denom)), "F", (float(j), float(df_denom))
