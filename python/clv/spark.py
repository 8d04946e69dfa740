"""The crate on Spark: the engine does the group-bys that grow with the data, the driver fits
on the compressed table and the crate scores the distinct histories.

Pipeline of :func:`score_transactions`:

1. Spark SQL (:func:`clv.sql.rfm_sql`): transactions -> one RFM row per customer (calibration
   and holdout columns);
2. Spark SQL: RFM -> distinct (frequency, recency, T) with counts, and distinct (frequency,
   monetary value) with counts; both are collected to the driver (thousands of rows for
   millions of customers) and fitted there (BG/NBD or another registered model, Gamma-Gamma),
   the counts as weights;
3. Spark SQL: the distinct (frequency, recency, T) are collected and scored by the crate on
   the driver (P(alive), expected purchases, discounted expected purchases), sent back as a
   small DataFrame and joined to the customers;
4. ``mapInPandas`` over the partitions: the crate's Gamma-Gamma expected spend of each
   customer (it depends on the customer's own mean spend) and CLV = discounted purchases x
   expected spend x margin.

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
    purchases per day), the columns of ``clv predict``. Needs pyarrow (``mapInPandas``)."""
    transactions.createOrReplaceTempView("clv_transactions")
    rfm = spark.sql(rfm_sql("clv_transactions", calibration_end, observation_end, customer_col=customer_col,
                            date_col=date_col, amount_col=amount_col, dialect="spark"))
    rfm.createOrReplaceTempView("clv_rfm")
    purchase, spend = fit_from_rfm(spark, "clv_rfm", model=model)
    # the purchase side depends on (frequency, recency, T) only: score each distinct triple once
    keys = spark.sql(
        "SELECT DISTINCT frequency_cal AS frequency, recency_cal AS recency, T_cal AS T FROM clv_rfm"
    ).toPandas()
    keys["monetary_value"] = 0.0
    tri = value_table(purchase, spend, keys, horizon=horizon, step=step, discount_rate=discount_rate,
                      margin=margin)
    # with monetary value 0 the expected spend is the population mean (> 0): the CLV over it is
    # the discounted expected purchases times the margin
    tri["discounted"] = tri["clv"] / (tri["expected_spend"] * margin)
    tri = tri[["p_alive", "churn_probability", "expected_purchases", "discounted"]].assign(
        frequency=keys["frequency"].to_numpy(), recency=keys["recency"].to_numpy(), T=keys["T"].to_numpy())
    spark.createDataFrame(tri).createOrReplaceTempView("clv_triples")
    joined = spark.sql(
        "SELECT r.customer_id, r.frequency_cal AS frequency, r.recency_cal AS recency, r.T_cal AS T, "
        "r.monetary_value_cal AS monetary_value, s.p_alive, s.churn_probability, s.expected_purchases, "
        "s.discounted FROM clv_rfm r JOIN clv_triples s "
        "ON r.frequency_cal = s.frequency AND r.recency_cal = s.recency AND r.T_cal = s.T"
    )
    params = list(spend.params.values())

    def spend_and_value(batches):
        gg = GammaGamma(*params)
        for b in batches:
            e = gg.expected_spend(b["frequency"].to_numpy(), b["monetary_value"].to_numpy())
            b["expected_spend"] = e
            b["clv"] = b["discounted"].to_numpy() * e * margin
            yield b[SCORE_COLUMNS]

    schema = ("customer_id string, frequency double, recency double, T double, monetary_value double, "
              "p_alive double, churn_probability double, expected_purchases double, expected_spend double, "
              "clv double")
    return joined.mapInPandas(spend_and_value, schema)
