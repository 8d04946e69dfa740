//! Cohorts and groups: customers grouped by month or quarter of first purchase, or by an
//! attribute such as the acquisition channel, with value, activity and early repeat rates;
//! and historical against predictive value per group.
//!
//! The repeat rates need each customer's first and second purchase dates, which the RFM
//! summary does not keep: a [`PurchaseHistory`] collects them from the transaction log
//! ([`PurchaseHistory::from_transactions`] takes `(customer id, date)` pairs, for example the
//! `customer_id` and `time.date()` of parsed transactions).

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use ndarray::ArrayView1;
use serde::{Deserialize, Serialize};

use super::{
    check_len, check_non_negative, csv_opt, fmt_opt, fmt_pct, mean_at, ScoreView, TextTable,
};
use crate::error::{Error, Result};

/// A customer's first purchase date and the date of the next purchase on a later day, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PurchaseDates {
    /// Day of the first purchase.
    pub first_purchase: NaiveDate,
    /// First later day with a purchase (several purchases on the first day count as one).
    pub second_purchase: Option<NaiveDate>,
}

impl PurchaseDates {
    /// Days from the first to the second purchase, if there is one.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use clv::analysis::PurchaseDates;
    /// let d = PurchaseDates {
    ///     first_purchase: NaiveDate::from_ymd_opt(1997, 1, 1).unwrap(),
    ///     second_purchase: NaiveDate::from_ymd_opt(1997, 1, 18),
    /// };
    /// assert_eq!(d.days_to_second_purchase(), Some(17));
    /// ```
    pub fn days_to_second_purchase(&self) -> Option<i64> {
        self.second_purchase
            .map(|s| (s - self.first_purchase).num_days())
    }
}

/// First and second purchase dates of every customer of a transaction log, and the end of
/// observation.
#[derive(Debug, Clone, PartialEq)]
pub struct PurchaseHistory {
    ids: Vec<String>,
    dates: Vec<PurchaseDates>,
    index: HashMap<String, usize>,
    observation_end: NaiveDate,
}

impl PurchaseHistory {
    /// Collects first and second purchase days from `(customer id, date)` pairs in any order.
    /// `observation_end` defaults to the last date in the log; transactions after it are
    /// ignored. Customers keep the order of their first appearance.
    ///
    /// Errors when no transaction is on or before the end of observation, or an id is empty
    /// (naming the 1-based transaction).
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use clv::analysis::PurchaseHistory;
    /// let d = |m, day| NaiveDate::from_ymd_opt(1997, m, day).unwrap();
    /// let log = [("a", d(1, 5)), ("b", d(1, 9)), ("a", d(1, 5)), ("a", d(2, 1))];
    /// let h = PurchaseHistory::from_transactions(log, None).unwrap();
    /// assert_eq!(h.observation_end(), d(2, 1));
    /// assert_eq!(h.get("a").unwrap().days_to_second_purchase(), Some(27));
    /// assert_eq!(h.get("b").unwrap().second_purchase, None);
    /// ```
    pub fn from_transactions<I, S>(
        transactions: I,
        observation_end: Option<NaiveDate>,
    ) -> Result<Self>
    where
        I: IntoIterator<Item = (S, NaiveDate)>,
        S: AsRef<str>,
    {
        let mut ids: Vec<String> = Vec::new();
        let mut dates: Vec<PurchaseDates> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut last: Option<NaiveDate> = None;
        for (row, (id, date)) in transactions.into_iter().enumerate() {
            let id = id.as_ref();
            if id.is_empty() {
                return Err(Error::invalid_value(
                    row + 1,
                    "customer_id",
                    id,
                    "missing customer id",
                ));
            }
            if observation_end.is_some_and(|end| date > end) {
                continue;
            }
            last = Some(last.map_or(date, |l| l.max(date)));
            match index.get(id) {
                None => {
                    index.insert(id.to_string(), ids.len());
                    ids.push(id.to_string());
                    dates.push(PurchaseDates {
                        first_purchase: date,
                        second_purchase: None,
                    });
                }
                Some(&k) => {
                    let d = &mut dates[k];
                    if date < d.first_purchase {
                        d.second_purchase = Some(d.first_purchase);
                        d.first_purchase = date;
                    } else if date > d.first_purchase && d.second_purchase.is_none_or(|s| date < s)
                    {
                        d.second_purchase = Some(date);
                    }
                }
            }
        }
        let observation_end = match (observation_end, last) {
            (_, None) => {
                return Err(Error::Empty {
                    what: "transaction log (up to the end of observation)".into(),
                })
            }
            (Some(end), Some(_)) => end,
            (None, Some(l)) => l,
        };
        Ok(PurchaseHistory {
            ids,
            dates,
            index,
            observation_end,
        })
    }

    /// The first and second purchase days of the customers of a log already parsed into a
    /// [`TransactionTable`](crate::data::transactions::TransactionTable): the same as [`from_transactions`](Self::from_transactions) with
    /// every `(customer, day)` of the text, without parsing it again.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use clv::analysis::PurchaseHistory;
    /// use clv::data::transactions::{TransactionLogOptions, TransactionTable};
    /// let log = "id,date\na,1997-01-05\nb,1997-01-09\na,1997-02-01\n";
    /// let table = TransactionTable::read(log.as_bytes(), &TransactionLogOptions::new("id", "date")).unwrap();
    /// let h = PurchaseHistory::from_table(&table, None).unwrap();
    /// assert_eq!(h.get("a").unwrap().days_to_second_purchase(), Some(27));
    /// assert_eq!(h.observation_end(), NaiveDate::from_ymd_opt(1997, 2, 1).unwrap());
    /// ```
    pub fn from_table(
        table: &crate::data::transactions::TransactionTable,
        observation_end: Option<NaiveDate>,
    ) -> Result<Self> {
        Self::from_transactions(
            table.records().map(|r| (r.customer, r.time.date())),
            observation_end,
        )
    }

    /// The end of observation.
    pub fn observation_end(&self) -> NaiveDate {
        self.observation_end
    }

    /// Customer ids in order of first appearance.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// The dates of customer `id`.
    pub fn get(&self, id: &str) -> Option<&PurchaseDates> {
        self.index.get(id).map(|&k| &self.dates[k])
    }

    /// The dates of each of `ids`, in their order; an id missing from the log is an error
    /// naming it and its 1-based row.
    pub fn aligned(&self, ids: &[String]) -> Result<Vec<PurchaseDates>> {
        ids.iter()
            .enumerate()
            .map(|(i, id)| {
                self.get(id).copied().ok_or_else(|| {
                    Error::invalid_value(
                        i + 1,
                        "customer_id",
                        id,
                        "customer not found in the transaction log",
                    )
                })
            })
            .collect()
    }
}

/// Calendar period of an acquisition cohort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CohortPeriod {
    /// Month of first purchase, labelled `1997-01`.
    Month,
    /// Quarter of first purchase, labelled `1997-Q1`.
    Quarter,
}

impl CohortPeriod {
    /// The cohort label of a first-purchase date.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use clv::analysis::CohortPeriod;
    /// let d = NaiveDate::from_ymd_opt(1997, 8, 2).unwrap();
    /// assert_eq!(CohortPeriod::Month.label(d), "1997-08");
    /// assert_eq!(CohortPeriod::Quarter.label(d), "1997-Q3");
    /// ```
    pub fn label(self, date: NaiveDate) -> String {
        match self {
            CohortPeriod::Month => format!("{:04}-{:02}", date.year(), date.month()),
            CohortPeriod::Quarter => format!("{:04}-Q{}", date.year(), (date.month() - 1) / 3 + 1),
        }
    }

    fn name(self) -> &'static str {
        match self {
            CohortPeriod::Month => "cohort_month",
            CohortPeriod::Quarter => "cohort_quarter",
        }
    }
}

/// Each customer's group label, in the row order of the scores, and the name of the grouping
/// (used as the first column header).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupLabels {
    /// What the groups are (`cohort_month`, `cohort_quarter`, or the attribute column).
    pub name: String,
    /// One label per customer.
    pub labels: Vec<String>,
}

impl GroupLabels {
    /// Groups in ascending label order, each with the row indices of its customers.
    pub fn groups(&self) -> Vec<(String, Vec<usize>)> {
        let mut map: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
        for (i, l) in self.labels.iter().enumerate() {
            map.entry(l.as_str()).or_default().push(i);
        }
        map.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }
}

/// Acquisition cohorts of the customers `ids` by the `period` of their first purchase, taken
/// from `history` (an id missing from it is an error naming it).
pub fn calendar_cohorts(
    ids: &[String],
    history: &PurchaseHistory,
    period: CohortPeriod,
) -> Result<GroupLabels> {
    let dates = history.aligned(ids)?;
    Ok(GroupLabels {
        name: period.name().into(),
        labels: dates
            .iter()
            .map(|d| period.label(d.first_purchase))
            .collect(),
    })
}

/// Reads an attribute file `customer_id,<column>` (other columns are ignored) into a map from
/// id to value. A blank value becomes the group `(blank)`. Errors name the missing column, or
/// the row of a duplicate or empty id.
///
/// ```
/// let csv = "customer_id,channel\n1,search\n2,social\n";
/// let map = clv::analysis::cohorts::attribute_map_from_reader(csv.as_bytes(), "channel").unwrap();
/// assert_eq!(map["2"], "social");
/// ```
pub fn read_attribute_csv(path: impl AsRef<Path>, column: &str) -> Result<HashMap<String, String>> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    attribute_map_from_reader(file, column)
}

/// [`read_attribute_csv`] from any reader.
pub fn attribute_map_from_reader<R: Read>(
    reader: R,
    column: &str,
) -> Result<HashMap<String, String>> {
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
    let (id_pos, value_pos) = (find("customer_id")?, find(column)?);
    let mut map = HashMap::new();
    let mut first_row: HashMap<String, usize> = HashMap::new();
    let mut record = csv::StringRecord::new();
    let mut row = 0;
    while rdr.read_record(&mut record)? {
        row += 1;
        let id = record.get(id_pos).unwrap_or("");
        if id.is_empty() {
            return Err(Error::invalid_value(
                row,
                "customer_id",
                id,
                "missing customer id",
            ));
        }
        if let Some(first) = first_row.insert(id.to_string(), row) {
            return Err(Error::DuplicateId {
                id: id.into(),
                first,
                second: row,
            });
        }
        let value = record.get(value_pos).unwrap_or("");
        let value = if value.is_empty() { "(blank)" } else { value };
        map.insert(id.to_string(), value.to_string());
    }
    if row == 0 {
        return Err(Error::Empty {
            what: "attribute CSV".into(),
        });
    }
    Ok(map)
}

/// Groups the customers `ids` by their value in `attributes` (from [`read_attribute_csv`]);
/// an id without a value is an error naming it.
pub fn attribute_groups(
    ids: &[String],
    attributes: &HashMap<String, String>,
    column: &str,
) -> Result<GroupLabels> {
    let labels = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            attributes.get(id).cloned().ok_or_else(|| {
                Error::invalid_value(
                    i + 1,
                    "customer_id",
                    id,
                    format!("customer has no `{column}` in the attribute file"),
                )
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(GroupLabels {
        name: column.into(),
        labels,
    })
}

/// Options of the cohort table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortOptions {
    /// Windows after the first purchase, in days, for the repeat-purchase rates.
    /// Default 30, 60, 90.
    pub windows_days: Vec<u32>,
    /// A window's rate is reported only when at least this share of the group has been
    /// observed for the whole window; otherwise the group is "too young" for it. Default 1:
    /// every customer must have been observed that long, so no rate is biased by customers who
    /// had no time to come back.
    pub min_observed_share: f64,
    /// P(alive) at or above which a customer counts as still active. Default 0.5, as in the
    /// segments.
    pub active_level: f64,
}

impl Default for CohortOptions {
    fn default() -> Self {
        CohortOptions {
            windows_days: vec![30, 60, 90],
            min_observed_share: 1.0,
            active_level: 0.5,
        }
    }
}

impl CohortOptions {
    fn validate(&self) -> Result<()> {
        if !(self.min_observed_share > 0.0 && self.min_observed_share <= 1.0) {
            return Err(Error::invalid_argument(
                "min_observed_share",
                self.min_observed_share,
                "must be in (0, 1]",
            ));
        }
        if !(0.0..=1.0).contains(&self.active_level) {
            return Err(Error::invalid_argument(
                "active_level",
                self.active_level,
                "a probability level must be in [0, 1]",
            ));
        }
        if let Some(&w) = self.windows_days.iter().find(|&&w| w == 0) {
            return Err(Error::invalid_argument(
                "windows_days",
                f64::from(w),
                "a window must be at least one day",
            ));
        }
        Ok(())
    }
}

/// The repeat-purchase rate of a group within one window after the first purchase.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum RepeatRate {
    /// Share of the `observed` customers (those observed for the whole window) whose second
    /// purchase came within the window.
    Rate {
        /// The share.
        rate: f64,
        /// Customers it is computed over.
        observed: usize,
    },
    /// Too few customers have been observed for the whole window.
    TooYoung {
        /// Customers observed for the whole window.
        observed: usize,
        /// Customers in the group.
        customers: usize,
    },
}

impl RepeatRate {
    /// The rate, if the group is old enough.
    pub fn rate(&self) -> Option<f64> {
        match *self {
            RepeatRate::Rate { rate, .. } => Some(rate),
            RepeatRate::TooYoung { .. } => None,
        }
    }
}

/// The figures of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortRow {
    /// Group label.
    pub group: String,
    /// Customers in the group.
    pub customers: usize,
    /// Mean CLV.
    pub mean_clv: f64,
    /// Total CLV.
    pub total_clv: f64,
    /// Cohort lift: the group's mean CLV relative to all customers' mean, minus 1 (0.42: worth
    /// 42% more than the average customer); `None` when the overall mean is 0.
    pub lift: Option<f64>,
    /// Mean P(alive) (the expected share of customers still alive).
    pub mean_p_alive: f64,
    /// Share of customers with P(alive) at or above the active level.
    pub share_active: f64,
    /// One rate per window of the options; empty when no purchase history was given.
    pub repeat: Vec<RepeatRate>,
}

/// The cohort or group table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortTable {
    /// What the groups are (first column header).
    pub grouping: String,
    /// Repeat windows in days (empty without purchase history).
    pub windows_days: Vec<u32>,
    /// One row per group, in ascending label order.
    pub rows: Vec<CohortRow>,
    /// All customers together.
    pub overall: CohortRow,
    /// The P(alive) level of `share_active`.
    pub active_level: f64,
}

impl CohortTable {
    fn table(&self, for_terminal: bool) -> TextTable {
        let mut headers: Vec<String> = [
            self.grouping.as_str(),
            "customers",
            "mean_clv",
            "total_clv",
            "lift",
            "mean_p_alive",
            "share_active",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for w in &self.windows_days {
            headers.push(format!("repeat_{w}d"));
            if !for_terminal {
                headers.push(format!("observed_{w}d"));
            }
        }
        let mut t = TextTable {
            headers,
            rows: Vec::new(),
            text_columns: vec![0],
        };
        for r in self.rows.iter().chain(std::iter::once(&self.overall)) {
            let mut cells = if for_terminal {
                vec![
                    r.group.clone(),
                    r.customers.to_string(),
                    format!("{:.2}", r.mean_clv),
                    format!("{:.2}", r.total_clv),
                    fmt_lift(r.lift),
                    format!("{:.3}", r.mean_p_alive),
                    fmt_pct(Some(r.share_active)),
                ]
            } else {
                vec![
                    r.group.clone(),
                    r.customers.to_string(),
                    crate::io::format_number(r.mean_clv),
                    crate::io::format_number(r.total_clv),
                    csv_opt(r.lift),
                    crate::io::format_number(r.mean_p_alive),
                    crate::io::format_number(r.share_active),
                ]
            };
            for rate in &r.repeat {
                push_window_cells(&mut cells, *rate, for_terminal);
            }
            t.rows.push(cells);
        }
        t
    }

    /// The table aligned for a terminal; the last row, `(all)`, is every customer together.
    /// A window a group is too young for shows `too young`.
    pub fn to_table_string(&self) -> String {
        let mut s = self.table(true).render();
        s.push_str(&format!(
            "lift: mean CLV against all customers' mean; share_active: P(alive) >= {}; repeat_Nd: second purchase within N days of the first, \
             among customers observed for N days\n",
            self.active_level
        ));
        s
    }

    /// Writes the table as CSV, atomically: shares as fractions; for each window the rate
    /// (`repeat_Nd`, empty when the group is too young) and the customers it is computed over
    /// (`observed_Nd`). The last row, `(all)`, is every customer together.
    pub fn write_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        self.table(false).write_csv(path.as_ref())
    }
}

/// Per-group customers, mean and total CLV, mean P(alive), share active and, when `history`
/// is given, the repeat-purchase rates within each window after the first purchase.
///
/// A customer counts for a window of `w` days when the end of observation is at least `w` days
/// after its first purchase; it repeated within the window when its second purchase came at
/// most `w` days after the first. Every customer of `scores` must be in `history` (an error
/// names the first one missing), and `groups` must have one label per customer.
///
/// ```
/// use chrono::NaiveDate;
/// use clv::analysis::{cohort_table, calendar_cohorts, CohortOptions, CohortPeriod,
///                     PurchaseHistory, ScoreView};
/// use ndarray::array;
/// let d = |m, day| NaiveDate::from_ymd_opt(1997, m, day).unwrap();
/// let log = [("a", d(1, 5)), ("a", d(1, 20)), ("b", d(1, 9)), ("c", d(2, 3))];
/// let history = PurchaseHistory::from_transactions(log, Some(d(3, 1))).unwrap();
/// let ids: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
/// let (clv, p) = (array![30.0, 10.0, 5.0], array![0.9, 0.4, 0.8]);
/// let scores = ScoreView::new(&ids, clv.view(), p.view()).unwrap();
/// let groups = calendar_cohorts(&ids, &history, CohortPeriod::Month).unwrap();
/// let options = CohortOptions { windows_days: vec![30], ..Default::default() };
/// let t = cohort_table(&scores, &groups, Some(&history), &options).unwrap();
/// assert_eq!(t.rows[0].group, "1997-01");
/// assert_eq!(t.rows[0].repeat[0].rate(), Some(0.5)); // a repeated after 15 days, b did not
/// assert_eq!(t.rows[1].repeat[0].rate(), None);      // c: 26 days observed, too young
/// ```
pub fn cohort_table(
    scores: &ScoreView<'_>,
    groups: &GroupLabels,
    history: Option<&PurchaseHistory>,
    options: &CohortOptions,
) -> Result<CohortTable> {
    options.validate()?;
    check_len("group labels", scores.len(), groups.labels.len())?;
    let dates = history.map(|h| h.aligned(scores.ids())).transpose()?;
    let windows_days = if history.is_some() {
        options.windows_days.clone()
    } else {
        Vec::new()
    };
    let row = |group: String, members: &[usize]| -> CohortRow {
        let clv = scores.clv();
        let p_alive = scores.p_alive();
        let n = members.len();
        let total_clv: f64 = members.iter().map(|&i| clv[i]).sum();
        let active = members
            .iter()
            .filter(|&&i| p_alive[i] >= options.active_level)
            .count();
        let repeat = match (&dates, history) {
            (Some(dates), Some(h)) => windows_days
                .iter()
                .map(|&w| {
                    let w = i64::from(w);
                    window_share(
                        members,
                        |i| (h.observation_end() - dates[i].first_purchase).num_days() >= w,
                        |i| dates[i].days_to_second_purchase().is_some_and(|k| k <= w),
                        options.min_observed_share,
                    )
                })
                .collect(),
            _ => Vec::new(),
        };
        CohortRow {
            group,
            customers: n,
            mean_clv: total_clv / n as f64,
            total_clv,
            lift: None,
            mean_p_alive: mean_at(p_alive, members).unwrap_or(0.0),
            share_active: active as f64 / n as f64,
            repeat,
        }
    };
    let everyone: Vec<usize> = (0..scores.len()).collect();
    let mut overall = row("(all)".into(), &everyone);
    let base = overall.mean_clv;
    let rows = groups
        .groups()
        .into_iter()
        .map(|(g, members)| {
            let mut r = row(g, &members);
            r.lift = lift(r.mean_clv, base);
            r
        })
        .collect();
    overall.lift = lift(base, base);
    Ok(CohortTable {
        grouping: groups.name.clone(),
        windows_days: windows_days.clone(),
        rows,
        overall,
        active_level: options.active_level,
    })
}

/// The cells of one window's share: on a terminal the percentage or `too young`; in CSV the
/// share (empty when too young) and the customers observed.
pub(crate) fn push_window_cells(cells: &mut Vec<String>, rate: RepeatRate, for_terminal: bool) {
    match (for_terminal, rate) {
        (true, RepeatRate::Rate { rate, .. }) => cells.push(fmt_pct(Some(rate))),
        (true, RepeatRate::TooYoung { .. }) => cells.push("too young".into()),
        (false, RepeatRate::Rate { rate, observed }) => {
            cells.push(crate::io::format_number(rate));
            cells.push(observed.to_string());
        }
        (false, RepeatRate::TooYoung { observed, .. }) => {
            cells.push(String::new());
            cells.push(observed.to_string());
        }
    }
}

/// Cohort lift of a group's mean against the base's: `mean / base - 1`, `None` for a base of 0.
///
/// ```
/// assert_eq!(clv::analysis::cohorts::lift(150.0, 100.0), Some(0.5)); // worth 50% more
/// assert_eq!(clv::analysis::cohorts::lift(5.0, 0.0), None);
/// ```
pub fn lift(mean: f64, base: f64) -> Option<f64> {
    (base > 0.0).then(|| mean / base - 1.0)
}

/// A lift as a signed percentage with one decimal (`+42.0%`), `-` when undefined.
pub(crate) fn fmt_lift(v: Option<f64>) -> String {
    v.map_or("-".into(), |x| format!("{:+.1}%", 100.0 * x))
}

/// The share of `members` with `hit` among those `observed`, or [`RepeatRate::TooYoung`] when
/// fewer than `min_observed_share` of them (and at least one) are observed.
pub(crate) fn window_share(
    members: &[usize],
    observed: impl Fn(usize) -> bool,
    hit: impl Fn(usize) -> bool,
    min_observed_share: f64,
) -> RepeatRate {
    let (mut seen, mut hits) = (0usize, 0usize);
    for &i in members {
        if observed(i) {
            seen += 1;
            if hit(i) {
                hits += 1;
            }
        }
    }
    if seen > 0 && seen as f64 >= min_observed_share * members.len() as f64 {
        RepeatRate::Rate {
            rate: hits as f64 / seen as f64,
            observed: seen,
        }
    } else {
        RepeatRate::TooYoung {
            observed: seen,
            customers: members.len(),
        }
    }
}

/// Historical against predictive value of one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueComparisonRow {
    /// Group label.
    pub group: String,
    /// Customers in the group.
    pub customers: usize,
    /// Mean historical (naive) value.
    pub mean_historical: f64,
    /// Mean predictive value (CLV from the model).
    pub mean_predictive: f64,
    /// Total historical value.
    pub total_historical: f64,
    /// Total predictive value.
    pub total_predictive: f64,
    /// `total_predictive / total_historical`; `None` when the historical total is 0.
    pub predictive_to_historical: Option<f64>,
}

/// Historical and predictive value side by side, per group and overall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueComparison {
    /// What the groups are.
    pub grouping: String,
    /// One row per group, in ascending label order.
    pub rows: Vec<ValueComparisonRow>,
    /// All customers together (group `(all)`).
    pub overall: ValueComparisonRow,
}

impl ValueComparison {
    fn table(&self, for_terminal: bool) -> TextTable {
        let mut t = TextTable::new(&[
            self.grouping.as_str(),
            "customers",
            "mean_historical",
            "mean_predictive",
            "total_historical",
            "total_predictive",
            "predictive_to_historical",
        ]);
        for r in self.rows.iter().chain(std::iter::once(&self.overall)) {
            let f = |v: f64| {
                if for_terminal {
                    format!("{v:.2}")
                } else {
                    crate::io::format_number(v)
                }
            };
            t.rows.push(vec![
                r.group.clone(),
                r.customers.to_string(),
                f(r.mean_historical),
                f(r.mean_predictive),
                f(r.total_historical),
                f(r.total_predictive),
                if for_terminal {
                    fmt_opt(r.predictive_to_historical, 2)
                } else {
                    csv_opt(r.predictive_to_historical)
                },
            ]);
        }
        t
    }

    /// The table aligned for a terminal, `(all)` last.
    pub fn to_table_string(&self) -> String {
        self.table(true).render()
    }

    /// Writes the table as CSV, atomically; `(all)` last.
    pub fn write_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        self.table(false).write_csv(path.as_ref())
    }
}

/// Puts each group's historical value (for example the naive run-rate value of the value
/// module) next to its predictive CLV. Both columns are per customer, in the order of
/// `groups.labels`, finite and non-negative.
///
/// ```
/// use clv::analysis::{value_comparison, GroupLabels};
/// use ndarray::array;
/// let groups = GroupLabels { name: "channel".into(), labels: vec!["ads".into(), "ads".into(), "seo".into()] };
/// let (hist, pred) = (array![10.0, 30.0, 0.0], array![8.0, 20.0, 4.0]);
/// let v = value_comparison(&groups, hist.view(), pred.view()).unwrap();
/// assert_eq!(v.rows[0].mean_historical, 20.0);
/// assert_eq!(v.rows[0].predictive_to_historical, Some(0.7));
/// assert_eq!(v.rows[1].predictive_to_historical, None);
/// ```
pub fn value_comparison(
    groups: &GroupLabels,
    historical: ArrayView1<'_, f64>,
    predictive: ArrayView1<'_, f64>,
) -> Result<ValueComparison> {
    let n = groups.labels.len();
    if n == 0 {
        return Err(Error::Empty {
            what: "customers for a value comparison".into(),
        });
    }
    check_len("historical", n, historical.len())?;
    check_len("predictive", n, predictive.len())?;
    check_non_negative("historical", historical)?;
    check_non_negative("predictive", predictive)?;
    let row = |group: String, members: &[usize]| {
        let th: f64 = members.iter().map(|&i| historical[i]).sum();
        let tp: f64 = members.iter().map(|&i| predictive[i]).sum();
        let k = members.len() as f64;
        ValueComparisonRow {
            group,
            customers: members.len(),
            mean_historical: th / k,
            mean_predictive: tp / k,
            total_historical: th,
            total_predictive: tp,
            predictive_to_historical: (th > 0.0).then(|| tp / th),
        }
    };
    let rows = groups
        .groups()
        .into_iter()
        .map(|(g, m)| row(g, &m))
        .collect();
    let everyone: Vec<usize> = (0..n).collect();
    Ok(ValueComparison {
        grouping: groups.name.clone(),
        rows,
        overall: row("(all)".into(), &everyone),
    })
}
