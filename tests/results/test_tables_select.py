"""etable options: titles, estimator row, keep/drop/order/rename, collapsed dummies, statistics
chosen by key, what goes beneath an estimate, stars, notes, and extra row blocks."""

from __future__ import annotations

from functools import partial

import pytest
from hand_results import make_result
from hypothesis import given
from hypothesis import strategies as st

from stfi_models import results
from stfi_models.exceptions import SpecificationError
from stfi_models.results.tables import ROW_BLOCKS, Row, etable

YEARS = {f"C(year)[{y}]": 0.01 * (y - 1976) for y in range(1977, 1984)}


make = partial(make_result, vcov_type="robust")


@pytest.fixture
def gmm_pair() -> list:
    one = make({"L1.n": 0.7, "w": -0.2, "k": 0.1, **YEARS, "Intercept": 1.0}, model="diff-gmm",
               info={"n_instruments": 30})
    two = make({"L1.n": 0.8, "w": -0.3, **YEARS}, model="sys-gmm", info={"n_instruments": 41})
    return [one, two]


def coef_rows(table) -> list[str]:
    return [row.label for row in table.coefficients if row.kind == "coef"]


def test_year_dummies_collapse_into_one_indicator_row(gmm_pair):
    table = etable(gmm_pair)
    assert coef_rows(table) == ["L1.n", "w", "k", "Intercept"]
    frame = table.to_frame()
    assert frame.loc[("Year dummies", "")].tolist() == ["✓", "✓"]
    assert frame.loc[("Estimator", "")].tolist() == ["Difference GMM", "System GMM"]
    shown = etable(gmm_pair, dummies="show")
    assert "C(year)[1983]" in coef_rows(shown) and "Year dummies" not in shown.to_text()
    with pytest.raises(SpecificationError, match="Did you mean 'year'"):
        etable(gmm_pair, dummies=["yaer"])


def test_patsy_treatment_dummies_are_recognised():
    res = make({"x": 1.0, "C(region, Treatment('east'))[T.west]": 0.5,
                "C(region, Treatment('east'))[T.central]": 0.2})
    table = etable(res, marks=("Yes", "No"))
    assert coef_rows(table) == ["x"]
    assert table.to_frame().loc[("Region dummies", "")].tolist() == ["Yes"]


def test_titles_replace_the_column_headers(gmm_pair):
    table = etable(gmm_pair, titles=["AB (1991)", "BB (1998)"])
    assert table.columns == ("AB (1991)", "BB (1998)")
    with pytest.raises(SpecificationError, match="one title per model"):
        etable(gmm_pair, titles=["only one"])
    with pytest.raises(SpecificationError, match="repeat"):
        etable(gmm_pair, titles=["x", "x"])


def test_keep_drop_order_rename(gmm_pair):
    assert coef_rows(etable(gmm_pair, keep=[r"^L\d", "^w$"])) == ["L1.n", "w"]
    assert coef_rows(etable(gmm_pair, drop="Intercept|^k$")) == ["L1.n", "w"]
    assert coef_rows(etable(gmm_pair, order=["^w$", "Intercept"])) == [
        "w", "Intercept", "L1.n", "k"]
    table = etable(gmm_pair, keep="^(L1.n|w)$", rename={"L1.n": "Lagged employment"})
    assert coef_rows(table) == ["Lagged employment", "w"]
    assert table.to_frame().loc[("Lagged employment", "coef")].tolist() == [
        "0.700***", "0.800***"]


def test_rename_merges_different_terms_of_different_models():
    a, b = make({"gov_st": 0.5}), make({"market_st": 0.4})
    table = etable([a, b], rename={"gov_st": "S&T finance", "market_st": "S&T finance"})
    assert table.to_frame().loc[("S&T finance", "coef")].tolist() == ["0.500***", "0.400***"]
    with pytest.raises(SpecificationError, match="same row"):
        etable(make({"x": 1.0, "z": 2.0}), rename={"x": "y", "z": "y"})


@pytest.mark.parametrize(("option", "value", "message"), [
    ("keep", "^nothing$", "matches no coefficient"),
    ("drop", "(", "not a valid regular expression"),
    ("rename", {"ww": "wage"}, "Did you mean 'w'"),
])
def test_selection_errors_name_the_option(gmm_pair, option, value, message):
    with pytest.raises(SpecificationError, match=message):
        etable(gmm_pair, **{option: value})


def test_coef_map_is_not_mixed_with_keep(gmm_pair):
    with pytest.raises(SpecificationError, match="either coef_map"):
        etable(gmm_pair, coef_map={"w": "Wage"}, keep="w")


@given(st.sets(st.sampled_from(["a", "b", "c", "d", "e"]), min_size=1))
def test_keep_and_drop_split_the_terms(kept):
    res = make(dict.fromkeys("abcde", 1.0))
    pattern = "^(" + "|".join(sorted(kept)) + ")$"
    shown = coef_rows(etable(res, keep=pattern))
    hidden = set("abcde") - set(kept)
    assert set(shown) == set(kept) and shown == sorted(shown)
    if hidden:
        assert set(coef_rows(etable(res, drop=pattern))) == hidden


def test_statistics_by_key_and_label(gmm_pair):
    diag = {"Hansen": results.TestResult(25.0, 0.4, 22, "Hansen J"),
            "AR(2)": results.TestResult(0.3, 0.76, None, "AR(2)", "normal")}
    models = [m.replace(diagnostics=diag) for m in gmm_pair]
    table = etable(models, stats={"hansen": "Hansen J", "hansen_p": "p(J)", "nobs": "N"})
    assert [r.label for r in table.statistics] == ["Hansen J", "p(J)", "N"]
    assert table.to_frame().loc[("Hansen J", "")].tolist() == ["25.000", "25.000"]
    auto = [r.label for r in etable(models).statistics]
    assert auto == ["Observations", "Entities", "Instruments", "AR(2) p", "Hansen p",
                    "Std. errors"]
    with pytest.raises(SpecificationError, match="Did you mean 'hansen_p'"):
        etable(models, stats=["hansen_pv"])


def test_random_effects_rho_and_family_defaults():
    re_ = make({"x": 1.0}, model="re", rsquared={"r2": 0.2, "within": 0.1, "overall": 0.3},
               info={"sigma2_entity": 3.0, "sigma2_idios": 1.0})
    frame = etable(re_).to_frame()
    assert frame.loc[("ρ (entity share)", "")].tolist() == ["0.750"]
    assert "Overall R²" not in {r for r, _ in frame.index}
    assert etable(re_, stats=["r2_overall"]).to_frame().loc[("Overall R²", "")].iloc[0] \
        == "0.300"


def test_a_result_may_name_its_statistics_and_estimator():
    res = make({"rho": 0.3}, model="sar",
               info={"table_stats": ("nobs", "loglik"), "loglik": -123.456,
                     "estimator_label": "Spatial lag (ML)"})
    frame = etable(res).to_frame()
    assert frame.loc[("Estimator", "")].tolist() == ["Spatial lag (ML)"]
    assert [r for r, line in frame.index if line == ""][-2:] == ["Observations",
                                                                  "Log-likelihood"]
    assert frame.loc[("Log-likelihood", "")].iloc[0] == "-123.456"


def test_confidence_intervals_beneath():
    res = make({"x": 1.0}, [0.5], df_resid=None)
    table = etable(res, se="ci", level=0.9)
    low, high = 1 - 1.6448536 * 0.5, 1 + 1.6448536 * 0.5
    assert table.to_frame().loc[("x", "ci")].iloc[0] == f"[{low:.3f}, {high:.3f}]"
    assert table.notes[0] == "90% confidence intervals in brackets."
    with pytest.raises(SpecificationError, match="level"):
        etable(res, se="ci", level=95)


def test_star_symbols_and_user_notes():
    res = make({"x": 2.2}, [1.0])  # p = 0.0278
    table = etable(res, stars={"+": 0.1, "*": 0.05}, notes=["Data: NBS.", "Second."])
    assert table.to_frame().loc[("x", "coef")].iloc[0] == "2.200*"
    assert table.notes == ("Standard errors in parentheses.", "+ p<0.1, * p<0.05",
                           "Data: NBS.", "Second.")
    with pytest.raises(SpecificationError, match="stars"):
        etable(res, stars={"+": 0.1, "*": 0.1})


def test_estimator_row_can_be_left_out():
    assert "Estimator" not in etable(make({"x": 1.0}), estimator=False).to_text()


def effects_block(models, fmt):
    """A row block as a spatial model would add: direct effects read from ``info``."""
    rows = []
    for var in dict.fromkeys(v for m in models for v in m.info.get("direct", {})):
        cells = [fmt.number(m.info.get("direct", {}).get(var)) for m in models]
        rows.append(Row(f"Direct: {var}", tuple(cells), "stat"))
    return rows


def test_extra_row_blocks_per_table_and_registered():
    a = make({"x": 1.0}, info={"direct": {"x": 1.25}})
    b = make({"x": 1.0})
    table = etable([a, b], blocks=[effects_block])
    assert table.extra == ((Row("Direct: x", ("1.250", ""), "stat"),),)
    assert "Direct: x" in table.to_text() and "Direct: x" in table.to_latex()
    assert etable([b], blocks=[effects_block]).extra == ()
    ROW_BLOCKS["test_effects"] = effects_block
    try:
        assert etable([a]).extra == ((Row("Direct: x", ("1.250",), "stat"),),)
    finally:
        del ROW_BLOCKS["test_effects"]


def test_fitted_gmm_table_collapses_year_dummies():
    import stfi_models as sm
    from stfi_models.datasets import load_abdata

    ab = load_abdata()
    formula = "n ~ L(n, 1) + w + k + C(year) | gmm(n, 2:.) + iv(w, k)"
    dif = sm.fit(formula, ab, entity="id", time="year", model="diff-gmm", steps=2)
    sys_ = sm.fit(formula, ab, entity="id", time="year", model="sys-gmm", steps=2)
    frame = etable([dif, sys_], digits=4).to_frame()
    assert not any("C(year)" in row for row, _ in frame.index)
    assert frame.loc[("Year dummies", "")].tolist() == ["✓", "✓"]
    assert frame.loc[("Instruments", "")].tolist() == [str(dif.info["n_instruments"]),
                                                       str(sys_.info["n_instruments"])]
    for j, res in enumerate((dif, sys_)):
        assert frame.loc[("AR(2) p", "")].iloc[j] == f"{res.diagnostics['AR(2)'].pvalue:.4f}"
        assert frame.loc[("Hansen p", "")].iloc[j] == f"{res.diagnostics['Hansen'].pvalue:.4f}"
        assert frame.loc[("L1.n", "coef")].iloc[j].rstrip("*") == f"{res.params['L1.n']:.4f}"


@pytest.mark.filterwarnings("ignore::stfi_models.exceptions.MissingValueWarning")
def test_iv_and_threshold_results_get_their_rows():
    import stfi_models as sm

    ab = sm.load_abdata()
    iv = sm.fit("n ~ k + C(id) + [w ~ ys + L(ys, 1)] + C(year)", ab, entity="id",
                time="year", model="iv")
    hansen = sm.load_hansen1999().query("id < 100")
    thr = sm.fit("i ~ c + regimes(d, by=q) | id", hansen, entity="id", time="year",
                 model="threshold", grid=20, bootstrap=5, seed=1)
    frame = etable([iv, thr], digits=4).to_frame()
    assert frame.loc[("Estimator", "")].tolist() == ["IV", "Panel threshold"]
    assert frame.loc[("First-stage F", "")].tolist() == [f"{iv.info['weak_id_f']:.4f}", ""]
    assert frame.loc[("Overidentification p", "")].iloc[0] == \
        f"{iv.diagnostics['overid'].pvalue:.4f}"
    assert frame.loc[("Threshold(s)", "")].iloc[1] == ", ".join(
        f"{g:.4f}" for g in thr.info["thresholds"])
    assert frame.loc[("Entity FE", "")].tolist() == ["✓", "✓"]
