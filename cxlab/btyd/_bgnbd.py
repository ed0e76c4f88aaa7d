"""Repeat purchases where customers leave unseen: the BG/NBD model (Fader, Hardie & Lee 2005).

While alive, a customer buys at a Poisson rate ``lambda``; after each repeat
purchase they leave for good with probability ``p``. Across customers
``lambda ~ Gamma(r, alpha)`` (shape, rate) and ``p ~ Beta(a, b)``. With
``x`` repeat purchases, the last at ``t_x``, observed for ``T``:

``L = B(a, b + x) / B(a, b) * Gamma(r + x) alpha^r / Gamma(r)
* [(alpha + T)^-(r + x) + 1{x > 0} a / (b + x - 1) (alpha + t_x)^-(r + x)]``

(FHL 2005, eq. 6). The bracket is summed in log space (``logaddexp``), so a
large ``x`` cannot overflow; the gradient is analytic.

- P(alive) ``= 1 / (1 + 1{x>0} a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x))``
  (eq. 11), computed as a logistic of the log odds;
- expected purchases in the next ``t`` (eq. 10)
  ``(a + b + x - 1) / (a - 1) [1 - ((alpha + T) / (alpha + T + t))^(r + x)
  2F1(r + x, b + x; a + b + x - 1; t / (alpha + T + t))] P(alive)``,
  evaluated after Euler's transformation
  ``2F1(A, B; C; z) = (1 - z)^(C - A - B) 2F1(C - A, C - B; C; z)`` as
  ``1 - (1 - z)^(a - 1) 2F1(a + b - 1 - r, a - 1; a + b + x - 1; z)``, whose
  factors stay of order one for any ``x``;
- a new customer's expected purchases in ``t`` (eq. 9) is the same with
  ``x = T = 0``; P(X(t) = x) is eq. 8.

Reference: Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your
customers" the easy way: an alternative to the Pareto/NBD model. *Marketing
Science* 24(2), 275-284.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from cxlab.btyd._base import _PurchaseModel, mean_purchase_rate

__all__ = ["BGNBD"]


class BGNBD(_PurchaseModel):
    """BG/NBD model of repeat purchases and unseen drop-out (Fader, Hardie & Lee 2005).

    Parameters
    ----------
    confidence : float, default=0.95
        Level of the intervals.

    Attributes
    ----------
    params_ : Series
        ``r``, ``alpha`` (purchase rates ~ Gamma(r, alpha), per time unit) and
        ``a``, ``b`` (drop-out probabilities ~ Beta(a, b)).
    se_ : Series
        Standard errors from the observed information.
    cov_ : DataFrame
        Covariance of the parameters (``cov_log_`` on the log scale).
    log_likelihood_ : float
    n_ : int
        Customers fitted.
    notes_ : list of str

    Examples
    --------
    >>> import cxlab
    >>> sim = cxlab.simulate_purchases(n_customers=3000, random_state=1)
    >>> summary = cxlab.purchase_summary(sim.transactions, observation_end=sim.observation_end)
    >>> m = cxlab.BGNBD().fit(summary)
    >>> m.summary().columns.tolist()
    ['estimate', 'se', 'lower', 'upper']
    """

    _param_names = ("r", "alpha", "a", "b")
    _model_name = "BG/NBD"

    def _start(self, d):
        rate = mean_purchase_rate(d)
        return np.log([1.0, 1.0 / rate, 1.0, 3.0])

    def _parts(self, theta, d):
        r, alpha, a, b = theta
        x, xu, xi = d["x"], d["xu"], d["xinv"]
        lg = (
            special.gammaln(r + xu)
            - special.gammaln(r)
            + special.betaln(a, b + xu)
            - special.betaln(a, b)
        )[xi]
        lt = np.log(alpha + d["T"])
        lr = np.log(alpha + d["t_x"])
        A = -(r + x) * lt
        with np.errstate(divide="ignore"):
            logc = np.where(xu > 0, np.log(a) - np.log(np.maximum(b + xu - 1, 1e-300)), -np.inf)[xi]
        B = logc - (r + x) * lr
        return lg, lt, lr, A, B

    def _loglik(self, theta, d) -> float:
        r, alpha, _, _ = theta
        lg, _, _, A, B = self._parts(theta, d)
        return float(np.sum(d["w"] * (lg + r * np.log(alpha) + np.logaddexp(A, B))))

    def _gradient(self, theta, d):
        r, alpha, a, b = theta
        x, xu, xi, w = d["x"], d["xu"], d["xinv"], d["w"]
        lg, lt, lr, A, B = self._parts(theta, d)
        pa = np.exp(A - np.logaddexp(A, B))  # share of the "still alive" term
        pb = 1 - pa
        dig = special.digamma
        g_r = (dig(r + xu) - dig(r))[xi] + np.log(alpha) - pa * lt - pb * lr
        g_alpha = r / alpha - (r + x) * (pa / (alpha + d["T"]) + pb / (alpha + d["t_x"]))
        g_a = (dig(a + b) - dig(a + b + xu))[xi] + pb / a
        with np.errstate(divide="ignore", invalid="ignore"):
            inv_b = np.where(xu > 0, 1.0 / np.maximum(b + xu - 1, 1e-300), 0.0)[xi]
        g_b = (dig(b + xu) - dig(b) + dig(a + b) - dig(a + b + xu))[xi] - pb * inv_b
        return np.array([np.sum(w * g) for g in (g_r, g_alpha, g_a, g_b)])

    def _log_odds_dead(self, theta, x, t_x, T):
        r, alpha, a, b = theta
        with np.errstate(divide="ignore"):
            lo = (
                np.log(a)
                - np.log(np.maximum(b + x - 1, 1e-300))
                + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
            )
        return np.where(x > 0, lo, -np.inf)

    def _p_alive(self, theta, x, t_x, T):
        return special.expit(-self._log_odds_dead(theta, x, t_x, T))

    def _conditional(self, theta, x, t_x, T, t):
        r, alpha, a, b = theta
        z = t / (alpha + T + t)
        c = a + b + x - 1
        h = special.hyp2f1(a + b - 1 - r, a - 1, c, z)
        with np.errstate(divide="ignore", invalid="ignore"):
            bracket = -np.expm1((a - 1) * np.log1p(-z)) + np.exp((a - 1) * np.log1p(-z)) * (1 - h)
            out = c / (a - 1) * bracket * self._p_alive(theta, x, t_x, T)
        return np.where(t > 0, out, 0.0)

    def _unconditional(self, theta, t):
        zero = np.zeros_like(t)
        return self._conditional(theta, zero, zero, zero, t)

    def _pmf(self, theta, t, x_max):
        r, alpha, a, b = theta
        x = np.arange(x_max + 1)
        q = (alpha / (alpha + t))[:, None]
        nb = stats.nbinom.pmf(x[None, :], r, q)
        below = stats.nbinom.cdf(x[None, :] - 1, r, q)
        base = special.betaln(a, b)
        first = np.exp(special.betaln(a, b + x) - base)[None, :] * nb
        with np.errstate(divide="ignore", invalid="ignore"):
            second = np.where(
                x > 0, np.exp(special.betaln(a + 1, np.maximum(b + x - 1, 1e-300)) - base), 0.0
            )
        return first + second[None, :] * (1 - below)
