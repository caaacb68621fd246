"""Error and warning classes, and the message helpers every module uses.

Every user-facing error states *what* is wrong, *where* (column, rows, option) and *the fix*.
User errors are never raised as ``AssertionError`` and never printed.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

__all__ = [
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
    "did_you_mean",
    "check_kwargs",
    "check_choice",
    "show_rows",
]


class StfiError(ValueError):
    """Base class of every error stfi-models raises for bad input."""


class FormulaError(StfiError):
    """A formula cannot be parsed or names something that does not exist."""


class UnsafeFormulaError(FormulaError):
    """A formula contains code outside the whitelist (refused before evaluation)."""


class PanelDataError(StfiError):
    """The data cannot serve as a panel (keys missing, duplicated, not orderable, ...)."""


class SpecificationError(StfiError):
    """Options or arguments that do not fit together, or an unknown option."""


class EstimationError(StfiError):
    """The model cannot be estimated on this sample (singular design, no rows, ...)."""


class MissingValueWarning(UserWarning):
    """Rows were dropped because of missing values (the count is on the Result)."""


class SpecificationWarning(UserWarning):
    """The model runs, but a choice deserves a second look (e.g. too many instruments)."""


class IllConditionedWarning(UserWarning):
    """Regressors (or moments) are nearly collinear even after scaling every column.

    The message names the columns and the condition number; standard errors may have lost
    digits or be NaN.
    """


class NaNStatisticWarning(UserWarning):
    """A standard error (or statistic) is NaN; the message names the coefficients and why."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` for the closest choice, or ``""`` if none is close."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.5)
    return f" Did you mean '{close[0]}'?" if close else ""


def check_kwargs(func: str, kwargs: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Reject keyword arguments outside ``allowed`` with a "did you mean" hint.

    Raises
    ------
    SpecificationError
        Naming the unknown keyword, the closest allowed one and the full list.
    """
    allowed = sorted(allowed)
    for key in kwargs:
        if key not in allowed:
            raise SpecificationError(
                f"{func}() got an unknown keyword argument '{key}'.{did_you_mean(key, allowed)} "
                f"Allowed keywords: {', '.join(allowed)}."
            )


def check_choice(option: str, value: Any, choices: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``choices``; else raise with a hint.

    Raises
    ------
    SpecificationError
        Naming the option, the bad value, the closest valid value and all valid values.
    """
    choices = list(choices)
    if value not in choices:
        hint = did_you_mean(str(value), map(str, choices))
        raise SpecificationError(
            f"{option}={value!r} is not a valid choice.{hint} "
            f"Valid choices: {', '.join(repr(c) for c in choices)}."
        )
    return value


def show_rows(frame: pd.DataFrame, mask: Any = None, limit: int = 5) -> str:
    """Render up to ``limit`` offending rows of ``frame`` for an error message."""
    rows = frame if mask is None else frame.loc[mask]
    n = len(rows)
    text = rows.head(limit).to_string()
    more = f"\n... and {n - limit} more row(s)" if n > limit else ""
    return f"{text}{more}"
