"""Panel diagnostics: one call each, and ``res.diagnose(...)`` adding them to a Result.

======================= ============================================== =====================
name                    function                                       R plm / Stata
======================= ============================================== =====================
``"cd"``                :func:`pesaran_cd`                             ``pcdtest(test="cd")``
``"lm"``                :func:`cross_section_dependence` (``"lm"``)    ``pcdtest(test="lm")``
``"sclm"``              :func:`cross_section_dependence` (``"sclm"``)  ``pcdtest(test="sclm")``
``"bcsclm"``            :func:`cross_section_dependence` (``"bcsclm"``) ``pcdtest(test="bcsclm")``
``"wooldridge_fd"``     :func:`wooldridge_fd`                          ``pwfdtest``, xtserial
``"wooldridge_fe"``     :func:`wooldridge_fe`                          ``pwartest``
``"groupwise_het"``     :func:`groupwise_heteroskedasticity`           xttest3
``"re_lm"``             :func:`random_effects_lm`                      ``plmtest``
======================= ============================================== =====================

Unit-root tests take data, not residuals: :func:`llc_test`, :func:`hadri_test` and
:func:`cips_test` here
(:mod:`~stfi_models.diagnostics.unit_roots`); IPS and Fisher-ADF are in
:mod:`stfi_models.unitroot`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from stfi_models._lending import lends
from stfi_models.diagnostics.cross_section import (
    CD_TESTS,
    cross_section_dependence,
    pairwise_correlations,
    pesaran_cd,
)
from stfi_models.diagnostics.effects import random_effects_lm
from stfi_models.diagnostics.heteroskedasticity import groupwise_heteroskedasticity
from stfi_models.diagnostics.serial import wooldridge_fd, wooldridge_fe
from stfi_models.diagnostics.unit_roots import (
    cips_critical_values,
    cips_test,
    hadri_test,
    llc_test,
)
from stfi_models.exceptions import SpecificationError, check_choice
from stfi_models.results.result import Result, TestResult

__all__ = ["DIAGNOSTICS", "diagnose", "cross_section_dependence", "pesaran_cd",
           "pairwise_correlations", "wooldridge_fd", "wooldridge_fe",
           "groupwise_heteroskedasticity", "random_effects_lm", "CD_TESTS", "hadri_test",
           "cips_test", "cips_critical_values", "llc_test"]


def _cd(test: str) -> Callable[..., TestResult]:
    def run(res: Result, **options: Any) -> TestResult:
        return cross_section_dependence(res, test, **options)

    run.__name__ = f"cross_section_dependence[{test}]"
    return run


#: diagnostic name -> function of (Result, **options)
DIAGNOSTICS: dict[str, Callable[..., TestResult]] = {
    **{test: _cd(test) for test in CD_TESTS},
    "wooldridge_fd": wooldridge_fd,
    "wooldridge_fe": wooldridge_fe,
    "groupwise_het": groupwise_heteroskedasticity,
    "re_lm": random_effects_lm,
}


@lends("Result.diagnose")
def diagnose(res: Result, *tests: str, **options: Any) -> Result:
    """Return a new Result whose ``diagnostics`` add the named tests (``res`` is unchanged).

    Parameters
    ----------
    res : Result
    *tests : str
        Names of :data:`DIAGNOSTICS`; each is stored under its name.
    **options
        Passed to every test that takes them (e.g. ``w=`` for a local CD test); an option no
        requested test takes is refused.

    Examples
    --------
    >>> import stfi_models as sm
    >>> fe = sm.fit("inv ~ value + capital | firm", sm.load_grunfeld(),
    ...             entity="firm", time="year")
    >>> fe2 = fe.diagnose("cd", "lm")
    >>> sorted(fe2.diagnostics)
    ['F effects', 'cd', 'lm']
    """
    if not tests:
        raise SpecificationError(
            f"Name at least one diagnostic: {', '.join(map(repr, DIAGNOSTICS))}.")
    accepted = {"cd": {"w"}, "lm": {"w"}, "sclm": {"w"}, "bcsclm": {"w"},
                "wooldridge_fd": {"h0"}, "wooldridge_fe": set(), "groupwise_het": set(),
                "re_lm": {"effect", "type"}}
    for name in tests:
        check_choice("diagnostic", name, DIAGNOSTICS)
    usable = set().union(*(accepted[name] for name in tests))
    for key in options:
        if key not in usable:
            raise SpecificationError(
                f"Option '{key}' applies to none of the requested diagnostics "
                f"({', '.join(tests)}); options they take: {', '.join(sorted(usable)) or 'none'}.")
    found = dict(res.diagnostics)
    for name in tests:
        mine = {k: v for k, v in options.items() if k in accepted[name]}
        found[name] = DIAGNOSTICS[name](res, **mine)
    return res.replace(diagnostics=found)
