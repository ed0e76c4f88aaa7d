"""Who owns what: touchpoints and journey stages mapped to the teams that own them.

After CX-CONCEPTS "Who owns CX": the four Ps plus people. Product (product &
IT), price (sales, pricing and the loyalty club), promotion (marketing,
advertising, PR, CRM), place (retail stores, e-commerce) and people (customer
service, customer success, CX research). A value ranking that names the team
owning each improvement is easier to act on.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["touchpoint_owners", "stage_owner", "scenario_owner"]


# -- who owns what (CX-CONCEPTS "Who owns CX": the four Ps plus people) ----------------
_TEAMS = {
    "marketing": ("promotion", "marketing & advertising"),
    "pr": ("promotion", "PR & social media"),
    "crm": ("promotion", "CRM & loyalty marketing"),
    "ecommerce": ("place", "e-commerce & web"),
    "retail": ("place", "retail stores"),
    "product": ("product", "product & IT"),
    "sales": ("price", "sales"),
    "loyalty": ("price", "loyalty club & pricing"),
    "service": ("people", "customer service"),
    "success": ("people", "customer success & retention"),
    "research": ("people", "CX research"),
}
_TOUCHPOINT_TEAM = {
    "display_ad": "marketing",
    "social_post": "pr",
    "search_ad": "marketing",
    "marketing_email": "marketing",
    "organic_search": "marketing",
    "landing_page": "ecommerce",
    "product_email": "marketing",
    "social_comments": "pr",
    "showroom": "retail",
    "free_trial": "product",
    "live_chat": "service",
    "sales_call": "sales",
    "checkout": "ecommerce",
    "in_app_checkout": "product",
    "store_counter": "retail",
    "phone_order": "sales",
    "app_session": "product",
    "account_portal": "product",
    "support_call": "service",
    "support_chat": "service",
    "support_email": "service",
    "service_desk": "retail",
    "newsletter": "crm",
    "loyalty_club": "loyalty",
    "store_repeat": "retail",
    "web_repeat": "ecommerce",
    "upsell_offer": "sales",
    "social_share": "pr",
    "review": "pr",
    "cancellation": "success",
    "cancellation_call": "success",
    "post_purchase_survey": "research",
    "nps_survey": "research",
    "support_survey": "research",
}
_STAGE_TEAM = {
    "(start)": "marketing",
    "awareness": "marketing",
    "consideration": "marketing",
    "purchase": "ecommerce",
    "use": "product",
    "service": "service",
    "loyalty": "crm",
    "advocacy": "pr",
    "churn": "success",
}


def scenario_owner(scenario) -> str:
    """The team that owns a scenario: given, or from its stage or touchpoint."""
    if scenario.owner:
        return scenario.owner
    par = scenario.params
    if scenario.kind in ("transition", "row"):
        return stage_owner(par["source"])
    if scenario.kind == "experience":
        tp = par.get("touchpoint")
        if tp:
            first = tp if isinstance(tp, str) else list(tp)[0]
            return (
                _TEAMS[_TOUCHPOINT_TEAM[first]][1]
                if first in _TOUCHPOINT_TEAM
                else "cross-functional"
            )
        return stage_owner("purchase")
    who = par.get("who") or {}
    if who.get("contacted_support") is True:
        return stage_owner("service")
    return stage_owner("churn")


def stage_owner(stage: str) -> str:
    """The team that usually owns a stage (``"cross-functional"`` when unknown)."""
    key = _STAGE_TEAM.get(stage)
    return _TEAMS[key][1] if key else "cross-functional"


def touchpoint_owners() -> pd.DataFrame:
    """Which team owns each touchpoint of the default catalog.

    Returns
    -------
    DataFrame
        ``touchpoint``, ``stage``, ``channel`` (NA for surveys and upsells),
        ``p`` (product, price, promotion, place or people) and ``owner`` (team).

    Examples
    --------
    >>> import cxlab
    >>> t = cxlab.touchpoint_owners().set_index("touchpoint")
    >>> t.loc["store_counter", "owner"]
    'retail stores'
    """
    from cxlab.simulation._personas import TOUCHPOINTS

    where = {tp: (s, c) for (s, c), tp in TOUCHPOINTS.items()}
    where.update(
        {
            "upsell_offer": ("loyalty", None),
            "post_purchase_survey": ("purchase", None),
            "nps_survey": ("use", "email"),
            "support_survey": ("service", None),
        }
    )
    rows = []
    for tp, team in _TOUCHPOINT_TEAM.items():
        stage, channel = where.get(tp, (None, None))
        p, owner = _TEAMS[team]
        rows.append({"touchpoint": tp, "stage": stage, "channel": channel, "p": p, "owner": owner})
    return pd.DataFrame(rows)
