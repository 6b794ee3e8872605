"""Code lists of the coordination registry: themes (the 4 Ps), target groups, IATI roles and statuses."""

from __future__ import annotations

# The four Ps and their sub-themes (sub-theme keys are unique across Ps).
THEMES: dict[str, dict[str, str]] = {
    "prevention": {
        "awareness": "Awareness raising and information campaigns",
        "demand_reduction": "Reducing demand for exploitative labour and services",
        "safe_migration": "Safe and regular migration pathways",
        "supply_chains": "Due diligence in supply chains",
    },
    "protection": {
        "victim_identification": "Identification of victims",
        "victim_assistance": "Shelter, health, legal and psychosocial assistance",
        "return_reintegration": "Return and reintegration",
        "child_protection": "Protection of child victims and unaccompanied minors",
        "search_rescue": "Search and rescue at sea and in the desert",
    },
    "prosecution": {
        "legislation": "Legislation and its alignment with the Palermo Protocols",
        "law_enforcement_training": "Training of police, prosecutors and judges",
        "coastguard_training": "Training of coastguards and border guards",
        "financial_investigation": "Financial investigations and asset recovery",
        "judicial_cooperation": "Judicial cooperation and joint investigation teams",
    },
    "partnership": {
        "coordination": "National coordination and referral mechanisms",
        "data_collection": "Data collection and research",
        "cross_border_cooperation": "Cross-border and regional cooperation",
    },
}
SUBTHEME_PARENT = {sub: p for p, subs in THEMES.items() for sub in subs}

TARGET_GROUPS: dict[str, str] = {
    "women": "Women and girls",
    "children": "Children",
    "unaccompanied_minors": "Unaccompanied and separated minors",
    "migrants_in_detention": "Migrants in detention",
    "migrants_in_transit": "Migrants in transit",
    "labour_migrants": "Labour migrants",
    "victims": "Victims of trafficking",
    "coastguards": "Coastguards and border guards",
    "police": "Police",
    "prosecutors_judges": "Prosecutors and judges",
    "general_public": "General public",
    "private_sector": "Private sector",
}

# IATI participating-org roles and activity statuses (codes as the IATI standard numbers them).
IATI_ROLES = {1: "funding", 2: "accountable", 3: "extending", 4: "implementing"}
ROLE_CODES = {v: k for k, v in IATI_ROLES.items()}
STATUSES = ("planned", "active", "completed", "cancelled", "suspended")
IATI_STATUS = {1: "planned", 2: "active", 3: "completed", 4: "completed", 5: "cancelled", 6: "suspended"}
STATUS_IATI = {"planned": 1, "active": 2, "completed": 4, "cancelled": 5, "suspended": 6}
SHARING_LEVELS = ("network", "sending_state", "restricted")


def themes_hint() -> str:
    """What a theme may be, in words every face can show (the web has no page of themes to point to)."""
    return ("use a P (" + ", ".join(THEMES) + ") or a sub-theme (" + ", ".join(SUBTHEME_PARENT) + "), "
            "as a key or its label")


def theme_key(value: str) -> str | None:
    """A P or a sub-theme key, from a key or a label (case-insensitive); None if unknown."""
    text = value.strip().lower().replace(" ", "_").replace("-", "_")
    if text in THEMES or text in SUBTHEME_PARENT:
        return text
    for subs in THEMES.values():
        for key, label in subs.items():
            if label.lower() == value.strip().lower():
                return key
    return None


def top_theme(key: str) -> str:
    """The P a theme belongs to."""
    return key if key in THEMES else SUBTHEME_PARENT[key]


def theme_label(key: str) -> str:
    """A theme's name as people say it: 'Return and reintegration', 'Protection'."""
    return key.capitalize() if key in THEMES else THEMES[SUBTHEME_PARENT[key]][key]


def target_group_key(value: str) -> str | None:
    """A target group key from a key or a label (case-insensitive); None if unknown."""
    text = value.strip().lower()
    if text.replace(" ", "_") in TARGET_GROUPS:
        return text.replace(" ", "_")
    return next((k for k, label in TARGET_GROUPS.items() if label.lower() == text), None)
