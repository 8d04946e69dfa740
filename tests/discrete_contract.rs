//! One contract for the discrete-time and contractual models (BG/BB, sBG, BdW), written once
//! and run for each: probabilities are probabilities, the pmf and the mean agree, survival
//! falls from 1, analytic gradients match finite differences, compression changes nothing,
//! and a simulated population gives its parameters back.

use clv::data::discrete::{DiscreteHistory, DiscreteTable};
use clv::data::periods::Periods;
use clv::data::retention::{Tenure, Tenures};
use clv::fit::{numerical_gradient, FitOptions};
use clv::models::bdw::Bdw;
use clv::models::bgbb::BgBb;
use clv::models::retention::RetentionModel;
use clv::models::sbg::Sbg;

/// What every model of this family must offer the contract.
trait Contract {
    fn name(&self) -> String;
    fn params(&self) -> Vec<f64>;
    fn with_params(&self, p: &[f64]) -> Self;
    /// A pmf over a finite support (the last entry may be the mass of a tail) and the
    /// model's own mean of the same variable.
    fn pmf_and_mean(&self) -> (Vec<f64>, f64);
    /// Probabilities the model reports (P(alive), retention, churn), each must be in [0, 1].
    fn probabilities(&self) -> Vec<f64>;
    /// Survival of a new customer over periods 0..=20 (P(alive) for BG/BB).
    fn survival_curve(&self) -> Vec<f64>;
    /// A small data set in the model's shape, with weights.
    type Data;
    fn data(&self, n: usize, seed: u64) -> Self::Data;
    fn compress(data: &Self::Data) -> Self::Data;
    /// Each distinct row of `data` alone, with weight 1.
    fn single_rows(data: &Self::Data) -> Vec<Self::Data>;
    fn log_likelihood_and_gradient(&self, data: &Self::Data) -> (f64, Vec<f64>);
    /// Fits uncompressed data from a start: params and standard errors.
    fn fit(data: &Self::Data, start: &[f64]) -> (Vec<f64>, Vec<f64>);
}

fn h(x: u32, t: u32, n: u32) -> DiscreteHistory {
    DiscreteHistory::new(x, t, n).unwrap()
}

impl Contract for BgBb {
    type Data = DiscreteTable;
    fn name(&self) -> String {
        format!("BG/BB {:?}", self.params())
    }
    fn params(&self) -> Vec<f64> {
        BgBb::params(self).to_vec()
    }
    fn with_params(&self, p: &[f64]) -> Self {
        BgBb::new(p[0], p[1], p[2], p[3]).unwrap()
    }
    fn pmf_and_mean(&self) -> (Vec<f64>, f64) {
        let n = Periods(9);
        let pmf = (0..=9)
            .map(|x| self.probability_of_transactions(x, n))
            .collect();
        (pmf, self.expected_transactions_new(n))
    }
    fn probabilities(&self) -> Vec<f64> {
        let mut out = Vec::new();
        for n in [0, 1, 6, 30] {
            for t in 0..=n {
                for x in 0..=t {
                    if (x == 0) != (t == 0) {
                        continue;
                    }
                    for ahead in [0, 1, 10] {
                        out.push(self.p_alive(&h(x, t, n), Periods(ahead)));
                    }
                }
            }
        }
        out
    }
    fn survival_curve(&self) -> Vec<f64> {
        // P(alive at k) of a new customer: the P(alive) of (0, 0, 0) k opportunities ahead
        (0..=20)
            .map(|k| self.p_alive(&h(0, 0, 0), Periods(k)))
            .collect()
    }
    fn data(&self, n: usize, seed: u64) -> DiscreteTable {
        self.simulate(n, Periods(6), seed)
    }
    fn compress(data: &DiscreteTable) -> DiscreteTable {
        data.compressed()
    }
    fn single_rows(data: &DiscreteTable) -> Vec<DiscreteTable> {
        let c = data.compressed();
        c.histories()
            .iter()
            .map(|r| DiscreteTable::new(vec![*r], vec![1.0]).unwrap())
            .collect()
    }
    fn log_likelihood_and_gradient(&self, data: &DiscreteTable) -> (f64, Vec<f64>) {
        let mut ll = 0.0;
        let mut g = vec![0.0; 4];
        for (row, w) in data.iter() {
            let (l, gr) = BgBb::log_likelihood_and_gradient(self, row);
            ll += w * l;
            for k in 0..4 {
                g[k] += w * gr[k];
            }
        }
        (ll, g)
    }
    fn fit(data: &DiscreteTable, start: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let f = BgBb::fit_from(data, start, &FitOptions::default()).unwrap();
        (f.model.params().to_vec(), f.std_errors().unwrap())
    }
}

/// The parts of the contract the two retention models share.
fn retention_pmf_and_mean<M: RetentionModel>(m: &M) -> (Vec<f64>, f64) {
    // T capped at H + 1: P(T = t) for t = 1..=H, and S(H) at H + 1;
    // E[min(T, H + 1)] = sum_{t=0}^{H} S(t)
    let horizon = 40;
    let mut pmf: Vec<f64> = (1..=horizon).map(|t| m.churn_pmf(Periods(t))).collect();
    pmf.insert(0, 0.0);
    pmf.push(m.survival(Periods(horizon)));
    let mean = (0..=horizon).map(|t| m.survival(Periods(t))).sum();
    (pmf, mean)
}

fn retention_probabilities<M: RetentionModel>(m: &M) -> Vec<f64> {
    (0..60)
        .flat_map(|t| {
            [
                m.retention_rate(Periods(t)),
                m.churn_probability(Periods(t)),
                m.churn_pmf(Periods(t)),
            ]
        })
        .collect()
}

fn retention_data<M: RetentionModel>(m: &M, n: usize, seed: u64) -> Tenures {
    m.simulate(n, Periods(12), seed)
}

fn single_tenures(data: &Tenures) -> Vec<Tenures> {
    let c = data.compressed();
    c.rows()
        .iter()
        .map(|r| Tenures::new(vec![*r], vec![1.0]).unwrap())
        .collect()
}

fn tenures_ll<F: Fn(&Tenures) -> (f64, Vec<f64>)>(f: F, data: &Tenures) -> (f64, Vec<f64>) {
    f(data)
}

impl Contract for Sbg {
    type Data = Tenures;
    fn name(&self) -> String {
        format!("sBG {:?}", self.params())
    }
    fn params(&self) -> Vec<f64> {
        Sbg::params(self).to_vec()
    }
    fn with_params(&self, p: &[f64]) -> Self {
        Sbg::new(p[0], p[1]).unwrap()
    }
    fn pmf_and_mean(&self) -> (Vec<f64>, f64) {
        retention_pmf_and_mean(self)
    }
    fn probabilities(&self) -> Vec<f64> {
        retention_probabilities(self)
    }
    fn survival_curve(&self) -> Vec<f64> {
        (0..=20).map(|t| self.survival(Periods(t))).collect()
    }
    fn data(&self, n: usize, seed: u64) -> Tenures {
        retention_data(self, n, seed)
    }
    fn compress(data: &Tenures) -> Tenures {
        data.compressed()
    }
    fn single_rows(data: &Tenures) -> Vec<Tenures> {
        single_tenures(data)
    }
    fn log_likelihood_and_gradient(&self, data: &Tenures) -> (f64, Vec<f64>) {
        tenures_ll(
            |d| {
                let (l, g) = Sbg::log_likelihood_and_gradient(self, d);
                (l, g.to_vec())
            },
            data,
        )
    }
    fn fit(data: &Tenures, start: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let f = Sbg::fit_from(data, start, &FitOptions::default()).unwrap();
        (f.model.params().to_vec(), f.std_errors().unwrap())
    }
}

impl Contract for Bdw {
    type Data = Tenures;
    fn name(&self) -> String {
        format!("BdW {:?}", self.params())
    }
    fn params(&self) -> Vec<f64> {
        Bdw::params(self).to_vec()
    }
    fn with_params(&self, p: &[f64]) -> Self {
        Bdw::new(p[0], p[1], p[2]).unwrap()
    }
    fn pmf_and_mean(&self) -> (Vec<f64>, f64) {
        retention_pmf_and_mean(self)
    }
    fn probabilities(&self) -> Vec<f64> {
        retention_probabilities(self)
    }
    fn survival_curve(&self) -> Vec<f64> {
        (0..=20).map(|t| self.survival(Periods(t))).collect()
    }
    fn data(&self, n: usize, seed: u64) -> Tenures {
        retention_data(self, n, seed)
    }
    fn compress(data: &Tenures) -> Tenures {
        data.compressed()
    }
    fn single_rows(data: &Tenures) -> Vec<Tenures> {
        single_tenures(data)
    }
    fn log_likelihood_and_gradient(&self, data: &Tenures) -> (f64, Vec<f64>) {
        let (l, g) = Bdw::log_likelihood_and_gradient(self, data);
        (l, g.to_vec())
    }
    fn fit(data: &Tenures, start: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let f = Bdw::fit_from(data, start, &FitOptions::default()).unwrap();
        (f.model.params().to_vec(), f.std_errors().unwrap())
    }
}

fn bgbb_cases() -> Vec<BgBb> {
    [
        [1.204, 0.750, 0.657, 2.783],
        [0.05, 0.02, 30.0, 0.1],
        [80.0, 150.0, 0.01, 200.0],
        [1.0, 1.0, 1.0, 1.0],
    ]
    .iter()
    .map(|p| BgBb::new(p[0], p[1], p[2], p[3]).unwrap())
    .collect()
}

fn sbg_cases() -> Vec<Sbg> {
    [
        [0.704, 1.182],
        [0.668, 3.806],
        [0.01, 0.02],
        [300.0, 50.0],
        [3.8, 15.2],
    ]
    .iter()
    .map(|p| Sbg::new(p[0], p[1]).unwrap())
    .collect()
}

fn bdw_cases() -> Vec<Bdw> {
    [
        [0.456, 0.779, 1.283],
        [0.214, 1.427, 1.724],
        [2.0, 5.0, 0.3],
        [0.05, 0.1, 3.0],
        [50.0, 200.0, 1.0],
    ]
    .iter()
    .map(|p| Bdw::new(p[0], p[1], p[2]).unwrap())
    .collect()
}

/// Runs `check` on every case of every model.
macro_rules! for_each_model {
    ($check:ident) => {
        for m in bgbb_cases() {
            $check(&m);
        }
        for m in sbg_cases() {
            $check(&m);
        }
        for m in bdw_cases() {
            $check(&m);
        }
    };
}

fn check_pmf<M: Contract>(m: &M) {
    let (pmf, mean) = m.pmf_and_mean();
    assert!(pmf.iter().all(|p| (0.0..=1.0).contains(p)), "{}", m.name());
    let total: f64 = pmf.iter().sum();
    assert!(
        (total - 1.0).abs() < 1e-10,
        "{}: pmf sums to {total}",
        m.name()
    );
    let first_moment: f64 = pmf.iter().enumerate().map(|(k, p)| k as f64 * p).sum();
    assert!(
        (first_moment - mean).abs() < 1e-9 * mean.max(1.0),
        "{}: sum n P(n) = {first_moment}, mean {mean}",
        m.name()
    );
}

#[test]
fn pmf_sums_to_one_and_mean_is_its_first_moment() {
    for_each_model!(check_pmf);
}

fn check_probabilities<M: Contract>(m: &M) {
    for p in m.probabilities() {
        assert!((0.0..=1.0).contains(&p), "{}: {p}", m.name());
    }
    let s = m.survival_curve();
    assert!((s[0] - 1.0).abs() < 1e-14, "{}: S(0) = {}", m.name(), s[0]);
    for w in s.windows(2) {
        assert!(
            w[1] <= w[0] * (1.0 + 1e-14) && w[1] >= 0.0,
            "{}: {w:?}",
            m.name()
        );
    }
}

#[test]
fn probabilities_in_unit_interval_and_survival_falls_from_one() {
    for_each_model!(check_probabilities);
}

fn check_gradient<M: Contract>(m: &M) {
    // row by row, with weight 1: finite differences of a sum of many rows would drown in the
    // ~2e-14 relative noise of the log-gamma function times the weights
    let rows = M::single_rows(&m.data(2000, 3));
    assert!(rows.len() > 1, "{}", m.name());
    let p = m.params();
    for data in rows {
        let (_, g) = m.log_likelihood_and_gradient(&data);
        // on the log scale, shifted by 100 so that the finite-difference step is ~1e-4 for
        // every parameter: the log-gamma ratios switch between approximations with jumps of
        // ~1e-13, which smaller steps would amplify (the BdW extreme point's analytic values
        // agree with mpmath to 1e-14)
        let f = |u: &[f64]| {
            let q: Vec<f64> = u.iter().map(|v| (v - 100.0).exp()).collect();
            m.with_params(&q).log_likelihood_and_gradient(&data).0
        };
        let u: Vec<f64> = p.iter().map(|v| v.ln() + 100.0).collect();
        let num = numerical_gradient(f, &u);
        for k in 0..p.len() {
            let analytic = g[k] * p[k];
            assert!(
                (analytic - num[k]).abs() < 1e-6 * (1.0 + analytic.abs()),
                "{} parameter {k}: analytic {analytic}, finite differences {}",
                m.name(),
                num[k]
            );
        }
    }
}

#[test]
fn gradients_match_finite_differences() {
    for_each_model!(check_gradient);
}

fn check_compression<M: Contract>(m: &M) {
    let data = m.data(3000, 11);
    let compressed = M::compress(&data);
    let start = vec![1.0; m.params().len()];
    let (full, _) = M::fit(&data, &start);
    let (small, _) = M::fit(&compressed, &start);
    for (a, b) in full.iter().zip(&small) {
        assert!(
            (a - b).abs() < 1e-10 * a.abs(),
            "{}: {full:?} vs {small:?}",
            m.name()
        );
    }
}

#[test]
fn fits_with_and_without_compression_agree() {
    check_compression(&bgbb_cases()[0]);
    check_compression(&sbg_cases()[0]);
    check_compression(&bdw_cases()[0]);
}

fn check_recovery<M: Contract>(m: &M, seed: u64) {
    let data = M::compress(&m.data(200_000, seed));
    let (est, se) = M::fit(&data, &vec![1.0; m.params().len()]);
    for (k, (e, t)) in est.iter().zip(m.params()).enumerate() {
        assert!(
            (e - t).abs() < 4.0 * se[k],
            "{}: parameter {k} estimated {e} (se {}), true {t}",
            m.name(),
            se[k]
        );
    }
}

#[test]
fn parameters_are_recovered_from_a_simulated_population() {
    check_recovery(&BgBb::new(1.204, 0.750, 0.657, 2.783).unwrap(), 1);
    check_recovery(&Sbg::new(0.704, 1.182).unwrap(), 2);
    check_recovery(&Sbg::new(0.668, 3.806).unwrap(), 3);
    check_recovery(&Bdw::new(0.456, 0.779, 1.283).unwrap(), 4);
    check_recovery(&Bdw::new(2.0, 5.0, 0.6).unwrap(), 5);
}

#[test]
fn sbg_is_bdw_at_c_equal_one() {
    for s in sbg_cases() {
        let [a, b] = s.params();
        let w = Bdw::new(a, b, 1.0).unwrap();
        for t in 0..30 {
            let t = Periods(t);
            assert!((s.survival(t) - w.survival(t)).abs() < 1e-13);
            assert!((s.retention_rate(t) - w.retention_rate(t)).abs() < 1e-12);
            assert!((s.churn_pmf(t) - w.churn_pmf(t)).abs() < 1e-13);
        }
        for k in [0, 3, 10] {
            let (x, y) = (
                s.derl(Periods(k), 0.1).unwrap(),
                w.derl(Periods(k), 0.1).unwrap(),
            );
            assert!((x - y).abs() < 1e-9 * x, "{a} {b} {k}: {x} vs {y}");
        }
        let data = s.data(500, 9);
        let (ls, gs) = Contract::log_likelihood_and_gradient(&s, &data);
        let (lw, gw) = Contract::log_likelihood_and_gradient(&w, &data);
        assert!((ls - lw).abs() < 1e-9 * ls.abs());
        assert!((gs[0] - gw[0]).abs() < 1e-8 * (1.0 + gs[0].abs()));
        assert!((gs[1] - gw[1]).abs() < 1e-8 * (1.0 + gs[1].abs()));
    }
    // and the data of a fitted cohort give the same fit for sBG and the BdW with c fixed at 1
    let rows = vec![Tenure::churned(Periods(0)), Tenure::active(Periods(1))];
    let t = Tenures::new(rows, vec![3.0, 5.0]).unwrap();
    let (l, _) = Contract::log_likelihood_and_gradient(&Sbg::new(1.0, 2.0).unwrap(), &t);
    // ln P(T = 1) = ln(1/3), ln S(1) = ln(2/3) at alpha = 1, beta = 2
    assert!((l - (3.0 * (1.0f64 / 3.0).ln() + 5.0 * (2.0f64 / 3.0).ln())).abs() < 1e-12);
}

#[test]
fn bgbb_conditional_distribution_sums_to_one_and_has_the_conditional_mean() {
    let mut pmf = Vec::new();
    for m in bgbb_cases() {
        for hist in [h(0, 0, 6), h(2, 4, 6), h(6, 6, 6), h(3, 5, 10), h(1, 1, 1)] {
            for horizon in [0, 1, 5, 30] {
                m.conditional_pmf(&hist, Periods(horizon), &mut pmf)
                    .unwrap();
                assert_eq!(pmf.len(), horizon as usize + 1);
                assert!(pmf.iter().all(|p| (0.0..=1.0).contains(p)));
                let total: f64 = pmf.iter().sum();
                assert!((total - 1.0).abs() < 1e-12, "{m:?} {hist:?}: sum {total}");
                // FHS 2010 eq. 13, computed by the model's own closed form
                let mean: f64 = pmf.iter().enumerate().map(|(k, p)| k as f64 * p).sum();
                let want = m.expected_transactions(&hist, Periods(horizon));
                assert!(
                    (mean - want).abs() <= 1e-10 * want.max(1.0),
                    "{m:?} {hist:?} {horizon}: mean {mean} vs eq. 13 {want}"
                );
            }
        }
    }
    let m = &bgbb_cases()[0];
    assert!(m
        .conditional_pmf(
            &h(1, 1, 1),
            Periods(clv::models::bgbb::MAX_PMF_HORIZON + 1),
            &mut pmf
        )
        .is_err());
}

/// The fixture of `scripts/bgbb_conditional_pmf_reference.py`: each probability from the
/// process's definition with mpmath at 30 digits, checked by a second derivation at 40.
#[derive(serde::Deserialize)]
struct PmfFixture {
    cases: Vec<PmfCase>,
}

#[derive(serde::Deserialize)]
struct PmfCase {
    params: [f64; 4],
    x: u32,
    t_x: u32,
    n: u32,
    horizon: u32,
    pmf: Vec<f64>,
}

#[test]
fn bgbb_conditional_distribution_matches_mpmath() {
    let text = std::fs::read_to_string("tests/fixtures/bgbb_conditional_pmf.json").unwrap();
    let fixture: PmfFixture = serde_json::from_str(&text).unwrap();
    let (mut worst, mut values, mut pmf) = (0.0f64, 0, Vec::new());
    for c in &fixture.cases {
        let [a, b, g, d] = c.params;
        let m = BgBb::new(a, b, g, d).unwrap();
        m.conditional_pmf(&h(c.x, c.t_x, c.n), Periods(c.horizon), &mut pmf)
            .unwrap();
        assert_eq!(pmf.len(), c.pmf.len());
        for (got, want) in pmf.iter().zip(&c.pmf) {
            worst = worst.max((got - want).abs() / want);
            values += 1;
        }
    }
    println!("{values} values, worst relative error {worst:.1e}");
    assert_eq!(values, 342);
    assert!(worst < 1e-9, "worst relative error {worst}");
}
