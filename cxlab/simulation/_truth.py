"""The known answers behind a simulation, and the exact algebra that derives them.

:class:`Truth` is what ``cxlab.simulate(...).truth`` holds. Every number in it
is either a parameter the simulator drew from or an exact consequence of those
parameters (computed by absorbing-chain algebra, not by sampling), so a model
fitted on the simulated data can be checked against it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd

from cxlab.data._catalog import START_STATE
from cxlab.simulation._personas import ALLOWED_CHANNELS, BUYER_TARGETS, BUYER_TRANSIENT, Persona

__all__ = ["Truth", "persona_chain", "pooled_transition_matrix", "channel_probabilities"]


def persona_chain(p: Persona) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start vector ``s`` (2,), transient block ``Q`` (2, 2) and absorbing block ``R`` (2, 2).

    Transient states are awareness, consideration; absorbing are purchase, drop-off.
    """
    s = np.array([p.start.get(t, 0.0) for t in BUYER_TRANSIENT])
    full = np.array(
        [[p.transitions[a].get(b, 0.0) for b in BUYER_TARGETS] for a in BUYER_TRANSIENT]
    )
    return s, full[:, :2], full[:, 2:]


def _expected_visits(s: np.ndarray, q: np.ndarray) -> np.ndarray:
    return s @ np.linalg.inv(np.eye(len(s)) - q)


def pooled_transition_matrix(personas: list[Persona]) -> pd.DataFrame:
    """The transition matrix a first-order chain estimates on the pooled population.

    Rows are ``(start)``, awareness, consideration; columns the next state. Each
    persona's row is weighted by its share of customers times its expected
    number of visits to the row's state (from the fundamental matrix), which is
    the limit of pooled empirical transition frequencies.
    """
    w = np.array([p.weight for p in personas], dtype=float)
    w = w / w.sum()
    rows = np.zeros((3, len(BUYER_TARGETS)))
    visit_weight = np.zeros(2)
    for wi, p in zip(w, personas):
        s, q, r = persona_chain(p)
        v = wi * _expected_visits(s, q)
        full = np.hstack([q, r])
        rows[0, :2] += wi * s
        rows[1:] += v[:, None] * full
        visit_weight += v
    rows[1:] /= visit_weight[:, None]
    return pd.DataFrame(rows, index=[START_STATE, *BUYER_TRANSIENT], columns=list(BUYER_TARGETS))


def persona_transition_matrix(p: Persona) -> pd.DataFrame:
    s, q, r = persona_chain(p)
    rows = np.vstack([np.r_[s, 0.0, 0.0], np.hstack([q, r])])
    return pd.DataFrame(rows, index=[START_STATE, *BUYER_TRANSIENT], columns=list(BUYER_TARGETS))


def channel_probabilities(personas: list[Persona], channels: tuple[str, ...]) -> pd.DataFrame:
    """P(channel | persona, stage): rows (persona, stage), columns channels."""
    index, rows = [], []
    for p in personas:
        pref = np.array([p.channel_preference.get(c, 0.0) for c in channels])
        for stage, allowed in ALLOWED_CHANNELS.items():
            mask = np.isin(np.array(channels), allowed)
            probs = np.where(mask, pref, 0.0)
            rows.append(probs / probs.sum())
            index.append((p.name, stage))
    return pd.DataFrame(
        rows, index=pd.MultiIndex.from_tuples(index, names=["persona", "stage"]), columns=channels
    )


def conversion_probability(p: Persona) -> float:
    s, q, r = persona_chain(p)
    return float(_expected_visits(s, q) @ r[:, 0])


def removal_effects(personas: list[Persona], channel_probs: pd.DataFrame) -> pd.DataFrame:
    """Causal removal effect of each channel on purchases, exactly.

    Removing channel ``c`` means every journey that would have touched ``c``
    (at any buyer stage, including the purchase itself) ends there without a
    purchase. The effect is ``1 - P(purchase | c removed) / P(purchase)``,
    computed per persona by absorbing-chain algebra and pooled with persona
    weights.
    """
    w = np.array([p.weight for p in personas], dtype=float)
    w = w / w.sum()
    base = sum(wi * conversion_probability(p) for wi, p in zip(w, personas))
    out = {}
    for c in channel_probs.columns:
        conv = 0.0
        for wi, p in zip(w, personas):
            s, q, r = persona_chain(p)
            keep = np.array([1 - channel_probs.loc[(p.name, st), c] for st in BUYER_TRANSIENT])
            keep_purchase = 1 - channel_probs.loc[(p.name, "purchase"), c]
            conv += (
                wi
                * float(((s * keep) @ np.linalg.inv(np.eye(2) - q * keep[None, :])) @ r[:, 0])
                * keep_purchase
            )
        out[c] = 1 - conv / base
    eff = pd.Series(out, name="removal_effect")
    return pd.DataFrame({"removal_effect": eff, "share": eff / eff.sum()})


@dataclass
class Truth:
    """Known answers of a simulated data set.

    Attributes
    ----------
    transition_matrix : DataFrame
        Pooled buyer's-journey chain: rows ``(start)``, awareness, consideration;
        columns awareness, consideration, purchase, ``(drop-off)``. This is what a
        first-order chain fitted to all customers' buyer's journeys estimates.
    transition_matrix_by_persona : dict of DataFrame
        The same for each persona (the chain each persona's journeys follow).
    conversion_probability : Series
        P(purchase) per persona and ``"all"``.
    persona : Series
        True persona of every customer (index ``customer_id``).
    channel_probabilities : DataFrame
        P(channel | persona, stage).
    removal_effects : DataFrame
        Causal removal effect of each channel on purchases (see :func:`removal_effects`).
    hazard_coefficients : Series
        Covariate -> log hazard ratio of churn. Covariates: ``loyalty_member``
        (0/1), ``support_contacts`` (service events in the onboarding window),
        ``csat`` (the post-purchase CSAT score, 1-5) and ``persona[<name>]``
        indicators (first persona is the reference).
    baseline_hazard : float
        Churn hazard per day at all covariates zero (csat at 0), from the end
        of the onboarding window; churn cannot happen before it.
    onboarding_days : float
        Length of the onboarding window after the first purchase.
    nps_effects, csat_effects, ces_effects : Series
        Ordinal-logit coefficients of the NPS (0-10), CSAT (1-5) and CES (1-7)
        scores: ``P(score <= k) = logistic(threshold_k - x @ effects)``.
    nps_thresholds, csat_thresholds, ces_thresholds : Series
        The cut points of those ordinal models.
    customers : DataFrame
        Per-customer latent facts: persona, purchased, purchase_time, csat,
        support_contacts, loyalty_member, nps_true, churn_time (days after
        purchase, may lie beyond the observation end), churned, tenure_days.
    comment_theme : Series
        Theme of each feedback comment (index = row of ``feedback``).
    params : dict
        Every simulation parameter, personas included.
    """

    transition_matrix: pd.DataFrame
    transition_matrix_by_persona: dict
    conversion_probability: pd.Series
    persona: pd.Series
    channel_probabilities: pd.DataFrame
    removal_effects: pd.DataFrame
    hazard_coefficients: pd.Series
    baseline_hazard: float
    onboarding_days: float
    nps_effects: pd.Series
    nps_thresholds: pd.Series
    csat_effects: pd.Series
    csat_thresholds: pd.Series
    ces_effects: pd.Series
    ces_thresholds: pd.Series
    customers: pd.DataFrame
    comment_theme: pd.Series
    params: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return (
            f"Truth(personas={list(self.transition_matrix_by_persona)}, "
            f"customers={len(self.persona):,}, "
            f"hazard_coefficients={self.hazard_coefficients.round(3).to_dict()})"
        )

    # -- persistence: Parquet for tables, JSON for the rest ------------------
    def save(self, folder: str | Path) -> None:
        """Write the truth into ``folder`` (Parquet tables and JSON).

        Parameters
        ----------
        folder : str or Path
            Folder to write the truth files into.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        meta = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, pd.DataFrame | pd.Series):
                frame = value.to_frame() if isinstance(value, pd.Series) else value
                frame.to_parquet(folder / f"{f.name}.parquet")
                meta[f.name] = {"kind": "series" if isinstance(value, pd.Series) else "frame"}
            elif f.name == "transition_matrix_by_persona":
                combined = pd.concat(value, names=["persona", "from"])
                combined.to_parquet(folder / f"{f.name}.parquet")
                meta[f.name] = {"kind": "by_persona", "order": list(value)}
            else:
                meta[f.name] = {"kind": "json", "value": value}
        (folder / "truth.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")

    @classmethod
    def load(cls, folder: str | Path) -> Truth:
        """Read a truth written by :meth:`save`.

        Parameters
        ----------
        folder : str or Path
            Folder written by :meth:`save`.
        """
        folder = Path(folder)
        meta = json.loads((folder / "truth.json").read_text())
        kw = {}
        for name, m in meta.items():
            if m["kind"] == "json":
                kw[name] = m["value"]
                continue
            frame = pd.read_parquet(folder / f"{name}.parquet")
            if m["kind"] == "series":
                kw[name] = frame.iloc[:, 0]
            elif m["kind"] == "by_persona":
                kw[name] = {p: frame.xs(p, level="persona") for p in m["order"]}
            else:
                kw[name] = frame
        return cls(**kw)
