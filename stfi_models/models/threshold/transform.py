r"""The within transformation of a panel threshold model, in its two conventions.

For entity :math:`i` with :math:`T_i` rows, the within transformation subtracts the entity
mean, :math:`a^*_{it} = a_{it} - \bar a_i`.  Two conventions:

* ``drop_last=False`` (the ordinary within transformation, xthreg's): every row is kept; the
  map :math:`P` is the orthogonal projection off the entity dummies.
* ``drop_last=True`` (Hansen's 1999 GAUSS program, ``proc tr``): after demeaning, each
  entity's last row is deleted, because the demeaned errors of an entity sum to zero
  (Hansen 1999, sec. 3.1).  :math:`P = S M_D` with :math:`S` the row selection.

:meth:`Within.apply` computes :math:`P a`; :meth:`Within.adjoint` computes :math:`P^\prime v`,
With ``time`` codes (balanced panels only) the two-way transformation
:math:`a_{it} - \bar a_i - \bar a_t + \bar a` also sweeps out period effects (``| id + year``),
still a projection.

:meth:`Within.apply` computes :math:`P a`; :meth:`Within.adjoint` computes :math:`P^\prime v`,
which lets the grid search write :math:`(P a)^\prime v = a^\prime (P^\prime v)` as a sum over
the rows of :math:`a`.

References
----------
Hansen, B. E. (1999). Threshold effects in non-dynamic panels: Estimation, testing, and
inference. *Journal of Econometrics* 93(2), 345-368.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Within"]


@dataclass(frozen=True)
class Within:
    """The within transformation of a panel sorted by entity, then time.

    Attributes
    ----------
    entity : numpy.ndarray
        ``(n,)`` entity code ``0..N-1`` of each row (rows grouped by entity, in time order).
    drop_last : bool
        Delete each entity's last row after demeaning (Hansen's convention).
    time : numpy.ndarray, optional
        ``(n,)`` period code ``0..T-1`` of each row: also sweep out period effects (the
        panel must be balanced).
    """

    entity: np.ndarray
    drop_last: bool = False
    time: np.ndarray | None = None

    @property
    def n_entities(self) -> int:
        """Number of entities ``N``."""
        return int(self.entity.max()) + 1

    @property
    def keep(self) -> np.ndarray:
        """Boolean mask of the rows kept after the transformation."""
        mask = np.ones(self.entity.size, dtype=bool)
        if self.drop_last:
            last = np.r_[self.entity[1:] != self.entity[:-1], True]
            mask[last] = False
        return mask

    @property
    def n_out(self) -> int:
        """Rows of the transformed regression."""
        return int(self.keep.sum())

    @property
    def n_absorbed(self) -> int:
        """Effects swept out: ``N``, plus ``T - 1`` with period effects."""
        extra = int(self.time.max()) if self.time is not None else 0
        return self.n_entities + extra

    @property
    def df_sigma(self) -> int:
        r"""Divisor of :math:`\hat\sigma^2` (Hansen 1999, eq. 9).

        :math:`n(T-1)`, less :math:`T-1` with period effects.
        """
        return self.entity.size - self.n_absorbed

    def _demean(self, values: np.ndarray) -> np.ndarray:
        flat = values.reshape(values.shape[0], -1)
        starts = np.flatnonzero(np.r_[True, self.entity[1:] != self.entity[:-1]])
        counts = np.diff(np.r_[starts, self.entity.size])
        means = np.add.reduceat(flat, starts, axis=0) / counts[:, None]
        out = flat - np.repeat(means, counts, axis=0)
        if self.time is not None:  # balanced, entity-major: subtract the period means
            cube = out.reshape(self.n_entities, -1, out.shape[1])
            out = (cube - cube.mean(axis=0, keepdims=True)).reshape(out.shape)
        return out.reshape(values.shape)

    def apply(self, values: np.ndarray) -> np.ndarray:
        """:math:`P a`: demean within entity (and drop the last rows if asked)."""
        out = self._demean(np.asarray(values, dtype=float))
        return out[self.keep] if self.drop_last else out

    def adjoint(self, values: np.ndarray) -> np.ndarray:
        r""":math:`P^\prime v` for ``v`` on the transformed rows, back on all rows."""
        values = np.asarray(values, dtype=float)
        if not self.drop_last:
            return self._demean(values)
        full = np.zeros((self.entity.size, *values.shape[1:]))
        full[self.keep] = values
        return self._demean(full)
