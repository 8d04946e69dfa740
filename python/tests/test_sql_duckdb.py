"""clv.sql in DuckDB against the crate's own summariser on the full CDNOW master log
(23,570 customers, calibration to 1997-09-30, holdout to 1998-06-30, weeks, purchases per day)."""

import numpy as np
import pandas as pd
import pytest

import clv
from clv.sql import compressed_sql, rfm_sql

duckdb = pytest.importorskip("duckdb")


@pytest.fixture(scope="module")
def master(root):
    log = pd.read_csv(root / "data" / "CDNOW_master.txt", sep=r"\s+", dtype={"customer_id": str, "date": str})
    log["date"] = pd.to_datetime(log["date"], format="%Y%m%d")
    return log.rename(columns={"dollar_value": "amount"})[["customer_id", "date", "amount"]]


@pytest.fixture(scope="module")
def both(master):
    crate = clv.summarize(master, "customer_id", "date", "amount", period="day", unit="weeks",
                          observation_end="1998-06-30", calibration_end="1997-09-30")
    con = duckdb.connect()
    con.register("transactions", master)
    sql = con.execute(rfm_sql("transactions", "1997-09-30", "1998-06-30")).df().set_index("customer_id")
    return crate, sql, con


def test_sql_rfm_equals_the_summariser_for_every_cdnow_customer(both):
    crate, sql, _ = both
    assert len(crate) == 23570 and len(sql) == 23570
    sql = sql.loc[crate.index]
    assert list(sql.columns) == list(crate.columns)
    for c in crate.columns:
        np.testing.assert_allclose(sql[c].to_numpy(), crate[c].to_numpy(), rtol=1e-12, atol=1e-9, err_msg=c)
    # whole numbers of days: recency and T agree exactly
    assert (sql["recency_cal"] == crate["recency_cal"]).all() and (sql["T_cal"] == crate["T_cal"]).all()


def test_fit_on_the_compressed_table_equals_the_fit_on_customers(both):
    crate, sql, con = both
    con.register("rfm", sql.reset_index())
    comp = con.execute(compressed_sql("rfm")).df()
    assert comp["count"].sum() == 23570 and len(comp) < 23570 / 2
    full = clv.BgNbd.fit(crate["frequency_cal"], crate["recency_cal"], crate["T_cal"], unit="weeks")
    small = clv.BgNbd.fit(comp["frequency"], comp["recency"], comp["T"], unit="weeks", weights=comp["count"])
    for k, v in full.params.items():
        assert small.params[k] == pytest.approx(v, rel=1e-8), k
    assert small.log_likelihood == pytest.approx(full.log_likelihood, rel=1e-10)
