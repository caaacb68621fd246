"""Estimators, one module per family; see :data:`stfi_models.models.base.MODELS`."""
