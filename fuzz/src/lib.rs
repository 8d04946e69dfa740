//! The fuzz targets' bodies, one function per parser of user files (the binaries in
//! `fuzz_targets/` call them). Each parses the bytes in memory, must not panic, and checks on
//! success what the parser promises: only finite numbers, probabilities in [0, 1], positive
//! costs and model parameters. Where the CLI offers options (date formats, separators, refund
//! policies...), the first input bytes choose them: see each function.

use std::io::Cursor;

use clv::analysis::cohorts::attribute_map_from_reader;
use clv::analysis::AcquisitionCosts;
use clv::data::transactions::{
    summarize_csv_reader, DateFormat, LogOrder, NaiveDate, NaiveDateTime, Period, RefundPolicy,
    Summary, TransactionLogOptions,
};
use clv::data::{Column, RfmChunks};
use clv::fit::Fitted;
use clv::models::{AnyPurchaseModel, BgNbd, GammaGamma, PurchaseModel, SpendModel};
use clv::value::ValueTable;
use clv::{CustomerTable, Duration, Rfm, RfmCsvOptions, TimeUnit};
use serde::Deserialize;

fn all_finite<'a>(col: impl IntoIterator<Item = &'a f64>) -> bool {
    col.into_iter().all(|v| v.is_finite())
}

/// What every RFM table promises: finite frequency, recency and age with
/// `0 <= recency <= age`, finite non-negative spend, finite positive weights.
pub fn check_table(t: &CustomerTable) {
    assert_eq!(t.ids().len(), t.len());
    for i in 0..t.len() {
        let (x, r, a) = (t.frequency()[i], t.recency()[i], t.age()[i]);
        assert!(x.is_finite() && r.is_finite() && a.is_finite(), "row {i}");
        assert!(x >= 0.0 && x.fract() == 0.0, "row {i}: frequency {x}");
        assert!(0.0 <= r && r <= a, "row {i}: recency {r}, T {a}");
    }
    if let Some(m) = t.monetary_value() {
        assert!(m.iter().all(|v| v.is_finite() && *v >= 0.0));
    }
    if let Some(w) = t.weights() {
        assert!(w.iter().all(|v| v.is_finite() && *v > 0.0));
    }
}

/// RFM CSV, whole (`CustomerTable::from_csv_reader`) with lifetimes' column names, CDNOW's
/// (`ID,x,t_x,T,zbar`) and the `_cal` names the CLI picks for a calibration file; and in
/// chunks (`RfmChunks`, as the CLI streams it) of 1 to 251 bytes (the input's length modulo
/// 251, so that the seeds stay plain CSV). A file read whole must read the same in chunks.
/// Returns how many of the three readings gave a table.
pub fn rfm_csv(data: &[u8]) -> usize {
    let chunk_bytes = 1 + data.len() % 251;
    let mut read = 0;
    let mut cal = RfmCsvOptions::new(TimeUnit::Days).columns(
        "customer_id",
        "frequency_cal",
        "recency_cal",
        "T_cal",
    );
    cal.monetary_value = Column::IfPresent("monetary_value_cal".into());
    for options in [
        RfmCsvOptions::new(TimeUnit::Weeks),
        RfmCsvOptions::new(TimeUnit::Weeks)
            .columns("ID", "x", "t_x", "T")
            .monetary_value("zbar"),
        cal,
    ] {
        let whole = CustomerTable::from_csv_reader(data, &options);
        if let Ok(t) = &whole {
            check_table(t);
            read += 1;
        }
        let chunks = RfmChunks::new(data, &options, chunk_bytes)
            .and_then(|c| c.collect::<clv::Result<Vec<CustomerTable>>>());
        if let Ok(chunks) = &chunks {
            chunks.iter().for_each(check_table);
        }
        if let Ok(t) = &whole {
            let chunks = match chunks {
                Ok(c) => c,
                Err(e) => panic!("read whole but not in chunks of {chunk_bytes} bytes: {e}"),
            };
            let rows: usize = chunks.iter().map(CustomerTable::len).sum();
            assert_eq!(rows, t.len(), "rows whole and in chunks of {chunk_bytes}");
            let mut i = 0;
            for c in &chunks {
                for j in 0..c.len() {
                    assert_eq!(c.ids()[j], t.ids()[i]);
                    assert_eq!(c.frequency()[j], t.frequency()[i]);
                    assert_eq!(c.recency()[j], t.recency()[i]);
                    assert_eq!(c.age()[j], t.age()[i]);
                    i += 1;
                }
            }
        }
    }
    read
}

/// Layouts of a transaction log (byte 1 of the input, modulo 8).
fn log_layout(selector: u8) -> TransactionLogOptions {
    let named = || TransactionLogOptions::new("customer_id", "date").amount("amount");
    match selector % 8 {
        0 => named(),
        // CDNOW_sample.txt: whitespace, no header, columns by position, YYYYMMDD
        1 => TransactionLogOptions::new(1, 2)
            .amount(4)
            .whitespace()
            .no_header()
            .date_format(DateFormat::Compact),
        2 => named().delimiter(b';'),
        3 => named().delimiter(b'\t').date_format(DateFormat::IsoDate),
        4 => named().date_format(DateFormat::IsoDateTime),
        5 => named().date_format(DateFormat::Custom("%d/%m/%Y".into())),
        6 => named().date_format(DateFormat::Custom("%Y-%m-%d %H:%M".into())),
        // header, columns by position, no amount
        _ => TransactionLogOptions::new(0, 1),
    }
}

/// Transaction log (`summarize_csv_reader`). Byte 0 chooses the summary: bits 0-1 the refund
/// policy (reject, net, drop), bits 2-3 the period (day, week, hour), bit 4 an unordered log,
/// bit 5 a calibration end, bit 6 dates in 1997 (CDNOW) rather than 2024, bit 7 an observation
/// end and a first-purchase cohort. Byte 1 chooses the layout ([`log_layout`]); the rest is
/// the log. Returns whether the log gave a summary.
pub fn transaction_log(data: &[u8]) -> bool {
    if data.len() < 2 {
        return false;
    }
    let (s, log) = (data[0], &data[2..]);
    let mut o = log_layout(data[1]);
    o = o.refunds(match s & 3 {
        1 => RefundPolicy::Net,
        2 => RefundPolicy::Drop,
        _ => RefundPolicy::Reject,
    });
    o = o.period(match (s >> 2) & 3 {
        1 => Period::Week,
        2 => Period::Hour,
        _ => Period::Day,
    });
    if s & 0x10 != 0 {
        o.summary.order = LogOrder::Unordered;
    }
    let day = |y, m, d| -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("a valid date")
    };
    let year = if s & 0x40 != 0 { 1997 } else { 2024 };
    let calibration_end = (s & 0x20 != 0).then(|| day(year, 2, 15));
    if s & 0x80 != 0 {
        o = o
            .observation_end(day(year, 6, 30))
            .first_purchase_between(day(year, 1, 1), day(year, 1, 31));
    }
    match summarize_csv_reader(log, &o, calibration_end) {
        Ok(summary) => {
            check_summary(&summary);
            true
        }
        Err(_) => false,
    }
}

fn check_summary(s: &Summary) {
    check_table(&s.table);
    if let Some(h) = &s.holdout {
        assert_eq!(h.purchases.len(), s.table.len());
        assert!(h.purchases.iter().all(|v| v.is_finite() && *v >= 0.0));
        if let Some(spend) = &h.spend {
            assert!(all_finite(spend));
        }
        assert!(h.duration.amount.is_finite() && h.duration.amount >= 0.0);
    }
}

/// Scores CSV as `clv predict` writes it (`ValueTable::from_csv_reader`). Returns whether it
/// gave a table.
pub fn scores_csv(data: &[u8]) -> bool {
    let read = ValueTable::from_csv_reader(data, TimeUnit::Weeks);
    if let Ok(t) = &read {
        let n = t.ids.len();
        for col in [
            &t.frequency,
            &t.recency,
            &t.age,
            &t.monetary_value,
            &t.p_alive,
            &t.churn_probability,
            &t.expected_purchases,
            &t.expected_spend,
            &t.clv,
        ] {
            assert_eq!(col.len(), n);
            assert!(all_finite(col));
        }
        assert!(t.p_alive.iter().all(|p| (0.0..=1.0).contains(p)));
    }
    read.is_ok()
}

/// The model file of `clv fit` (the CLI's `ModelFile`, which lives in the binary).
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct ModelFile {
    format: String,
    purchase: Fitted<AnyPurchaseModel>,
    spend: Option<Fitted<GammaGamma>>,
    fitted_on: String,
}

/// Model JSON: the CLI's model file (any registered purchase model, optional Gamma-Gamma) and a
/// bare fitted BG/NBD. A model read must have finite positive parameters, and predicting with
/// it must not panic (its values are not checked: extreme parameters are a numerical matter).
/// Returns how many of the two readings gave a model.
pub fn model_json(data: &[u8]) -> usize {
    let customer = Rfm::new(2, 30.0, 38.0, TimeUnit::Weeks).expect("a valid customer");
    let mut read = 0;
    if let Ok(m) = serde_json::from_slice::<ModelFile>(data) {
        read += 1;
        check_purchase_model(&m.purchase.model, &customer);
        if let Some(spend) = &m.spend {
            check_params(&spend.model.params());
            let _ = spend.model.expected_spend(2, 20.0);
        }
    }
    if let Ok(m) = serde_json::from_slice::<Fitted<BgNbd>>(data) {
        read += 1;
        check_purchase_model(&m.model, &customer);
    }
    read
}

fn check_params(params: &[f64]) {
    assert!(
        params.iter().all(|p| p.is_finite() && *p > 0.0),
        "{params:?}"
    );
}

fn check_purchase_model(m: &dyn PurchaseModel, customer: &Rfm) {
    check_params(&m.params());
    let _ = m.p_alive(customer);
    let _ = m.expected_purchases(customer, Duration::weeks(52.0));
}

/// Attribute file (`customer_id,<column>`) read for `--attribute channel`: ids are never
/// empty, values never empty (a blank is `(blank)`). Returns whether it gave a map.
pub fn attributes(data: &[u8]) -> bool {
    match attribute_map_from_reader(Cursor::new(data), "channel") {
        Ok(map) => {
            assert!(map.iter().all(|(id, v)| !id.is_empty() && !v.is_empty()));
            true
        }
        Err(_) => false,
    }
}

/// Acquisition cost file (`group,cac`): groups non-empty and distinct, costs positive and
/// finite. Returns whether it gave costs.
pub fn costs(data: &[u8]) -> bool {
    let read = AcquisitionCosts::from_csv_reader(Cursor::new(data));
    if let Ok(c) = &read {
        assert!(!c.costs.is_empty());
        for (i, (g, cac)) in c.costs.iter().enumerate() {
            assert!(!g.is_empty());
            assert!(cac.is_finite() && *cac > 0.0);
            assert!(c.costs[..i].iter().all(|(h, _)| h != g));
        }
    }
    read.is_ok()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Every committed seed reads (so that fuzzing starts from valid files of each layout).
    #[test]
    fn seeds_parse() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let targets: [(&str, fn(&[u8]) -> bool); 6] = [
            ("rfm_csv", |d| super::rfm_csv(d) > 0),
            ("transaction_log", super::transaction_log),
            ("scores_csv", super::scores_csv),
            ("model_json", |d| super::model_json(d) > 0),
            ("attributes", super::attributes),
            ("costs", super::costs),
        ];
        for (target, parse) in targets {
            let mut seeds = 0;
            for entry in std::fs::read_dir(dir.join(target)).unwrap() {
                let path = entry.unwrap().path();
                assert!(parse(&std::fs::read(&path).unwrap()), "{}", path.display());
                seeds += 1;
            }
            assert!(seeds > 0, "{target}");
        }
    }
}
