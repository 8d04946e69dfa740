"""Times the Spark pipeline (clv.spark, local mode) and the DuckDB summary on a synthetic log,
beside the single-process CLI. Usage (from the repository root, after scripts/test-all.sh has
built the package into .venv-clv and `cargo build --release` the CLI):

    target/release/clv simulate --customers 4600000 --transactions -q -o /tmp/log10m.csv
    .venv-clv/bin/python scripts/bench_spark.py /tmp/log10m.csv

Prints one line per step with its wall time; the calibration ends on 2024-06-30 and the
observation on 2024-09-30 (the simulated calendar).
"""

import os
import subprocess
import sys
import tempfile
import time

CAL, END = "2024-06-30", "2024-09-30"


def timed(label, f):
    t0 = time.perf_counter()
    out = f()
    print(f"{label}: {time.perf_counter() - t0:.1f} s", flush=True)
    return out


def main(log):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    cli = os.path.join(root, "target", "release", "clv")
    tmp = tempfile.mkdtemp()
    rfm, model, scores = (os.path.join(tmp, n) for n in ("rfm.csv", "model.json", "scores.csv"))

    def run_cli():
        subprocess.run([cli, "summarize", log, "-o", rfm, "--customer-column", "customer_id", "--date-column", "date",
                        "--amount-column", "amount", "--calibration-end", CAL, "--observation-end", END, "-q"],
                       check=True, capture_output=True)
        subprocess.run([cli, "fit", rfm, "-o", model, "-q"], check=True, capture_output=True)
        subprocess.run([cli, "predict", model, rfm, "-o", scores, "-q"], check=True, capture_output=True)

    timed("CLI summarize + fit + predict (one process each, release)", run_cli)

    import duckdb
    from clv.sql import rfm_sql

    con = duckdb.connect()
    timed("DuckDB: read CSV + SQL RFM table", lambda: con.execute(
        f"CREATE TABLE rfm AS {rfm_sql(f'read_csv_auto({log!r})', CAL, END)}").fetchall())
    print("DuckDB customers:", con.execute("SELECT COUNT(*) FROM rfm").fetchone()[0])

    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable  # workers need the interpreter that has clv
    from clv.spark import score_transactions

    spark = timed("Spark local[2] start", lambda: SparkSession.builder.master("local[2]").appName("clv-bench")
                  .config("spark.ui.enabled", "false").config("spark.driver.memory", "3g")
                  .config("spark.pyspark.python", sys.executable).getOrCreate())
    tx = spark.read.csv(log, header=True, schema="customer_id string, date date, amount double")
    out = os.path.join(tmp, "spark_scores")
    timed("Spark: SQL summary + fit on driver + score triples + join + write CSV",
          lambda: score_transactions(spark, tx, CAL, END).write.mode("overwrite").csv(out, header=True))
    import pandas as pd
    import glob

    s = pd.concat(pd.read_csv(f) for f in glob.glob(os.path.join(out, "*.csv")))
    c = pd.read_csv(scores)
    print(f"customers: Spark {len(s)}, CLI {len(c)}; total CLV: Spark {s['clv'].sum():.2f}, CLI {c['clv'].sum():.2f}")
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1])
