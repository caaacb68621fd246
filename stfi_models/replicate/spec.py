"""Replication study files: the data, the indices and every analysis step in one TOML file.

A replication file (``formulas/stfi_regional.toml``, ``formulas/tech_finance_nqp.toml``) has
these tables; every one but ``[study]`` and ``[data]`` is optional and switches a report
section on::

    [study]          title, description
    [data]           dataset (bundled name), entity, time, group (regions), years, exclude
    [indices]        NAME = "index study file" (formulas/*_index.toml; their own keys apply)
    [productivity]   name, output, capital, labour, alpha, method, deflator  (TFP, see
                     stfi_models.productivity)
    [derive]         NAME = "expression"  (same safe arithmetic as index study files)
    [trends]         variables = [...]   regional means by year
    [density]        value, bandwidth     kernel densities by year
    [dagum]          value                Dagum Gini by region and year
    [moran]          value, permutations, seed   global Moran's I by year, scatter
    [convergence]    value, kind          sigma and beta convergence
    [regressions.X]  title, model (one, or one per formula), formulas = [...],
                     options = {...}, headline (the term quoted in the summary)  -> an etable
    [pvar]           formula, options, periods, draws, seed, demean_time
    [mediation]      treatment, mediator, outcome, controls, effects, model, bootstrap,
                     seed, options

Unknown tables or keys are refused with a "did you mean" hint; nothing is evaluated as code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from stfi_models._resources import resource_dir
from stfi_models._studyfile import check_derive, check_table, fail, read_tables
from stfi_models.exceptions import SpecificationError, did_you_mean

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
    "data": {"dataset", "entity", "time", "group", "years", "exclude"},
    "indices": None,
    "productivity": {"name", "output", "capital", "labour", "alpha", "method", "deflator"},
    "derive": None,
    "trends": {"variables"},
    "density": {"value", "bandwidth"},
    "dagum": {"value"},
    "moran": {"value", "permutations", "seed"},
    "convergence": {"value", "kind"},
    "regressions": None,
    "pvar": {"formula", "options", "periods", "draws", "seed", "demean_time"},
    "mediation": {"treatment", "mediator", "outcome", "controls", "effects", "model",
                  "bootstrap", "seed", "options"},
}
_REGRESSION_KEYS = {"title", "model", "formulas", "options", "headline"}
_REQUIRED = {
    "data": ("dataset", "entity", "time"),
    "productivity": ("name", "output", "capital", "labour"),
    "trends": ("variables",),
    "density": ("value",),
    "dagum": ("value",),
    "moran": ("value",),
    "convergence": ("value",),
    "pvar": ("formula",),
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
    """

    path: Path
    name: str
    title: str
    description: str
    data: MappingProxyType
    indices: MappingProxyType
    steps: MappingProxyType

    @property
    def entity(self) -> str:
        """Entity key column."""
        return self.data["entity"]

    @property
    def time(self) -> str:
        """Time key column."""
        return self.data["time"]


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
    for name, table in parts.get("regressions", {}).items():
        check_table(path, f"regressions.{name}", table, _REGRESSION_KEYS)
        if not isinstance(table.get("formulas"), list) or not table["formulas"]:
            raise fail(path, f"[regressions.{name}] needs formulas = [\"y ~ x\", ...].")
        model = table.get("model")
        if isinstance(model, list) and len(model) != len(table["formulas"]):
            raise fail(path, f"[regressions.{name}] model lists {len(model)} models for "
                       f"{len(table['formulas'])} formulas; give one, or one per formula.")
    check_derive(path, parts.get("derive", {}))
    indices = {}
    for name, file in parts.get("indices", {}).items():
        target = (path.parent / str(file)).resolve()
        if not target.is_file():
            raise fail(path, f"[indices] {name} = '{file}': no such index study file "
                       f"(looked for {target}).")
        indices[name] = target
    years = parts["data"].get("years")
    if years is not None and (not isinstance(years, list) or len(years) != 2
                              or not all(isinstance(y, int) for y in years)):
        raise fail(path, f"[data] years must be [first, last]; got {years!r}.")
    steps = {k: MappingProxyType(v) for k, v in parts.items()
             if k not in ("study", "data", "indices")}
    return ReplicationSpec(
        path=path,
        name=path.stem,
        title=str(parts["study"].get("title", path.stem)),
        description=str(parts["study"].get("description", "")),
        data=MappingProxyType(parts["data"]),
        indices=MappingProxyType(indices),
        steps=MappingProxyType(steps),
    )
