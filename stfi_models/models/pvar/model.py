"""The panel VAR model: formula reading, validation, fit and assembly of the result.

Job: :class:`PanelVAR` (``model="pvar"``) reads ``"y1 + y2 ~ L(1:p) [+ exog] [| gmm(...)]"``,
checks the options and the data at construction, and ``fit()`` builds the equations
(:mod:`~stfi_models.models.pvar.system`), estimates them by GMM
(:mod:`~stfi_models.models.pvar.estimator`) or by OLS on within-demeaned data, and returns a
:class:`~stfi_models.models.pvar.results.PanelVARResult`.  The model and its conventions are
stated in the package docstring (:mod:`stfi_models.models.pvar`).
"""

from __future__ import annotations

import ast
import warnings
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from stfi_models.exceptions import (
    EstimationError,
    IllConditionedWarning,
    MissingValueWarning,
    SpecificationError,
    SpecificationWarning,
    check_choice,
)
from stfi_models.formula.design import Dropped, build_design
from stfi_models.formula.spec import FormulaSpec
from stfi_models.models import lstsq
from stfi_models.models.base import PanelModel
from stfi_models.models.gmm import engine
from stfi_models.models.pvar.estimator import GINV_RCOND, _Estimate, _gmm_system, _VarState
from stfi_models.models.pvar.results import PanelVARResult
from stfi_models.models.pvar.system import (
    _gmm_blocks,
    _System,
    build_system,
    check_length,
    sample_levels,
    too_short,
)
from stfi_models.panel import PanelData
from stfi_models.results.result import TestResult

TRANSFORMS = ("fod", "fd")
ESTIMATORS = ("gmm", "fe-ols")


class PanelVAR(PanelModel):
    """Panel VAR, ``model="pvar"``: ``"y1 + y2 + y3 ~ L(1:p) [+ exog] [| gmm(a:b, ...)]"``.

    Parameters
    ----------
    spec : FormulaSpec
        Several left-hand variables; right-hand side ``L(1:p)`` (lags of all of them, in
        order ``L1.y1 .. L1.ym, L2.y1 ..``) plus optional exogenous regressors.
    panel : PanelData
    transform : {"fod", "fd"}
        Removal of the fixed effects (ignored by ``estimator="fe-ols"``).
    estimator : {"gmm", "fe-ols"}
        ``"gmm"`` (default) or OLS on within-demeaned data, equation by equation (biased for
        short T -- Nickell 1981 -- offered for teaching comparisons).
    system : bool
        System GMM (Arellano and Bover 1995; Blundell and Bond 1998; R panelvar's
        ``system_instruments=TRUE``): add a levels equation per sample row, instrumented by
        lagged differences, with a constant in each equation (reported as ``Intercept``;
        absent from the transformed equations).  See the package docstring.

    See the package docstring (:mod:`stfi_models.models.pvar`) for the estimator and its
    conventions.

    Examples
    --------
    >>> import stfi_models as sm, pandas as pd                       # doctest: +SKIP
    >>> res = sm.fit("expenditures + revenues + grants ~ L(1)", dahlberg,
    ...              entity="id", time="year", model="pvar")         # doctest: +SKIP
    >>> res.irf(8, kind="orth", ci="mc", draws=500, seed=1).plot()   # doctest: +SKIP
    """

    name = "pvar"

    def __init__(
        self,
        spec: FormulaSpec,
        panel: PanelData,
        *,
        transform: Literal["fod", "fd"] = "fod",
        estimator: Literal["gmm", "fe-ols"] = "gmm",
        system: bool = False,
    ) -> None:
        super().__init__(spec, panel)
        self.transform = check_choice("transform", transform, TRANSFORMS)
        self.estimator = check_choice("estimator", estimator, ESTIMATORS)
        if not isinstance(system, bool | np.bool_):
            raise SpecificationError(f"system must be True or False, got {system!r}.")
        if system and estimator != "gmm":
            raise SpecificationError(
                "system=True adds the levels equations of system GMM; it needs "
                "estimator='gmm' (fe-ols uses no instruments)."
            )
        self.system = bool(system)
        if not spec.is_system:
            raise SpecificationError(
                "A panel VAR needs several left-hand variables joined by '+', e.g. "
                "'y1 + y2 ~ L(1:2)'."
            )
        names = []
        for term in spec.lhs:
            if not isinstance(term.node, ast.Name):
                raise SpecificationError(
                    f"Left-hand side term {term.text!r}: a panel VAR takes plain columns; "
                    "create transformed columns in the data first."
                )
            names.append(term.node.id)
        self.names = tuple(names)
        design = build_design(spec, panel, absorb=False, warn=False)
        self.design = design
        self.p, self.exog = self._read_regressors(design)
        self.blocks = _gmm_blocks(spec, self.names) if estimator == "gmm" else ()
        if estimator == "fe-ols" and spec.instruments:
            raise SpecificationError(
                "estimator='fe-ols' uses no instruments; drop the '| gmm(...)' part or use "
                "estimator='gmm'."
            )
        self._warn_missing()

    # ------------------------------------------------------------------ reading the formula
    def _read_regressors(self, design) -> tuple[int, tuple[str, ...]]:
        columns = [c for c in design.x.columns if c != "Intercept"]
        m = len(self.names)
        p = 0
        while len(columns) >= (p + 1) * m and columns[p * m:(p + 1) * m] == [
            f"L{p + 1}.{v}" for v in self.names
        ]:
            p += 1
        exog = tuple(columns[p * m:])
        stray = [c for c in exog if any(c == f"L{k}.{v}" for v in self.names for k in range(1, 50))]
        if p == 0 or stray:
            raise SpecificationError(
                f"The right-hand side of a panel VAR must start with L(1:p) -- lags 1..p of "
                f"every left-hand variable ({', '.join(self.names)}) -- then exogenous "
                f"regressors. Got columns {columns}. Write e.g. "
                f"'{' + '.join(self.names)} ~ L(1:2) + x'."
            )
        return p, exog

    def _warn_missing(self) -> None:
        frame = self.panel.frame
        cols = list(self.names) + [c for c in self.exog if c in frame.columns]
        bad = frame[cols].isna().any(axis=1)
        if bad.any():
            counts = {c: int(frame[c].isna().sum()) for c in cols if frame[c].isna().any()}
            warnings.warn(
                f"{int(bad.sum())} of {len(frame)} rows have missing values "
                f"({', '.join(f'{k}: {v}' for k, v in counts.items())}); they are left out of "
                "the estimation sample (and of the forward means of orthogonal deviations). "
                "The count is on result.dropped.",
                MissingValueWarning, stacklevel=4,
            )

    # ------------------------------------------------------------------ estimation
    def fit(
        self,
        *,
        steps: Literal[1, 2] = 2,
        rcond: float = GINV_RCOND,
    ) -> PanelVARResult:
        """Estimate the panel VAR.

        Parameters
        ----------
        steps : {1, 2}
            One-step (robust sandwich SEs) or two-step GMM (Windmeijer SEs).
        rcond : float
            Relative tolerance of the Moore-Penrose inverse of the two-step weight
            (default ``sqrt(eps)``, as R panelvar via ``MASS::ginv``; ``0`` = plain inverse).
            With ``system=True`` the tolerance applies to the equilibrated weight
            ``D^{-1/2} S D^{-1/2}`` (``D = diag(S)``), so that it does not depend on units.

        Returns
        -------
        PanelVARResult
        """
        check_choice("steps", steps, (1, 2))
        if not rcond >= 0:
            raise SpecificationError(f"rcond must be >= 0, got {rcond}.")
        if self.estimator == "fe-ols":
            system, est = self._fit_fe_ols()
        else:
            system = build_system(self)
            self._warn_instruments(system)
            est = _gmm_system(system, steps, rcond)
        return self._result(system, est, steps, rcond)

    def _warn_instruments(self, system: _System) -> None:
        n_moments = system.z.shape[1] * len(self.names)
        if n_moments > system.n_entities:
            warnings.warn(
                f"The panel VAR uses {n_moments} moment conditions ({system.z.shape[1]} "
                f"instruments x {len(self.names)} equations) but has only "
                f"{system.n_entities} entities: the two-step weight matrix is singular and "
                "Hansen's J is weak. Use gmm(2:4, collapse=True) (collapse=True and/or a "
                "shorter lag range) to cut the instrument count.",
                SpecificationWarning, stacklevel=3,
            )

    def _fit_fe_ols(self) -> tuple[_System, _Estimate]:
        values, keep = sample_levels(self, self.p, self.p)
        rows = np.flatnonzero(keep)
        check_length(self.panel, self.p, rows)
        m = len(self.names)
        codes = self.panel.entity_codes[rows]
        data = values[rows]
        sums = engine.entity_sums(data, codes, int(codes.max()) + 1)
        counts = np.bincount(codes)
        demeaned = data - (sums / counts[:, None])[codes]
        y, x = demeaned[:, :m], demeaned[:, m:]
        n_ent = int(np.unique(codes).size)
        fac = lstsq.factor(x)  # column-scaled pivoted QR: units cannot fake a rank loss
        if fac.rank < x.shape[1]:
            raise EstimationError(
                "The within-demeaned regressors are collinear (constant over time within "
                "entities, or too many lags for T); drop them or reduce p."
            )
        lstsq.warn_conditioning(fac, self._regressor_names(), "in the within-demeaned lags")
        xtx_inv = fac.gram_inverse()
        coef = fac.coef(y).T
        resid = y - x @ coef.T
        dof = rows.size - n_ent - x.shape[1]
        if dof <= 0:
            too_short(self.panel, self.p)
        sigma = resid.T @ resid / dof
        cov = np.kron(sigma, xtx_inv)
        _, ent = np.unique(codes, return_inverse=True)
        system = _System(y, x, np.zeros((rows.size, 0)), ent, self.panel.time_positions[rows],
                         self.panel.index[rows], n_ent, (), engine.h_identity(rows.size),
                         np.zeros(rows.size, bool))
        return system, _Estimate(coef, cov, resid, sigma,
                                 vcov_type="unadjusted (Sigma ⊗ (X'X)^-1)")

    def _result(self, system: _System, est: _Estimate, steps: int, rcond: float) -> PanelVARResult:
        regs = self._regressor_names()
        index = pd.MultiIndex.from_product([list(self.names), regs],
                                           names=["equation", "regressor"])
        params = pd.Series(est.coef.ravel(), index=index, name="params")
        cov = pd.DataFrame(est.cov, index=index, columns=index)
        trans = system.transformed
        resid = pd.DataFrame(est.resid[trans], index=system.index[trans],
                             columns=list(self.names))
        diagnostics: dict[str, TestResult] = {}
        info: dict[str, Any] = {
            "transform": self.transform if self.estimator == "gmm" else "within",
            "estimator": self.estimator,
            "lags": self.p,
            "exog": self.exog,
            "sigma": pd.DataFrame(est.sigma, index=list(self.names), columns=list(self.names)),
        }
        header = [("Lags", str(self.p)), ("Estimator", self.estimator)]
        footer = []
        if self.estimator == "gmm":
            n_inst = system.z.shape[1]
            df = est.n_moments - est.coef.size
            if est.hansen is not None and df > 0:
                diagnostics["hansen"] = TestResult(
                    est.hansen, float(stats.chi2.sf(est.hansen, df)), df, "Hansen J", "chi2",
                    "the overidentifying restrictions are valid",
                )
            info.update(
                n_instruments=n_inst, n_moments=est.n_moments, steps=steps, rcond=rcond,
                rank_w2=est.rank_w2, instrument_names=system.instrument_names,
                system=self.system, n_level_obs=int(system.level.sum()),
                params_onestep=None if est.coef_onestep is None else pd.Series(
                    est.coef_onestep.ravel(), index=index),
                cov_onestep=None if est.cov_onestep is None else pd.DataFrame(
                    est.cov_onestep, index=index, columns=index),
            )
            header += [("Transform", self.transform.upper()
                        + (" + levels (system GMM)" if self.system else "")),
                       ("Steps", str(steps)),
                       ("Instruments", f"{n_inst} per equation, {est.n_moments} moments")]
            if est.rank_w2 is not None and est.rank_w2 < est.n_moments:
                if not self.system:
                    warnings.warn(
                        f"The two-step weight matrix (sum_i g_i g_i', {est.n_moments} moments) "
                        f"is nearly singular: its Moore-Penrose inverse at rcond={rcond:.3g} "
                        f"(R panelvar's rule) keeps rank {est.rank_w2}, and which directions it "
                        "drops depends on the units of the variables, so rescaling one of "
                        f"{', '.join(self.names)} changes the two-step estimates. Cut the "
                        "instruments (gmm(..., collapse=True) or a shorter lag range) or pass "
                        "rcond=0 for the exact inverse.",
                        IllConditionedWarning, stacklevel=4,
                    )
                footer.append(
                    f"Two-step weight: Moore-Penrose inverse, numerical rank {est.rank_w2} of "
                    f"{est.n_moments} at rcond={rcond:.3g}."
                )
        footer.append("Sigma (for IRF/FEVD) from the transformed residuals; divisor "
                      + ("n - N - K" if self.estimator != "gmm" else
                         "n - K (K without the levels constant)" if self.levels_constant
                         else "n - K")
                      + ".")
        info["summary_header"] = tuple(header)
        info["summary_footer"] = tuple(footer)
        b = self.panel.balance
        return PanelVARResult(
            params=params, cov=cov, model="pvar", formula=self.spec.text,
            dependent=", ".join(self.names), nobs=system.n_obs,
            n_entities=int(system.n_entities), df_resid=None, vcov_type=est.vcov_type,
            vcov_note="", resid=resid, diagnostics=diagnostics, dropped=self._dropped(system),
            balance=b, info=info, title="Panel VAR",
            _var=_VarState(self, system, est, steps, rcond),
        )

    def _dropped(self, system: _System) -> Dropped:
        """Panel rows outside the sample, counted by cause (missing data, lags, transform)."""
        panel = self.panel
        frame = panel.frame
        in_sample = panel.index.isin(system.index)
        cols = list(self.names) + [c for c in self.exog if c in frame.columns]
        missing = frame[cols].isna().any(axis=1).to_numpy() & ~in_sample
        _, has_lags = sample_levels(self, self.p, self.p)
        lags = ~in_sample & ~missing & ~has_lags
        transform = ~in_sample & ~missing & ~lags
        by_variable = {c: int((frame[c].isna().to_numpy() & ~in_sample).sum()) for c in cols
                       if frame[c].isna().any()}
        parts = [f"{int(lags.sum())} without the {self.p} lag(s)"]
        if self.estimator == "gmm":
            how = "a later period (FOD)" if self.transform == "fod" else "an earlier row (FD)"
            parts.append(f"{int(transform.sum())} without {how}")
        parts.append(f"{int(missing.sum())} with missing values")
        return Dropped(int((~in_sample).sum()), len(frame), by_variable,
                       panel.index[~in_sample], "the lag/transformation structure or missing "
                       "values: " + ", ".join(parts))

    def _regressor_names(self) -> list[str]:
        lags = [f"L{k}.{v}" for k in range(1, self.p + 1) for v in self.names]
        return lags + list(self.exog) + (["Intercept"] if self.levels_constant else [])

    @property
    def levels_constant(self) -> bool:
        """System GMM with an intercept in the formula: a constant per levels equation."""
        return self.system and self.design.has_intercept

    def with_lags(self, p: int) -> PanelVAR:
        """Return the same model with lag order ``p`` (for lag selection)."""
        clone = object.__new__(PanelVAR)
        clone.__dict__.update(self.__dict__)
        clone.p = p
        return clone
