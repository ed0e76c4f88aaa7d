"""Simulated customer journeys with known parameters: the ground truth.

``cxlab.simulate`` draws a study (events, customers, feedback) from a
generative model whose every parameter is kept in ``data.truth``:

1. **Personas.** Each customer belongs to one :class:`~cxlab.simulation.Persona`
   (default four, :func:`default_personas`), drawn by the personas' weights.
2. **Buyer's journey.** A first-order Markov chain over awareness and
   consideration, absorbing in purchase or drop-off (no event marks a drop-off:
   the journey simply ends). The journey starts at awareness or consideration
   (``Persona.start``); the time to the next event is exponential with mean
   ``Persona.dwell_days[stage]``. Every event's channel is drawn from
   P(channel | persona, stage) (``truth.channel_probabilities``), its touchpoint
   follows from (stage, channel). Arrivals are uniform over the window minus 180 days.
3. **Purchase.** Revenue is log-normal with mean ``Persona.spend``. Purchasers
   join the loyalty club with ``Persona.loyalty_rate`` and answer a CSAT survey
   (1-5) right after the purchase, from an ordinal logit with persona and
   purchase-channel effects (``truth.csat_effects``).
4. **Onboarding** (``onboarding_days`` after the purchase): support contacts
   (``service`` events) are Poisson with mean
   ``support_per_onboarding * exp(-0.3 * (csat - 3))``; half of them get a CES
   survey (1-7; channel effects in ``truth.ces_effects``). At the end of
   onboarding every purchaser has a true NPS (0-10; ordinal logit on csat,
   support contacts, loyalty membership and persona, ``truth.nps_effects``);
   ``nps_response_rate`` of them answer the survey, and ``comment_rate`` of the
   answers carry a comment (``persian_share`` of those in Persian).
5. **Owner's journey.** From the end of onboarding, churn follows a
   proportional-hazards model with constant baseline hazard
   (``truth.baseline_hazard`` per day) and log hazard ratios
   ``truth.hazard_coefficients`` for ``loyalty_member``, ``support_contacts``,
   ``csat`` and persona indicators. A churn is an explicit ``churn`` event;
   customers still active at the window end are right-censored. While active,
   customers use the product (``use``), buy again (``loyalty``, with revenue;
   ``upsell_share`` of repeat orders are upsells worth twice as much) and
   recommend (``advocacy``, three times as often for promoters).

Everything is vectorised over customers and events; the seed fixes every number.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from cxlab._deprecation import renamed_parameter
from cxlab.data._catalog import DEFAULT_CATALOG, DROP_STATE
from cxlab.data._model import CXData
from cxlab.exceptions import ParameterError
from cxlab.simulation._feedback import (
    CES_CHANNEL,
    CES_THRESHOLDS,
    feedback_frame,
    sample_ordinal,
    timestamps,
)
from cxlab.simulation._personas import BUYER_TRANSIENT, TOUCHPOINTS, Persona, default_personas
from cxlab.simulation._truth import (
    Truth,
    channel_probabilities,
    conversion_probability,
    persona_transition_matrix,
    pooled_transition_matrix,
    removal_effects,
)

__all__ = ["simulate", "Persona", "default_personas", "Truth", "DEFAULT_HAZARD", "DEFAULT_NPS"]

#: Log hazard ratios of churn (before persona effects).
DEFAULT_HAZARD = {"loyalty_member": -0.5, "support_contacts": 0.3, "csat": -0.3}
#: Ordinal-logit effects on the 0-10 likelihood to recommend (before persona effects).
DEFAULT_NPS = {"csat": 0.8, "support_contacts": -0.35, "loyalty_member": 0.5}
NPS_THRESHOLDS = np.array([-5.0, -4.5, -4.0, -3.4, -2.8, -2.0, -1.2, -0.3, 0.5, 1.9]) + 2.9
CSAT_THRESHOLDS = np.array([-3.0, -1.8, -0.6, 1.0])
CSAT_CHANNEL = {"web": 0.0, "app": 0.3, "store": 0.6, "call_centre": -0.6}
SUPPORT_CSAT_EFFECT = -0.3
LOYALTY_REPEAT_LOG_RR = 0.4
REGIONS = np.array(["north", "south", "east", "west", "central"])
MAX_BUYER_STEPS = 80


@renamed_parameter("seed", "random_state")
def simulate(
    n_customers: int = 5_000,
    *,
    random_state=None,
    personas: list[Persona] | None = None,
    start: str = "2025-01-01",
    end: str = "2026-07-01",
    hazard_coefficients: dict | None = None,
    baseline_hazard: float = 1 / 150,
    onboarding_days: float = 28.0,
    nps_effects: dict | None = None,
    nps_response_rate: float = 0.5,
    ces_response_rate: float = 0.5,
    comment_rate: float = 0.35,
    persian_share: float = 0.25,
) -> CXData:
    """Simulate a study of customer journeys whose true parameters are known.

    Parameters
    ----------
    n_customers : int, default=5000
    random_state : int, numpy Generator or None, default=None
        Source of randomness. The same value gives the same data, bit for bit.
        ``seed=`` is a deprecated alias.
    personas : list of Persona, optional
        Defaults to :func:`default_personas`. One persona gives a homogeneous
        population (a single Markov chain).
    start, end : str, default="2025-01-01", "2026-07-01"
        Observation window; the owner's journey is right-censored at ``end``.
    hazard_coefficients : dict, optional
        Overrides of :data:`DEFAULT_HAZARD` (log hazard ratios).
    baseline_hazard : float, default=1/150
        Churn hazard per day after onboarding at zero covariates.
    onboarding_days : float, default=28
    nps_effects : dict, optional
        Overrides of :data:`DEFAULT_NPS`.
    nps_response_rate, ces_response_rate, comment_rate, persian_share : float
        Survey response and comment rates.

    Returns
    -------
    CXData
        With ``truth`` set (see :class:`~cxlab.simulation.Truth`).

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=1000, random_state=0)
    >>> float(data.truth.transition_matrix.loc["consideration", "purchase"].round(3))
    0.364
    """
    rng = np.random.default_rng(random_state)
    if int(n_customers) < 1:
        raise ParameterError(f"n_customers={n_customers} must be at least 1.")
    n = int(n_customers)
    personas = list(personas) if personas is not None else default_personas()
    if not personas:
        raise ParameterError("personas is empty; pass at least one Persona.")
    hazard = {**DEFAULT_HAZARD, **(hazard_coefficients or {})}
    nps_eff = {**DEFAULT_NPS, **(nps_effects or {})}
    unknown = (set(hazard) - set(DEFAULT_HAZARD)) | (set(nps_eff) - set(DEFAULT_NPS))
    if unknown:
        raise ParameterError(
            f"unknown effects {sorted(unknown)}; the covariates are {sorted(DEFAULT_HAZARD)}."
        )
    origin, stop = pd.Timestamp(start), pd.Timestamp(end)
    window = (stop - origin) / pd.Timedelta(days=1)
    if window <= 200:
        raise ParameterError(f"the window {start}..{end} must be longer than 200 days.")

    cat = DEFAULT_CATALOG
    stages, channels = list(cat.stages), list(cat.channels)
    s_code = {s: i for i, s in enumerate(stages)}
    ch_probs = channel_probabilities(personas, cat.channels)
    ch_cum = np.stack(
        [
            np.cumsum(ch_probs.xs(p.name, level="persona").reindex(stages).to_numpy(), axis=1)
            for p in personas
        ]
    )  # (persona, stage, channel)
    ids = np.arange(1, n + 1, dtype=np.int64)
    w = np.array([p.weight for p in personas], dtype=float)
    persona = rng.choice(len(personas), size=n, p=w / w.sum())

    # each step draws from rng in turn and records what later steps need in `d`
    d = SimpleNamespace(
        n=n,
        personas=personas,
        persona=persona,
        window=window,
        ch_cum=ch_cum,
        channels=channels,
        s_code=s_code,
        onboarding_days=onboarding_days,
        baseline_hazard=baseline_hazard,
        hazard=hazard,
        nps_eff=nps_eff,
    )
    for step in (_buyer_journey, _purchase, _onboarding, _churn, _owner_journey):
        step(d, rng)

    events, after_end = _assemble_events(d, ids, origin, cat)
    customers = _customers_table(d, events, ids, rng)

    latent = {
        "ids": ids,
        "persona": persona,
        "buyers": d.buyers,
        "purchase_day": d.tp,
        "csat": d.csat,
        "support_contacts": d.n_support,
        "loyal": d.loyal,
        "nps_true": d.nps_true,
        "churn_after_days": d.churn_after,
        "churned": d.churned,
        "tenure_days": d.tenure,
        # times and channels the surveys need
        "csat_time": d.csat_time,
        "purchase_channel": d.pch,
        "nps_time": d.nps_time,
        "churn_time": d.churn_abs,
        "support_index": d.sup_i,
        "support_time": d.sup_t,
    }

    # -- feedback -----------------------------------------------------------------
    rates = {
        "nps": nps_response_rate,
        "ces": ces_response_rate,
        "comment": comment_rate,
        "persian": persian_share,
    }
    feedback, theme = feedback_frame(rng, latent, d.own, d.own_ch, rates, window, origin, cat)

    params = {
        "n_customers": n,
        "seed": None if random_state is None else str(random_state),
        "start": start,
        "end": end,
        "nps_response_rate": nps_response_rate,
        "ces_response_rate": ces_response_rate,
        "comment_rate": comment_rate,
        "persian_share": persian_share,
        "baseline_hazard": baseline_hazard,
        "onboarding_days": onboarding_days,
        "personas": [p.to_dict() for p in personas],
        "journeys_cut_after_max_steps": int(d.cut_off_journeys),
        "events_after_window_dropped": int(after_end.sum()),
        "drop_state": DROP_STATE,
    }
    truth = _build_truth(personas, ch_probs, hazard, nps_eff, latent, theme, params)
    return CXData(events=events, customers=customers, feedback=feedback, catalog=cat, truth=truth)


def _buyer_journey(d, rng) -> None:
    """The buyer's journey: awareness and consideration until purchase or drop-off."""
    ev = _EventBuffer()
    chain = np.stack(
        [persona_transition_matrix(p).to_numpy() for p in d.personas]
    )  # (persona, 3 rows: start, aw, con; 4 cols)
    dwell = np.array([[p.dwell_days[s] for s in BUYER_TRANSIENT] for p in d.personas])
    t = rng.uniform(0.0, d.window - 180.0, size=d.n)
    state = _draw_rows(chain[d.persona, 0], rng)  # 0 aw, 1 con
    who = np.arange(d.n)
    ev.add(who, t, state)
    d.purchase_time = np.full(d.n, np.nan)
    for _ in range(MAX_BUYER_STEPS):
        nxt = _draw_rows(chain[d.persona[who], state + 1], rng)
        t = t + rng.exponential(dwell[d.persona[who], state])
        moved = nxt <= 2
        ev.add(who[moved], t[moved], nxt[moved])
        bought = nxt == 2
        d.purchase_time[who[bought]] = t[bought]
        keep = nxt <= 1
        who, t, state = who[keep], t[keep], nxt[keep]
        if len(who) == 0:
            break
    d.cut_off_journeys = len(who)  # still browsing after MAX_BUYER_STEPS: treated as drop-off

    d.buyer = ev.frame()
    d.buyer_ch = _draw_channel(d.ch_cum, d.persona[d.buyer["i"]], d.buyer["stage"], rng)
    purchased = ~np.isnan(d.purchase_time)
    d.buyers = np.flatnonzero(purchased)
    d.tp = d.purchase_time[d.buyers]
    d.pb = d.persona[d.buyers]
    d.is_purchase_event = d.buyer["stage"] == 2
    purchase_channel = np.empty(d.n, dtype=np.int64)
    purchase_channel[d.buyer["i"][d.is_purchase_event]] = d.buyer_ch[d.is_purchase_event]
    d.pch = purchase_channel[d.buyers]


def _purchase(d, rng) -> None:
    """Loyalty membership, first revenue and the CSAT of each purchase."""
    d.loyal = np.zeros(d.n, dtype=bool)
    d.loyal[d.buyers] = (
        rng.random(len(d.buyers)) < np.array([p.loyalty_rate for p in d.personas])[d.pb]
    )
    d.spend = np.array([p.spend for p in d.personas])[d.pb]
    d.sigma = np.array([p.spend_sigma for p in d.personas])[d.pb]
    d.first_revenue = rng.lognormal(np.log(d.spend) - d.sigma**2 / 2, d.sigma)
    csat_ch = np.array([CSAT_CHANNEL.get(c, 0.0) for c in d.channels])
    csat_shift = np.array([p.csat_shift for p in d.personas])
    d.csat = sample_ordinal(csat_shift[d.pb] + csat_ch[d.pch], CSAT_THRESHOLDS, 1, rng)
    d.csat_time = d.tp + rng.uniform(0.0, 2 / 24, size=len(d.buyers))


def _onboarding(d, rng) -> None:
    """Support contacts in onboarding and the true NPS after it."""
    support_rate = np.array([p.support_per_onboarding for p in d.personas])[d.pb] * np.exp(
        SUPPORT_CSAT_EFFECT * (d.csat - 3)
    )
    d.n_support = rng.poisson(support_rate)
    d.sup_i = np.repeat(np.arange(len(d.buyers)), d.n_support)
    d.sup_t = d.tp[d.sup_i] + rng.uniform(0.0, d.onboarding_days, size=len(d.sup_i))
    nps_shift = np.array([p.nps_shift for p in d.personas])
    nps_eta = (
        d.nps_eff["csat"] * d.csat
        + d.nps_eff["support_contacts"] * d.n_support
        + d.nps_eff["loyalty_member"] * d.loyal[d.buyers]
        + nps_shift[d.pb]
    )
    d.nps_true = sample_ordinal(nps_eta, NPS_THRESHOLDS, 0, rng)
    d.nps_time = d.tp + d.onboarding_days - rng.uniform(0.0, 1.0, size=len(d.buyers))


def _churn(d, rng) -> None:
    """Churn times from proportional hazards after onboarding."""
    persona_lhr = np.array([p.churn_log_hr for p in d.personas])
    persona_lhr = persona_lhr - persona_lhr[0]
    lin = (
        d.hazard["loyalty_member"] * d.loyal[d.buyers]
        + d.hazard["support_contacts"] * d.n_support
        + d.hazard["csat"] * d.csat
        + persona_lhr[d.pb]
    )
    d.churn_after = d.onboarding_days + rng.exponential(1.0 / (d.baseline_hazard * np.exp(lin)))
    d.churn_abs = d.tp + d.churn_after
    d.churned = d.churn_abs < d.window
    active_end = np.minimum(d.churn_abs, d.window)
    d.tenure = np.maximum(active_end - d.tp, 0.0)  # 0 for a purchase after the window end


def _owner_journey(d, rng) -> None:
    """Use, repeat orders, referrals, support and churn events; revenue of repeat orders."""
    owner = _EventBuffer()
    usage = np.array([p.usage_per_month for p in d.personas])[d.pb]
    _poisson_events(owner, rng, d.buyers, d.tp, d.tenure, usage * d.tenure / 30, d.s_code["use"])
    repeat = np.array([p.repeat_per_month for p in d.personas])[d.pb] * np.exp(
        LOYALTY_REPEAT_LOG_RR * d.loyal[d.buyers]
    )
    d.rep_idx = _poisson_events(
        owner, rng, d.buyers, d.tp, d.tenure, repeat * d.tenure / 30, d.s_code["loyalty"]
    )
    referral = np.array([p.referral_per_month for p in d.personas])[d.pb] * np.select(
        [d.nps_true >= 9, d.nps_true >= 7], [3.0, 1.0], 0.3
    )
    _poisson_events(
        owner, rng, d.buyers, d.tp, d.tenure, referral * d.tenure / 30, d.s_code["advocacy"]
    )
    sup_keep = d.sup_t < d.window
    owner.add(
        d.buyers[d.sup_i[sup_keep]], d.sup_t[sup_keep], np.full(sup_keep.sum(), d.s_code["service"])
    )
    ch_idx = np.flatnonzero(d.churned)
    owner.add(d.buyers[ch_idx], d.churn_abs[ch_idx], np.full(len(ch_idx), d.s_code["churn"]))
    d.own = owner.frame()
    d.own_ch = _draw_channel(d.ch_cum, d.persona[d.own["i"]], d.own["stage"], rng)
    # revenue of repeat orders (upsells are worth twice a repeat order)
    d.n_rep = len(d.rep_idx)
    d.upsell = rng.random(d.n_rep) < np.array([p.upsell_share for p in d.personas])[d.pb[d.rep_idx]]
    d.rep_rev = rng.lognormal(
        np.log(0.5 * d.spend[d.rep_idx]) - d.sigma[d.rep_idx] ** 2 / 2, d.sigma[d.rep_idx]
    ) * np.where(d.upsell, 2.0, 1.0)


def _assemble_events(d, ids, origin, cat):
    """The events table (revenue of first and repeat orders placed) and which fell after the window."""
    n_buyer = len(d.buyer["i"])
    revenue = np.zeros(n_buyer + len(d.own["i"]))
    purchase_rows = np.flatnonzero(d.is_purchase_event)
    order = np.argsort(d.buyer["i"][purchase_rows], kind="stable")
    revenue[purchase_rows[order]] = d.first_revenue  # buyers are in ascending customer order
    rep_rows = n_buyer + d.own["offset"][1] + np.arange(d.n_rep)  # second block of owner events
    revenue[rep_rows] = d.rep_rev
    cust = np.concatenate([d.buyer["i"], d.own["i"]])
    time = np.concatenate([d.buyer["t"], d.own["t"]])
    stage = np.concatenate([d.buyer["stage"], d.own["stage"]])
    chan = np.concatenate([d.buyer_ch, d.own_ch])
    touch_special = np.zeros(len(cust), dtype=bool)
    touch_special[rep_rows[d.upsell]] = True
    after_end = time >= d.window
    events = _events_frame(
        ids, cust, time, stage, chan, revenue, touch_special, ~after_end, origin, cat
    )
    return events, after_end


def _customers_table(d, events, ids, rng) -> pd.DataFrame:
    """One row per customer: segment, region, loyalty, acquisition channel and signup date."""
    first = events.groupby("customer_id", sort=True, observed=True).head(1).set_index("customer_id")
    business = rng.random(d.n) < np.array([p.business_share for p in d.personas])[d.persona]
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "segment": pd.Categorical(
                np.where(business, "business", "consumer"), categories=["consumer", "business"]
            ),
            "region": pd.Categorical(
                REGIONS[rng.integers(0, len(REGIONS), d.n)], categories=list(REGIONS)
            ),
            "loyalty_member": d.loyal,
            "acquisition_channel": first["channel"].reindex(ids).to_numpy(),
            "signup_date": first["timestamp"].reindex(ids).dt.floor("D").to_numpy(),
        }
    )
    return customers


class _EventBuffer:
    """Collects blocks of (customer index, time, stage code) arrays."""

    def __init__(self):
        self.i, self.t, self.stage = [], [], []

    def add(self, i, t, stage):
        self.i.append(np.asarray(i, dtype=np.int64))
        self.t.append(np.asarray(t, dtype=float))
        self.stage.append(np.asarray(stage, dtype=np.int64))

    def frame(self) -> dict:
        sizes = [len(a) for a in self.i]
        return {
            "i": np.concatenate(self.i) if self.i else np.empty(0, np.int64),
            "t": np.concatenate(self.t) if self.t else np.empty(0),
            "stage": np.concatenate(self.stage) if self.stage else np.empty(0, np.int64),
            "offset": np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        }


def _draw_rows(probs: np.ndarray, rng) -> np.ndarray:
    """One categorical draw per row of a (n, k) probability matrix."""
    cum = np.cumsum(probs, axis=1)
    return np.minimum((rng.random(len(probs))[:, None] > cum).sum(axis=1), probs.shape[1] - 1)


def _draw_channel(ch_cum, persona_of_event, stage_of_event, rng) -> np.ndarray:
    cum = ch_cum[persona_of_event, stage_of_event]
    return np.minimum((rng.random(len(cum))[:, None] > cum).sum(axis=1), cum.shape[1] - 1)


def _poisson_events(buf, rng, buyers, t0, duration, mean, stage_code) -> np.ndarray:
    """Add Poisson-many events uniform over each customer's active period.

    Returns the position (in ``buyers``) of each added event's customer.
    """
    counts = rng.poisson(mean)
    idx = np.repeat(np.arange(len(buyers)), counts)
    times = t0[idx] + rng.random(len(idx)) * duration[idx]
    buf.add(buyers[idx], times, np.full(len(idx), stage_code))
    return idx


def _events_frame(ids, cust, time, stage, chan, revenue, upsell, keep, origin, cat):
    cust, time, stage, chan = cust[keep], time[keep], stage[keep], chan[keep]
    revenue, upsell = revenue[keep], upsell[keep]
    ts = timestamps(origin, time)
    order = np.lexsort((stage, ts, cust))
    stages, channels = list(cat.stages), list(cat.channels)
    tp_names = sorted(set(TOUCHPOINTS.values()) | {"upsell_offer"})
    tp_code = {name: i for i, name in enumerate(tp_names)}
    lookup = np.full((len(stages), len(channels)), -1, dtype=np.int64)
    for (s, c), name in TOUCHPOINTS.items():
        lookup[stages.index(s), channels.index(c)] = tp_code[name]
    touch = np.where(upsell, tp_code["upsell_offer"], lookup[stage, chan])
    order, ts = _separate_copies(order, ts, cust, stage, chan, touch, revenue)
    return pd.DataFrame(
        {
            "customer_id": ids[cust[order]],
            "timestamp": ts[order],
            "stage": pd.Categorical.from_codes(stage[order], categories=stages),
            "channel": pd.Categorical.from_codes(chan[order], categories=channels),
            "touchpoint": pd.Categorical.from_codes(touch[order], categories=tp_names),
            "revenue": revenue[order],
        }
    )


def _separate_copies(order, ts, cust, stage, chan, touch, revenue):
    """Move exact copies of an event one second apart.

    Two draws of one customer's journey can round to the same second with the same
    stage, channel, touchpoint and revenue (about 4 in 1e7 events); such a pair is
    indistinguishable from a logging duplicate, which cxlab.load refuses. The later
    copy moves one second on (the k-th copy k seconds), and the events are ordered again.
    Studies without such pairs are unchanged, bit for bit.
    """
    while True:
        o = order
        same = (
            (cust[o][1:] == cust[o][:-1])
            & (ts[o][1:] == ts[o][:-1])
            & (stage[o][1:] == stage[o][:-1])
            & (chan[o][1:] == chan[o][:-1])
            & (touch[o][1:] == touch[o][:-1])
            & (revenue[o][1:] == revenue[o][:-1])
        )
        if not same.any():
            return order, ts
        ts = ts.copy()
        ts[o[1:][same]] += np.timedelta64(1, "s")
        order = np.lexsort((stage, ts, cust))


def _build_truth(personas, ch_probs, hazard, nps_eff, latent, theme, params) -> Truth:
    """Collect the parameters and each customer's latent facts into a :class:`Truth`."""
    persona_terms = {
        f"persona[{p.name}]": p.churn_log_hr - personas[0].churn_log_hr for p in personas[1:]
    }
    nps_terms = {f"persona[{p.name}]": p.nps_shift - personas[0].nps_shift for p in personas[1:]}
    csat_terms = {f"channel[{c}]": v for c, v in CSAT_CHANNEL.items()}
    csat_terms.update({f"persona[{p.name}]": p.csat_shift for p in personas})
    ids, buyers = latent["ids"], latent["buyers"]
    n = len(ids)
    cust = pd.DataFrame(
        {
            "persona": pd.Categorical.from_codes(
                latent["persona"], categories=[p.name for p in personas]
            ),
            "purchased": np.isin(np.arange(n), buyers),
        },
        index=pd.Index(ids, name="customer_id"),
    )
    for col in (
        "purchase_day",
        "csat",
        "support_contacts",
        "nps_true",
        "churn_after_days",
        "tenure_days",
        "churned",
    ):
        full = np.full(n, np.nan)
        full[buyers] = latent[col]
        cust[col] = full
    cust["loyalty_member"] = latent["loyal"]
    conv = {p.name: conversion_probability(p) for p in personas}
    w = np.array([p.weight for p in personas]) / sum(p.weight for p in personas)
    conv["all"] = float(sum(wi * conv[p.name] for wi, p in zip(w, personas)))
    return Truth(
        transition_matrix=pooled_transition_matrix(personas),
        transition_matrix_by_persona={p.name: persona_transition_matrix(p) for p in personas},
        conversion_probability=pd.Series(conv, name="conversion_probability"),
        persona=cust["persona"].rename("persona"),
        channel_probabilities=ch_probs,
        removal_effects=removal_effects(personas, ch_probs),
        hazard_coefficients=pd.Series({**hazard, **persona_terms}, name="log_hazard_ratio"),
        baseline_hazard=float(params["baseline_hazard"]),
        onboarding_days=float(params["onboarding_days"]),
        nps_effects=pd.Series({**nps_eff, **nps_terms}, name="coef"),
        nps_thresholds=pd.Series(
            NPS_THRESHOLDS, index=[f"{k}/{k + 1}" for k in range(10)], name="threshold"
        ),
        csat_effects=pd.Series(csat_terms, name="coef"),
        csat_thresholds=pd.Series(
            CSAT_THRESHOLDS, index=[f"{k}/{k + 1}" for k in range(1, 5)], name="threshold"
        ),
        ces_effects=pd.Series({f"channel[{c}]": v for c, v in CES_CHANNEL.items()}, name="coef"),
        ces_thresholds=pd.Series(
            CES_THRESHOLDS, index=[f"{k}/{k + 1}" for k in range(1, 7)], name="threshold"
        ),
        customers=cust,
        comment_theme=theme,
        params=params,
    )
