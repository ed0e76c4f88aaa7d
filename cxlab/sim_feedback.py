"""Feedback pieces of the simulator: ordinal scores and comments.

Scores follow ordinal-logit models, ``P(score <= k) = logistic(theta_k - eta)``,
so a cumulative-logit regression recovers the effects exactly in expectation.
Comments are drawn from short templates per theme, in English and Persian.
"""

from __future__ import annotations

import numpy as np

__all__ = ["sample_ordinal", "sample_comments", "THEMES"]


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
