//! Every customer's orders (day and amount), read from a transaction log: the input of the
//! log-based indicators (observed churn, revenue from existing customers, order value by
//! tenure).
//!
//! An *order* is one customer's purchases on one calendar day, their amounts summed: the
//! convention of the customer table (several purchases on a day count as one purchase), so
//! that "first order" is the first-day purchase the models also treat as the start.

use std::collections::HashMap;
use std::io::Read;

use chrono::NaiveDate;

use super::PurchaseHistory;
use crate::data::transactions::{for_each_transaction, TransactionLogOptions, TransactionTable};
use crate::error::{Error, Result};

/// One order: a customer's purchases of one day.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Order {
    /// The day.
    pub date: NaiveDate,
    /// The amount spent that day (0 when the log has no amount column).
    pub amount: f64,
}

/// Orders of every customer of a log up to the end of observation, in day order.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderLog {
    ids: Vec<String>,
    orders: Vec<Vec<Order>>,
    index: HashMap<String, usize>,
    observation_end: NaiveDate,
    has_amounts: bool,
}

impl OrderLog {
    /// Collects orders from `(customer id, day, amount)` triples in any order; `amount` is
    /// `None` for a log without amounts (then every order is worth 0 and the revenue
    /// indicators refuse it). `observation_end` defaults to the last day in the log; later
    /// transactions are left out. Customers keep the order of their first appearance.
    ///
    /// Errors name the 1-based transaction for an empty id, an amount that is negative or not
    /// finite, or a mix of transactions with and without an amount; a log with nothing up to
    /// the end is [`Error::Empty`].
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use clv::analysis::OrderLog;
    /// let d = |m, day| NaiveDate::from_ymd_opt(1997, m, day).unwrap();
    /// let log = [("a", d(1, 5), Some(10.0)), ("a", d(1, 5), Some(2.5)), ("a", d(2, 1), Some(7.0))];
    /// let orders = OrderLog::from_transactions(log, None).unwrap();
    /// let a = orders.get("a").unwrap();
    /// assert_eq!((a.len(), a[0].amount), (2, 12.5)); // two purchases on Jan 5: one order
    /// ```
    pub fn from_transactions<I, S>(
        transactions: I,
        observation_end: Option<NaiveDate>,
    ) -> Result<Self>
    where
        I: IntoIterator<Item = (S, NaiveDate, Option<f64>)>,
        S: AsRef<str>,
    {
        let mut b = Builder::new(observation_end);
        for (row, (id, date, amount)) in transactions.into_iter().enumerate() {
            b.push(row + 1, id.as_ref(), date, amount)?;
        }
        b.finish()
    }

    /// Reads a text log with the layout of `options` (an amount column gives the amounts),
    /// streaming; errors name the line of the file, the column and the value.
    ///
    /// ```
    /// use clv::analysis::OrderLog;
    /// use clv::data::transactions::{DateFormat, TransactionLogOptions};
    /// let log = " 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2   29.73\n";
    /// let options = TransactionLogOptions::new(1, 2).amount(4).whitespace().no_header()
    ///     .date_format(DateFormat::Compact);
    /// let orders = OrderLog::read(log.as_bytes(), &options, None).unwrap();
    /// assert_eq!(orders.get("0001").unwrap()[1].amount, 29.73);
    /// ```
    pub fn read<R: Read>(
        reader: R,
        options: &TransactionLogOptions,
        observation_end: Option<NaiveDate>,
    ) -> Result<Self> {
        let mut b = Builder::new(observation_end);
        for_each_transaction(reader, options, |r| {
            b.push(r.line as usize, r.customer, r.time.date(), r.amount)
        })?;
        b.finish()
    }

    /// The orders of a log already parsed into a [`TransactionTable`] (its amounts, if any):
    /// the same as [`read`](Self::read) on the text, without parsing it again.
    ///
    /// ```
    /// use clv::analysis::OrderLog;
    /// use clv::data::transactions::{DateFormat, TransactionLogOptions, TransactionTable};
    /// let log = " 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2   29.73\n";
    /// let options = TransactionLogOptions::new(1, 2).amount(4).whitespace().no_header()
    ///     .date_format(DateFormat::Compact);
    /// let table = TransactionTable::read(log.as_bytes(), &options).unwrap();
    /// let orders = OrderLog::from_table(&table, None).unwrap();
    /// assert_eq!(orders, OrderLog::read(log.as_bytes(), &options, None).unwrap());
    /// ```
    pub fn from_table(
        table: &TransactionTable,
        observation_end: Option<NaiveDate>,
    ) -> Result<Self> {
        let mut b = Builder::new(observation_end);
        for r in table.records() {
            b.push(r.line as usize, r.customer, r.time.date(), r.amount)?;
        }
        b.finish()
    }

    /// The last day observed.
    pub fn observation_end(&self) -> NaiveDate {
        self.observation_end
    }

    /// Whether the orders carry amounts.
    pub fn has_amounts(&self) -> bool {
        self.has_amounts
    }

    /// Customer ids in order of first appearance.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// Orders of customer `id`, in day order (never empty).
    pub fn get(&self, id: &str) -> Option<&[Order]> {
        self.index.get(id).map(|&k| self.orders[k].as_slice())
    }

    /// Every customer with its orders, in order of first appearance.
    pub fn customers(&self) -> impl Iterator<Item = (&str, &[Order])> {
        self.ids
            .iter()
            .zip(&self.orders)
            .map(|(id, o)| (id.as_str(), o.as_slice()))
    }

    /// The orders of each of `ids`, in their order; an id missing from the log is an error
    /// naming it and its 1-based row.
    pub fn aligned(&self, ids: &[String]) -> Result<Vec<&[Order]>> {
        ids.iter()
            .enumerate()
            .map(|(i, id)| {
                self.get(id).ok_or_else(|| {
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

    /// The orders up to `end` (included), which becomes the end of observation: for example
    /// the log cut at the calibration end of the scores. Customers without an order by then
    /// are left out; an end before every order is [`Error::Empty`].
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use clv::analysis::OrderLog;
    /// let d = |m, day| NaiveDate::from_ymd_opt(1997, m, day).unwrap();
    /// let log = OrderLog::from_transactions([("a", d(1, 5), None), ("a", d(3, 1), None), ("b", d(4, 2), None)], None).unwrap();
    /// let early = log.up_to(d(3, 31)).unwrap();
    /// assert_eq!((early.ids().len(), early.observation_end()), (1, d(3, 31)));
    /// ```
    pub fn up_to(&self, end: NaiveDate) -> Result<OrderLog> {
        let amount = |o: &Order| self.has_amounts.then_some(o.amount);
        OrderLog::from_transactions(
            self.customers()
                .flat_map(|(id, orders)| orders.iter().map(move |o| (id, o.date, amount(o)))),
            Some(end),
        )
    }

    /// Each customer's first and second order day, for the repeat rates of the
    /// [`cohort_table`](super::cohort_table), with the same end of observation.
    pub fn purchase_history(&self) -> Result<PurchaseHistory> {
        PurchaseHistory::from_transactions(
            self.customers()
                .flat_map(|(id, orders)| orders.iter().take(2).map(move |o| (id, o.date))),
            Some(self.observation_end),
        )
    }

    /// An error unless the orders carry amounts (`what` names the indicator).
    pub(crate) fn require_amounts(&self, what: &str) -> Result<()> {
        if self.has_amounts {
            Ok(())
        } else {
            Err(Error::invalid_option(
                "amount",
                "none",
                format!(
                    "{what} needs the amount of each transaction: the log has no amount column"
                ),
            ))
        }
    }
}

struct Builder {
    ids: Vec<String>,
    orders: Vec<Vec<Order>>,
    index: HashMap<String, usize>,
    end: Option<NaiveDate>,
    last: Option<NaiveDate>,
    has_amounts: Option<bool>,
}

impl Builder {
    fn new(end: Option<NaiveDate>) -> Self {
        Builder {
            ids: Vec::new(),
            orders: Vec::new(),
            index: HashMap::new(),
            end,
            last: None,
            has_amounts: None,
        }
    }

    fn push(&mut self, row: usize, id: &str, date: NaiveDate, amount: Option<f64>) -> Result<()> {
        if id.is_empty() {
            return Err(Error::invalid_value(
                row,
                "customer_id",
                id,
                "missing customer id",
            ));
        }
        match (*self.has_amounts.get_or_insert(amount.is_some()), amount) {
            (true, None) | (false, Some(_)) => {
                return Err(Error::invalid_value(
                    row,
                    "amount",
                    "",
                    "some transactions have an amount and others not",
                ))
            }
            _ => {}
        }
        let amount = amount.unwrap_or(0.0);
        if !(amount.is_finite() && amount >= 0.0) {
            return Err(Error::invalid_value(
                row,
                "amount",
                amount,
                "an order amount must be a finite, non-negative number",
            ));
        }
        if self.end.is_some_and(|end| date > end) {
            return Ok(());
        }
        self.last = Some(self.last.map_or(date, |l| l.max(date)));
        let k = match self.index.get(id) {
            Some(&k) => k,
            None => {
                self.index.insert(id.to_string(), self.ids.len());
                self.ids.push(id.to_string());
                self.orders.push(Vec::new());
                self.ids.len() - 1
            }
        };
        self.orders[k].push(Order { date, amount });
        Ok(())
    }

    fn finish(mut self) -> Result<OrderLog> {
        let observation_end = match (self.end, self.last) {
            (_, None) => {
                return Err(Error::Empty {
                    what: "transaction log (up to the end of observation)".into(),
                })
            }
            (Some(end), Some(_)) => end,
            (None, Some(l)) => l,
        };
        for orders in &mut self.orders {
            orders.sort_by_key(|o| o.date);
            let mut merged: Vec<Order> = Vec::with_capacity(orders.len());
            for o in orders.drain(..) {
                match merged.last_mut() {
                    Some(m) if m.date == o.date => m.amount += o.amount,
                    _ => merged.push(o),
                }
            }
            *orders = merged;
        }
        Ok(OrderLog {
            ids: self.ids,
            orders: self.orders,
            index: self.index,
            observation_end,
            has_amounts: self.has_amounts.unwrap_or(false),
        })
    }
}
