"""Tables: the summariser, the value table, segments and the report (pandas in and out)."""

from __future__ import annotations

from typing import Any, Optional, Tuple, Union

import numpy as np
import pandas as pd

from . import _clv
from ._models import GammaGamma, Horizon, PurchaseModel, _col, _unit, parse_duration

_PERIODS = {"h": "hour", "hour": "hour", "d": "day", "day": "day", "w": "week", "week": "week"}


def _seconds(values: Any) -> np.ndarray:
    """Naive timestamps (pandas/numpy datetimes or strings) as whole seconds since 1970."""
    t = pd.to_datetime(pd.Series(values) if not isinstance(values, pd.Series) else values)
    if getattr(t.dt, "tz", None) is not None:
        t = t.dt.tz_localize(None)
    return np.ascontiguousarray(t.to_numpy(dtype="datetime64[s]").astype(np.int64))


def _one_second(value: Any) -> Optional[int]:
    if value is None:
        return None
    return int(pd.Timestamp(value).to_datetime64().astype("datetime64[s]").astype(np.int64))


def summarize(
    transactions: pd.DataFrame,
    customer_id_col: str,
    datetime_col: str,
    monetary_value_col: Optional[str] = None,
    *,
    period: str = "day",
    unit: str = "days",
    observation_end: Any = None,
    calibration_end: Any = None,
) -> pd.DataFrame:
    """Summarises a transaction log into the per-customer RFM table, with the crate's
    conventions (those of lifetimes' ``summary_data_from_transaction_data``).

    All purchases of a customer in one ``period`` (``"hour"``, ``"day"``, ``"week"``: Monday to
    Sunday) count as one, amounts summed; frequency = periods with a purchase minus one,
    recency = last minus first purchase period, T = observation end minus first period, in
    ``unit``; monetary value = mean spend of the repeat periods (0 without repeat purchase).
    Customers first seen in the last period (T = 0) are left out, where lifetimes keeps them.

    With ``calibration_end`` the table summarises the calibration part (columns
    ``frequency_cal, recency_cal, T_cal[, monetary_value_cal]``) and adds
    ``frequency_holdout[, monetary_value_holdout]`` (purchase periods and total spend after the
    calibration end) and ``duration_holdout``.

    Returns:
        a DataFrame indexed by ``customer_id`` in order of first appearance; its ``attrs``
        hold the unit and counts of what was read and left out.
    """
    ids = transactions[customer_id_col].astype(str).tolist()
    secs = _seconds(transactions[datetime_col])
    amounts = None
    if monetary_value_col is not None:
        amounts = np.ascontiguousarray(transactions[monetary_value_col].to_numpy(dtype=np.float64))
    try:
        p = _PERIODS[period.lower()]
    except KeyError:
        raise _clv.ClvError(f"period {period!r}: expected hour, day or week") from None
    d = _clv.summarize(
        ids, secs, amounts, p, _unit(unit), _one_second(observation_end), _one_second(calibration_end)
    )
    cal = calibration_end is not None
    suffix = "_cal" if cal else ""
    cols = {}
    for c in ("frequency", "recency", "T", "monetary_value"):
        if c in d:
            cols[c + suffix] = d[c]
    if cal:
        cols["frequency_holdout"] = d["frequency_holdout"]
        if "monetary_value_holdout" in d:
            cols["monetary_value_holdout"] = d["monetary_value_holdout"]
        cols["duration_holdout"] = np.full(len(d["customer_id"]), d["duration_holdout"])
    out = pd.DataFrame(cols, index=pd.Index(d["customer_id"], name="customer_id"))
    out.attrs.update(
        unit=_unit(unit),
        transactions=d["transactions"],
        after_observation_end=d["after_observation_end"],
        first_seen_at_end=d["first_seen_at_end"],
    )
    return out


def _rfm_columns(data: pd.DataFrame) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    def pick(*names: str) -> np.ndarray:
        for n in names:
            if n in data.columns:
                return _col(data[n], n)
        raise _clv.ClvError(f"the table has no column {names[0]!r} (columns: {list(data.columns)})")

    mv = pick("monetary_value", "monetary_value_cal") if (
        "monetary_value" in data.columns or "monetary_value_cal" in data.columns
    ) else np.zeros(len(data))
    return pick("frequency", "frequency_cal"), pick("recency", "recency_cal"), pick("T", "T_cal"), mv


def value_table(
    model: PurchaseModel,
    spend: GammaGamma,
    data: pd.DataFrame,
    *,
    horizon: Horizon = "12months",
    step: Horizon = "1month",
    discount_rate: float = 0.01,
    margin: float = 1.0,
) -> pd.DataFrame:
    """Scores every customer of ``data`` (columns frequency, recency, T, monetary_value, in the
    model's unit; the ``*_cal`` columns of a calibration table work too): the columns of
    ``clv predict``: ``customer_id, frequency, recency, T, monetary_value, p_alive,
    churn_probability, expected_purchases, expected_spend, clv``.

    CLV sums, over the steps of ``step`` up to ``horizon`` (durations with their unit, so a
    weekly model is never asked about days), the expected purchases in each step times the
    expected spend and ``margin``, discounted by ``(1 + discount_rate)`` per step. This is the
    unit-safe form of lifetimes' ``customer_lifetime_value``.
    """
    f, r, t, m = _rfm_columns(data)
    ids = [str(i) for i in data.index]
    h_unit = "days"
    d = _clv.value(
        model.kind, model._params, model.unit, spend._params, ids, f, r, t, m,
        parse_duration(horizon, h_unit), parse_duration(step, h_unit), h_unit, discount_rate, margin,
    )
    d.pop("customer_id")
    out = pd.DataFrame(d)
    out.insert(0, "customer_id", data.index.to_numpy())
    return out


def segments(
    scores: pd.DataFrame,
    *,
    clv_quantile: float = 0.8,
    clv_amount: Optional[float] = None,
    active_level: float = 0.5,
) -> Tuple[pd.Series, pd.DataFrame]:
    """Value x risk segments of a scores table (columns ``customer_id``, ``clv``, ``p_alive``,
    as from :func:`value_table`): high value = CLV above the ``clv_quantile`` quantile (or above
    ``clv_amount``), likely active = P(alive) >= ``active_level``.

    Returns:
        each customer's segment (a Series indexed like ``scores``) and the per-segment table
        (customers, total_clv, share_of_value, mean_clv, mean_p_alive), whose ``attrs``
        hold the CLV threshold.
    """
    ids = (scores["customer_id"] if "customer_id" in scores.columns else scores.index).astype(str).tolist()
    names, rows, threshold = _clv.segments(
        ids, _col(scores["clv"], "clv"), _col(scores["p_alive"], "p_alive"), clv_quantile, clv_amount, active_level
    )
    per_customer = pd.Series(names, index=scores.index, name="segment")
    table = pd.DataFrame(
        rows, columns=["segment", "customers", "total_clv", "share_of_value", "mean_clv", "mean_p_alive"]
    ).set_index("segment")
    table.attrs["clv_threshold"] = threshold
    return per_customer, table


def report(
    data: pd.DataFrame,
    out_dir: Union[str, "Any"],
    *,
    model: str = "bgnbd",
    unit: str = "weeks",
    horizon: Horizon = "12months",
    step: Horizon = "1month",
    discount_rate: float = 0.01,
    margin: float = 1.0,
    top: int = 10,
) -> str:
    """Fits ``model`` and Gamma-Gamma to an RFM table and writes the HTML model report to
    ``out_dir`` (parameters with standard errors, calibration fit, the holdout check when
    ``data`` has ``frequency_holdout``/``duration_holdout`` columns, P(alive) and expected
    purchase matrices, CLV distribution, top customers). Returns the path of ``index.html``.
    """
    f, r, t, m = _rfm_columns(data)
    ids = [str(i) for i in data.index]
    hold = dur = None
    if "frequency_holdout" in data.columns and "duration_holdout" in data.columns:
        hold = _col(data["frequency_holdout"], "frequency_holdout")
        dur = float(data["duration_holdout"].iloc[0])
    return _clv.report(
        str(out_dir), model, _unit(unit), ids, f, r, t, m, hold, dur,
        parse_duration(horizon, "days"), parse_duration(step, "days"), "days", discount_rate, margin, top,
    )
