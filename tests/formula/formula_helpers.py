"""Helpers for the formula tests: a small panel and reading the caret under an error.

Not a ``conftest.py``: the test modules import it by its unique name, so the shared
``tests/conftest.py`` stays the only module called ``conftest`` (others import from it).
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd


def underlined(message: str) -> str:
    """The part of the quoted formula that the caret line of ``message`` marks.

    Error messages end with ``"  <formula>\\n  <spaces>^^^"``; carets are padded by display
    width (East Asian wide characters take two columns), so we walk the formula the same way.
    """
    lines = message.rstrip("\n").split("\n")
    formula, carets = lines[-2][2:], lines[-1][2:]
    if set(carets.strip()) != {"^"}:
        raise AssertionError(f"no caret line at the end of:\n{message}")
    start = len(carets) - len(carets.lstrip(" "))
    stop = len(carets.rstrip())
    out, column = [], 0
    for ch in formula:
        width = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if start <= column < stop:
            out.append(ch)
        column += width
    return "".join(out)


def small_panel() -> pd.DataFrame:
    """A 3-entity panel with a gap (entity 1 lacks t=3) and a NaN in ``z``."""
    return pd.DataFrame(
        {
            "id": [1, 1, 1, 1, 2, 2, 2, 3, 3, 3],
            "t": [1, 2, 4, 5, 1, 2, 3, 2, 3, 4],
            "x": [1.0, 2.0, 4.0, 5.0, 10.0, 20.0, 30.0, 200.0, 300.0, 400.0],
            "y": [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5],
            "z": [1.0, np.nan, 2.0, 3.0, 1.0, 2.0, 3.0, 1.0, 2.0, 3.0],
            "g": list("abababcabc"),
        }
    )
