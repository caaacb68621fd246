"""Shared data and the checker of the bad-input corpus (issue 11).

Each case is ``(call, error class, words)``: calling ``call()`` must raise (or, for a warning
class, warn) that class, and the message must contain every one of ``words`` -- the column,
option or rows at fault.  No foreign (pandas, numpy, patsy, Python) exception may escape.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import pytest

import stfi_models as sm

AB = sm.load_abdata()
GRUNFELD = sm.load_grunfeld()


def ab(**columns) -> pd.DataFrame:
    """abdata with extra or replaced columns."""
    return AB.assign(**columns)


def small_panel() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"id": np.repeat(np.arange(6), 5), "year": np.tile(np.arange(2000, 2005),
                                                                          6)})
    for name in ("x", "y", "m", "w"):
        frame[name] = rng.normal(size=len(frame)) + 3
    frame["region"] = np.where(frame.id < 3, "east", "west")
    return frame


def check(call: Callable[[], object], kind: type[BaseException] | type[Warning],
          words: Sequence[str]) -> None:
    """Assert that ``call`` raises (or warns) ``kind`` with every word in its message."""
    if issubclass(kind, Warning):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            warnings.simplefilter("always", kind)
            with pytest.warns(kind) as caught:
                call()
        text = " ".join(str(w.message) for w in caught if issubclass(w.category, kind))
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(kind) as raised:
                call()
        assert isinstance(raised.value, sm.StfiError), type(raised.value)
        text = str(raised.value)
    for word in words:
        assert re.search(word, text), f"{word!r} not in message:\n{text}"
