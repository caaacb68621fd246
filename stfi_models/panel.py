"""Panel data: entity/time keys, validation, balance information and the L/F/D operators.

A :class:`PanelData` is built once from a user's DataFrame, either from two key columns
(``entity=``, ``time=``) or from a 2-level MultiIndex, and is the only object downstream
code reads.  Rows are sorted by (entity, time).  Lags are taken *within entity along the time
axis*: the lag of ``x`` at period ``t`` is the value at ``t - k * delta`` for the same entity,
and is missing when that period is absent (a gap), never a neighbour's value.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from stfi_models._checks import check_columns_and_rows, plain_numeric
from stfi_models.exceptions import PanelDataError, SpecificationError, did_you_mean, show_rows

__all__ = ["PanelData", "BalanceInfo", "as_panel"]


@dataclass(frozen=True, slots=True)
class BalanceInfo:
    """Shape of a panel: entities, periods per entity, and gaps.

    Attributes
    ----------
    n_entities, n_periods : int
        Number of entities and of distinct periods observed in the panel.
    nobs : int
        Number of rows.
    t_min, t_mean, t_max : float
        Minimum, mean and maximum number of periods per entity.
    balanced : bool
        Every entity is observed in every period.
    entities_with_gaps : int
        Entities with at least one missing period between their first and last.
    """

    n_entities: int
    n_periods: int
    nobs: int
    t_min: int
    t_mean: float
    t_max: int
    balanced: bool
    entities_with_gaps: int

    def __str__(self) -> str:
        kind = "balanced" if self.balanced else "unbalanced"
        return (
            f"{kind} panel: {self.n_entities} entities, {self.n_periods} periods, "
            f"{self.nobs} obs; T min/mean/max = {self.t_min}/{self.t_mean:.2f}/{self.t_max}; "
            f"{self.entities_with_gaps} entities with gaps"
        )


class PanelData:
    """A validated, sorted panel.

    Parameters
    ----------
    data : pandas.DataFrame
        The panel in long form.  Either ``entity`` and ``time`` name two of its columns, or its
        index is a 2-level MultiIndex (entity, time).
    entity, time : str, optional
        Names of the entity and time key columns.
    delta : int or float, optional
        Spacing of consecutive periods for integer time keys (also whole-number floats and
        pandas ``Period`` keys, through their ordinals, and dates once converted to periods),
        as Stata's ``xtset ..., delta()``.  Default: the greatest common divisor of the
        differences between the distinct periods observed anywhere in the panel (1 for yearly
        data; 2 when every year is even).  The time grid is shared by all entities, so
        ``time_positions`` are comparable across entities; a period missing for one entity is
        a gap for it even when others observe it, and a period missing from the whole panel
        is a gap for every entity.  Non-integer numeric times (``2000.5``) need ``delta``
        (the step, e.g. ``0.25`` for quarters): without it they are refused, since their
        spacing cannot be told from the data.  Ordered categoricals use their category codes
        (unobserved categories leave holes).
    freq : str, optional
        For date (datetime64) time keys: the pandas period frequency (``"Y"``, ``"Q"``,
        ``"M"``, ``"W"``, ``"D"``) the dates are converted to.  Default: the coarsest of those
        that keeps the observed dates distinct (yearly data dated 31 December is ``"Y"``).

    Raises
    ------
    PanelDataError
        When keys are missing, duplicated, not orderable or not given, ``delta`` or ``freq``
        does not fit the time key, or numeric times are not whole numbers and no ``delta``
        is given.

    Notes
    -----
    Rows are sorted by entity, then time; :attr:`frame` holds them in that order with a
    fresh ``RangeIndex`` (the caller's row labels are kept in ``original_index``).  Entity
    ids of mixed types that cannot be compared keep the order in which they first appear.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"firm": ["b", "a", "a", "a"], "year": [2001, 2004, 2000, 2002],
    ...                    "x": [9.0, 3.0, 1.0, 2.0]})
    >>> panel = PanelData(df, entity="firm", time="year")
    >>> panel.delta  # 2001 (firm b) is odd, so the panel's period is one year
    1
    >>> panel.lag("x").tolist()  # firm a is seen every second year: one-year lags are gaps
    [nan, nan, nan, nan]
    >>> even = PanelData(df[df.firm == "a"], "firm", "year")
    >>> even.delta, even.lag("x").tolist()  # only even years: a period is two years
    (2, [nan, 1.0, 2.0])
    """

    def __init__(
        self,
        data: pd.DataFrame,
        entity: str | None = None,
        time: str | None = None,
        *,
        delta: float | None = None,
        freq: str | None = None,
    ) -> None:
        if isinstance(data, PanelData):
            data, entity, time = data.frame, entity or data.entity, time or data.time
        if not isinstance(data, pd.DataFrame):
            raise PanelDataError(
                f"data must be a pandas DataFrame, got {type(data).__name__}. "
                "Convert it with pandas.DataFrame(...) or read it with pandas.read_csv()."
            )
        try:
            check_columns_and_rows(data, "PanelData")
        except SpecificationError as error:
            text = str(error).removeprefix("PanelData(): ")
            raise PanelDataError(text[:1].upper() + text[1:]) from None
        frame = self._keys_as_columns(data, entity, time)
        entity, time = (entity, time) if entity is not None else tuple(data.index.names)
        self.entity: str = str(entity)
        self.time: str = str(time)
        frame = plain_numeric(frame, skip=(self.entity, self.time))  # a new frame: ours
        self._check_keys(frame)
        codes, time_codes = _codes(frame[self.entity]), _codes(frame[self.time])
        key = codes.astype(np.int64) * (int(time_codes.max(initial=0)) + 1) + time_codes
        if not (key[1:] > key[:-1]).all():  # sorted without duplicates is checked in O(n)
            order = np.lexsort((time_codes, codes))
            ordered = key[order]
            if (ordered[1:] == ordered[:-1]).any():
                self._refuse_duplicates(frame)  # equal keys are adjacent once sorted
            frame = frame.iloc[order]
            codes, time_codes = codes[order], time_codes[order]
        # codes ascending and dense: each entity's rows adjacent, in time order
        self._entity_codes, self._time_codes = codes, time_codes
        self.original_index = frame.index
        frame.index = pd.RangeIndex(len(frame))  # frame is our own copy: no second one
        self.frame: pd.DataFrame = frame
        self.delta: float | None = delta
        self.freq: str | None = None
        self._time_pos = self._time_positions(frame[self.time], delta, freq)

    # ------------------------------------------------------------------ construction
    @staticmethod
    def _keys_as_columns(data: pd.DataFrame, entity: str | None, time: str | None) -> pd.DataFrame:
        if (entity is None) != (time is None):
            raise PanelDataError(
                "Give both entity= and time= (the key columns), or neither and pass a DataFrame "
                f"whose index is a 2-level MultiIndex (entity, time). Got entity={entity!r}, "
                f"time={time!r}."
            )
        if entity is None:
            if not isinstance(data.index, pd.MultiIndex) or data.index.nlevels != 2:
                raise PanelDataError(
                    "Cannot tell the panel keys: pass entity= and time= naming two columns "
                    "(e.g. entity='province', time='year'), or set a 2-level MultiIndex with "
                    "data.set_index(['province', 'year'])."
                )
            names = list(data.index.names)
            if any(n is None for n in names) or names[0] == names[1]:
                raise PanelDataError(
                    f"The MultiIndex levels need two distinct names, got {names}. "
                    "Name them with data.index.set_names(['entity', 'time'])."
                )
            clash = [n for n in names if n in data.columns]
            if clash:
                raise PanelDataError(
                    f"Index level(s) {clash} are also columns; drop the columns or pass "
                    "entity=/time= with a plain index."
                )
            return data.reset_index()
        levels = [n for n in (entity, time) if n not in data.columns and n in data.index.names]
        if levels:
            data = data.reset_index(level=levels)
        for role, name in (("entity", entity), ("time", time)):
            if name not in data.columns:
                raise PanelDataError(
                    f"{role}={name!r} is not a column of the data."
                    f"{did_you_mean(name, map(str, data.columns))} "
                    f"Columns: {', '.join(map(str, data.columns[:20]))}"
                    + (" ..." if len(data.columns) > 20 else "")
                )
        if entity == time:
            raise PanelDataError(f"entity and time must be different columns, both are {entity!r}.")
        return data.copy(deep=False)  # read only: __init__ takes the sorted rows into a new frame

    def _check_keys(self, frame: pd.DataFrame) -> None:
        for name in (self.entity, self.time):
            bad = frame[name].isna()
            if bad.any():
                raise PanelDataError(
                    f"Key column '{name}' has {int(bad.sum())} missing value(s); every row needs "
                    f"an entity and a time. Drop or fill those rows first:\n"
                    f"{show_rows(frame[[self.entity, self.time]], bad)}"
                )
        t = frame[self.time]
        orderable = (
            pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t)
        ) or pd.api.types.is_datetime64_any_dtype(t) or isinstance(t.dtype, pd.PeriodDtype) or (
            isinstance(t.dtype, pd.CategoricalDtype) and t.cat.ordered
        )
        if not orderable:
            raise PanelDataError(
                f"Time key '{self.time}' has dtype {t.dtype}, which has no time order "
                f"(e.g. values {list(t.unique()[:3])}). Convert it to numbers "
                f"(pd.to_numeric(df['{self.time}'])), to dates (pd.to_datetime) or to an ordered "
                "categorical."
            )

    def _refuse_duplicates(self, frame: pd.DataFrame) -> None:
        dup = frame.duplicated([self.entity, self.time], keep=False)
        if dup.any():
            raise PanelDataError(
                f"{int(dup.sum())} rows share an ({self.entity}, {self.time}) pair; a panel needs "
                "one row per entity and period. Aggregate or de-duplicate them first:\n"
                f"{show_rows(frame[[self.entity, self.time]], dup)}"
            )

    def _time_positions(self, t: pd.Series, delta: float | None, freq: str | None
                        ) -> np.ndarray:
        """Integer position of each row on the panel's time grid (gaps leave holes)."""
        if pd.api.types.is_datetime64_any_dtype(t):
            if delta is not None:
                raise PanelDataError(
                    f"delta= applies to integer or Period time keys only; '{self.time}' holds "
                    f"dates: give freq= (e.g. freq='Y') to set their period instead."
                )
            t = self._dates_as_periods(t, freq)
        elif freq is not None:
            raise PanelDataError(
                f"freq= applies to date time keys only; '{self.time}' has dtype {t.dtype}. "
                "Use delta= for the spacing of numeric or Period times."
            )
        values = t.to_numpy()
        if isinstance(t.dtype, pd.PeriodDtype):
            ints = np.asarray(t.array.asi8, dtype=np.int64)
        elif pd.api.types.is_integer_dtype(t) or (
            pd.api.types.is_float_dtype(t) and np.all(np.mod(values, 1) == 0)
        ):
            ints = values.astype(np.int64)
        elif isinstance(t.dtype, pd.CategoricalDtype):
            if delta is not None:
                raise PanelDataError(
                    f"delta= applies to integer or Period time keys only; '{self.time}' is an "
                    "ordered categorical (its categories are the periods)."
                )
            return t.cat.codes.to_numpy(dtype=np.int64)
        else:
            return self._stepped_positions(values.astype(float), delta)
        periods = np.sort(pd.unique(ints))  # hash, then sort the few distinct periods
        if delta is None:
            delta = max(int(np.gcd.reduce(np.diff(periods))), 1) if periods.size > 1 else 1
        elif isinstance(delta, bool) or not isinstance(delta, int | np.integer) or delta < 1:
            raise PanelDataError(f"delta must be a positive integer, got {delta!r}.")
        off_grid = periods[(periods - periods[0]) % delta != 0]
        if off_grid.size:
            raise PanelDataError(
                f"delta={delta} does not fit the time key '{self.time}': periods "
                f"{off_grid[:5].tolist()} are not {periods[0]} plus a multiple of {delta}. "
                "Leave delta unset to infer it, or fix those periods."
            )
        self.delta = int(delta)
        return (ints - periods[0]) // self.delta

    def _dates_as_periods(self, t: pd.Series, freq: str | None) -> pd.Series:
        """Convert dates to pandas Periods of ``freq``.

        Without ``freq``: the coarsest frequency that keeps every entity's dates in distinct
        periods.
        """
        if t.dt.tz is not None:
            t = t.dt.tz_convert(None)
        candidates = [freq] if freq is not None else ["Y", "Q", "M", "W", "D"]
        for candidate in candidates:
            try:
                converted = t.dt.to_period(candidate)
            except (ValueError, TypeError):
                raise PanelDataError(
                    f"freq={candidate!r} is not a pandas period frequency; use 'Y', 'Q', 'M', "
                    "'W' or 'D'."
                ) from None
            keys = pd.DataFrame({"e": self.frame[self.entity].to_numpy(), "t": converted})
            dup = keys.duplicated(keep=False).to_numpy()
            if not dup.any():
                self.freq = candidate
                return converted
        if freq is not None:
            raise PanelDataError(
                f"freq={freq!r} puts several dates of one entity in the same period of "
                f"'{self.time}' ({int(dup.sum())} rows); use a finer freq= or aggregate "
                f"those rows first:\n{show_rows(self.frame[[self.entity, self.time]], dup)}"
            )
        raise PanelDataError(
            f"The dates in '{self.time}' are not on a daily or coarser grid (e.g. "
            f"{list(t.astype(str).head(3))}); give freq= (a pandas period frequency such as "
            "'h') or convert them to periods first."
        )

    def _stepped_positions(self, values: np.ndarray, delta: float | None) -> np.ndarray:
        """Positions of non-integer numeric times on the grid ``t_min + k * delta``."""
        if delta is None:
            frac = values[np.mod(values, 1) != 0]
            raise PanelDataError(
                f"Time key '{self.time}' has non-integer values (e.g. {frac[:3].tolist()}), "
                "whose spacing cannot be told from the data: give delta= (the step between "
                "consecutive periods, e.g. delta=0.25 for quarters written as 2000.25), or "
                "recode the periods as integers or pandas Periods."
            )
        if isinstance(delta, bool) or not isinstance(delta, int | float | np.number) or not (
            np.isfinite(delta) and delta > 0
        ):
            raise PanelDataError(f"delta must be a positive number, got {delta!r}.")
        steps = (values - values.min()) / delta
        ints = np.round(steps)
        off = np.abs(steps - ints) > 1e-6
        if off.any():
            raise PanelDataError(
                f"delta={delta} does not fit the time key '{self.time}': periods "
                f"{np.unique(values[off])[:5].tolist()} are not {values.min()} plus a multiple "
                f"of {delta}. Fix those periods or the step."
            )
        self.delta = delta
        return ints.astype(np.int64)

    # ------------------------------------------------------------------ properties
    @property
    def entity_codes(self) -> np.ndarray:
        """Integer code of each row's entity, 0..N-1 in row (sorted) order."""
        return self._entity_codes

    @property
    def time_codes(self) -> np.ndarray:
        """Integer code of each row's time key, 0..T-1 in the order of the distinct values."""
        return self._time_codes

    @property
    def grid(self) -> dict[str, float | str]:
        """The ``delta=`` / ``freq=`` options that rebuild this time grid on a subset."""
        if self.freq is not None:
            return {"freq": self.freq}
        return {"delta": self.delta} if self.delta is not None else {}

    @property
    def time_positions(self) -> np.ndarray:
        """Integer position of each row on the time axis (``(t - t_min) / delta``)."""
        return self._time_pos

    @cached_property
    def longest_span(self) -> int:
        """Periods between the first and last observation of the longest-lived entity.

        A lag, lead or difference of more periods is missing on every row.
        """
        codes, pos = self.entity_codes, self._time_pos
        if pos.size == 0:
            return 0
        first = np.full(int(codes.max()) + 1, np.iinfo(np.int64).max)
        last = np.full(int(codes.max()) + 1, np.iinfo(np.int64).min)
        np.minimum.at(first, codes, pos)
        np.maximum.at(last, codes, pos)
        return int(np.max(last - first))

    @cached_property
    def index(self) -> pd.MultiIndex:
        """The (entity, time) MultiIndex of the sorted rows."""
        return pd.MultiIndex.from_frame(self.frame[[self.entity, self.time]])

    @cached_property
    def balance(self) -> BalanceInfo:
        """Balance information: N, periods, T min/mean/max and gaps."""
        return self.balance_of(np.arange(len(self.frame)))

    def balance_of(self, rows: np.ndarray) -> BalanceInfo:
        """Balance information of a sample: the rows at positions ``rows`` of :attr:`frame`.

        The same as the balance of a :class:`PanelData` built from those rows on this panel's
        time grid (``delta``/``freq``), without building one.

        Parameters
        ----------
        rows : numpy.ndarray
            Ascending, non-empty row positions (e.g. an estimation sample's).
        """
        codes, pos = self.entity_codes[rows], self._time_pos[rows]
        starts = np.flatnonzero(np.diff(codes, prepend=-1))  # an entity's rows are adjacent
        counts = np.diff(np.append(starts, codes.size))
        first, last = np.minimum.reduceat(pos, starts), np.maximum.reduceat(pos, starts)
        gaps = int(np.sum(last - first + 1 > counts))
        n_periods = int(pd.unique(pos).size)
        return BalanceInfo(
            n_entities=int(counts.size),
            n_periods=n_periods,
            nobs=int(codes.size),
            t_min=int(counts.min()),
            t_mean=float(counts.mean()),
            t_max=int(counts.max()),
            balanced=bool(np.all(counts == n_periods)),
            entities_with_gaps=gaps,
        )

    def __len__(self) -> int:
        return len(self.frame)

    def __repr__(self) -> str:
        return f"PanelData(entity={self.entity!r}, time={self.time!r}; {self.balance})"

    # ------------------------------------------------------------------ operators
    def _as_values(self, x: str | pd.Series | np.ndarray) -> np.ndarray:
        label = repr(x) if isinstance(x, str) else "The series"
        if isinstance(x, str):
            if x not in self.frame.columns:
                raise PanelDataError(
                    f"'{x}' is not a column of the data.{did_you_mean(x, self.frame.columns)}"
                )
            x = self.frame[x]
        try:
            values = np.asarray(x, dtype=float)
        except (TypeError, ValueError):
            raise PanelDataError(
                f"{label} is not numeric (dtype {getattr(x, 'dtype', type(x).__name__)}); lags, "
                "leads and differences need numbers. Convert it with pd.to_numeric()."
            ) from None
        if values.shape[0] != len(self.frame):
            raise PanelDataError(
                f"Series has {values.shape[0]} rows, the panel has {len(self.frame)}."
            )
        return values

    def shift(self, x: str | pd.Series | np.ndarray, k: int) -> np.ndarray:
        """Value of ``x`` at period ``t - k * delta`` of the same entity (``k < 0``: leads).

        Missing where that period is not observed for the entity: gaps never borrow a
        neighbour's value, and nothing crosses from one entity to the next.

        Parameters
        ----------
        x : str or array-like
            A column name, or values in the row order of :attr:`frame` (sorted by entity
            and time; a Series' index is ignored).
        k : int
            Number of periods to look back.

        Returns
        -------
        numpy.ndarray
            Float values aligned with :attr:`frame`, NaN where no such period exists.
        """
        values = self._as_values(x)
        if k == 0:
            return values.copy()
        codes = self.entity_codes
        pos = self._time_pos
        # rows are sorted by (entity, time); find row with (code, pos - k) by binary search
        key = codes.astype(np.int64) * (int(pos.max()) + abs(k) + 2) + pos
        target = codes.astype(np.int64) * (int(pos.max()) + abs(k) + 2) + (pos - k)
        where = np.searchsorted(key, target)
        where_clipped = np.minimum(where, key.size - 1)
        found = key[where_clipped] == target
        out = np.full(values.shape, np.nan)
        out[found] = values[where_clipped[found]]
        return out

    def lag(self, x: str | pd.Series | np.ndarray, k: int = 1) -> np.ndarray:
        """``L(x, k)``: the value ``k`` periods earlier within the entity."""
        return self.shift(x, k)

    def lead(self, x: str | pd.Series | np.ndarray, k: int = 1) -> np.ndarray:
        """``F(x, k)``: the value ``k`` periods later within the entity."""
        return self.shift(x, -k)

    def diff(self, x: str | pd.Series | np.ndarray, k: int = 1) -> np.ndarray:
        """``D(x, k)``: the ``k``-th order difference, Stata's ``Dk.x`` (``D2.x = D.D.x``).

        For ``x - L(x, k)`` (plm's ``diff(x, k)``) write ``I(x - L(x, k))``.
        """
        if k < 0:
            raise PanelDataError(f"The order of a difference must be 0 or more, got {k}.")
        values = self._as_values(x)
        for _ in range(k):
            values = values - self.shift(values, 1)
        return values


def _codes(keys: pd.Series) -> np.ndarray:
    """Sort codes of key values; keys of mixed, unorderable types keep first-seen order.

    Rows are sorted by these codes rather than by the raw values: pandas may sort mixed
    types in an order its ``factorize`` does not share, and the operators rely on every
    entity's rows being contiguous and in time order.
    """
    try:
        return pd.factorize(keys, sort=True)[0]
    except TypeError:
        return pd.factorize(keys)[0]


def as_panel(
    data: pd.DataFrame | PanelData, entity: str | None = None, time: str | None = None, *,
    delta: float | None = None, freq: str | None = None,
) -> PanelData:
    """Return ``data`` as a :class:`PanelData` (unchanged if it already is one)."""
    if isinstance(data, PanelData):
        if entity not in (None, data.entity) or time not in (None, data.time):
            raise PanelDataError(
                f"data is a PanelData keyed by ({data.entity}, {data.time}); it cannot be "
                f"re-keyed by ({entity}, {time}). Pass the DataFrame instead."
            )
        if delta is not None or freq is not None:
            raise PanelDataError(
                "delta= and freq= apply when the panel is built from a DataFrame; this "
                "PanelData already has its time grid."
            )
        return data
    return PanelData(data, entity, time, delta=delta, freq=freq)
