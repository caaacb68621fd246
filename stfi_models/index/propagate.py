"""Downstream steps re-run on every index draw of a sensitivity analysis.

A propagation spec is a small frozen record: what to run on the data with the drawn index, and
which number to keep.  It serialises to a plain dict (``to_dict``) that a study TOML table can
hold, and :func:`from_dict` reads it back.  Kinds: ``fit`` (any :func:`stfi_models.fit`
model: FE, GMM, ...), ``dagum`` (a component of the Dagum Gini decomposition), ``moran``
(global Moran's I in one year) and ``irf`` (a panel VAR impulse response at one horizon)::

    sm.propagate.fit("innovation ~ STFI + C(province_en) + C(year)", coef="STFI",
                     vcov="cluster")
    {"kind": "fit", "formula": "...", "coef": "STFI", "options": {"vcov": "cluster"}}

Every spec returns the same three numbers per draw, ``(estimate, std_error, pvalue)``
(NaN where a step has no standard error), so a sensitivity result can report the share of
draws in which the estimate keeps its sign and its significance.  Columns derived from the
index in the data (e.g. a growth rate) are not re-derived per draw: write them into the
formula (``D(STFI)``, ``L(STFI, 1)``, ``np.log(STFI)``).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from stfi_models.exceptions import SpecificationError, StfiError, check_choice, did_you_mean

__all__ = ["Fit", "Dagum", "Moran", "Irf", "PROPAGATE_KINDS", "fit", "dagum", "moran", "irf",
           "from_dict", "as_specs"]

#: The statistics kept from every spec.
OUTPUTS = ("estimate", "std_error", "pvalue")
_NAN3 = np.full(3, np.nan)


class _Options(dict):
    """A read-only dict (picklable, unlike ``MappingProxyType``) for a spec's options."""

    def _refuse(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("propagate spec options are read-only; build a new spec.")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = _refuse

    def __reduce__(self) -> tuple:
        return (_Options, (dict(self),))


class _Spec:
    """What every spec shares: its TOML form and its default label."""

    kind = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the spec as a plain dict (a study TOML table; unset fields left out)."""
        out: dict[str, Any] = {"kind": self.kind}
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if value is not None and not (isinstance(value, Mapping) and not value):
                out[f.name] = dict(value) if isinstance(value, Mapping) else value
        return out

    def _default_label(self, text: str, year: Any = None) -> None:
        if not getattr(self, "label", ""):
            suffix = "" if year is None else f" {year}"
            object.__setattr__(self, "label", f"{text}{suffix}")


@dataclass(frozen=True)
class Fit(_Spec):
    """Re-fit a formula (:func:`stfi_models.fit`) and keep one coefficient.

    Attributes
    ----------
    formula : str
        Any formula :func:`stfi_models.fit` takes (static, GMM, ...).
    coef : str
        The coefficient to keep (e.g. ``"STFI"``).
    model : str, optional
        ``model=`` of :func:`stfi_models.fit` (default: chosen from the formula).
    options : Mapping
        Further options of the model (``vcov="cluster"``, ``steps=2``, ...).
    label : str
        Name of the statistic in the results (default ``"<model or fit>: <coef>"``).
    """

    formula: str
    coef: str
    model: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    label: str = ""

    kind = "fit"

    def __post_init__(self) -> None:
        if not isinstance(self.formula, str) or not isinstance(self.coef, str):
            raise SpecificationError("propagate.fit() needs a formula and coef as strings.")
        object.__setattr__(self, "options", _Options(self.options))
        self._default_label(f"{self.model or 'fit'}: {self.coef}")

    def evaluate(self, frame: pd.DataFrame, entity: str, time: str) -> np.ndarray:
        """Return ``(estimate, std_error, pvalue)`` of ``coef`` on ``frame``."""
        from stfi_models.api import fit as fit_formula

        res = fit_formula(self.formula, frame, model=self.model, entity=entity, time=time,
                          **self.options)
        if self.coef not in res.params.index:
            raise SpecificationError(
                f"propagate: '{self.coef}' is not a coefficient of '{self.formula}'."
                f"{did_you_mean(self.coef, map(str, res.params.index))} "
                f"Coefficients: {', '.join(map(str, res.params.index))}."
            )
        return np.array([res.params[self.coef], res.std_errors[self.coef],
                         res.pvalues[self.coef]], dtype=float)



@dataclass(frozen=True)
class Dagum(_Spec):
    """Dagum Gini decomposition of the index; keep one component's share in one year.

    Attributes
    ----------
    value : str
        The index column (e.g. ``"STFI"``).
    group : str
        Grouping column (e.g. ``"region3"``).
    component : str
        A column of the decomposition's summary: ``"G"``, ``"G_w"``, ``"G_nb"``, ``"G_t"``,
        ``"share_w"``, ``"share_nb"`` (net between-region share), ``"share_t"``.
    year : optional
        The period (default: the mean over periods).
    label : str
    """

    value: str
    group: str
    component: str = "G"
    year: Any = None
    label: str = ""

    kind = "dagum"

    def __post_init__(self) -> None:
        self._default_label(f"dagum {self.component}", self.year)

    def evaluate(self, frame: pd.DataFrame, entity: str, time: str) -> np.ndarray:
        """Return ``(component, NaN, NaN)``."""
        from stfi_models.inequality import dagum_gini

        table = dagum_gini(frame, self.value, self.group, by=time, warn_missing=False).summary
        table = table.set_index(time) if time in table.columns else table
        if self.component not in table.columns:
            raise SpecificationError(
                f"propagate.dagum(component={self.component!r}) is not a column of the "
                f"decomposition.{did_you_mean(self.component, table.columns)} "
                f"Columns: {', '.join(map(str, table.columns))}."
            )
        column = table[self.component]
        value = column.mean() if self.year is None else column.loc[self.year]
        return np.array([float(value), np.nan, np.nan])



@dataclass(frozen=True)
class Moran(_Spec):
    """Global Moran's I of the index in one year over the China province contiguity.

    Keeps ``(I, sqrt(var_rand), p_rand)`` (randomisation inference).

    Attributes
    ----------
    value : str
        The index column.
    year : optional
        The period (default: the last one).
    label : str
    """

    value: str
    year: Any = None
    label: str = ""

    kind = "moran"

    def __post_init__(self) -> None:
        self._default_label(f"moran {self.value}", self.year)

    def evaluate(self, frame: pd.DataFrame, entity: str, time: str) -> np.ndarray:
        """Return ``(I, sqrt(var_rand), p_rand)``."""
        from stfi_models.spatial import china_weights, moran

        year = frame[time].max() if self.year is None else self.year
        part = frame.loc[frame[time] == year, [entity, self.value]].dropna()
        w = china_weights(key=entity)
        w = w.subset(sorted(part[entity], key=list(w.ids).index))
        res = moran(part, w, self.value, id=entity, permutations=0)
        return np.array([res.I, np.sqrt(res.var_rand), res.p_rand])



@dataclass(frozen=True)
class Irf(_Spec):
    """Fit a panel VAR and keep one impulse response at one horizon.

    Keeps ``(response, NaN, NaN)``.

    Attributes
    ----------
    formula : str
        A panel VAR formula (``model="pvar"``).
    impulse, response : str
        Variables of the system.
    horizon : int
    irf : str
        ``kind`` of the response (``"orth"``, ``"simple"``, ``"girf"``).
    options : Mapping
        Options of the PVAR fit (``steps=2``, ...).
    label : str
    """

    formula: str
    impulse: str
    response: str
    horizon: int = 1
    irf: str = "orth"
    options: Mapping[str, Any] = field(default_factory=dict)
    label: str = ""

    kind = "irf"

    def __post_init__(self) -> None:
        if not isinstance(self.horizon, int) or not 0 <= self.horizon <= 100:
            raise SpecificationError(f"propagate.irf(horizon=...) must be an integer in "
                                     f"[0, 100], got {self.horizon!r}.")
        object.__setattr__(self, "options", _Options(self.options))
        self._default_label(f"irf {self.impulse}->{self.response} h={self.horizon}")

    def evaluate(self, frame: pd.DataFrame, entity: str, time: str) -> np.ndarray:
        """Return ``(response, NaN, NaN)`` of ``response`` to ``impulse`` at ``horizon``."""
        from stfi_models.api import fit as fit_formula

        res = fit_formula(self.formula, frame, model="pvar", entity=entity, time=time,
                          **self.options)
        irf = res.irf(periods=max(self.horizon, 1), kind=self.irf)
        for name in (self.impulse, self.response):
            if name not in irf.names:
                raise SpecificationError(
                    f"propagate.irf: '{name}' is not a variable of the VAR."
                    f"{did_you_mean(name, irf.names)} Variables: {', '.join(irf.names)}."
                )
        value = irf.values[self.horizon, irf.names.index(self.response),
                           irf.names.index(self.impulse)]
        return np.array([float(value), np.nan, np.nan])



PROPAGATE_KINDS = {"fit": Fit, "dagum": Dagum, "moran": Moran, "irf": Irf}
Spec = Fit | Dagum | Moran | Irf


def fit(formula: str, coef: str, *, model: str | None = None, label: str = "",
        **options: Any) -> Fit:
    """Propagate into a formula fit: ``fit("y ~ STFI + C(id)", coef="STFI", vcov="cluster")``."""
    return Fit(formula, coef, model, options, label)


def dagum(value: str, group: str, *, component: str = "G", year: Any = None,
          label: str = "") -> Dagum:
    """Propagate into a Dagum Gini decomposition (one component, one year or the mean)."""
    return Dagum(value, group, component, year, label)


def moran(value: str, *, year: Any = None, label: str = "") -> Moran:
    """Propagate into the global Moran's I of ``value`` in one year (default the last)."""
    return Moran(value, year, label)


def irf(formula: str, impulse: str, response: str, *, horizon: int = 1, kind: str = "orth",
        label: str = "", **options: Any) -> Irf:
    """Propagate into a panel VAR impulse response at one horizon."""
    return Irf(formula, impulse, response, horizon, kind, options, label)


def from_dict(table: Mapping[str, Any]) -> Spec:
    """Read a spec back from its ``to_dict()`` form (a TOML table)."""
    if not isinstance(table, Mapping) or "kind" not in table:
        raise SpecificationError(
            f"A propagate table needs kind = one of {', '.join(PROPAGATE_KINDS)}; got {table!r}."
        )
    cls = PROPAGATE_KINDS[check_choice("propagate kind", table["kind"], PROPAGATE_KINDS)]
    fields = {k: v for k, v in table.items() if k != "kind"}
    allowed = set(cls.__dataclass_fields__)
    for key in fields:
        if key not in allowed:
            raise SpecificationError(
                f"propagate {table['kind']!r}: unknown key '{key}'.{did_you_mean(key, allowed)} "
                f"Keys: {', '.join(sorted(allowed))}."
            )
    return cls(**fields)


def as_specs(propagate: Any) -> tuple[Spec, ...]:
    """Normalise ``propagate=`` (a spec, a dict or a list of them) to a tuple of specs."""
    if propagate is None:
        return ()
    items = propagate if isinstance(propagate, list | tuple) else [propagate]
    specs = tuple(p if isinstance(p, Spec) else from_dict(p) for p in items)
    labels = [s.label for s in specs]
    if len(set(labels)) != len(labels):
        raise SpecificationError(f"propagate: labels must be unique, got {labels}; "
                                 "give each spec a label=.")
    return specs


def evaluate_all(specs: tuple[Spec, ...], frame: pd.DataFrame, entity: str,
                 time: str) -> np.ndarray:
    """Run every spec on one draw's data; a step that fails in a draw gives NaN."""
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for spec in specs:
            try:
                out.append(spec.evaluate(frame, entity, time))
            except SpecificationError:
                raise
            except (StfiError, np.linalg.LinAlgError):
                out.append(_NAN3)
    return np.concatenate(out) if out else np.empty(0)
