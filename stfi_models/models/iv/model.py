r"""Instrumental-variables regression with absorbed effects: 2SLS, two-step GMM, LIML.

.. math::

    y_{it} = x_{1,it}^\prime\beta_1 + x_{2,it}^\prime\beta_2 + \alpha_i + \gamma_t
    + \varepsilon_{it}, \qquad E[z_{it}\varepsilon_{it}] = 0,\; z = (x_1, z_2),

written the fixest way, ``y ~ x1 + [x2 ~ z1 + z2] | province + year`` (or with
``C(province)``; without effects the intercept stays).  The effects are swept out of every
variable by the exact within transformation of :class:`~stfi_models.models.static.FixedEffects`
(Frisch-Waugh-Lovell: the k-class estimates equal those with the effects as dummies), then
:mod:`~stfi_models.models.iv.algebra` estimates and
:mod:`~stfi_models.models.iv.identification` tests the instruments.

Covariance conventions (``vcov`` x ``small``), those of ivreg2 / ivreghdfe and linearmodels:

========== ============================== ==============================================
vcov       ``small=False`` (default)        ``small=True``
========== ============================== ==============================================
unadjusted :math:`\hat\sigma^2 = e'e/n`, z   :math:`e'e/(n-K-a)`, t(n-K-a)
robust     HC0, z                           HC0 x n/(n-K-a), t(n-K-a)
cluster    no factor, z                     x (n-1)/(n-K-a) G/(G-1), t(n-K-a)
========== ============================== ==============================================

``K`` counts the regressors, ``a`` the absorbed effects (as ivreg2 with dummies, areg and
linearmodels with dummies; ivreghdfe leaves out effects nested in the clusters).  The
instrument diagnostics never use these factors (ivreg2).

References
----------
Baum, C. F., Schaffer, M. E. & Stillman, S. (2007). Enhanced routines for instrumental
variables/GMM estimation and testing. Stata Journal 7(4), 465-506.
Correia, S. (2018). IVREGHDFE: Stata module for extended instrumental variable regressions
with multiple levels of fixed effects. SSC S458530.
Anderson, T. W. & Rubin, H. (1949). Annals of Mathematical Statistics 20(1), 46-63.
Hansen, L. P. (1982). Econometrica 50(4), 1029-1054.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from stfi_models.exceptions import (
    EstimationError,
    SpecificationError,
    check_choice,
    check_kwargs,
    did_you_mean,
)
from stfi_models.formula.design import Design, absorbed_key, build_design
from stfi_models.formula.spec import FormulaSpec, Term
from stfi_models.models.absorb import AbsorbedEffects
from stfi_models.models.base import PanelModel
from stfi_models.models.iv.algebra import (
    Fit,
    IVArrays,
    gmm,
    is_singular,
    kclass,
    liml_kappa,
    moment_cov,
    score_cov,
)
from stfi_models.models.iv.identification import (
    Partialled,
    endogeneity_test,
    first_stage,
    overid_test,
    rank_tests,
)
from stfi_models.models.iv.stock_yogo import stock_yogo
from stfi_models.models.static.base import _check_rank
from stfi_models.panel import PanelData
from stfi_models.results.result import Result

__all__ = ["IVModel", "METHODS", "IV_VCOV"]

METHODS = ("2sls", "gmm", "liml")
IV_VCOV = ("unadjusted", "robust", "cluster")
_TITLES = {"2sls": "IV two-stage least squares", "gmm": "IV two-step efficient GMM",
           "liml": "IV limited-information maximum likelihood"}


def _columns(spec: FormulaSpec, terms: tuple[Term, ...], panel: PanelData) -> list[str]:
    """Column names the terms expand to (patsy's names, as in the joint design)."""
    if not terms:
        return []
    part = FormulaSpec(spec.text, spec.lhs, terms)
    x = build_design(part, panel, absorb=True, warn=False).x
    return [c for c in x.columns if c != "Intercept"]


class IVModel(PanelModel):
    r"""Linear IV regression with absorbed effects (``model="iv"``).

    Parameters
    ----------
    spec : FormulaSpec
        A formula with an ``[endog ~ instruments]`` part.
    panel : PanelData
    method : {"2sls", "gmm", "liml"}
        Two-stage least squares, two-step efficient GMM (weight from the 2SLS residuals,
        robust or clustered as ``vcov`` says) or LIML.

    Notes
    -----
    ``diagnostics`` holds ``underid`` (Kleibergen-Paap rk LM; Anderson LM when unadjusted),
    ``rk_wald`` (Kleibergen-Paap rk Wald; Cragg-Donald when unadjusted), ``overid`` (Hansen J;
    Sargan when unadjusted; only when overidentified) and ``endogeneity`` (C test).
    ``info["first_stage"]`` is the first-stage table, ``info["weak_id_f"]`` the rk Wald F
    (Cragg-Donald F when unadjusted) and ``info["stock_yogo"]`` its critical values.

    Examples
    --------
    >>> import stfi_models as sm
    >>> res = sm.fit("n ~ k + [w ~ ys + L(ys, 1)] | id + year", sm.load_abdata(),
    ...              entity="id", time="year", vcov="cluster")
    >>> round(float(res.params["w"]), 4), res.info["instruments"]
    (0.2239, ('ys', 'L1.ys'))
    """

    name = "iv"

    def __init__(self, spec: FormulaSpec, panel: PanelData, *, method: str = "2sls") -> None:
        super().__init__(spec, panel)
        self.method = check_choice("method", method, METHODS)
        if spec.endogenous is None:
            raise SpecificationError(
                f"model='iv' needs an instrumental-variables part in the formula, e.g. "
                f"'y ~ x + [endog ~ z1 + z2] | entity + time'; '{spec.text}' has none."
            )
        if spec.is_system or spec.instruments or spec.extra_parts:
            raise SpecificationError(
                "model='iv' takes one dependent variable and instruments only in its "
                f"[endog ~ instruments] part; remove the other parts from '{spec.text}'."
            )
        endo = spec.endogenous
        joint = FormulaSpec(spec.text, spec.lhs,
                            spec.rhs + endo.endogenous + endo.instruments, effects=spec.effects)
        self.design: Design = build_design(joint, panel, absorb=True)
        exog_terms = tuple(t for t in spec.rhs if not absorbed_key(t, panel))
        self.exog = _columns(spec, exog_terms, panel)
        if self.design.has_intercept and not self.design.absorbed:
            self.exog = ["Intercept", *self.exog]
        self.endog = _columns(spec, endo.endogenous, panel)
        self.instruments = _columns(spec, endo.instruments, panel)
        self._check_roles()
        index = self.design.y.index
        self._entity = pd.factorize(index.get_level_values(0), sort=True)[0]
        self._time = pd.factorize(index.get_level_values(1), sort=True)[0]

    def _check_roles(self) -> None:
        endo = self.spec.endogenous
        for name in self.endog:
            if name in self.exog:
                raise SpecificationError(
                    f"'{name}' is both an exogenous regressor and endogenous in {endo.text}; "
                    "list it once, inside the bracket if it is endogenous."
                )
        for name in self.instruments:
            if name in self.exog:
                raise SpecificationError(
                    f"Instrument '{name}' in {endo.text} is also an exogenous regressor; "
                    "exogenous regressors instrument themselves already. Remove it from the "
                    "bracket."
                )
            if name in self.endog:
                raise SpecificationError(
                    f"'{name}' in {endo.text} is endogenous and its own instrument; an "
                    "instrument must be excluded from the equation. Remove it from the right "
                    "of '~'."
                )
        if len(self.instruments) < len(self.endog):
            raise SpecificationError(
                f"{endo.text} has {len(self.instruments)} excluded instrument(s) "
                f"({', '.join(self.instruments)}) for {len(self.endog)} endogenous "
                f"regressor(s) ({', '.join(self.endog)}): the equation is underidentified. "
                "Add instruments right of '~' (at least one per endogenous regressor)."
            )

    # ------------------------------------------------------------------ data
    @cached_property
    def _arrays(self) -> tuple[IVArrays, int]:
        design = self.design
        x = design.x
        effects = tuple(e for e in ("entity", "time") if e in design.absorbed)
        cols = [*self.exog, *self.endog, *self.instruments]
        raw = np.column_stack([design.y.iloc[:, 0].to_numpy(float), x[cols].to_numpy(float)])
        if effects:
            sweeper = AbsorbedEffects([{"entity": self._entity, "time": self._time}[e]
                                       for e in effects])
            swept, absorbed = sweeper.sweep(raw), sweeper.rank
        else:
            swept, absorbed = raw, 0
        k1, k2 = len(self.exog), len(self.endog)
        where = "after absorbing the effects" if effects else "on the sample"
        hint = " (it is constant within the absorbed effects)"
        _check_rank(swept[:, 1:1 + k1 + k2], [*self.exog, *self.endog],
                    f"of the regressors {where}", before=raw[:, 1:1 + k1 + k2],
                    vanish_hint=hint)
        _check_rank(np.column_stack([swept[:, 1:1 + k1], swept[:, 1 + k1 + k2:]]),
                    [*self.exog, *self.instruments], f"of the instruments {where}",
                    before=np.column_stack([raw[:, 1:1 + k1], raw[:, 1 + k1 + k2:]]),
                    vanish_hint=hint)
        n, n_inst = len(raw), k1 + len(self.instruments) + absorbed
        if n - n_inst - k2 <= 0 or n - k1 - k2 - absorbed <= 0:
            raise EstimationError(
                f"Too few rows for model='iv': {n} rows for {k1 + k2} coefficients, "
                f"{len(self.instruments)} excluded instruments and {absorbed} absorbed effects."
            )
        arrays = IVArrays(swept[:, 0], swept[:, 1:1 + k1], swept[:, 1 + k1:1 + k1 + k2],
                          swept[:, 1 + k1 + k2:])
        return arrays, absorbed

    def _codes(self, cluster: str | None) -> tuple[np.ndarray, str]:
        keys = {"entity": self._entity, self.panel.entity: self._entity,
                "time": self._time, self.panel.time: self._time}
        name = "entity" if cluster is None else cluster
        if name in keys:  # labelled "entity"/"time" as the static models' footers
            return keys[name], "entity" if keys[name] is self._entity else "time"
        frame = self.panel.frame
        if name not in frame.columns:
            raise SpecificationError(
                f"cluster={name!r} is neither 'entity', 'time' nor a column of the data."
                f"{did_you_mean(str(name), ['entity', 'time', *map(str, frame.columns)])}"
            )
        values = frame[name].to_numpy()[self.design.rows]
        if pd.isna(values).any():
            raise SpecificationError(
                f"Cluster column '{name}' is missing on {int(pd.isna(values).sum())} rows of the "
                "estimation sample; fill it or drop those rows."
            )
        return pd.factorize(values, sort=True)[0], name

    # ------------------------------------------------------------------ fit
    def fit(self, *, vcov: str = "unadjusted", cluster: str | None = None,
            small: bool = False) -> Result:
        """Estimate and return a :class:`~stfi_models.results.Result`.

        Parameters
        ----------
        vcov : {"unadjusted", "robust", "cluster"}
            Covariance of the coefficients; also the weight of two-step GMM and the
            covariance of the instrument diagnostics.
        cluster : str, optional
            For ``vcov="cluster"``: ``"entity"`` (default), ``"time"`` or a column.
        small : bool
            ivreg2's ``small``: the small-sample factors of the table above and t/F
            inference on ``n - K - a`` degrees of freedom.
        """
        vcov = check_choice("vcov", vcov, IV_VCOV)
        if cluster is not None and vcov != "cluster":
            raise SpecificationError(
                f"cluster={cluster!r} applies to vcov='cluster' only; pass vcov='cluster'.")
        if not isinstance(small, bool):
            raise SpecificationError(f"small must be True or False, got {small!r}.")
        codes, label = self._codes(cluster) if vcov == "cluster" else (None, "")
        n_clusters = None if codes is None else int(codes.max()) + 1
        if n_clusters is not None and n_clusters < 2:
            raise EstimationError(
                f"cluster={cluster!r} leaves {n_clusters} cluster; clustering needs at least 2.")
        a, absorbed = self._arrays
        robust = vcov != "unadjusted"
        first = kclass(a)
        if self.method == "2sls":
            est = first
        elif self.method == "liml":
            est = kclass(a, liml_kappa(a))
        else:
            s = moment_cov(a.z, first.resid, codes, robust)
            if is_singular(s):
                raise EstimationError(
                    f"The covariance of the {s.shape[0]} moment conditions is singular "
                    f"({n_clusters} clusters): two-step GMM cannot weight them. Use "
                    "method='2sls', or cluster on a column with more groups than instruments.")
            est = gmm(a, np.linalg.inv(s))
        n, k = a.y.size, a.x.shape[1]
        df_resid = n - k - absorbed
        cov = self._cov(est, a, codes, robust, small, df_resid)
        names = pd.Index([*self.exog, *self.endog])
        p = Partialled.of(a, absorbed)
        ranks = rank_tests(p, codes, robust)
        diagnostics = {"underid": ranks["underid"], "rk_wald": ranks["rk_wald"]}
        overid = overid_test(a, est.resid, first.resid, codes, robust)
        if overid is not None:
            diagnostics["overid"] = overid
        endogeneity = endogeneity_test(a, codes, robust)
        if endogeneity is not None:
            diagnostics["endogeneity"] = endogeneity
        index = self.design.y.index
        resid = pd.Series(est.resid, index=index, name="resid")
        tss = float(a.y @ a.y) if absorbed else float(((a.y - a.y.mean()) ** 2).sum())
        vcov_type = {"unadjusted": "unadjusted", "robust": "robust (heteroskedasticity)",
                     "cluster": f"cluster ({label}; G = {n_clusters})"}[vcov]
        return Result(
            params=pd.Series(est.params, index=names, name="params"),
            cov=pd.DataFrame(cov, index=names, columns=names),
            model=self.name,
            formula=self.spec.text,
            dependent=str(self.design.y.columns[0]),
            nobs=n,
            n_entities=int(self._entity.max()) + 1,
            df_resid=float(df_resid) if small else None,
            vcov_type=vcov_type,
            vcov_note=self._note(vcov, small, df_resid),
            resid=resid,
            fitted=pd.Series(self.design.y.iloc[:, 0].to_numpy(float) - est.resid, index=index,
                             name="fitted"),  # y - e in levels, as the FE model
            rsquared={"within" if absorbed else "r2": 1.0 - float(est.resid @ est.resid) / tss},
            diagnostics=diagnostics,
            dropped=self.design.dropped,
            balance=PanelData(index.to_frame(index=False), self.panel.entity,
                              self.panel.time).balance,
            info=self._info(est, ranks["weak_id_f"], p, codes, robust, absorbed),
            title=_TITLES[self.method],
            _revcov=self._revcov,
        )

    def _revcov(self, vcov: str, **options: Any) -> Result:
        check_kwargs("with_vcov", options, ("cluster", "small"))
        return self.fit(vcov=vcov, **options)

    @staticmethod
    def _cov(est: Fit, a: IVArrays, codes: np.ndarray | None, robust: bool, small: bool,
             df_resid: int) -> np.ndarray:
        n = a.y.size
        if df_resid <= 0:
            raise EstimationError(f"No residual degrees of freedom (n - K - a = {df_resid}).")
        if not robust:
            s2 = float(est.resid @ est.resid) / (df_resid if small else n)
            meat = s2 * (est.scores.T @ est.scores) if est.weight is not None else None
        else:
            meat = score_cov(est.scores, est.resid, codes)
            if small:
                g = None if codes is None else int(codes.max()) + 1
                meat *= (n / df_resid if g is None else (n - 1) / df_resid * g / (g - 1))
        bread_inv = np.linalg.inv(est.bread)
        if est.weight is not None:  # GMM: the moments' covariance enters through X'Z W
            xzw = a.x.T @ a.z @ est.weight
            cov = bread_inv @ xzw @ meat @ xzw.T @ bread_inv
        elif meat is None:
            cov = s2 * bread_inv
        else:
            cov = bread_inv @ meat @ bread_inv
        return (cov + cov.T) / 2

    @staticmethod
    def _note(vcov: str, small: bool, df_resid: int) -> str:
        if not small:
            what = {"unadjusted": "sigma^2 = e'e/n", "robust": "HC0",
                    "cluster": "no G/(G-1) or (n-1)/(n-K) factor"}[vcov]
            return (f"small=False: {what}, z inference (ivreg2's and linearmodels' default; "
                    "small=True for Stata's small-sample factors)")
        factor = {"unadjusted": "sigma^2 = e'e/(n-K-a)", "robust": "n/(n-K-a)",
                  "cluster": "(n-1)/(n-K-a) * G/(G-1)"}[vcov]
        return f"small=True: {factor}, t({df_resid}); K counts all absorbed effects"

    def _info(self, est: Fit, weak_f: float, p: Partialled, codes: np.ndarray | None,
              robust: bool, absorbed: int) -> dict[str, Any]:
        table = first_stage(p, self.endog, self.instruments, codes, robust)
        critical = stock_yogo(len(self.endog), len(self.instruments))
        f_name = "Kleibergen-Paap rk Wald F" if robust else "Cragg-Donald Wald F"
        footer = [f"Weak identification: {f_name} = {weak_f:.4f}"
                  + (f" (Stock-Yogo 10% maximal size: {critical['size 10%']:.2f})"
                     if "size 10%" in critical else "")]
        for name, group in table.groupby("endogenous", sort=False):
            row = group.iloc[0]
            footer.append(f"First stage {name}: partial R2 = {row['partial_r2']:.4f}, "
                          f"F({row['f_df1']:g}, {row['f_df2']:g}) = {row['f_stat']:.4f}")
        return {
            "method": self.method,
            "kappa": est.kappa,
            "endogenous": tuple(self.endog),
            "instruments": tuple(self.instruments),
            "effects": tuple(e for e in ("entity", "time") if e in self.design.absorbed),
            "n_absorbed": absorbed,
            "first_stage": table,
            "weak_id_f": weak_f,
            "stock_yogo": critical,
            "summary_header": (("Method", self.method), ("Instruments (excluded)",
                                                         ", ".join(self.instruments))),
            "summary_footer": tuple(footer),
        }
