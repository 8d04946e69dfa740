"""The models: thin Python classes over the compiled core ``clv._clv``."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence, Tuple, Type, Union

import numpy as np

from . import _clv

ArrayLike = Union[Sequence[float], np.ndarray, Any]
Horizon = Union[float, int, str, Tuple[float, str]]

_DAYS = {"hours": 1.0 / 24.0, "days": 1.0, "weeks": 7.0, "months": 365.25 / 12.0, "years": 365.25}
_UNIT_WORDS = {
    "h": "hours", "hour": "hours", "hours": "hours",
    "d": "days", "day": "days", "days": "days",
    "w": "weeks", "week": "weeks", "weeks": "weeks",
    "m": "months", "month": "months", "months": "months",
    "y": "years", "year": "years", "years": "years",
}


def _unit(unit: str) -> str:
    try:
        return _UNIT_WORDS[unit.lower()]
    except (KeyError, AttributeError):
        raise _clv.ClvError(
            f"unknown time unit {unit!r} (expected hours, days, weeks, months or years)"
        ) from None


def parse_duration(duration: Horizon, unit: str) -> float:
    """A duration expressed in ``unit``.

    ``duration`` is a number (already in ``unit``), a string with its unit as on the command
    line (``"52w"``, ``"12months"``, ``"365d"``, ``"1y"``; a month is 30.4375 days), or a pair
    ``(amount, unit)``.

    >>> parse_duration("2w", "days")
    14.0
    """
    unit = _unit(unit)
    if isinstance(duration, (int, float, np.integer, np.floating)):
        return float(duration)
    if isinstance(duration, tuple):
        amount, u = duration
        return float(amount) * _DAYS[_unit(u)] / _DAYS[unit]
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([A-Za-z]+)\s*", str(duration))
    if not m:
        raise _clv.ClvError(f"duration {duration!r}: expected a number and a unit, e.g. 52w or 12months")
    return float(m.group(1)) * _DAYS[_unit(m.group(2))] / _DAYS[unit]


def _col(values: ArrayLike, name: str) -> np.ndarray:
    a = np.ascontiguousarray(np.asarray(values, dtype=np.float64))
    if a.ndim == 0:
        a = a.reshape(1)
    if a.ndim != 1:
        raise _clv.ClvError(f"column `{name}`: expected one dimension, got shape {a.shape}")
    return a


def _rfm(frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    f, r, t = _col(frequency, "frequency"), _col(recency, "recency"), _col(T, "T")
    n = max(len(f), len(r), len(t))
    f, r, t = (np.ascontiguousarray(np.broadcast_to(c, (n,))) for c in (f, r, t))
    return f, r, t


class PurchaseModel:
    """A purchase-and-dropout model with its parameters (times in :attr:`unit`).

    Build one from parameters (``BgNbd(r=0.24, alpha=4.4, a=0.79, b=2.4, unit="weeks")``) or
    fit it (``BgNbd.fit(frequency, recency, T, unit="weeks")``). Predictions take the RFM
    columns of customers (frequency = repeat purchases x, recency = t_x, T = age, in the
    model's unit) and return numpy arrays.

    Attributes:
        params: the parameters by name.
        unit: the unit of time of the parameters (``"weeks"``...).
        fit_report: after :meth:`fit`, a dict with ``log_likelihood``, ``std_errors``,
            ``covariance``, ``iterations``, ``aic``...; ``None`` for a model built from
            parameters.
    """

    kind: str = ""

    def __init__(self, *args: float, unit: str = "weeks", **params: float) -> None:
        names = self.param_names()
        if args and params:
            raise TypeError("give the parameters either by position or by name")
        values = list(args) if args else [params.get(n) for n in names]
        if len(values) != len(names) or any(v is None for v in values):
            raise TypeError(f"{type(self).__name__} takes the parameters {', '.join(names)}")
        self.unit = _unit(unit)
        self._params = [float(v) for v in values]
        # validates the parameters through the crate (positive, finite)
        _clv.purchase_expected_new(self.kind, self._params, self.unit, np.zeros(1))
        self.fit_report: Optional[Dict[str, Any]] = None

    @classmethod
    def param_names(cls) -> List[str]:
        """The parameter names, in order."""
        return list(_clv.purchase_model_info(cls.kind)[2])

    @classmethod
    def description(cls) -> str:
        """The model, its source and what its parameters mean (one sentence)."""
        return _clv.purchase_model_info(cls.kind)[1]

    @property
    def params(self) -> Dict[str, float]:
        """The parameters by name (those in units of time per :attr:`unit`)."""
        return dict(zip(self.param_names(), self._params))

    @property
    def log_likelihood(self) -> Optional[float]:
        """Log-likelihood at the estimate (after :meth:`fit`)."""
        return None if self.fit_report is None else self.fit_report["log_likelihood"]

    @property
    def std_errors(self) -> Optional[Dict[str, float]]:
        """Standard errors by parameter (after :meth:`fit`, when the Hessian is positive definite)."""
        if self.fit_report is None or self.fit_report["std_errors"] is None:
            return None
        return dict(zip(self.param_names(), self.fit_report["std_errors"]))

    def __repr__(self) -> str:
        ps = ", ".join(f"{k}={v:.6g}" for k, v in self.params.items())
        return f"clv.{type(self).__name__}({ps}, unit={self.unit!r})"

    @classmethod
    def fit(
        cls,
        frequency: ArrayLike,
        recency: ArrayLike,
        T: ArrayLike,
        *,
        unit: str = "weeks",
        weights: Optional[ArrayLike] = None,
        penalizer: float = 0.0,
        max_iters: int = 1000,
        tolerance: float = 1e-10,
    ) -> "PurchaseModel":
        """Fits the model by maximum likelihood to customers' (frequency, recency, T).

        Args:
            frequency: repeat purchases x of each customer (whole numbers).
            recency: time t_x from the first to the last purchase, in ``unit``.
            T: age, time from the first purchase to the end of observation, in ``unit``.
            unit: the unit of recency and T (and of the fitted parameters).
            weights: optional count of identical customers per row.
            penalizer: L2 penalty, Python lifetimes 0.11.3's ``penalizer_coef`` (BG/NBD,
                MBG/NBD; lifetimes' Pareto/NBD coefficient is this one times N).
            max_iters, tolerance: the optimiser's limits (gradient norm of the mean
                log-likelihood).

        Returns:
            the fitted model, with :attr:`fit_report`.

        Raises:
            ClvError: bad data (naming row, column and value), or a fit that did not converge.
        """
        f, r, t = _rfm(frequency, recency, T)
        w = None if weights is None else _col(weights, "weights")
        rep = _clv.fit_purchase(cls.kind, f, r, t, _unit(unit), w, penalizer, max_iters, tolerance)
        m = cls(*rep["params"], unit=unit)
        m.fit_report = dict(rep)
        return m

    def p_alive(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> np.ndarray:
        """Probability that each customer is still active at the end of observation."""
        return _clv.purchase_p_alive(self.kind, self._params, self.unit, *_rfm(frequency, recency, T))

    def churn_probability(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> np.ndarray:
        """``1 - p_alive``."""
        return 1.0 - self.p_alive(frequency, recency, T)

    def expected_purchases(
        self, horizon: Horizon, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
    ) -> np.ndarray:
        """Expected purchases of each customer in the ``horizon`` after the end of observation
        (the conditional expectation). ``horizon``: a number in the model's unit, or
        ``"52w"``, ``"12months"``, ``(365, "days")``."""
        h = parse_duration(horizon, self.unit)
        return _clv.purchase_expected(self.kind, self._params, self.unit, *_rfm(frequency, recency, T), h)

    def expected_purchases_new(self, t: Union[Horizon, ArrayLike]) -> np.ndarray:
        """Expected repeat purchases E[X(t)] in the first ``t`` of a new customer's life, at each
        ``t`` (numbers in the model's unit, or one duration string)."""
        if isinstance(t, (str, tuple)):
            t = parse_duration(t, self.unit)
        return _clv.purchase_expected_new(self.kind, self._params, self.unit, _col(t, "t"))

    def probability_of_purchases(self, n: int, t: Horizon) -> float:
        """P(X(t) = n): probability that a new customer makes exactly ``n`` repeat purchases in
        its first ``t``."""
        return _clv.purchase_pmf(self.kind, self._params, self.unit, int(n), parse_duration(t, self.unit))


class BgNbd(PurchaseModel):
    """BG/NBD (Fader, Hardie & Lee 2005): purchases at Poisson rate lambda ~ Gamma(r, alpha)
    while alive; after each purchase the customer drops out with probability p ~ Beta(a, b).

    Parameters: ``r``, ``alpha`` (per unit of time), ``a``, ``b``. On CDNOW (weeks):
    r 0.2426, alpha 4.4136, a 0.7929, b 2.4259, log-likelihood -9582.43.

    >>> m = BgNbd(r=0.2425982, alpha=4.4136842, a=0.7929899, b=2.4261667, unit="weeks")
    >>> round(float(m.p_alive(26, 30.857, 31)[0]), 4)   # customer 1516
    0.9689
    """

    kind = "bgnbd"


class MbgNbd(PurchaseModel):
    """MBG/NBD (Batislam, Denizel & Filiztekin 2007): BG/NBD in which a customer may also drop
    out at the first purchase, so customers without repeat purchases are not certainly alive.

    Parameters: ``r``, ``alpha`` (per unit of time), ``a``, ``b``; lifetimes'
    ``ModifiedBetaGeoFitter``.
    """

    kind = "mbgnbd"


class ParetoNbd(PurchaseModel):
    """Pareto/NBD (Schmittlein, Morrison & Colombo 1987): purchases at Poisson rate
    lambda ~ Gamma(r, alpha), exponential lifetimes at rate mu ~ Gamma(s, beta).

    Parameters: ``r``, ``alpha``, ``s``, ``beta`` (alpha and beta per unit of time). On
    CDNOW (weeks): r 0.553, alpha 10.578, s 0.606, beta 11.669, log-likelihood -9595.0.
    """

    kind = "pareto-nbd"


_REGISTRY: Dict[str, Type[PurchaseModel]] = {c.kind: c for c in (BgNbd, MbgNbd, ParetoNbd)}


def purchase_models() -> List[str]:
    """The keys of every purchase model registered in the crate (``bgnbd``, ``mbgnbd``,
    ``pareto-nbd``)."""
    return list(_clv.purchase_model_keys())


def purchase_model(key: str) -> Type[PurchaseModel]:
    """The class of a registered purchase model by key (``"bgnbd"``, ``"pareto_nbd"``...)."""
    norm = key.lower().replace("_", "-").replace("/", "-")
    for k, c in _REGISTRY.items():
        if k.replace("-", "") == norm.replace("-", ""):
            return c
    raise _clv.ClvError(f"{key!r}: not a registered purchase model (one of: {', '.join(purchase_models())})")


class GammaGamma:
    """Gamma-Gamma spend model (Fader & Hardie 2013, note 025): a customer's mean spend per
    purchase, independent of the purchase process.

    Parameters ``p``, ``q``, ``gamma`` (lifetimes calls the last one ``v``); needs q > 1 for a
    finite mean. On CDNOW's 946 repeat buyers: p 6.25, q 3.74, gamma 15.44.

    >>> gg = GammaGamma(6.25, 3.74, 15.44)
    >>> round(float(gg.expected_spend(2, 22.35)[0]), 2)
    24.66
    """

    def __init__(self, p: float, q: float, gamma: float) -> None:
        self._params = [float(p), float(q), float(gamma)]
        _clv.gamma_gamma_expected_spend(self._params, np.zeros(1), np.zeros(1))
        self.fit_report: Optional[Dict[str, Any]] = None

    @property
    def params(self) -> Dict[str, float]:
        """``{"p": ..., "q": ..., "gamma": ...}``."""
        return dict(zip(["p", "q", "gamma"], self._params))

    def __repr__(self) -> str:
        p, q, g = self._params
        return f"clv.GammaGamma(p={p:.6g}, q={q:.6g}, gamma={g:.6g})"

    @classmethod
    def fit(
        cls,
        frequency: ArrayLike,
        monetary_value: ArrayLike,
        *,
        weights: Optional[ArrayLike] = None,
        penalizer: float = 0.0,
        max_iters: int = 1000,
        tolerance: float = 1e-10,
    ) -> "GammaGamma":
        """Fits the model to (frequency, mean spend of the repeat purchases). Customers without
        repeat purchase, or with a mean spend of 0, are left out of the fit."""
        f, m = _col(frequency, "frequency"), _col(monetary_value, "monetary_value")
        w = None if weights is None else _col(weights, "weights")
        rep = _clv.fit_gamma_gamma(f, m, w, penalizer, max_iters, tolerance)
        g = cls(*rep["params"])
        g.fit_report = dict(rep)
        return g

    def expected_spend(self, frequency: ArrayLike, monetary_value: ArrayLike) -> np.ndarray:
        """Conditional expected mean spend per purchase, ``p (gamma + x m) / (p x + q - 1)``;
        customers without repeat purchases (or a mean spend of 0) get the population mean."""
        f, m = _col(frequency, "frequency"), _col(monetary_value, "monetary_value")
        n = max(len(f), len(m))
        f, m = (np.ascontiguousarray(np.broadcast_to(c, (n,))) for c in (f, m))
        return _clv.gamma_gamma_expected_spend(self._params, f, m)

    def population_mean_spend(self) -> float:
        """``p gamma / (q - 1)``."""
        p, q, g = self._params
        return p * g / (q - 1.0)


def _ints(values: ArrayLike, name: str) -> np.ndarray:
    a = np.asarray(values)
    if a.ndim == 0:
        a = a.reshape(1)
    f = a.astype(np.float64)
    if not np.all(np.isfinite(f)) or np.any(f != np.round(f)):
        bad = int(np.flatnonzero(~np.isfinite(f) | (f != np.round(f)))[0])
        raise _clv.ClvError(f"row {bad + 1}, column `{name}`: value {a[bad]!r}: expected a whole number")
    return np.ascontiguousarray(f.astype(np.int64))


def _histories(frequency: ArrayLike, recency: ArrayLike, n_periods: ArrayLike):
    f, r, n = _ints(frequency, "frequency"), _ints(recency, "recency"), _ints(n_periods, "n_periods")
    k = max(len(f), len(r), len(n))
    return tuple(np.ascontiguousarray(np.broadcast_to(c, (k,))) for c in (f, r, n))


class BgBb:
    """BG/BB (Fader, Hardie & Shang 2010) for discrete purchase opportunities: at each
    opportunity an alive customer buys with probability p ~ Beta(alpha, beta) and drops out
    with probability theta ~ Beta(gamma, delta).

    Histories are (frequency x, recency t_x = opportunity of the last purchase, n = number of
    opportunities). On the donations data: alpha 1.204, beta 0.750, gamma 0.657, delta 2.783.
    """

    def __init__(self, alpha: float, beta: float, gamma: float, delta: float) -> None:
        self._params = [float(alpha), float(beta), float(gamma), float(delta)]
        _clv.bgbb_new(self._params, 1)
        self.fit_report: Optional[Dict[str, Any]] = None

    @property
    def params(self) -> Dict[str, float]:
        """``{"alpha", "beta", "gamma", "delta"}``."""
        return dict(zip(["alpha", "beta", "gamma", "delta"], self._params))

    def __repr__(self) -> str:
        return "clv.BgBb(" + ", ".join(f"{k}={v:.6g}" for k, v in self.params.items()) + ")"

    @classmethod
    def fit(
        cls,
        frequency: ArrayLike,
        recency: ArrayLike,
        n_periods: ArrayLike,
        *,
        weights: Optional[ArrayLike] = None,
        penalizer: float = 0.0,
        max_iters: int = 1000,
        tolerance: float = 1e-10,
    ) -> "BgBb":
        """Fits BG/BB by maximum likelihood to histories (x, t_x, n), with optional weights
        (customers per row)."""
        f, r, n = _histories(frequency, recency, n_periods)
        w = None if weights is None else _col(weights, "weights")
        rep = _clv.fit_bgbb(f, r, n, w, penalizer, max_iters, tolerance)
        m = cls(*rep["params"])
        m.fit_report = dict(rep)
        return m

    def p_alive(self, frequency: ArrayLike, recency: ArrayLike, n_periods: ArrayLike, ahead: int = 0) -> np.ndarray:
        """Probability of being alive at opportunity ``n + ahead`` (0: the end of observation)."""
        return _clv.bgbb_predict(self._params, "p_alive", *_histories(frequency, recency, n_periods), int(ahead))

    def expected_transactions(
        self, m: int, frequency: ArrayLike, recency: ArrayLike, n_periods: ArrayLike
    ) -> np.ndarray:
        """Expected transactions over the next ``m`` opportunities."""
        return _clv.bgbb_predict(self._params, "expected", *_histories(frequency, recency, n_periods), int(m))

    def expected_transactions_new(self, n: int) -> float:
        """E[X(n)] of a new customer over its first ``n`` opportunities."""
        return _clv.bgbb_new(self._params, int(n))

    def probability_of_transactions(self, x: int, n: int) -> float:
        """P(X(n) = x) of a new customer."""
        return _clv.bgbb_new(self._params, int(n), int(x))
