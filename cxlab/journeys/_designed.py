"""Designed versus lived journey: does the journey customers live follow the one designed?

Given the designed (ideal) order of stages, e.g. awareness -> consideration ->
purchase, every step a customer takes between design stages is one of:

- **on design**: the next designed stage;
- **skip**: a later stage, jumping over one or more designed stages (a journey
  that *starts* past the first stage skips from ``(start)``);
- **loop**: the same stage again (another event in the stage);
- **back-step**: an earlier stage (e.g. back from consideration to awareness).

Each journey is then *followed* (every step on design, and the last designed
stage reached), *on track* (every step on design so far but the journey stopped
before the end: an early exit, not a deviation) or *deviated* (at least one
skip, loop or back-step). Events in stages outside the design are ignored by
default, or counted as *detours*. All counting is vectorised over events.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxlab._stats import wilson
from cxlab.data._catalog import START_STATE
from cxlab.exceptions import ParameterError
from cxlab.i18n._messages import t as _t
from cxlab.i18n._tables import reader_label
from cxlab.journeys._base import (
    JourneyResult,
    check_confidence,
    check_states,
    customer_groups,
    distinct_per_key,
    encode,
    event_table,
    lazy_study_of,
    warn_unseen,
)
from cxlab.journeys._plots import plot_deviations
from cxlab.sequences import collapse_runs, keep_events
from cxlab.sequences._engine import encode_in_engine

__all__ = ["DesignedVsLived", "designed_vs_lived"]

KINDS = ("skip", "loop", "back-step", "detour")
CLASSES = ("followed", "on track (stopped early)", "deviated")


class DesignedVsLived(JourneyResult):
    """Result of :func:`designed_vs_lived`.

    Attributes
    ----------
    table : DataFrame
        Share of journeys that followed the design, stayed on track but
        stopped early, or deviated (per group), with Wilson intervals.
    deviations : DataFrame
        One row per deviation (kind, from, to, skipped stages): ``events``
        (how often it happened), ``journeys`` (how many journeys did it at
        least once) and ``share`` of all journeys with a Wilson interval, most
        common first.
    per_journey : DataFrame
        ``customer_id``, ``status`` and the number of each kind of deviation.
    design : list of str
    """

    name = "designed_vs_lived"

    _figure = staticmethod(plot_deviations)


def designed_vs_lived(
    data,
    design=None,
    *,
    column: str = "stage",
    by=None,
    collapse: bool = False,
    other: str = "ignore",
    confidence: float = 0.95,
) -> DesignedVsLived:
    """Compare the designed stage order with the journeys customers lived.

    Parameters
    ----------
    data : CXData, LazyStudy or DataFrame
    design : list of str, optional
        The designed order; default the catalog's buyer's journey.
    column : str, default="stage"
        The column the design is written in (``"channel"`` works too).
    by : str, Series or None, default=None
        Customer groups for the follow/on-track/deviated shares.
    collapse : bool, default=False
        Merge repeated events in a stage first, so repeats are not loops.
    other : {"ignore", "detour"}, default="ignore"
        Events in states outside the design: left out, or counted as detours
        (which make the journey deviated).
    confidence : float, default=0.95

    Returns
    -------
    DesignedVsLived
        ``.summary()`` the shares; ``.deviations`` the deviation counts.

    Raises
    ------
    UnknownCategoryError
        A design stage is not known to the data.
    ParameterError
        A design of fewer than two stages, or an unknown ``other``.

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=2000, random_state=0)
    >>> r = cxlab.designed_vs_lived(data, ["awareness", "consideration", "purchase"])
    >>> r.summary()["status"].tolist()
    ['followed', 'on track (stopped early)', 'deviated']
    """
    confidence = check_confidence(confidence)
    by = None if isinstance(by, str) and by == "" else by
    if other not in ("ignore", "detour"):
        raise ParameterError(f"other must be 'ignore' or 'detour', not {other!r}.")
    study = lazy_study_of(data)
    if study is not None:  # the journeys are built inside the engine
        customers, catalog = study.customers, study.catalog
        seq = encode_in_engine(study.frame, column, catalog)
    else:
        events, customers, catalog = event_table(data)
        seq = encode(events, column)
    design = list(catalog.buyer_stages) if design is None else design
    codes = check_states(design, seq.states, "design", column)
    if len(codes) < 2:
        raise ParameterError("a design needs at least two stages in order.")
    design = [seq.states[c] for c in codes]
    warn_unseen(seq, codes, "design stages")
    n_units = seq.n_customers
    S, D = len(seq.states), len(codes)
    position = np.full(S, -1, dtype=np.int64)
    position[codes] = np.arange(D)
    in_design = position[seq.codes] >= 0
    # detours: events outside the design, counted per (previous design stage, detour state)
    unit = seq.customer_index()
    detour_n = np.zeros(n_units, dtype=np.int64)
    detour_rows = []
    if other == "detour" and (~in_design).any():
        off = np.flatnonzero(~in_design)
        detour_n = np.bincount(unit[off], minlength=n_units)
        dk = seq.codes[off].astype(np.int64)
        jn = distinct_per_key(unit[off], dk, S)
        en = np.bincount(dk, minlength=S)
        for s in np.flatnonzero(en):  # loop over states
            detour_rows.append(("detour", "", str(seq.states[s]), "", en[s], jn[s]))
    seq = keep_events(seq, in_design)
    if collapse:
        seq = collapse_runs(seq)
    unit = seq.customer_index()
    p = position[seq.codes]
    n = len(p)
    prev = np.empty(n, dtype=np.int64)
    if n:
        prev[1:] = p[:-1]
        prev[seq.offsets[:-1][np.diff(seq.offsets) > 0]] = -1  # first step comes from (start)
    delta = p - prev
    kind = np.full(n, -1, dtype=np.int64)  # -1 on design
    kind[delta > 1] = 0
    kind[delta == 0] = 1
    kind[delta < 0] = 2
    dev = kind >= 0
    counts = {k: np.bincount(unit[kind == i], minlength=n_units) for i, k in enumerate(KINDS[:3])}
    counts["detour"] = detour_n
    n_dev = sum(counts.values())
    lengths = np.diff(seq.offsets)
    last_p = np.full(n_units, -1, dtype=np.int64)
    has = lengths > 0
    last_p[has] = p[seq.offsets[1:][has] - 1]
    status = np.where(n_dev > 0, 2, np.where(last_p == D - 1, 0, 1))

    group, glabels, gname = customer_groups(by, customers, seq.customers)
    G = len(glabels)
    n_none = int((~has).sum())  # journeys without any designed stage: not in the shares
    n_units -= n_none
    tot = np.bincount(group[has], minlength=G)
    rows = []
    for ci, cname in enumerate(CLASSES):  # loop over the three statuses
        k = np.bincount(group[has & (status == ci)], minlength=G)
        lo, hi = wilson(k, tot, confidence)
        rows.append(
            pd.DataFrame(
                {
                    gname: glabels,
                    "_g": np.arange(G),
                    "_c": ci,
                    "status": cname,
                    "journeys": k,
                    "share": k / np.maximum(tot, 1),
                    "share_ci_low": lo,
                    "share_ci_high": hi,
                }
            )
        )
    table = pd.concat(rows).sort_values(["_g", "_c"]).drop(columns=["_g", "_c"])
    table = table.reset_index(drop=True)
    if by is None:
        table = table.drop(columns=gname)

    # deviation table: (kind, from, to), events and journeys
    names = np.array([START_STATE, *design], dtype=object)
    fk = prev[dev] + 1  # 0 = (start)
    tk = p[dev]
    key = (kind[dev] * (D + 1) + fk) * D + tk
    nk = 3 * (D + 1) * D
    ev_n = np.bincount(key, minlength=nk)
    jr_n = distinct_per_key(unit[dev], key, nk)
    dev_rows = []
    for k in np.flatnonzero(ev_n):  # loop over distinct deviations (few)
        kd, rest = divmod(int(k), (D + 1) * D)
        f, t = divmod(rest, D)
        skipped = " + ".join(design[f:t]) if kd == 0 else ""
        dev_rows.append((KINDS[kd], names[f], design[t], skipped, ev_n[k], jr_n[k]))
    devs = pd.DataFrame(
        dev_rows + detour_rows, columns=["kind", "from", "to", "skipped", "events", "journeys"]
    )
    lo, hi = wilson(devs["journeys"], n_units, confidence)
    devs["share"] = devs["journeys"] / n_units
    devs["share_ci_low"], devs["share_ci_high"] = lo, hi
    devs = devs.sort_values(["journeys", "events"], ascending=False, ignore_index=True)
    cols = {
        "customer_id": seq.customers[has],
        "status": pd.Categorical.from_codes(status[has], categories=list(CLASSES)),
    }
    for k in KINDS:
        cols[k + "s" if k != "back-step" else "back_steps"] = counts[k][has]
    per = pd.DataFrame(cols)
    notes = [
        _t(
            "note.journeys.design",
            design=reader_label(" > ".join(design)),
            n=n_units,
            confidence=confidence,
        ),
        _t("note.journeys.design_followed"),
        _t("note.journeys.design_skip"),
        _t(
            "note.journeys.design_detour_counted"
            if other == "detour"
            else "note.journeys.design_detour_ignored"
        ),
    ]
    if collapse:
        notes.append(_t("note.journeys.design_collapsed"))
    if n_none:
        notes.append(_t("note.journeys.design_none", n=n_none))
    return DesignedVsLived(
        table,
        notes=notes,
        params={
            "design": design,
            "column": column,
            "collapse": collapse,
            "other": other,
            "confidence": confidence,
        },
        deviations=devs,
        per_journey=per,
        design=design,
    )
