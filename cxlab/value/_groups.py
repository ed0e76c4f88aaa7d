"""Which groups a :class:`~cxlab.ValueModel` fits separately: one pooled journey or personas.

A what-if change applied to one pooled chain of a mixture of personas is not
the same change applied to every persona's own journey, and churn that differs
by persona, left out of the churn model, blurs the effects of CSAT and of a
churn reduction. On the demo study (four personas) the pooled model's 90%
intervals of the what-if effects missed the true effect in 10 checks out of 10.
``groups="auto"`` therefore finds personas (:class:`cxlab.PersonaModel` on
:func:`cxlab.customer_features`), tests whether one buyer's-journey chain fits
them all (:func:`cxlab.markov_homogeneity_test`) and models them separately
when the test rejects one chain.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cxlab._display import p_text

__all__ = ["GroupChoice", "HOMOGENEITY_ALPHA", "choose_groups"]

#: One pooled chain is rejected when the homogeneity test's p-value is below this.
HOMOGENEITY_ALPHA = 0.01


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
        p-value of "one chain fits every persona" (``groups="auto"``/``"personas"``).
    note : str
        The choice in one sentence, for the model's notes.
    """

    groups: object
    how: str
    homogeneity_p: float | None = None
    note: str = ""


def choose_groups(data, groups, *, random_state=None) -> GroupChoice:
    """Resolve ``groups`` of :meth:`cxlab.ValueModel.fit`.

    Parameters
    ----------
    data : CXData
    groups : None, str or Series
        ``"auto"``: personas when one pooled chain is rejected
        (p < ``HOMOGENEITY_ALPHA``), else pooled; ``"personas"``: personas
        always; a customers column or a Series of labels: as given; None: pooled.
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
    from cxlab.personas._features import customer_features
    from cxlab.personas._model import PersonaModel

    model = PersonaModel(n_bootstrap=0, random_state=random_state)
    labels = model.fit(customer_features(data)).assign()
    labels = pd.Series(labels.astype(str).to_numpy(), index=labels.index, name="persona")
    p = float(markov_homogeneity_test(data, by=labels, journey="buyer").estimate)
    found = f"{labels.nunique()} personas found by clustering (cxlab.PersonaModel)"
    if groups == "personas" or p < HOMOGENEITY_ALPHA:
        note = (
            f"fitted by persona: {found}; one pooled buyer's-journey chain for all of them is "
            f"rejected (homogeneity test {p_text(p)}), and a change to a pooled chain is not "
            "the same change in every persona's journey."
        )
        return GroupChoice(groups=labels, how="personas", homogeneity_p=p, note=note)
    note = (
        f"one pooled model: {found}, but one buyer's-journey chain fits them all "
        f"(homogeneity test {p_text(p)})."
    )
    return GroupChoice(groups=None, how="pooled", homogeneity_p=p, note=note)
