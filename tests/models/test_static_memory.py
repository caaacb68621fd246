"""A static fit frees its data as soon as its result is gone (no reference cycle).

Arrays held in a reference cycle live until the garbage collector happens to run: on a
10^6-row panel a cycle through the model kept its frames, design and transformed matrices
(hundreds of MB) alive into the next fit.  With the collector off, dropping the result must
free the model, its panel and every array the fit allocated.
"""

from __future__ import annotations

import gc
import tracemalloc
import weakref

import numpy as np
import pandas as pd
import pytest

from stfi_models.models.base import model_class

FORMULAS = {"pooled": "y ~ x1 + x2 + C(year)", "fe": "y ~ x1 + x2 + C(id) + C(year)",
            "re": "y ~ x1 + x2", "fd": "y ~ x1 + x2", "between": "y ~ x1 + x2"}


def _panel() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n_ent, n_per = 1000, 10
    frame = pd.DataFrame({"id": np.repeat(np.arange(n_ent), n_per),
                          "year": np.tile(np.arange(2000, 2000 + n_per), n_ent),
                          "x1": rng.normal(size=n_ent * n_per),
                          "x2": rng.normal(size=n_ent * n_per)})
    frame["y"] = frame.x1 - frame.x2 + rng.normal(size=len(frame))
    return frame


#: Every model with every covariance kind it takes (between has no clustered covariance).
CASES = [(model, vcov) for model in FORMULAS for vcov in ("unadjusted", "cluster")
         if (model, vcov) != ("between", "cluster")]


@pytest.mark.parametrize(("model", "vcov"), CASES)
def test_dropping_the_result_frees_the_fit_without_the_garbage_collector(model, vcov):
    data = _panel()
    model_class(model).from_formula(FORMULAS[model], data, entity="id", time="year").fit(
        vcov=vcov).summary()  # first use: imports and caches that stay
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        est = model_class(model).from_formula(FORMULAS[model], data, entity="id", time="year")
        alive = [weakref.ref(obj) for obj in (est, est.panel, est.panel.frame, est.design.x)]
        res = est.fit(vcov=vcov)
        res.std_errors, res.summary()  # noqa: B018 - computed and cached on the result
        del est
        assert all(ref() is not None for ref in alive)  # the result still needs them
        del res
        assert [ref() is None for ref in alive] == [True] * len(alive)
        left = tracemalloc.get_traced_memory()[0] - before
        assert left < 0.2 * data.memory_usage().sum()  # nothing of size n is left
    finally:
        tracemalloc.stop()
        gc.enable()
