"""Results built by hand, so that table tests do not depend on any estimator."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from stfi_models.results import Result


def make_result(params: dict[str, float], se: list[float] | None = None,
                **changes: Any) -> Result:
    """A Result with diagonal covariance ``se**2`` (0.1 each by default); fields overridable."""
    p = pd.Series(params, dtype=float)
    se = [0.1] * len(p) if se is None else se
    cov = pd.DataFrame(np.diag(np.square(se)), index=p.index, columns=p.index)
    fields = dict(model="fe", formula="n ~ w + k", dependent="n", nobs=1031, n_entities=140,
                  df_resid=None, vcov_type="cluster (entity)")
    fields.update(changes)
    return Result(params=p, cov=cov, **fields)
