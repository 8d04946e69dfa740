"""The Spark pipeline (clv.spark) in local mode on the CDNOW sample log: equal to `clv report`'s
scores (tests/fixtures/cdnow_scores.csv, written by the CLI) for every customer."""

import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

pyspark = pytest.importorskip("pyspark")


def _java() -> bool:
    try:
        return subprocess.run(["java", "-version"], capture_output=True).returncode == 0
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _java(), reason="Spark needs Java 17 (.ci/run installs it)")


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    import os
    import sys

    # the Python workers must be this interpreter, which has clv installed
    os.environ["PYSPARK_PYTHON"] = sys.executable
    s = (SparkSession.builder.master("local[2]").appName("clv-test").config("spark.pyspark.python", sys.executable)
         .config("spark.sql.shuffle.partitions", "4").config("spark.ui.enabled", "false").getOrCreate())
    yield s
    s.stop()


def test_spark_scores_equal_the_cli(spark, cdnow_sample_log, root):
    from clv.spark import SCORE_COLUMNS, score_transactions

    log = cdnow_sample_log[["sample_id", "date", "amount"]].rename(columns={"sample_id": "customer_id"})
    tx = spark.createDataFrame(log)
    scores = score_transactions(spark, tx, "1997-09-30", "1998-06-30").toPandas()
    assert list(scores.columns) == SCORE_COLUMNS
    ref = pd.read_csv(root / "tests" / "fixtures" / "cdnow_scores.csv", dtype={"customer_id": str})
    assert len(scores) == len(ref) == 2357
    scores = scores.set_index("customer_id").loc[ref["customer_id"]]
    for c in SCORE_COLUMNS[1:]:
        np.testing.assert_allclose(scores[c].to_numpy(), ref[c].to_numpy(), rtol=1e-8, atol=1e-10, err_msg=c)
