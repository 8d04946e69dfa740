"""lifetimes 0.11.3's Quickstart (its CDNOW steps, without the plots) run with either library.

    .venv/bin/python scripts/lifetimes_quickstart.py lifetimes > tests/fixtures/lifetimes_quickstart.json
    python scripts/lifetimes_quickstart.py clv            # the same steps with clv.lifetimes

The first form regenerates the fixture from real lifetimes (venv of scripts/python-env.sh);
python/tests/test_lifetimes_compat.py runs `quickstart()` with clv.lifetimes and compares.
Only the import lines differ between the two libraries. The Quickstart's steps on lifetimes'
synthetic example_transactions.csv use the CDNOW sample log here (that file is not in the
crate's data/); the steps on it are the same calls.
"""

import json
import sys


def quickstart(lib):
    if lib == "lifetimes":
        from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter, ParetoNBDFitter
        from lifetimes import BetaGeoBetaBinomFitter
        from lifetimes.datasets import load_cdnow_summary, load_cdnow_summary_data_with_monetary_value
        from lifetimes.datasets import load_donations, load_dataset
        from lifetimes.utils import summary_data_from_transaction_data, calibration_and_holdout_data
    else:
        from clv.lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter, ParetoNBDFitter
        from clv.lifetimes import BetaGeoBetaBinomFitter
        from clv.lifetimes.datasets import load_cdnow_summary, load_cdnow_summary_data_with_monetary_value
        from clv.lifetimes.datasets import load_donations, load_dataset
        from clv.lifetimes.utils import summary_data_from_transaction_data, calibration_and_holdout_data
    import pandas as pd

    out = {}
    data = load_cdnow_summary(index_col=[0])
    bgf = BetaGeoFitter(penalizer_coef=0.0)
    bgf.fit(data["frequency"], data["recency"], data["T"])
    out["repr"] = repr(bgf)
    out["bgf_summary"] = bgf.summary.to_dict()
    t = 1
    data["predicted_purchases"] = bgf.conditional_expected_number_of_purchases_up_to_time(
        t, data["frequency"], data["recency"], data["T"]
    )
    top = data.sort_values(by="predicted_purchases").tail(5)
    out["top5_ids"] = [int(i) for i in top.index]
    out["top5_predicted"] = [float(v) for v in top["predicted_purchases"]]
    out["p_alive_head"] = [float(v) for v in bgf.conditional_probability_alive(
        data["frequency"], data["recency"], data["T"])[:20]]
    out["expected_new"] = [float(v) for v in bgf.expected_number_of_purchases_up_to_time([1, 10, 39, 78])]
    out["pmf_0_39"] = float(bgf.probability_of_n_purchases_up_to_time(39, 0))
    individual = data.iloc[20]
    out["predict_individual"] = float(bgf.predict(10, individual["frequency"], individual["recency"], individual["T"]))

    # the transaction-log steps, on the CDNOW sample
    log = load_dataset_log()
    summary = summary_data_from_transaction_data(log, "customer_id", "date", monetary_value_col="amount",
                                                 observation_period_end="1997-09-30", freq="D", freq_multiplier=7)
    out["summary_rows"] = len(summary)
    out["summary_sums"] = {c: float(summary[c].sum()) for c in summary.columns}
    out["summary_head"] = summary.head(10).reset_index().astype({"customer_id": str}).to_dict(orient="list")
    cal = calibration_and_holdout_data(log, "customer_id", "date", calibration_period_end="1997-09-30",
                                       observation_period_end="1998-06-30", freq="D", freq_multiplier=7,
                                       monetary_value_col="amount")
    out["cal_rows"] = len(cal)
    out["cal_sums"] = {c: float(cal[c].sum()) for c in cal.columns}
    out["cal_head"] = cal.head(10).reset_index().astype({"customer_id": str}).to_dict(orient="list")
    bgf.fit(cal["frequency_cal"], cal["recency_cal"], cal["T_cal"])
    out["cal_params"] = bgf.params_.to_dict()

    # money
    money = load_cdnow_summary_data_with_monetary_value()
    returning = money[money["frequency"] > 0]
    out["corr"] = float(returning[["monetary_value", "frequency"]].corr().iloc[0, 1])
    ggf = GammaGammaFitter(penalizer_coef=0)
    ggf.fit(returning["frequency"], returning["monetary_value"])
    out["ggf_repr"] = repr(ggf)
    out["ggf_summary"] = ggf.summary.to_dict()
    profit = ggf.conditional_expected_average_profit(money["frequency"], money["monetary_value"])
    out["profit_head"] = [float(v) for v in profit.head(10)]
    out["profit_mean"] = float(profit.mean())
    out["actual_mean"] = float(money[money["frequency"] > 0]["monetary_value"].mean())
    bgf.fit(money["frequency"], money["recency"], money["T"])
    clv = ggf.customer_lifetime_value(bgf, money["frequency"], money["recency"], money["T"],
                                      money["monetary_value"], time=12, discount_rate=0.01)
    out["clv_head"] = [float(v) for v in clv.head(10)]
    out["clv_sum"] = float(clv.sum())
    clv_w = ggf.customer_lifetime_value(bgf, money["frequency"], money["recency"], money["T"],
                                        money["monetary_value"], time=12, discount_rate=0.01, freq="W")
    out["clv_weekly_sum"] = float(clv_w.sum())

    # the other fitters
    mbg = ModifiedBetaGeoFitter(penalizer_coef=0.0).fit(data["frequency"], data["recency"], data["T"])
    out["mbg_params"] = mbg.params_.to_dict()
    out["mbg_se"] = mbg.standard_errors_.to_dict()
    out["mbg_p_alive_head"] = [float(v) for v in mbg.conditional_probability_alive(
        data["frequency"], data["recency"], data["T"])[:20]]
    out["bgf_penalized"] = BetaGeoFitter(penalizer_coef=0.1).fit(
        data["frequency"], data["recency"], data["T"]).params_.to_dict()
    pnbd = ParetoNBDFitter(penalizer_coef=0.0).fit(data["frequency"], data["recency"], data["T"])
    out["pnbd_params"] = pnbd.params_.to_dict()
    don = load_donations()
    bb = BetaGeoBetaBinomFitter().fit(don["frequency"], don["recency"], don["periods"], weights=don["weights"])
    out["bgbb_params"] = bb.params_.to_dict()
    out["bgbb_expected"] = [float(v) for v in bb.conditional_expected_number_of_purchases_up_to_time(
        10, don["frequency"], don["recency"], don["periods"])[:6]]
    out["bgbb_alive"] = [float(v) for v in bb.conditional_probability_alive(
        1, don["frequency"], don["recency"], don["periods"])[:6]]
    out["bgbb_first_n"] = [float(v) for v in bb.expected_number_of_transactions_in_first_n_periods(6)["model"]]
    return out


def load_dataset_log():
    """The CDNOW sample log as a transaction DataFrame (from the crate's data/)."""
    import os
    import pandas as pd

    here = os.path.dirname(os.path.abspath(__file__))
    df = pd.read_csv(os.path.join(here, "..", "data", "CDNOW_sample.txt"), sep=r"\s+", header=None,
                     names=["customer_id", "sample_id", "date", "cds", "amount"], dtype={"date": str})
    df["date"] = pd.to_datetime(df["date"], format="%Y%m%d")
    return df[["customer_id", "date", "amount"]]


if __name__ == "__main__":
    lib = sys.argv[1] if len(sys.argv) > 1 else "lifetimes"
    result = quickstart(lib)
    if lib == "lifetimes":
        import lifetimes

        result["lifetimes_version"] = lifetimes.__version__
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    print()
