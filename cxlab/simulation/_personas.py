"""The parameters of simulated customers: personas, channels and touchpoints.

A :class:`Persona` holds everything that makes one kind of customer journey
differently: its buyer's-journey Markov chain, channel habits, how long it
dwells in each stage, what it spends, how often it needs support and how
likely it is to churn. :func:`default_personas` returns the four personas of
the demo data. These are the *known answers* that tests and teaching
notebooks recover.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

__all__ = [
    "Persona",
    "default_personas",
    "ALLOWED_CHANNELS",
    "TOUCHPOINTS",
    "BUYER_TRANSIENT",
    "BUYER_TARGETS",
]

#: Transient states of the buyer's journey and the states a step can lead to.
BUYER_TRANSIENT = ("awareness", "consideration")
BUYER_TARGETS = ("awareness", "consideration", "purchase", "(drop-off)")

#: Which channels can carry an event of each stage.
ALLOWED_CHANNELS: dict[str, tuple[str, ...]] = {
    "awareness": ("ads", "social", "search", "email"),
    "consideration": ("search", "web", "email", "social", "store", "app", "chat", "call_centre"),
    "purchase": ("web", "app", "store", "call_centre"),
    "use": ("app", "web"),
    "service": ("call_centre", "chat", "email", "store"),
    "loyalty": ("email", "app", "store", "web"),
    "advocacy": ("social", "web"),
    "churn": ("app", "call_centre", "web"),
}

#: The touchpoint of an event, by (stage, channel).
TOUCHPOINTS: dict[tuple[str, str], str] = {
    ("awareness", "ads"): "display_ad",
    ("awareness", "social"): "social_post",
    ("awareness", "search"): "search_ad",
    ("awareness", "email"): "marketing_email",
    ("consideration", "search"): "organic_search",
    ("consideration", "web"): "landing_page",
    ("consideration", "email"): "product_email",
    ("consideration", "social"): "social_comments",
    ("consideration", "store"): "showroom",
    ("consideration", "app"): "free_trial",
    ("consideration", "chat"): "live_chat",
    ("consideration", "call_centre"): "sales_call",
    ("purchase", "web"): "checkout",
    ("purchase", "app"): "in_app_checkout",
    ("purchase", "store"): "store_counter",
    ("purchase", "call_centre"): "phone_order",
    ("use", "app"): "app_session",
    ("use", "web"): "account_portal",
    ("service", "call_centre"): "support_call",
    ("service", "chat"): "support_chat",
    ("service", "email"): "support_email",
    ("service", "store"): "service_desk",
    ("loyalty", "email"): "newsletter",
    ("loyalty", "app"): "loyalty_club",
    ("loyalty", "store"): "store_repeat",
    ("loyalty", "web"): "web_repeat",
    ("advocacy", "social"): "social_share",
    ("advocacy", "web"): "review",
    ("churn", "app"): "cancellation",
    ("churn", "call_centre"): "cancellation_call",
    ("churn", "web"): "cancellation",
}


@dataclass(frozen=True)
class Persona:
    """One kind of customer, with the parameters its journeys are drawn from.

    Parameters
    ----------
    name : str
        Readable name, e.g. ``"store loyalists"``.
    weight : float
        Relative share of customers (normalised over all personas).
    start : dict
        Probability that the journey starts at each buyer stage,
        ``{"awareness": p, "consideration": 1 - p}``.
    transitions : dict
        For ``"awareness"`` and ``"consideration"``, the probabilities of the
        next state: ``awareness``, ``consideration``, ``purchase``, ``(drop-off)``.
        Each row sums to one.
    channel_preference : dict
        Channel -> positive weight. The channel of an event of stage ``s`` is
        drawn with probability proportional to the weight among the channels
        allowed for ``s`` (:data:`ALLOWED_CHANNELS`).
    dwell_days : dict
        Mean days (exponential) between an event of a buyer stage and the next event.
    spend : float
        Mean value of the first purchase (log-normal with ``spend_sigma``).
    spend_sigma : float
        Log-scale spread of order values.
    loyalty_rate : float
        Probability that a purchaser joins the loyalty club.
    usage_per_month, repeat_per_month, referral_per_month : float
        Owner's-journey event rates per 30 days while the customer is active
        (repeat purchases are multiplied by ``exp(loyalty_repeat_log_rr)`` for
        members; referrals depend on the customer's true NPS).
    support_per_onboarding : float
        Expected support contacts in the onboarding window at a CSAT of 3.
    csat_shift, nps_shift : float
        Persona effects on the CSAT and NPS latent scales (ordinal logit).
    churn_log_hr : float
        Persona's log hazard ratio of churn (the first persona is the reference: 0).
    business_share : float
        Share of customers in the ``"business"`` segment.
    upsell_share : float, default=0.2
        Share of repeat purchases that are upsells.
    extra : dict, optional
        Free-form fields kept with the persona (written to ``to_dict``).
    """

    name: str
    weight: float
    start: dict
    transitions: dict
    channel_preference: dict
    dwell_days: dict
    spend: float
    spend_sigma: float = 0.5
    loyalty_rate: float = 0.35
    usage_per_month: float = 2.0
    repeat_per_month: float = 0.4
    referral_per_month: float = 0.05
    upsell_share: float = 0.2
    support_per_onboarding: float = 0.6
    csat_shift: float = 0.0
    nps_shift: float = 0.0
    churn_log_hr: float = 0.0
    business_share: float = 0.15
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        for state in BUYER_TRANSIENT:
            row = self.transitions.get(state)
            if row is None:
                raise ValueError(f"Persona {self.name!r}: transitions lacks the row {state!r}.")
            unknown = set(row) - set(BUYER_TARGETS)
            if unknown:
                raise ValueError(
                    f"Persona {self.name!r}: transitions[{state!r}] has unknown targets "
                    f"{sorted(unknown)}; use {list(BUYER_TARGETS)}."
                )
            total = sum(row.values())
            if not np.isclose(total, 1.0) or min(row.values()) < 0:
                raise ValueError(
                    f"Persona {self.name!r}: transitions[{state!r}] must be probabilities "
                    f"summing to 1 (sum is {total:.4f})."
                )
            if row.get(state, 0.0) >= 1.0:
                raise ValueError(f"Persona {self.name!r}: {state!r} never leaves itself.")
        if not np.isclose(sum(self.start.values()), 1.0):
            raise ValueError(f"Persona {self.name!r}: start probabilities must sum to 1.")
        if min(self.channel_preference.values()) <= 0:
            raise ValueError(f"Persona {self.name!r}: channel preferences must be positive.")

    def to_dict(self) -> dict:
        return asdict(self)


def _prefs(strong: dict, floor: float = 0.15) -> dict:
    channels = ("ads", "social", "search", "email", "web", "store", "app", "call_centre", "chat")
    return {c: float(strong.get(c, floor)) for c in channels}


def default_personas() -> list[Persona]:
    """The four personas of the demo data (see the data card in ``data/demo``).

    Their channel habits barely overlap, so clustering can recover them, and
    their journeys differ in speed, conversion, spend and churn.
    """
    return [
        Persona(
            name="digital natives",
            weight=0.30,
            start={"awareness": 0.85, "consideration": 0.15},
            transitions={
                "awareness": {
                    "awareness": 0.15,
                    "consideration": 0.55,
                    "purchase": 0.10,
                    "(drop-off)": 0.20,
                },
                "consideration": {
                    "awareness": 0.05,
                    "consideration": 0.25,
                    "purchase": 0.40,
                    "(drop-off)": 0.30,
                },
            },
            channel_preference=_prefs({"social": 8, "app": 8, "chat": 6}),
            dwell_days={"awareness": 1.5, "consideration": 2.0},
            spend=60.0,
            loyalty_rate=0.30,
            usage_per_month=2.5,
            repeat_per_month=0.5,
            support_per_onboarding=0.4,
            csat_shift=0.0,
            nps_shift=0.0,
            churn_log_hr=0.0,
            business_share=0.10,
        ),
        Persona(
            name="store loyalists",
            weight=0.25,
            start={"awareness": 0.90, "consideration": 0.10},
            transitions={
                "awareness": {
                    "awareness": 0.20,
                    "consideration": 0.50,
                    "purchase": 0.05,
                    "(drop-off)": 0.25,
                },
                "consideration": {
                    "awareness": 0.05,
                    "consideration": 0.30,
                    "purchase": 0.45,
                    "(drop-off)": 0.20,
                },
            },
            channel_preference=_prefs({"store": 10, "call_centre": 7}),
            dwell_days={"awareness": 5.0, "consideration": 6.0},
            spend=90.0,
            loyalty_rate=0.60,
            usage_per_month=0.6,
            repeat_per_month=0.6,
            support_per_onboarding=0.8,
            csat_shift=0.3,
            nps_shift=0.3,
            churn_log_hr=-0.4,
            business_share=0.15,
        ),
        Persona(
            name="careful researchers",
            weight=0.25,
            start={"awareness": 0.70, "consideration": 0.30},
            transitions={
                "awareness": {
                    "awareness": 0.10,
                    "consideration": 0.60,
                    "purchase": 0.02,
                    "(drop-off)": 0.28,
                },
                "consideration": {
                    "awareness": 0.10,
                    "consideration": 0.45,
                    "purchase": 0.20,
                    "(drop-off)": 0.25,
                },
            },
            channel_preference=_prefs({"search": 10, "web": 8}),
            dwell_days={"awareness": 3.0, "consideration": 7.0},
            spend=70.0,
            loyalty_rate=0.20,
            usage_per_month=1.2,
            repeat_per_month=0.3,
            support_per_onboarding=0.6,
            csat_shift=-0.3,
            nps_shift=-0.3,
            churn_log_hr=0.3,
            business_share=0.20,
        ),
        Persona(
            name="busy professionals",
            weight=0.20,
            start={"awareness": 0.80, "consideration": 0.20},
            transitions={
                "awareness": {
                    "awareness": 0.05,
                    "consideration": 0.45,
                    "purchase": 0.25,
                    "(drop-off)": 0.25,
                },
                "consideration": {
                    "awareness": 0.02,
                    "consideration": 0.18,
                    "purchase": 0.60,
                    "(drop-off)": 0.20,
                },
            },
            channel_preference=_prefs({"email": 10, "ads": 7}),
            dwell_days={"awareness": 1.0, "consideration": 1.5},
            spend=200.0,
            spend_sigma=0.6,
            loyalty_rate=0.40,
            usage_per_month=1.0,
            repeat_per_month=0.3,
            support_per_onboarding=0.3,
            csat_shift=0.1,
            nps_shift=0.1,
            churn_log_hr=0.15,
            business_share=0.80,
        ),
    ]
