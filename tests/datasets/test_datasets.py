"""Bundled datasets: shapes, panel keys, provenance, and published figures they must reproduce."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stfi_models.datasets import (
    DATASETS,
    PROVINCE_KEYS,
    china_citation,
    china_contiguity,
    china_provinces,
    china_regions,
    china_variables,
    list_datasets,
    load_abdata,
    load_china_capital,
    load_china_provinces,
    load_dahlberg,
    load_dataset,
    load_grunfeld,
    load_nqp,
)
from stfi_models.exceptions import SpecificationError
from stfi_models.panel import PanelData

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"

# name -> (rows, cols, entities, periods, balanced); from the data catalogue
# (shared/reference/data.md) and, for Grunfeld, Baltagi (2001) table 2.1's 10 firms x 20 years.
SHAPES = {
    "abdata": (1031, 11, 140, 9, False),
    "grunfeld": (200, 5, 10, 20, True),
    "dahlberg": (2385, 5, 265, 9, True),
    "hansen1999": (8475, 6, 565, 15, True),
    "china": (434, 108, 31, 14, True),
    "china_gdp": (620, 6, 31, 20, True),
    "china_population": (620, 6, 31, 20, True),
    "china_capital": (2157, 10, 31, 71, False),
    "nqp_raw": (403, 33, 31, 13, True),
    "nqp_scores": (403, 22, 31, 13, True),
}


def test_every_bundled_dataset_has_a_documented_shape():
    assert set(SHAPES) == set(DATASETS)


@pytest.mark.parametrize("name", sorted(SHAPES))
def test_shape_and_panel_keys(name):
    rows, cols, n_entities, n_periods, balanced = SHAPES[name]
    entry = DATASETS[name]
    frame = load_dataset(name)
    assert frame.shape == (rows, cols)
    assert not frame.duplicated([entry.entity, entry.time]).any()
    balance = PanelData(frame, entry.entity, entry.time).balance
    assert (balance.n_entities, balance.n_periods, balance.balanced) == (
        n_entities, n_periods, balanced,
    )


def test_abdata_periods_per_firm():
    counts = load_abdata().groupby("id").size()
    assert (counts.min(), counts.max()) == (7, 9)
    years = load_abdata()["year"]
    assert (years.min(), years.max()) == (1976, 1984)


def test_abdata_logs_are_logs_of_levels_to_float32_precision():
    ab = load_abdata()
    for log_col, level in (("n", "emp"), ("w", "wage"), ("k", "cap"), ("ys", "indoutpt")):
        # single-precision export: |log(level) - stored log| stays below 1e-6 (data.md)
        assert np.max(np.abs(np.log(ab[level]) - ab[log_col])) < 1e-6


def test_grunfeld_columns_and_first_row():
    g = load_grunfeld()
    assert list(g.columns) == ["firm", "year", "inv", "value", "capital"]
    # General Motors 1935, Baltagi (2001) Grunfeld.fil: I = 317.6, F = 3078.5, C = 2.8
    first = g.sort_values(["firm", "year"]).iloc[0]
    assert first[["inv", "value", "capital"]].tolist() == pytest.approx([317.6, 3078.5, 2.8])


def test_dahlberg_columns():
    assert list(load_dahlberg().columns) == ["id", "year", "expenditures", "revenues", "grants"]


def test_loaders_return_independent_copies():
    first = load_abdata()
    first.loc[0, "n"] = 1e9
    assert load_abdata().loc[0, "n"] != 1e9


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="shared data folder not present")
@pytest.mark.parametrize(
    ("folder", "bundled", "original"),
    [
        ("abdata", "abdata.csv", "abdata.csv"),
        ("dahlberg", "dahlberg.csv", "panelvar_Dahlberg.csv"),
        ("hansen1999", "hansen1999_invest.csv", "threshold/hansen1999_invest.csv"),
        ("china", "panel.csv", "china/china_province_panel_2010_2023.csv"),
        ("china", "variables.csv", "china/variables.csv"),
        ("china", "provinces.csv", "china_provinces_31.csv"),
        ("china", "contiguity.csv", "china_province_W_binary_31x31.csv"),
        ("china", "gdp.csv", "china/nbs_gdp_province_2004_2023.csv"),
        ("china", "population.csv", "china/nbs_population_province_2005_2024.csv"),
        ("china", "capital.csv", "china/capital_formation_province_1952_2022.csv"),
        ("nqp", "raw.csv", "china/nqp_raw_panel_2011_2023_zh.csv"),
        ("nqp", "scores.csv", "china/nqp_scores_2011_2023_zh.csv"),
    ],
)
def test_bundled_files_are_unchanged_copies(folder, bundled, original):
    packaged = resources.files("stfi_models.datasets").joinpath(folder, bundled)
    assert packaged.read_bytes() == (SHARED_DATA / original).read_bytes()


def test_every_dataset_folder_cites_its_source():
    root = resources.files("stfi_models.datasets")
    folders = [p for p in root.iterdir() if p.is_dir() and any(
        f.name.endswith(".csv") for f in p.iterdir())]
    assert {p.name for p in folders} >= {"abdata", "grunfeld", "dahlberg", "china", "nqp"}
    for folder in folders:
        assert folder.joinpath("SOURCE.md").is_file(), f"datasets/{folder.name}/SOURCE.md missing"


def test_list_datasets_matches_loaders():
    table = list_datasets()
    assert list(table.columns) == ["name", "rows", "cols", "entity", "time", "description",
                                   "source"]
    assert table["name"].tolist() == list(DATASETS)
    for row in table.itertuples():
        assert (row.rows, row.cols) == SHAPES[row.name][:2]
        assert row.description and row.source


def test_unknown_dataset_name_suggests_the_closest():
    with pytest.raises(SpecificationError, match="Did you mean 'abdata'"):
        load_dataset("abdta")


# ---------------------------------------------------------------------------- China


def test_china_panel_reproduces_official_figures():
    """Checks against published NBS/MOST figures (listed in shared/reference/data.md)."""
    panel = load_china_provinces().set_index(["province_en", "year"])
    # Beijing R&D intensity 2020: 6.44 % (NBS/MOST R&D bulletin 2020)
    assert panel.loc[("Beijing", 2020), "rd_intensity"] == pytest.approx(6.44)
    # Beijing GDP 2020 after the 4th economic census revision: 35,943.3 (100m yuan)
    assert panel.loc[("Beijing", 2020), "gdp_nbs"] == pytest.approx(35943.3)
    # National R&D spending: 24,393.1 (2020) and 30,782.9 (2022) 100m yuan, published to
    # 0.1 = 1000 (10k yuan); the province sum must lie within half that rounding unit.
    totals = panel.groupby(level="year")["rd_exp_total"].sum()
    assert abs(totals[2020] - 24393.1e4) <= 500
    assert abs(totals[2022] - 30782.9e4) <= 500


def test_china_capital_stock_reproduces_package_readme():
    # CHNCapitalStock README: Beijing capital stock (1952 prices) 2021 = 38,866.56, 2022 = 40,271.14
    cap = load_china_capital().set_index(["province_en", "year"])["capital_stock_1952p"]
    assert cap[("Beijing", 2021)] == pytest.approx(38866.56, abs=0.005)
    assert cap[("Beijing", 2022)] == pytest.approx(40271.14, abs=0.005)


def test_china_dictionary_covers_exactly_the_panel_variables():
    panel = load_china_provinces()
    keys = ["prov_code", "province_zh", "province_en", "region", "region3", "year"]
    assert list(panel.columns[:6]) == keys
    dictionary = china_variables()
    assert dictionary["variable"].is_unique
    assert set(dictionary["variable"]) == set(panel.columns[6:])
    assert dictionary["unit"].notna().all() and dictionary["source"].notna().all()
    # the stated coverage is true of the data
    counts = panel[dictionary["variable"]].notna().sum()
    assert (counts.to_numpy() == dictionary["n_nonmissing"].to_numpy()).all()


def test_china_citation_names_the_sources():
    text = china_citation()
    for source in ("huhuaping/techme", "stats.gov.cn", "CHNCapitalStock", "libpysal",
                   "127ww/nqp-spatial-development"):
        assert source in text


def test_regions_counts():
    assert china_regions("region3").value_counts().to_dict() == {
        "west": 12, "east": 11, "central": 8}
    assert china_regions("region4").value_counts().to_dict() == {
        "west": 12, "east": 10, "central": 6, "northeast": 3}


def test_region3_is_region4_with_the_northeast_split():
    r3 = china_regions("region3", key="province_en")
    r4 = china_regions("region4", key="province_en")
    moved = r3[r3 != r4]
    assert moved.to_dict() == {"Liaoning": "east", "Jilin": "central",
                               "Heilongjiang": "central"}


def test_panel_regions_agree_with_china_regions():
    panel = load_china_provinces().drop_duplicates("prov_code").set_index("prov_code")
    assert panel["region3"].equals(china_regions("region3").rename("region3"))
    assert (panel["region"].str.lower() == china_regions("region4")).all()


@pytest.mark.parametrize("key", PROVINCE_KEYS)
def test_every_key_is_unique_and_matches_the_panel(key):
    regions = china_regions(key=key)
    assert regions.index.is_unique and len(regions) == 31
    if key != "adcode":
        assert set(regions.index) == set(load_china_provinces()[key])


def test_province_table_keys_are_consistent():
    table = china_provinces()
    assert (table["adcode"] == table["prov_code"] * 10000).all()
    assert table["adcode"].is_monotonic_increasing
    assert table.notna().all().all()


def test_unknown_key_or_scheme_is_refused():
    with pytest.raises(SpecificationError, match="Did you mean 'province_en'"):
        china_regions(key="provnce_en")
    with pytest.raises(SpecificationError, match="region3"):
        china_regions("region5")


def test_contiguity_matrix():
    w = china_contiguity(key="province_en")
    values = w.to_numpy()
    assert w.shape == (31, 31) and list(w.index) == list(w.columns)
    assert set(np.unique(values)) == {0, 1}
    assert (values == values.T).all() and (np.diag(values) == 0).all()
    assert int(values.sum()) == 138
    degree = w.sum(axis=1)
    assert degree["Hainan"] == 1 and w.loc["Hainan", "Guangdong"] == 1
    assert degree[["Inner Mongolia", "Shaanxi", "Hebei", "Sichuan"]].tolist() == [8, 8, 7, 7]
    # every province can be reached from Beijing (no island left unlinked)
    reach = np.zeros(31, dtype=bool)
    reach[0] = True
    for _ in range(31):
        reach = reach | (values[reach].sum(axis=0) > 0)
    assert reach.all()


def test_contiguity_is_in_adcode_order_with_every_key():
    order = china_provinces()
    for key in PROVINCE_KEYS:
        w = china_contiguity(key=key)
        assert list(w.index) == order[key].tolist()
    assert china_contiguity().equals(
        china_contiguity(key="adcode").set_axis(order["prov_code"], axis=0).set_axis(
            order["prov_code"], axis=1).rename_axis(index="prov_code", columns="prov_code"))


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="shared data folder not present")
def test_contiguity_equals_the_edge_list():
    edges = pd.read_csv(SHARED_DATA / "china_province_contiguity_edges.csv")
    w = china_contiguity(key="adcode")
    from_edges = pd.DataFrame(0, index=w.index, columns=w.columns)
    for i, j in zip(edges["adcode_i"], edges["adcode_j"], strict=True):
        from_edges.loc[i, j] = from_edges.loc[j, i] = 1
    assert (from_edges.to_numpy() == w.to_numpy()).all()


def test_nqp_tables():
    raw, scores = load_nqp()
    assert int(raw.isna().sum().sum()) == 977
    assert set(raw["省份"]) == set(china_provinces()["province_zh"])
    nqp = scores["新质生产力_组合得分"]
    # published summary of the source study (data.md): mean 0.159, sd 0.117, max 0.720 Beijing
    assert nqp.mean() == pytest.approx(0.159, abs=5e-4)
    assert nqp.std() == pytest.approx(0.117, abs=5e-4)
    assert nqp.max() == pytest.approx(0.720, abs=5e-4)
    assert scores.loc[nqp.idxmax(), "省份"] == "北京"
    hqd = scores["高质量发展_组合得分"]
    assert hqd.mean() == pytest.approx(0.274, abs=5e-4)
    assert hqd.std() == pytest.approx(0.117, abs=5e-4)
