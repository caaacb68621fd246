"""``stfi validate``: every reference number in ``validation/`` against ours, in one table.

Each topic folder ``validation/<topic>/`` holds ``reference.csv`` (columns ``case, quantity,
term, value, tolerance, source``) and, once wired, ``compute.py`` defining

.. code-block:: python

    def compute() -> pandas.DataFrame:   # columns case, quantity, term, value
        ...

which computes *our* number for every reference row with the library's public API.  The
runner joins the two on ``(case, quantity, term)`` and marks a row as a miss when
``|ours - reference| > tolerance`` or when ours is missing.  Tests call the same
:func:`compare_topic`, so ``stfi validate`` and the test suite can never disagree.

A published number we do not reproduce stays in ``reference.csv`` (with its tolerance) and is
listed, with the reason, in the optional ``validation/<topic>/known_mismatches.csv`` (columns
``case, quantity, term, reason``).  Such a row is still computed and compared; it is reported
as a *known miss* with its reason, never counted as a pass, and does not fail the run.  The
list cannot go stale: a listed row that comes within tolerance (the mismatch was fixed) or
names no reference row is an error, like ``xfail(strict=True)`` in the tests.

Adding a topic is one file: ``validation/<topic>/compute.py`` with ``compute()``.  Topics
with a ``reference.csv`` but no ``compute.py`` are listed as not wired (and are not a miss).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd

from stfi_models._resources import resource_dir
from stfi_models.exceptions import SpecificationError, did_you_mean

__all__ = ["VALIDATION_ROOT", "ValidationReport", "topics", "compute_module", "load_compute",
           "known_mismatches", "compare_topic", "run_validation", "KEYS", "STATUSES"]

#: The repository's validation folder.
VALIDATION_ROOT = resource_dir("validation")

#: Join keys of reference rows and computed rows.
KEYS = ["case", "quantity", "term"]
_REFERENCE = KEYS + ["value", "tolerance", "source"]
_KNOWN = KEYS + ["reason"]
#: Verdict of a compared row: within tolerance; outside (or not computed); outside but listed
#: in known_mismatches.csv; listed there yet within tolerance (the list is stale).
STATUSES = ("ok", "MISS", "known miss", "unexpected pass")
_GOOD = ("ok", "known miss")
_COLUMNS = ["topic", *KEYS, "reference", "ours", "difference", "tolerance", "passed", "status",
            "source", "reason"]


def topics(root: str | Path | None = None) -> list[str]:
    """Topic folders holding a ``reference.csv``, sorted."""
    base = Path(root) if root is not None else VALIDATION_ROOT
    return sorted(p.parent.name for p in base.glob("*/reference.csv"))


def compute_module(topic: str, root: str | Path | None = None) -> ModuleType | None:
    """Import ``validation/<topic>/compute.py`` as a module (``None`` if absent).

    Tests use it to share the topic's case definitions (data loaders, options) instead of
    repeating them.
    """
    base = Path(root) if root is not None else VALIDATION_ROOT
    path = base / topic / "compute.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location(f"stfi_validation_{topic}", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def load_compute(topic: str, root: str | Path | None = None
                 ) -> Callable[[], pd.DataFrame] | None:
    """Import ``compute`` from ``validation/<topic>/compute.py`` (``None`` if absent)."""
    module = compute_module(topic, root)
    if module is None:
        return None
    if not callable(getattr(module, "compute", None)):
        raise SpecificationError(f"{module.__file__} defines no compute() function.")
    return module.compute


def _reference(topic: str, base: Path) -> pd.DataFrame:
    frame = pd.read_csv(base / topic / "reference.csv", dtype={"term": str})
    missing = set(_REFERENCE) - set(frame.columns)
    if missing:
        raise SpecificationError(f"validation/{topic}/reference.csv lacks columns "
                                 f"{sorted(missing)}.")
    return frame.assign(term=frame["term"].fillna(""))


def known_mismatches(topic: str, root: str | Path | None = None) -> pd.DataFrame:
    """Read ``validation/<topic>/known_mismatches.csv``: reference rows we do not reproduce.

    Returns
    -------
    pandas.DataFrame
        ``case, quantity, term, reason`` (no rows if the file is absent).

    Raises
    ------
    SpecificationError
        Missing columns, an empty reason, or a row listed twice.
    """
    base = Path(root) if root is not None else VALIDATION_ROOT
    path = base / topic / "known_mismatches.csv"
    if not path.is_file():
        return pd.DataFrame(columns=_KNOWN)
    frame = pd.read_csv(path, dtype={"term": str, "reason": str})
    where = f"validation/{topic}/known_mismatches.csv"
    missing = set(_KNOWN) - set(frame.columns)
    if missing:
        raise SpecificationError(f"{where} lacks columns {sorted(missing)}.")
    frame = frame.assign(term=frame["term"].fillna(""),
                         reason=frame["reason"].fillna("").str.strip())[_KNOWN]
    blank = frame[frame["reason"] == ""]
    if len(blank):
        raise SpecificationError(f"{where}: every known mismatch needs a reason; none given for "
                                 f"{blank[KEYS].to_dict('records')}.")
    if frame.duplicated(KEYS).any():
        dup = frame[frame.duplicated(KEYS, keep=False)]
        raise SpecificationError(f"{where} lists rows twice: {dup[KEYS].to_dict('records')}.")
    return frame


def compare_topic(topic: str, root: str | Path | None = None) -> pd.DataFrame:
    """Compare the reference rows of one topic with ours: difference and verdict.

    Returns
    -------
    pandas.DataFrame
        ``topic, case, quantity, term, reference, ours, difference, tolerance, passed,
        status, source, reason`` (one row per reference row, in file order).  ``passed``:
        ``|ours - reference| <= tolerance``; ``status``: one of :data:`STATUSES`;
        ``reason``: why a row of ``known_mismatches.csv`` misses (empty for other rows).

    Raises
    ------
    SpecificationError
        Unknown topic, a topic without ``compute.py``, computed rows with duplicate keys, or
        a ``known_mismatches.csv`` row that is malformed or names no reference row.
    """
    base = Path(root) if root is not None else VALIDATION_ROOT
    known = topics(base)
    if topic not in known:
        raise SpecificationError(f"Unknown validation topic '{topic}'.{did_you_mean(topic, known)}"
                                 f" Topics: {', '.join(known)}.")
    compute = load_compute(topic, base)
    if compute is None:
        raise SpecificationError(f"validation/{topic} has no compute.py yet (not wired).")
    ref = _reference(topic, base)
    ours = compute()
    ours = ours.assign(term=ours["term"].fillna("").astype(str))
    if ours.duplicated(KEYS).any():
        dup = ours[ours.duplicated(KEYS, keep=False)].head(3)
        raise SpecificationError(f"validation/{topic}/compute.py returns duplicate keys, e.g. "
                                 f"{dup[KEYS].to_dict('records')}.")
    merged = ref.merge(ours[KEYS + ["value"]].rename(columns={"value": "ours"}), on=KEYS,
                       how="left")
    merged = merged.rename(columns={"value": "reference"})
    merged["difference"] = merged["ours"] - merged["reference"]
    merged["passed"] = (merged["difference"].abs() <= merged["tolerance"]).to_numpy()
    expected_misses = known_mismatches(topic, base)
    stale = expected_misses.merge(ref[KEYS], on=KEYS, how="left", indicator=True)
    stale = stale[stale["_merge"] == "left_only"]
    if len(stale):
        raise SpecificationError(f"validation/{topic}/known_mismatches.csv names rows that are "
                                 f"not in reference.csv: {stale[KEYS].to_dict('records')}.")
    merged = merged.merge(expected_misses, on=KEYS, how="left")
    merged["reason"] = merged["reason"].fillna("")
    listed = (merged["reason"] != "").to_numpy()
    merged["status"] = np.select([merged["passed"] & listed, merged["passed"], listed],
                                 ["unexpected pass", "ok", "known miss"], "MISS")
    merged.insert(0, "topic", topic)
    return merged[_COLUMNS]


@dataclass(frozen=True)
class ValidationReport:
    """All compared rows, and the topics that are not wired yet.

    Attributes
    ----------
    table : pandas.DataFrame
        Rows of :func:`compare_topic` for every wired topic.  A known miss (listed in a
        ``known_mismatches.csv``) is not a pass but does not fail the report.
    not_wired : tuple of str
        Topics with a ``reference.csv`` but no ``compute.py``.
    """

    table: pd.DataFrame
    not_wired: tuple[str, ...]

    @property
    def passed(self) -> bool:
        """Whether every reference number is within its tolerance, except the known misses.

        The known misses must still miss (status ``ok`` or ``known miss`` on every row).  A
        report that compared nothing has not passed: an empty run proves nothing (e.g. an
        installation without its validation references).
        """
        return len(self.table) > 0 and bool(self.table["status"].isin(_GOOD).all())

    def to_text(self, misses_only: bool = False) -> str:
        """Render the table, the reasons of the known misses, and the counts.

        The table has method, quantity, reference, ours, difference, tolerance, verdict and
        source.

        ``misses_only`` keeps the rows that are not ``ok``.
        """
        table = self.table[self.table["status"] != "ok"] if misses_only else self.table
        shown = pd.DataFrame({
            "method": table["topic"] + "/" + table["case"],
            "quantity": np.where(table["term"] != "", table["quantity"] + "[" + table["term"]
                                 + "]", table["quantity"]),
            "reference": table["reference"].map("{:.10g}".format),
            "ours": table["ours"].map("{:.10g}".format),
            "difference": table["difference"].map("{:.2e}".format),
            "tolerance": table["tolerance"].map("{:.1e}".format),
            "verdict": table["status"],
            "source": table["source"].str.slice(0, 60),
        })
        with pd.option_context("display.width", 250, "display.max_colwidth", 60,
                               "display.max_rows", None):
            body = shown.to_string(index=False) if len(shown) else "(no rows)"
        counts = self.table.groupby("topic")["passed"].agg(["size", "sum"])
        per_topic = ", ".join(f"{t} {int(r['sum'])}/{int(r['size'])}"
                              for t, r in counts.iterrows())
        status = self.table["status"].value_counts()
        lines = [body, ""]
        listed = self.table[self.table["reason"] != ""]
        if len(listed):
            lines.append("Known mismatches (documented in known_mismatches.csv, not passes):")
            lines += [f"  {r.topic}/{r.case} {r.quantity}{f'[{r.term}]' if r.term else ''}"
                      f" ({r.status}): {r.reason}" for r in listed.itertuples()]
            lines.append("")
        summary = (f"{len(self.table)} reference numbers, {status.get('MISS', 0)} miss(es), "
                   f"{status.get('known miss', 0)} known miss(es)")
        if status.get("unexpected pass", 0):
            summary += (f", {status['unexpected pass']} known miss(es) now within tolerance "
                        "(remove them from known_mismatches.csv)")
        lines.append(f"{summary} ({per_topic}: within tolerance/compared).")
        if not len(self.table):
            lines.append(f"Nothing was compared: no wired topic under {VALIDATION_ROOT}. This "
                         "installation lacks its validation references; reinstall the package.")
        if self.not_wired:
            lines.append(f"Not wired yet (reference.csv without compute.py): "
                         f"{', '.join(self.not_wired)}.")
        return "\n".join(lines)


def run_validation(selected: Sequence[str] | None = None,
                   root: str | Path | None = None) -> ValidationReport:
    """Compare every wired topic (or ``selected`` ones) with its references.

    Raises
    ------
    SpecificationError
        An unknown or unwired topic among ``selected``.
    """
    base = Path(root) if root is not None else VALIDATION_ROOT
    known = topics(base)
    if selected:
        chosen, not_wired = list(selected), ()
    else:
        chosen = [t for t in known if (base / t / "compute.py").is_file()]
        not_wired = tuple(t for t in known if t not in chosen)
    frames = [compare_topic(t, base) for t in chosen]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=_COLUMNS)
    return ValidationReport(table, not_wired)
