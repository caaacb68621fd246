"""Replication study files: the data, the indices and every analysis step in one TOML file.

A replication file (``formulas/stfi_regional.toml``, ``formulas/tech_finance_nqp.toml``) has
these tables; every one but ``[study]`` and ``[data]`` is optional and switches a report
section on::

    [study]          title, description
    [data]           dataset (bundled name) or path (a CSV in the study's folder), entity,
                     time, group (regions), years, exclude
    [indices]        NAME = "index study file" (formulas/*_index.toml; their own keys apply)
    [productivity]   name, output, capital, labour, alpha, method, deflator  (TFP, see
                     stfi_models.productivity)
    [derive]         NAME = "expression"  (same safe arithmetic as index study files)
    [trends]         variables = [...]   regional means by year
    [density]        value, bandwidth     kernel densities by year
    [dagum]          value                Dagum Gini by region and year
    [moran]          value, permutations, seed   global Moran's I by year, scatter
    [convergence]    value, kind, spatial, spatial_effects: sigma and beta convergence;
                     spatial = "sdm" (sar, sem, sdem, sac) adds spatial beta convergence
    [regressions.X]  title, model (one, or one per formula), formulas = [...],
                     options = {...}, headline (the term quoted in the summary)  -> an etable
    [pvar]           formula, options, periods, draws, seed, demean_time
    [mediation]      treatment, mediator, outcome, controls, effects, model, bootstrap,
                     seed, options
    [expected]       rtol = {kind = x}, atol = {kind = x}: tolerances of the replication
                     check (stfi_models.replicate.expect)
    [inference.X]    title, model, formula, terms, cluster, draws, weights, seed: CR1 vs CR2
                     (Satterthwaite) vs wild cluster bootstrap (steps_inference)
    [diagnostics]    regressions, tests, local_cd: panel diagnostics of [regressions.X]
    [spatial]        formula, effects, draws, seed, lag_convention, level: LM/LR/Wald model
                     choice, the SDM and its effects (steps_spatial)
    [threshold]      title, formula, thresholds, options, seed, level, smooth: Hansen (1999)
                     panel threshold regression (steps_threshold)
    [index_sensitivity]  index, study, choices, draws, seed, propagate, bootstrap, year,
                     perturb, alpha: rank uncertainty, Sobol indices, propagated coefficients
    [coupling]       systems, weights, kind, name: coupling coordination degree (adds `name`)
    [obstacle]       index, study, top: obstacle degrees (steps_index)

Unknown tables or keys are refused with a "did you mean" hint; nothing is evaluated as code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from stfi_models._resources import resource_dir
from stfi_models._studyfile import (
    COLUMN,
    COLUMN_OR_COLUMNS,
    COLUMNS,
    ENTITIES,
    FLAG,
    INTEGER,
    OPTIONS,
    TEXT,
    YEARS,
    Field,
    check_derive,
    check_fields,
    check_formula,
    check_name,
    check_table,
    fail,
    inside,
    read_tables,
)
from stfi_models.exceptions import SpecificationError, did_you_mean
from stfi_models.formula.grammar import parse_formula
from stfi_models.replicate.expect import tolerances_from

__all__ = ["ReplicationSpec", "load_replication", "FORMULAS", "STUDIES", "resolve_study"]

#: The folder holding the study files of the repository.
FORMULAS = resource_dir("formulas")

#: Study name -> replication file (``stfi replicate NAME``).
STUDIES: dict[str, Path] = {
    "stfi_regional": FORMULAS / "stfi_regional.toml",
    "tech_finance_nqp": FORMULAS / "tech_finance_nqp.toml",
}

#: Allowed keys of each table (``None``: free names).
_TABLES: dict[str, set[str] | None] = {
    "study": {"title", "description"},
    "data": {"dataset", "path", "entity", "time", "group", "years", "exclude"},
    "indices": None,
    "productivity": {"name", "output", "capital", "labour", "alpha", "method", "deflator"},
    "derive": None,
    "trends": {"variables"},
    "density": {"value", "bandwidth"},
    "dagum": {"value"},
    "moran": {"value", "permutations", "seed"},
    "convergence": {"value", "kind", "spatial", "spatial_effects"},
    "regressions": None,
    "pvar": {"formula", "options", "periods", "draws", "seed", "demean_time"},
    "mediation": {"treatment", "mediator", "outcome", "controls", "effects", "model",
                  "bootstrap", "seed", "options"},
    "expected": {"rtol", "atol"},
    "inference": None,  # [inference.NAME] tables
    "diagnostics": {"regressions", "tests", "local_cd"},
    "spatial": {"formula", "effects", "draws", "seed", "lag_convention", "level"},
    "threshold": {"title", "formula", "thresholds", "options", "seed", "level", "smooth"},
    "index_sensitivity": {"index", "study", "choices", "draws", "seed", "propagate",
                          "bootstrap", "year", "perturb", "alpha"},
    "coupling": {"systems", "weights", "kind", "name"},
    "obstacle": {"index", "study", "top"},
}
_REGRESSION_KEYS = {"title", "model", "formulas", "options", "headline"}
_INFERENCE_KEYS = {"title", "model", "formula", "terms", "cluster", "draws", "weights", "seed"}
_INFERENCE_FIELDS = {"title": TEXT, "model": TEXT, "formula": TEXT, "terms": COLUMNS,
                     "cluster": COLUMN, "draws": INTEGER, "weights": TEXT, "seed": INTEGER}
_LEVEL = Field((float,), 0.5, 0.999)

#: Types and ranges of the keys (work keys such as draws are bounded for every table).
_FIELDS: dict[str, dict[str, Field]] = {
    "study": {"title": TEXT, "description": TEXT},
    "data": {"dataset": TEXT, "path": TEXT, "entity": COLUMN, "time": COLUMN,
             "group": COLUMN, "years": YEARS, "exclude": ENTITIES},
    "expected": {"rtol": OPTIONS, "atol": OPTIONS},
    "diagnostics": {"regressions": TEXT, "tests": Field((list,), items=(str,), length=(1, 20)),
                    "local_cd": FLAG},
    "spatial": {"formula": TEXT, "effects": TEXT, "draws": INTEGER, "seed": INTEGER,
                "lag_convention": TEXT, "level": _LEVEL},
    "threshold": {"title": TEXT, "formula": TEXT, "thresholds": Field((int,), 1, 3),
                  "options": OPTIONS, "seed": INTEGER, "level": _LEVEL, "smooth": FLAG},
    "index_sensitivity": {"index": COLUMN, "study": TEXT, "choices": OPTIONS,
                          "draws": INTEGER, "seed": INTEGER,
                          "propagate": Field((list,), items=(dict,), length=(0, 20)),
                          "bootstrap": INTEGER, "year": INTEGER,
                          "perturb": Field((int, float), 0.0, 1.0),
                          "alpha": Field((float,), 0.0, 0.5)},
    "coupling": {"systems": COLUMNS, "weights": OPTIONS, "kind": TEXT, "name": COLUMN},
    "obstacle": {"index": COLUMN, "study": TEXT, "top": Field((int,), 1, 100)},
    "productivity": {"name": COLUMN, "output": COLUMN, "capital": COLUMN, "labour": COLUMN,
                     "alpha": Field((int, float), 0.0, 1.0), "method": TEXT,
                     "deflator": COLUMN},
    "trends": {"variables": COLUMNS},
    "density": {"value": COLUMN, "bandwidth": Field((str, int, float), low=0.0)},
    "dagum": {"value": COLUMN},
    "moran": {"value": COLUMN, "permutations": INTEGER, "seed": INTEGER},
    "convergence": {"value": COLUMN, "kind": TEXT, "spatial": TEXT, "spatial_effects": TEXT},
    "pvar": {"formula": TEXT, "options": OPTIONS, "periods": INTEGER, "draws": INTEGER,
             "seed": INTEGER, "demean_time": FLAG},
    "mediation": {"treatment": COLUMN_OR_COLUMNS, "mediator": COLUMN_OR_COLUMNS,
                  "outcome": COLUMN, "controls": TEXT, "effects": TEXT, "model": TEXT,
                  "bootstrap": INTEGER, "seed": INTEGER, "options": OPTIONS},
}
_REGRESSION_FIELDS = {"title": TEXT, "model": Field((str, list), items=(str,), length=(1, 20)),
                      "formulas": Field((list,), items=(str,), length=(1, 20)),
                      "options": OPTIONS, "headline": TEXT}

_REQUIRED = {
    "data": ("entity", "time"),
    "productivity": ("name", "output", "capital", "labour"),
    "trends": ("variables",),
    "density": ("value",),
    "dagum": ("value",),
    "moran": ("value",),
    "convergence": ("value",),
    "pvar": ("formula",),
    "diagnostics": ("regressions",),
    "spatial": ("formula",),
    "threshold": ("formula",),
    "index_sensitivity": ("index", "study"),
    "coupling": ("systems",),
    "obstacle": ("index", "study"),
    "mediation": ("treatment", "mediator", "outcome"),
}


@dataclass(frozen=True)
class ReplicationSpec:
    """A parsed replication file.

    Attributes
    ----------
    path : Path
        The file.
    name : str
        Its stem (the study key, e.g. ``"stfi_regional"``).
    title, description : str
    data : Mapping
        The ``[data]`` table (``dataset``, ``entity``, ``time``, optional ``group``,
        ``years``, ``exclude``).
    indices : Mapping
        Index name -> resolved path of its index study file.
    steps : Mapping
        Table name -> its (checked) content, in file order, for every analysis table.
    data_path : Path or None
        The study's own CSV (``[data] path``, inside its folder), else the bundled dataset.
    """

    path: Path
    name: str
    title: str
    description: str
    data: MappingProxyType
    indices: MappingProxyType
    steps: MappingProxyType
    data_path: Path | None = None

    @property
    def entity(self) -> str:
        """Entity key column."""
        return self.data["entity"]

    @property
    def time(self) -> str:
        """Time key column."""
        return self.data["time"]


def _plain(stem: str) -> str:
    """Return the study key of file names and HTML ids: the stem in plain characters."""
    plain = "".join(c if c.isascii() and (c.isalnum() or c == "_") else "_" for c in stem)
    return plain[:64] or "study"


def resolve_study(study: str | Path) -> Path:
    """Find the file of a study key (``"stfi_regional"``) or a replication file path.

    Raises
    ------
    SpecificationError
        Neither a known study nor an existing file (with a "did you mean" hint).
    """
    if str(study) in STUDIES:
        return STUDIES[str(study)]
    path = Path(study)
    if path.suffix == ".toml" and path.is_file():
        return path
    if path.suffix == ".toml":
        raise SpecificationError(f"Study file {path} does not exist.")
    raise SpecificationError(
        f"Unknown study '{study}'.{did_you_mean(str(study), STUDIES)} Studies: "
        f"{', '.join(STUDIES)} (or give the path of a .toml replication file)."
    )


def load_replication(study: str | Path) -> ReplicationSpec:
    """Read and check a replication file (no data is loaded).

    Parameters
    ----------
    study : str or Path
        A study key (:data:`STUDIES`) or the path of a replication TOML file.

    Raises
    ------
    SpecificationError
        Missing file, invalid TOML, unknown tables or keys, missing entries, or an index
        study file that does not exist.
    """
    path = resolve_study(study)
    raw = read_tables(path, _TABLES)
    for table in ("study", "data"):
        raw.setdefault(table, {})
    parts = {t: check_table(path, t, c, _TABLES[t], _REQUIRED.get(t, ())) for t, c in raw.items()}
    for table, content in parts.items():
        check_fields(path, table, content, _FIELDS.get(table, {}))
    for name, table in parts.get("regressions", {}).items():
        check_name(path, "[regressions.NAME]", name)
        check_table(path, f"regressions.{name}", table, _REGRESSION_KEYS)
        check_fields(path, f"regressions.{name}", table, _REGRESSION_FIELDS)
        if not isinstance(table.get("formulas"), list) or not table["formulas"]:
            raise fail(path, f"[regressions.{name}] needs formulas = [\"y ~ x\", ...].")
        for k, text in enumerate(table["formulas"]):
            check_formula(path, f"[regressions.{name}] formulas[{k}]", text, parse_formula)
        model = table.get("model")
        if isinstance(model, list) and len(model) != len(table["formulas"]):
            raise fail(path, f"[regressions.{name}] model lists {len(model)} models for "
                       f"{len(table['formulas'])} formulas; give one, or one per formula.")
    for name, table in parts.get("inference", {}).items():
        check_name(path, "[inference.NAME]", name)
        check_table(path, f"inference.{name}", table, _INFERENCE_KEYS, ("formula",))
        check_fields(path, f"inference.{name}", table, _INFERENCE_FIELDS)
        check_formula(path, f"[inference.{name}] formula", table["formula"], parse_formula)
    check_derive(path, parts.get("derive", {}))
    for table in ("index_sensitivity", "obstacle"):  # index study files: in the folder only
        if table in parts:
            parts[table]["study"] = str(inside(path, f"[{table}] study", parts[table]["study"]))
    for table in ("pvar", "spatial", "threshold"):
        if table in parts:
            check_formula(path, f"[{table}] formula", parts[table]["formula"], parse_formula)
    indices = {}
    for name, file in parts.get("indices", {}).items():
        check_name(path, "[indices]", name)
        target = inside(path, f"[indices] {name}", file)
        if not target.is_file():
            raise fail(path, f"[indices] {name} = '{file}': no such index study file in the "
                       "study's folder.")
        indices[name] = target
    if ("dataset" in parts["data"]) == ("path" in parts["data"]):
        raise fail(path, "[data] needs exactly one of dataset = \"<bundled name>\" or "
                   "path = \"<file.csv in the study's folder>\".")
    data_path = (inside(path, "[data] path", parts["data"]["path"])
                 if "path" in parts["data"] else None)
    tolerances_from(parts.get("expected"), path.name)  # refuse bad tolerances now
    years = parts["data"].get("years")
    if years is not None and (not isinstance(years, list) or len(years) != 2
                              or not all(isinstance(y, int) for y in years)):
        raise fail(path, f"[data] years must be [first, last]; got {years!r}.")
    steps = {k: MappingProxyType(v) for k, v in parts.items()
             if k not in ("study", "data", "indices")}
    return ReplicationSpec(
        path=path,
        name=_plain(path.stem),
        title=str(parts["study"].get("title", path.stem)),
        description=str(parts["study"].get("description", "")),
        data=MappingProxyType(parts["data"]),
        indices=MappingProxyType(indices),
        steps=MappingProxyType(steps),
        data_path=data_path,
    )
