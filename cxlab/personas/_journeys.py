"""How each persona journeys: funnels, Markov chains and a test that they differ.

:func:`persona_journeys` puts three analyses of the journey modules side by
side, split by persona:

- the funnel (:func:`cxlab.funnel` with ``by=`` the personas): share of each
  persona reaching each stage, with intervals and times;
- one Markov chain per persona (:meth:`cxlab.MarkovChain.fit_groups`): the
  transition matrix with intervals, the probability of ending in a purchase
  and the expected steps and days on the way;
- the homogeneity test (:func:`cxlab.markov_homogeneity_test`): a likelihood
  ratio (G) test of whether all personas share one transition matrix, row by row.

Caveat on the test: the personas were found from the same customers' events.
The latent class model uses the channel of each event *given* its stage and
does not model the stage sequence, so the chain of stages is not a defining
feature; but personas are never independent of the journeys they were found
in. Read the p-value as descriptive and look at the size of the differences
(``max_abs_diff`` and the per-persona chains) before acting on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from cxlab._display import ReadableTable, p_text
from cxlab._plots import plot_doc
from cxlab._results import NotedResult
from cxlab.exceptions import DataError, ParameterError
from cxlab.i18n._messages import t

__all__ = ["persona_journeys", "PersonaJourneys"]

CAVEAT = (
    "Personas were found from these customers' events: the test is not independent "
    "of how they were built (the latent class model uses channels given the stage, "
    "not the order of stages). Read the p-value as descriptive; judge the size of the "
    "differences (max_abs_diff, per-persona chains)."
)


@dataclass
class PersonaJourneys(NotedResult):
    """Funnels, Markov chains and the homogeneity test by persona.

    Attributes
    ----------
    personas : Series
        Persona of every customer (index ``customer_id``).
    funnel : FunnelResult
        :func:`cxlab.funnel` split by persona.
    chains : MarkovChainGroups
        Persona -> fitted :class:`~cxlab.MarkovChain`.
    homogeneity : ChainResult
        :func:`cxlab.markov_homogeneity_test` across personas; ``.estimate`` is
        the overall p-value, ``.table`` the test per state.
    notes : list of str
    purchase_stage : str
        The catalog's purchase stage (the ``p_purchase`` of :meth:`summary`).
    """

    personas: pd.Series
    funnel: object
    chains: object
    homogeneity: object
    notes: list = field(default_factory=list)
    purchase_stage: str = "purchase"

    def summary(self) -> pd.DataFrame:
        """One row per persona: customers, P(purchase) from the start, expected steps
        and days to the end of the buyer's journey, each with its interval.
        """
        ab = self.chains.absorption()
        by = self.chains.by
        start = ab[ab["from"] == "(start)"]
        rows = {}
        for quantity, to, name in (
            ("absorption probability", self.purchase_stage, "p_purchase"),
            ("expected steps", None, "expected_steps"),
            ("expected days to absorption", None, "expected_days"),
        ):
            part = start[start["quantity"] == quantity]
            if to is not None:
                part = part[part["to"] == to]
            part = part.set_index(by)
            rows[name] = part["estimate"]
            rows[f"{name}_low"] = part["ci_low"]
            rows[f"{name}_high"] = part["ci_high"]
        out = pd.DataFrame(rows)
        out.insert(0, "n_customers", pd.Series(dict(self.chains.n_customers)))
        out.index.name = "persona"
        return out

    def test(self) -> pd.DataFrame:
        """The homogeneity test, one row per state and an ``(all)`` row."""
        return self.homogeneity.table.copy()

    @plot_doc
    def plot_funnels(self, ax=None, **kw):
        """Share of each persona reaching each step, with intervals.

        Parameters
        ----------
        %(ax)s
        %(kw)s
        """
        from cxlab.personas._plots import plot_persona_funnels

        table = self.funnel.summary().rename(columns={self.funnel_by: "persona"})
        table = table.rename(
            columns={
                "step": "stage",
                "conversion": "share",
                "conversion_ci_low": "share_low",
                "conversion_ci_high": "share_high",
            }
        )
        return plot_persona_funnels(table, ax=ax, **kw)

    @plot_doc
    def plot_chain(self, persona, ax=None, **kw):
        """Transition heatmap (with intervals) of one persona's chain.

        Parameters
        ----------
        persona : str
            The persona whose chain is drawn.
        %(ax)s
        %(kw)s
        """
        if persona not in self.chains:
            raise ParameterError(f"unknown persona {persona!r}; personas are {list(self.chains)}.")
        ax = self.chains[persona].plot_heatmap(ax=ax, **kw)
        from cxlab.i18n._tables import reader_label

        ax.set_title(t("figure.persona_chain.title", persona=reader_label(persona)))
        return ax

    @property
    def funnel_by(self) -> str:
        return self.personas.name or "persona"

    def _readable(self) -> ReadableTable:
        title = t(
            "title.persona_journeys",
            k=self.personas.nunique(),
            n=len(self.personas),
            p=p_text(self.homogeneity.estimate),
        )
        return ReadableTable(self.summary(), title=title, notes=self.notes)

    def __repr__(self) -> str:
        p = p_text(self.homogeneity.estimate)
        return (
            f"PersonaJourneys(personas={self.personas.nunique()}, customers={len(self.personas):,}, "
            f"homogeneity {p})"
        )


def persona_journeys(
    data,
    personas,
    *,
    steps=None,
    journey: str = "buyer",
    state: str = "stage",
    confidence: float = 0.95,
    random_state=None,
) -> PersonaJourneys:
    """Funnels, Markov chains and a homogeneity test, by persona.

    Parameters
    ----------
    data : CXData
        The study the personas describe.
    personas : PersonaModel or Series
        A fitted :class:`~cxlab.PersonaModel` (its customers' personas, by name)
        or a Series ``customer_id -> persona``.
    steps : list of str, optional
        Funnel steps; default the buyer's journey plus ``loyalty`` and
        ``advocacy`` when the catalog has them.
    journey : {"buyer", "all"}, default="buyer"
        Which journey the chains and the test use (see :class:`~cxlab.MarkovChain`).
    state : str, default="stage"
        Chain states (``"channel"`` for channel chains).
    confidence : float, default=0.95
    random_state : int or None
        For the intervals of chain-derived quantities.

    Returns
    -------
    PersonaJourneys

    Raises
    ------
    DataError
        Personas cover none of the customers in the events, or some customers
        with events have no persona.

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=1500, random_state=4)
    >>> pj = cxlab.persona_journeys(data, data.truth.persona)
    >>> bool(pj.homogeneity.estimate < 0.001)
    True
    """
    from cxlab.engines._study import require_memory
    from cxlab.journeys._funnel import funnel
    from cxlab.markov._chain import MarkovChain
    from cxlab.markov._tests import markov_homogeneity_test

    require_memory(data, "cxlab.persona_journeys")  # the homogeneity test needs memory
    labels = personas.assign() if hasattr(personas, "assign") else personas
    if not isinstance(labels, pd.Series):
        raise ParameterError(
            "personas must be a fitted PersonaModel or a Series customer_id -> persona."
        )
    labels = labels.rename(labels.name or "persona")
    ids = pd.unique(data.events["customer_id"])
    missing = ~pd.Index(ids).isin(labels.index)
    if missing.all():
        raise DataError(
            "no customer of the event log has a persona",
            column="customer_id",
            n_rows=int(missing.sum()),
            example_ids=list(ids[:5]),
            fix="pass personas indexed by customer_id (PersonaModel fitted on customer_features)",
        )
    if missing.any():
        raise DataError(
            "customers with events have no persona",
            column="customer_id",
            n_rows=int(missing.sum()),
            example_ids=list(np.asarray(ids)[missing][:5]),
            fix="assign them with model.assign(X) or filter the events to the customers with one",
        )
    cat = data.catalog
    if steps is None:
        steps = list(cat.buyer_stages) + [s for s in ("loyalty", "advocacy") if s in cat.stages]
    fun = funnel(data, steps, by=labels, confidence=confidence)
    chain = MarkovChain(
        journey=journey, state=state, catalog=cat, confidence=confidence, random_state=random_state
    )
    chains = chain.fit_groups(data, by=labels)
    test = markov_homogeneity_test(data, by=labels, chain=chain)
    caveat = t("note.personas.journeys")  # CAVEAT in the reader's language
    test.notes = [*test.notes, caveat]
    return PersonaJourneys(
        labels, fun, chains, test, notes=[caveat], purchase_stage=cat.purchase_stage
    )
