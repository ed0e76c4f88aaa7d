"""The tiny hand-worked event log shared by the journey tests (see test_journeys_handworked)."""

import numpy as np
import pandas as pd

import cxlab

AW, CON, PUR = "awareness", "consideration", "purchase"
ROWS = [
    (1, 0, AW, "ads"),
    (1, 2, CON, "web"),
    (1, 5, PUR, "web"),
    (2, 0, CON, "web"),
    (2, 1, AW, "ads"),
    (2, 3, PUR, "store"),
    (3, 0, AW, "search"),
    (3, 4, PUR, "web"),
    (4, 0, AW, "social"),
    (4, 1, CON, "web"),
    (5, 0, AW, "ads"),
    (5, 1, AW, "ads"),
    (5, 3, CON, "web"),
    (5, 6, AW, "ads"),
    (6, 0, AW, "ads"),
]


def make_log(rows=ROWS) -> pd.DataFrame:
    cat = cxlab.DEFAULT_CATALOG
    df = pd.DataFrame(rows, columns=["customer_id", "day", "stage", "channel"])
    return pd.DataFrame(
        {
            "customer_id": df["customer_id"].astype("int64"),
            "timestamp": pd.Timestamp("2025-03-01") + pd.to_timedelta(df["day"], unit="D"),
            "stage": pd.Categorical(df["stage"], categories=list(cat.stages)),
            "channel": pd.Categorical(df["channel"], categories=list(cat.channels)),
        }
    )


def wilson_by_hand(k, n, z=1.959963984540054):
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half
