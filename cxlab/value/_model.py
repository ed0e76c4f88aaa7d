"""What-if analysis: what a journey improvement is worth, with intervals.

:class:`ValueModel` fits three pieces of a study and keeps their uncertainty:

1. the **buyer's journey** as a first-order absorbing Markov chain
   (``(start)`` -> awareness/consideration ... -> purchase or drop-off), with a
   customer-level bootstrap of the transition matrix;
2. the **owner's journey**: churn after onboarding as a proportional-hazards
   model with a constant (or piecewise-constant) baseline hazard, fitted as a
   Poisson GLM (statsmodels), with parametric draws from its covariance; a
   Poisson model of support contacts on CSAT; and, when an experience change
   is asked about, the NPS ordinal logit (:class:`cxlab.NPSDrivers`);
3. **spend**: first-order value and repeat revenue per active day
   (bootstrapped over purchasers).

With ``groups`` (e.g. segments or personas) the chain, first-order value and
spend are fitted per group, group indicators enter the churn, support and NPS
models, and totals mix the groups by their share of leads and purchasers.

:meth:`ValueModel.what_if` applies a :class:`Scenario` to every replicate and
reports conversion, retention, lifetime value, revenue and total value
before and after, with percentile intervals of the change. Conversions change
by exact absorbing-chain algebra (the fundamental matrix), lifetimes by the
closed-form integral of the survival curve (:mod:`cxlab.value`); nothing
is simulated. :meth:`ValueModel.rank` ranks scenarios by the value they create.
Every scenario uses the same replicates, so scenarios are compared on common
random numbers.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from cxlab._deprecation import renamed_parameter
from cxlab._estimator import Estimator
from cxlab.engines._study import require_memory
from cxlab.exceptions import DataWarning, NotFittedError, ParameterError
from cxlab.i18n._messages import t as _t
from cxlab.value._chain import conversion, fit_chain, open_journeys
from cxlab.value._engine import (
    baseline_nps,
    evaluate,
    group_labels,
    matrix_frame,
)
from cxlab.value._groups import choose_groups
from cxlab.value._owner import fit_hazard, fit_support, owner_table, spend_rates
from cxlab.value._results import (
    Scenario,
    ValueRanking,
    WhatIfResult,
    interval_table,
)
from cxlab.value._state import FittedState
from cxlab.value._teams import scenario_owner, touchpoint_owners

__all__ = ["ValueModel", "Scenario", "WhatIfResult", "ValueRanking", "touchpoint_owners"]

_CHURN_COVARIATES = ("loyalty_member", "support_contacts", "csat")


class ValueModel(Estimator):
    """Fit the journey's economics once, then ask what improvements are worth.

    Parameters
    ----------
    margin : float, default=1.0
        Share of revenue that is value (1.0 = value in revenue terms; e.g. 0.3
        for a 30% gross margin).
    discount_rate : float, default=0.10
        Yearly discount rate of future value (continuous: ``log(1 + r) / 365`` per day).
    horizon_days : float, default=730
        Days after a purchase over which retention and value are counted. Beyond
        the longest follow-up in the data the last baseline hazard is extrapolated.
    onboarding_days : float, default=28
        Window after the first purchase in which CSAT and support contacts are
        measured; churn is modelled from its end.
    n_leads : int, optional
        Size of the cohort of new leads that totals (purchasers, revenue, value)
        refer to. Default: the customers with a buyer's journey in the data.
    churn_covariates : sequence of str, default=("loyalty_member", "support_contacts", "csat")
        Columns of :func:`cxlab.survival_table` in the churn model (those present are used).
    churn_breakpoints : sequence of float, default=()
        Days after onboarding where the baseline hazard may change (piecewise
        constant); empty = one constant hazard.
    spend_by : str or None, default="loyalty_member"
        Purchaser column the repeat-revenue rate depends on (within each group).
        The default on a study without that column: one rate per group (noted).
    n_bootstrap : int, default=200
        Bootstrap replicates / parametric draws behind every interval.
        ``n_boot=`` is a deprecated alias.
    confidence : float, default=0.90
        Level of the percentile intervals.
    observation_end : str or Timestamp, optional
        End of observation (default: the last event).
    random_state : int, Generator or None, default=None

    Attributes
    ----------
    transition_matrix_ : DataFrame
        Fitted buyer's-journey chain (rows from, columns to); with groups, a
        MultiIndex (group, from).
    conversion_ : float
        P(purchase) of a new lead.
    hazard_ : DataFrame
        Churn model terms: ``coef``, ``se``, ``hazard_ratio``, ``lower``, ``upper``
        (``log_baseline`` is the log churn hazard per day at all covariates 0).
    spend_ : DataFrame
        First-order value and repeat revenue per active day, with intervals.
    owners_ : DataFrame
        The purchasers the owner's-journey averages run over (one row each).
    baseline_ : DataFrame
        Every metric of today's journey with its interval.
    groups_ : list
        Group labels (``["all"]`` without groups).
    grouping_ : GroupChoice
        How the groups were chosen (``how``: ``"pooled"``, ``"as given"`` or
        ``"personas"``; with ``groups="auto"`` also ``n_personas`` and, when
        more than one was found, ``homogeneity_p``).
    n_leads_ : int
    state_ : FittedState
        Everything the scenarios are evaluated from (the fitted chain, churn,
        support and spend pieces and their replicates), built by ``fit``.
    notes_ : list of str
        Caveats.

    Examples
    --------
    >>> import cxlab
    >>> data = cxlab.simulate(n_customers=2000, random_state=1)
    >>> vm = cxlab.ValueModel(n_bootstrap=50, random_state=0).fit(data)
    >>> res = vm.what_if(cxlab.Scenario.transition("consideration", "purchase", add=0.05))
    >>> bool(res.summary().loc["conversion_rate", "change"] > 0)
    True
    """

    @renamed_parameter("n_boot", "n_bootstrap")
    def __init__(
        self,
        *,
        margin: float = 1.0,
        discount_rate: float = 0.10,
        horizon_days: float = 730.0,
        onboarding_days: float = 28.0,
        n_leads: int | None = None,
        churn_covariates=_CHURN_COVARIATES,
        churn_breakpoints=(),
        spend_by: str | None = "loyalty_member",
        n_bootstrap: int = 200,
        confidence: float = 0.90,
        observation_end=None,
        random_state=None,
    ):
        self.margin = margin
        self.discount_rate = discount_rate
        self.horizon_days = horizon_days
        self.onboarding_days = onboarding_days
        self.n_leads = n_leads
        self.churn_covariates = churn_covariates
        self.churn_breakpoints = churn_breakpoints
        self.spend_by = spend_by
        self.n_bootstrap = n_bootstrap
        self.confidence = confidence
        self.observation_end = observation_end
        self.random_state = random_state

    @property
    def n_boot(self) -> int:
        """``n_bootstrap`` under its former name (kept for one release)."""
        return self.n_bootstrap

    def __repr__(self) -> str:
        from cxlab.i18n._language import get_language

        if get_language() != "en":  # a sentence in the reader's language
            from cxlab.i18n._summaries import reader_summary

            return reader_summary(self)
        if not hasattr(self, "conversion_"):
            return "ValueModel(unfitted)"
        return (
            f"ValueModel(leads={self.n_leads_:,}, purchasers={len(self.owners_):,}, "
            f"groups={len(self.groups_)}, conversion={self.conversion_:.3f}, n_boot={self.n_boot})"
        )

    # -- fitting ------------------------------------------------------------------
    def _check_params(self) -> None:
        checks = [
            (self.margin > 0, f"margin={self.margin} must be > 0"),
            (self.discount_rate >= 0, f"discount_rate={self.discount_rate} must be >= 0"),
            (self.horizon_days > 0, f"horizon_days={self.horizon_days} must be > 0"),
            (self.onboarding_days >= 0, f"onboarding_days={self.onboarding_days} must be >= 0"),
            (int(self.n_bootstrap) >= 20, f"n_bootstrap={self.n_bootstrap} must be at least 20"),
            (0 < self.confidence < 1, f"confidence={self.confidence} must be in (0, 1)"),
            (self.n_leads is None or self.n_leads > 0, f"n_leads={self.n_leads} must be > 0"),
        ]
        for ok, msg in checks:
            if not ok:
                raise ParameterError(msg + ".")

    def fit(self, data, *, groups=None) -> ValueModel:
        """Fit the chain, the churn and support models and spend; draw the replicates.

        Parameters
        ----------
        data : CXData
            Events, customers and feedback (``cxlab.load`` / ``cxlab.simulate``).
        groups : str or Series, optional
            A column of ``data.customers`` (e.g. ``"segment"``) or a Series of
            labels indexed by ``customer_id`` (e.g. personas from clustering).
            ``"auto"``: find personas (:class:`cxlab.PersonaModel`) from
            channel habits before the purchase and customer attributes, never
            from journey outcomes, comparing 1 to 8 personas; several are fitted
            separately when the homogeneity test rejects one pooled
            buyer's-journey chain (p < 0.01), else (or with one persona) the
            model pools; ``"personas"``: always by 2 to 8 personas. See
            :mod:`cxlab.value._groups`; the choice is in ``grouping_`` and the notes.

        Returns
        -------
        ValueModel
            self.

        Raises
        ------
        ParameterError
            Invalid settings or an unknown ``groups`` column.
        DataError
            No buyer's-journey events, customers without a group, no purchaser
            with a complete onboarding window, or no churn after onboarding.
        ConvergenceError
            The churn or support model cannot be fitted (constant or separating covariate).
        """
        require_memory(data, "cxlab.ValueModel.fit")
        self._check_params()
        rng = np.random.default_rng(self.random_state)
        n_boot = int(self.n_boot)
        notes = []
        end = None if self.observation_end is None else pd.Timestamp(self.observation_end)
        self.grouping_ = choose_groups(data, groups, random_state=self.random_state)
        groups = self.grouping_.groups
        if self.grouping_.note:
            notes.append(self.grouping_.note)
        label_of = group_labels(data, groups)
        # buyer's journey (per group)
        labels = None
        if groups is not None:
            ids = pd.unique(data.events["customer_id"])
            labels = pd.Series(label_of(ids, "events"), index=ids)
        chain = fit_chain(data, labels, n_boot=n_boot, random_state=rng)
        self.groups_ = chain.groups
        self.transition_matrix_ = matrix_frame(chain)
        conv0 = conversion(chain.p[0], chain.n_transient)
        self.conversion_ = float(np.sum(chain.lead_share * conv0))
        self.n_leads_ = int(self.n_leads) if self.n_leads is not None else chain.n_customers
        n_open = open_journeys(data)
        if n_open:
            notes.append(_t("note.value.open_journeys", n=n_open))
        # owner's journey
        table = owner_table(data, onboarding_days=float(self.onboarding_days), end=end)
        table["group"] = label_of(table.index.to_numpy(), "customers")
        dummies = []
        for g in self.groups_[1:]:
            name = f"group[{g}]"
            table[name] = (table["group"] == g).astype(float)
            dummies.append(name)
        empty = [c for c in self.churn_covariates if c in table.columns and table[c].isna().all()]
        if empty:
            warnings.warn(
                f"churn covariates {empty} have no values at all (e.g. no CSAT answers) and are "
                "left out of the churn model.",
                DataWarning,
                stacklevel=2,
            )
            notes.append(_t("note.value.empty_covariates", names=empty))
        covs = [c for c in self.churn_covariates if c in table.columns and c not in empty]
        covs += dummies
        table = self._drop_incomplete(table, covs, notes)
        self.owners_ = table
        gidx = pd.Categorical(table["group"], categories=self.groups_).codes.astype(np.int64)
        spend_key = [table["group"].astype(str)]
        spend_by = self.spend_by
        if self.spend_by == "loyalty_member" and self.spend_by not in table.columns:
            notes.append(_t("note.value.no_loyalty"))
            spend_by = None  # the default, on a study without a loyalty club
        if spend_by is not None:
            if self.spend_by not in table.columns:
                raise ParameterError(
                    f"spend_by={self.spend_by!r} is not a purchaser column; use None or one of "
                    f"{sorted(table.columns)}"
                )
            spend_key.append(table[self.spend_by].astype(str))
        key, key_labels = pd.factorize(pd.Series(list(zip(*spend_key))))
        hazard = fit_hazard(table, covs, self.churn_breakpoints)
        theta = hazard.draws(n_boot, rng)
        support = fit_support(table, dummies) if "csat" in covs else None
        gamma = None if support is None else support.draws(n_boot, rng)
        seeds = rng.integers(0, 2**63 - 1, size=n_boot)
        nps_seed = int(rng.integers(0, 2**63 - 1))
        cols = ("first_revenue", "revenue_after_start", "tenure_days", "churned_in_onboarding")
        spend_cols = {c: table[c].to_numpy(float) for c in cols}
        self.state_ = FittedState(
            margin=self.margin,
            discount_rate=self.discount_rate,
            horizon_days=self.horizon_days,
            onboarding_days=self.onboarding_days,
            n_leads=self.n_leads_,
            n_boot=n_boot,
            chain=chain,
            lead_share=np.broadcast_to(chain.lead_share, chain.p.shape[:2]),
            groups=list(self.groups_),
            owners=table,
            covariates=tuple(covs),
            dummies=tuple(dummies),
            X=table[covs].to_numpy(float),
            D=table[dummies].to_numpy(float),
            group_code=gidx,
            spend_key=key,
            spend_key_labels=key_labels,
            spend_by=spend_by,
            hazard=hazard,
            theta=theta,
            support=support,
            gamma=gamma,
            spend=tuple(_spend_at(spend_cols, gidx, key, seeds, b) for b in range(n_boot + 1)),
            csat_scale=tuple(data.catalog.metrics.get("csat", (1, 5))),
            nps_seed=nps_seed,
        )
        self.notes_ = notes + self._caveats(table)
        self._cache = {}
        self._before = evaluate(self.state_, None)
        self.baseline_ = interval_table(self._before, self.confidence)
        self.hazard_ = hazard.frame(self.confidence)
        self.spend_ = self._spend_frame()
        return self

    def _drop_incomplete(self, table, covs, notes):
        missing = table[covs].isna().any(axis=1).to_numpy()
        if missing.any():
            warnings.warn(
                f"{int(missing.sum()):,} purchasers lack a churn covariate ({covs}) and are left "
                f"out of the owner's-journey part (e.g. customer_id "
                f"{table.index[missing][:5].tolist()}).",
                DataWarning,
                stacklevel=3,
            )
            notes.append(_t("note.value.incomplete", n=int(missing.sum())))
            table = table[~missing]
        if table.attrs.get("n_incomplete_onboarding"):
            notes.append(
                _t(
                    "note.value.incomplete_onboarding",
                    n=table.attrs["n_incomplete_onboarding"],
                    days=self.onboarding_days,
                )
            )
        return table

    def _caveats(self, table) -> list:
        notes = []
        n_onb = int(table["churned_in_onboarding"].sum())
        if n_onb:
            notes.append(_t("note.value.onboarding_churn", n=n_onb))
        last = float(table["tenure_days"].max())
        if self.horizon_days > last:
            notes.append(_t("note.value.horizon", horizon=self.horizon_days, longest=last))
        if len(self.groups_) == 1:
            notes.append(_t("note.value.pooled_chain"))
        notes.append(_t("note.value.new_purchasers"))
        return notes

    # -- evaluation ---------------------------------------------------------------
    def _check_fitted(self, method: str) -> None:
        if not hasattr(self, "_before"):
            raise NotFittedError(f"ValueModel is not fitted yet; call fit(data) before {method}().")

    # -- public API ---------------------------------------------------------------
    def what_if(self, scenario: Scenario) -> WhatIfResult:
        """Effect of one :class:`Scenario` on conversion, retention, CLV, revenue and value.

        Parameters
        ----------
        scenario : Scenario

        Returns
        -------
        WhatIfResult
            ``.summary()``: one row per metric (before, after, change and
            intervals); ``.plot()``: relative changes with intervals.

        Raises
        ------
        NotFittedError
            Before :meth:`fit`.
        UnknownCategoryError
            A transition names a stage the chain does not have.
        ParameterError
            A change that takes a probability outside [0, 1], a row that does
            not sum to one, a target that matches no purchaser.
        """
        self._check_fitted("what_if")
        if not isinstance(scenario, Scenario):
            raise ParameterError(
                f"what_if needs a cxlab.Scenario, not {type(scenario).__name__}; e.g. "
                "Scenario.transition('consideration', 'purchase', add=0.05)."
            )
        if scenario.kind == "experience" and "csat" not in self.state_.covariates:
            raise ParameterError(
                f"scenario {scenario.name!r} changes CSAT, but the churn model has no CSAT "
                "(no post-purchase CSAT answers, or 'csat' left out of churn_covariates)."
            )
        key = (scenario.kind, repr(sorted(scenario.params.items())))
        if key not in self._cache:  # the same change under another name is not recomputed
            self._cache[key] = evaluate(self.state_, scenario)
            if scenario.kind == "experience" and np.isnan(self._before["nps"][0]):
                self._baseline_nps()
        after = self._cache[key]
        notes = list(self.notes_)
        if after["_clipped"]:
            total = self.n_boot * len(self.groups_)
            notes.append(_t("note.value.clipped", clipped=after["_clipped"], total=total))
        if scenario.kind == "experience":
            notes.append(_t("note.value.experience"))
            notes.append(self._shared_csat_note())
        return WhatIfResult(
            scenario=scenario,
            before=self._before,
            after=after,
            confidence=float(self.confidence),
            owner=scenario_owner(scenario),
            notes=notes,
            settings={
                "margin": self.margin,
                "discount_rate": self.discount_rate,
                "horizon_days": self.horizon_days,
                "n_leads": self.n_leads_,
                "n_boot": self.n_boot,
            },
        )

    def _shared_csat_note(self) -> str:
        """Why the experience results of one study are right or wrong together."""
        row = self.hazard_.loc["csat"]
        return _t(
            "note.value.shared_csat",
            coef=row["coef"],
            level=100 * self.confidence,
            lower=np.log(row["lower"]),
            upper=np.log(row["upper"]),
        )

    def rank(self, scenarios) -> ValueRanking:
        """Rank scenarios by the value they create (with intervals and P(best)).

        Parameters
        ----------
        scenarios : list of Scenario
            Each with a unique name.

        Returns
        -------
        ValueRanking
            ``.summary()`` is the ranking table; ``.plot()`` the value created.
        """
        self._check_fitted("rank")
        scenarios = list(scenarios)
        if not scenarios:
            raise ParameterError("rank needs at least one Scenario.")
        names = [getattr(s, "name", None) for s in scenarios]
        if len(set(names)) != len(names):
            raise ParameterError(f"scenario names repeat ({names}); give each a unique name=.")
        return ValueRanking([self.what_if(s) for s in scenarios], confidence=float(self.confidence))

    def _baseline_nps(self) -> None:
        """Today's NPS, once the NPS model is fitted (by the first experience scenario)."""
        nps = baseline_nps(self.state_, self._before["_conv_by_group"])
        if nps is not None:
            self._before["nps"] = nps
            self.baseline_ = interval_table(self._before, self.confidence)

    def _spend_frame(self) -> pd.DataFrame:
        state = self.state_
        rows = {}
        for j, g in enumerate(self.groups_):
            label = "first_order_value" + ("" if len(self.groups_) == 1 else f"[{g}]")
            rows[label] = np.array([s["first"][j] for s in state.spend])
        for j, key in enumerate(state.spend_key_labels):
            parts = [] if len(self.groups_) == 1 else [f"group={key[0]}"]
            if state.spend_by is not None:
                parts.append(f"{state.spend_by}={key[-1]}")
            label = "repeat_revenue_per_day" + (f"[{', '.join(parts)}]" if parts else "")
            rows[label] = np.array([s["rate_k"][j] for s in state.spend])
        return interval_table(rows, self.confidence, index_name="quantity")


def _spend_at(cols: dict, group: np.ndarray, key: np.ndarray, seeds: np.ndarray, b: int) -> dict:
    """Spend of replicate ``b`` (0: every purchaser once; else a bootstrap resample)."""
    n = len(group)
    if b == 0:
        w = np.ones(n)
    else:
        r = np.random.default_rng(int(seeds[b - 1]))
        w = np.bincount(r.integers(0, n, size=n), minlength=n).astype(float)
    first, rate = spend_rates(cols, group, key, w)
    p_onb = float(np.sum(w * cols["churned_in_onboarding"]) / w.sum())
    if w.max() <= 255:  # bootstrap counts fit in a byte: 1/8 of the memory per replicate
        w = w.astype(np.uint8)
    return {"w": w, "first": first, "rate_k": rate, "p_onb": p_onb}
