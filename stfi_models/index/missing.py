"""Checking indicator columns and handling their missing cells.

``missing="error"`` (default) refuses missing cells and names them; ``"interpolate"`` fills
them linearly in time within each entity (cells before an entity's first or after its last
observation take the nearest observed value, as ``pandas.Series.interpolate(limit_direction=
"both")`` does) and reports every filled cell; ``"drop"`` removes rows with any missing
indicator and reports them.  Nothing is filled silently.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from stfi_models.exceptions import (
    FormulaError,
    MissingValueWarning,
    PanelDataError,
    did_you_mean,
)
from stfi_models.panel import PanelData

__all__ = ["MISSING_RULES", "check_indicators", "handle_missing", "interpolate_within_entity"]

#: Accepted values of ``missing=``.
MISSING_RULES = ("error", "interpolate", "drop")


def check_indicators(frame: pd.DataFrame, columns: tuple[str, ...], formula: str) -> None:
    """Every indicator must be a numeric column with at least one finite value.

    Raises
    ------
    FormulaError
        For a column the data does not have (with a "did you mean").
    PanelDataError
        For a non-numeric, all-missing or infinite-valued indicator.
    """
    for name in columns:
        if name not in frame.columns:
            raise FormulaError(
                f"Indicator '{name}' is not a column of the data."
                f"{did_you_mean(name, frame.columns)}\n  {formula}"
            )
        series = frame[name]
        if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
            examples = list(series.dropna().unique()[:3])
            raise PanelDataError(
                f"Indicator '{name}' is not numeric (dtype {series.dtype}, e.g. {examples}). "
                f"Convert it first: df['{name}'] = pd.to_numeric(df['{name}'], errors='coerce')."
            )
        values = series.to_numpy(dtype=float)
        if np.all(np.isnan(values)):
            raise PanelDataError(
                f"Indicator '{name}' has no observed value ({len(values)} rows, all missing). "
                "Drop it from the formula or pick another year range."
            )
        if np.any(np.isinf(values)):
            raise PanelDataError(
                f"Indicator '{name}' has {int(np.isinf(values).sum())} infinite value(s) (a "
                "division by zero when it was built?). Replace them with NaN or fix the ratio."
            )


def interpolate_within_entity(
    panel: PanelData, columns: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fill missing cells linearly in time within each entity.

    Parameters
    ----------
    panel : PanelData
    columns : list of str
        Numeric columns to fill.

    Returns
    -------
    frame : pandas.DataFrame
        ``panel.frame`` with the columns filled.
    filled : pandas.DataFrame
        One row per filled cell: entity, time, indicator, value.

    Raises
    ------
    PanelDataError
        When an entity has no observed value of a column, so nothing can be interpolated.
    """
    frame = panel.frame.copy()
    pos = panel.time_positions.astype(float)
    codes = panel.entity_codes
    records = []
    for name in columns:
        values = frame[name].to_numpy(dtype=float).copy()
        holes = np.isnan(values)
        if not holes.any():
            continue
        for code in np.unique(codes[holes]):
            rows = np.flatnonzero(codes == code)
            seen = ~holes[rows]
            if not seen.any():
                entity = frame[panel.entity].iloc[rows[0]]
                raise PanelDataError(
                    f"Indicator '{name}' is missing in every period for {panel.entity}="
                    f"{entity!r}, so it cannot be interpolated. Use missing='drop', fill it "
                    "yourself, or drop the indicator."
                )
            # np.interp holds the end values constant outside the observed range
            values[rows[~seen]] = np.interp(pos[rows[~seen]], pos[rows[seen]], values[rows[seen]])
        frame[name] = values
        cells = frame.loc[holes, [panel.entity, panel.time]]
        records.append(cells.assign(indicator=name, value=values[holes]))
    columns_out = [panel.entity, panel.time, "indicator", "value"]
    table = pd.concat(records, ignore_index=True) if records else pd.DataFrame(columns=columns_out)
    return frame, table


def _describe_cells(
    frame: pd.DataFrame, panel: PanelData, columns: list[str], limit: int = 8
) -> str:
    lines = []
    for name in columns:
        holes = frame[name].isna().to_numpy()
        if holes.any():
            cells = frame.loc[holes, [panel.entity, panel.time]].head(limit)
            where = ", ".join(f"({e}, {t})" for e, t in cells.itertuples(index=False))
            more = f" and {int(holes.sum()) - limit} more" if holes.sum() > limit else ""
            lines.append(f"  {name}: {int(holes.sum())} missing: {where}{more}")
    return "\n".join(lines)


def handle_missing(
    panel: PanelData, columns: list[str], missing: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Apply the ``missing`` rule to the indicator columns.

    Returns
    -------
    frame : pandas.DataFrame
        The panel rows kept, indicators complete.
    filled : pandas.DataFrame
        Filled cells (``"interpolate"``), else empty.
    dropped : pandas.DataFrame
        Dropped rows' keys with the indicators that were missing (``"drop"``), else empty.
    """
    frame = panel.frame
    empty_filled = pd.DataFrame(columns=[panel.entity, panel.time, "indicator", "value"])
    empty_dropped = pd.DataFrame(columns=[panel.entity, panel.time, "missing"])
    holes = frame[columns].isna()
    if not holes.to_numpy().any():
        return frame, empty_filled, empty_dropped
    if missing == "error":
        raise PanelDataError(
            f"{int(holes.to_numpy().sum())} indicator cell(s) are missing:\n"
            f"{_describe_cells(frame, panel, columns)}\n"
            "Pass missing='interpolate' (linear within entity, reported) or missing='drop' "
            "(drop those rows), or fill them yourself."
        )
    if missing == "interpolate":
        out, filled = interpolate_within_entity(panel, columns)
        warnings.warn(
            f"Interpolated {len(filled)} missing indicator cell(s) linearly within "
            f"{panel.entity} (end cells take the nearest observed value); see "
            "IndexResult.filled.",
            MissingValueWarning,
            stacklevel=3,
        )
        return out, filled, empty_dropped
    bad = holes.any(axis=1).to_numpy()
    dropped = frame.loc[bad, [panel.entity, panel.time]].copy()
    dropped["missing"] = [", ".join(h.index[h]) for _, h in holes.loc[bad].iterrows()]
    warnings.warn(
        f"Dropped {int(bad.sum())} of {len(frame)} rows with missing indicators; see "
        "IndexResult.dropped.",
        MissingValueWarning,
        stacklevel=3,
    )
    return frame.loc[~bad].reset_index(drop=True), empty_filled, dropped.reset_index(drop=True)
