"""clv: customer lifetime value with "buy till you die" models, computed by the Rust crate ``clv``.

The models of the marketing-science literature, fitted by maximum likelihood:

* purchase-and-dropout models for continuous time: :class:`BgNbd`, :class:`MbgNbd`,
  :class:`ParetoNbd` (every model of the crate's registry, :func:`purchase_models`);
* the spend model :class:`GammaGamma`;
* :class:`BgBb` for discrete-time purchase opportunities;
* :func:`summarize`: a transaction log to the per-customer RFM table (with a calibration /
  holdout split), :func:`value_table`: scores and discounted CLV (the columns of
  ``clv predict``), :func:`segments`: value x risk segments, :func:`report`: the HTML report.

Times carry their unit: a model fitted on weeks answers about weeks, and every horizon may be
given with its unit (``"52w"``, ``"12months"``, ``"365d"``). Inputs are numpy arrays, pandas
Series or anything array-like; tables are pandas DataFrames. Errors of the crate raise
:class:`ClvError` (a ``ValueError``) with the crate's message, naming row, column and value.

For users of Python's ``lifetimes`` 0.11.3, :mod:`clv.lifetimes` offers its API unchanged.

Example::

    import clv
    data = clv.datasets.load_cdnow_summary()
    bgnbd = clv.BgNbd.fit(data["frequency"], data["recency"], data["T"], unit="weeks")
    bgnbd.params            # {'r': 0.2426, 'alpha': 4.4136, 'a': 0.7929, 'b': 2.4259}
    bgnbd.p_alive(data["frequency"], data["recency"], data["T"])
    bgnbd.expected_purchases("52w", data["frequency"], data["recency"], data["T"])
"""

from __future__ import annotations

from ._clv import ClvError, __version__
from ._models import (
    BgBb,
    BgNbd,
    GammaGamma,
    MbgNbd,
    ParetoNbd,
    PurchaseModel,
    parse_duration,
    purchase_model,
    purchase_models,
)
from ._tables import report, segments, summarize, value_table
from . import datasets

__all__ = [
    "ClvError",
    "BgNbd",
    "MbgNbd",
    "ParetoNbd",
    "PurchaseModel",
    "GammaGamma",
    "BgBb",
    "purchase_model",
    "purchase_models",
    "parse_duration",
    "summarize",
    "value_table",
    "segments",
    "report",
    "datasets",
    "__version__",
]
