"""Bundled data: classic panel datasets and China's 31-province STFI panel.

Every dataset lives in ``stfi_models/datasets/<name>/`` with a ``SOURCE.md`` citing its origin;
:func:`list_datasets` lists them.
"""

from stfi_models.datasets.loaders import (
    load_abdata,
    load_dahlberg,
    load_grunfeld,
    load_hansen1999,
)
from stfi_models.datasets.provinces import (
    PROVINCE_KEYS,
    NqpData,
    china_capital_cities,
    china_citation,
    china_contiguity,
    china_coordinates,
    china_provinces,
    china_regions,
    china_variables,
    load_china_capital,
    load_china_gdp,
    load_china_population,
    load_china_provinces,
    load_nqp,
)
from stfi_models.datasets.registry import (
    DATASETS,
    Dataset,
    dataset_citation,
    list_datasets,
    load_dataset,
)

# Re-exported for ``stfi_models`` (``sm.simulate_*``), but not part of this package's ``__all__``.
from stfi_models.datasets.synthetic import simulate_stfi_panel as simulate_stfi_panel
from stfi_models.datasets.synthetic_gmm import simulate_dynamic_panel as simulate_dynamic_panel
from stfi_models.datasets.synthetic_mediation import simulate_mediation_panel

__all__ = [
    # loaders
    "load_abdata",
    "load_grunfeld",
    "load_dahlberg",
    "load_hansen1999",
    # provinces
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
    # synthetic_mediation
    "simulate_mediation_panel",
    # registry
    "Dataset",
    "DATASETS",
    "load_dataset",
    "list_datasets",
    "dataset_citation",
]
