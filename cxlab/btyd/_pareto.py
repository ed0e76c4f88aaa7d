"""Repeat purchases where customers leave unseen: the Pareto/NBD model (Schmittlein et al. 1987).

While alive, a customer buys at a Poisson rate ``lambda``; their lifetime is
exponential with rate ``mu``, independent of purchases. Across customers
``lambda ~ Gamma(r, alpha)`` and ``mu ~ Gamma(s, beta)`` (shape, rate).
With ``x`` repeat purchases, the last at ``t_x``, observed for ``T``:

``L = Gamma(r + x) alpha^r beta^s / Gamma(r) * [(alpha + T)^-(r + x) (beta + T)^-s + s I]``,
``I = int_{t_x}^{T} (alpha + tau)^-(r + x) (beta + tau)^-(s + 1) d tau``

(the second term: the customer died at some tau between the last purchase
and T). Fader, Hardie & Lee (2005, "A note on implementing the Pareto/NBD
model in MATLAB") write ``I`` with Gaussian hypergeometric functions:
for ``alpha >= beta``, with ``m = r + s + x``,

``m I = (alpha + t_x)^-m 2F1(m, s + 1; m + 1; z(t_x)) - (alpha + T)^-m 2F1(m, s + 1; m + 1; z(T))``,
``z(u) = (alpha - beta) / (alpha + u)``,

and with alpha and beta (and ``s + 1``, ``r + x``) swapped when ``alpha < beta``,
so ``0 <= z < 1`` always.

How it is kept stable: ``2F1(b, m; m + 1; z)`` grows like ``(1 - z)^-b``
and overflows for a large ``b = r + x``; it is evaluated after Euler's
transformation as ``(1 - z)^(1 - b) 2F1(m + 1 - b, 1; m + 1; z)``, whose
second factor lies between 1 and ``1 / (1 - z)``, so everything is taken in
logs. scipy returns NaN for that factor when ``m`` is large (hundreds of
purchases) and ``z`` is very near 1; there the integral form
``int_0^inf e^-y (1 - z e^(-y/m))^-b dy`` is summed by Gauss-Legendre
quadrature after a change of variable that spreads its steep part. The difference of the two terms is ``log(e^u - e^v) = u + log1p(-e^(v - u))``
and the bracket a ``logaddexp``. Both agree with mpmath to about 1e-12 relative
over the range used (tested). The gradient is taken by
central differences (the Hessian for the standard errors as well).

Predictions (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves"):

- P(alive) ``= (alpha + T)^-(r + x) (beta + T)^-s / [(alpha + T)^-(r + x) (beta + T)^-s + s I]``;
- expected purchases in the next t:
  ``P(alive) (r + x) (beta + T) / ((alpha + T)(s - 1)) [1 - ((beta + T) / (beta + T + t))^(s - 1)]``;
- discounted expected residual transactions (continuous discount rate delta):
  ``DERT = P(alive) (r + x) / (alpha + T) (beta + T)^s delta^(s - 1) U(s, s; delta (beta + T))``
  with Tricomi's confluent hypergeometric ``U`` (``scipy.special.hyperu``).

P(X(t) = x) for the fit check integrates the death time numerically
(64-point Gauss-Legendre): ``NB(x; r, alpha, t) (beta / (beta + t))^s +
int_0^t s beta^s (beta + tau)^-(s+1) NB(x; r, alpha, tau) d tau``.

Reference: Schmittlein, D. C., Morrison, D. G. and Colombo, R. (1987).
Counting your customers: who are they and what will they do next?
*Management Science* 33(1), 1-24.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from cxlab.btyd._base import PurchaseModel, mean_purchase_rate
from cxlab.exceptions import ParameterError

__all__ = ["ParetoNBD"]

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(64)


_QN, _QW = np.polynomial.legendre.leggauss(128)


def log_hyp2f1_m(b, m, z):
    """``log 2F1(b, m; m + 1; z)`` for ``0 <= z < 1``, ``b <= m + 1``, without overflow.

    scipy's ``hyp2f1`` after Euler's transformation; where it gives no finite
    value (it returns NaN for a large ``m`` with ``z`` very near 1) the
    integral form is used instead (:func:`_log_hyp2f1_m_quad`).
    """
    b, m, z = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (b, m, z)))
    with np.errstate(all="ignore"):
        out = (1 - b) * np.log1p(-z) + np.log(special.hyp2f1(m + 1 - b, 1.0, m + 1, z))
    bad = ~np.isfinite(out)
    if bad.any():
        out = np.array(out, dtype=float)
        out[bad] = _log_hyp2f1_m_quad(b[bad], m[bad], z[bad])
    return out


def _log_hyp2f1_m_quad(b, m, z):
    """``log 2F1(b, m; m + 1; z)`` by quadrature of its integral form.

    ``2F1(b, m; m + 1; z) = int_0^inf e^-y (1 - z e^(-y/m))^-b dy`` (put
    ``v = e^(-y/m)`` in Euler's integral ``m int_0^1 v^(m-1) (1 - z v)^-b dv``).
    Near ``z = 1`` the integrand is steep where ``y`` is of order ``m (1 - z)``,
    so ``y = m (1 - z) (e^eta - 1)`` spreads it evenly over ``eta``; 128-point
    Gauss-Legendre in ``eta``, summed in logs. Accurate to about 1e-12 relative
    for ``b`` up to a few (the case scipy misses); tested against mpmath.
    """
    eps = 1 - z
    me = m * eps
    emax = np.minimum(np.log1p(60.0 / me), 60.0 / np.maximum(b - 1, 0.5))
    eta = (_QN[:, None] + 1) / 2 * emax
    y = me * np.expm1(eta)
    base = -np.expm1(-y / m) + eps * np.exp(-y / m)
    logf = -y - b * np.log(base) + np.log(me) + eta
    top = logf.max(axis=0)
    return top + np.log(np.sum(_QW[:, None] * np.exp(logf - top), axis=0) * emax / 2)


def _log_antiderivative(r, alpha, s, beta, x, tau):
    """``log(m F(tau))`` with ``I = F(t_x) - F(T)`` (the hypergeometric closed form)."""
    m = r + s + x
    if alpha >= beta:
        big, b = alpha, s + 1
    else:
        big, b = beta, r + x
    return -m * np.log(big + tau) + log_hyp2f1_m(b, m, abs(alpha - beta) / (big + tau))


def log_integral(r, alpha, s, beta, x, t_x, T, pairs=None):
    """``log I``, the death-between-t_x-and-T integral of the likelihood (-inf when t_x = T).

    ``pairs`` (from :meth:`ParetoNBD._prepare`) evaluates the two
    hypergeometric terms once per distinct ``(x, t_x)`` and ``(x, T)`` pair.
    """
    m = r + s + x
    if pairs is None:
        u = _log_antiderivative(r, alpha, s, beta, x, t_x)
        v = _log_antiderivative(r, alpha, s, beta, x, T)
    else:
        (xa, ta, ia), (xb, tb, ib) = pairs
        u = _log_antiderivative(r, alpha, s, beta, xa, ta)[ia]
        v = _log_antiderivative(r, alpha, s, beta, xb, tb)[ib]
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.log1p(-np.exp(np.minimum(v - u, 0.0)))
    return np.where(T > t_x, u + gap - np.log(m), -np.inf)


class ParetoNBD(PurchaseModel):
    """Pareto/NBD model of repeat purchases and unseen drop-out (Schmittlein et al. 1987).

    Parameters
    ----------
    confidence : float, default=0.95
        Level of the intervals.

    Attributes
    ----------
    params_ : Series
        ``r``, ``alpha`` (purchase rates ~ Gamma(r, alpha)) and ``s``, ``beta``
        (drop-out rates ~ Gamma(s, beta)), per time unit.
    se_, cov_, cov_log_, log_likelihood_, n_, notes_
        As for :class:`cxlab.BGNBD`.

    Examples
    --------
    >>> import cxlab
    >>> sim = cxlab.simulate_purchases(n_customers=2000, model="pareto", random_state=3)
    >>> summary = cxlab.purchase_summary(sim.transactions, observation_end=sim.observation_end)
    >>> m = cxlab.ParetoNBD().fit(summary)
    >>> list(m.params_.index)
    ['r', 'alpha', 's', 'beta']
    """

    _param_names = ("r", "alpha", "s", "beta")
    _model_name = "Pareto/NBD"

    def _start(self, d):
        rate = mean_purchase_rate(d)
        return np.log([1.0, 1.0 / rate, 1.0, float(np.average(d["T"], weights=d["w"])) + 1.0])

    def _prepare(self, d) -> dict:
        pairs = []
        for col in ("t_x", "T"):
            keys = np.stack([d["x"], d[col]])
            uniq, inv = np.unique(keys, axis=1, return_inverse=True)
            pairs.append((uniq[0], uniq[1], inv.reshape(-1)))
        return {**d, "pairs": tuple(pairs)}

    def _log_terms(self, theta, x, t_x, T, pairs=None):
        """Log of the 'alive at T' term and of ``s I`` (both without the common factor)."""
        r, alpha, s, beta = theta
        alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        dead = np.log(s) + log_integral(r, alpha, s, beta, x, t_x, T, pairs)
        return alive, dead

    def _loglik(self, theta, d) -> float:
        r, alpha, s, beta = theta
        alive, dead = self._log_terms(theta, d["x"], d["t_x"], d["T"], d.get("pairs"))
        xu, xi = d["xu"], d["xinv"]
        lg = (special.gammaln(r + xu) - special.gammaln(r))[xi]
        ll = lg + r * np.log(alpha) + s * np.log(beta) + np.logaddexp(alive, dead)
        return float(np.sum(d["w"] * ll))

    def _p_alive(self, theta, x, t_x, T):
        alive, dead = self._log_terms(theta, x, t_x, T)
        return special.expit(alive - dead)

    def _conditional(self, theta, x, t_x, T, t):
        r, alpha, s, beta = theta
        scale = (r + x) * (beta + T) / (alpha + T)
        return (
            scale
            * _one_minus_pow(np.log((beta + T) / (beta + T + t)), s)
            * self._p_alive(theta, x, t_x, T)
        )

    def _unconditional(self, theta, t):
        r, alpha, s, beta = theta
        return r * beta / alpha * _one_minus_pow(np.log(beta / (beta + t)), s)

    def _dert(self, theta, x, t_x, T, delta):
        r, alpha, s, beta = theta
        c = beta + T
        with np.errstate(over="ignore"):
            u = special.hyperu(s, s, delta * c)
        return (
            self._p_alive(theta, x, t_x, T)
            * (r + x)
            / (alpha + T)
            * np.exp(s * np.log(c) + (s - 1) * np.log(delta))
            * u
        )

    def residual_purchases(
        self, summary, *, discount_rate: float, n_draws: int = 0, random_state=None
    ):
        """Discounted expected residual transactions (DERT, infinite horizon, closed form).

        Parameters
        ----------
        summary : DataFrame
        discount_rate : float
            Continuous discount rate per time unit (> 0), e.g.
            ``log(1.10) / 52`` for 10% a year with weekly units.
        n_draws : int, default=0
            Parameter draws from the estimates' sampling distribution for an
            interval; 0 gives the point estimate only.
        random_state : int, Generator or None, default=None
            Seed of the draws.

        Returns
        -------
        DataFrame
            ``residual_purchases`` (and ``lower``/``upper`` with draws).
        """
        from cxlab.btyd._base import estimate_frame

        self._check_fitted("residual_purchases")
        if not discount_rate > 0:
            raise ParameterError(f"discount_rate={discount_rate} must be > 0.")
        x, t_x, T, inv = self._unique_customers(summary)
        est, lo, hi = self._interval(
            lambda th: self._dert(th, x, t_x, T, discount_rate), n_draws, random_state
        )
        return estimate_frame(summary.index, inv, "residual_purchases", est, lo, hi)

    def _pmf(self, theta, t, x_max):
        r, alpha, s, beta = theta
        x = np.arange(x_max + 1)[None, None, :]
        tt = t[:, None, None]
        alive = stats.nbinom.pmf(x, r, alpha / (alpha + tt)) * (beta / (beta + tt)) ** s
        tau = tt * (_NODES[None, :, None] + 1) / 2  # (n_t, nodes, 1)
        dens = s * beta**s * (beta + tau) ** -(s + 1)
        nb = stats.nbinom.pmf(x, r, alpha / (alpha + tau))
        dead = (tt[:, :, 0] / 2) * np.einsum("k,tkx->tx", _WEIGHTS, dens * nb)
        return alive[:, 0, :] + dead


def _one_minus_pow(log_u, s):
    """``(1 - u^(s - 1)) / (s - 1)``, with its limit ``-log u`` at s = 1."""
    k = s - 1
    if abs(k) < 1e-10:
        return -log_u
    return -np.expm1(k * log_u) / k
