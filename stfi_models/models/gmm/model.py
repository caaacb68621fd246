"""Difference and system GMM estimators: the model classes and their fit.

This module's one job is the model layer of the family: :class:`DiffGMM` and
:class:`SystemGMM` validate their options and build the stacked equations at construction
(:func:`~stfi_models.models.gmm.system.build_system`), and ``fit`` runs one-step, two-step or
iterated GMM (:func:`engine.gmm_fit`), picks the covariance (cluster-robust, Windmeijer
2005, or non-robust; xtabond2's ``small`` factor) and returns a :class:`GmmResult` with the
specification tests of :mod:`stfi_models.models.gmm.diagnostics`.  The formula syntax and the
conventions are described in :mod:`stfi_models.models.gmm`.

References
----------
Arellano, M. and Bond, S. (1991). *Review of Economic Studies* 58: 277-297.
Blundell, R. and Bond, S. (1998). *Journal of Econometrics* 87: 115-143.
Windmeijer, F. (2005). *Journal of Econometrics* 126: 25-51.
Roodman, D. (2009). How to do xtabond2. *Stata Journal* 9(1): 86-136.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from stfi_models.exceptions import (
    SpecificationError,
    SpecificationWarning,
    check_choice,
    check_kwargs,
)
from stfi_models.formula.spec import FormulaSpec
from stfi_models.models import lstsq
from stfi_models.models.base import PanelModel
from stfi_models.models.gmm import engine as ge
from stfi_models.models.gmm.diagnostics import gmm_diagnostics, small_sample_factor
from stfi_models.models.gmm.instruments import warn_uninstrumented
from stfi_models.models.gmm.results import GmmResult, residual_series, summary_info
from stfi_models.models.gmm.system import build_system
from stfi_models.panel import BalanceInfo, PanelData

__all__ = ["DiffGMM", "SystemGMM"]

_STEPS = (1, 2, "iterated")
_VCOV = ("robust", "unadjusted")
_TRANSFORMS = ("fd", "fod")


class _DynamicPanelGMM(PanelModel):
    """Shared implementation of :class:`DiffGMM` and :class:`SystemGMM`."""

    name: ClassVar[str] = ""
    system: ClassVar[bool] = False

    def __init__(
        self,
        spec: FormulaSpec,
        panel: PanelData,
        *,
        transform: Literal["fd", "fod"] = "fd",
        h: int = 3,
        ar_order: int = 2,
        warn: bool = True,
    ) -> None:
        super().__init__(spec, panel)
        self.transform = check_choice("transform", transform, _TRANSFORMS)
        self.h = check_choice("h", h, (1, 2, 3))
        if not isinstance(ar_order, int) or ar_order < 1:
            raise SpecificationError(f"ar_order must be a positive integer, got {ar_order!r}.")
        self.ar_order = ar_order
        self.gsys, self.design = build_system(
            spec, panel, system=self.system, transform=transform, h=h, warn=warn
        )
        g = self.gsys
        if warn:
            warn_uninstrumented(spec, g.time_key)
        if g.z.shape[1] > g.n_entities and warn:
            warnings.warn(
                f"{g.z.shape[1]} instruments for {g.n_entities} entities: more instruments than "
                "groups over-fit the endogenous variables and weaken the Hansen test (Roodman "
                "2009). Reduce them with gmm(..., collapse=True) or a lag limit such as "
                "gmm(n, 2:4).",
                SpecificationWarning,
                stacklevel=3,
            )

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        *,
        steps: Literal[1, 2, "iterated"] = 2,
        vcov: Literal["robust", "unadjusted"] = "robust",
        small: bool = False,
        sigma2_df: Literal["n", "n-k"] = "n",
    ) -> GmmResult:
        """Estimate by one-step, two-step or iterated GMM.

        Parameters
        ----------
        steps : {1, 2, "iterated"}
        vcov : {"robust", "unadjusted"}
            ``"robust"``: one-step cluster-robust sandwich, two-step Windmeijer (2005),
            iterated: efficient-GMM covariance at the last weight.  ``"unadjusted"``:
            one-step ``sigma2 (X'ZW_1Z'X)^{-1}``, two-step ``(X'ZW_2Z'X)^{-1}`` (the SEs
            Arellano-Bond 1991 print).
        small : bool
            xtabond2's small-sample correction: covariance times
            :func:`small_sample_factor`, t (df ``N-1``) and F tests.
        sigma2_df : {"n", "n-k"}
            Divisor of the one-step error variance in the non-robust covariance: xtabond2's
            ``SSR/(2n)`` (``"n"``) or that times ``n/(n-k)`` (``"n-k"``, Stata xtabond).
            The same variance scales the Sargan statistic (``"n"``: xtabond2's 67.59 for
            Arellano-Bond column a1; ``"n-k"``: gretl/DPD's 73.858 for column b).

        Returns
        -------
        GmmResult
        """
        check_choice("steps", steps, _STEPS)
        check_choice("vcov", vcov, _VCOV)
        check_choice("sigma2_df", sigma2_df, ("n", "n-k"))
        g = self.gsys
        n, k, n_groups = g.nobs, g.x.shape[1], g.n_entities
        sig_factor = n / (n - k) if sigma2_df == "n-k" else 1.0
        fitres = ge.gmm_fit(g.y, g.x, g.z, g.entity, g.h, steps=steps, n_entities=n_groups,
                            sigma2=self._sigma2, sargan_scale=sig_factor,
                            names=list(g.x_names))
        robust = vcov == "robust"
        if steps == 1:
            cov = fitres.cov["onestep_robust"] if robust else fitres.cov["onestep"] * sig_factor
            label = "cluster-robust (entity), one-step" if robust else "one-step, non-robust"
            a_use, w_use = fitres.a1, fitres.w1
        elif steps == 2:
            cov = fitres.cov["windmeijer"] if robust else fitres.cov["twostep"]
            label = ("Windmeijer (2005) corrected, two-step" if robust
                     else "two-step, non-robust")
            a_use, w_use = fitres.a2, fitres.w2
        else:
            cov = fitres.cov["iterated"]
            label = "iterated GMM (efficient-GMM covariance at the last weight)"
            gi = ge.entity_sums(g.z, g.entity, n_groups, weights=fitres.resid)
            size = lstsq.column_scale(gi)  # the generalised inverse, judged unit-free
            w_use = np.linalg.pinv((gi / size).T @ (gi / size), hermitian=True) / np.outer(
                size, size)
            a_use = cov
        note = ""
        ar_cov = cov  # xtabond2's AR tests use the covariance before the small-sample factor
        if small:
            factor = small_sample_factor(n_groups, n, k)
            cov = cov * factor
            note = f"small-sample factor (N/(N-1)) n/(n-k+1) = {factor:.6f}"
        names = list(g.x_names)
        diagnostics = gmm_diagnostics(g, fitres, cov=cov, ar_cov=ar_cov, a_use=a_use,
                                      w_use=w_use, steps=steps, vcov=vcov, small=small,
                                      sigma2_df=sigma2_df, ar_order=self.ar_order)
        resid, fitted = residual_series(g, fitres.resid, self.panel.entity, self.panel.time)
        rows = ~g.is_diff if self.system else g.is_diff
        counts = np.bincount(g.entity[rows], minlength=n_groups)
        balance = BalanceInfo(
            n_entities=n_groups, n_periods=int(np.unique(g.time[rows]).size), nobs=n,
            t_min=int(counts.min()), t_mean=float(counts.mean()), t_max=int(counts.max()),
            balanced=bool(counts.min() == counts.max()),
            entities_with_gaps=self.panel.balance.entities_with_gaps,
        )
        kind = {1: "one-step", 2: "two-step", "iterated": "iterated"}[steps]
        return GmmResult(
            params=pd.Series(fitres.params, index=names, name="params"),
            cov=pd.DataFrame(cov, index=names, columns=names),
            model=self.name, formula=self.spec.text, dependent=self.design.y.columns[0],
            nobs=n, n_entities=n_groups, df_resid=float(n_groups - 1) if small else None,
            vcov_type=label, vcov_note=note, resid=resid, fitted=fitted,
            diagnostics=diagnostics,
            dropped=dataclasses.replace(self.design.dropped,
                                        reason="missing values or unavailable lags"),
            balance=balance, info=summary_info(g, fitres, steps, counts),
            title=f"{'System' if self.system else 'Difference'} GMM ({kind})",
            _revcov=self._refit_with(steps, small, sigma2_df),
        )

    def _sigma2(self, u1: np.ndarray) -> float:
        """xtabond2's error variance: transformed-equation SSR / (d * n).

        ``d = 2`` for first differences (Var Δε = 2σ²), 1 for orthogonal deviations, and
        ``n`` the reported observation count (transformed rows in difference GMM, levels
        rows in system GMM).  This gives xtabond2's Sargan for Arellano-Bond a1 (67.59) and
        for the Blundell-Bond h(3) system (186.90).
        """
        g = self.gsys
        d = g.is_diff
        return float(u1[d] @ u1[d]) / ((2.0 if g.transform == "fd" else 1.0) * g.nobs)

    def _refit_with(self, steps, small, sigma2_df):
        def refit(vcov: str, **options: Any) -> GmmResult:
            check_kwargs("with_vcov", options, ("small", "sigma2_df"))
            return self.fit(steps=steps, vcov=vcov, small=options.get("small", small),
                            sigma2_df=options.get("sigma2_df", sigma2_df))

        return refit


class DiffGMM(_DynamicPanelGMM):
    """Arellano-Bond (1991) difference GMM (xtabond2 ``noleveleq``; plm ``pgmm(..., "d")``).

    Parameters
    ----------
    spec : FormulaSpec
        ``y ~ L(y, 1:p) + x + C(time) | gmm(y, 2:.) + iv(x)``.
    panel : PanelData
    transform : {"fd", "fod"}
        First differences or forward orthogonal deviations (xtabond2 ``orthogonal``).
    ar_order : int
        Highest order of the Arellano-Bond AR tests.
    warn : bool
        Warnings for missing values and too many instruments.

    Examples
    --------
    >>> import stfi_models as sm
    >>> ab = sm.load_abdata()  # doctest: +SKIP
    >>> res = sm.fit("n ~ L(n, 1:2) + L(w, 0:1) + k + L(ys, 0:1) + C(year) "
    ...              "| gmm(n, 2:.) + iv(L(w, 0:1), k, L(ys, 0:1))", ab, entity="id",
    ...              time="year", model="diff-gmm", steps=2)  # doctest: +SKIP
    """

    name: ClassVar[str] = "diff-gmm"
    system: ClassVar[bool] = False

    def __init__(
        self,
        spec: FormulaSpec,
        panel: PanelData,
        *,
        transform: Literal["fd", "fod"] = "fd",
        ar_order: int = 2,
        warn: bool = True,
    ) -> None:
        super().__init__(spec, panel, transform=transform, ar_order=ar_order, warn=warn)


class SystemGMM(_DynamicPanelGMM):
    """Blundell-Bond (1998) system GMM (xtabond2 default; plm ``transformation="ld"``).

    Parameters
    ----------
    spec, panel, transform, ar_order, warn
        As in :class:`DiffGMM`.  ``gmm()`` blocks apply to both equations unless they set
        ``eq=``; ``iv()`` blocks too (one column across both equations, as in xtabond2).
    h : {1, 2, 3}
        One-step weighting structure of the stacked system: 3 (xtabond2 default, and plm
        2.6's ``"ld"``), 2 (DPD for Ox), 1 (identity; Blundell and Bond 1998 as published).

    Examples
    --------
    >>> import stfi_models as sm
    >>> ab = sm.load_abdata()  # doctest: +SKIP
    >>> res = sm.fit("n ~ L(n, 1) + L(w, 0:1) + L(k, 0:1) + C(year) "
    ...              "| gmm(n, 2:.) + gmm(w, 2:.) + gmm(k, 2:.)", ab, entity="id",
    ...              time="year", model="sys-gmm", steps=1, small=True)  # doctest: +SKIP
    """

    name: ClassVar[str] = "sys-gmm"
    system: ClassVar[bool] = True

    def __init__(
        self,
        spec: FormulaSpec,
        panel: PanelData,
        *,
        transform: Literal["fd", "fod"] = "fd",
        h: Literal[1, 2, 3] = 3,
        ar_order: int = 2,
        warn: bool = True,
    ) -> None:
        super().__init__(spec, panel, transform=transform, h=h, ar_order=ar_order, warn=warn)
