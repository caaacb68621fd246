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

from stfi_models.exceptions import SpecificationError, did_you_mean

__all__ = ["VALIDATION_ROOT", "ValidationReport", "topics", "compute_module", "load_compute",
           "compare_topic", "run_validation", "KEYS"]

#: The repository's validation folder.
VALIDATION_ROOT = Path(__file__).resolve().parents[1] / "validation"

#: Join keys of reference rows and computed rows.
KEYS = ["case", "quantity", "term"]
_REFERENCE = KEYS + ["value", "tolerance", "source"]


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


def compare_topic(topic: str, root: str | Path | None = None) -> pd.DataFrame:
    """Compare the reference rows of one topic with ours: difference and verdict.

    Returns
    -------
    pandas.DataFrame
        ``topic, case, quantity, term, reference, ours, difference, tolerance, passed,
        source`` (one row per reference row, in file order).

    Raises
    ------
    SpecificationError
        Unknown topic, a topic without ``compute.py``, or computed rows with duplicate keys.
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
    merged.insert(0, "topic", topic)
    return merged[["topic", *KEYS, "reference", "ours", "difference", "tolerance", "passed",
                   "source"]]


@dataclass(frozen=True)
class ValidationReport:
    """All compared rows, and the topics that are not wired yet.

    Attributes
    ----------
    table : pandas.DataFrame
        Rows of :func:`compare_topic` for every wired topic.
    not_wired : tuple of str
        Topics with a ``reference.csv`` but no ``compute.py``.
    """

    table: pd.DataFrame
    not_wired: tuple[str, ...]

    @property
    def passed(self) -> bool:
        """Every compared reference number within its tolerance."""
        return bool(self.table["passed"].all())

    def to_text(self, misses_only: bool = False) -> str:
        """Render the table: method, quantity, reference, ours, difference, tolerance, source."""
        table = self.table[~self.table["passed"]] if misses_only else self.table
        shown = pd.DataFrame({
            "method": table["topic"] + "/" + table["case"],
            "quantity": np.where(table["term"] != "", table["quantity"] + "[" + table["term"]
                                 + "]", table["quantity"]),
            "reference": table["reference"].map("{:.10g}".format),
            "ours": table["ours"].map("{:.10g}".format),
            "difference": table["difference"].map("{:.2e}".format),
            "tolerance": table["tolerance"].map("{:.1e}".format),
            "ok": np.where(table["passed"], "ok", "MISS"),
            "source": table["source"].str.slice(0, 60),
        })
        with pd.option_context("display.width", 250, "display.max_colwidth", 60,
                               "display.max_rows", None):
            body = shown.to_string(index=False) if len(shown) else "(no rows)"
        counts = self.table.groupby("topic")["passed"].agg(["size", "sum"])
        per_topic = ", ".join(f"{t} {int(r['sum'])}/{int(r['size'])}"
                              for t, r in counts.iterrows())
        misses = int((~self.table["passed"]).sum())
        lines = [body, "",
                 f"{len(self.table)} reference numbers, {misses} miss(es) ({per_topic})."]
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
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["topic", *KEYS, "reference", "ours", "difference", "tolerance", "passed",
                 "source"])
    return ValidationReport(table, not_wired)
