"""lifetimes 0.11.3's fitters, computed by the crate.

Names, signatures, attributes (``params_`` a pandas Series, ``summary``, ``standard_errors_``,
``variance_matrix_``, ``confidence_intervals_``, ``data``) and return types follow lifetimes
0.11.3, so that code written for it runs after changing its imports. The estimates are the
crate's maximum-likelihood fit (on times rescaled to a maximum age of 1, as lifetimes does,
so ``penalizer_coef`` gives lifetimes' estimates for BG/NBD and MBG/NBD).

Differences, on purpose: ``initial_params``, ``verbose``, ``tol`` and optimiser ``kwargs`` are
accepted and ignored (the crate's optimiser converges to a gradient norm of 1e-10);
``ParetoNBDFitter`` also has standard errors (lifetimes has none) and its ``penalizer_coef``
is divided by the number of rows to match lifetimes' penalty on the summed log-likelihood.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np
import pandas as pd

from .. import _clv
from .._models import _col, _histories

__all__ = [
    "BetaGeoFitter",
    "ModifiedBetaGeoFitter",
    "ParetoNBDFitter",
    "GammaGammaFitter",
    "BetaGeoBetaBinomFitter",
]

_UNIT = "weeks"  # lifetimes' times are unit-less: any fixed unit passes them through unchanged


def _like(result: np.ndarray, *inputs: Any) -> Any:
    """lifetimes' return types: a Series for Series input, a scalar for scalar input."""
    for x in inputs:
        if isinstance(x, pd.Series):
            return pd.Series(result, index=x.index)
    if all(np.ndim(x) == 0 for x in inputs):
        return result[0]
    return result


class BaseFitter:
    """What every fitter shares: ``params_``, ``summary``, ``__repr__``."""

    _param_index: list = []

    def __repr__(self) -> str:
        name = type(self).__name__
        try:
            subj = " fitted with {:d} subjects,".format(self.data.shape[0])
        except AttributeError:
            subj = ""
        if not hasattr(self, "params_"):
            return "<lifetimes.{}>".format(name)
        ps = ", ".join("{}: {:.2f}".format(k, v) for k, v in sorted(self.params_.items()))
        return "<lifetimes.{}:{} {}>".format(name, subj, ps)

    def _unload_params(self, *names: str) -> list:
        if not hasattr(self, "params_"):
            raise ValueError("Model has not been fit yet. Please call the .fit method first.")
        return [self.params_[n] for n in names]

    def _set_fit(self, report: dict) -> None:
        idx = self._param_index
        self.params_ = pd.Series(np.asarray(report["params"], dtype=float), index=idx)
        self._fit_report = report
        self._negative_log_likelihood_ = -report["log_likelihood"] / report["n_customers"]
        cov = report["covariance"]
        if cov is not None:
            p = self.params_.values
            # lifetimes' variance matrix is params_**2 * inv(H) / N (row-wise scaling); the
            # crate's covariance is p_i p_j inv(H)_ij / N: the same diagonal
            self.variance_matrix_ = pd.DataFrame(np.asarray(cov) * (p[:, None] / p[None, :]), index=idx, columns=idx)
            self.standard_errors_ = pd.Series(np.asarray(report["std_errors"]), index=idx)
            self.confidence_intervals_ = pd.DataFrame(
                {
                    "lower 95% bound": self.params_ - 1.96 * self.standard_errors_,
                    "upper 95% bound": self.params_ + 1.96 * self.standard_errors_,
                },
                index=idx,
            )

    @property
    def summary(self) -> pd.DataFrame:
        """coef, se(coef), lower and upper 95% bound per parameter."""
        df = pd.DataFrame(index=self.params_.index)
        df["coef"] = self.params_
        df["se(coef)"] = self.standard_errors_
        df["lower 95% bound"] = self.confidence_intervals_["lower 95% bound"]
        df["upper 95% bound"] = self.confidence_intervals_["upper 95% bound"]
        return df

    def save_model(self, path: str, save_data: bool = True, **kwargs: Any) -> None:
        """Pickles the fitter (lifetimes uses dill; plain pickle suffices here)."""
        import pickle

        state = dict(self.__dict__)
        if not save_data:
            state.pop("data", None)
        with open(path, "wb") as f:
            pickle.dump(state, f)

    def load_model(self, path: str) -> None:
        """Loads a fitter saved by :meth:`save_model`."""
        import pickle

        with open(path, "rb") as f:
            self.__dict__.update(pickle.load(f))


class _PurchaseFitter(BaseFitter):
    _kind = ""

    def __init__(self, penalizer_coef: float = 0.0) -> None:
        self.penalizer_coef = penalizer_coef

    def _penalizer(self, rows: int) -> float:
        return self.penalizer_coef

    def fit(
        self,
        frequency: Any,
        recency: Any,
        T: Any,
        weights: Any = None,
        initial_params: Any = None,
        verbose: bool = False,
        tol: float = 1e-7,
        index: Any = None,
        **kwargs: Any,
    ) -> "_PurchaseFitter":
        """Fits the model to (frequency, recency, T); ``weights``: customers per row."""
        frequency = np.asarray(frequency).astype(int)
        recency, T = np.asarray(recency, dtype=float), np.asarray(T, dtype=float)
        w = np.ones_like(recency, dtype=int) if weights is None else np.asarray(weights)
        rep = _clv.fit_purchase(
            self._kind, _col(frequency, "frequency"), _col(recency, "recency"), _col(T, "T"), _UNIT,
            None if weights is None else _col(w, "weights"), self._penalizer(len(recency)), 1000, 1e-10,
        )
        self._set_fit(rep)
        self.data = pd.DataFrame({"frequency": frequency, "recency": recency, "T": T, "weights": w}, index=index)
        self.predict = self.conditional_expected_number_of_purchases_up_to_time
        return self

    def _p(self) -> list:
        return list(self.params_.values)

    def _rfm(self, frequency: Any, recency: Any, T: Any):
        f, r, t = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (frequency, recency, T))
        n = max(len(f), len(r), len(t))
        return tuple(np.ascontiguousarray(np.broadcast_to(c, (n,))) for c in (f, r, t))

    def conditional_expected_number_of_purchases_up_to_time(self, t: Any, frequency: Any, recency: Any, T: Any) -> Any:
        """Expected purchases in the next ``t`` of customers with history (frequency, recency, T)."""
        f, r, tt = self._rfm(frequency, recency, T)
        ts = np.atleast_1d(np.asarray(t, dtype=float))
        n = max(len(f), len(ts))
        f, r, tt, ts = (np.ascontiguousarray(np.broadcast_to(c, (n,))) for c in (f, r, tt, ts))
        out = np.empty(n)
        for h in np.unique(ts):
            sel = ts == h
            if h == 0:
                out[sel] = 0.0
                continue
            out[sel] = _clv.purchase_expected(
                self._kind, self._p(), _UNIT, *(np.ascontiguousarray(c[sel]) for c in (f, r, tt)), float(h)
            )
        return _like(out, t, frequency, recency, T)

    def conditional_probability_alive(self, frequency: Any, recency: Any, T: Any) -> Any:
        """Probability that each customer is alive at the end of observation (an array)."""
        return _clv.purchase_p_alive(self._kind, self._p(), _UNIT, *self._rfm(frequency, recency, T))

    def conditional_probability_alive_matrix(self, max_frequency: Optional[int] = None, max_recency: Optional[int] = None) -> np.ndarray:
        """P(alive) over frequency 0..max_frequency x recency 0..max_recency, at T = max_recency."""
        max_frequency = max_frequency or int(self.data["frequency"].max())
        max_recency = max_recency or int(self.data["T"].max())
        f, r = np.meshgrid(np.arange(max_frequency + 1), np.arange(max_recency + 1), indexing="ij")
        f, r = f.ravel().astype(float), r.ravel().astype(float)
        # the crate refuses impossible histories that lifetimes evaluates anyway: a repeat
        # customer with recency 0 (evaluated at 1e-12) and a one-off customer with recency > 0
        # (evaluated at recency 0, its only possible value)
        r_eval = np.where(f == 0, 0.0, np.where(r == 0, 1e-12, r))
        p = _clv.purchase_p_alive(
            self._kind, self._p(), _UNIT, f, r_eval, np.full(len(f), float(max_recency))
        )
        return p.reshape(max_frequency + 1, max_recency + 1)

    def expected_number_of_purchases_up_to_time(self, t: Any) -> Any:
        """Unconditional expected repeat purchases E[X(t)] of a new customer."""
        ts = np.atleast_1d(np.asarray(t, dtype=float))
        out = _clv.purchase_expected_new(self._kind, self._p(), _UNIT, np.ascontiguousarray(ts))
        return _like(out, t)

    def probability_of_n_purchases_up_to_time(self, t: float, n: int) -> float:
        """P(X(t) = n): probability of exactly ``n`` repeat purchases in a new customer's first ``t``."""
        return _clv.purchase_pmf(self._kind, self._p(), _UNIT, int(n), float(t))


class BetaGeoFitter(_PurchaseFitter):
    """BG/NBD (Fader, Hardie & Lee 2005), as lifetimes' ``BetaGeoFitter``: ``params_`` r, alpha, a, b."""

    _kind = "bgnbd"
    _param_index = ["r", "alpha", "a", "b"]


class ModifiedBetaGeoFitter(_PurchaseFitter):
    """MBG/NBD (Batislam et al. 2007), as lifetimes' ``ModifiedBetaGeoFitter``: r, alpha, a, b."""

    _kind = "mbgnbd"
    _param_index = ["r", "alpha", "a", "b"]


class ParetoNBDFitter(_PurchaseFitter):
    """Pareto/NBD (Schmittlein et al. 1987), as lifetimes' ``ParetoNBDFitter``: r, alpha, s, beta.

    lifetimes fits it with Nelder-Mead (tolerance 1e-6) from random starts, so its estimates
    agree with the maximum found here to about 1e-4 only; its penalty is on the summed
    log-likelihood (``penalizer_coef / rows`` here)."""

    _kind = "pareto-nbd"
    _param_index = ["r", "alpha", "s", "beta"]

    def _penalizer(self, rows: int) -> float:
        return self.penalizer_coef / max(rows, 1)

    def fit(self, frequency: Any, recency: Any, T: Any, weights: Any = None, iterative_fitting: int = 1,
            initial_params: Any = None, verbose: bool = False, tol: float = 1e-7, index: Any = None,
            fit_method: str = "Nelder-Mead", maxiter: int = 2000, **kwargs: Any) -> "ParetoNBDFitter":
        """Fits Pareto/NBD (``iterative_fitting``, ``fit_method``, ``maxiter`` are ignored)."""
        return super().fit(frequency, recency, T, weights, initial_params, verbose, tol, index)

    def conditional_probability_alive(self, frequency: Any, recency: Any, T: Any) -> Any:
        """P(alive) (a Series for Series input, as in lifetimes)."""
        out = super().conditional_probability_alive(frequency, recency, T)
        return _like(out, frequency, recency, T)

    def conditional_probability_of_n_purchases_up_to_time(self, n: int, t: float, frequency: Any, recency: Any, T: Any) -> Any:
        """Not bound yet: the crate's conditional pmf is being added on its main branch."""
        raise NotImplementedError("conditional P(X(t) = n | history) is not bound yet")


class GammaGammaFitter(BaseFitter):
    """Gamma-Gamma spend model, as lifetimes' ``GammaGammaFitter``: ``params_`` p, q, v."""

    _param_index = ["p", "q", "v"]

    def __init__(self, penalizer_coef: float = 0.0) -> None:
        self.penalizer_coef = penalizer_coef

    def fit(self, frequency: Any, monetary_value: Any, weights: Any = None, initial_params: Any = None,
            verbose: bool = False, tol: float = 1e-7, index: Any = None, q_constraint: bool = False,
            **kwargs: Any) -> "GammaGammaFitter":
        """Fits to the repeat customers' (frequency, mean spend)."""
        f = np.asarray(frequency).astype(int)
        m = np.asarray(monetary_value, dtype=float)
        w = np.ones_like(f, dtype=int) if weights is None else np.asarray(weights)
        rep = _clv.fit_gamma_gamma(
            _col(f, "frequency"), _col(m, "monetary_value"), None if weights is None else _col(w, "weights"),
            self.penalizer_coef, 1000, 1e-10,
        )
        self._set_fit(rep)
        self.data = pd.DataFrame({"monetary_value": m, "frequency": f, "weights": w}, index=index)
        return self

    def conditional_expected_average_profit(self, frequency: Any = None, monetary_value: Any = None) -> Any:
        """Expected mean spend per purchase: the crate's Gamma-Gamma expectation, with lifetimes'
        value for repeat customers whose mean spend is 0 (the crate gives them the population
        mean)."""
        if monetary_value is None:
            monetary_value = self.data["monetary_value"]
        if frequency is None:
            frequency = self.data["frequency"]
        p, q, v = self._unload_params("p", "q", "v")
        f = np.atleast_1d(np.asarray(frequency, dtype=float))
        m = np.atleast_1d(np.asarray(monetary_value, dtype=float))
        n = max(len(f), len(m))
        f, m = (np.ascontiguousarray(np.broadcast_to(c, (n,))) for c in (f, m))
        out = _clv.gamma_gamma_expected_spend([p, q, v], f, m)
        zero = (f > 0) & (m == 0)
        out[zero] = (1 - p * f[zero] / (p * f[zero] + q - 1)) * (v * p / (q - 1))
        return _like(out, frequency, monetary_value)

    def customer_lifetime_value(self, transaction_prediction_model: Any, frequency: Any, recency: Any, T: Any,
                                monetary_value: Any, time: int = 12, discount_rate: float = 0.01,
                                freq: str = "D") -> pd.Series:
        """lifetimes' CLV, trap included (its issue #137): ``time`` months of ``factor`` time
        units each, with ``factor`` = 30 for ``freq="D"`` (the default), 4.345 for ``"W"``, 1 for
        ``"M"``, 720 for ``"H"``: ``freq`` must be the unit of the data the model was fitted
        on. With the default on weekly data (CDNOW), each "month" is 30 weeks.

        The unit-safe call is :func:`clv.value_table` (horizon and step with their units)."""
        from .utils import _customer_lifetime_value

        adjusted = self.conditional_expected_average_profit(frequency, monetary_value)
        return _customer_lifetime_value(
            transaction_prediction_model, frequency, recency, T, adjusted, time, discount_rate, freq=freq
        )


class BetaGeoBetaBinomFitter(BaseFitter):
    """BG/BB (Fader, Hardie & Shang 2010), as lifetimes' ``BetaGeoBetaBinomFitter``: alpha,
    beta, gamma, delta."""

    _param_index = ["alpha", "beta", "gamma", "delta"]

    def __init__(self, penalizer_coef: float = 0.0) -> None:
        self.penalizer_coef = penalizer_coef

    def fit(self, frequency: Any, recency: Any, n_periods: Any, weights: Any = None, initial_params: Any = None,
            verbose: bool = False, tol: float = 1e-7, index: Any = None, **kwargs: Any) -> "BetaGeoBetaBinomFitter":
        """Fits to discrete histories (frequency, recency, n_periods) with optional weights."""
        f, r, n = _histories(frequency, recency, n_periods)
        w = np.ones_like(f, dtype=int) if weights is None else np.asarray(weights)
        rep = _clv.fit_bgbb(f, r, n, None if weights is None else _col(w, "weights"), self.penalizer_coef, 1000, 1e-10)
        self._set_fit(rep)
        self.data = pd.DataFrame({"frequency": f, "recency": r, "n_periods": n, "weights": w}, index=index)
        return self

    def conditional_expected_number_of_purchases_up_to_time(self, m_periods_in_future: int, frequency: Any,
                                                            recency: Any, n_periods: Any) -> Any:
        """Expected transactions over the next ``m_periods_in_future`` opportunities."""
        out = _clv.bgbb_predict(list(self.params_.values), "expected", *_histories(frequency, recency, n_periods),
                                int(m_periods_in_future))
        return _like(out, frequency, recency, n_periods)

    def conditional_probability_alive(self, m_periods_in_future: int, frequency: Any, recency: Any,
                                      n_periods: Any) -> Any:
        """Probability of being alive at opportunity ``n_periods + m_periods_in_future``."""
        out = _clv.bgbb_predict(list(self.params_.values), "p_alive", *_histories(frequency, recency, n_periods),
                                int(m_periods_in_future))
        return _like(out, frequency, recency, n_periods)

    def expected_number_of_transactions_in_first_n_periods(self, n: int) -> pd.DataFrame:
        """Expected number of customers with each observed frequency x in the first ``n``
        opportunities: a DataFrame indexed by ``frequency`` with column ``model``."""
        counts = self.data.groupby("frequency")["weights"].sum()
        ps = list(self.params_.values)
        model = [_clv.bgbb_new(ps, int(n), int(x)) * counts.sum() for x in counts.index]
        return pd.DataFrame({"model": model}, index=pd.Index(np.asarray(counts.index), name="frequency"))
