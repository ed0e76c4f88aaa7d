"""The documented customer features: names, groups, meaning, when missing.

:func:`feature_catalog` lists them; :func:`missing_report` says, for a feature
table, how much is missing and why. See :mod:`cxlab.personas`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["FEATURE_GROUPS", "feature_catalog", "missing_report"]

#: Feature groups, in the order their columns appear.
FEATURE_GROUPS = (
    "channels",
    "channel_counts",
    "attributes",
    "journey",
    "stages",
    "value",
    "feedback",
)

# name -> (group, description, when missing). ``{channel}``/``{stage}`` expand per catalog entry.
_FEATURES: dict[str, tuple[str, str, str]] = {
    "share_{channel}": (
        "channels",
        "share of the customer's events in channel {channel} (0-1; the shares sum to 1)",
        "never (every customer kept has at least one event)",
    ),
    "n_{stage}__{channel}": (
        "channel_counts",
        "number of the customer's {stage} events in channel {channel} (only pairs that "
        "occur in the log are columns)",
        "never (0 when none)",
    ),
    "{attribute}_{level}": (
        "attributes",
        "1 if the customers-table column {attribute} equals {level}, else 0 (two-level "
        "columns give one indicator for the second level)",
        "the attribute is missing for the customer",
    ),
    "n_events": ("journey", "number of events (touchpoints) in the log", "never"),
    "n_buyer_events": (
        "journey",
        "buyer's-journey events before the first purchase (all buyer-stage events "
        "for non-purchasers)",
        "never",
    ),
    "n_stages": ("journey", "number of distinct stages reached", "never"),
    "purchased": ("journey", "1 if the customer made a purchase, else 0", "never"),
    "days_to_purchase": (
        "journey",
        "days from the first event to the first purchase",
        "no purchase",
    ),
    "buyer_gap_days": (
        "journey",
        "mean days between consecutive buyer's-journey events (up to the first purchase)",
        "a buyer's journey of a single event",
    ),
    "support_contacts": (
        "journey",
        "number of service-stage events (support contacts)",
        "never (0 when none)",
    ),
    "reached_{stage}": ("stages", "1 if the customer reached stage {stage}, else 0", "never"),
    "orders": ("value", "number of events with revenue > 0", "never (0 when none)"),
    "revenue": ("value", "total revenue", "never (0 when none)"),
    "avg_order_value": ("value", "revenue / orders", "no order"),
    "tenure_days": (
        "value",
        "days from the first purchase to the churn event, or to the end of the data",
        "no purchase",
    ),
    "churned": ("value", "1 if the log has a churn event, else 0", "never"),
    "loyalty_member": (
        "value",
        "1 if the customers table marks a loyalty-club member, else 0",
        "no loyalty_member column, or the value is missing",
    ),
    "nps": ("feedback", "mean NPS answer (likelihood to recommend, 0-10)", "no NPS answer"),
    "csat": ("feedback", "mean CSAT answer (1-5)", "no CSAT answer"),
    "ces": ("feedback", "mean CES answer (customer effort, 1-7)", "no CES answer"),
}


def feature_catalog(catalog=None) -> pd.DataFrame:
    """The documented features: name, group, description and when each is missing.

    Parameters
    ----------
    catalog : StageCatalog, optional
        Expands ``share_<channel>`` and ``reached_<stage>`` for its channels and
        stages; default :data:`~cxlab.data.DEFAULT_CATALOG`.

    Returns
    -------
    DataFrame
        Indexed by feature name, columns ``group``, ``description``, ``missing_when``.

    Examples
    --------
    >>> from cxlab.personas import feature_catalog
    >>> feature_catalog().loc["days_to_purchase", "missing_when"]
    'no purchase'
    """
    from cxlab.data._catalog import DEFAULT_CATALOG

    catalog = catalog or DEFAULT_CATALOG
    rows = []
    for name, (group, desc, when) in _FEATURES.items():
        if group == "attributes":
            rows.append((name, group, desc, when))
            continue
        if group == "channel_counts":
            combos = [{"stage": s, "channel": c} for s in catalog.stages for c in catalog.channels]
        elif "{channel}" in name:
            combos = [{"channel": c} for c in catalog.channels]
        elif "{stage}" in name:
            combos = [{"stage": s} for s in catalog.stages]
        else:
            combos = [{}]
        for fmt in combos:
            rows.append((name.format(**fmt), group, desc.format(**fmt), when))
    return pd.DataFrame(
        rows, columns=["feature", "group", "description", "missing_when"]
    ).set_index("feature")


def missing_report(X: pd.DataFrame, *, catalog=None, no_events=None) -> pd.DataFrame:
    """What is missing in a feature table, how much, and why.

    Parameters
    ----------
    X : DataFrame
        A feature table (from :func:`customer_features` or your own).
    catalog : StageCatalog, optional
        To name the reason of known features.
    no_events : list, optional
        Customers left out for having no events (added as a ``(no events)`` row).
        Default: ``X.attrs["customers_without_events"]`` when present.

    Returns
    -------
    DataFrame
        One row per column of ``X`` (and ``(no events)``): ``n_missing``,
        ``share_missing``, ``missing_when`` and ``policy``.

    Examples
    --------
    >>> import cxlab
    >>> from cxlab.personas import missing_report
    >>> X = cxlab.customer_features(cxlab.simulate(n_customers=300, random_state=1))
    >>> float(missing_report(X).loc["revenue", "share_missing"])
    0.0
    """
    known = feature_catalog(catalog)["missing_when"]
    if no_events is None:
        no_events = X.attrs.get("customers_without_events", [])
    n = len(X)
    n_missing = X.isna().sum()
    rep = pd.DataFrame(
        {
            "n_missing": n_missing.astype(np.int64),
            "share_missing": (n_missing / max(n, 1)).astype(float),
            "missing_when": [known.get(c, "(not a cxlab feature)") for c in X.columns],
        },
        index=pd.Index(X.columns, name="feature"),
    )
    rep["policy"] = np.where(
        rep["n_missing"] > 0,
        "left as NaN (PersonaModel.missing_ says what a model does with it)",
        "",
    )
    if no_events:
        rep.loc["(no events)"] = [
            len(no_events),
            len(no_events) / (n + len(no_events)),
            "customer has no events",
            "customer left out of the table (DataWarning)",
        ]
    return rep
