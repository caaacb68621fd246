"""Run replication studies: prepare the data, run every step, write the report."""

from __future__ import annotations

import time as _time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

import pandas as pd

from stfi_models.exceptions import SpecificationError, did_you_mean
from stfi_models.index.composite import build_index
from stfi_models.index.study import derive_columns, load_study
from stfi_models.productivity import tfp
from stfi_models.replicate.expect import (
    Expected,
    collect_numbers,
    compare,
    expected_path,
    fingerprint,
    seeds_of,
    tolerances_from,
    versions,
    write_expected,
)
from stfi_models.replicate.report import Section, StudyReport, write_report
from stfi_models.replicate.spec import STUDIES, ReplicationSpec, load_replication
from stfi_models.replicate.steps import (
    REFERENCES,
    STEPS,
    Context,
    index_section,
    regressions,
)
from stfi_models.replicate.steps_convergence import STEPS_CONVERGENCE
from stfi_models.replicate.steps_diagnostics import diagnostics_step
from stfi_models.replicate.steps_index import STEPS_INDEX
from stfi_models.replicate.steps_inference import few_cluster_inference
from stfi_models.replicate.steps_spatial import STEPS_SPATIAL
from stfi_models.replicate.steps_threshold import THRESHOLD_STEPS

__all__ = ["prepare", "run_study_report", "replicate", "ALL_STEPS", "NAMED_STEPS"]

#: Table name -> step, for every analysis table of a replication file.
ALL_STEPS = {**STEPS, **STEPS_CONVERGENCE, **STEPS_SPATIAL, **THRESHOLD_STEPS, **STEPS_INDEX,
             "diagnostics": diagnostics_step}
#: Tables made of named sub-tables (``[regressions.fe]``): table -> step(name, table, ctx).
NAMED_STEPS = {"regressions": regressions, "inference": few_cluster_inference}

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    """Default progress callback: print nothing."""


def _require(frame: pd.DataFrame, columns: Sequence[str], where: str) -> None:
    for column in columns:
        if column not in frame.columns:
            raise SpecificationError(
                f"The data have no column '{column}' (needed by {where})."
                f"{did_you_mean(column, frame.columns)}"
            )


def _merge(frame: pd.DataFrame, new: pd.DataFrame, keys: list[str], where: str) -> pd.DataFrame:
    clash = [c for c in new.columns if c in frame.columns and c not in keys]
    if clash:
        raise SpecificationError(f"{where} adds column(s) {clash}, which the data already have; "
                                 "rename one of them.")
    return frame.merge(new, on=keys, how="left", validate="one_to_one")


def _read_csv(path: Path, spec: ReplicationSpec) -> pd.DataFrame:
    """Read the study's own data file (already confined to the study's folder)."""
    if not path.is_file():
        raise SpecificationError(f"Study file {spec.path.name}: [data] path names "
                                 f"'{path.name}', which does not exist in the study's folder.")
    try:
        return pd.read_csv(path)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise SpecificationError(f"Study file {spec.path.name}: [data] path '{path.name}' is "
                                 f"not a readable CSV file ({type(exc).__name__}).") from None


def prepare(spec: ReplicationSpec, data: pd.DataFrame | None = None
            ) -> tuple[Context, list[Section]]:
    """Prepare the study data (indices, productivity, derived columns) and index sections.

    Parameters
    ----------
    spec : ReplicationSpec
    data : pandas.DataFrame, optional
        The user's data with the bundled panel's columns; default the study's bundled
        dataset.

    Raises
    ------
    SpecificationError
        Missing columns (named), an index file built on other panel keys, column clashes.
    """
    from stfi_models.datasets import load_dataset

    entity, time, group = spec.entity, spec.time, spec.data.get("group")
    if data is not None:
        frame = data.copy()
    elif spec.data_path is not None:
        frame = _read_csv(spec.data_path, spec)
    else:
        frame = load_dataset(spec.data["dataset"])
    _require(frame, [entity, time] + ([group] if group else []), f"[data] of {spec.path.name}")
    if frame.empty:
        raise SpecificationError("The data have no rows.")
    frame = frame[~frame[entity].isin(spec.data.get("exclude", []))]
    keys = [entity, time]
    if frame.duplicated(keys).any():
        raise SpecificationError(f"The data have duplicate ({entity}, {time}) rows.")
    sections = []
    for name, path in spec.indices.items():
        study = load_study(path)
        if (study.entity, study.time) != (entity, time):
            raise SpecificationError(
                f"[indices] {name}: {path.name} uses keys ({study.entity}, {study.time}), the "
                f"replication ({entity}, {time}); they must agree."
            )
        part = derive_columns(frame[~frame[entity].isin(study.exclude)], study.derive,
                              entity=entity, time=time, path=study.path)
        if study.years is not None:
            part = part[part[time].between(*study.years)]
        result = build_index(study.formula, part, entity=entity, time=time, **study.options)
        if result.name != name:
            raise SpecificationError(f"[indices] {name} = '{path.name}', but that file builds "
                                     f"'{result.name}'; use {result.name} = ... .")
        frame = _merge(frame, result.scores.reset_index(), keys, f"index {name}")
        sections.append(index_section(name, study.title, result, spec.data.get("years")))
    years = spec.data.get("years")
    if years is not None:
        frame = frame[frame[time].between(*years)]
    if frame.empty:
        raise SpecificationError(f"No rows left in the study years {years}.")
    prod = spec.steps.get("productivity")
    if prod is not None:
        _require(frame, [prod["output"], prod["capital"], prod["labour"]], "[productivity]")
        res = tfp(frame, output=prod["output"], capital=prod["capital"], labour=prod["labour"],
                  entity=entity, time=time, alpha=prod.get("alpha", 0.5),
                  method=prod.get("method", "solow"), deflator=prod.get("deflator"))
        new = res.frame[keys + ["ln_tfp"]].rename(columns={"ln_tfp": prod["name"]})
        frame = _merge(frame, new, keys, "[productivity]")
    frame = derive_columns(frame, spec.steps.get("derive", {}), entity=entity, time=time,
                           path=spec.path)
    return Context(frame.reset_index(drop=True), entity, time, group), sections


def input_fingerprint(spec: ReplicationSpec, data: pd.DataFrame | None = None) -> str:
    """SHA-256 of the study's input data as read (before indices and derived columns)."""
    from stfi_models.datasets import load_dataset

    if data is not None:
        return fingerprint(data)
    if spec.data_path is not None:
        return fingerprint(_read_csv(spec.data_path, spec))
    return fingerprint(load_dataset(spec.data["dataset"]))


def run_study_report(study: str | Path | ReplicationSpec, data: pd.DataFrame | None = None,
                     progress: Progress = _quiet, n_jobs: int = 1) -> StudyReport:
    """Run every step of one study and collect its report sections."""
    spec = study if isinstance(study, ReplicationSpec) else load_replication(study)
    started = _time.perf_counter()
    progress(f"[{spec.name}] preparing data and indices")
    ctx, sections = prepare(spec, data)
    ctx.n_jobs = n_jobs
    frame = ctx.frame
    for key, table in spec.steps.items():
        if key in ("productivity", "derive", "expected"):
            continue
        if key in NAMED_STEPS:
            for name, sub in table.items():
                progress(f"[{spec.name}] {key}.{name}")
                sections.append(NAMED_STEPS[key](name, sub, ctx))
            continue
        progress(f"[{spec.name}] {key}")
        sections.append(ALL_STEPS[key](table, ctx))
    progress(f"[{spec.name}] done in {_time.perf_counter() - started:.1f} s")
    source = ("user-supplied data" if data is not None
              else f"data file '{spec.data_path.name}'" if spec.data_path is not None
              else f"bundled dataset '{spec.data['dataset']}'")
    note = (f"Data: {source}; {frame[ctx.entity].nunique()} entities, years "
            f"{frame[ctx.time].min()}-{frame[ctx.time].max()}, {len(frame)} rows. "
            f"Study file: {spec.path.name}.")
    return StudyReport(spec.name, spec.title, spec.description, note, sections,
                       data_fingerprint=input_fingerprint(spec, data),
                       references=_references(spec, data, sections))


def _references(spec: ReplicationSpec, data: pd.DataFrame | None,
                sections: Sequence[Section]) -> list[str]:
    """Return the data source, then every work the sections cite, each once, in order."""
    from stfi_models.datasets import DATASETS

    if data is not None:
        source = "Data: supplied by the user with --data (cite its source in the paper)."
    elif spec.data_path is not None:
        source = (f"Data: {spec.data_path.name}, supplied with the study file (see the "
                  "study's folder for its source).")
    else:
        entry = DATASETS[spec.data["dataset"]]
        source = (f"Data: {entry.description}. Source: {entry.source} (full notes: "
                  f"`stfi datasets {spec.data['dataset']}`).")
    keys = (["tfp"] if "productivity" in spec.steps else []) + [
        k for s in sections for k in s.references]
    return [source, *(REFERENCES.get(k, k) for k in dict.fromkeys(keys))]


def replicate(studies: Sequence[str | Path] = (), *, data: pd.DataFrame | None = None,
              out: str | Path = "report", progress: Progress = _quiet, n_jobs: int = 1,
              expected: Literal["update", "check"] | None = None,
              ) -> tuple[list[StudyReport], Path]:
    """Run replication studies and write the report.

    Parameters
    ----------
    studies : sequence of str or Path
        Study keys (``"stfi_regional"``, ``"tech_finance_nqp"``) or replication files;
        default: every study in :data:`~stfi_models.replicate.spec.STUDIES`.
    data : pandas.DataFrame, optional
        The user's data with the columns of the bundled panel (default: bundled data).
    out : str or Path
        Report folder: ``index.html``, ``tables/``, ``figures/``.  Written atomically.
    progress : callable, optional
        Receives one line per step.
    n_jobs : int
        Workers of the resampling steps; the numbers do not depend on it.
    expected : {"update", "check"}, optional
        ``"update"`` writes each study's expected results (``<study>.expected.json`` beside
        its file, :mod:`stfi_models.replicate.expect`); ``"check"`` compares the run with
        them and sets ``report.check`` (also shown in the HTML report).

    Returns
    -------
    reports, index_html
        One :class:`StudyReport` per study and the path of the written ``index.html``.

    Examples
    --------
    >>> from stfi_models.replicate import replicate
    >>> reports, page = replicate(["stfi_regional"], out="report")  # doctest: +SKIP
    """
    if expected not in (None, "update", "check"):
        raise SpecificationError(f"expected={expected!r} must be 'update', 'check' or None.")
    specs = [load_replication(s) for s in (studies or list(STUDIES))]
    pinned = {spec.name: Expected.read(expected_path(spec.path)) for spec in specs
              } if expected == "check" else {}
    reports = [run_study_report(spec, data, progress, n_jobs) for spec in specs]
    for spec, report in zip(specs, reports, strict=True):
        numbers = collect_numbers(report)
        if expected == "check":
            tolerances = tolerances_from(spec.steps.get("expected"), spec.path.name)
            report.check = compare(pinned[spec.name], numbers, report.data_fingerprint,
                                   tolerances)
        elif expected == "update":
            write_expected(expected_path(spec.path), Expected(
                spec.name, numbers, report.data_fingerprint, versions(), seeds_of(spec.steps)))
    return reports, write_report(reports, out)
