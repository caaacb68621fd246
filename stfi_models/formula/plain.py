"""Model matrices without patsy when every term is a plain numeric column.

The usual formula on a large panel, ``y ~ x1 + ... + xk`` (absorbed effects already set
aside, lags already columns ``Q('L1.x')``), holds no expression for patsy to evaluate, yet
patsy copies every column into a factor array, scans it for missing values and writes it into
the model matrix: several passes over the ``n x k`` values.  :func:`plain_matrices` builds
the same two DataFrames as ``patsy.dmatrices(..., NA_action="drop", return_type="dataframe")``
in one pass:

* columns ``Intercept`` (unless removed by ``- 1`` or ``0``, restored by ``+ 1`` or ``- 0``)
  and then each term in order of first appearance, a repeated term once, ``- x`` removing
  ``x`` (patsy's rules for terms of one numeric factor each);
* float64 values, the model matrix Fortran-ordered (each column contiguous);
* the rows with a NaN in any model column dropped, the others keeping the frame's labels.

It returns ``None`` for anything else (functions, interactions, ``C()``, boolean or
non-numeric columns), which patsy builds; a test checks the two builders agree.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

import numpy as np
import pandas as pd

from stfi_models.formula.columns import plain_column
from stfi_models.formula.render import term_text

__all__ = ["plain_matrices"]


def _terms(signed: Sequence[tuple[int, ast.expr]], frame: pd.DataFrame,
           intercept: bool | None) -> tuple[bool, list[str]] | None:
    """Return the intercept flag and the terms' columns, or ``None`` if a term is not plain.

    ``intercept`` is where the flag starts (``None`` on the left-hand side, where a constant
    is no plain term).  Terms are keyed by their text, as patsy keys factors by their code:
    ``x`` and ``Q('x')`` are two terms (both labelled ``x``), ``x + x`` is one.
    """
    terms: dict[str, str] = {}
    for sign, node in signed:
        if (intercept is not None and isinstance(node, ast.Constant)
                and type(node.value) is int and node.value in (0, 1)):
            intercept = (node.value == 1) == (sign > 0)
            continue
        name = plain_column(node)
        if name is None or name not in frame.columns:
            return None
        dtype = frame[name].dtype
        if not isinstance(dtype, np.dtype) or dtype.kind not in "iuf":
            return None
        if sign > 0:
            terms.setdefault(term_text(node), name)
        else:
            terms.pop(term_text(node), None)
    return bool(intercept), list(terms.values())


def _matrix(columns: list[np.ndarray], rows: np.ndarray | None, intercept: bool,
            n: int) -> np.ndarray:
    out = np.empty((n, len(columns) + intercept), order="F")
    if intercept:
        out[:, 0] = 1.0
    for j, col in enumerate(columns, start=int(intercept)):
        out[:, j] = col if rows is None else col[rows]
    return out


def plain_matrices(lhs: Sequence[ast.expr], rhs: Sequence[tuple[int, ast.expr]],
                   frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Return patsy's ``(y, x)`` for plain numeric columns, or ``None`` for other formulas.

    Parameters
    ----------
    lhs : sequence of ast.expr
        The left-hand terms (columns of ``y``).
    rhs : sequence of (int, ast.expr)
        The right-hand terms with their sign (``-1`` removes; constants ``0``/``1`` set the
        intercept).
    frame : pandas.DataFrame
        The data, with every generated operator column.
    """
    left = _terms([(1, node) for node in lhs], frame, intercept=None)
    right = _terms(rhs, frame, intercept=True)
    if left is None or right is None or not left[1]:
        return None
    (_, y_names), (intercept, x_names) = left, right
    values = {name: frame[name].to_numpy() for name in dict.fromkeys(y_names + x_names)}
    keep = np.ones(len(frame), dtype=bool)
    for col in values.values():
        if col.dtype.kind == "f":
            keep &= ~np.isnan(col)
    rows = None if keep.all() else np.flatnonzero(keep)
    n = len(frame) if rows is None else rows.size
    index = frame.index if rows is None else frame.index[rows]
    y = _matrix([values[name] for name in y_names], rows, False, n)  # cast as written
    x = _matrix([values[name] for name in x_names], rows, intercept, n)
    labels = ["Intercept"] * intercept + x_names
    return (pd.DataFrame(y, index=index, columns=y_names, copy=False),
            pd.DataFrame(x, index=index, columns=labels, copy=False))
