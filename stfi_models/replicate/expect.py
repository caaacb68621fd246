r"""Expected results of a study: pin every number it produces, check a re-run against them.

``stfi replicate STUDY --update-expected`` writes ``<study>.expected.json`` next to the study
file: every number of every report table (coefficients, standard errors, test statistics,
index weights, Gini components, Moran's I, IRF and FEVD points, mediation paths, ...), each
with its *kind*, plus what produced them: package versions, the study's seeds and a
fingerprint (SHA-256) of the input data.  ``--check`` re-runs the study and compares:

.. math:: |x_{new} - x_{expected}| \le \mathrm{atol}_k + \mathrm{rtol}_k\,|x_{expected}|

per number, with the tolerances of its kind ``k`` (:data:`DEFAULT_TOLERANCES`, overridable
in the study file's ``[expected]`` table).  A number that moved, disappeared or appeared is
a failure; a changed data fingerprint or package version is reported beside the verdict.

Why these defaults: on one machine a study's numbers are identical from run to run and
across ``n_jobs`` and backends (every draw has its own seed, see :mod:`stfi_models.resample`),
so any drift there is a real change.  Across BLAS builds and platforms, floating-point sums
are reordered: well-conditioned least squares move by ~1e-12 relative, two-step GMM with a
generalised inverse and simulated bands by up to ~1e-8, so ``rtol = 1e-6`` leaves two orders
of margin while still catching any change a reader could see at the printed precision.
p-values are compared on an absolute scale (``atol = 1e-6``).
"""

from __future__ import annotations

import hashlib
import json
import math
import platform
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd

from stfi_models.exceptions import SpecificationError, did_you_mean

__all__ = ["DEFAULT_TOLERANCES", "KINDS", "Expected", "Drift", "collect_numbers",
           "fingerprint", "expected_path", "compare", "to_junit", "tolerances_from",
           "write_expected", "frame_numbers", "result_numbers", "versions", "seeds_of"]

#: Kinds of numbers and their default (rtol, atol).
DEFAULT_TOLERANCES: dict[str, tuple[float, float]] = {
    "coefficient": (1e-6, 1e-10),
    "std_error": (1e-6, 1e-10),
    "statistic": (1e-6, 1e-10),
    "pvalue": (0.0, 1e-6),
    "weight": (1e-6, 1e-10),
    "value": (1e-6, 1e-10),
}
KINDS = tuple(DEFAULT_TOLERANCES)
#: Packages whose versions are recorded (a change is reported, not a failure by itself).
PACKAGES = ("stfi-models", "numpy", "scipy", "pandas", "patsy", "statsmodels", "linearmodels")
FORMAT = 1


def _kind(column: str) -> str:
    name = column.lower()
    if "std_err" in name or name in ("se", "std. error"):
        return "std_error"
    if name in ("pvalue", "p_value") or name.startswith(("p_", "pval", "prob")):
        return "pvalue"
    if "weight" in name:
        return "weight"
    if name in ("estimate", "coef", "coefficient", "params", "beta"):
        return "coefficient"
    if name in ("statistic", "stat", "z", "t", "tstat", "chi2", "f") or name.startswith("z_"):
        return "statistic"
    return "value"


def _plain(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def frame_numbers(prefix: str, frame: pd.DataFrame) -> dict[str, tuple[float, str]]:
    """Return every finite numeric cell of ``frame`` as ``key -> (value, kind)``.

    Keys are ``prefix/<row label>/<column>``.

    The row label joins the row's non-float cells (terms, years, groups); rows that share a
    label get their position appended.
    """
    numeric = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]
    labels = [c for c in frame.columns if c not in numeric]
    keys = (frame[labels].astype(str).agg("|".join, axis=1) if labels
            else pd.Series(frame.index.astype(str), index=frame.index))
    if keys.duplicated().any():
        keys = keys + "#" + pd.Series(range(len(frame)), index=frame.index).astype(str)
    out = {}
    for column in numeric:
        kind = _kind(str(column))
        for key, value in zip(keys, frame[column].to_numpy(dtype=float), strict=True):
            if math.isfinite(value):
                out[f"{prefix}/{_plain(key)}/{column}"] = (float(value), kind)
    return out


def result_numbers(prefix: str, result: Any) -> dict[str, tuple[float, str]]:
    """Estimates, standard errors and diagnostics of a model Result."""
    out: dict[str, tuple[float, str]] = {}
    for term, value in result.params.items():
        label = "|".join(map(str, term)) if isinstance(term, tuple) else str(term)
        out[f"{prefix}/{label}/estimate"] = (float(value), "coefficient")
        out[f"{prefix}/{label}/std_error"] = (float(result.std_errors[term]), "std_error")
    for name, test in dict(result.diagnostics).items():
        out[f"{prefix}/diagnostics/{name}/statistic"] = (float(test.stat), "statistic")
        out[f"{prefix}/diagnostics/{name}/p_value"] = (float(test.pvalue), "pvalue")
    out[f"{prefix}/nobs"] = (float(result.nobs), "value")
    return {k: v for k, v in out.items() if math.isfinite(v[0])}


def collect_numbers(report: Any) -> dict[str, tuple[float, str]]:
    """Every number of a :class:`~stfi_models.replicate.report.StudyReport`, by key."""
    numbers: dict[str, tuple[float, str]] = {}
    for section in report.sections:
        for table in section.tables:
            numbers.update(table.numbers(f"{section.key}/{table.name}"))
    return numbers


def fingerprint(frame: pd.DataFrame) -> str:
    """SHA-256 of a DataFrame's columns and values (row order included)."""
    digest = hashlib.sha256()
    digest.update("\x1f".join(map(str, frame.columns)).encode("utf-8"))
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def versions() -> dict[str, str]:
    """Versions of the packages that compute the numbers, and of Python."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:  # pragma: no cover - always installed
            out[name] = "not installed"
    return out


def seeds_of(steps: Mapping[str, Any]) -> dict[str, int]:
    """Return the ``seed`` of every table of a study file that has one (table -> seed)."""
    found: dict[str, int] = {}

    def walk(value: Any, where: str) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                inner = f"{where}.{key}" if where else str(key)
                if key == "seed" and isinstance(item, int):
                    found[where] = item
                else:
                    walk(item, inner)

    walk(steps, "")
    return found


def expected_path(study: Path) -> Path:
    """``<folder>/<stem>.expected.json`` beside the study file."""
    return study.with_name(f"{study.stem}.expected.json")


def tolerances_from(table: Mapping[str, Any] | None, where: str
                    ) -> dict[str, tuple[float, float]]:
    """Defaults updated by ``[expected] rtol = {kind = x}`` and ``atol = {kind = x}``."""
    out = dict(DEFAULT_TOLERANCES)
    for which, position in (("rtol", 0), ("atol", 1)):
        given = (table or {}).get(which, {})
        if not isinstance(given, Mapping):
            raise SpecificationError(f"{where}: [expected] {which} must be a table such as "
                                     f"{{ coefficient = 1e-5 }}.")
        for kind, value in given.items():
            if kind not in out:
                raise SpecificationError(
                    f"{where}: [expected] {which} names unknown kind '{kind}'."
                    f"{did_you_mean(kind, KINDS)} Kinds: {', '.join(KINDS)}.")
            if isinstance(value, bool) or not isinstance(value, int | float) or not \
                    0 <= value <= 1:
                raise SpecificationError(f"{where}: [expected] {which}.{kind} must be a "
                                         f"number from 0 to 1, got {value!r}.")
            pair = list(out[kind])
            pair[position] = float(value)
            out[kind] = (pair[0], pair[1])
    return out


@dataclass(frozen=True)
class Expected:
    """The pinned numbers of a study and what produced them."""

    study: str
    numbers: Mapping[str, tuple[float, str]]
    data_fingerprint: str
    versions: Mapping[str, str]
    seeds: Mapping[str, int]

    def to_json(self) -> str:
        """Render the expected-results file (sorted keys, one number per line)."""
        payload = {
            "format": FORMAT,
            "study": self.study,
            "written_by": "stfi replicate --update-expected",
            "data_fingerprint": self.data_fingerprint,
            "versions": dict(self.versions),
            "seeds": dict(self.seeds),
            "numbers": {k: {"value": v, "kind": kind}
                        for k, (v, kind) in sorted(self.numbers.items())},
        }
        return json.dumps(payload, indent=1, ensure_ascii=False) + "\n"

    @classmethod
    def read(cls, path: Path) -> Expected:
        """Read an expected-results file (errors name the file and what is wrong)."""
        if not path.is_file():
            raise SpecificationError(
                f"No expected results at {path.name}; write them first with "
                "`stfi replicate STUDY --update-expected`.")
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
            numbers = {k: (float(v["value"]), str(v["kind"]))
                       for k, v in payload["numbers"].items()}
            return cls(str(payload["study"]), numbers, str(payload["data_fingerprint"]),
                       dict(payload.get("versions", {})), dict(payload.get("seeds", {})))
        except (ValueError, KeyError, TypeError) as exc:
            raise SpecificationError(
                f"{path.name} is not an expected-results file written by stfi ({exc!r}); "
                "write it again with --update-expected.") from None


def write_expected(path: Path, expected: Expected) -> Path:
    """Write the expected-results file, replacing only a file stfi wrote before.

    Raises
    ------
    SpecificationError
        ``path`` exists and is not an expected-results file (it is left untouched).
    """
    if path.exists() or path.is_symlink():
        try:
            if path.is_symlink():
                raise ValueError("a symbolic link")
            ours = json.loads(path.read_text(encoding="utf-8")).get("written_by", "")
        except (ValueError, UnicodeDecodeError, AttributeError):
            ours = ""
        if ours != "stfi replicate --update-expected":
            raise SpecificationError(
                f"{path.name} exists and is not an expected-results file written by stfi; it "
                "is left untouched. Move it away to write the expected results.")
    path.write_text(expected.to_json(), encoding="utf-8")
    return path


@dataclass(frozen=True)
class DriftRow:
    """One compared number."""

    key: str
    kind: str
    expected: float
    got: float
    tolerance: float
    status: str  # "ok", "moved", "missing", "new"

    @property
    def difference(self) -> float:
        """``got - expected`` (NaN when one side is missing)."""
        return self.got - self.expected


@dataclass(frozen=True)
class Drift:
    """The verdict of a check: every number compared, and what changed around them."""

    study: str
    rows: tuple[DriftRow, ...]
    fingerprint_changed: bool
    version_changes: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """Every expected number is there and within its tolerance, and none is new."""
        return all(r.status == "ok" for r in self.rows)

    @property
    def failures(self) -> list[DriftRow]:
        """The rows that are not ``ok``."""
        return [r for r in self.rows if r.status != "ok"]

    def to_frame(self) -> pd.DataFrame:
        """One row per number that failed (all rows with ``everything``)."""
        return pd.DataFrame([{"number": r.key, "kind": r.kind, "expected": r.expected,
                              "got": r.got, "difference": r.difference,
                              "tolerance": r.tolerance, "status": r.status}
                             for r in self.failures],
                            columns=["number", "kind", "expected", "got", "difference",
                                     "tolerance", "status"])

    def lines(self) -> list[str]:
        """Return the terminal report: verdict, context, then every failure."""
        verdict = "holds" if self.passed else "FAILS"
        out = [f"Replication check of {self.study}: {verdict} "
               f"({len(self.rows) - len(self.failures)} of {len(self.rows)} numbers within "
               "tolerance)."]
        out.append("  data fingerprint: " + ("CHANGED since the expected results were written"
                                             if self.fingerprint_changed else "unchanged"))
        for name, (old, new) in self.version_changes.items():
            out.append(f"  {name}: {old} -> {new}")
        for r in self.failures[:200]:
            if r.status == "moved":
                out.append(f"  moved   {r.key} [{r.kind}]: expected {r.expected:.10g}, got "
                           f"{r.got:.10g} (difference {r.difference:.3g}, tolerance "
                           f"{r.tolerance:.3g})")
            else:
                value = r.expected if r.status == "missing" else r.got
                out.append(f"  {r.status:7s} {r.key} [{r.kind}] = {value:.10g}")
        if len(self.failures) > 200:
            out.append(f"  ... and {len(self.failures) - 200} more")
        return out


def compare(expected: Expected, numbers: Mapping[str, tuple[float, str]], data_fp: str,
            tolerances: Mapping[str, tuple[float, float]]) -> Drift:
    """Compare a re-run's ``numbers`` with the expected ones."""
    rows = []
    for key in sorted(set(expected.numbers) | set(numbers)):
        if key not in numbers:
            value, kind = expected.numbers[key]
            rows.append(DriftRow(key, kind, value, math.nan, math.nan, "missing"))
            continue
        got, kind = numbers[key]
        if key not in expected.numbers:
            rows.append(DriftRow(key, kind, math.nan, got, math.nan, "new"))
            continue
        want = expected.numbers[key][0]
        rtol, atol = tolerances.get(kind, DEFAULT_TOLERANCES["value"])
        tol = atol + rtol * abs(want)
        status = "ok" if abs(got - want) <= tol else "moved"
        rows.append(DriftRow(key, kind, want, got, tol, status))
    now = versions()
    changes = {k: (v, now.get(k, "absent")) for k, v in expected.versions.items()
               if now.get(k) != v}
    return Drift(expected.study, tuple(rows), data_fp != expected.data_fingerprint, changes)


def to_junit(drifts: Sequence[Drift]) -> str:
    """JUnit XML (the ``testsuites`` format CI services read): one testcase per number."""
    parts = ['<?xml version="1.0" encoding="UTF-8"?>']
    total = sum(len(d.rows) for d in drifts)
    failed = sum(len(d.failures) for d in drifts)
    parts.append(f'<testsuites name="stfi replicate --check" tests="{total}" '
                 f'failures="{failed}" errors="0">')
    for d in drifts:
        parts.append(f'  <testsuite name={quoteattr(d.study)} tests="{len(d.rows)}" '
                     f'failures="{len(d.failures)}" errors="0" skipped="0">')
        parts.append("    <properties>")
        parts.append('      <property name="data_fingerprint" value='
                     f'{quoteattr("changed" if d.fingerprint_changed else "unchanged")}/>')
        for name, (old, new) in d.version_changes.items():
            parts.append(f"      <property name={quoteattr('version ' + name)} "
                         f"value={quoteattr(f'{old} -> {new}')}/>")
        parts.append("    </properties>")
        for r in d.rows:
            head = (f"    <testcase classname={quoteattr(d.study + '.' + r.kind)} "
                    f"name={quoteattr(_xml_text(r.key))}")
            if r.status == "ok":
                parts.append(head + "/>")
                continue
            message = (f"{r.status}: expected {r.expected:.10g}, got {r.got:.10g}, "
                       f"tolerance {r.tolerance:.3g}")
            parts.append(head + ">")
            parts.append(f"      <failure message={quoteattr(message)} "
                         f"type={quoteattr(r.status)}/>")
            parts.append("    </testcase>")
        parts.append("  </testsuite>")
    parts.append("</testsuites>")
    return "\n".join(parts) + "\n"


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xml_text(text: str) -> str:
    """Drop the control characters XML 1.0 cannot hold."""
    return _CONTROL.sub("?", text)


def numbers_equal(a: Mapping[str, tuple[float, str]], b: Mapping[str, tuple[float, str]]
                  ) -> bool:
    """Bit-for-bit equality of two runs' numbers (the determinism check)."""
    return a.keys() == b.keys() and all(
        np.float64(a[k][0]).tobytes() == np.float64(b[k][0]).tobytes() for k in a)
