"""A drop-in for Python ``lifetimes`` 0.11.3, computed by the crate.

Change ``from lifetimes import ...`` to ``from clv.lifetimes import ...`` (and
``lifetimes.utils`` / ``lifetimes.datasets`` to ``clv.lifetimes.utils`` /
``clv.lifetimes.datasets``): the fitters, their attributes and methods, and the summary
functions keep lifetimes' names, signatures and return types. Plotting
(``lifetimes.plotting``) is not provided.

lifetimes' CLV time-unit trap (its issue #137: ``customer_lifetime_value`` defaults to
``freq="D"``, so a model fitted on weeks gets 30-week "months") is kept here for
compatibility; :func:`clv.value_table` is the unit-safe call.
"""

from .fitters import (
    BetaGeoBetaBinomFitter,
    BetaGeoFitter,
    GammaGammaFitter,
    ModifiedBetaGeoFitter,
    ParetoNBDFitter,
)
from . import datasets, utils

__version__ = "0.11.3"

__all__ = [
    "BetaGeoFitter",
    "ModifiedBetaGeoFitter",
    "ParetoNBDFitter",
    "GammaGammaFitter",
    "BetaGeoBetaBinomFitter",
    "utils",
    "datasets",
]
