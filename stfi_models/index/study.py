"""Study files: an index, its data and its options in one TOML file.

A study file (see ``formulas/stfi_index.toml``) has four tables::

    [study]                       # optional: title and description
    title = "Science-and-technology-finance index"

    [data]
    dataset = "china"             # a bundled dataset (stfi_models.datasets.DATASETS) ...
    # path = "panel.csv"          # ... or a CSV file, relative to the study file
    entity = "province_en"        # optional for bundled data (their keys are known)
    time = "year"
    years = [2012, 2023]          # optional: first and last year kept
    exclude = ["Tibet"]           # optional: entities left out (say why in a comment)

    [derive]                      # optional: new columns, in order, from formula arithmetic
    rd_per_capita = "rd_exp_total / pop_yearend"

    [index]
    formula = "STFI ~ invest(rd_per_capita + rd_intensity) + market(pku_dfiic_index)"
    method = "entropy"            # any keyword of build_index
    missing = "interpolate"

    [output]                      # optional
    scores = "stfi_scores.csv"    # default for `stfi index --out`, relative to the working dir

``[derive]`` expressions are checked by the same whitelist as model formulas
(:func:`stfi_models.formula.safety.parse_expression`) and evaluated by the formula module's
column arithmetic (numbers, ``+ - * / **``, ``log()``-style math, ``L()``/``F()``/``D()``):
a study file can never run code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from stfi_models._studyfile import (
    COLUMN,
    ENTITIES,
    TEXT,
    YEARS,
    check_derive,
    check_fields,
    check_formula,
    check_table,
    fail,
    inside,
    read_tables,
)
from stfi_models.exceptions import FormulaError, SpecificationError, did_you_mean
from stfi_models.formula.operators import OperatorEvaluator
from stfi_models.formula.safety import parse_expression
from stfi_models.index.composite import build_index
from stfi_models.index.formula import parse_index_formula
from stfi_models.index.result import IndexResult
from stfi_models.panel import PanelData

__all__ = ["Study", "load_study", "derive_columns", "study_data", "run_study"]

_TABLES = {
    "study": {"title", "description"},
    "data": {"dataset", "path", "entity", "time", "years", "exclude"},
    "derive": None,  # free names
    "index": {
        "formula", "method", "normalize", "scope", "weights_by", "shift", "combine",
        "hierarchy", "scoring", "missing",
    },
    "output": {"scores"},
}
_FIELDS = {
    "study": {"title": TEXT, "description": TEXT},
    "data": {"dataset": TEXT, "path": TEXT, "entity": COLUMN, "time": COLUMN, "years": YEARS,
             "exclude": ENTITIES},
    "index": {"formula": TEXT},
    "output": {"scores": TEXT},
}


def _relative_output(path: Path, value: str) -> Path:
    """``[output] scores``: a plain relative file name, later resolved in the output folder."""
    target = Path(value)
    if (not value.strip() or target.is_absolute() or target.drive or ".." in target.parts
            or target.suffix != ".csv"):
        raise fail(path, f"[output] scores = '{value[:60]}' must be a relative .csv file name "
                   "without '..': a study file may not write outside the output folder (give "
                   "other targets with --out).")
    return target


@dataclass(frozen=True)
class Study:
    """A parsed study file.

    Attributes
    ----------
    path : Path
        The file.
    title, description : str
    formula : str
        The index formula.
    options : Mapping
        Keywords for :func:`stfi_models.index.build_index`.
    dataset : str or None
        Name of a bundled dataset, or ``None`` when ``csv`` is given.
    csv : Path or None
        A CSV file (resolved against the study file's folder).
    entity, time : str
        Panel keys.
    years : tuple of int or None
        First and last year kept.
    exclude : tuple
        Entities left out.
    derive : Mapping
        New column -> expression, evaluated in order.
    scores_out : Path or None
        Default output file for the scores.
    """

    path: Path
    title: str
    description: str
    formula: str
    options: MappingProxyType
    dataset: str | None
    csv: Path | None
    entity: str
    time: str
    years: tuple[int, int] | None
    exclude: tuple = ()
    derive: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    scores_out: Path | None = None


def load_study(path: str | Path) -> Study:
    """Read and check a study file (no data is loaded).

    Raises
    ------
    SpecificationError
        For a missing file, invalid TOML, unknown tables or keys, or missing entries.
    """
    from stfi_models.datasets import DATASETS

    path = Path(path)
    if not path.is_file():
        raise SpecificationError(f"Study file {path} does not exist.")
    raw = read_tables(path, _TABLES)
    parts = {t: check_table(path, t, raw.get(t, {}), allowed) for t, allowed in _TABLES.items()}
    for table, fields in _FIELDS.items():
        check_fields(path, table, parts[table], fields)
    index, data = dict(parts["index"]), parts["data"]
    if "formula" not in index:
        raise fail(path, "[index] needs a formula, e.g. formula = \"STFI ~ a(x + y) + b(z)\".")
    formula = index.pop("formula")
    check_formula(path, "[index] formula", formula, parse_index_formula)
    if ("dataset" in data) == ("path" in data):
        raise fail(path, "[data] needs exactly one of dataset = \"<bundled name>\" or "
                   "path = \"<file.csv>\".")
    dataset = data.get("dataset")
    csv = None
    if dataset is not None:
        if dataset not in DATASETS:
            raise fail(path, f"unknown dataset '{dataset}'.{did_you_mean(dataset, DATASETS)} "
                       f"Bundled: {', '.join(DATASETS)}.")
        entity = data.get("entity", DATASETS[dataset].entity)
        time = data.get("time", DATASETS[dataset].time)
    else:
        csv = inside(path, "[data] path", data["path"])
        if "entity" not in data or "time" not in data:
            raise fail(path, "[data] with a CSV path needs entity = ... and time = ....")
        entity, time = data["entity"], data["time"]
    years = data.get("years")
    if years is not None:
        if (
            not isinstance(years, list) or len(years) != 2
            or not all(isinstance(y, int) for y in years) or years[0] > years[1]
        ):
            raise fail(
                path, f"[data] years must be [first, last], two whole numbers; got {years!r}."
            )
        years = (years[0], years[1])
    exclude = data.get("exclude", [])
    if not isinstance(exclude, list):
        raise fail(path, f"[data] exclude must be a list of entities, got {exclude!r}.")
    check_derive(path, parts["derive"])
    out = parts["output"].get("scores")
    study = parts["study"]
    return Study(
        path=path,
        title=str(study.get("title", path.stem)),
        description=str(study.get("description", "")),
        formula=formula,
        options=MappingProxyType(index),
        dataset=dataset,
        csv=csv,
        entity=entity,
        time=time,
        years=years,
        exclude=tuple(exclude),
        derive=MappingProxyType(dict(parts["derive"])),
        scores_out=_relative_output(path, out) if out is not None else None,
    )


def derive_columns(frame: pd.DataFrame, derive: Mapping[str, str], *, entity: str, time: str,
                   path: str | Path) -> pd.DataFrame:
    """Add the columns of a study file's ``[derive]`` table, in order.

    Each expression is checked by the formula whitelist
    (:func:`stfi_models.formula.safety.parse_expression`) and evaluated by the formula
    module's column arithmetic on the panel ``(entity, time)``, so ``L()``/``F()``/``D()``
    shift within entity; later columns may use earlier ones.  Infinite values (e.g. a
    division by zero) become ``NaN``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The data, with the ``entity`` and ``time`` columns.
    derive : Mapping
        New column name -> expression (``{"rd_per_capita": "rd_exp_total / pop_yearend"}``).
    entity, time : str
        Panel keys.
    path : str or Path
        The study file the table comes from, named in error messages.

    Returns
    -------
    pandas.DataFrame
        ``frame`` with the new columns (sorted by the panel keys when there are any).

    Raises
    ------
    SpecificationError
        A name that is not an identifier, or that is already a column.
    FormulaError
        An expression that is not allowed or cannot be evaluated (names the column).
    """
    path = Path(path)
    for name, expr in derive.items():
        if not name.isidentifier():
            raise fail(path, f"[derive] '{name}' is not a valid column name (use letters, "
                       "digits and underscores).")
        if name in frame.columns:
            raise fail(path, f"[derive] '{name}' already is a column of the data; "
                       "choose another name.")
        node = parse_expression(expr)
        panel = PanelData(frame, entity, time)
        try:
            values = OperatorEvaluator(panel, expr).values(node)
        except FormulaError as exc:
            raise FormulaError(f"Study file {path}, [derive] {name}: {exc}") from None
        values = np.where(np.isinf(values), np.nan, values)
        frame = panel.frame.assign(**{name: values})
    return frame


def study_data(study: Study) -> pd.DataFrame:
    """Return the study's data: loaded, derived columns added, years kept."""
    from stfi_models.datasets import load_dataset

    if study.dataset is not None:
        frame = load_dataset(study.dataset)
    else:
        if not study.csv.is_file():  # type: ignore[union-attr]
            raise fail(study.path, f"data file {study.csv} does not exist.")
        frame = pd.read_csv(study.csv)
    for key in (study.entity, study.time):
        if key not in frame.columns:
            raise fail(study.path, f"key column '{key}' is not in the data."
                       f"{did_you_mean(key, frame.columns)}")
    unknown = set(study.exclude) - set(frame[study.entity])
    if unknown:
        raise fail(study.path, f"[data] exclude names {sorted(unknown, key=str)}, which are not "
                   f"values of '{study.entity}'.")
    frame = frame[~frame[study.entity].isin(study.exclude)]
    frame = derive_columns(frame, study.derive, entity=study.entity, time=study.time,
                           path=study.path)
    if study.years is not None:
        first, last = study.years
        frame = frame[(frame[study.time] >= first) & (frame[study.time] <= last)]
        if frame.empty:
            raise fail(study.path, f"no rows in years {first}-{last}.")
    return frame.reset_index(drop=True)


def run_study(study: str | Path | Study, **overrides: Any) -> IndexResult:
    """Build the index a study file describes.

    Parameters
    ----------
    study : str, Path or Study
    **overrides
        ``build_index`` options replacing the file's (e.g. ``method="critic"``).

    Returns
    -------
    IndexResult
    """
    study = study if isinstance(study, Study) else load_study(study)
    options = {**study.options, **{k: v for k, v in overrides.items() if v is not None}}
    return build_index(
        study.formula, study_data(study), entity=study.entity, time=study.time, **options
    )
