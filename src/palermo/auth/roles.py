"""Roles and the principal (who is acting) that every core function receives."""

from __future__ import annotations

from dataclasses import dataclass, field

from palermo.errors import PermissionDenied, Problem, ValidationError
from palermo.messages import N_, either

ROLES: dict[str, str] = {
    "admin": "manages the organisation's users and settings",
    "analyst": "reads and analyses the organisation's data and public data",
    "data_owner": "decides on releasing the organisation's personal data",
    "officer": "front-line work: screenings, hit/no-hit queries, requests",
    "viewer": "reads public outputs and the organisation's non-personal data",
}

# Their labels are N_ messages: pages say them in the reader's language.
ORG_TYPES: dict[str, str] = {
    "police": N_("State authority: police"),
    "prosecution": N_("State authority: prosecution service"),
    "court": N_("State authority: court"),
    "immigration": N_("State authority: immigration / border guard"),
    "labour_inspection": N_("State authority: labour inspection"),
    "ministry": N_("State authority: ministry"),
    "national_rapporteur": N_("State authority: national rapporteur or equivalent mechanism"),
    "eu_agency": N_("EU agency"),
    "un_agency": N_("UN agency"),
    "international_organisation": N_("International organisation"),
    "ngo": N_("Non-governmental organisation"),
    "network": N_("Network"),
    "private_company": N_("Private company"),
    "consulate": N_("Consulate or embassy"),
}


def parse_roles(value: str | list[str] | tuple[str, ...]) -> list[str]:
    """Validate roles given as a list or a comma-separated string."""
    items = [r.strip().replace("-", "_") for r in (value.split(",") if isinstance(value, str) else value)]
    items = [r for r in items if r]
    bad = [r for r in items if r not in ROLES]
    if bad or not items:
        raise ValidationError(
            N_("unknown role(s) {join}; choose from {roles}",
               join=', '.join(map(repr, bad)) or '(none given)', roles=', '.join(ROLES)),
            [Problem(N_("unknown role; use one of {roles}", roles=', '.join(ROLES)), field="roles", value=r) for r in bad],
        )
    return sorted(set(items))


@dataclass(frozen=True)
class Principal:
    """Who is acting: a user of one organisation with a set of roles (or the system itself)."""

    user_id: int | None
    username: str
    organisation_id: int | None
    roles: frozenset[str] = field(default_factory=frozenset)
    is_operator: bool = False  # admin of the organisation that runs the hub
    is_anonymous: bool = False  # a visitor without an account: published outputs only

    @classmethod
    def system(cls) -> Principal:
        return cls(None, "system", None, frozenset(ROLES), True)

    @classmethod
    def anonymous(cls) -> Principal:
        """A visitor without an account: sees public sources only, always under disclosure control."""
        return cls(None, "anonymous", None, frozenset(), False, True)

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def require(self, *roles: str, action: str = N_("do this")) -> None:
        """Refused unless the principal holds one of ``roles``; ``action`` completes "may not …" and is an
        ``N_`` message (``action=N_("deactivate users")``), so that the refusal reads whole in every language."""
        if not self.has(*roles):
            if not self.roles:
                raise PermissionDenied(N_("user {username!r} may not {action}: needs role {roles}, has no role",
                                          username=self.username, action=action, roles=either(roles)))
            raise PermissionDenied(N_("user {username!r} may not {action}: needs role {roles}, has {roles2}",
                                      username=self.username, action=action, roles=either(roles),
                                      roles2=", ".join(sorted(self.roles))))

    @property
    def is_system(self) -> bool:
        return self.user_id is None and self.organisation_id is None and not self.is_anonymous

    def can_see(self, organisation_id: int | None) -> bool:
        """Non-public objects are visible only inside their organisation (the system sees all)."""
        return self.is_system or organisation_id == self.organisation_id
