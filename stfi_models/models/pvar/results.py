"""Result of a panel VAR: the common :class:`~stfi_models.results.result.Result` plus dynamics.

Job: expose what a fitted panel VAR offers beyond coefficients -- lag matrices, companion
stability, Granger causality Wald tests, lag selection (:mod:`~stfi_models.models.pvar.lags`),
impulse responses and forecast-error variance decompositions with optional bands
(:mod:`~stfi_models.models.pvar.bands`).  The numbers of the fit travel in ``_var``
(:class:`~stfi_models.models.pvar.estimator._VarState`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from stfi_models.exceptions import SpecificationError, SpecificationWarning
from stfi_models.models.gmm import engine
from stfi_models.models.pvar import lags
from stfi_models.models.pvar.bands import draw_bands
from stfi_models.models.pvar.estimator import _VarState
from stfi_models.results.irf import FEVD, IRF, fevd_shares, ma_coefficients, ordering, responses
from stfi_models.results.result import Result
from stfi_models.results.stability import Stability


@dataclass(frozen=True)
class PanelVARResult(Result):
    """Result of a panel VAR: the common Result plus dynamics.

    ``params`` are indexed by (equation, regressor); ``info["sigma"]`` is the residual
    covariance used by :meth:`irf` and :meth:`fevd`.
    """

    _var: _VarState | None = field(default=None, repr=False, compare=False)

    # ------------------------------------------------------------------ basics
    @property
    def names(self) -> tuple[str, ...]:
        """Dependent variables, in equation order."""
        return self._var.names

    @property
    def sigma(self) -> pd.DataFrame:
        """Residual covariance of the transformed residuals (see the package docstring)."""
        return self.info["sigma"]

    def coef_matrices(self) -> np.ndarray:
        """Lag coefficient matrices :math:`A_1..A_p`, shape ``(p, m, m)`` (rows = equations)."""
        return self._var.lag_matrices(self._var.estimate.coef)

    def stability(self) -> Stability:
        """Companion-matrix eigenvalues and moduli (stable if all moduli < 1)."""
        return Stability.of(self.coef_matrices())

    def granger(self) -> pd.DataFrame:
        """Wald tests that all lags of an excluded variable are zero, per equation, and ALL.

        Uses the estimate's full covariance (Windmeijer for two-step GMM), as Stata
        ``pvargranger``.  Columns: equation, excluded, chi2, df, pvalue.
        """
        names, p, m = self.names, self._var.p, len(self.names)
        k = self._var.estimate.coef.shape[1]
        b = self._var.estimate.coef.ravel()
        v = self._var.estimate.cov
        rows = []
        for e, eq in enumerate(names):
            others = [j for j in range(m) if j != e]
            for label, excluded in [(names[j], [j]) for j in others] + [("ALL", others)]:
                pos = [e * k + lag * m + j for j in excluded for lag in range(p)]
                stat = engine.wald_test(b[pos], v[np.ix_(pos, pos)])
                rows.append((eq, label, stat, len(pos), float(stats.chi2.sf(stat, len(pos)))))
        return pd.DataFrame(rows, columns=["equation", "excluded", "chi2", "df", "pvalue"])

    # ------------------------------------------------------------------ lag selection
    def select_lags(self, max_lag: int = 4, *, convention: Literal["stata", "panelvar"] = "stata"
                    ) -> pd.DataFrame:
        """Andrews-Lu (2001) model selection criteria for lags ``1..max_lag`` on a common sample.

        Parameters
        ----------
        max_lag : int
            Largest lag order; every order is fitted on this order's sample.
        convention : {"stata", "panelvar"}
            Penalty convention of Stata ``pvarsoc`` or R panelvar ``Andrews_Lu_MMSC``; the
            criteria are defined in :func:`stfi_models.models.pvar.lags.select_lags`.

        Returns
        -------
        pandas.DataFrame
            Indexed by lag: CD, J, J_pvalue, df, MBIC, MAIC, MQIC, nobs.
        """
        return lags.select_lags(self._var, max_lag, convention=convention)

    # ------------------------------------------------------------------ dynamics
    def _dynamics_setup(self, order: Sequence[str] | None, periods: int
                        ) -> tuple[np.ndarray, int, list[str]]:
        """Shared start of :meth:`irf` and :meth:`fevd`.

        Returns the Cholesky permutation of ``order``, the checked ``periods`` and the notes
        for the result: a :class:`SpecificationWarning` (also kept as a note) when the VAR is
        not stable.
        """
        perm = ordering(self.names, order)
        notes: list[str] = []
        st = self.stability()
        if not st.is_stable:
            moduli = ", ".join(f"{v:.4f}" for v in st.moduli)
            note = (f"The estimated VAR is not stable (companion eigenvalue moduli: {moduli}); "
                    "impulse responses do not die out and FEVDs are not meaningful.")
            warnings.warn(note, SpecificationWarning, stacklevel=3)
            notes.append(note)
        return perm, _check_periods(periods), notes

    def irf(
        self,
        periods: int = 10,
        *,
        kind: Literal["simple", "orth", "girf"] = "simple",
        order: Sequence[str] | None = None,
        cumulative: bool = False,
        ci: Literal["mc", "bootstrap"] | None = None,
        draws: int = 1000,
        level: float = 0.95,
        n_jobs: int = -1,
        backend: Literal["loky", "dask"] = "loky",
        seed: int | np.random.SeedSequence | None = None,
        progress: bool | None = None,
    ) -> IRF:
        """Impulse responses ``h = 0..periods`` with optional bands.

        Parameters
        ----------
        periods : int
        kind : {"simple", "orth", "girf"}
            Simple (Stata pvarirf default), Cholesky-orthogonalised, or generalised.
        order : sequence of str, optional
            Cholesky ordering (default: equation order).
        cumulative : bool
        ci : {None, "mc", "bootstrap"}
            ``"mc"``: Stata pvarirf ``mc()`` (Gaussian draws of the coefficients and of
            Sigma; band = point ± z·sd); ``"bootstrap"``: entities resampled with
            replacement and the model refitted (percentile band, as R panelvar).
        draws, level, seed
            Number of draws, band level, random seed.
        n_jobs, backend
            Parallel bootstrap refits: joblib ``"loky"`` (``n_jobs`` workers) or a running
            ``dask.distributed`` client (``backend="dask"``).
        progress : bool, optional
            Progress bar (default: when interactive).

        Returns
        -------
        IRF
        """
        names = self.names
        perm, periods, notes = self._dynamics_setup(order, periods)
        phi = ma_coefficients(self.coef_matrices(), periods)
        sigma = self._var.estimate.sigma
        point = responses(phi, kind, sigma, perm, cumulative)

        def compute(coef, sig):
            return responses(ma_coefficients(self._var.lag_matrices(coef), periods), kind, sig,
                             perm, cumulative)

        bands = draw_bands(self._var, point, compute, ci, draws, level, n_jobs, backend, seed,
                           progress, need_sigma=kind != "simple", notes=notes)
        return IRF(point, names, kind, tuple(names[i] for i in perm), cumulative, bands,
                   tuple(notes))

    def fevd(
        self,
        periods: int = 10,
        *,
        order: Sequence[str] | None = None,
        ci: Literal["mc", "bootstrap"] | None = None,
        draws: int = 1000,
        level: float = 0.95,
        n_jobs: int = -1,
        backend: Literal["loky", "dask"] = "loky",
        seed: int | np.random.SeedSequence | None = None,
        progress: bool | None = None,
    ) -> FEVD:
        """Cholesky forecast-error variance decomposition, steps ``1..periods``.

        Step 1 is the impact period alone (R panelvar ``fevd_orthogonal``; Stata
        ``pvarfevd`` step 1).  Bands as in :meth:`irf`.

        Returns
        -------
        FEVD
        """
        names = self.names
        perm, periods, notes = self._dynamics_setup(order, periods)
        if periods < 1:
            raise SpecificationError("fevd() needs periods >= 1.")

        def compute(coef, sig):
            return fevd_shares(ma_coefficients(self._var.lag_matrices(coef), periods - 1),
                               sig, perm)

        point = compute(self._var.estimate.coef, self._var.estimate.sigma)
        bands = draw_bands(self._var, point, compute, ci, draws, level, n_jobs, backend, seed,
                           progress, need_sigma=True, notes=notes)
        return FEVD(point, names, tuple(names[i] for i in perm), bands, tuple(notes))


def _check_periods(periods: int) -> int:
    if not (isinstance(periods, int | np.integer) and periods >= 0):
        raise SpecificationError(f"periods must be a non-negative integer, got {periods!r}.")
    return int(periods)
