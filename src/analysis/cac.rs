//! Lifetime value against acquisition cost: is each group worth what it costs to acquire?
//!
//! Per group the ratio `margin * mean CLV / CAC` is read as follows:
//!
//! | ratio | reading |
//! |---|---|
//! | below 1 | each customer loses money |
//! | 1 to 3 | profitable, but thin once overheads are counted |
//! | 3 to 5 | the usual healthy range |
//! | above 5 | acquisition is probably under-funded: more customers could be bought profitably |
//!
//! The affordable CAC is the most one can pay per customer and still reach a target ratio:
//! `margin * mean CLV / target`.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::cohorts::GroupLabels;
use super::{check_len, fmt_opt, ScoreView, TextTable};
use crate::error::{Error, Result};

/// Acquisition cost per customer of each group, as read from a `group,cac` CSV.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcquisitionCosts {
    /// `(group, cost per acquired customer)` in file order.
    pub costs: Vec<(String, f64)>,
}

impl AcquisitionCosts {
    /// Reads a CSV with columns `group` and `cac` (others ignored). Errors name the row, the
    /// column and the value for an empty or repeated group or a cost that is not a positive
    /// finite number.
    pub fn read_csv(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        Self::from_csv_reader(file)
    }

    /// [`read_csv`](Self::read_csv) from any reader.
    ///
    /// ```
    /// use clv::analysis::AcquisitionCosts;
    /// let c = AcquisitionCosts::from_csv_reader("group,cac\nsearch,40\nsocial,25.5\n".as_bytes()).unwrap();
    /// assert_eq!(c.get("social"), Some(25.5));
    /// let err = AcquisitionCosts::from_csv_reader("group,cac\nsearch,-4\n".as_bytes()).unwrap_err();
    /// assert!(err.to_string().starts_with("row 1, column `cac`"));
    /// ```
    pub fn from_csv_reader<R: Read>(reader: R) -> Result<Self> {
        let mut rdr = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(reader);
        let headers = rdr.headers()?.clone();
        let find = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| Error::MissingColumn {
                    column: name.into(),
                    available: headers.iter().collect::<Vec<_>>().join(","),
                })
        };
        let (gpos, cpos) = (find("group")?, find("cac")?);
        let mut costs = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut record = csv::StringRecord::new();
        let mut row = 0;
        while rdr.read_record(&mut record)? {
            row += 1;
            let group = record.get(gpos).unwrap_or("");
            if group.is_empty() {
                return Err(Error::invalid_value(row, "group", group, "missing group"));
            }
            if let Some(first) = seen.insert(group.to_string(), row) {
                return Err(Error::invalid_value(
                    row,
                    "group",
                    group,
                    format!("group already given at row {first}"),
                ));
            }
            let text = record.get(cpos).unwrap_or("");
            let cac: f64 = text
                .parse()
                .map_err(|_| Error::invalid_value(row, "cac", text, "not a number"))?;
            if !(cac.is_finite() && cac > 0.0) {
                return Err(Error::invalid_value(
                    row,
                    "cac",
                    text,
                    "an acquisition cost must be a positive, finite number",
                ));
            }
            costs.push((group.to_string(), cac));
        }
        if row == 0 {
            return Err(Error::Empty {
                what: "acquisition cost CSV".into(),
            });
        }
        Ok(AcquisitionCosts { costs })
    }

    /// The cost of `group`, if given.
    pub fn get(&self, group: &str) -> Option<f64> {
        self.costs.iter().find(|(g, _)| g == group).map(|&(_, c)| c)
    }
}

/// Options of the CLV to CAC report.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CacOptions {
    /// Multiplies the CLV before comparing it with the cost. Default 1: the value table's CLV
    /// already carries the margin it was computed with; set a margin here only for CLVs
    /// expressed as revenue.
    pub margin: f64,
    /// The CLV / CAC ratio the affordable CAC is computed for. Default 3.
    pub target_ratio: f64,
}

impl Default for CacOptions {
    fn default() -> Self {
        CacOptions {
            margin: 1.0,
            target_ratio: 3.0,
        }
    }
}

impl CacOptions {
    fn validate(&self) -> Result<()> {
        if !(self.margin > 0.0 && self.margin <= 1.0) {
            return Err(Error::invalid_argument(
                "margin",
                self.margin,
                "a margin must be in (0, 1]",
            ));
        }
        if !(self.target_ratio.is_finite() && self.target_ratio > 0.0) {
            return Err(Error::invalid_argument(
                "target_ratio",
                self.target_ratio,
                "must be a positive, finite ratio",
            ));
        }
        Ok(())
    }
}

/// What a CLV / CAC ratio says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CacReading {
    /// Below 1: each acquired customer loses money.
    LosesMoney,
    /// From 1 to below 3: profitable, but thin.
    Thin,
    /// From 3 to 5: the usual healthy range.
    Healthy,
    /// Above 5: acquisition is probably under-funded.
    UnderInvesting,
}

impl CacReading {
    /// The reading of a ratio.
    ///
    /// ```
    /// use clv::analysis::CacReading;
    /// assert_eq!(CacReading::of(0.8), CacReading::LosesMoney);
    /// assert_eq!(CacReading::of(3.0), CacReading::Healthy);
    /// assert_eq!(CacReading::of(5.0), CacReading::Healthy);
    /// assert_eq!(CacReading::of(7.5), CacReading::UnderInvesting);
    /// ```
    pub fn of(ratio: f64) -> Self {
        if ratio < 1.0 {
            CacReading::LosesMoney
        } else if ratio < 3.0 {
            CacReading::Thin
        } else if ratio <= 5.0 {
            CacReading::Healthy
        } else {
            CacReading::UnderInvesting
        }
    }

    /// Short machine-readable name (`loses_money`, `thin`, `healthy`, `under_investing`).
    pub fn name(self) -> &'static str {
        match self {
            CacReading::LosesMoney => "loses_money",
            CacReading::Thin => "thin",
            CacReading::Healthy => "healthy",
            CacReading::UnderInvesting => "under_investing",
        }
    }

    /// One sentence for reports.
    pub fn description(self) -> &'static str {
        match self {
            CacReading::LosesMoney => "loses money on each customer",
            CacReading::Thin => "profitable but thin (below the usual 3-5)",
            CacReading::Healthy => "healthy (usual range 3-5)",
            CacReading::UnderInvesting => "far above 3-5: likely under-investing in acquisition",
        }
    }
}

/// One group of the CLV to CAC report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacRow {
    /// Group label.
    pub group: String,
    /// Customers in the group.
    pub customers: usize,
    /// `margin * mean CLV` of the group.
    pub mean_value: f64,
    /// Cohort lift: the group's mean CLV relative to all customers' mean, minus 1
    /// ([`lift`](super::cohorts::lift)); `None` when the overall mean is 0.
    pub lift: Option<f64>,
    /// Acquisition cost per customer; `None` when the cost file does not give one.
    pub cac: Option<f64>,
    /// `mean_value / cac`.
    pub ratio: Option<f64>,
    /// What the ratio says.
    pub reading: Option<CacReading>,
    /// `mean_value / target_ratio`: the most a customer of this group may cost.
    pub max_affordable_cac: f64,
}

/// The CLV to CAC report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacTable {
    /// What the groups are.
    pub grouping: String,
    /// One row per group of the customers, in ascending label order.
    pub rows: Vec<CacRow>,
    /// The options used.
    pub options: CacOptions,
}

impl CacTable {
    fn table(&self, for_terminal: bool) -> TextTable {
        let mut t = TextTable::new(&[
            self.grouping.as_str(),
            "customers",
            "mean_clv",
            "lift",
            "cac",
            "clv_to_cac",
            "max_affordable_cac",
            "reading",
        ]);
        t.text_columns.push(7);
        for r in &self.rows {
            t.rows.push(if for_terminal {
                vec![
                    r.group.clone(),
                    r.customers.to_string(),
                    format!("{:.2}", r.mean_value),
                    super::cohorts::fmt_lift(r.lift),
                    fmt_opt(r.cac, 2),
                    fmt_opt(r.ratio, 2),
                    format!("{:.2}", r.max_affordable_cac),
                    r.reading.map_or("no CAC given", |x| x.description()).into(),
                ]
            } else {
                vec![
                    r.group.clone(),
                    r.customers.to_string(),
                    crate::io::format_number(r.mean_value),
                    super::csv_opt(r.lift),
                    super::csv_opt(r.cac),
                    super::csv_opt(r.ratio),
                    crate::io::format_number(r.max_affordable_cac),
                    r.reading.map_or("", |x| x.name()).into(),
                ]
            });
        }
        t
    }

    /// The table aligned for a terminal, with a line stating margin and target ratio.
    pub fn to_table_string(&self) -> String {
        let mut s = self.table(true).render();
        s.push_str(&format!(
            "mean_clv includes a margin of {}; max_affordable_cac keeps CLV / CAC at {}\n",
            self.options.margin, self.options.target_ratio
        ));
        s
    }

    /// Writes the table as CSV, atomically (`reading` as its short name, empty cells where no
    /// CAC was given).
    pub fn write_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        self.table(false).write_csv(path.as_ref())
    }
}

/// Compares each group's mean CLV (times the margin) with its acquisition cost.
///
/// Every group of `costs` must occur among the customers' groups (a typo in the cost file is
/// an error naming the group); groups without a cost are listed without a ratio.
///
/// ```
/// use clv::analysis::{cac_report, AcquisitionCosts, CacOptions, CacReading, GroupLabels, ScoreView};
/// use ndarray::array;
/// let ids: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
/// let (clv, p) = (array![120.0, 80.0, 30.0], array![0.9, 0.8, 0.5]);
/// let scores = ScoreView::new(&ids, clv.view(), p.view()).unwrap();
/// let groups = GroupLabels { name: "channel".into(), labels: vec!["ads".into(), "ads".into(), "seo".into()] };
/// let costs = AcquisitionCosts { costs: vec![("ads".into(), 25.0), ("seo".into(), 40.0)] };
/// let t = cac_report(&scores, &groups, &costs, &CacOptions::default()).unwrap();
/// assert_eq!(t.rows[0].ratio, Some(4.0));   // mean 100 / 25
/// assert_eq!(t.rows[0].reading, Some(CacReading::Healthy));
/// assert_eq!(t.rows[1].reading, Some(CacReading::LosesMoney)); // 30 / 40
/// assert_eq!(t.rows[1].max_affordable_cac, 10.0); // 30 / 3
/// ```
pub fn cac_report(
    scores: &ScoreView<'_>,
    groups: &GroupLabels,
    costs: &AcquisitionCosts,
    options: &CacOptions,
) -> Result<CacTable> {
    options.validate()?;
    check_len("group labels", scores.len(), groups.labels.len())?;
    let grouped = groups.groups();
    for (row, (group, _)) in costs.costs.iter().enumerate() {
        if !grouped.iter().any(|(g, _)| g == group) {
            return Err(Error::invalid_value(
                row + 1,
                "group",
                group,
                format!(
                    "no customer is in this group (groups by {}: {})",
                    groups.name,
                    grouped
                        .iter()
                        .map(|(g, _)| g.as_str())
                        .take(20)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    let clv = scores.clv();
    let base = options.margin * clv.sum() / clv.len() as f64;
    let rows = grouped
        .into_iter()
        .map(|(group, members)| {
            let mean_value = options.margin * members.iter().map(|&i| clv[i]).sum::<f64>()
                / members.len() as f64;
            let cac = costs.get(&group);
            let ratio = cac.map(|c| mean_value / c);
            CacRow {
                customers: members.len(),
                mean_value,
                lift: super::cohorts::lift(mean_value, base),
                cac,
                ratio,
                reading: ratio.map(CacReading::of),
                max_affordable_cac: mean_value / options.target_ratio,
                group,
            }
        })
        .collect();
    Ok(CacTable {
        grouping: groups.name.clone(),
        rows,
        options: *options,
    })
}
