"""The frame every teaching explorer shares: sliders, live numbers, a live figure, a static copy.

Not a public module. An explorer is a pure computation (inputs -> a small
table of numbers and a matplotlib figure) wired to ipywidgets sliders by
:class:`Explorer`:

- each slider change recomputes once and replaces the numbers (an HTML table)
  and the figure (a PNG in an ``Image`` widget, drawn with matplotlib's
  object-oriented API and the Agg canvas, so it shows whatever matplotlib
  backend the kernel runs with);
- the display bundle carries, next to the live widget, a static ``text/html``
  copy of the starting state (numbers, figure and a sentence saying the
  explorer is interactive in JupyterLab). JupyterLab, the classic notebook,
  VS Code and Voila show the widget; a report executed by papermill (no
  widget frontend, no widget state saved) shows the static copy instead of a
  broken widget placeholder.

Every label an explorer shows comes from :data:`MESSAGES` (one place to
translate).
"""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Callable, Mapping
from html import escape
from types import MappingProxyType

import pandas as pd

__all__ = [
    "MESSAGES",
    "message",
    "new_figure",
    "log_axis",
    "figure_png",
    "numbers_html",
    "slider",
    "Explorer",
]

#: Every label the explorers show, by key (English). Other languages: the catalog's
#: ``teaching.<key>`` messages (cxlab/i18n/messages).
MESSAGES = MappingProxyType(
    {
        "static_note": (
            "This explorer is interactive in JupyterLab: open the notebook there, run this cell "
            "and move the sliders. Below is its starting state."
        ),
        "updated": "updated in {ms:.0f} ms",
        "col_start": "starting point",
        "col_now": "now",
        "col_change": "change",
        "col_interval": "95% interval (starting point)",
        # journey explorer
        "journey_title": "Journey explorer: the buyer's journey as a Markov chain",
        "journey_intro": (
            "Each slider changes one step probability of the buyer's journey, P(from -> to), "
            "in percentage points; the rest of that stage's row shrinks or grows in proportion, "
            "so it still sums to one. The numbers are exact: the chance that a new lead ever "
            "buys follows from the step probabilities through the fundamental matrix "
            "N = (I - Q)^-1 (no simulation). Left: the share of leads who ever reach each "
            "stage, before (grey) and now (blue). Right: the journey graph now."
        ),
        "journey_slider": "{source} -> {target}",
        "p_purchase": "P(a new lead buys)",
        "buyers_per_1000": "buyers per 1,000 leads",
        "steps": "expected steps before the journey ends",
        "days": "expected days before the journey ends",
        "days_to_buy": "expected days to purchase (buyers)",
        "value": "value of the change for {n_leads:,} leads",
        "funnel_title": "share of new leads who ever reach each stage",
        "graph_title": "journey graph now",
        "journey_note_value": (
            "Value = extra buyers x lifetime value per buyer (ValueModel); new buyers are "
            "assumed to be worth as much as today's."
        ),
        # retention explorer
        "retention_title": "Retention explorer: what a lower churn risk is worth",
        "retention_intro": (
            "A retention programme (for example a loyalty club) multiplies the daily churn "
            "risk of the customers it reaches by the hazard ratio (0.6 = 40% less churn). "
            "Grey: today's Kaplan-Meier curve with its 95% band; blue: the projected curve, "
            "S_now(t) = (1 - reach) S(t) + reach S(t)^ratio. Lifetime value is today's "
            "spend per active customer times the chance of still being active (Ghosh-Lin)."
        ),
        "hazard_ratio": "hazard ratio",
        "reach": "share reached",
        "median": "median lifetime (days)",
        "retention_at": "still a customer after {h:g} days",
        "active_days": "active days in the first {h:g}",
        "clv": "lifetime value over {h:g} days (margin)",
        "retention_note": (
            "Projections are point estimates from today's curve; customers who join a club "
            "are often already more loyal, so an observed members' ratio overstates what the "
            "club causes."
        ),
        "survival_axis": "share still a customer",
        "days_axis": "days since the first purchase",
        # NPS explorer
        "nps_title": "NPS explorer: a score, its interval, and how many answers you need",
        "nps_intro": (
            "Set the shares of promoters (9-10) and detractors (0-6) and the number of answers; "
            "the rest are passives. NPS = % promoters - % detractors. The interval "
            "(adjusted Wald, 95%) says how far the true score of all customers may be from the "
            "survey's. Right: how the margin of error shrinks with more answers (with the "
            "square root of n), and how many answers each group needs to tell a change of "
            "the chosen size apart (80% power)."
        ),
        "promoters": "promoters %",
        "detractors": "detractors %",
        "answers": "answers",
        "difference": "change to detect",
        "nps": "NPS",
        "nps_interval": "95% interval",
        "margin": "margin of error (+/- points)",
        "needed": "answers per group to detect a {d:g}-point change",
        "margin_axis": "margin of error (NPS points)",
        "answers_axis": "answers",
        # sampling explorer
        "sampling_title": "Sampling explorer: how much data do you need?",
        "sampling_intro": (
            "Draw a study of n customers from a simulated population whose truth is known "
            "(dashed line). Each panel shows the estimate and its 95% interval for studies of "
            "growing size (the same customers plus more); the current n is in blue. The "
            "intervals narrow with the square root of n: four times the data, half the width. "
            "Change the draw to see another study of the same size."
        ),
        "n_customers": "customers",
        "draw": "draw",
        "conversion": "conversion rate (%)",
        "nps_purchasers": "NPS of purchasers",
        "retention": "retention after {h:g} days (%)",
        "truth": "truth",
        "estimate": "estimate",
        "width": "interval width",
        "covered": "interval covers the truth",
        # notes under the explorers
        "nps_note_method": "Adjusted-Wald interval (Rocks 2016): 3 pseudo-answers are added before the trinomial Wald interval; answers needed assume two independent groups with the same spread, 95% confidence and 80% power.",
        "nps_note_margin": "For a margin of +/-{margin:g} points on one score you need about {n:,} answers.",
        "journey_note_interval": "{confidence:.0%} interval of the value: {lower:,.0f} to {upper:,.0f}.",
        "retention_note_horizon": "the horizon ({h:g} days) is longer than the longest follow-up ({longest:.0f} days): retention there is unknown.",
        "sampling_note_draw": "Studies are drawn without replacement from {size:,} simulated customers; the truth is that population's hidden facts (every purchaser's true NPS and churn time), so about 19 intervals in 20 should cover it.",
        "sampling_note_metrics": "NPS uses the purchasers who answered (about half); retention uses the purchasers, censored at the end of the data (Kaplan-Meier).",
    }
)


def message(key: str, **kw) -> str:
    """The label ``key`` in the reader's language, formatted with ``kw``.

    English: :data:`MESSAGES`. Another language (:func:`cxlab.set_language`):
    the catalog's ``teaching.<key>`` message, numbers in the language's digits
    and names the catalog knows (stages) in the language.

    Parameters
    ----------
    key : str
        A key of :data:`MESSAGES`.
    **kw
        Values for the label's placeholders.
    """
    from cxlab.i18n._language import get_language

    code = get_language()
    if code == "en":
        return MESSAGES[key].format(**kw) if kw else MESSAGES[key]
    from cxlab.i18n._messages import t
    from cxlab.i18n._tables import reader_label

    kw = {k: reader_label(v, code) if isinstance(v, str) else v for k, v in kw.items()}
    return t(f"teaching.{key}", code, **kw)


def new_figure(width: float = 9.0, height: float = 3.6, ncols: int = 1):
    """A matplotlib Figure and its Axes on the Agg canvas (no pyplot, any backend)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))  # fixed margins: constrained layout costs ~0.3 s
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ncols)
    fig.subplots_adjust(left=0.13, right=0.98, bottom=0.14, top=0.9, wspace=0.3)
    return fig, axes


def log_axis(ax, ticks) -> None:
    """A log-scale x axis with a few labelled ticks and no minor ticks (drawn ~10x faster)."""
    from matplotlib.ticker import NullLocator

    ax.set_xscale("log")
    ax.set_xticks(list(ticks), [f"{t / 1000:g}k" if t >= 1000 else f"{t:g}" for t in ticks])
    ax.xaxis.set_minor_locator(NullLocator())


def figure_png(fig, dpi: int = 72) -> bytes:
    """PNG bytes of a figure."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _fmt(v) -> str:
    if isinstance(v, str):
        return v
    if v is None or pd.isna(v):
        return ""
    return f"{v:,.1f}" if abs(v) >= 10 else f"{v:,.3g}"


def _reader(text: str, code: str) -> str:
    """A label or cell of the explorer's numbers as a reader of ``code`` sees it."""
    if code == "en" or not text:
        return text
    from cxlab.i18n._messages import t
    from cxlab.i18n._tables import reader_label

    return reader_label(text.replace(t("interval.to", "en"), t("interval.to", code)), code)


def numbers_html(table: pd.DataFrame) -> str:
    """A small HTML table of the explorer's numbers (index = quantity).

    In a language other than English (:func:`cxlab.set_language`), labels
    the catalog knows are translated and numbers get the language's digits.

    Parameters
    ----------
    table : DataFrame
        One row per quantity, one column per state (e.g. start, now, change).
    """
    from cxlab.i18n._language import get_language

    code = get_language()

    def cell(text) -> str:
        return escape(_reader(str(text), code))

    head = "".join(f'<th style="padding:2px 12px">{cell(c)}</th>' for c in table.columns)
    rows = "".join(
        f'<tr><th style="text-align:left;padding:2px 12px 2px 0">{cell(i)}</th>'
        + "".join(
            f'<td style="text-align:right;padding:2px 12px">{cell(_fmt(v))}</td>' for v in row
        )
        + "</tr>"
        for i, row in zip(table.index, table.itertuples(index=False))
    )
    return (
        '<table class="cxlab-explorer-numbers" style="border-collapse:collapse">'
        f"<thead><tr><th></th>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )


def slider(label: str, value, lo, hi, step, *, width: str = "360px", live: bool = False, **kw):
    """A labelled slider (``IntSlider`` for int bounds, else ``FloatSlider``).

    ``live=False`` (``continuous_update=False``) recomputes once when the
    handle is released instead of at every pixel of a drag.
    """
    import ipywidgets as w

    ints = all(isinstance(v, int) for v in (value, lo, hi, step))
    cls = w.IntSlider if ints else w.FloatSlider
    return cls(
        value=value, min=lo, max=hi, step=step, description=label, continuous_update=live,
        style={"description_width": "initial"}, layout=w.Layout(width=width), **kw,
    )  # fmt: skip


def _widget_base():
    import ipywidgets

    return ipywidgets.VBox


class Explorer(_widget_base()):
    """Sliders, numbers and a figure kept in step with a pure computation.

    Parameters
    ----------
    title, intro : str
        Shown above the sliders: what the explorer is and how to read it.
    controls : mapping of str to widget
        Slider (or other value widget) per keyword of ``compute``.
    compute : callable
        ``compute(**values) -> (table, fig, notes)``: a DataFrame of numbers
        (index = quantity), a matplotlib Figure and a list of caveats.

    Attributes
    ----------
    table : DataFrame
        The numbers now.
    png : bytes
        The figure now.
    timings_ms, cpu_ms : list of float
        Milliseconds each update took (compute + drawing): wall clock and CPU
        time of the kernel process (the latter is what a busy machine does not inflate).
    """

    def __init__(self, *, title: str, intro: str, controls: Mapping, compute: Callable):
        import ipywidgets as w

        self.controls = dict(controls)
        self._compute = compute
        self.timings_ms: list = []
        self.cpu_ms: list = []
        self._head = w.HTML(f"<h4>{escape(title)}</h4><p>{escape(intro)}</p>")
        self.numbers = w.HTML()
        self.image = w.Image(format="png")
        self.notes = w.HTML()
        self.status = w.HTML()
        box = w.HBox(list(self.controls.values()), layout=w.Layout(flex_flow="row wrap"))
        super().__init__([self._head, box, self.numbers, self.image, self.notes, self.status])
        self.add_class("cxlab-explorer")
        self.update()
        self._static = self._static_html()
        for ctl in self.controls.values():
            ctl.observe(lambda _change: self.update(), names="value")

    def values(self) -> dict:
        """The controls' current values, by keyword."""
        return {k: c.value for k, c in self.controls.items()}

    def update(self) -> None:
        """Recompute from the controls and redraw (called on every slider change)."""
        from cxlab.i18n._figures import figure_style, localize_axes

        t0, c0 = time.perf_counter(), time.process_time()
        with figure_style():  # English: no change; Persian: its font and letter forms
            table, fig, notes = self._compute(**self.values())
            png = figure_png(localize_axes(fig))
        ms = 1000 * (time.perf_counter() - t0)
        self.cpu_ms.append(1000 * (time.process_time() - c0))
        self.table, self.png = table, png
        self.numbers.value = numbers_html(table)
        self.image.value = png
        self.notes.value = "".join(
            f"<small>[{i}] {escape(n)}</small><br>" for i, n in enumerate(notes, 1)
        )
        self.timings_ms.append(ms)
        self.status.value = f"<small>{escape(message('updated', ms=ms))}</small>"

    def _static_html(self) -> str:
        img = base64.b64encode(self.png).decode("ascii")
        return (
            f'<div class="cxlab-explorer-static">{self._head.value}'
            f"<p><em>{escape(message('static_note'))}</em></p>{self.numbers.value}"
            f'<img alt="{escape(message("static_note"))}" src="data:image/png;base64,{img}"/>'
            f"<div>{self.notes.value}</div></div>"
        )

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/html"] = self._static
        return bundle
