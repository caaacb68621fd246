"""The model specifications of validation/threshold, shared by compute.py and the tests.

Kept free of any estimation code: ``brute_force.py`` (the independent implementation) reads
only ``CHINA`` (data selection, variables, grid settings) from here.
"""

from __future__ import annotations

#: Hansen (1999) eq. 22 on his data, with his GAUSS program's settings (THRESH_P.PRG).
HANSEN_FORMULA = ("i ~ L(q, 1) + I(L(q, 1) ** 2) + I(L(q, 1) ** 3) + L(d, 1) + L(q, 1):L(d, 1)"
                  " + regimes(L(c, 1), by=L(d, 1)) | id")
HANSEN_OPTIONS = {"thresholds": 3, "trim": (0.01, 0.01, 0.05), "grid": 400,
                  "convention": "hansen"}
#: Hansen's labels of the regime-independent regressors, in formula order.
HANSEN_TERMS = ("q1", "q1^2", "q1^3", "d1", "q1*d1")

#: China panel: invention patents on R&D spending and the fiscal S&T share, whose slope
#: switches with GDP per capita (yuan).  2010 lacks GDP per capita: 2011-2023, 31 x 13.
CHINA = {
    "entity": "prov_code",
    "time": "year",
    "y": "patent_grant_invention",  # logged
    "controls": ("rd_exp_total",),  # logged
    "extra_controls": ("urbanization_rate",),  # in levels
    "regime": "budget_exp_scitech / budget_exp_total * 100",
    "q": "gdp_per_capita",
    "years": (2011, 2023),
}
CHINA_FORMULA = ("np.log(patent_grant_invention) ~ np.log(rd_exp_total) + urbanization_rate"
                 " + regimes(I(budget_exp_scitech / budget_exp_total * 100), by=gdp_per_capita)"
                 " | prov_code")
#: case -> fit() options on the China panel.
CHINA_CASES = {
    "china/standard": {"thresholds": 2, "trim": 0.05, "grid": 100, "convention": "standard"},
    "china/hansen": {"thresholds": 2, "trim": 0.05, "grid": 100, "convention": "hansen"},
}
