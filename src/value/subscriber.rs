//! Lifetime value of subscribers from a contractual retention model (sBG, BdW): each period an
//! active subscriber pays `price`, of which `margin` is profit, and future periods are
//! discounted at `d` per period (Fader & Hardie 2010, "Customer-base valuation in a
//! contractual setting").

use crate::data::periods::Periods;
use crate::data::retention::Tenures;
use crate::error::{Error, Result};
use crate::models::retention::RetentionModel;

/// Price, margin and discount rate per period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SubscriberTerms {
    price: f64,
    margin: f64,
    discount: f64,
}

impl SubscriberTerms {
    /// `price >= 0` per period, `margin` in `(0, 1]`, discount rate `d > 0` per period.
    ///
    /// ```
    /// use clv::value::subscriber::SubscriberTerms;
    /// // 59 EUR a month, 80% margin, 1% a month
    /// assert!(SubscriberTerms::new(59.0, 0.8, 0.01).is_ok());
    /// assert!(SubscriberTerms::new(59.0, 1.5, 0.01).is_err());
    /// ```
    pub fn new(price: f64, margin: f64, discount: f64) -> Result<Self> {
        if !(price.is_finite() && price >= 0.0) {
            return Err(Error::invalid_argument(
                "price",
                price,
                "must be finite and >= 0",
            ));
        }
        if !(margin > 0.0 && margin <= 1.0) {
            return Err(Error::invalid_argument(
                "margin",
                margin,
                "must be in (0, 1]",
            ));
        }
        if !(discount > 0.0 && discount.is_finite()) {
            return Err(Error::invalid_argument(
                "discount rate",
                discount,
                "must be > 0 per period",
            ));
        }
        Ok(SubscriberTerms {
            price,
            margin,
            discount,
        })
    }

    fn profit(&self) -> f64 {
        self.price * self.margin
    }
}

/// Expected discounted profit from the future renewals of an active subscriber who has renewed
/// `tenure` times: `price x margin x DERL(tenure)` (the next renewal undiscounted).
///
/// ```
/// use clv::data::periods::Periods;
/// use clv::models::sbg::Sbg;
/// use clv::value::subscriber::{active_subscriber_value, SubscriberTerms};
/// let m = Sbg::new(3.80, 15.20).unwrap();
/// let terms = SubscriberTerms::new(100.0, 1.0, 0.1).unwrap();
/// // Fader & Hardie (2010): DERL = 3.31 after 0 renewals
/// let v = active_subscriber_value(&m, Periods(0), &terms).unwrap();
/// assert!((v - 331.0).abs() < 1.0);
/// ```
pub fn active_subscriber_value<M: RetentionModel>(
    model: &M,
    tenure: Periods,
    terms: &SubscriberTerms,
) -> Result<f64> {
    Ok(terms.profit() * model.derl(tenure, terms.discount)?)
}

/// Expected discounted profit of a subscriber about to be acquired, the first payment
/// included: `price x margin x sum_t S(t) / (1 + d)^t`.
pub fn new_subscriber_value<M: RetentionModel>(model: &M, terms: &SubscriberTerms) -> Result<f64> {
    Ok(terms.profit() * model.discounted_expected_lifetime(terms.discount)?)
}

/// Value of the active base: the sum of [`active_subscriber_value`] over the active
/// (censored) rows of `tenures`, times their weights.
pub fn active_base_value<M: RetentionModel>(
    model: &M,
    tenures: &Tenures,
    terms: &SubscriberTerms,
) -> Result<f64> {
    let mut total = 0.0;
    for (row, w) in tenures.iter() {
        if !row.is_churned() && w > 0.0 {
            total += w * active_subscriber_value(model, row.renewals(), terms)?;
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::retention::Tenure;
    use crate::models::sbg::Sbg;

    #[test]
    fn new_value_is_first_payment_plus_discounted_active_value() {
        let m = Sbg::new(0.704, 1.182).unwrap();
        let terms = SubscriberTerms::new(59.0, 0.8, 0.01).unwrap();
        let new = new_subscriber_value(&m, &terms).unwrap();
        let after = active_subscriber_value(&m, Periods(0), &terms).unwrap();
        assert!((new - (59.0 * 0.8 + after / 1.01)).abs() < 1e-9 * new);
        // a longer tenure means a more loyal subscriber (the sBG's sorting effect)
        assert!(active_subscriber_value(&m, Periods(12), &terms).unwrap() > after);
        let base = Tenures::new(
            vec![
                Tenure::active(Periods(0)),
                Tenure::churned(Periods(3)),
                Tenure::active(Periods(12)),
            ],
            vec![2.0, 5.0, 1.0],
        )
        .unwrap();
        let want = 2.0 * after + active_subscriber_value(&m, Periods(12), &terms).unwrap();
        assert!((active_base_value(&m, &base, &terms).unwrap() - want).abs() < 1e-9 * want);
    }
}
