"""NPS explorer: shares and sample size in; NPS, its interval and the answers needed out.

Pure parts (tested against :func:`cxlab.nps` and, for the answers needed, by
simulating two surveys and counting how often the difference is found):

- :func:`nps_state`: NPS with its adjusted-Wald interval for given shares and
  number of answers (through :func:`cxlab.nps` on the implied counts), the
  margin of error and the answers each group needs to tell a change apart
  (:func:`cxlab.survey_sample_size`);
- :func:`plot_nps_state`: the shares and the interval on the -100..100 scale,
  and the margin of error against the number of answers.

:func:`nps_explorer` wires them to sliders (see :mod:`cxlab.teaching._lab`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlab.exceptions import ParameterError
from cxlab.teaching._lab import Explorer, log_axis, message, new_figure, slider

__all__ = ["nps_state", "plot_nps_state", "nps_explorer"]


def _counts(promoters: float, detractors: float, n: int) -> tuple[int, int, int]:
    if not (0 <= promoters <= 1 and 0 <= detractors <= 1 and promoters + detractors <= 1 + 1e-9):
        raise ParameterError(
            f"promoters={promoters} and detractors={detractors} must be shares (0-1) "
            "summing to at most 1."
        )
    if int(n) < 1:
        raise ParameterError(f"n={n} must be at least one answer.")
    pro, det = round(promoters * n), round(detractors * n)
    return det, int(n) - pro - det, pro


def nps_state(
    promoters: float,
    detractors: float,
    n: int,
    *,
    difference: float = 5.0,
    confidence: float = 0.95,
) -> pd.Series:
    """NPS of ``n`` answers with the given shares, its interval and the answers needed.

    Parameters
    ----------
    promoters, detractors : float
        Shares (0-1) of answers 9-10 and 0-6; the rest are passives.
    n : int
        Answers (the shares are rounded to whole answers).
    difference : float, default=5
        Change in NPS points a comparison of two groups should detect (80% power).
    confidence : float, default=0.95
        Confidence level of the interval.

    Returns
    -------
    Series
        ``nps``, ``lower``, ``upper`` (from :func:`cxlab.nps` on the counts),
        ``margin`` (half the interval width), ``needed_per_group``
        (:func:`cxlab.survey_sample_size` with ``difference``) and
        ``needed_for_margin`` (answers for a margin of ``difference / 2``).

    Examples
    --------
    >>> from cxlab.teaching._nps_explorer import nps_state
    >>> s = nps_state(0.5, 0.2, 100)
    >>> [round(float(s[k]), 1) for k in ("nps", "lower", "upper")]
    [30.0, 14.1, 44.2]
    """
    import warnings

    from cxlab.exceptions import SmallSampleWarning
    from cxlab.feedback._compare import survey_sample_size
    from cxlab.feedback._scores import nps

    det, pas, pro = _counts(promoters, detractors, n)
    with warnings.catch_warnings():  # a small n is the lesson here, not a mistake
        warnings.simplefilter("ignore", SmallSampleWarning)
        est = nps(counts=(det, pas, pro), confidence=confidence)
    p, d = pro / n, det / n
    return pd.Series(
        {
            "nps": est.score,
            "lower": est.lower,
            "upper": est.upper,
            "margin": (est.upper - est.lower) / 2,
            "needed_per_group": survey_sample_size(
                "nps", difference=difference, confidence=confidence, promoters=p, detractors=d
            ),
            "needed_for_margin": survey_sample_size(
                "nps", margin=difference / 2, confidence=confidence, promoters=p, detractors=d
            ),
            "promoters": 100 * p,
            "detractors": 100 * d,
            "passives": 100 * pas / n,
            "n": n,
        }
    )


def plot_nps_state(state: pd.Series, *, difference: float = 5.0, axes=None):
    """Left: the shares and NPS with its interval; right: margin of error against answers."""
    from cxlab.feedback._core import nps_variance

    if axes is None:
        _, axes = new_figure(10, 3.4, ncols=2)
    ax, ax_n = axes
    left = 0.0
    for key, color in (
        ("detractors", "tab:red"),
        ("passives", "lightgrey"),
        ("promoters", "tab:green"),
    ):
        ax.barh(1, state[key], left=left, color=color, height=0.5)
        ax.text(
            left + state[key] / 2, 1, f"{state[key]:.0f}%", ha="center", va="center", fontsize=8
        )
        left += state[key]
    ax.errorbar(
        [state["nps"]], [0], xerr=[[state["nps"] - state["lower"]], [state["upper"] - state["nps"]]],
        fmt="o", color="black", capsize=5,
    )  # fmt: skip
    ax.text(state["nps"], -0.35, f"NPS {state['nps']:+.1f}", ha="center", fontsize=9)
    ax.axvline(0, color="black", lw=0.5)
    ax.set_xlim(-100, 100)
    ax.set_ylim(-0.7, 1.5)
    ax.set_yticks([0, 1], [message("nps"), "%"])
    ax.set_title(message("nps_interval"), fontsize=10)
    ns = np.unique(np.geomspace(20, 20_000, 60).astype(int))
    v = float(nps_variance(state["promoters"] / 100, state["detractors"] / 100, 1.0))
    ax_n.plot(ns, 100 * 1.96 * np.sqrt(v / (ns + 3)), color="tab:blue")
    ax_n.plot([state["n"]], [state["margin"]], "o", color="tab:blue")
    ax_n.axvline(state["needed_per_group"], color="tab:orange", ls="--")
    ax_n.text(
        state["needed_per_group"],
        ax_n.get_ylim()[1] * 0.9,
        message("needed", d=difference) + " ",
        color="tab:orange",
        fontsize=8,
        ha="right",
    )
    log_axis(ax_n, (20, 100, 1000, 10_000))
    ax_n.set_xlabel(message("answers_axis"))
    ax_n.set_ylabel(message("margin_axis"))
    return axes


def nps_explorer(
    promoters: float = 0.45,
    detractors: float = 0.20,
    n: int = 200,
    *,
    difference: float = 5.0,
):
    """Sliders for promoter and detractor shares, answers and the change to detect.

    Parameters
    ----------
    promoters, detractors : float, default=0.45, 0.20
        Starting shares (0-1), e.g. from ``cxlab.nps(scores).details``.
    n : int, default=200
        Starting number of answers.
    difference : float, default=5
        Starting change (NPS points) two groups should be told apart by.

    Returns
    -------
    Explorer

    Examples
    --------
    >>> from cxlab.teaching._nps_explorer import nps_explorer
    >>> ex = nps_explorer(0.5, 0.2, 100)
    >>> round(float(ex.table.loc["NPS", "now"]), 1)
    30.0
    """
    _counts(promoters, detractors, n)
    pro = slider(message("promoters"), round(100 * promoters), 0, 100, 1, width="300px", live=True)
    det = slider(
        message("detractors"), round(100 * detractors), 0, 100, 1, width="300px", live=True
    )
    answers = slider(message("answers"), int(n), 10, 5000, 10, width="300px")
    diff = slider(message("difference"), int(difference), 1, 30, 1, width="300px")

    def cap(moved, other):
        def _cap(change):  # promoters + detractors cannot pass 100%
            if moved.value + other.value > 100:
                other.value = 100 - moved.value

        return _cap

    pro.observe(cap(pro, det), names="value")
    det.observe(cap(det, pro), names="value")
    start = {}

    def compute(promoters, detractors, n, difference):
        if promoters + detractors > 100:  # the cap moves the other slider next
            detractors = 100 - promoters
        s = nps_state(promoters / 100, detractors / 100, n, difference=difference)
        start.setdefault("s", s)
        s0 = start["s"]
        rows = {
            message("nps"): "nps",
            message("margin"): "margin",
            message("needed", d=difference): "needed_per_group",
        }
        table = pd.DataFrame(
            [[s0[k], s[k], s[k] - s0[k]] for k in rows.values()],
            index=list(rows),
            columns=[message(c) for c in ("col_start", "col_now", "col_change")],
        )
        table.loc[message("nps_interval")] = [
            f"{s0['lower']:+.1f} to {s0['upper']:+.1f}",
            f"{s['lower']:+.1f} to {s['upper']:+.1f}",
            "",
        ]
        fig, axes = new_figure(10, 3.4, ncols=2)
        plot_nps_state(s, difference=difference, axes=axes)
        notes = [
            message("nps_note_method"),
            message("nps_note_margin", margin=difference / 2, n=int(s["needed_for_margin"])),
        ]
        return table, fig, notes

    controls = {"promoters": pro, "detractors": det, "n": answers, "difference": diff}
    return Explorer(
        title=message("nps_title"),
        intro=message("nps_intro"),
        controls=controls,
        compute=compute,
    )
