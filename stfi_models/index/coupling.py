r"""Coupling coordination degree of two or more subsystem indices.

For subsystem scores :math:`U_1, \dots, U_n \ge 0` of one entity and period (e.g. technology
finance and new quality productive forces):

coupling (``kind="standard"``; Liao 1999, in the :math:`n`-system form of Cong 2019)

.. math::

    C = \frac{\bigl(\prod_{i=1}^n U_i\bigr)^{1/n}}{\frac1n \sum_{i=1}^n U_i}
      = n \Bigl[\frac{\prod_i U_i}{(\sum_i U_i)^n}\Bigr]^{1/n}
    \quad (C = 2\sqrt{U_1 U_2}/(U_1 + U_2) \text{ for } n = 2),

the ratio of the geometric to the arithmetic mean, in :math:`[0, 1]`; or the revised coupling
of Wang, Kong, Ren & Dai (2021) (``kind="revised"``, for :math:`U_i \in [0, 1]`), which spreads
:math:`C` over :math:`[0, 1]` instead of crowding it near 1:

.. math::

    C = \sqrt{\Bigl[1 - \frac{\sum_{i>j} |U_i - U_j|}{\sum_{m=1}^{n-1} m}\Bigr]
        \prod_{i=1}^n \Bigl(\frac{U_i}{\max_j U_j}\Bigr)^{1/(n-1)}};

comprehensive development :math:`T = \sum_i \alpha_i U_i` with stated weights
:math:`\alpha_i \ge 0`, :math:`\sum_i \alpha_i = 1` (equal by default); coordination
:math:`D = \sqrt{C\,T}`, classified into the usual ten levels of width 0.1 (Liao 1999):
extreme imbalance :math:`[0, 0.1)`, severe imbalance, moderate imbalance, mild imbalance, on
the verge of imbalance :math:`[0.4, 0.5)`, barely coordinated :math:`[0.5, 0.6)`, primary,
intermediate, good and high-quality coordination :math:`[0.9, 1]`.

References
----------
Liao, C. (1999). Quantitative judgement and classification system for coordinated development
of environment and economy: a case study of the city group in the Pearl River Delta. *Tropical
Geography* 19(2), 171-177 (in Chinese).

Cong, X. (2019). Expression and mathematical property of coupling model, and its misuse in
geographical science. *Economic Geography* 39(4), 18-25 (in Chinese).

Wang, S., Kong, W., Ren, L., Zhi, D., & Dai, B. (2021). Research on misuses and modification
of coupling coordination degree model in China. *Journal of Natural Resources* 36(3), 793-810
(in Chinese).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stfi_models.exceptions import SpecificationError, check_choice, did_you_mean

__all__ = ["COUPLING_KINDS", "LEVELS", "CouplingResult", "coupling_coordination",
           "coordination_level"]

#: Coupling formulas.
COUPLING_KINDS = ("standard", "revised")
#: The ten coordination levels, lower bounds 0, 0.1, ..., 0.9.
LEVELS = ("extreme imbalance", "severe imbalance", "moderate imbalance", "mild imbalance",
          "verge of imbalance", "barely coordinated", "primary coordination",
          "intermediate coordination", "good coordination", "high-quality coordination")


def coordination_level(d: np.ndarray | float) -> np.ndarray:
    """Level 1-10 of coordination degrees ``d`` in [0, 1] (0.1 wide; 1.0 is level 10)."""
    d = np.asarray(d, dtype=float)
    level = np.minimum(np.floor(d * 10 + 1e-12), 9) + 1
    return np.where(np.isfinite(d), level, np.nan)


def _coupling(u: np.ndarray, kind: str) -> np.ndarray:
    n = u.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind == "standard":
            return np.exp(np.log(u).mean(axis=1)) / u.mean(axis=1)
        i, j = np.triu_indices(n, 1)
        spread = np.abs(u[:, i] - u[:, j]).sum(axis=1) / (n * (n - 1) / 2)
        ratio = np.prod(u / u.max(axis=1, keepdims=True), axis=1) ** (1 / (n - 1))
        return np.sqrt((1 - spread) * ratio)


@dataclass(frozen=True)
class CouplingResult:
    r"""Coupling C, comprehensive T and coordination D per row, with the level.

    Attributes
    ----------
    table : pandas.DataFrame
        The key columns, the subsystem scores, ``C``, ``T``, ``D``, ``level`` (1-10) and
        ``label``.  A ready input for Dagum, Moran, kernel density and convergence
        (``value="D"``).
    systems : tuple of str
    weights : dict
        :math:`\alpha_i` of :math:`T`.
    kind : str
    """

    table: pd.DataFrame
    systems: tuple[str, ...]
    weights: Mapping[str, float]
    kind: str

    def to_frame(self) -> pd.DataFrame:
        """Return a copy of :attr:`table`."""
        return self.table.copy()

    def levels(self, by: str | None = None) -> pd.DataFrame:
        """Count rows per coordination level (and per ``by``, e.g. the year)."""
        keys = ["level", "label"] if by is None else [by, "level", "label"]
        return self.table.groupby(keys).size().rename("n").reset_index()


def coupling_coordination(
    data: pd.DataFrame,
    systems: Sequence[str],
    *,
    weights: Mapping[str, float] | Sequence[float] | None = None,
    kind: str = "standard",
    keys: Sequence[str] = (),
) -> CouplingResult:
    r"""Coupling coordination degree of the subsystem columns ``systems`` of ``data``.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per entity (and period), with the subsystem scores.
    systems : sequence of str
        Two or more columns (e.g. ``["TF", "NQP"]``), values :math:`\ge 0` (and
        :math:`\le 1` for ``kind="revised"``).
    weights : mapping or sequence of float, optional
        :math:`\alpha_i` of :math:`T`, non-negative and summing to 1 (default equal).
    kind : {"standard", "revised"}
        Coupling formula (module docstring).
    keys : sequence of str
        Columns carried into the table (e.g. the entity and the year).

    Returns
    -------
    CouplingResult

    Examples
    --------
    >>> import pandas as pd
    >>> res = coupling_coordination(pd.DataFrame({"a": [0.3], "b": [0.5]}), ["a", "b"])
    >>> round(float(res.table["C"].iloc[0]), 6), float(res.table["T"].iloc[0])
    (0.968246, 0.4)
    """
    kind = check_choice("kind", kind, COUPLING_KINDS)
    systems = list(systems) if not isinstance(systems, str) else [systems]
    if len(systems) < 2 or len(set(systems)) != len(systems):
        raise SpecificationError(
            f"systems needs two or more distinct columns, got {systems!r}."
        )
    for col in [*systems, *keys]:
        if col not in data.columns:
            raise SpecificationError(
                f"coupling_coordination(): '{col}' is not a column of the data."
                f"{did_you_mean(col, map(str, data.columns))}"
            )
    alpha = _weights(weights, systems)
    u = data[systems].to_numpy(dtype=float)
    if not np.isfinite(u).all() or (u < 0).any():
        bad = sorted({systems[j] for j in np.flatnonzero(~(np.isfinite(u) & (u >= 0)).all(0))})
        raise SpecificationError(
            f"Subsystem scores must be finite and >= 0; {bad} are not. Normalise them first "
            "(e.g. min-max indices)."
        )
    if kind == "revised" and (u > 1).any():
        raise SpecificationError("kind='revised' needs subsystem scores in [0, 1].")
    c = _coupling(u, kind)
    t = u @ np.array([alpha[s] for s in systems])
    d = np.sqrt(c * t)
    level = coordination_level(d)
    table = data[[*keys, *systems]].reset_index(drop=True).copy()
    table["C"], table["T"], table["D"] = c, t, d
    table["level"] = pd.array(level, dtype="Int64")
    table["label"] = [LEVELS[int(v) - 1] if np.isfinite(v) else None for v in level]
    return CouplingResult(table, tuple(systems), alpha, kind)


def _weights(weights: Mapping[str, float] | Sequence[float] | None,
             systems: list[str]) -> dict[str, float]:
    if weights is None:
        return {s: 1 / len(systems) for s in systems}
    if isinstance(weights, Mapping):
        for key in weights:
            if key not in systems:
                raise SpecificationError(
                    f"weights: '{key}' is not one of the systems.{did_you_mean(key, systems)}"
                )
        missing = [s for s in systems if s not in weights]
        if missing:
            raise SpecificationError(f"weights: no weight given for {missing}.")
        values = [weights[s] for s in systems]
    else:
        values = list(weights)
        if len(values) != len(systems):
            raise SpecificationError(
                f"weights has {len(values)} values for {len(systems)} systems {systems}."
            )
    values = np.asarray(values, dtype=float)
    if not np.isfinite(values).all() or (values < 0).any() or abs(values.sum() - 1) > 1e-9:
        raise SpecificationError(
            f"weights of T must be >= 0 and sum to 1, got {values.tolist()} "
            f"(sum {values.sum():.6g}); e.g. weights={{'{systems[0]}': 0.5, "
            f"'{systems[1]}': 0.5}}."
        )
    return dict(zip(systems, values.tolist(), strict=True))
