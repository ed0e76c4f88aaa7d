"""Persona speed (issue 5).

Targets: for 1 million customers, the feature table built from the event log
in under 20 s, and a persona fit with a fixed number of personas (k = 4) in
under 60 s.

The log is drawn by ``cxlab.simulate`` (default personas; about 11.5 events
per customer, so ~11.5M events at full scale; drawing it takes about a minute
and is not timed). Each timed step runs in a forked process (``_util.measure``
pattern) after its inputs are in memory; ``peak_mb`` is that process's peak
resident memory, which includes the inherited event log or feature table.

Rows:

- ``customer_features``: all 65 documented features from events, customers and
  feedback (numpy bincounts); baseline: pandas ``groupby``/``unstack`` for the
  channel shares alone.
- ``PersonaModel.fit`` with ``n_personas=4``, no bootstrap, whole fit
  (scaling, model, profiles and persona cards): ``latent_class`` on its own
  features (31 channel-by-stage counts + segment), ``kmeans`` (``KMeans`` and
  ``MiniBatchKMeans``) and ``gmm`` on 20 features (channel mix, segment,
  journey and value columns; ``buyer_gap_days`` is missing for a quarter of
  the customers and median-filled).
- the default ``PersonaModel()`` (``n_personas="auto"`` over k = 2..8 on a
  20,000-customer subsample, 20 bootstrap replicates on 2,000) for the cost of
  the full workflow.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import time
import warnings

import sklearn.cluster  # imported before the clock starts
import sklearn.mixture  # noqa: F401

import cxlab
import cxlab.personas._model

FULL = 1_000_000
TWENTY = [
    *[f"share_{c}" for c in cxlab.DEFAULT_CATALOG.channels],
    "segment_business",
    "n_events",
    "n_buyer_events",
    "n_stages",
    "purchased",
    "support_contacts",
    "orders",
    "revenue",
    "churned",
    "loyalty_member",
    "buyer_gap_days",
]

_STATE: dict = {}


def _child(step, queue):
    warnings.simplefilter("ignore")
    start = time.perf_counter()
    note = step()
    seconds = time.perf_counter() - start
    queue.put((seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, note))


def _measure(step):
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(step, queue))
    proc.start()
    out = queue.get()
    proc.join()
    return out


def _features():
    X = cxlab.customer_features(_STATE["data"])
    return f"{X.shape[1]} features"


def _pandas_shares():
    ev = _STATE["data"].events
    counts = ev.groupby(["customer_id", "channel"], observed=False).size().unstack(fill_value=0)
    shares = counts.div(counts.sum(axis=1), axis=0)
    return f"{shares.shape[1]} channel shares only"


def _fit(method, features, **kw):
    def step():
        X = _STATE["X"] if features is None else _STATE["X"][features]
        model = cxlab.PersonaModel(
            method=method, features="auto" if features is None else None, random_state=0, **kw
        ).fit(X)
        return f"{len(model.features_used_)} features used, k={model.n_personas_}"

    return step


def run(scale: float = 1.0) -> list[dict]:
    n = max(2_000, int(FULL * scale))
    data = cxlab.simulate(n_customers=n, random_state=0)
    _STATE["data"] = data
    n_events = len(data.events)
    rows = []

    def add(task, impl, step, note=""):
        seconds, peak, extra = _measure(step)
        rows.append(
            {
                "task": task,
                "impl": impl,
                "n": n,
                "seconds": seconds,
                "peak_mb": peak,
                "note": "; ".join(x for x in (extra, note) if x),
            }
        )

    add(
        "persona features from events",
        "cxlab.customer_features",
        _features,
        f"{n_events:,} events; target < 20 s at 1M",
    )
    add("persona features from events", "pandas groupby/unstack", _pandas_shares)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _STATE["X"] = cxlab.customer_features(data)
    fixed = dict(n_personas=4, n_bootstrap=0)
    add(
        "persona fit, k=4",
        "PersonaModel latent_class",
        _fit("latent_class", None, **fixed),
        "target < 60 s at 1M",
    )
    add("persona fit, k=4", "PersonaModel kmeans (KMeans)", _fit("kmeans", TWENTY, **fixed))
    add(
        "persona fit, k=4",
        "PersonaModel kmeans (MiniBatchKMeans)",
        _fit("kmeans", TWENTY, minibatch_threshold=0, **fixed),
    )
    add("persona fit, k=4", "PersonaModel gmm (diag)", _fit("gmm", TWENTY, **fixed))
    add(
        "persona fit, k auto + stability",
        "PersonaModel() defaults",
        _fit("latent_class", None),
        "k=2..8 on a 20k subsample, 20 bootstrap fits on 2k",
    )
    _STATE.clear()
    return rows


if __name__ == "__main__":
    import sys

    import pandas as pd

    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    print(pd.DataFrame(run(scale)).to_string(index=False))
