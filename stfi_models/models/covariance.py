"""Moved to :mod:`stfi_models.inference.covariance`; this name keeps old imports working."""

from stfi_models.inference.covariance import *  # noqa: F403
from stfi_models.inference.covariance import __all__  # noqa: F401
