"""Repeat purchases where customers may leave right after their first: the MBG/NBD model.

Batislam, Denizel & Filiztekin (2007) and Hoppe & Wagner (2007) modify BG/NBD
so that a customer can also leave right after the first purchase (at time 0),
not only after each repeat purchase: a customer with no repeat purchase is then
no longer certainly alive. With ``lambda ~ Gamma(r, alpha)``, ``p ~ Beta(a, b)``
and ``x`` repeat purchases, the last at ``t_x``, observed for ``T``:

``L = B(a, b + x + 1) / B(a, b) * Gamma(r + x) alpha^r / Gamma(r)
* [(alpha + T)^-(r + x) + a / (b + x) (alpha + t_x)^-(r + x)]``

(the second term for every ``x``, including 0: left at the last purchase).
Everything else is BG/NBD with one more chance to leave, ``b + x`` becoming
``b + x + 1``:

- P(alive) ``= 1 / (1 + a / (b + x) ((alpha + T) / (alpha + t_x))^(r + x))``;
- expected purchases in the next ``t``: ``P(alive) E[Y(t) | alive]`` with the
  posterior ``p ~ Beta(a, b + x + 1)``; the closed form is
  ``(a + b + x) / (a - 1) [1 - ((alpha + T) / (alpha + T + t))^(r + x)
  2F1(r + x, b + x + 1; a + b + x; t / (alpha + T + t))]`` and cxlab sums the
  same positive series as for BG/NBD (:func:`cxlab.btyd._bgnbd.alive_purchases`),
  stable for any ``a, b``;
- a new customer's expected purchases in ``t`` are the same at ``x = T = 0``,
  where P(alive) is ``b / (a + b)``: ``b / (a - 1) [1 - (alpha / (alpha + t))^r
  2F1(r, b + 1; a + b; t / (alpha + t))]``;
- ``P(X(t) = x) = NB(x; r, alpha, t) B(a, b + x + 1) / B(a, b)
  + P(NB >= x) B(a + 1, b + x) / B(a, b)``.

The gradient of the log-likelihood is analytic (that of BG/NBD with the shift).

References: Batislam, E. P., Denizel, M. and Filiztekin, A. (2007). Empirical
validation and comparison of models for customer base analysis.
*International Journal of Research in Marketing* 24(3), 201-209. Hoppe, D. and
Wagner, U. (2007). Customer base analysis: the case for a central variant of
the Betageometric/NBD model. *Marketing - Journal of Research and Management*
3(2), 75-90.
"""

from __future__ import annotations

from cxlab.btyd._bgnbd import BGNBD

__all__ = ["MBGNBD"]


class MBGNBD(BGNBD):
    """MBG/NBD model: BG/NBD where customers may also leave right after the first purchase.

    Parameters
    ----------
    confidence : float, default=0.95
        Level of the parameter and prediction intervals.

    Attributes
    ----------
    params_ : Series
        ``r``, ``alpha``, ``a``, ``b``, meant as in :class:`cxlab.BGNBD`; ``se_``,
        ``cov_``, ``cov_log_``, ``log_likelihood_``, ``n_`` and ``notes_`` as there.

    Notes
    -----
    Prefer it to BG/NBD when many customers never buy again: BG/NBD holds every
    one-time buyer certainly alive, MBG/NBD does not. The two have the same number
    of parameters, so their log-likelihoods compare directly
    (:func:`cxlab.compare_fits`).

    Examples
    --------
    >>> import cxlab
    >>> sim = cxlab.simulate_purchases(n_customers=3000, model="mbgnbd", random_state=1)
    >>> m = cxlab.MBGNBD().fit(sim.summary)
    >>> list(m.params_.index)
    ['r', 'alpha', 'a', 'b']
    """

    _model_name = "MBG/NBD"
    _shift = 1  # one more chance to leave: right after the first purchase
