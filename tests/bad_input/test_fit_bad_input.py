"""Bad input to fit() and the panel: every case our error, naming what is at fault."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import stfi_models as sm
from stfi_models.exceptions import (
    EstimationError,
    FormulaError,
    IllConditionedWarning,
    MissingValueWarning,
    PanelDataError,
    SpecificationError,
    UnsafeFormulaError,
)
from cases import AB, ab, check


def fit(formula="n ~ w + k", data=None, **kw):
    kw.setdefault("entity", "id")
    kw.setdefault("time", "year")
    return lambda: sm.fit(formula, AB if data is None else data, **kw)


CASES = [
    # --- keywords and options
    ("typo entity", fit(entitiy="id"), SpecificationError, ["'entitiy'", "Did you mean 'entity'"]),
    ("typo vcov", fit(vcvo="robust"), SpecificationError, ["'vcvo'", "Did you mean 'vcov'"]),
    ("unknown model", fit(model="fee"), SpecificationError, ["model='fee'", "'fe'"]),
    ("unknown vcov", fit(vcov="robst"), SpecificationError, ["vcov='robst'", "'robust'"]),
    ("cluster without cluster vcov", fit(cluster="id"), SpecificationError,
     ["cluster='id'", "vcov='cluster'"]),
    ("kernel without DK", fit(vcov="robust", kernel="bartlett"), SpecificationError,
     ["kernel=", "driscoll-kraay"]),
    ("bad kernel", fit(vcov="driscoll-kraay", kernel="bartlet"), SpecificationError,
     ["kernel='bartlet'", "'bartlett'"]),
    ("negative bandwidth", fit(vcov="driscoll-kraay", bandwidth=-1.0), SpecificationError,
     ["bandwidth", "-1"]),
    ("bandwidth too large", fit(vcov="driscoll-kraay", bandwidth=50), SpecificationError,
     ["bandwidth=50", "periods"]),
    ("df_adjust for unadjusted", fit(df_adjust="hc1"), SpecificationError,
     ["df_adjust=", "unadjusted"]),
    ("bad df_adjust", fit(vcov="robust", df_adjust="hc9"), SpecificationError,
     ["df_adjust='hc9'"]),
    ("bad count_effects", fit(vcov="robust", count_effects="some"), SpecificationError,
     ["count_effects='some'"]),
    ("cluster column missing", fit(vcov="cluster", cluster="provnce"), SpecificationError,
     ["cluster='provnce'"]),
    ("cluster column with NaN", fit(data=ab(c=np.where(AB.index < 5, np.nan, 1.0)),
                                    vcov="cluster", cluster="c"), SpecificationError,
     ["Cluster column 'c'", "missing on 5 rows"]),
    ("one cluster", fit(data=ab(c=1), vcov="cluster", cluster="c"), EstimationError,
     ["cluster=\\('c',\\)", "1 cluster"]),
    ("between with cluster", fit(model="between", vcov="cluster"), SpecificationError,
     ["vcov='cluster'", "between"]),
    ("fe effects typo", fit(model="fe", effects="entiy"), SpecificationError,
     ["effects='entiy'", "'entity'"]),
    ("gmm steps", fit("n ~ L(n) + w | gmm(n, 2:3) + iv(w)", model="diff-gmm", steps=3),
     SpecificationError, ["steps=3"]),
    ("gmm vcov", fit("n ~ L(n) + w | gmm(n, 2:3) + iv(w)", model="diff-gmm", vcov="cluster"),
     SpecificationError, ["vcov='cluster'"]),
    ("pvar steps", fit("n + w ~ L(1)", model="pvar", steps=5), SpecificationError, ["steps"]),
    ("pvar rcond", fit("n + w ~ L(1)", model="pvar", rcond=-1.0), SpecificationError,
     ["rcond", "-1"]),
    ("fit option for init", fit("n ~ w", model="fe", effect="entity"), SpecificationError,
     ["'effect'", "Did you mean 'effects'"]),
    # --- the panel
    ("not a DataFrame", lambda: sm.fit("n ~ w", AB.to_numpy(), entity="id", time="year"),
     PanelDataError, ["DataFrame", "ndarray"]),
    ("entity column missing", fit(entity="idd"), PanelDataError, ["entity='idd'", "'id'"]),
    ("time column missing", fit(time="yaer"), PanelDataError, ["time='yaer'", "'year'"]),
    ("only entity", fit(time=None), PanelDataError, ["entity=", "time="]),
    ("entity equals time", fit(entity="year"), PanelDataError, ["'year'"]),
    ("NaN in time key", fit(data=ab(year=AB.year.where(AB.index > 2))), PanelDataError,
     ["Key column 'year'", "3 missing"]),
    ("duplicate key pairs", fit(data=pd.concat([AB, AB.iloc[:2]])), PanelDataError,
     ["4 rows share an \\(id, year\\)", "1977"]),
    ("text time key", fit(data=ab(year=AB.year.astype(str) + "y")), PanelDataError,
     ["Time key 'year'", "dtype"]),
    ("non-integer times", fit(data=ab(year=AB.year + 0.5 * (AB.id % 2))), PanelDataError,
     ["'year' has non-integer values", "delta="]),
    ("delta off grid", fit(delta=3), PanelDataError, ["delta=3 does not fit", "'year'"]),
    ("delta not positive", fit(delta=0), PanelDataError, ["delta must be a positive"]),
    ("freq on integer times", fit(freq="Y"), PanelDataError, ["freq= applies to date"]),
    ("bad freq", fit(data=ab(year=pd.to_datetime(AB.year.astype(str))), freq="fortnightly"),
     PanelDataError, ["freq='fortnightly'"]),
    ("delta on dates", fit(data=ab(year=pd.to_datetime(AB.year.astype(str))), delta=1),
     PanelDataError, ["delta=", "freq="]),
    ("duplicate column names", fit(data=pd.concat([AB, AB[["w"]]], axis=1)), PanelDataError,
     ["'w'", "more than once"]),
    ("empty data", fit(data=AB.iloc[:0]), PanelDataError, ["no rows"]),
    ("MultiIndex without names", lambda: sm.fit("n ~ w", AB.set_index(["id", "year"]).rename_axis(
        [None, None])), PanelDataError, ["names"]),
    # --- the formula
    ("column typo", fit("n ~ wgae"), FormulaError, ["'wgae'", "Did you mean"]),
    ("not a string", lambda: sm.fit(3, AB, entity="id", time="year"), FormulaError,
     ["must be a string", "int"]),
    ("no tilde", fit("n + w"), FormulaError, ["'~'"]),
    ("two tildes", fit("n ~ w ~ k"), FormulaError, ["more than one '~'"]),
    ("dependent on the right", fit("n ~ n + w"), FormulaError, ["'n' is also on the right"]),
    ("constant dependent", fit("c ~ w", data=ab(c=2.0)), EstimationError,
     ["'c' is constant", "2 on all"]),
    ("lag range too long", fit("n ~ L(w, 1:10000)"), FormulaError,
     ["L\\(w, 1:10000\\)", "longest entity spans 8"]),
    ("lead too long", fit("n ~ F(w, 30)"), FormulaError, ["F\\(w, 30\\)", "leads"]),
    ("difference order too large", fit("n ~ D(w, 40)"), FormulaError, ["D\\(w, 40\\)"]),
    ("backwards range", fit("n ~ L(w, 3:1)"), FormulaError, ["3:1 runs backwards"]),
    ("non-integer lag", fit("n ~ L(w, 1.5)"), FormulaError, ["whole number"]),
    ("huge integer literal", fit("n ~ I(w * 123456789012345678901234)"), FormulaError,
     ["24 digits", "float"]),
    ("huge lag literal", fit("n ~ L(w, 99999999999999999999)"), FormulaError, ["20 digits"]),
    ("formula too long", fit("n ~ w" + " " * 10_001), FormulaError, ["characters"]),
    ("too many terms", fit("n ~ " + " + ".join(["w"] * 401)), FormulaError, ["terms"]),
    ("import in formula", fit("n ~ __import__('os')"), UnsafeFormulaError, ["__import__"]),
    ("attribute access", fit("n ~ w.values"), UnsafeFormulaError, ["attribute"]),
    ("lambda", fit("n ~ (lambda: 1)()"), UnsafeFormulaError, ["Refused formula"]),
    ("text column outside C()", fit("n ~ s", data=ab(s=np.where(AB.id % 2, "a", "b"))),
     FormulaError, ["'s'"]),
    ("lag of a text column", fit("n ~ L(s)", data=ab(s=np.where(AB.id % 2, "a", "b"))),
     FormulaError, ["s"]),
    ("absorb a non-key", fit("n ~ w | k"), FormulaError, ["'k'", "panel keys"]),
    ("instruments for static model", fit("n ~ w | gmm(n, 2:3)"), SpecificationError,
     ["instrument part"]),
    ("system for pooled", fit("n + w ~ k", model="pooled"), SpecificationError,
     ["one dependent variable"]),
    ("C(entity) in RE", fit("n ~ w + C(id)", model="re"), SpecificationError,
     ["model='re'", "C\\(id\\)"]),
    ("C(entity) in FD", fit("n ~ w + C(id)", model="fd"), SpecificationError, ["C\\(id\\)"]),
    ("column entirely missing", fit("n ~ w + z", data=ab(z=np.nan)), EstimationError,
     ["'z' is entirely missing"]),
    ("no rows after NaN", fit("n ~ a + b", data=ab(a=np.where(AB.index % 2, np.nan, 1.0),
                                                   b=np.where(AB.index % 2, 1.0, np.nan))),
     EstimationError, ["No rows left"]),
    # --- estimation
    ("collinear regressors", fit("n ~ w + k + z", data=ab(z=2 * AB.w - AB.k)), EstimationError,
     ["z is a linear combination"]),
    ("time-invariant in FE", fit("n ~ w + z + C(id)", data=ab(z=AB.id * 1.0)), EstimationError,
     ["z", "constant within"]),
    ("nearly collinear", fit("n ~ w + k + z", data=ab(
        z=AB.w + 1e-9 * np.random.default_rng(0).normal(size=len(AB)))), IllConditionedWarning,
     ["w, z are nearly collinear", "condition number"]),
    ("FE without regressors", fit("n ~ C(id)", model="fe"), EstimationError, ["no regressor"]),
    ("GMM not identified", fit("n ~ L(n) + w + k | gmm(n, 2:2, collapse=True)",
                               model="diff-gmm"), EstimationError, ["instrument"]),
    ("missing rows are warned", fit("n ~ w + z", data=ab(z=AB.k.where(AB.index > 9))),
     MissingValueWarning, ["10 of 1031 rows", "z: 10"]),
    ("pd.NA is missing", fit("n ~ w + z", data=ab(z=AB.k.astype("Float64").where(
        AB.index > 4))), MissingValueWarning, ["5 of 1031", "z: 5"]),
]


@pytest.mark.parametrize(("call", "kind", "words"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_fit_bad_input(call, kind, words):
    check(call, kind, words)


def test_hausman_needs_fe_and_re():
    fe = sm.fit("n ~ w + k", AB, entity="id", time="year", model="fe")
    check(lambda: sm.hausman(fe, fe), SpecificationError, ["model='fe'", "'fe' and 'fe'"])


def test_hausman_needs_classical_covariances():
    fe = sm.fit("n ~ w + k", AB, entity="id", time="year", model="fe", vcov="robust")
    re = sm.fit("n ~ w + k", AB, entity="id", time="year", model="re")
    check(lambda: sm.hausman(fe, re), SpecificationError, ["classical", "with_vcov"])


def test_with_vcov_typo():
    res = sm.fit("n ~ w + k", AB, entity="id", time="year")
    check(lambda: res.with_vcov("cluster", clustr="id"), SpecificationError,
          ["'clustr'", "Did you mean 'cluster'"])
    check(lambda: res.conf_int(1.5), SpecificationError, ["level", "1.5"])
