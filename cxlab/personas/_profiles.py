"""What sets each persona apart: profiles, persona cards and generated names.

A profile compares each persona with the other customers on every numeric
feature: the persona's mean, the rest's mean and the standardised difference
(Cohen's d with the pooled standard deviation; missing values are left out
of both means, and ``n_observed`` says how many customers each mean rests on).
A persona card adds size and share (Wilson interval), conversion, value and
NPS with 95% intervals. The name is built from the channels the persona uses
most out of proportion (lift >= 1.5) and its most distinguishing behaviour.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy import stats

from cxlab._stats import wilson

__all__ = [
    "profile_table",
    "persona_cards",
    "persona_names",
    "persona_display_name",
    "channel_lift",
    "persona_agreement",
]

Z95 = float(stats.norm.ppf(0.975))

#: Short words for channels in names.
CHANNEL_WORDS = {"call_centre": "phone", "web": "web", "app": "app"}

#: (feature, sign) -> qualifier used in generated names.
QUALIFIERS = {
    ("avg_order_value", 1): "big-ticket",
    ("avg_order_value", -1): "small-basket",
    ("revenue", 1): "high-value",
    ("revenue", -1): "low-value",
    ("n_events", 1): "high-touch",
    ("n_events", -1): "light-touch",
    ("days_to_purchase", 1): "slow-deciding",
    ("days_to_purchase", -1): "quick-deciding",
    ("buyer_gap_days", 1): "unhurried",
    ("buyer_gap_days", -1): "fast-moving",
    ("purchased", -1): "hesitant",
    ("purchased", 1): "decisive",
    ("support_contacts", 1): "support-reliant",
    ("nps", 1): "enthusiastic",
    ("nps", -1): "critical",
    ("churned", 1): "churn-prone",
    ("tenure_days", 1): "long-staying",
    ("segment_business", 1): "business",
}


def profile_table(frame: pd.DataFrame, labels: np.ndarray, k: int, used) -> pd.DataFrame:
    """Long table: persona x feature with means, standardised difference and counts.

    Parameters
    ----------
    frame : DataFrame
        Numeric features (NaN allowed), one row per customer, aligned with ``labels``.
    labels : ndarray of int
        Persona of every customer (0..k-1).
    k : int
    used : collection of str
        Features the clustering used (flagged in column ``used``).
    """
    p = frame.shape[1]
    N1, S1, SS1 = np.zeros((k, p)), np.zeros((k, p)), np.zeros((k, p))
    for c in range(p):  # per-persona counts, sums and sums of squares, column by column
        x = frame.iloc[:, c].to_numpy(dtype=float)
        ok = ~np.isnan(x)
        lab, x = (labels[ok], x[ok]) if not ok.all() else (labels, x)
        N1[:, c] = np.bincount(lab, minlength=k)
        S1[:, c] = np.bincount(lab, weights=x, minlength=k)
        SS1[:, c] = np.bincount(lab, weights=x * x, minlength=k)
    tot_n, tot_s, tot_ss = N1.sum(axis=0), S1.sum(axis=0), SS1.sum(axis=0)
    rows = []
    for j in range(k):
        n1, s1, ss1 = N1[j], S1[j], SS1[j]
        n2, s2, ss2 = tot_n - n1, tot_s - s1, tot_ss - ss1
        with np.errstate(invalid="ignore", divide="ignore"):
            m1, m2 = s1 / n1, s2 / n2
            v1 = np.maximum(ss1 - n1 * m1**2, 0) / (n1 - 1)
            v2 = np.maximum(ss2 - n2 * m2**2, 0) / (n2 - 1)
            pooled = np.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2))
            d = np.where(pooled > 0, (m1 - m2) / pooled, 0.0)
        rows.append(
            pd.DataFrame(
                {
                    "persona": j,
                    "feature": frame.columns,
                    "mean": m1,
                    "mean_rest": m2,
                    "overall_mean": tot_s / tot_n,
                    "std_diff": d,
                    "n_observed": n1.astype(np.int64),
                    "used": [c in set(used) for c in frame.columns],
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def channel_lift(frame: pd.DataFrame, labels: np.ndarray, k: int) -> pd.DataFrame | None:
    """Persona's share of events per channel divided by everyone's (rows persona).

    From the ``n_<stage>__<channel>`` counts when present, else from the
    ``share_<channel>`` columns (mean share). None without either.
    """
    counts = [c for c in frame.columns if c.startswith("n_") and "__" in c]
    if counts:
        channel = pd.Index([c.split("__", 1)[1] for c in counts])
        per = np.column_stack(
            [
                np.bincount(labels, weights=frame[c].to_numpy(dtype=float), minlength=k)
                for c in counts
            ]
        )
        by_ch = pd.DataFrame(per, columns=channel).T.groupby(level=0, sort=False).sum().T
    else:
        shares = [c for c in frame.columns if c.startswith("share_")]
        if not shares:
            return None
        mat = frame[shares].to_numpy(dtype=float)
        per = np.vstack([np.nanmean(mat[labels == j], axis=0) for j in range(k)])
        by_ch = pd.DataFrame(per, columns=[c[len("share_") :] for c in shares])
    mix = by_ch.div(by_ch.sum(axis=1), axis=0)
    overall = by_ch.sum(axis=0) / by_ch.to_numpy().sum()
    lift = mix.div(overall.replace(0, np.nan), axis=1)
    lift.index.name = "persona"
    return lift


def persona_names(profile: pd.DataFrame, lift: pd.DataFrame | None, k: int) -> list[str]:
    """Short names: "<qualifier> <top channels> <noun>", unique across personas."""
    d = profile.pivot(index="persona", columns="feature", values="std_diff")
    names: list[str] = []
    for j in range(k):
        row = d.loc[j] if j in d.index else pd.Series(dtype=float)
        channels = "mixed-channel"
        if lift is not None:
            top = lift.loc[j].dropna().sort_values(ascending=False)
            top = top[top >= 1.5].index[:2]
            if len(top):
                channels = " & ".join(CHANNEL_WORDS.get(c, c.replace("_", " ")) for c in top)
        noun = "customers"
        if row.get("loyalty_member", 0) >= 0.3:
            noun = "loyalists"
        elif row.get("purchased", 0) <= -0.3:
            noun = "browsers"
        elif row.get("purchased", 0) >= 0.3:
            noun = "buyers"
        options = sorted(
            (
                (abs(row[f]) * 1.0, word)
                for (f, sign), word in QUALIFIERS.items()
                if f in row.index and np.sign(row[f]) == sign and abs(row[f]) >= 0.3
            ),
            reverse=True,
        )
        words = [w for _, w in options] or [""]
        name = " ".join(x for x in (words[0], channels, noun) if x)
        for w in words[1:]:
            if name not in names:
                break
            name = " ".join(x for x in (w, channels, noun) if x)
        if name in names:
            name = f"{name} ({j})"
        names.append(name)
    return names


#: nouns that end a generated name
NOUNS = ("customers", "loyalists", "browsers", "buyers")
_SUFFIX = re.compile(r"^(.*\S) \((\d+)\)$")


def persona_display_name(name, language: str | None = None):
    """A name made by :func:`persona_names` as a reader of ``language`` reads it.

    The name is read back into its parts (qualifier, channels, noun) and
    written with the message catalog's words for them (``persona.*``); the
    English name stays the persona's identifier in the data. A name that is
    not a generated one (a user's own) is returned as given.

    >>> persona_display_name("small-basket web & app buyers", "fa")
    'خریداران با سبد کوچک (وب\u200cسایت و اپلیکیشن)'
    >>> persona_display_name("my own persona", "fa")
    'my own persona'

    Parameters
    ----------
    name : str
        A persona's name.
    language : str or None, default=None
        Defaults to the current setting; English returns ``name``.
    """
    from cxlab.i18n._language import resolve_language
    from cxlab.i18n._messages import display_name, message_keys, t
    from cxlab.i18n._numbers import localize_numbers

    code = resolve_language(language)
    if code == "en" or not isinstance(name, str):
        return name
    text, number = name, ""
    suffix = _SUFFIX.match(name)
    if suffix:
        text, number = suffix.group(1), f" ({suffix.group(2)})"
    words = text.split(" ")
    if len(words) < 2 or words[-1] not in NOUNS:
        return name
    qualifier = ""
    if words[0] in set(QUALIFIERS.values()):
        qualifier, words = words[0], words[1:]
    channel_text = " ".join(words[:-1])
    if channel_text == "mixed-channel":
        channels = t("persona.mixed_channel", code)
    else:
        by_word = {word: channel for channel, word in CHANNEL_WORDS.items()}
        shown = []
        for part in channel_text.split(" & "):
            channel = by_word.get(part, part.replace(" ", "_"))
            if part in by_word and f"persona.channel.{part}" in message_keys(code):
                shown.append(t(f"persona.channel.{part}", code))
                continue
            local = display_name(channel, None, code, kind="channel")
            if not part or local == channel:
                return name  # not a generated name: a channel the catalog does not know
            shown.append(local)
        channels = t("persona.channel_and", code).join(shown)
    text = t(
        "persona.name",
        code,
        qualifier=" " + t(f"persona.qualifier.{qualifier}", code) if qualifier else "",
        channels=channels,
        noun=t(f"persona.noun.{words[-1]}", code),
    )
    return text + localize_numbers(number, code)


def persona_cards(frame: pd.DataFrame, labels: np.ndarray, k: int) -> pd.DataFrame:
    """Size, share, conversion, value and NPS of every persona, with 95% intervals.

    Columns present only when ``frame`` has the feature: conversion
    (``purchased``), revenue, average order value, NPS (score = % promoters -
    % detractors among customers with an NPS answer), CSAT and support contacts.

    Parameters
    ----------
    frame : DataFrame
        Customer features, one row per customer.
    labels : ndarray of int
        Persona code (0..k-1) of every row.
    k : int
        Number of personas.
    """
    n = len(labels)
    size = np.bincount(labels, minlength=k)
    lo, hi = wilson(size, n)
    cards = pd.DataFrame(
        {"n_customers": size, "share": size / n, "share_low": lo, "share_high": hi},
        index=pd.RangeIndex(k, name="persona"),
    )
    if "purchased" in frame:
        p = frame["purchased"].to_numpy(dtype=float)
        ok = ~np.isnan(p)
        s = np.bincount(labels[ok], weights=p[ok], minlength=k)
        m = np.bincount(labels[ok], minlength=k)
        cards["conversion"] = s / np.maximum(m, 1)
        cards["conversion_low"], cards["conversion_high"] = wilson(s, m)
    for col in ("revenue", "avg_order_value", "csat", "support_contacts", "tenure_days"):
        if col in frame:
            mean, low, high, count = _mean_ci(frame[col].to_numpy(dtype=float), labels, k)
            cards[col] = mean
            cards[f"{col}_low"], cards[f"{col}_high"] = low, high
            if col in ("avg_order_value", "csat", "tenure_days"):
                cards[f"{col}_n"] = count
    if "nps" in frame:
        score = frame["nps"].to_numpy(dtype=float)
        ok = ~np.isnan(score)
        m = np.bincount(labels[ok], minlength=k).astype(float)
        prom = np.bincount(labels[ok], weights=(score[ok] >= 9), minlength=k) / np.maximum(m, 1)
        det = np.bincount(labels[ok], weights=(score[ok] <= 6), minlength=k) / np.maximum(m, 1)
        nps = 100 * (prom - det)
        with np.errstate(invalid="ignore", divide="ignore"):
            se = 100 * np.sqrt((prom + det - (prom - det) ** 2) / m)
        cards["nps_score"] = np.where(m > 0, nps, np.nan)
        cards["nps_low"], cards["nps_high"] = nps - Z95 * se, nps + Z95 * se
        cards["nps_n"] = m.astype(np.int64)
    return cards


def _mean_ci(x: np.ndarray, labels: np.ndarray, k: int):
    ok = ~np.isnan(x)
    m = np.bincount(labels[ok], minlength=k).astype(float)
    s = np.bincount(labels[ok], weights=x[ok], minlength=k)
    ss = np.bincount(labels[ok], weights=x[ok] ** 2, minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = s / m
        var = np.maximum(ss - m * mean**2, 0) / (m - 1)
        half = stats.t.ppf(0.975, np.maximum(m - 1, 1)) * np.sqrt(var / m)
    return mean, mean - half, mean + half, m.astype(np.int64)


def persona_agreement(personas: pd.Series, truth: pd.Series):
    """How well found personas match known ones (simulated data): ARI and a table.

    Parameters
    ----------
    personas : Series
        Found persona of every customer (e.g. ``PersonaModel.assign()``).
    truth : Series
        True persona by customer (``data.truth.persona``).

    Returns
    -------
    ChainResult
        ``.estimate``: the adjusted Rand index (1 = identical partitions, 0 = chance).
        ``.table``: per found persona, its size, the true persona most of its
        customers belong to, that share (``purity``) and the share of that true
        persona it captures (``recall``).

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=300, random_state=0)
    >>> res = persona_agreement(data.truth.persona, data.truth.persona)
    >>> float(res.estimate)
    1.0
    """
    from sklearn.metrics import adjusted_rand_score

    from cxlab.markov._results import ChainResult

    truth = truth.reindex(personas.index)
    known = truth.notna().to_numpy()
    table = pd.crosstab(personas[known], truth[known])
    best = table.idxmax(axis=1)
    out = pd.DataFrame(
        {
            "n_customers": table.sum(axis=1),
            "true_persona": best,
            "purity": table.max(axis=1) / table.sum(axis=1),
            "recall": [table.loc[p, t] / table[t].sum() for p, t in best.items()],
        }
    )
    out.index.name = "persona"
    ari = float(adjusted_rand_score(truth[known].astype(str), personas[known].astype(str)))
    from cxlab.i18n._messages import t

    notes = [t("note.personas.ari"), t("note.personas.ari_ceiling")]
    if (~known).any():
        notes.append(t("note.personas.no_truth", n=int((~known).sum())))
    return ChainResult(
        name=t("title.persona_agreement"),
        estimate=ari,
        table=out,
        method=t("value.adjusted Rand index"),
        confidence=float("nan"),
        notes=notes,
    )
