"""SQL for engines that hold the transactions (DuckDB, Spark SQL): the group-bys that grow with
the data, with the crate's summariser conventions, so that the crate only fits on the
compressed table and scores distinct (frequency, recency, T) triples.

The queries are plain SQL (CTEs, GROUP BY, COUNT(DISTINCT), CASE) that DuckDB and Spark SQL
both run; the one engine-specific piece is the expression that turns the date column into a
whole day number (:data:`DAY_NUMBER`).

Conventions (those of :func:`clv.summarize` with ``period="day"``): all purchases of a customer
on one calendar day count as one purchase, amounts summed; frequency = purchase days - 1;
recency = last - first purchase day, T = calibration end - first purchase day, both in
``unit_days`` (7: weeks); monetary value = mean spend of the repeat days (0 without repeat);
customers first seen after the calibration end, or on its very day (T = 0), are left out;
frequency_holdout = purchase days after the calibration end up to the observation end,
monetary_value_holdout = their total spend, duration_holdout = the holdout length.
"""

from __future__ import annotations

import datetime as _dt
from typing import Optional

#: The day number (days since 1970-01-01) of a date or timestamp column, per engine.
DAY_NUMBER = {
    "duckdb": "CAST(date_diff('day', DATE '1970-01-01', CAST({col} AS DATE)) AS INTEGER)",
    "spark": "datediff(CAST({col} AS DATE), DATE '1970-01-01')",
}


def _day(d) -> int:
    if isinstance(d, str):
        d = _dt.date.fromisoformat(d[:10])
    if isinstance(d, _dt.datetime):
        d = d.date()
    return (d - _dt.date(1970, 1, 1)).days


def rfm_sql(
    table: str,
    calibration_end,
    observation_end,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: Optional[str] = "amount",
    unit_days: float = 7.0,
    dialect: str = "duckdb",
) -> str:
    """The query from a transaction table to the RFM table with holdout columns:
    ``customer_id, frequency_cal, recency_cal, T_cal[, monetary_value_cal], frequency_holdout[,
    monetary_value_holdout], duration_holdout`` (the columns of ``clv summarize
    --calibration-end``)."""
    day = DAY_NUMBER[dialect].format(col=date_col)
    cal, end = _day(calibration_end), _day(observation_end)
    amount = f"SUM(CAST({amount_col} AS DOUBLE))" if amount_col else "CAST(0 AS DOUBLE)"
    u = float(unit_days)
    money_cal = (
        f",\n    CASE WHEN c.n_days > 1 THEN (c.total - c.first_total) / (c.n_days - 1) ELSE CAST(0 AS DOUBLE) END"
        " AS monetary_value_cal" if amount_col else ""
    )
    money_hold = ",\n    COALESCE(h.spend, CAST(0 AS DOUBLE)) AS monetary_value_holdout" if amount_col else ""
    return f"""
WITH daily AS (
  SELECT CAST({customer_col} AS STRING) AS customer_id, {day} AS day, {amount} AS spend
  FROM {table}
  WHERE {day} <= {end}
  GROUP BY CAST({customer_col} AS STRING), {day}
),
firsts AS (
  SELECT customer_id, MIN(day) AS first_day FROM daily GROUP BY customer_id
),
cal AS (
  SELECT d.customer_id, f.first_day, COUNT(*) AS n_days, MAX(d.day) AS last_day,
         SUM(d.spend) AS total,
         SUM(CASE WHEN d.day = f.first_day THEN d.spend ELSE CAST(0 AS DOUBLE) END) AS first_total
  FROM daily d JOIN firsts f ON d.customer_id = f.customer_id
  WHERE d.day <= {cal}
  GROUP BY d.customer_id, f.first_day
),
hold AS (
  SELECT customer_id, COUNT(*) AS n_days, SUM(spend) AS spend
  FROM daily WHERE day > {cal} GROUP BY customer_id
)
SELECT
    c.customer_id,
    CAST(c.n_days - 1 AS DOUBLE) AS frequency_cal,
    CAST(c.last_day - c.first_day AS DOUBLE) / {u} AS recency_cal,
    CAST({cal} - c.first_day AS DOUBLE) / {u} AS T_cal{money_cal},
    CAST(COALESCE(h.n_days, 0) AS DOUBLE) AS frequency_holdout{money_hold},
    CAST({end - cal} AS DOUBLE) / {u} AS duration_holdout
FROM cal c LEFT JOIN hold h ON c.customer_id = h.customer_id
WHERE c.first_day < {cal}
"""


def compressed_sql(rfm: str, frequency: str = "frequency_cal", recency: str = "recency_cal", age: str = "T_cal") -> str:
    """The query from an RFM table to the compressed table of distinct
    ``(frequency, recency, T)`` with their ``count``: what the crate fits on (as weights)."""
    return f"""
SELECT {frequency} AS frequency, {recency} AS recency, {age} AS T, COUNT(*) AS count
FROM {rfm}
GROUP BY {frequency}, {recency}, {age}
"""
