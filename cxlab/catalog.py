"""The catalog of journey stages, channels and feedback metrics.

The default follows DESIGN.md: the buyer's journey (awareness, consideration,
purchase) and the owner's journey (use, service, loyalty, advocacy), with churn
as the exit. Users with other stages build their own :class:`StageCatalog`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "StageCatalog",
    "DEFAULT_CATALOG",
    "METRIC_SCALES",
    "START_STATE",
    "DROP_STATE",
    "END_STATE",
]

#: Name of the state every journey starts from in a Markov chain of stages.
START_STATE = "(start)"
#: Absorbing state of a buyer's journey that ends without a purchase.
DROP_STATE = "(drop-off)"
#: Where a journey's observed events end (censored, or churned without a churn event).
END_STATE = "(end)"

#: Inclusive score range of each feedback metric.
METRIC_SCALES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}


@dataclass(frozen=True)
class StageCatalog:
    """Ordered journey stages and the channels customers use.

    Parameters
    ----------
    stages : tuple of str
        All stages in journey order.
    buyer_stages : tuple of str
        Stages up to and including the purchase (the buyer's journey).
    purchase_stage : str, default="purchase"
        The stage that marks a purchase (absorbing in buyer's-journey chains).
    churn_stage : str or None, default="churn"
        The stage that marks an explicit churn event, if any.
    channels : tuple of str
        Channels (where the customer meets the brand).
    metrics : dict
        Feedback metric -> (min, max) score, inclusive.

    Examples
    --------
    >>> cat = StageCatalog(stages=("visit", "trial", "purchase", "renewal"),
    ...                    buyer_stages=("visit", "trial", "purchase"),
    ...                    churn_stage=None, channels=("web", "email"))
    >>> cat.owner_stages
    ('renewal',)
    """

    stages: tuple[str, ...] = (
        "awareness",
        "consideration",
        "purchase",
        "use",
        "service",
        "loyalty",
        "advocacy",
        "churn",
    )
    buyer_stages: tuple[str, ...] = ("awareness", "consideration", "purchase")
    purchase_stage: str = "purchase"
    churn_stage: str | None = "churn"
    channels: tuple[str, ...] = (
        "ads",
        "social",
        "search",
        "email",
        "web",
        "store",
        "app",
        "call_centre",
        "chat",
    )
    metrics: dict[str, tuple[int, int]] = field(default_factory=lambda: dict(METRIC_SCALES))

    def __post_init__(self):
        for name in ("stages", "buyer_stages", "channels"):
            values = tuple(getattr(self, name))
            object.__setattr__(self, name, values)
            if len(set(values)) != len(values):
                dup = sorted({v for v in values if values.count(v) > 1})
                raise ValueError(f"StageCatalog.{name} repeats {dup}; each must appear once.")
        unknown = [s for s in self.buyer_stages if s not in self.stages]
        if unknown:
            raise ValueError(f"buyer_stages {unknown} are not in stages {list(self.stages)}.")
        if self.purchase_stage not in self.stages:
            raise ValueError(f"purchase_stage {self.purchase_stage!r} is not in stages.")
        if self.churn_stage is not None and self.churn_stage not in self.stages:
            raise ValueError(f"churn_stage {self.churn_stage!r} is not in stages.")

    @property
    def owner_stages(self) -> tuple[str, ...]:
        """Stages after the purchase (the owner's journey), excluding churn."""
        return tuple(s for s in self.stages if s not in self.buyer_stages and s != self.churn_stage)

    def with_stages(self, stages, **kw) -> StageCatalog:
        """A copy with other stages (and optionally other fields)."""
        fields = {
            "stages": tuple(stages),
            "buyer_stages": tuple(s for s in self.buyer_stages if s in stages),
            "purchase_stage": self.purchase_stage,
            "churn_stage": self.churn_stage if self.churn_stage in stages else None,
            "channels": self.channels,
            "metrics": dict(self.metrics),
        }
        fields.update(kw)
        return StageCatalog(**fields)

    def to_dict(self) -> dict:
        return {
            "stages": list(self.stages),
            "buyer_stages": list(self.buyer_stages),
            "purchase_stage": self.purchase_stage,
            "churn_stage": self.churn_stage,
            "channels": list(self.channels),
            "metrics": {k: list(v) for k, v in self.metrics.items()},
        }

    @classmethod
    def from_dict(cls, d: dict) -> StageCatalog:
        d = dict(d)
        if "metrics" in d:
            d["metrics"] = {k: tuple(v) for k, v in d["metrics"].items()}
        return cls(**d)


DEFAULT_CATALOG = StageCatalog()
