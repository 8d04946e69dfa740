//! The one place where purchase models are registered.
//!
//! `purchase_models!` below lists every purchase model once, as `Variant(Type) => "key"`. From
//! that list it builds [`PurchaseModelKind`] (what `--model KEY` parses into, with a fit by
//! kind) and [`AnyPurchaseModel`] (a model of any kind, serialised with a `type` tag in model
//! files), both implementing the traits by dispatch. Adding a model is one line here.

use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use super::{BgNbd, FitPurchaseModel, Latent, MbgNbd, ParetoNbd, PurchaseModel, SimulatePurchases};
use crate::data::{CompressedRfm, CustomerTable, Rfm};

/// Something done with a model type chosen at run time (see [`PurchaseModelKind::visit`]).
pub trait KindVisitor {
    /// What the visit returns.
    type Output;
    /// Does it with the model type `M`.
    fn visit<M>(self) -> Self::Output
    where
        M: FitPurchaseModel + SimulatePurchases + Into<AnyPurchaseModel>;
}
use crate::error::{Error, Result};
use crate::optim::LogLikelihood;
use crate::time::{Duration, TimeUnit};

macro_rules! purchase_models {
    ($($variant:ident($ty:ty) => $key:literal),+ $(,)?) => {
        /// The registered kinds of purchase model.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[non_exhaustive]
        pub enum PurchaseModelKind {
            $(
                #[doc = concat!("`", $key, "`: [`", stringify!($ty), "`].")]
                #[serde(rename = $key)]
                $variant,
            )+
        }

        impl PurchaseModelKind {
            /// Every registered kind, in registration order.
            pub const ALL: &'static [PurchaseModelKind] = &[$(PurchaseModelKind::$variant),+];

            /// The key used on the command line and in model files (`bgnbd`, ...).
            pub fn key(self) -> &'static str {
                match self {
                    $(PurchaseModelKind::$variant => $key,)+
                }
            }

            /// The model's published CDNOW estimates (see [`FitPurchaseModel::reference`]).
            pub fn reference(self) -> AnyPurchaseModel {
                match self {
                    $(PurchaseModelKind::$variant => AnyPurchaseModel::$variant(<$ty>::reference()),)+
                }
            }

            /// Calls `visitor` with this kind's model type: how code above the models (the fit
            /// path, the contract tests) does something generic for a kind chosen at run time.
            pub fn visit<V: KindVisitor>(self, visitor: V) -> V::Output {
                match self {
                    $(PurchaseModelKind::$variant => visitor.visit::<$ty>(),)+
                }
            }

            /// A model of this kind from its parameters (in the order of its parameter names).
            pub fn from_params(self, params: &[f64], unit: TimeUnit) -> Result<AnyPurchaseModel> {
                match self {
                    $(PurchaseModelKind::$variant => Ok(AnyPurchaseModel::$variant(<$ty>::from_params(params, unit)?)),)+
                }
            }

            /// The log-likelihood of `data` at `params` with its gradient (into `grad`), and the
            /// Hessian (into `hess`) when `hess` is given and the model has one (the returned
            /// flag): for derivative checks and diagnostics.
            pub fn log_likelihood(
                self,
                data: &CompressedRfm,
                params: &[f64],
                grad: &mut [f64],
                hess: Option<&mut [f64]>,
            ) -> (f64, bool) {
                match self {
                    $(PurchaseModelKind::$variant => {
                        let ll = <$ty as FitPurchaseModel>::likelihood(data);
                        match hess {
                            Some(h) => match ll.value_gradient_hessian(params, grad, h) {
                                Some(v) => (v, true),
                                None => (ll.value_and_gradient(params, grad), false),
                            },
                            None => (ll.value_and_gradient(params, grad), false),
                        }
                    })+
                }
            }
        }

        /// A purchase model of any registered kind, as written in model files (`"type": KEY`).
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "type")]
        #[non_exhaustive]
        pub enum AnyPurchaseModel {
            $(
                #[doc = concat!("[`", stringify!($ty), "`].")]
                #[serde(rename = $key)]
                $variant($ty),
            )+
        }

        impl AnyPurchaseModel {
            /// The model's kind.
            pub fn kind(&self) -> PurchaseModelKind {
                match self {
                    $(AnyPurchaseModel::$variant(_) => PurchaseModelKind::$variant,)+
                }
            }

            fn inner(&self) -> &dyn PurchaseModel {
                match self {
                    $(AnyPurchaseModel::$variant(m) => m,)+
                }
            }
        }

        $(
            impl From<$ty> for AnyPurchaseModel {
                fn from(m: $ty) -> Self {
                    AnyPurchaseModel::$variant(m)
                }
            }
        )+

        impl SimulatePurchases for AnyPurchaseModel {
            fn draw_latent<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> Latent {
                match self {
                    $(AnyPurchaseModel::$variant(m) => m.draw_latent(rng),)+
                }
            }
        }
    };
}

purchase_models! {
    BgNbd(BgNbd) => "bgnbd",
    MbgNbd(MbgNbd) => "mbgnbd",
    ParetoNbd(ParetoNbd) => "pareto-nbd",
}

impl PurchaseModelKind {
    /// The model's printed name ("BG/NBD", ...).
    pub fn name(self) -> &'static str {
        self.reference().name()
    }
}

impl std::fmt::Display for PurchaseModelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

impl std::str::FromStr for PurchaseModelKind {
    type Err = Error;

    /// Parses a registered key (case-insensitive; `-` and `_` ignored, so `pareto-nbd`,
    /// `pareto_nbd` and `paretonbd` are the same).
    fn from_str(s: &str) -> Result<Self> {
        let norm = |k: &str| k.to_ascii_lowercase().replace(['-', '_', '/'], "");
        PurchaseModelKind::ALL
            .iter()
            .copied()
            .find(|k| norm(k.key()) == norm(s))
            .ok_or_else(|| {
                let keys: Vec<&str> = PurchaseModelKind::ALL.iter().map(|k| k.key()).collect();
                Error::invalid_argument(
                    "model",
                    format!("{s:?}"),
                    format!(
                        "not a registered purchase model (one of: {})",
                        keys.join(", ")
                    ),
                )
            })
    }
}

/// The registered model of the same kind with other parameters.
impl crate::models::WithParams for AnyPurchaseModel {
    fn with_params(&self, params: &[f64]) -> Result<Self> {
        self.kind().from_params(params, self.time_unit())
    }
}

/// Dispatch to the registered model; the bulk predictions keep each model's own fast paths.
impl PurchaseModel for AnyPurchaseModel {
    fn name(&self) -> &'static str {
        self.inner().name()
    }
    fn description(&self) -> &'static str {
        self.inner().description()
    }
    fn scores_by_distinct(&self) -> bool {
        self.inner().scores_by_distinct()
    }
    fn param_names(&self) -> &'static [&'static str] {
        self.inner().param_names()
    }
    fn time_scale_params(&self) -> &'static [bool] {
        self.inner().time_scale_params()
    }
    fn params(&self) -> Vec<f64> {
        self.inner().params()
    }
    fn time_unit(&self) -> TimeUnit {
        self.inner().time_unit()
    }
    fn probability_of_purchases(&self, n: u32, t: Duration) -> Option<f64> {
        self.inner().probability_of_purchases(n, t)
    }
    fn p_alive(&self, customer: &Rfm) -> f64 {
        self.inner().p_alive(customer)
    }
    fn conditional_pmf(
        &self,
        customer: &Rfm,
        horizon: Duration,
        tail: f64,
        out: &mut Vec<f64>,
    ) -> Result<()> {
        self.inner().conditional_pmf(customer, horizon, tail, out)
    }
    fn expected_purchases(&self, customer: &Rfm, horizon: Duration) -> f64 {
        self.inner().expected_purchases(customer, horizon)
    }
    fn expected_purchases_new_customer(&self, t: Duration) -> f64 {
        self.inner().expected_purchases_new_customer(t)
    }
    fn p_alive_all(&self, table: &CustomerTable) -> Array1<f64> {
        self.inner().p_alive_all(table)
    }
    fn expected_purchases_all(&self, table: &CustomerTable, horizon: Duration) -> Array1<f64> {
        self.inner().expected_purchases_all(table, horizon)
    }
    fn p_alive_and_expected_all(
        &self,
        table: &CustomerTable,
        horizon: Duration,
    ) -> (Array1<f64>, Array1<f64>) {
        self.inner().p_alive_and_expected_all(table, horizon)
    }
    fn expected_purchases_curve(
        &self,
        table: &CustomerTable,
        horizons: &[Duration],
    ) -> Array2<f64> {
        self.inner().expected_purchases_curve(table, horizons)
    }
    fn discounted_purchases(
        &self,
        table: &CustomerTable,
        ends: &[Duration],
        factors: &[f64],
    ) -> Result<Array1<f64>> {
        self.inner().discounted_purchases(table, ends, factors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_round_trip() {
        for &k in PurchaseModelKind::ALL {
            assert_eq!(k.key().parse::<PurchaseModelKind>().unwrap(), k);
            assert_eq!(k.reference().kind(), k);
            let json = serde_json::to_string(&k.reference()).unwrap();
            assert!(
                json.contains(&format!("\"type\":\"{}\"", k.key())),
                "{json}"
            );
            let back: AnyPurchaseModel = serde_json::from_str(&json).unwrap();
            assert_eq!(back, k.reference());
        }
        assert!("nope".parse::<PurchaseModelKind>().is_err());
    }
}
