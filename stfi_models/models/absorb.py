r"""High-dimensional fixed effects: sweep any number of categorical effects out of columns.

For factors :math:`f_1, \dots, f_K` with dummy matrices :math:`D_1, \dots, D_K` the within
transformation is the residual maker of :math:`D = [D_1, \dots, D_K]`,

.. math:: \ddot v = M_D v = v - D (D^\prime D)^{-} D^\prime v,

never formed as a matrix.  Two algorithms, both on the integer codes only (no dummy matrix):

* **Exact Frisch-Waugh-Lovell** (used when the factors other than the largest have at most
  :data:`EXACT_LIMIT` levels together, e.g. entity + time):
  :math:`M_D = M_{M_B R} M_B`, with :math:`B` the dummies of the largest factor and
  :math:`R` those of the others.  :math:`M_B` is a group demeaning (``np.bincount``); the
  small normal equations

  .. math:: G a = R^\prime M_B v, \qquad G = R^\prime M_B R
            = R^\prime R - (B^\prime R)^\prime \operatorname{diag}(1/n_b) (B^\prime R)

  are built from the sparse level-by-level count matrices (at most ``n`` nonzeros) and
  solved by an eigen-decomposition of the :math:`m \times m` matrix :math:`G`; its rank
  counts the independent effects exactly.
* **Alternating projections** (Guimarães & Portugal 2010; Gaure 2013) otherwise: demean by
  each factor in turn until the sweep no longer moves the columns, with the Irons & Tuck
  (1969) extrapolation every third sweep, as fixest (Bergé 2018).

Singletons
----------
A level observed on one row only (after removing the others, iteratively) fits that row
perfectly: it changes no coefficient, but adds one row and one cluster to the small-sample
factors.  reghdfe (Correia 2015) and fixest/pyfixest (``fixef.rm = "singleton"``) drop them
by default; R plm keeps them.  :func:`singleton_rows` finds them.

Degrees of freedom
------------------
:attr:`AbsorbedEffects.rank` is the number of linearly independent dummies.  Exact for one
factor (its levels) and on the FWL path (``n_b`` levels plus the rank of :math:`G`; for two
factors this is the levels of both minus the connected components of the bipartite
level graph, Abowd, Creecy & Kramarz 2002).  On the iterative path the first two factors are
counted exactly by connected components and each further factor adds its levels minus one,
an upper bound on the redundancy as in fixest.  Effects *nested* in the cluster variable
(entity effects with entity clusters) are not counted by reghdfe and fixest's default
``ssc(fixef.K = "nested")`` in the cluster small-sample factor; the default of this package
(``count_effects="none"``, R plm) counts no absorbed effect at all.

References
----------
Abowd, J. M., Creecy, R. H. & Kramarz, F. (2002). Computing person and firm effects using
linked longitudinal employer-employee data. U.S. Census Bureau TP-2002-06.
Bergé, L. (2018). Efficient estimation of maximum likelihood models with multiple
fixed-effects: the R package FENmlm. CREA Discussion Paper 2018-13.
Correia, S. (2015). Singletons, cluster-robust standard errors and fixed effects: a bad mix.
Gaure, S. (2013). OLS with multiple high dimensional category variables. Computational
Statistics & Data Analysis 66, 8-18.
Guimarães, P. & Portugal, P. (2010). A simple feasible procedure to fit models with
high-dimensional fixed effects. Stata Journal 10(4), 628-649.
Irons, B. M. & Tuck, R. C. (1969). A version of the Aitken accelerator for computer
iteration. International Journal for Numerical Methods in Engineering 1(3), 275-277.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from stfi_models._groups import group_sums
from stfi_models.exceptions import EstimationError

__all__ = ["AbsorbedEffects", "dense_codes", "group_means", "singleton_rows", "EXACT_LIMIT"]

#: Largest number of levels of the non-largest factors solved exactly (dense m x m system).
EXACT_LIMIT = 2000
#: Alternating projections stop when a sweep moves no value by more than this (relative).
_TOL = 1e-13
_MAX_SWEEPS = 100_000
#: Level-pair count matrices up to this many cells are dense, larger ones sparse.
_DENSE_CELLS = 10_000_000
#: Eigenvalues of G below this fraction of the largest count as zero (three or more factors).
_NULL_TOL = 1e-9


def group_means(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Mean of each column of ``values`` (``n x p``) per code: a ``(max code + 1) x p`` array.

    Sums by :func:`stfi_models._groups.group_sums` (no ``np.add.at``, no dummy matrix).
    """
    counts = np.bincount(codes)
    sums = group_sums(values, codes, counts.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts[:, None]


def singleton_rows(codes: Sequence[np.ndarray]) -> np.ndarray:
    """Rows whose level of some factor is observed once, removed iteratively.

    Dropping a singleton can make another level a singleton; the loop stops when no level
    of any factor has a single row (Correia 2015).

    Returns
    -------
    numpy.ndarray
        Boolean mask, True for the singleton rows.
    """
    n = codes[0].size if codes else 0
    keep = np.ones(n, dtype=bool)
    changed = bool(codes)
    while changed:
        changed = False
        for c in codes:
            counts = np.bincount(c[keep], minlength=int(c.max()) + 1 if c.size else 0)
            lone = keep & (counts[c] == 1)
            if lone.any():
                keep &= ~lone
                changed = True
    return ~keep


def dense_codes(codes: np.ndarray) -> tuple[np.ndarray, int]:
    """Relabel non-negative integer codes to 0..G-1 with every level present, in order.

    The codes of ``pd.factorize(codes, sort=True)`` (and ``codes`` itself when every level
    is present), from one ``np.bincount``: no hashing, no sort.

    Returns
    -------
    (numpy.ndarray, int)
        The codes and the number ``G`` of levels.
    """
    counts = np.bincount(codes)
    present = counts > 0
    if present.all():
        return codes, counts.size
    return (np.cumsum(present) - 1)[codes], int(present.sum())


@dataclass(frozen=True, eq=False)
class AbsorbedEffects:
    """Categorical effects to sweep out of columns of ``n`` rows.

    Parameters
    ----------
    codes : sequence of numpy.ndarray
        One integer code array per factor, each of length ``n`` (levels need not be
        contiguous; unused codes are ignored).
    """

    codes: tuple[np.ndarray, ...]

    def __post_init__(self) -> None:
        dense = [dense_codes(np.asarray(c, dtype=np.intp)) for c in self.codes]
        order = sorted(range(len(dense)), key=lambda j: -dense[j][1])
        object.__setattr__(self, "codes", tuple(dense[j][0] for j in order))
        object.__setattr__(self, "_levels", tuple(dense[j][1] for j in order))

    # ------------------------------------------------------------------ structure
    @property
    def levels(self) -> tuple[int, ...]:
        """Number of levels of each factor, largest first."""
        return self._levels  # type: ignore[attr-defined,no-any-return]

    @cached_property
    def _counts(self) -> tuple[np.ndarray, ...]:
        return tuple(np.bincount(c, minlength=g) for c, g in zip(self.codes, self.levels,
                                                                  strict=True))

    @property
    def exact(self) -> bool:
        """Whether :meth:`sweep` uses the exact FWL solve (else alternating projections)."""
        return sum(self.levels[1:]) <= EXACT_LIMIT

    @cached_property
    def _offsets(self) -> np.ndarray:
        """Position of each non-largest factor's first level among the ``m`` others."""
        return np.cumsum((0, *self.levels[1:]))

    def _cross_counts(self, j: int, k: int) -> np.ndarray | sparse.csr_matrix:
        """Rows per (level of factor j, level of factor k): dense, or sparse when large."""
        shape = (self.levels[j], self.levels[k])
        if shape[0] * shape[1] <= _DENSE_CELLS:
            flat = self.codes[j] * shape[1] + self.codes[k]
            return np.bincount(flat, minlength=shape[0] * shape[1]).reshape(shape).astype(float)
        pairs = sparse.csr_matrix((np.ones(self.codes[j].size), (self.codes[j], self.codes[k])),
                                  shape=shape)
        pairs.sum_duplicates()
        return pairs

    @cached_property
    def _solver(self) -> tuple[np.ndarray, np.ndarray]:
        r"""Eigenvectors and inverse eigenvalues (zero on the null space) of :math:`G`.

        :math:`G = R^\prime R - (B^\prime R)^\prime \operatorname{diag}(1/n_b)
        (B^\prime R)`, block by block from the level-pair counts.
        """
        off = self._offsets
        gram = np.zeros((off[-1], off[-1]))
        weighted = []
        for j in range(1, len(self.codes)):
            cross = self._cross_counts(0, j)
            scaled = (sparse.diags(1.0 / self._counts[0]) @ cross
                      if sparse.issparse(cross) else cross / self._counts[0][:, None])
            weighted.append((cross, scaled))
            block = slice(off[j - 1], off[j])
            gram[block, block] = np.diag(self._counts[j].astype(float))
            for k in range(1, j):
                pair = self._cross_counts(k, j)
                pair = pair.toarray() if sparse.issparse(pair) else pair
                gram[off[k - 1]:off[k], block] = pair
                gram[block, off[k - 1]:off[k]] = pair.T
        for j, (_, scaled_j) in enumerate(weighted):
            for k, (cross_k, _) in enumerate(weighted):
                prod = scaled_j.T @ cross_k
                gram[off[j]:off[j + 1], off[k]:off[k + 1]] -= (
                    prod.toarray() if sparse.issparse(prod) else prod)
        values, vectors = np.linalg.eigh((gram + gram.T) / 2)
        if len(self.codes) == 2:  # the null space is one vector per connected component
            null = self._components
        else:
            null = int(np.count_nonzero(values <= _NULL_TOL * max(values[-1], 1.0)))
        inverse = np.zeros_like(values)
        inverse[null:] = 1.0 / values[null:]
        return vectors, inverse

    @cached_property
    def rank(self) -> int:
        """Number of linearly independent dummies (degrees of freedom the effects use)."""
        if not self.codes:
            return 0
        if len(self.codes) == 1:
            return self.levels[0]
        if self.exact:
            return self.levels[0] + int(np.count_nonzero(self._solver[1]))
        return sum(self.levels[:2]) - self._components + sum(g - 1 for g in self.levels[2:])

    @cached_property
    def _components(self) -> int:
        """Connected components of the graph linking the levels of the first two factors."""
        graph = sparse.csr_matrix((np.ones(self.codes[0].size),
                                   (self.codes[0], self.codes[1] + self.levels[0])),
                                  shape=(sum(self.levels[:2]),) * 2)
        return int(connected_components(graph, directed=False)[0])

    # ------------------------------------------------------------------ the transformation
    def _row_means(self, row: np.ndarray, j: int) -> np.ndarray:
        """Per-row mean of ``row`` over the rows sharing its factor-j level."""
        sums = np.bincount(self.codes[j], weights=row, minlength=self.levels[j])
        return (sums / self._counts[j])[self.codes[j]]

    def _demean(self, rows: np.ndarray, j: int) -> np.ndarray:
        """Subtract the factor-j group means from each row of ``rows`` (``p x n``), in place."""
        for row in rows:
            row -= self._row_means(row, j)
        return rows

    def sweep(self, values: np.ndarray, *, overwrite: bool = False) -> np.ndarray:
        """Return :math:`M_D v` for every column of ``values`` (``n x p``).

        With ``overwrite=True`` and a Fortran-ordered float ``values`` the result is written
        into ``values`` (no copy: the columns are swept in place); otherwise a new array.
        """
        rows = np.asarray(values, dtype=float).T
        if not (overwrite and rows.flags.c_contiguous and rows.flags.writeable):
            rows = np.array(rows, order="C")
        if self.codes:
            self._demean(rows, 0)
            if len(self.codes) > 1:
                rows = self._fwl(rows) if self.exact else self._alternate(rows)
        return rows.T

    def _fwl(self, rows: np.ndarray) -> np.ndarray:
        r""":math:`M_B v - M_B R G^- R^\prime M_B v` for rows already demeaned by B (in place)."""
        vectors, inverse = self._solver
        off = self._offsets
        others = range(1, len(self.codes))
        rhs = np.concatenate([
            np.stack([np.bincount(self.codes[j], weights=row, minlength=self.levels[j])
                      for row in rows], axis=1)
            for j in others
        ])
        coef = (vectors @ (inverse[:, None] * (vectors.T @ rhs))).T
        for row, a in zip(rows, coef, strict=True):
            fitted = sum(a[off[j - 1]:off[j]][self.codes[j]] for j in others)
            row -= fitted - self._row_means(fitted, 0)
        return rows

    def _one_sweep(self, rows: np.ndarray) -> np.ndarray:
        rows = rows.copy()
        for j in range(len(self.codes)):
            self._demean(rows, j)
        return rows

    def _alternate(self, start: np.ndarray) -> np.ndarray:
        scale = max(float(np.abs(start).max(initial=0.0)), 1.0)
        x = start
        for sweep in range(_MAX_SWEEPS):
            gx = self._one_sweep(x)
            if np.abs(gx - x).max(initial=0.0) <= _TOL * scale:
                return gx
            if sweep % 3 == 2:  # Irons-Tuck extrapolation, row by row (= column of values)
                ggx = self._one_sweep(gx)
                step = ggx - gx
                curve = step - gx + x
                denom = (curve * curve).sum(axis=1)
                safe = np.where(denom > 0, denom, 1.0)
                ratio = np.where(denom > 0, (step * curve).sum(axis=1) / safe, 0.0)
                x = ggx - ratio[:, None] * step
            else:
                x = gx
        raise EstimationError(
            f"The fixed effects did not converge after {_MAX_SWEEPS} alternating projections "
            f"(levels {self.levels}); the effects are nearly collinear. Drop a factor or "
            "merge sparse levels."
        )
