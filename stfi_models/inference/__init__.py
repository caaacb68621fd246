"""Inference for the static models: covariance kinds, small-sample df, wild cluster bootstrap.

* :mod:`~stfi_models.inference.covariance`: the covariance kinds (classical, robust,
  cluster-robust one- and multi-way, CR0-CR3, Driscoll-Kraay) with every small-sample factor
  named, and the t-test degrees of freedom;
* :mod:`~stfi_models.inference.small_sample`: CR2 / CR3 adjustments, Satterthwaite and HTZ
  degrees of freedom (R clubSandwich's conventions);
* :mod:`~stfi_models.inference.hypothesis`: linear restrictions written as text, parsed
  without evaluation, and the Wald test (``res.wald_test("x = 0, z = w")``);
* :mod:`~stfi_models.inference.wild`: the wild cluster bootstrap by the boottest algebra
  (``res.wild_bootstrap("x = 0")``).

Nothing here imports the models: estimators hand over their transformed regression
(:class:`~stfi_models.inference.covariance.Regression`).
"""

from stfi_models.inference.hypothesis import Restrictions, parse_restrictions
from stfi_models.inference.wild import WildBootstrap

__all__ = ["Restrictions", "parse_restrictions", "WildBootstrap"]
