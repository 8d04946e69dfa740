"""lifetimes' ``utils``: the summary functions, computed by the crate's summariser."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import pandas as pd

from .. import _clv
from .._tables import _seconds, _one_second

__all__ = ["summary_data_from_transaction_data", "calibration_and_holdout_data"]

_FREQ = {"D": ("day", "days", 1.0), "W": ("week", "weeks", 1.0), "H": ("hour", "hours", 1.0)}


def _freq(freq: str):
    try:
        return _FREQ[freq]
    except KeyError:
        raise ValueError(f"freq {freq!r}: the crate summarises per hour, day or week (H, D, W)") from None


def _prepare(transactions: pd.DataFrame, datetime_col: str, datetime_format: Optional[str]) -> pd.DataFrame:
    t = transactions.copy()
    t[datetime_col] = pd.to_datetime(t[datetime_col], format=datetime_format)
    return t


def _summary(t, customer_id_col, datetime_col, monetary_value_col, end, cal_end, freq, freq_multiplier):
    period, unit, _ = _freq(freq)
    ids = t[customer_id_col].tolist()
    keys = [str(i) for i in ids]
    amounts = None
    if monetary_value_col:
        amounts = np.ascontiguousarray(t[monetary_value_col].to_numpy(dtype=np.float64))
    d = _clv.summarize(keys, _seconds(t[datetime_col]), amounts, period, unit, _one_second(end), _one_second(cal_end))
    # lifetimes keeps customers first seen in the last period, with T = 0: add them back
    cutoff = cal_end if cal_end is not None else end
    seen = t.loc[t[datetime_col] <= cutoff] if cutoff is not None else t
    original = dict(zip(keys, ids))
    # lifetimes' rows come sorted by customer id (it sorts the log by id, then date)
    order = [str(i) for i in pd.Index(pd.unique(seen[customer_id_col])).sort_values()]
    cols = {c: d[c] for c in ("frequency", "recency", "T", "monetary_value") if c in d}
    df = pd.DataFrame(cols, index=pd.Index(d["customer_id"]))
    df = df.reindex(order).fillna(0.0)
    for c in ("recency", "T"):
        df[c] = df[c] / freq_multiplier
    df.index = pd.Index([original[k] for k in df.index], name=customer_id_col)
    return df.astype(float), d


def summary_data_from_transaction_data(
    transactions: pd.DataFrame,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: Optional[str] = None,
    datetime_format: Optional[str] = None,
    observation_period_end: Any = None,
    freq: str = "D",
    freq_multiplier: int = 1,
    include_first_transaction: bool = False,
) -> pd.DataFrame:
    """lifetimes' summary: ``frequency, recency, T[, monetary_value]`` per customer, times in
    periods of ``freq`` divided by ``freq_multiplier``, indexed by ``customer_id_col``."""
    if include_first_transaction:
        raise NotImplementedError("include_first_transaction=True is not supported by the crate's summariser")
    t = _prepare(transactions, datetime_col, datetime_format)
    end = pd.to_datetime(observation_period_end, format=datetime_format) if observation_period_end is not None \
        else t[datetime_col].max()
    df, _ = _summary(t, customer_id_col, datetime_col, monetary_value_col, end, None, freq, freq_multiplier)
    return df


def calibration_and_holdout_data(
    transactions: pd.DataFrame,
    customer_id_col: str,
    datetime_col: str,
    calibration_period_end: Any,
    observation_period_end: Any = None,
    freq: str = "D",
    freq_multiplier: int = 1,
    datetime_format: Optional[str] = None,
    monetary_value_col: Optional[str] = None,
    include_first_transaction: bool = False,
) -> pd.DataFrame:
    """lifetimes' calibration/holdout table: ``frequency_cal, recency_cal, T_cal[,
    monetary_value_cal], frequency_holdout[, monetary_value_holdout], duration_holdout``.
    As in lifetimes, ``monetary_value_holdout`` is the mean of the raw holdout transactions."""
    if include_first_transaction:
        raise NotImplementedError("include_first_transaction=True is not supported by the crate's summariser")
    t = _prepare(transactions, datetime_col, datetime_format)
    end = pd.to_datetime(observation_period_end, format=datetime_format) if observation_period_end is not None \
        else t[datetime_col].max()
    cal_end = pd.to_datetime(calibration_period_end, format=datetime_format)
    t = t.loc[t[datetime_col] <= end]
    df, d = _summary(t, customer_id_col, datetime_col, monetary_value_col, end, cal_end, freq, freq_multiplier)
    df.columns = [c + "_cal" for c in df.columns]
    hold = pd.Series(d["frequency_holdout"], index=pd.Index(d["customer_id"]))
    keys = [str(i) for i in df.index]
    df["frequency_holdout"] = hold.reindex(keys).fillna(0.0).to_numpy()
    if monetary_value_col:
        h = t.loc[t[datetime_col] > cal_end]
        mean = h.groupby(h[customer_id_col].astype(str))[monetary_value_col].mean()
        df["monetary_value_holdout"] = mean.reindex(keys).fillna(0.0).to_numpy()
    df["duration_holdout"] = d["duration_holdout"] / freq_multiplier
    return df


def _customer_lifetime_value(transaction_prediction_model: Any, frequency: Any, recency: Any, T: Any,
                             monetary_value: Any, time: int = 12, discount_rate: float = 0.01,
                             freq: str = "D") -> pd.Series:
    """lifetimes' CLV sum: ``time`` steps of ``factor`` (30 for D, 4.345 for W, 1 for M, 720
    for H) time units of the model, each step's expected purchases times the spend,
    discounted by ``(1 + discount_rate)`` per step."""
    index = frequency.index if hasattr(frequency, "index") else None
    clv = pd.Series(0.0, index=index, name="clv") if index is not None else np.zeros(len(np.atleast_1d(frequency)))
    factor = {"W": 4.345, "M": 1.0, "D": 30, "H": 30 * 24}[freq]
    m = np.asarray(monetary_value, dtype=float)
    for i in np.arange(1, time + 1) * factor:
        step = np.asarray(transaction_prediction_model.predict(i, frequency, recency, T), dtype=float) - np.asarray(
            transaction_prediction_model.predict(i - factor, frequency, recency, T), dtype=float
        )
        clv = clv + (m * step) / (1 + discount_rate) ** (i / factor)
    if isinstance(clv, pd.Series):
        clv.name = "clv"
    return clv
