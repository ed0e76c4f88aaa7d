"""Study shapes that are not the demo, built from the simulator with fixed seeds.

Each builder returns a :class:`~cxlab.data._model.CXData` small enough for fast tests
(``n`` customers, default 500), and :func:`save_shape` writes one as a data folder
the way a user would hand it over (only the files that shape has). The truth of the
simulated demo stays valid under a relabelling of stages and channels, so the
custom-catalog shapes are checked against ``data.truth`` with the names mapped.

Shapes
------
``subscription``
    A subscription product: stages visit, trial, purchase, usage, support, renewal,
    referral, cancel; other channels; ``catalog.json`` says so.
``persian``
    The same study with Persian stage names and their catalog.
``transactions``
    A purchase log only: ``customer_id``, ``timestamp``, ``amount`` (purchases and
    repeat orders of the simulated study, several per day for some customers). No
    customers table, no feedback, no stage, no channel.
``no_churn``
    The default catalog without churn events (``churn_stage=None``: churn is
    inactivity) and without feedback.
``channels_only``
    Events with channels but no stage column; a customers table with ids only.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

import cxlab
from cxlab.data._catalog import DEFAULT_CATALOG, StageCatalog
from cxlab.data._io import empty_feedback

SUBSCRIPTION_STAGES = {
    "awareness": "visit",
    "consideration": "trial",
    "purchase": "purchase",
    "use": "usage",
    "service": "support",
    "loyalty": "renewal",
    "advocacy": "referral",
    "churn": "cancel",
}
SUBSCRIPTION_CHANNELS = {
    "ads": "partner",
    "social": "community",
    "search": "seo",
    "email": "newsletter",
    "web": "website",
    "store": "kiosk",
    "app": "mobile",
    "call_centre": "phone",
    "chat": "messenger",
}
PERSIAN_STAGES = {
    "awareness": "آگاهی",
    "consideration": "بررسی",
    "purchase": "خرید",
    "use": "استفاده",
    "service": "پشتیبانی",
    "loyalty": "وفاداری",
    "advocacy": "معرفی",
    "churn": "ریزش",
}
SHAPES = ("subscription", "persian", "transactions", "no_churn", "channels_only")


def relabel_catalog(stages: dict, channels: dict | None = None) -> StageCatalog:
    """The default catalog with stages (and channels) renamed by the mappings."""
    cat = DEFAULT_CATALOG
    channels = channels or {c: c for c in cat.channels}
    return StageCatalog(
        stages=tuple(stages[s] for s in cat.stages),
        buyer_stages=tuple(stages[s] for s in cat.buyer_stages),
        purchase_stage=stages[cat.purchase_stage],
        churn_stage=stages[cat.churn_stage],
        support_stage=stages["service"],
        channels=tuple(channels[c] for c in cat.channels),
    )


def relabel(data, stages: dict, channels: dict | None = None):
    """``data`` with stage (and channel) names mapped, in events and feedback, and its catalog."""
    catalog = relabel_catalog(stages, channels)
    channels = channels or {}

    def _map(df):
        df = df.copy()
        if "stage" in df:
            df["stage"] = (
                df["stage"]
                .astype(str)
                .map(stages)
                .astype(pd.CategoricalDtype(list(catalog.stages)))
            )
        if "channel" in df:
            ch = df["channel"].astype(str)
            df["channel"] = ch.map(lambda c: channels.get(c, c)).astype(
                pd.CategoricalDtype(list(catalog.channels))
            )
        return df

    return cxlab.CXData(
        events=_map(data.events),
        customers=data.customers.copy(),
        feedback=_map(data.feedback),
        catalog=catalog,
        truth=data.truth,
    )


def simulated(n: int = 500, seed: int = 11):
    """The simulated study every shape starts from."""
    return cxlab.simulate(n_customers=n, random_state=seed)


def subscription(n: int = 500, seed: int = 11):
    return relabel(simulated(n, seed), SUBSCRIPTION_STAGES, SUBSCRIPTION_CHANNELS)


def persian(n: int = 500, seed: int = 11):
    return relabel(simulated(n, seed), PERSIAN_STAGES)


def transaction_log(n: int = 500, seed: int = 11) -> pd.DataFrame:
    """Purchases and repeat orders as a plain log: customer_id, timestamp, amount.

    Every third customer with two or more orders has a second order moved onto the
    day and time of their first one, so same-time purchases with different amounts
    exist (they must be kept).
    """
    ev = simulated(n, seed).events
    buys = ev.loc[ev["revenue"] > 0, ["customer_id", "timestamp", "revenue"]]
    log = buys.rename(columns={"revenue": "amount"}).reset_index(drop=True)
    log["timestamp"] = log["timestamp"].dt.floor("D")
    first = log.groupby("customer_id")["timestamp"].transform("min")
    rank = log.groupby("customer_id").cumcount()
    move = (rank == 1) & (log["customer_id"] % 3 == 0)
    log.loc[move, "timestamp"] = first[move]
    return log


def no_churn(n: int = 500, seed: int = 11):
    data = simulated(n, seed)
    ev = data.events.loc[data.events["stage"] != "churn"].copy()
    cat = DEFAULT_CATALOG.with_stages([s for s in DEFAULT_CATALOG.stages if s != "churn"])
    ev["stage"] = ev["stage"].astype(str).astype(pd.CategoricalDtype(list(cat.stages)))
    return cxlab.CXData(
        events=ev,
        customers=data.customers,
        feedback=empty_feedback(),
        catalog=cat,
        truth=data.truth,
    )


def channels_only(n: int = 500, seed: int = 11):
    data = simulated(n, seed)
    ev = data.events.drop(columns=["stage", "touchpoint"])
    return ev, data.customers[["customer_id"]]


def save_shape(name: str, folder, *, n: int = 500, seed: int = 11) -> Path:
    """Write shape ``name`` as a study folder (CSV, only the files it has)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if name in ("subscription", "persian", "no_churn"):
        data = {"subscription": subscription, "persian": persian, "no_churn": no_churn}[name](
            n, seed
        )
        data.events.to_csv(folder / "events.csv", index=False)
        data.customers.to_csv(folder / "customers.csv", index=False)
        if len(data.feedback):
            data.feedback.to_csv(folder / "feedback.csv", index=False)
        (folder / "catalog.json").write_text(
            json.dumps(data.catalog.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8"
        )
    elif name == "transactions":
        log = transaction_log(n, seed).rename(columns={"amount": "revenue"})
        log.to_csv(folder / "events.csv", index=False)
    elif name == "channels_only":
        ev, customers = channels_only(n, seed)
        ev.to_csv(folder / "events.csv", index=False)
        customers.to_csv(folder / "customers.csv", index=False)
    else:
        raise ValueError(f"unknown shape {name!r}; shapes are {SHAPES}")
    return folder


def truth_p_purchase(data) -> float:
    """True P(purchase) from the start of the buyer's journey (simulated studies)."""
    return float(data.truth.conversion_probability["all"])
