"""Feedback pieces of the simulator: ordinal scores and comments.

Scores follow ordinal-logit models, ``P(score <= k) = logistic(theta_k - eta)``,
so a cumulative-logit regression recovers the effects exactly in expectation.
Comments are drawn from short templates per theme, in English and Persian.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["sample_ordinal", "sample_comments", "feedback_frame", "timestamps", "THEMES"]

#: CES (1-7) cut points and channel effects of the support survey.
CES_THRESHOLDS = np.array([-2.5, -1.6, -0.8, 0.0, 0.9, 2.0])
CES_CHANNEL = {"chat": 0.5, "email": -0.2, "call_centre": -0.5, "store": 0.2}


def sample_ordinal(
    eta: np.ndarray, thresholds: np.ndarray, low: int, rng: np.random.Generator
) -> np.ndarray:
    """Draw integer scores ``low .. low + len(thresholds)`` from a cumulative logit model."""
    eta = np.asarray(eta, dtype=float)
    cdf = 1.0 / (1.0 + np.exp(-(np.asarray(thresholds)[None, :] - eta[:, None])))
    u = rng.random(len(eta))
    return low + (u[:, None] > cdf).sum(axis=1)


# theme -> (positive English, negative English, positive Persian, negative Persian)
THEMES: dict[str, tuple[tuple[str, ...], ...]] = {
    "price": (
        ("Fair price for what you get", "Good value and clear pricing"),
        (
            "Too expensive for what it is",
            "Prices went up again, not worth it",
            "Hidden fees at checkout",
        ),
        ("قیمت منصفانه است", "ارزش خرید دارد و قیمت‌ها شفاف است"),
        ("قیمت خیلی بالاست", "هزینه‌های پنهان در پرداخت داشت"),
    ),
    "delivery": (
        ("Delivery was fast and on time", "Arrived a day early, well packed"),
        ("Delivery was late by a week", "Package arrived damaged and late"),
        ("ارسال سریع و به موقع بود", "بسته‌بندی عالی و زود رسید"),
        ("ارسال یک هفته دیر رسید", "بسته آسیب دیده و با تاخیر رسید"),
    ),
    "support": (
        ("Support solved my problem quickly", "The agent was patient and helpful"),
        (
            "Waited an hour on the phone for support",
            "Had to explain my problem to three agents",
            "Support never called back",
        ),
        ("پشتیبانی مشکلم را سریع حل کرد", "کارشناس پشتیبانی صبور و دلسوز بود"),
        ("یک ساعت پشت خط پشتیبانی منتظر ماندم", "مشکلم را سه بار برای کارشناس‌های مختلف توضیح دادم"),
    ),
    "app": (
        ("The app is simple and fast", "Love the new app design"),
        ("The app keeps crashing at login", "App is slow and confusing"),
        ("اپلیکیشن ساده و سریع است", "طراحی جدید اپ عالی است"),
        ("اپلیکیشن موقع ورود مدام بسته می‌شود", "اپ کند و گیج‌کننده است"),
    ),
    "staff": (
        ("Store staff were friendly and knowledgeable", "Great personal service in the store"),
        ("Store staff were rude", "Nobody in the store could answer my questions"),
        ("کارکنان فروشگاه خوش‌برخورد و آگاه بودند", "خدمات حضوری فروشگاه عالی بود"),
        ("کارکنان فروشگاه بی‌حوصله بودند", "کسی در فروشگاه جواب سوالم را نمی‌دانست"),
    ),
}

_THEME_NAMES = np.array(list(THEMES))
# P(theme) for detractors (score <= 6), passives (7-8) and promoters (9-10)
_THEME_PROBS = np.array(
    [
        [0.30, 0.25, 0.30, 0.10, 0.05],
        [0.30, 0.20, 0.15, 0.20, 0.15],
        [0.10, 0.20, 0.20, 0.25, 0.25],
    ]
)


def sample_comments(
    nps_scores: np.ndarray, persian_share: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Comment text, language code and theme for each NPS score.

    Detractors write complaints, promoters praise, passives either (50/50).
    """
    n = len(nps_scores)
    group = np.where(nps_scores <= 6, 0, np.where(nps_scores <= 8, 1, 2))
    cum = np.cumsum(_THEME_PROBS[group], axis=1)
    theme_idx = (rng.random(n)[:, None] > cum).sum(axis=1)
    positive = np.where(group == 1, rng.random(n) < 0.5, group == 2)
    persian = rng.random(n) < persian_share
    pick = rng.random(n)
    text = np.empty(n, dtype=object)
    for t, name in enumerate(_THEME_NAMES):
        variants = THEMES[name]
        for slot, (pos, fa) in enumerate(
            [(True, False), (False, False), (True, True), (False, True)]
        ):
            mask = (theme_idx == t) & (positive == pos) & (persian == fa)
            options = np.array(variants[slot], dtype=object)
            text[mask] = options[(pick[mask] * len(options)).astype(int)]
    language = np.where(persian, "fa", "en")
    return text, language, _THEME_NAMES[theme_idx]


def timestamps(origin: pd.Timestamp, days: np.ndarray) -> np.ndarray:
    """Days after ``origin`` as ``datetime64[ns]``, rounded to the second."""
    seconds = np.round(days * 86_400.0).astype(np.int64)
    return (np.datetime64(origin.to_datetime64(), "s") + seconds).astype("datetime64[ns]")


def feedback_frame(rng, latent, own, own_ch, rates, window, origin, cat):
    """The feedback table (CSAT, NPS, CES answers) and the theme of each comment.

    ``latent`` holds each purchaser's facts from :func:`cxlab.simulate` (purchase
    CSAT and its time, true NPS and the survey time, churn time, support contacts),
    ``own``/``own_ch`` the owner's-journey events and their channels, ``rates`` the
    response, comment and Persian shares.
    """
    ids, buyers = latent["ids"], latent["buyers"]
    csat, csat_time, pch = latent["csat"], latent["csat_time"], latent["purchase_channel"]
    nps_true, nps_time, churn_abs = latent["nps_true"], latent["nps_time"], latent["churn_time"]
    sup_i, sup_t = latent["support_index"], latent["support_time"]
    nps_rate, ces_rate = rates["nps"], rates["ces"]
    comment_rate, persian_share = rates["comment"], rates["persian"]
    channels = list(cat.channels)
    # CSAT after every purchase (observed when inside the window)
    csat_ok = csat_time < window
    # NPS by a share of purchasers, before churn and inside the window
    nps_ok = (rng.random(len(buyers)) < nps_rate) & (nps_time < window) & (nps_time < churn_abs)
    # CES after half the support contacts: their channel is the service event's channel
    service = own["stage"] == cat.stages.index("service")
    sup_ch = own_ch[service]
    ces_pick = rng.random(len(sup_i)) < ces_rate
    ces_t = sup_t + rng.uniform(0.0, 1.0, size=len(sup_i))
    ces_ok = ces_pick & (ces_t < window)
    # service events in `own` are in the order they were added: same order as sup_i (kept)
    sup_keep = sup_t < window
    ch_full = np.full(len(sup_i), channels.index("email"))
    ch_full[sup_keep] = sup_ch
    ces_eta = np.array([CES_CHANNEL.get(c, 0.0) for c in channels])[ch_full]
    ces = sample_ordinal(ces_eta, CES_THRESHOLDS, 1, rng)
    nps_scores = nps_true[nps_ok]
    has_comment = rng.random(len(nps_scores)) < comment_rate
    text, lang, theme = sample_comments(nps_scores, persian_share, rng)
    parts = [
        (
            "csat",
            buyers[csat_ok],
            csat_time[csat_ok],
            csat[csat_ok],
            "purchase",
            pch[csat_ok],
            None,
            None,
        ),
        (
            "nps",
            buyers[nps_ok],
            nps_time[nps_ok],
            nps_scores,
            "use",
            np.full(nps_ok.sum(), channels.index("email")),
            np.where(has_comment, text, None),
            np.where(has_comment, lang, None),
        ),
        (
            "ces",
            buyers[sup_i[ces_ok]],
            ces_t[ces_ok],
            ces[ces_ok],
            "service",
            ch_full[ces_ok],
            None,
            None,
        ),
    ]
    frames = []
    for metric, who, t, score, stage, ch, comment, language in parts:
        frames.append(
            pd.DataFrame(
                {
                    "customer_id": ids[who],
                    "timestamp": timestamps(origin, t),
                    "stage": stage,
                    "channel": np.asarray(channels, dtype=object)[ch],
                    "touchpoint": {
                        "csat": "post_purchase_survey",
                        "nps": "nps_survey",
                        "ces": "support_survey",
                    }[metric],
                    "metric": metric,
                    "score": score.astype(np.int64),
                    "comment": comment if comment is not None else None,
                    "language": language if language is not None else None,
                    "_theme": np.where(has_comment, theme, None) if metric == "nps" else None,
                }
            )
        )
    fb = pd.concat(frames, ignore_index=True)
    fb = fb.sort_values(["customer_id", "timestamp", "metric"], kind="stable", ignore_index=True)
    fb["stage"] = pd.Categorical(fb["stage"], categories=list(cat.stages))
    fb["channel"] = pd.Categorical(fb["channel"], categories=channels)
    fb["metric"] = pd.Categorical(fb["metric"], categories=list(cat.metrics))
    fb["touchpoint"] = fb["touchpoint"].astype("category")
    fb["comment"] = fb["comment"].astype("string")
    fb["language"] = fb["language"].astype("string")
    theme_series = fb.pop("_theme").dropna().rename("theme")
    return fb, theme_series
