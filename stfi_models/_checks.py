"""Input checks shared by the descriptive statistics (inequality, spatial, convergence).

Each function takes a user's DataFrame and column names, and either returns clean numpy-ready
data or raises an error that names the column, the rows and the fix.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from stfi_models.exceptions import (
    MissingValueWarning,
    SpecificationError,
    check_kwargs,
    did_you_mean,
    show_rows,
)

__all__ = [
    "generator",
    "check_size",
    "guard_keywords",
    "check_columns_and_rows",
    "plain_numeric",
    "require_frame",
    "drop_missing",
    "require_nonnegative",
    "iter_periods",
]

F = TypeVar("F", bound=Callable[..., Any])


def guard_keywords(func: F) -> F:
    """Reject unknown keyword arguments of ``func`` with a "did you mean" hint.

    Python's own ``TypeError`` names the bad keyword but not the closest valid one; this
    decorator raises :class:`SpecificationError` through :func:`check_kwargs` instead.  A
    function taking ``**options`` checks them itself and is returned unchanged.
    """
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    parameters = list(inspect.signature(func).parameters.values())
    if getattr(func, "__stfi_guarded__", False) or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters
    ):
        return func  # already guarded, or it checks its own **options
    allowed = [p.name for p in parameters if p.kind in kinds]
    signature = inspect.signature(func)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        check_kwargs(func.__name__, kwargs, allowed)
        try:
            signature.bind(*args, **kwargs)
        except TypeError as error:  # a missing or surplus argument: say which, as ours
            raise SpecificationError(
                f"{func.__name__}{signature}: {error}. See help({func.__name__})."
            ) from None
        return func(*args, **kwargs)

    wrapper.__stfi_guarded__ = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def check_columns_and_rows(data: pd.DataFrame, func: str,
                           columns: Sequence[object] | None = None) -> None:
    """Refuse duplicate column names (among ``columns``, default all) and an empty frame.

    Raises
    ------
    SpecificationError
        Naming the duplicated columns, or saying that there are no rows.
    """
    names = data.columns if columns is None else pd.Index(
        [c for c in data.columns if c in set(columns)])
    dup = names[names.duplicated()].unique()
    if len(dup):
        raise SpecificationError(
            f"{func}(): column name(s) {', '.join(map(repr, dup))} appear more than once in "
            "the data, so a reference to them is ambiguous; rename the copies (e.g. "
            "df.columns = [...]) or drop them (df.loc[:, ~df.columns.duplicated()])."
        )
    if len(data) == 0:
        raise SpecificationError(f"{func}(): the data has no rows; there is nothing to compute.")


def plain_numeric(frame: pd.DataFrame, skip: Sequence[object] = ()) -> pd.DataFrame:
    """Nullable numeric columns (``Int64``, ``Float64``, ``boolean``) as float64, pd.NA as NaN.

    pandas' nullable dtypes hold ``pd.NA``, which numpy cannot compare or compute with; as
    floats it is an ordinary missing value (dropped, counted and warned about downstream).
    The columns in ``skip`` (panel keys) are kept as they are.  Returns a new frame.
    """
    out = frame.copy()
    for position, name in enumerate(frame.columns):
        dtype = frame.dtypes.iloc[position]
        if name in skip or not isinstance(dtype, pd.api.extensions.ExtensionDtype):
            continue
        if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            out[name] = frame[name].astype("float64")
    return out


def generator(seed: Any, func: str) -> np.random.Generator:
    """``numpy.random.default_rng(seed)``, with a bad seed reported as our error."""
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError):
        raise SpecificationError(
            f"{func}(): seed must be an int, None or a numpy Generator, got {seed!r}."
        ) from None


def check_size(count: float, limit: int, what: str, func: str) -> None:
    """Refuse to allocate more than ``limit`` cells for ``what`` (work a call may request)."""
    if count > limit:
        raise SpecificationError(
            f"{func}(): {what} asks for {count:.3g} cells, more than the {limit:.0e} this "
            "function computes in one call; ask for less (or split the work)."
        )


def require_frame(data: object, columns: Sequence[str | None], func: str) -> pd.DataFrame:
    """Check that ``data`` is a DataFrame holding ``columns`` (``None`` entries are skipped).

    Returns
    -------
    pandas.DataFrame
        The columns asked for, in that order, with a fresh RangeIndex-independent copy.

    Raises
    ------
    SpecificationError
        If ``data`` is not a DataFrame or a column is missing (with a "did you mean" hint).
    """
    if not isinstance(data, pd.DataFrame):
        raise SpecificationError(
            f"{func}() needs a pandas DataFrame as data, got {type(data).__name__}. "
            "Wrap arrays as pd.DataFrame({...}) with named columns."
        )
    wanted = [c for c in columns if c is not None]
    check_columns_and_rows(data, func, wanted)
    for col in wanted:
        if col not in data.columns:
            raise SpecificationError(
                f"{func}(): column '{col}' is not in the data.{did_you_mean(col, data.columns)} "
                f"Columns: {', '.join(map(str, data.columns))}."
            )
    if len(set(wanted)) != len(wanted):
        raise SpecificationError(f"{func}(): the same column is used twice in {wanted}.")
    return plain_numeric(data.loc[:, wanted])


def drop_missing(frame: pd.DataFrame, func: str, *, warn: bool = True) -> tuple[pd.DataFrame, int]:
    """Drop rows with a missing (NaN/None/inf) cell and warn with their count.

    Returns
    -------
    frame : pandas.DataFrame
        The complete rows.
    n_dropped : int
        How many rows were dropped.
    """
    numeric = frame.select_dtypes(include="number")
    bad = frame.isna().any(axis=1)
    if not numeric.empty:
        bad |= ~np.isfinite(numeric.to_numpy(dtype=float)).all(axis=1)
    n_bad = int(bad.sum())
    if n_bad and warn:
        warnings.warn(
            f"{func}(): dropped {n_bad} of {len(frame)} row(s) with missing or infinite values "
            f"in {', '.join(map(str, frame.columns))}:\n{show_rows(frame, bad)}\n"
            "Fill or remove them first to silence this warning (warn_missing=False also does).",
            MissingValueWarning,
            stacklevel=3,
        )
    if n_bad == len(frame):
        raise SpecificationError(
            f"{func}(): every row has a missing value in {', '.join(map(str, frame.columns))}; "
            "nothing is left to compute on."
        )
    return frame.loc[~bad], n_bad


def require_nonnegative(frame: pd.DataFrame, column: str, func: str, *,
                        strict: bool = False) -> None:
    """Raise if ``column`` has negative (or, with ``strict``, non-positive) values.

    Raises
    ------
    SpecificationError
        Naming the column and showing the offending rows.
    """
    values = frame[column].to_numpy(dtype=float)
    bad = values <= 0 if strict else values < 0
    if bad.any():
        kind = "zero or negative" if strict else "negative"
        raise SpecificationError(
            f"{func}(): column '{column}' has {int(bad.sum())} {kind} value(s); this measure is "
            f"defined for {'positive' if strict else 'non-negative'} quantities only:\n"
            f"{show_rows(frame, bad)}\nShift or transform the variable (or drop those rows)."
        )


def iter_periods(frame: pd.DataFrame, by: str | None) -> Iterator[tuple[Hashable, pd.DataFrame]]:
    """Yield ``(period, rows)`` in sorted period order; one ``(None, frame)`` without ``by``."""
    if by is None:
        yield None, frame
        return
    for period, rows in frame.groupby(by, sort=True, observed=True):
        yield period, rows
