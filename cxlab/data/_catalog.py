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
    "UNKNOWN_CHANNEL",
    "study_catalog",
    "check_names",
    "observed_stages",
]

#: Name of the state every journey starts from in a Markov chain of stages.
START_STATE = "(start)"
#: Absorbing state of a buyer's journey that ends without a purchase.
DROP_STATE = "(drop-off)"
#: Where a journey's observed events end (censored, or churned without a churn event).
END_STATE = "(end)"

#: Channel of events loaded without a ``channel`` column (e.g. a plain purchase log).
UNKNOWN_CHANNEL = "unknown"

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
    support_stage : str or None, default="service"
        The stage of support contacts (counted by :func:`cxlab.survival_table`
        and :func:`cxlab.customer_features`). The default ``"service"`` becomes
        ``None`` when the stages have no ``service``: the study records no
        support contacts.
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
    support_stage: str | None = "service"
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
        if self.support_stage is not None and self.support_stage not in self.stages:
            if self.support_stage != "service":
                raise ValueError(f"support_stage {self.support_stage!r} is not in stages.")
            object.__setattr__(self, "support_stage", None)

    @property
    def owner_stages(self) -> tuple[str, ...]:
        """Stages after the purchase (the owner's journey), excluding churn."""
        return tuple(s for s in self.stages if s not in self.buyer_stages and s != self.churn_stage)

    def with_stages(self, stages, **kw) -> StageCatalog:
        """A copy with other stages (and optionally other fields).

        Parameters
        ----------
        stages : sequence
            The new stages, in journey order.
        **kw
            Other fields of the catalog to replace.
        """
        fields = {
            "stages": tuple(stages),
            "buyer_stages": tuple(s for s in self.buyer_stages if s in stages),
            "purchase_stage": self.purchase_stage,
            "churn_stage": self.churn_stage if self.churn_stage in stages else None,
            "support_stage": self.support_stage if self.support_stage in stages else None,
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
            "support_stage": self.support_stage,
            "channels": list(self.channels),
            "metrics": {k: list(v) for k, v in self.metrics.items()},
        }

    @classmethod
    def from_dict(cls, d: dict) -> StageCatalog:
        """The catalog written by :meth:`to_dict`.

        Parameters
        ----------
        d : dict
            A catalog as written by :meth:`to_dict`.
        """
        d = dict(d)
        if "metrics" in d:
            d["metrics"] = {k: tuple(v) for k, v in d["metrics"].items()}
        return cls(**d)


DEFAULT_CATALOG = StageCatalog()


def study_catalog(data=None, catalog: StageCatalog | None = None) -> StageCatalog:
    """The catalog a function works with: ``catalog`` when given, else the study's own.

    Parameters
    ----------
    data : CXData, DataFrame or None
        A study (its ``catalog`` is used), or anything else (the default catalog).
    catalog : StageCatalog, optional
        Overrides the study's catalog.

    Examples
    --------
    >>> import cxlab
    >>> cat = StageCatalog(stages=("visit", "purchase"), buyer_stages=("visit", "purchase"),
    ...                    churn_stage=None)
    >>> data = cxlab.CXData(events=None, customers=None, feedback=None, catalog=cat)
    >>> study_catalog(data).stages
    ('visit', 'purchase')
    >>> study_catalog(data, DEFAULT_CATALOG) is DEFAULT_CATALOG
    True
    """
    if catalog is not None:
        if not isinstance(catalog, StageCatalog):
            from cxlab.exceptions import ParameterError

            raise ParameterError(
                f"catalog must be a cxlab.StageCatalog, not {type(catalog).__name__}; "
                "build one with cxlab.StageCatalog(stages=..., buyer_stages=..., ...)."
            )
        return catalog
    own = getattr(data, "catalog", None)
    return own if isinstance(own, StageCatalog) else DEFAULT_CATALOG


def check_names(names, catalog: StageCatalog, *, argument: str, kind: str = "stage") -> list:
    """``names`` (a name or a list), each checked against the catalog's stages or channels.

    Raises
    ------
    UnknownCategoryError
        A name the catalog does not list; the message lists the valid ones.

    Examples
    --------
    >>> check_names("service", DEFAULT_CATALOG, argument="support_stage")
    ['service']
    >>> check_names("nonexistent", DEFAULT_CATALOG, argument="support_stage")
    Traceback (most recent call last):
    ...
    cxlab.exceptions.UnknownCategoryError: column 'stage': support_stage names ['nonexistent'], which is not a stage of the study's catalog; its stages are ['awareness', 'consideration', 'purchase', 'use', 'service', 'loyalty', 'advocacy', 'churn']. Fix: choose among those, or pass catalog=cxlab.StageCatalog(...) that lists it
    """
    from cxlab.exceptions import UnknownCategoryError

    valid = list(catalog.stages if kind == "stage" else catalog.channels)
    names = [names] if isinstance(names, str) else list(names)
    unknown = [n for n in names if n not in valid]
    if unknown:
        raise UnknownCategoryError(
            f"{argument} names {unknown}, which is not a {kind} of the study's catalog; "
            f"its {kind}s are {valid}",
            column=kind,
            fix="choose among those, or pass catalog=cxlab.StageCatalog(...) that lists it",
        )
    return names


def observed_stages(data, stages=None) -> list:
    """The stages of the buyer's journey (or of ``stages``) that occur in the study's events.

    The default steps of a funnel on any study: a purchase log gives
    ``["purchase"]``, the demo ``["awareness", "consideration", "purchase"]``.
    When none occurs, all of them (the analyses then say the steps are empty).

    Parameters
    ----------
    data : CXData, LazyStudy or DataFrame
        A study or its events table.
    stages : sequence of str, optional
        Candidate stages in order (default: the study's catalog).

    Examples
    --------
    >>> import cxlab
    >>> observed_stages(cxlab.simulate(n_customers=200, random_state=0))
    ['awareness', 'consideration', 'purchase']
    """
    catalog = study_catalog(data)
    wanted = list(catalog.buyer_stages if stages is None else stages)
    from cxlab.engines._study import LazyStudy  # the engines build on this package

    if isinstance(data, LazyStudy):
        seen = set(data.stage_counts().index)
    else:
        events = getattr(data, "events", data)
        seen = set(events["stage"].astype(str).unique()) if "stage" in events else set()
    return [s for s in wanted if s in seen] or wanted
