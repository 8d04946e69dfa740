"""lifetimes' dataset loaders, reading the crate's own data where it is the same data.

* ``load_cdnow_summary``: lifetimes' ``cdnow_customers_summary.csv`` (columns ``ID,
  frequency, recency, T``) holds the same numbers as the crate's ``data/cdnow_summary.csv``;
* ``load_cdnow_summary_data_with_monetary_value``: lifetimes'
  ``cdnow_customers_summary_with_transactions.csv`` is byte for byte ``data/cdnow_summary.csv``;
* ``load_donations``: byte for byte ``data/donations.csv``;
* ``load_transaction_data`` (lifetimes' synthetic ``example_transactions.csv``) is not in the
  crate's data: it raises ``FileNotFoundError``.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

from .. import _clv


def _csv(name: str, **kwargs: Any) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(_clv.dataset(name)), **kwargs)


def load_dataset(filename: str, **kwargs: Any) -> pd.DataFrame:
    """A data set by lifetimes' file name, with ``pandas.read_csv`` keyword arguments."""
    if filename == "cdnow_customers_summary.csv":
        return load_cdnow_summary(**kwargs)
    if filename in ("cdnow_customers_summary_with_transactions.csv", "cdnow_summary.csv"):
        return _csv("cdnow_summary.csv", **kwargs)
    if filename == "donations.csv":
        return _csv("donations.csv", **kwargs)
    raise FileNotFoundError(f"{filename}: not among the crate's data sets (data/)")


def load_donations(**kwargs: Any) -> pd.DataFrame:
    """Donations: ``frequency, recency, periods, weights``."""
    return _csv("donations.csv", **kwargs)


def load_cdnow_summary(**kwargs: Any) -> pd.DataFrame:
    """CDNOW summary: ``ID, frequency, recency, T`` (``index_col=[0]`` indexes by ID)."""
    df = _csv("cdnow_summary.csv").iloc[:, :4]
    df.columns = ["ID", "frequency", "recency", "T"]
    text = df.to_csv(index=False)
    return pd.read_csv(io.StringIO(text), **kwargs)


def load_cdnow_summary_data_with_monetary_value(**kwargs: Any) -> pd.DataFrame:
    """CDNOW summary with ``monetary_value``, indexed by ``customer_id``."""
    df = _csv("cdnow_summary.csv", **kwargs)
    df.columns = ["customer_id", "frequency", "recency", "T", "monetary_value"]
    return df.set_index("customer_id")


def load_transaction_data(**kwargs: Any) -> pd.DataFrame:
    """lifetimes' synthetic example transactions: not shipped with the crate."""
    raise FileNotFoundError(
        "lifetimes' example_transactions.csv is not in the crate's data/; "
        "use clv.datasets.load_cdnow_sample() for a real transaction log"
    )
