"""Which groups a :class:`~cxlab.ValueModel` fits separately: one pooled journey or personas.

A what-if change applied to one pooled chain of a mixture of personas is not
the same change applied to every persona's own journey, and churn that differs
by persona, left out of the churn model, blurs the effects of CSAT and of a
churn reduction. On the demo study (four personas) the pooled model's 90%
intervals of the what-if effects missed the true effect in 10 checks out of 10.
``groups="auto"`` therefore looks for personas and models them separately when
one buyer's-journey chain does not fit them all.

Personas are found from habits, never from what the journey produced: which
channels a customer uses *within* each stage (the ``n_<stage>__<channel>``
counts, modelled by :class:`cxlab.PersonaModel`'s latent class model as a
multinomial per stage given the number of events there, so how many events a
stage had, and whether it was reached, adds nothing) and their customer
attributes (``segment``). Purchases, revenue, tenure, feedback and the stages
reached are not features: they are outcomes of the chain being modelled.

The number of personas is chosen by the persona model's criteria *including
one*. Forced to find at least two, the clustering split the customers of a
study with one true persona into buyers and browsers (buyers' many
owner's-journey events make them easy to classify, browsers fall to the larger
class); their chains then differed by construction, the homogeneity test
rejected one chain and the by-cluster value of a transition what-if came out
8% below the pooled one. With one persona allowed, 10 of 10 such studies pool
(``benchmarks/value_coverage_mixed.py 0 9 60 one``). When several personas fit
better, :func:`cxlab.markov_homogeneity_test` decides (p < :data:`HOMOGENEITY_ALPHA`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cxlab._display import p_text
from cxlab.i18n._messages import t as _t

__all__ = ["GroupChoice", "HOMOGENEITY_ALPHA", "choose_groups", "habit_features"]

#: One pooled chain is rejected when the homogeneity test's p-value is below this.
HOMOGENEITY_ALPHA = 0.01
#: Numbers of personas compared by ``"auto"`` (1 = no personas: pooled) and ``"personas"``.
K_RANGE = {"auto": (1, 8), "personas": (2, 8)}


@dataclass
class GroupChoice:
    """The grouping a value model was fitted with, and why.

    Attributes
    ----------
    groups : str, Series or None
        What ``fit`` used (a customers column, persona labels by customer_id, or None).
    how : str
        ``"as given"``, ``"personas"`` or ``"pooled"``.
    homogeneity_p : float or None
        p-value of "one chain fits every persona" (``groups="auto"``/``"personas"``;
        None when one persona was found and nothing was tested).
    note : str
        The choice in one sentence, for the model's notes.
    n_personas : int or None
        Personas the clustering found (``groups="auto"``/``"personas"``).
    """

    groups: object
    how: str
    homogeneity_p: float | None = None
    note: str = ""
    n_personas: int | None = None


def habit_features(data) -> pd.DataFrame:
    """The features ``groups="auto"`` clusters on: habits, not journey outcomes.

    Parameters
    ----------
    data : CXData

    Returns
    -------
    DataFrame
        One row per customer with events: the events of each stage by channel
        (``n_<stage>__<channel>``) and the customer attribute indicators
        (``segment_*``) of :func:`cxlab.customer_features`.
    """
    from cxlab.personas._features import customer_features

    return customer_features(data, features=["channel_counts", "attributes"])


def choose_groups(data, groups, *, random_state=None) -> GroupChoice:
    """Resolve ``groups`` of :meth:`cxlab.ValueModel.fit`.

    Parameters
    ----------
    data : CXData
    groups : None, str or Series
        ``"auto"``: personas from :func:`habit_features`, their number chosen
        among 1..8 (one: pooled); several are fitted separately when one
        pooled chain is rejected (p < ``HOMOGENEITY_ALPHA``), else pooled.
        ``"personas"``: 2..8 personas, always fitted separately. A customers
        column or a Series of labels: as given; None: pooled.
    random_state : int, Generator or None
        For the persona model.

    Returns
    -------
    GroupChoice
    """
    if not (isinstance(groups, str) and groups in ("auto", "personas")):
        how = "pooled" if groups is None else "as given"
        return GroupChoice(groups=groups, how=how)
    from cxlab.markov._tests import markov_homogeneity_test
    from cxlab.personas._model import PersonaModel

    X = habit_features(data)
    model = PersonaModel(n_bootstrap=0, k_range=K_RANGE[groups], random_state=random_state)
    labels = model.fit(X).assign()
    labels = pd.Series(labels.astype(str).to_numpy(), index=labels.index, name="persona")
    k = int(labels.nunique())
    habits = _t("note.value.habits")
    if k == 1:
        low, high = K_RANGE[groups]
        note = _t("note.value.one_persona", habits=habits, low=low, high=high)
        return GroupChoice(groups=None, how="pooled", note=note, n_personas=1)
    p = float(markov_homogeneity_test(data, by=labels, journey="buyer").estimate)
    found = _t("note.value.found", k=k, habits=habits)
    if groups == "personas" or p < HOMOGENEITY_ALPHA:
        note = _t("note.value.by_persona", found=found, p=p_text(p))
        return GroupChoice(groups=labels, how="personas", homogeneity_p=p, note=note, n_personas=k)
    note = _t("note.value.pooled_fits", found=found, p=p_text(p))
    return GroupChoice(groups=None, how="pooled", homogeneity_p=p, note=note, n_personas=k)
