//! The conditional distribution of future purchases given a history, against
//! `tests/fixtures/conditional_pmf.json`: mpmath at 30 digits from the process description
//! (latent rates and dropout integrated out, each value computed twice), written by
//! `scripts/conditional_pmf_reference.py`; for Pareto/NBD it also holds lifetimes 0.11.3's
//! `conditional_probability_of_n_purchases_up_to_time`, which agrees to 1.2e-14.

use clv::models::{AnyPurchaseModel, BgNbd, MbgNbd, ParetoNbd, PurchaseModel};
use clv::{Duration, Rfm, TimeUnit};
use serde_json::Value;

fn fixture() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/conditional_pmf.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn model(key: &str, p: &Value) -> AnyPurchaseModel {
    let g = |k: &str| p[k].as_f64().unwrap();
    let w = TimeUnit::Weeks;
    match key {
        "bgnbd" => BgNbd::new(g("r"), g("alpha"), g("a"), g("b"), w)
            .unwrap()
            .into(),
        "mbgnbd" => MbgNbd::new(g("r"), g("alpha"), g("a"), g("b"), w)
            .unwrap()
            .into(),
        "pareto_nbd" => ParetoNbd::new(g("r"), g("alpha"), g("s"), g("beta"), w)
            .unwrap()
            .into(),
        other => panic!("unknown model {other}"),
    }
}

#[test]
fn conditional_distributions_match_mpmath_for_every_model() {
    let f = fixture();
    let mut compared = 0;
    for key in ["bgnbd", "mbgnbd", "pareto_nbd"] {
        let entry = &f["models"][key];
        let m = model(key, &entry["params"]);
        let mut pmf = Vec::new();
        for case in entry["cases"].as_array().unwrap() {
            let g = |k: &str| case[k].as_f64().unwrap();
            let c = Rfm::new(g("x") as u32, g("t_x"), g("T"), TimeUnit::Weeks).unwrap();
            m.conditional_pmf(&c, Duration::weeks(g("t")), 1e-14, &mut pmf)
                .unwrap();
            for (n, want) in case["pmf"].as_array().unwrap().iter().enumerate() {
                let want = want.as_f64().unwrap();
                let got = pmf.get(n).copied().unwrap_or(0.0);
                let tolerance = 1e-11 + 1e-8 * want;
                assert!(
                    (got - want).abs() < tolerance,
                    "{key} {c:?} t {}: P(Y = {n}) {got} vs mpmath {want}",
                    g("t")
                );
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 752 + 749 + 749);
}
