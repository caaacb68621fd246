r"""Fixed effects, the within estimator (``model="fe"``).

The within transformation sweeps out :math:`\alpha_i`, :math:`\gamma_t` or both.  The two-way
transformation is exact on unbalanced panels: :math:`M_{[D_e, D_t]} = M_{M_e D_t} M_e`
(Frisch-Waugh-Lovell), demeaning by the larger dimension and projecting out the demeaned
dummies of the smaller one.  No intercept is reported (as in R plm; Stata's ``_cons`` is the
mean of the effects and does not change the slopes).  The diagnostics hold the F test that the
fixed effects are zero.

References
----------
Baltagi, B. H. (2021). *Econometric Analysis of Panel Data*, 6th ed. Springer.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
from scipy import stats

from stfi_models.exceptions import EstimationError, MissingValueWarning, check_choice
from stfi_models.formula.design import Dropped
from stfi_models.formula.spec import FormulaSpec
from stfi_models.models import lstsq
from stfi_models.models.absorb import AbsorbedEffects, dense_codes, singleton_rows
from stfi_models.models.static.base import (
    _check_rank,
    _Estimate,
    _r2,
    _series,
    _stata_r2,
    _StaticModel,
)
from stfi_models.panel import PanelData
from stfi_models.results.result import TestResult

__all__ = ["FixedEffects", "EFFECTS", "SINGLETONS"]

EFFECTS = ("entity", "time", "twoways")
SINGLETONS = ("drop", "keep")


def _pooled_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, int]:
    """SSR and rank of pooled OLS of ``y`` on an intercept and ``x`` (scaled QR).

    The restricted model of the F test that absorbed effects are zero; ``[1, x]`` is built
    once, Fortran-ordered, and factored in place.
    """
    pooled = np.empty((len(y), x.shape[1] + 1), order="F")
    pooled[:, 0], pooled[:, 1:] = 1.0, x
    fac = lstsq.factor(pooled, overwrite=True)
    coef = fac.coef(y)
    resid = y - x @ coef[1:] - coef[0]
    return float(resid @ resid), fac.rank


class FixedEffects(_StaticModel):
    r"""Fixed effects (within) estimator with entity, time or two-way effects.

    .. math:: \ddot y_{it} = \ddot x_{it}^\prime\beta + \ddot\varepsilon_{it}

    where the double dot is the within transformation for the chosen effects.

    Parameters
    ----------
    spec : FormulaSpec
    panel : PanelData
    effects : {"entity", "time", "twoways"}, optional
        Effects to sweep out, in addition to the ``C(entity)`` / ``C(time)`` terms and
        ``| entity + time`` parts of the formula.  When neither names any effect: ``"entity"``
        (as plm's default ``effect = "individual"`` and Stata's ``xtreg, fe``).  Any other
        column after ``|`` is absorbed too (``| id + year + industry``), and ``a:b`` absorbs
        one effect per combination (``| id + province:year``, fixest's ``province^year``).
    singletons : {"drop", "keep"}
        Rows alone in a level of an absorbed effect (found iteratively) fit perfectly and
        change no coefficient, but count in ``n`` and the clusters of the small-sample
        factors.  ``"keep"`` (default) keeps them, as R plm and Stata ``xtreg`` do, so the
        numbers match those references; ``"drop"`` (reghdfe, fixest) removes them, counts
        them on ``result.dropped`` and warns.

    Notes
    -----
    No intercept is reported (plm convention).  ``diagnostics["F effects"]`` is the F test
    that all effects are zero against pooled OLS with an intercept (plm ``pFtest``).
    The effects are swept out by :class:`~stfi_models.models.absorb.AbsorbedEffects` (exact
    Frisch-Waugh-Lovell on the level counts, no dummy matrix); ``info["n_absorbed"]`` is their
    rank (levels minus redundant ones), ``info["n_singletons"]`` the rows dropped as singletons.
    Absorbed effects never enter the ``k`` of the default small-sample factors
    (``count_effects="none"``, plm); reghdfe and fixest's default leave out only the effects
    nested in the cluster variable (entity effects with entity clusters), and count the others.

    Examples
    --------
    >>> import stfi_models as sm
    >>> res = sm.fit("n ~ w + k + ys + C(id) + C(year)", sm.load_abdata(),
    ...              entity="id", time="year", vcov="cluster")
    """

    name = "fe"
    title = "Fixed effects (within)"
    _absorb = True

    def __init__(self, spec: FormulaSpec, panel: PanelData, *, effects: str | None = None,
                 singletons: str = "keep") -> None:
        super().__init__(spec, panel)
        check_choice("singletons", singletons, SINGLETONS)
        chosen = set(self.design.absorbed)
        if effects is not None:
            check_choice("effects", effects, EFFECTS)
            chosen |= {"entity", "time"} if effects == "twoways" else {effects}
        if not chosen and not self.design.absorbed_columns:
            chosen = {"entity"}
        self.effects: tuple[str, ...] = tuple(e for e in ("entity", "time") if e in chosen)
        self.n_singletons = 0
        if singletons == "drop":
            self._drop_singletons(singleton_rows(self._effect_codes()))
        self._absorbed = AbsorbedEffects(self._effect_codes())

    def _effect_codes(self) -> tuple[np.ndarray, ...]:
        """Integer codes of every absorbed effect on the sample rows."""
        codes = [{"entity": self._entity, "time": self._time}[e] for e in self.effects]
        frame, rows = self.design.frame, self.design.rows
        for name in self.design.absorbed_columns:  # a column or an interaction a:b
            combined = np.zeros(rows.size, dtype=np.int64)
            for part in name.split(":"):
                level, uniques = pd.factorize(frame[part].to_numpy()[rows])
                combined = pd.factorize(combined * len(uniques) + level)[0]
            codes.append(combined)
        return tuple(codes)

    @property
    def _names_absorbed(self) -> tuple[str, ...]:
        """``"entity"``, ``"time"`` and the absorbed columns (``info["effects"]``)."""
        return self.effects + self.design.absorbed_columns

    @property
    def _effect_labels(self) -> list[str]:
        """How the summary and messages name each absorbed effect."""
        keys = {"entity": f"entity ({self.panel.entity})", "time": f"time ({self.panel.time})"}
        return [keys[e] for e in self.effects] + list(self.design.absorbed_columns)

    def _drop_singletons(self, lone: np.ndarray) -> None:
        """Remove the singleton rows from the design, count them and warn."""
        if not lone.any():
            return
        design, keep = self.design, ~lone
        self.n_singletons = int(lone.sum())
        old = design.dropped
        lost = old.index.append(design.y.index[lone]) if old.index is not None else None
        keys = ", ".join(self._effect_labels)
        dropped = Dropped(
            old.n + self.n_singletons, old.nobs_total,
            {**old.by_variable, f"singletons of {keys}": self.n_singletons}, lost,
            f"{old.reason} and singleton fixed-effect levels" if old.n else
            "singleton fixed-effect levels",
        )
        self.design = replace(design, y=design.y.iloc[keep], x=design.x.iloc[keep],
                              rows=design.rows[keep], dropped=dropped)
        self._entity = dense_codes(self._entity[keep])[0]
        self._time = dense_codes(self._time[keep])[0]
        if self.design.y.empty:
            raise EstimationError(
                f"Every row is a singleton of {keys}: no level is observed twice. Use "
                "singletons='keep' (the fit is then exact) or a coarser effect."
            )
        warnings.warn(
            f"{self.n_singletons} singleton rows dropped (alone in a level of {keys}; they "
            "fit perfectly and change no coefficient, as reghdfe and fixest drop them). The "
            "count is on result.dropped; singletons='keep' keeps them (as R plm).",
            MissingValueWarning, stacklevel=4,
        )

    def _estimate(self) -> _Estimate:
        x = self.design.x.drop(columns="Intercept", errors="ignore")
        names = list(x.columns)
        y = self._y
        if not names:
            raise EstimationError(
                f"The fixed-effects model '{self.spec.text}' has no regressor left after "
                "absorbing the effects."
            )
        values = x.to_numpy()
        # pooled OLS for the F test first: its n x k buffer is gone before the sweep's arrive
        ssr_p, rank_p = _pooled_fit(values, y)
        swept = np.empty((len(y), len(names) + 1), order="F")  # columns contiguous
        swept[:, 0], swept[:, 1:] = y, values
        swept, absorbed = self._absorbed.sweep(swept, overwrite=True), self._absorbed.rank
        yw, xw = swept[:, 0], swept[:, 1:]
        effects_text = " + ".join(self._effect_labels)
        where = f"after the within transformation ({effects_text})"
        self._too_few(len(y), len(names), absorbed)
        fac = _check_rank(xw, names, where, before=values,
                          vanish_hint=" (it is constant within the absorbed effects)")
        coef = fac.coef(yw)
        resid = yw - xw @ coef
        index = self.design.y.index
        rsq = {"within": _r2(resid, yw)}
        if self.effects == ("entity",) and not self.design.absorbed_columns:
            rsq.update({k: v for k, v in _stata_r2(y, values @ coef, self._entity).items()
                        if k != "within"})
        n, k = len(y), len(names)
        ssr = float(resid @ resid)
        df2 = n - k - absorbed
        df1 = (n - rank_p) - df2
        fstat = (ssr_p - ssr) / df1 / (ssr / df2)
        ftest = TestResult(
            stat=float(fstat), pvalue=float(stats.f.sf(fstat, df1, df2)),
            df=(float(df1), float(df2)), name="F test for " + " + ".join(self._names_absorbed)
            + " effects", dist="F", null="all absorbed effects are zero (pooled OLS suffices)",
        )
        return _Estimate(
            params=_series(coef, pd.Index(names), "params"),
            reg=self._regression(xw, resid, fac, absorbed,
                                 sweep=self._absorbed.sweep),  # no cycle to self
            resid=_series(resid, index, "resid"),
            fitted=_series(y - resid, index, "fitted"),
            rsquared=rsq,
            n_entities=int(self._entity.max()) + 1,
            diagnostics={"F effects": ftest},
            info={"effects": self._names_absorbed, "n_absorbed": absorbed,
                  "n_singletons": self.n_singletons,
                  "summary_header": (("Effects", effects_text),),
                  "summary_footer": ("No intercept reported: it is absorbed by the effects.",)},
        )
