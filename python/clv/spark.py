"""The crate on Spark: the engine does the group-bys that grow with the data, the driver fits
on the compressed table and the crate scores the distinct histories.

Pipeline of :func:`score_transactions`:

1. Spark SQL (:func:`clv.sql.rfm_sql`): transactions -> one RFM row per customer (calibration
   and holdout columns);
2. Spark SQL: RFM -> distinct (frequency, recency, T) with counts, and distinct (frequency,
   monetary value) with counts; both are collected to the driver (thousands of rows for
   millions of customers) and fitted there (BG/NBD or another registered model, Gamma-Gamma),
   the counts as weights;
3. Spark SQL: the distinct (frequency, recency, T, monetary value) are collected and scored
   by the crate (:func:`clv.value_table`) on the driver, sent back as a small DataFrame and
   joined to the customers.

The output has the columns of ``clv predict``: ``customer_id, frequency, recency, T,
monetary_value, p_alive, churn_probability, expected_purchases, expected_spend, clv``.
"""

from __future__ import annotations

from typing import Any, Tuple

import numpy as np
import pandas as pd

from ._models import GammaGamma, PurchaseModel, purchase_model
from ._tables import value_table
from .sql import compressed_sql, rfm_sql

SCORE_COLUMNS = [
    "customer_id", "frequency", "recency", "T", "monetary_value", "p_alive", "churn_probability",
    "expected_purchases", "expected_spend", "clv",
]


def fit_from_rfm(spark: Any, rfm_view: str, model: str = "bgnbd", unit: str = "weeks") -> Tuple[PurchaseModel, GammaGamma]:
    """Fits the purchase model and Gamma-Gamma on the driver from the compressed tables."""
    comp = spark.sql(compressed_sql(rfm_view)).toPandas()
    purchase = purchase_model(model).fit(comp["frequency"], comp["recency"], comp["T"], unit=unit,
                                         weights=comp["count"].astype(float))
    money = spark.sql(
        f"SELECT frequency_cal AS frequency, monetary_value_cal AS monetary_value, COUNT(*) AS count "
        f"FROM {rfm_view} WHERE frequency_cal > 0 GROUP BY frequency_cal, monetary_value_cal"
    ).toPandas()
    spend = GammaGamma.fit(money["frequency"], money["monetary_value"], weights=money["count"].astype(float))
    return purchase, spend


def score_transactions(
    spark: Any,
    transactions: Any,
    calibration_end: str,
    observation_end: str,
    *,
    customer_col: str = "customer_id",
    date_col: str = "date",
    amount_col: str = "amount",
    model: str = "bgnbd",
    horizon: Any = "12months",
    step: Any = "1month",
    discount_rate: float = 0.01,
    margin: float = 1.0,
) -> Any:
    """From a Spark DataFrame of transactions to a Spark DataFrame of scores (times in weeks,
    purchases per day), the columns of ``clv predict``."""
    transactions.createOrReplaceTempView("clv_transactions")
    rfm = spark.sql(rfm_sql("clv_transactions", calibration_end, observation_end, customer_col=customer_col,
                            date_col=date_col, amount_col=amount_col, dialect="spark"))
    rfm.createOrReplaceTempView("clv_rfm")
    purchase, spend = fit_from_rfm(spark, "clv_rfm", model=model)
    keys = spark.sql(
        "SELECT DISTINCT frequency_cal AS frequency, recency_cal AS recency, T_cal AS T, "
        "monetary_value_cal AS monetary_value FROM clv_rfm"
    ).toPandas()
    scored = value_table(purchase, spend, keys, horizon=horizon, step=step, discount_rate=discount_rate,
                         margin=margin).drop(columns=["customer_id"])
    scored[["frequency", "recency", "T", "monetary_value"]] = keys[["frequency", "recency", "T", "monetary_value"]].to_numpy()
    spark.createDataFrame(scored).createOrReplaceTempView("clv_scored")
    return spark.sql(
        "SELECT r.customer_id, s.frequency, s.recency, s.T, s.monetary_value, s.p_alive, s.churn_probability, "
        "s.expected_purchases, s.expected_spend, s.clv FROM clv_rfm r JOIN clv_scored s "
        "ON r.frequency_cal = s.frequency AND r.recency_cal = s.recency AND r.T_cal = s.T "
        "AND r.monetary_value_cal = s.monetary_value"
    )
