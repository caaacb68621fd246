"""Our numbers for ``reference.csv``: ``compute()`` for ``stfi validate``.

Cases ``hansen/*`` are Hansen's (1999) GAUSS output ``thresh.out`` (his data, his settings:
``cases.HANSEN_OPTIONS``); cases ``china/*`` are the brute-force implementation
``brute_force.py`` on the China panel.  README.md states the conventions.
"""

from __future__ import annotations

import importlib.util
import warnings
from functools import cache
from pathlib import Path

import pandas as pd

import stfi_models as sm

_spec = importlib.util.spec_from_file_location(
    "stfi_validation_threshold_cases", Path(__file__).with_name("cases.py"))
cases = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(cases)  # type: ignore[union-attr]


def _fit(formula: str, data: pd.DataFrame, entity: str, time: str, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sm.MissingValueWarning)
        return sm.fit(formula, data, entity=entity, time=time, model="threshold",
                      bootstrap=0, **options)


@cache
def hansen_fits() -> dict[int, sm.Result]:
    """Hansen's single, double and triple models (bootstrap off: deterministic rows only)."""
    data = sm.load_hansen1999()
    opts = dict(cases.HANSEN_OPTIONS)
    trims = opts.pop("trim")
    return {k: _fit(cases.HANSEN_FORMULA, data, "id", "year", thresholds=k,
                    trim=trims[:k], **{o: v for o, v in opts.items() if o != "thresholds"})
            for k in (1, 2, 3)}


def china_data() -> pd.DataFrame:
    """The China panel restricted to the validation years."""
    raw = sm.load_china_provinces()
    lo, hi = cases.CHINA["years"]
    return raw[(raw.year >= lo) & (raw.year <= hi)]


@cache
def china_fit(case: str) -> sm.Result:
    """One China case."""
    return _fit(cases.CHINA_FORMULA, china_data(), "prov_code", "year",
                **cases.CHINA_CASES[case])


def _threshold_rows(case: str, res: sm.Result) -> list[tuple]:
    """Each threshold with its 95 % LR interval."""
    ci = res.threshold_ci
    return [(case, quantity, name, value) for name, row in ci.iterrows()
            for quantity, value in (("threshold", row["estimate"]),
                                    ("ci95_lower", row["lower"]),
                                    ("ci95_upper", row["upper"]))]


def _hansen_rows() -> list[tuple]:
    rows = []
    names = {1: "single", 2: "double", 3: "triple"}
    fits = hansen_fits()
    rows.append(("hansen", "ssr0", "", fits[1].info["ssr0"]))
    for k, res in fits.items():
        case = f"hansen/{names[k]}"
        tests = res.threshold_tests.loc[k]
        rows += [(case, "fstat", "", tests["fstat"]), (case, "ssr", "", tests["ssr"])]
        rows += _threshold_rows(case, res)
        white = res.with_vcov("robust", df_adjust="none").std_errors
        terms = list(cases.HANSEN_TERMS) + [f"cf_r{j}" for j in range(1, k + 2)]
        for term, name in zip(terms, res.params.index, strict=True):
            rows += [(case, "coef", term, res.params[name]),
                     (case, "se", term, res.std_errors[name]),
                     (case, "se_white", term, white[name])]
    return rows


def _china_rows(case: str) -> list[tuple]:
    res = china_fit(case)
    tests = res.threshold_tests
    rows = [(case, "ssr0", "", res.info["ssr0"])]
    for k in tests.index:
        rows += [(case, f"fstat{k}", "", tests.loc[k, "fstat"]),
                 (case, f"ssr{k}", "", tests.loc[k, "ssr"])]
    rows += _threshold_rows(case, res)
    hc0 = res.with_vcov("robust", df_adjust="none").std_errors
    cr0 = res.with_vcov("cluster", df_adjust="none", group_debias=False).std_errors
    terms = ["x1", "x2"] + [f"z_r{j}" for j in range(1, len(res.thresholds) + 2)]
    for term, name in zip(terms, res.params.index, strict=True):
        rows += [(case, "coef", term, res.params[name]), (case, "se", term, res.std_errors[name]),
                 (case, "se_hc0", term, hc0[name]), (case, "se_cr0", term, cr0[name])]
    return rows


def compute() -> pd.DataFrame:
    """Our value for every reference row."""
    rows = _hansen_rows()
    for case in cases.CHINA_CASES:
        rows += _china_rows(case)
    return pd.DataFrame(rows, columns=["case", "quantity", "term", "value"])
