"""What a table says about each model below its coefficients.

* :data:`STATISTICS`: statistic rows by key (``"nobs"``, ``"r2_within"``, ``"hansen_p"``, ...),
  each reading a :class:`~stfi_models.results.Result`; :data:`FAMILY_STATISTICS`: the default
  keys per estimator (``Result.model``); a Result may name its own in ``info["table_stats"]``.
* :data:`ESTIMATOR_LABELS`: the "Estimator" row (``info["estimator_label"]`` overrides).
* :func:`indicator_rows`: check-mark rows derived from the models (absorbed effects,
  collapsed dummy sets, clustering).

New Result kinds extend these dictionaries (one line each) instead of editing the table code;
whole new row blocks go through :data:`~stfi_models.results.tables.build.ROW_BLOCKS`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from stfi_models.results.result import Result
from stfi_models.results.tables.terms import dummy_variable

__all__ = ["Statistic", "STATISTICS", "FAMILY_STATISTICS", "ESTIMATOR_LABELS",
           "estimator_label", "statistic_keys", "indicator_rows", "clustering"]


@dataclass(frozen=True, slots=True)
class Statistic:
    """A statistic row: its label, how to read it off a Result, and its kind.

    ``kind`` is ``"float"`` (printed with the table's digits), ``"floats"`` (a sequence of
    them, comma-separated), ``"int"`` or ``"text"``.
    ``value`` returns None when the model has no such statistic (the cell stays empty).
    """

    label: str
    value: Callable[[Result], object | None]
    kind: str = "float"


def _diagnostic(pattern: str, field: str = "pvalue") -> Callable[[Result], float | None]:
    """Read a diagnostic whose key, lower-cased and stripped to letters and digits, matches."""
    compiled = re.compile(pattern)

    def read(res: Result) -> float | None:
        for key, test in res.diagnostics.items():
            if compiled.fullmatch(re.sub(r"[^a-z0-9]", "", str(key).lower())):
                return float(getattr(test, field))
        return None

    return read


def clustering(res: Result) -> tuple[str, str] | None:
    """``(clustered by, number of clusters)`` parsed from a clustered ``vcov_type``."""
    match = re.match(r"^cluster \((.*?)(?:; G = ([\d, ]+))?\)$", res.vcov_type)
    if match is None:
        return None
    return match.group(1), match.group(2) or ""


def _vcov(res: Result) -> str:
    """Name the covariance, without the clustering details the indicator rows show."""
    return "cluster" if clustering(res) else res.vcov_type


def _rho(res: Result) -> float | None:
    """Share of the error variance due to the entity effect (random effects)."""
    entity, idios = res.info.get("sigma2_entity"), res.info.get("sigma2_idios")
    if entity is None or idios is None or not np.isfinite(entity + idios) or entity + idios <= 0:
        return None
    return float(entity / (entity + idios))


#: Statistic rows by key, in the order a table prints them.
STATISTICS: dict[str, Statistic] = {
    "nobs": Statistic("Observations", lambda r: r.nobs, "int"),
    "entities": Statistic("Entities", lambda r: r.n_entities, "int"),
    "r2": Statistic("R²", lambda r: r.rsquared.get("r2")),
    "r2_within": Statistic("Within R²", lambda r: r.rsquared.get("within")),
    "r2_between": Statistic("Between R²", lambda r: r.rsquared.get("between")),
    "r2_overall": Statistic("Overall R²", lambda r: r.rsquared.get("overall")),
    "r2_pseudo": Statistic("Pseudo R²", lambda r: r.rsquared.get("pseudo")),
    "rho": Statistic("ρ (entity share)", _rho),
    "loglik": Statistic("Log-likelihood", lambda r: r.info.get("loglik")),
    "aic": Statistic("AIC", lambda r: r.info.get("aic")),
    "bic": Statistic("BIC", lambda r: r.info.get("bic")),
    "sigma2": Statistic("σ²", lambda r: r.info.get("sigma2")),
    "instruments": Statistic("Instruments", lambda r: r.info.get("n_instruments"), "int"),
    "ar1_p": Statistic("AR(1) p", _diagnostic(r"(ar|m)1(test)?")),
    "ar2_p": Statistic("AR(2) p", _diagnostic(r"(ar|m)2(test)?")),
    "hansen": Statistic("Hansen J", _diagnostic(r"hansen(j|test)?", "stat")),
    "hansen_p": Statistic("Hansen p", _diagnostic(r"hansen(j|test)?")),
    "sargan_p": Statistic("Sargan p", _diagnostic(r"sargan(test)?")),
    "hausman_p": Statistic("Hausman p", _diagnostic(r"hausman(test)?")),
    "first_stage_f": Statistic("First-stage F", lambda r: r.info.get("weak_id_f")),  # KP/CD F
    "underid_p": Statistic("Underidentification p", _diagnostic(r"underid")),  # KP rk LM
    "overid_p": Statistic("Overidentification p", _diagnostic(r"overid")),  # Hansen J, Sargan
    "endogeneity_p": Statistic("Endogeneity p", _diagnostic(r"endogeneity")),  # C test
    "thresholds": Statistic("Threshold(s)", lambda r: r.info.get("thresholds"), "floats"),
    "clusters": Statistic("Clusters", lambda r: (clustering(r) or (None, None))[1] or None,
                          "text"),
    "vcov": Statistic("Std. errors", _vcov, "text"),
}

_STATIC = ("nobs", "entities", "r2", "r2_within", "clusters", "vcov")
_GMM = ("nobs", "entities", "instruments", "ar1_p", "ar2_p", "hansen_p", "sargan_p", "vcov")
_SPATIAL = ("nobs", "entities", "r2_pseudo", "sigma2", "loglik", "aic")

#: Default statistic keys per estimator name (``Result.model``).
FAMILY_STATISTICS: dict[str, tuple[str, ...]] = {
    "pooled": _STATIC,
    "fe": _STATIC,
    "re": (*_STATIC[:-1], "rho", "vcov"),
    "fd": _STATIC,
    "between": _STATIC,
    "diff-gmm": _GMM,
    "sys-gmm": _GMM,
    "pvar": ("nobs", "entities", "instruments", "hansen_p", "vcov"),
    "iv": ("nobs", "entities", "r2", "r2_within", "first_stage_f", "underid_p", "overid_p",
           "endogeneity_p", "clusters", "vcov"),
    "threshold": ("nobs", "entities", "r2_within", "thresholds", "clusters", "vcov"),
    **{name: _SPATIAL for name in ("sar", "sem", "sdm", "sdem", "sac")},
}

#: Statistic keys of a model whose family is not listed above.
DEFAULT_STATISTICS = ("nobs", "entities", "r2", "r2_within", "instruments", "ar2_p",
                      "hansen_p", "loglik", "clusters", "vcov")

#: The "Estimator" row, by ``Result.model``.
ESTIMATOR_LABELS: dict[str, str] = {
    "pooled": "Pooled OLS",
    "fe": "FE",
    "re": "RE",
    "fd": "FD",
    "between": "Between",
    "diff-gmm": "Difference GMM",
    "sys-gmm": "System GMM",
    "pvar": "Panel VAR",
    "iv": "IV",
    "threshold": "Panel threshold",
    "pstr": "PSTR",
    "dynamic-threshold": "Dynamic threshold",
    "sar": "SAR (ML)",
    "sem": "SEM (ML)",
    "sdm": "SDM (ML)",
    "sdem": "SDEM (ML)",
    "sac": "SAC (ML)",
}


def estimator_label(res: Result) -> str:
    """``info["estimator_label"]``, else :data:`ESTIMATOR_LABELS`, else ``res.model``."""
    return str(res.info.get("estimator_label") or ESTIMATOR_LABELS.get(res.model, res.model))


def statistic_keys(models: Sequence[Result]) -> list[str]:
    """Return the default statistic keys of a table: the union of the models' families, in order."""
    wanted: set[str] = set()
    for res in models:
        wanted.update(res.info.get("table_stats")
                      or FAMILY_STATISTICS.get(res.model, DEFAULT_STATISTICS))
    return [key for key in STATISTICS if key in wanted]


_EFFECT_LABELS = {"entity": "Entity FE", "time": "Time FE"}


def _effects(res: Result) -> tuple[str, ...] | None:
    """Absorbed effects named in ``info``; ``None`` when the model does not say."""
    value = res.info.get("effects", res.info.get("absorbed"))
    if value is None:
        return None
    return (value,) if isinstance(value, str) else tuple(str(v) for v in value)


def indicator_rows(models: Sequence[Result], collapse: frozenset[str],
                   marks: tuple[str, str]) -> list[tuple[str, list[str]]]:
    """Check-mark rows: absorbed effects, collapsed dummy sets, clustering.

    * ``Entity FE`` / ``Time FE`` (and ``<name> FE``) from ``info["effects"]`` (or
      ``info["absorbed"]``); a model that does not say gets an empty cell;
    * ``<Variable> dummies`` for each dummy set collapsed out of the coefficients
      (``C(year)[1977]``, ... -> ``Year dummies``);
    * ``Clustered by`` (the cluster variable) when a model clusters its standard errors.
    """
    yes, no = marks
    rows: list[tuple[str, list[str]]] = []
    effects = [_effects(r) for r in models]
    for effect in dict.fromkeys(e for found in effects for e in found or ()):
        rows.append((_EFFECT_LABELS.get(effect, f"{effect} FE"),
                     ["" if e is None else yes if effect in e else no for e in effects]))
    dummies = [{dummy_variable(t) for t in r.params.index} for r in models]
    for var in dict.fromkeys(v for found in dummies for v in found if v in collapse):
        rows.append((f"{var[:1].upper()}{var[1:]} dummies",
                     [yes if var in found else no for found in dummies]))
    clusters = [clustering(r) for r in models]
    if any(clusters):
        rows.append(("Clustered by", [c[0] if c else "" for c in clusters]))
    return rows
