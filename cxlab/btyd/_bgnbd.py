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
- expected purchases in the next ``t`` (eq. 10), ``P(alive) E[Y(t) | alive]``. The
  closed form ``(a + b + x - 1) / (a - 1) [1 - ((alpha + T) / (alpha + T + t))^(r + x)
  2F1(r + x, b + x; a + b + x - 1; t / (alpha + T + t))]`` overflows or loses all its
  digits when ``a`` and ``b`` are large (drop-out alike for everyone: parameter draws with
  ``a`` of 1e4 to 1e24 are common then), when ``a`` is near 1 (0 / 0) and when
  ``a + b + x - 1`` is near a non-positive integer. It is not used. Instead,
  given alive, the customer's remaining purchase opportunities in ``t`` are
  ``N ~ NB(r + x, z)`` with ``z = t / (alpha + T + t)`` (the posterior rate is
  Gamma(r + x, alpha + T)) and the j-th is made if they stayed after the j - 1
  before, with probability ``rho_(j-1)``, ``rho_i = E[(1 - p)^i] = (b + x)_i / (a + b + x)_i``
  (the posterior ``p`` is Beta(a, b + x)). So

  ``E[Y(t) | alive] = sum_(n >= 1) P(N = n) C(n)``, ``C(n) = sum_(i < n) rho_i``,

  the Gaussian hypergeometric series of the closed form regrouped so that every
  term is positive: no cancellation and no overflow for any ``a, b > 0``. The
  terms are summed as a power series in ``z`` per distinct ``x`` (coefficients
  in logs, ``rho_i`` from ``log1p``), truncated where the remaining tail is
  below 1e-17 of the sum; agreement with mpmath's closed form at 60 digits is
  about 1e-13 relative from ``a = 1e-20`` to ``a = 1e24`` (tested), and with
  lifetimes on ordinary parameters to 1e-10;
- a new customer's expected purchases in ``t`` (eq. 9) is the same with
  ``x = T = 0``; P(X(t) = x) is eq. 8.

Reference: Fader, P. S., Hardie, B. G. S. and Lee, K. L. (2005). "Counting your
customers" the easy way: an alternative to the Pareto/NBD model. *Marketing
Science* 24(2), 275-284.
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from cxlab.btyd._base import PurchaseModel, mean_purchase_rate

__all__ = ["BGNBD", "alive_purchases"]

_TAIL = 41.0  # terms below exp(-41) ~ 1.6e-18 of the largest are left out


def alive_purchases(r, a, b1, x, z) -> np.ndarray:
    """``E[Y(t) | alive]`` of the BG/NBD family as a series of positive terms.

    ``sum_(n >= 1) P(N = n) C(n)`` with ``N ~ NB(r + x, z)``,
    ``C(n) = sum_(i < n) (b1)_i / (a + b1)_i`` (``b1 = b + x`` for BG/NBD,
    ``b + x + 1`` for MBG/NBD); see the module docstring.

    Parameters
    ----------
    r, a : float
        Model parameters.
    b1 : float or ndarray
        ``b`` plus the chances to leave before the end of calibration that do
        not depend on ``x`` (0 for BG/NBD, 1 for MBG/NBD); ``x`` is added here.
    x : ndarray
        Repeat purchases, one per point.
    z : ndarray
        ``t / (alpha + T + t)`` in [0, 1), one per point.

    Returns
    -------
    ndarray
        One value per point; 0 where ``z = 0``.
    """
    x = np.asarray(x, dtype=float)
    z = np.asarray(z, dtype=float)
    out = np.zeros(x.shape)
    pos = np.flatnonzero(z > 0)
    order = pos[np.argsort(x[pos], kind="stable")]
    xs = x[order]
    edges = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1], True])
    for lo, hi in zip(edges[:-1], edges[1:]):
        idx = order[lo:hi]
        out[idx] = _alive_one_x(r + xs[lo], a, b1 + xs[lo], z[idx])
    return out


def _terms_needed(k, z):
    """Terms of NB(k, z) beyond which the tail is below 1e-18 (mean, 12 sd, then geometric)."""
    mean = k * z / (1 - z)
    sd = np.sqrt(k * z) / (1 - z)
    return np.ceil(mean + 12 * sd + 45.0 / -np.log(z) + 20)


def _alive_one_x(k, a, bx, z):
    """The series for one ``x`` (``k = r + x``, ``bx = b1 + x``) at the points ``z``.

    The points are taken in bands of ``z`` within which the terms span at most
    ``exp(300)`` and the number of terms needed is within a factor of two; in
    each band the coefficients ``(k)_n / n! z_hi^n C(n)`` are scaled by their
    largest and the series is summed by Horner's rule in ``z / z_hi`` (all
    terms positive, so the rounding error stays near machine precision).
    """
    out = np.empty(z.shape)
    lz = -np.log1p(-z)  # grows with z
    band = np.floor((lz - lz.min()) / (300.0 / k))
    need = np.log2(_terms_needed(k, z))
    band = band * 64 + np.floor(need - need.min())
    for bnd in np.unique(band):
        sel = np.flatnonzero(band == bnd)
        zs = z[sel]
        zhi = zs.max()
        n_terms = int(min(_terms_needed(k, zhi), 1e6))
        n = np.arange(n_terms + 1, dtype=float)
        i = n[:-1]
        with np.errstate(divide="ignore"):
            log_rho_step = np.where(
                a < bx + i, np.log1p(-a / (a + bx + i)), np.log(bx + i) - np.log(a + bx + i)
            )
        log_rho = np.r_[0.0, np.cumsum(log_rho_step)]  # log rho_0 .. rho_n
        # log C(n) = log sum_(i < n) rho_i, n >= 1
        log_c = np.logaddexp.accumulate(log_rho[:-1])
        log_coef = (
            special.gammaln(k + n[1:])
            - special.gammaln(k)
            - special.gammaln(n[1:] + 1)
            + n[1:] * np.log(zhi)
            + log_c
        )
        top = log_coef.max()
        keep = np.flatnonzero(log_coef > top - _TAIL)
        last = keep.max() + 1
        coef = np.exp(log_coef[:last] - top)
        total = _power_series(coef, zs / zhi)
        with np.errstate(divide="ignore"):
            out[sel] = np.exp(k * np.log1p(-zs) + top + np.log(total))
    return out


#: Powers held at once by :func:`_power_series` (points x terms)
_POWERS_AT_ONCE = 2_000_000


def _power_series(coef: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``sum_(n >= 1) coef_(n-1) y^n`` at every point ``y`` in [0, 1] (all terms positive).

    The powers as a matrix and one matrix-vector product (a few points at a time when the
    series is long), not a Python loop over the terms: the what-if intervals evaluate
    this some ten thousand times.
    """
    out = np.empty(len(y))
    step = max(1, _POWERS_AT_ONCE // len(coef))
    for lo in range(0, len(y), step):
        part = y[lo : lo + step]
        powers = np.cumprod(np.broadcast_to(part, (len(coef), len(part))), axis=0)
        out[lo : lo + step] = coef @ powers
    return out


class BGNBD(PurchaseModel):
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
    _shift = 0  # a chance to leave after each repeat purchase (MBG/NBD: also after the first)

    def _start(self, d):
        rate = mean_purchase_rate(d)
        return np.log([1.0, 1.0 / rate, 1.0, 3.0])

    def _parts(self, theta, d):
        r, alpha, a, b = theta
        x, xu, xi = d["x"], d["xu"], d["xinv"]
        lg = (
            special.gammaln(r + xu)
            - special.gammaln(r)
            + special.betaln(a, b + xu + self._shift)
            - special.betaln(a, b)
        )[xi]
        lt = np.log(alpha + d["T"])
        lr = np.log(alpha + d["t_x"])
        A = -(r + x) * lt
        with np.errstate(divide="ignore"):
            logc = np.where(
                xu + self._shift > 0,
                np.log(a) - np.log(np.maximum(b + xu + self._shift - 1, 1e-300)),
                -np.inf,
            )[xi]
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
        xs = xu + self._shift  # chances to leave survived when alive at T
        g_a = (dig(a + b) - dig(a + b + xs))[xi] + pb / a
        with np.errstate(divide="ignore", invalid="ignore"):
            inv_b = np.where(xs > 0, 1.0 / np.maximum(b + xs - 1, 1e-300), 0.0)[xi]
        g_b = (dig(b + xs) - dig(b) + dig(a + b) - dig(a + b + xs))[xi] - pb * inv_b
        return np.array([np.sum(w * g) for g in (g_r, g_alpha, g_a, g_b)])

    def _log_odds_dead(self, theta, x, t_x, T):
        r, alpha, a, b = theta
        with np.errstate(divide="ignore"):
            lo = (
                np.log(a)
                - np.log(np.maximum(b + x + self._shift - 1, 1e-300))
                + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
            )
        return np.where(x + self._shift > 0, lo, -np.inf)

    def _p_alive(self, theta, x, t_x, T):
        return special.expit(-self._log_odds_dead(theta, x, t_x, T))

    def _conditional(self, theta, x, t_x, T, t):
        r, alpha, a, b = theta
        p_alive = self._p_alive(theta, x, t_x, T)  # before broadcasting over t
        x, T, t = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, T, t)))
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(t > 0, t / (alpha + T + t), 0.0)
        alive = alive_purchases(r, a, b + self._shift, x.ravel(), z.ravel()).reshape(x.shape)
        return alive * p_alive

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
        xs = x + self._shift
        first = np.exp(special.betaln(a, b + xs) - base)[None, :] * nb
        with np.errstate(divide="ignore", invalid="ignore"):
            second = np.where(
                xs > 0, np.exp(special.betaln(a + 1, np.maximum(b + xs - 1, 1e-300)) - base), 0.0
            )
        return first + second[None, :] * (1 - below)
