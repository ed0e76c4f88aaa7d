"""Journey analytics: sequences, funnels, paths, waiting times, drop-offs, designed vs lived.

The questions a customer-journey map answers, each one call on a
:class:`~cxlab.data.CXData` (or an events table), each returning a small result
with ``.summary()`` (a tidy DataFrame with intervals), ``.notes`` (caveats) and
``.plot(ax=None)``:

==============================  ================================================
:func:`journey_sequences`       each customer's (or session's) ordered steps
:func:`funnel`                  open and closed funnels, conversion with Wilson
                                intervals, time to convert, by segment
:func:`variants`                most common paths, share and conversion rate
:func:`paths_from`              what happens after (or before) an anchor stage
:func:`sankey_table`            flows of the first N steps (a Sankey diagram)
:func:`time_between_stages`     how long customers wait between events, by
                                stage pair and channel
:func:`drop_off`                where journeys that do not convert end
:func:`designed_vs_lived`       the designed stage order against what customers
                                did: share who follow it, skips, loops, back-steps
==============================  ================================================

Everything is vectorised over events and customers (loops only over steps,
stages or groups). The implementations live in the private modules of this
package; it gathers them, and ``cxlab.<name>`` reaches each one too.

Examples
--------
>>> import cxlab
>>> from cxlab import journeys
>>> data = cxlab.simulate(n_customers=1000, random_state=2)
>>> f = journeys.funnel(data, ["awareness", "consideration", "purchase"], kind="closed")
>>> f.summary()["step"].tolist()
['awareness', 'consideration', 'purchase']
"""

from __future__ import annotations

from cxlab.journeys._base import JourneyResult
from cxlab.journeys._designed import DesignedVsLived, designed_vs_lived
from cxlab.journeys._funnel import FunnelResult, funnel
from cxlab.journeys._paths import (
    PathsResult,
    SankeyResult,
    VariantsResult,
    paths_from,
    sankey_table,
    variants,
)
from cxlab.journeys._plots import (
    plot_deviations,
    plot_drop_off,
    plot_funnel,
    plot_lengths,
    plot_sankey,
    plot_variants,
    plot_waits,
)
from cxlab.journeys._sequences import JourneySequences, journey_sequences
from cxlab.journeys._timing import DropOffResult, TimeBetweenResult, drop_off, time_between_stages
from cxlab.sequences import path_strings

__all__ = [
    "JourneyResult",
    "JourneySequences",
    "journey_sequences",
    "path_strings",
    "FunnelResult",
    "funnel",
    "VariantsResult",
    "variants",
    "PathsResult",
    "paths_from",
    "SankeyResult",
    "sankey_table",
    "TimeBetweenResult",
    "time_between_stages",
    "DropOffResult",
    "drop_off",
    "DesignedVsLived",
    "designed_vs_lived",
    "plot_funnel",
    "plot_variants",
    "plot_sankey",
    "plot_waits",
    "plot_drop_off",
    "plot_deviations",
    "plot_lengths",
]
