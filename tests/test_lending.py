"""Methods lent to result classes by the modules above them (``stfi_models._lending``)."""

from __future__ import annotations

import pytest

from stfi_models import _lending
from stfi_models.diagnostics import diagnose
from stfi_models.index.robustness import rank_robustness
from stfi_models.index.sensitivity import sensitivity


@pytest.mark.parametrize(("method", "func"), [
    ("Result.diagnose", diagnose),
    ("IndexResult.rank_robustness", rank_robustness),
    ("IndexResult.sensitivity", sensitivity),
])
def test_importing_the_package_lends_every_method(method, func):
    assert _lending.borrowed(method) is func


def test_an_unlent_method_names_itself_and_the_fix(monkeypatch):
    monkeypatch.setattr(_lending, "_LENT", {})
    with pytest.raises(ImportError, match=r"Result\.diagnose\(\).*'import stfi_models'"):
        _lending.borrowed("Result.diagnose")


def test_lends_returns_the_function_unchanged(monkeypatch):
    monkeypatch.setattr(_lending, "_LENT", {})

    def analysis(res):
        return res

    assert _lending.lends("Thing.analysis")(analysis) is analysis
    assert _lending.borrowed("Thing.analysis") is analysis
