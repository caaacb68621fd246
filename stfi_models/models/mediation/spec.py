"""Specification of a mediation model: the roles, their checks and the steps' formulas.

:class:`_Setup` holds what every Baron-Kenny step and every bootstrap replicate shares (role
columns, control and effect terms, panel keys, estimator and its options) and writes the
formula of each step; the functions check the role columns and the control/effect terms given
to :func:`~stfi_models.models.mediation.mediate`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from stfi_models.exceptions import SpecificationError, did_you_mean
from stfi_models.formula.grammar import parse_formula


@dataclass(frozen=True)
class _Setup:
    """Roles, formulas and estimator options shared by every step and every replicate."""

    treatments: tuple[str, ...]
    mediators: tuple[str, ...]
    outcome: str
    extra: str
    entity: str
    time: str
    model: str | None
    fit_options: Mapping[str, Any]

    def formula(self, lhs: str, *regressors: str) -> str:
        rhs = " + ".join(_term(r) for r in regressors)
        return f"{_term(lhs)} ~ {rhs}{self.extra}"

    @property
    def total_formula(self) -> str:
        return self.formula(self.outcome, *self.treatments)

    def mediator_formula(self, mediator: str) -> str:
        return self.formula(mediator, *self.treatments)

    @property
    def direct_formula(self) -> str:
        return self.formula(self.outcome, *self.treatments, *self.mediators)


def _term(name: str) -> str:
    return name if name.isidentifier() else f"Q({name!r})"


def _as_names(value: str | Sequence[str], role: str) -> tuple[str, ...]:
    names = (value,) if isinstance(value, str) else tuple(value)
    if not names or not all(isinstance(n, str) for n in names):
        raise SpecificationError(
            f"{role} must be a column name or a list of column names, got {value!r}."
        )
    if len(set(names)) != len(names):
        raise SpecificationError(f"{role} lists a column twice: {list(names)}.")
    return names


def _check_roles(
    frame: pd.DataFrame, treatments: tuple[str, ...], mediators: tuple[str, ...], outcome: str,
    keys: tuple[str, str],
) -> None:
    for treatment in treatments:
        if treatment in mediators:
            raise SpecificationError(
                f"'{treatment}' is both a treatment and a mediator; a variable cannot mediate its "
                "own effect. Pick a different mediator (e.g. an innovation-capacity measure)."
            )
    for role, names in (("treatment", treatments), ("mediator", mediators)):
        if outcome in names:
            raise SpecificationError(
                f"The outcome '{outcome}' is also a {role}; give three different columns."
            )
    roles = [("treatment", n) for n in treatments] + [("mediator", n) for n in mediators]
    roles.append(("outcome", outcome))
    for role, name in roles:
        if name in keys:
            raise SpecificationError(
                f"{role}={name!r} is a panel key column; choose a variable column."
            )
        if name not in frame.columns:
            raise SpecificationError(
                f"{role}={name!r} is not a column of the data."
                f"{did_you_mean(name, map(str, frame.columns))} Create it first (e.g. "
                "df['log_patents'] = np.log(df['patents']))."
            )
        series = frame[name]
        if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
            raise SpecificationError(
                f"{role} column '{name}' is not numeric (dtype {series.dtype}); mediation needs "
                f"numbers. Convert it, e.g. df['{name}'] = pd.to_numeric(df['{name}']) or "
                f"df['{name}'].astype(float)."
            )


def _extra_terms(
    controls: str | None, effects: str | None, roles: set[str], keys: tuple[str, str]
) -> str:
    """`` + controls + effects`` as formula text; refuse roles used as bare controls.

    ``effects`` may also be ``"entity"``, ``"time"`` or ``"twoways"`` (the names of the FE
    model's ``effects=`` option), meaning ``C(<entity>)``, ``C(<time>)`` or both.
    """
    named = {"entity": (keys[0],), "time": (keys[1],), "twoways": keys}
    if isinstance(effects, str) and effects.strip() in named:
        effects = " + ".join(f"C({_term(k)})" for k in named[effects.strip()])
    extra = ""
    for option, text in (("controls", controls), ("effects", effects)):
        if text is None or not str(text).strip():
            continue
        if not isinstance(text, str) or "~" in text or "|" in text:
            raise SpecificationError(
                f"{option} must be right-hand-side formula terms such as 'x1 + np.log(x2)', "
                f"got {text!r}."
            )
        spec = parse_formula(f"_lhs ~ {text}")
        bare = [t.text for t in spec.rhs if t.text.strip() in roles]
        if bare:
            raise SpecificationError(
                f"{option} contains {bare}, which already has a role (treatment, mediator or "
                "outcome) in the mediation model; remove it from the controls."
            )
        extra += f" + {text}"
    return extra
