"""The native API (clv.BgNbd, ...) on CDNOW against the Rust results: the published figures the
Rust tests check (REFERENCE.md) and tests/fixtures/cdnow_scores.csv, written by `clv report`."""

import numpy as np
import pandas as pd
import pytest

import clv


@pytest.fixture(scope="module")
def cdnow():
    return clv.datasets.load_cdnow_summary()


def test_every_registered_model_is_reachable_and_fits_cdnow(cdnow):
    # REFERENCE.md: BG/NBD LL -9582.43, MBG/NBD alpha 6.183, Pareto/NBD LL -9595.0
    expected_ll = {"bgnbd": -9582.43, "mbgnbd": -9582.14, "pareto-nbd": -9594.98}
    assert clv.purchase_models() == ["bgnbd", "mbgnbd", "pareto-nbd"]
    for key in clv.purchase_models():
        m = clv.purchase_model(key).fit(cdnow["frequency"], cdnow["recency"], cdnow["T"], unit="weeks")
        assert abs(m.log_likelihood - expected_ll[key]) < 0.01, (key, m.log_likelihood)
        assert set(m.std_errors) == set(m.param_names())
    m = clv.BgNbd.fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    # Fader, Hardie & Lee 2005: r 0.243, alpha 4.414, a 0.793, b 2.426
    assert np.allclose(list(m.params.values()), [0.243, 4.414, 0.793, 2.426], atol=5e-4)


def test_bgnbd_predictions_match_published_figures():
    # REFERENCE.md (BTYD full precision), customer 1516: E[X(52)|...] 25.75659, P(alive) 0.9688523
    m = clv.BgNbd(0.2425982, 4.4136842, 0.7929899, 2.4261667, unit="weeks")
    assert m.p_alive(26, 30.857142857, 31)[0] == pytest.approx(0.9688523, abs=1e-6)
    assert m.expected_purchases("52w", 26, 30.857142857, 31)[0] == pytest.approx(25.75659, abs=1e-4)
    # the same horizon in days: units are explicit
    assert m.expected_purchases((364, "days"), 26, 30.857142857, 31)[0] == pytest.approx(25.75659, abs=1e-4)
    assert m.expected_purchases_new([52.0])[0] == pytest.approx(1.444004, abs=1e-5)
    pmf = [m.probability_of_purchases(n, "39w") for n in range(200)]
    assert sum(pmf) == pytest.approx(1.0, abs=1e-6)
    assert sum(n * p for n, p in enumerate(pmf)) == pytest.approx(m.expected_purchases_new([39.0])[0], rel=1e-6)


def test_gamma_gamma_and_bgbb_reach_their_references(cdnow):
    gg = clv.GammaGamma.fit(cdnow["frequency"], cdnow["monetary_value"])
    # Fader & Hardie 2013 (note 025): p 6.25, q 3.74, gamma 15.44, LL -4055.92
    assert np.allclose(list(gg.params.values()), [6.25, 3.74, 15.44], atol=0.01)
    assert gg.fit_report["log_likelihood"] == pytest.approx(-4055.92, abs=0.01)
    spend = gg.expected_spend(cdnow["frequency"], cdnow["monetary_value"])[:10]
    assert np.allclose(spend, [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17], atol=0.01)
    don = clv.datasets.load_donations()
    bb = clv.BgBb.fit(don["frequency"], don["recency"], don["periods"], weights=don["weights"])
    # Fader, Hardie & Shang 2010: alpha 1.204, beta 0.750, gamma 0.657, delta 2.783, LL -33225.6
    assert np.allclose(list(bb.params.values()), [1.204, 0.750, 0.657, 2.783], atol=1e-3)
    assert bb.fit_report["log_likelihood"] == pytest.approx(-33225.6, abs=0.05)
    assert bb.p_alive([0, 2, 6], [0, 4, 6], 6, ahead=1) == pytest.approx([0.11, 0.59, 0.93], abs=0.005)


def test_summarize_reproduces_the_published_cdnow_summary(cdnow_sample_log, cdnow):
    s = clv.summarize(cdnow_sample_log, "sample_id", "date", "amount", period="day", unit="weeks",
                      observation_end="1997-09-30")
    assert len(s) == 2357 and s.attrs["unit"] == "weeks"
    s.index = s.index.astype(int)
    s = s.sort_index()
    for col in ("frequency", "recency", "T"):
        assert np.allclose(s[col].to_numpy(), cdnow[col].to_numpy(), atol=0.005), col


def test_pipeline_equals_clv_report_scores(cdnow_sample_log, root):
    """summarize -> fit BG/NBD and Gamma-Gamma -> value table gives `clv report`'s scores.csv."""
    rfm = clv.summarize(cdnow_sample_log, "sample_id", "date", "amount", unit="weeks",
                        calibration_end="1997-09-30")
    bg = clv.BgNbd.fit(rfm["frequency_cal"], rfm["recency_cal"], rfm["T_cal"], unit="weeks")
    gg = clv.GammaGamma.fit(rfm["frequency_cal"], rfm["monetary_value_cal"])
    scores = clv.value_table(bg, gg, rfm, horizon="12months", step="1month", discount_rate=0.01)
    ref = pd.read_csv(root / "tests" / "fixtures" / "cdnow_scores.csv", dtype={"customer_id": str})
    assert list(scores.columns) == list(ref.columns)
    scores = scores.set_index("customer_id").loc[ref["customer_id"]]
    for col in ref.columns[1:]:
        np.testing.assert_allclose(scores[col].to_numpy(), ref[col].to_numpy(), rtol=1e-9, atol=1e-12, err_msg=col)
    # holdout columns: 39 weeks, 1882 purchases (README)
    assert rfm["duration_holdout"].iloc[0] == pytest.approx(39.0)
    assert rfm["frequency_holdout"].sum() == 1882


def test_segments_and_report(tmp_path, cdnow):
    bg = clv.BgNbd.fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    gg = clv.GammaGamma.fit(cdnow["frequency"], cdnow["monetary_value"])
    scores = clv.value_table(bg, gg, cdnow)
    per, table = clv.segments(scores)
    assert len(per) == len(scores) and table["customers"].sum() == len(scores)
    assert table.attrs["clv_threshold"] == pytest.approx(np.quantile(scores["clv"], 0.8), rel=1e-2)
    path = clv.report(cdnow, tmp_path / "report", unit="weeks")
    html = open(path).read()
    assert "BG/NBD" in html and (tmp_path / "report" / "p_alive_matrix.svg").exists()


def test_errors_carry_the_crates_message():
    with pytest.raises(clv.ClvError, match=r"row 2, column `frequency`.*-1"):
        clv.BgNbd.fit([1, -1, 0], [1.0, 0.0, 0.0], [5.0, 5.0, 5.0])
    with pytest.raises(clv.ClvError, match="recency"):
        clv.BgNbd.fit([1, 2], [3.0, 9.0], [5.0, 5.0])
    with pytest.raises(ValueError):  # ClvError is a ValueError
        clv.BgNbd(-1.0, 1.0, 1.0, 1.0)
    with pytest.raises(clv.ClvError, match="not a registered purchase model"):
        clv.purchase_model("nope")


def test_help_reads_well():
    doc = clv.BgNbd.__doc__
    assert "Fader, Hardie & Lee 2005" in doc and "fit" in clv.PurchaseModel.fit.__doc__
    assert clv.BgNbd.param_names() == ["r", "alpha", "a", "b"]
    assert clv.BgNbd.description()


def test_outputs_are_numpy_arrays(cdnow):
    m = clv.BgNbd(0.2426, 4.4136, 0.7929, 2.4259)
    p = m.p_alive(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert isinstance(p, np.ndarray) and p.dtype == np.float64 and p.shape == (2357,)
    assert p.flags["OWNDATA"] or p.base is not None
