"""Bundled data: classic panel datasets and China's 31-province STFI panel.

Every dataset lives in ``stfi_models/datasets/<name>/`` with a ``SOURCE.md`` citing its origin;
:func:`list_datasets` lists them.
"""

from stfi_models.datasets import loaders, provinces, registry, synthetic_mediation
from stfi_models.datasets.loaders import load_abdata, load_dahlberg, load_grunfeld
from stfi_models.datasets.provinces import (
    PROVINCE_KEYS,
    NqpData,
    china_citation,
    china_contiguity,
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
from stfi_models.datasets.synthetic import simulate_stfi_panel
from stfi_models.datasets.synthetic_gmm import simulate_dynamic_panel
from stfi_models.datasets.synthetic_mediation import simulate_mediation_panel

# Every public name of the submodules, each listed once: in the submodule's ``__all__``.
__all__ = [
    *loaders.__all__,
    *provinces.__all__,
    *synthetic_mediation.__all__,
    *registry.__all__,
]
