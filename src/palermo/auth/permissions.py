"""Who may do what: one table of actions x roles (and ownership), consulted by the core, with a reason.

Every action the platform performs is declared once in :data:`ACTIONS` (as Datasette declares its
actions as data): who it is for (anyone, any signed-in user, or some roles) and whether the object
acted on must belong to the principal's organisation or the principal must run the hub. Core functions ask
:func:`require` (refusal with its reason) or :func:`allowed`; pages ask :func:`allowed` to decide which
forms to offer; ``docs/security.md`` prints :func:`rules_markdown`, and a test checks the two agree.

    >>> from palermo.auth.roles import Principal
    >>> viewer = Principal(7, "viewer", 3, frozenset({"viewer"}))
    >>> decide(viewer, "identification.screening.save").reason
    "user 'viewer' may not record screenings: needs role analyst or officer, has viewer"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from palermo.auth.roles import ROLES, Principal
from palermo.errors import PermissionDenied
from palermo.messages import N_, either

Audience = Literal["anyone", "signed in", "roles"]
Ownership = Literal["none", "own organisation", "hub operator"]
NO_OBJECT = object()  # "is this action open to the principal at all?" (a role check, ownership decided per object)


@dataclass(frozen=True)
class Action:
    """One thing a principal may do, and the rule for it."""

    name: str
    description: str  # completes "may not ...", e.g. "read the audit trail"
    audience: Audience = "signed in"
    roles: frozenset[str] = frozenset()
    ownership: Ownership = "none"

    def who(self) -> str:
        """The rule in words (for docs/security.md and refusals)."""
        if self.audience == "anyone":
            who = "anyone, also without an account"
        elif self.audience == "signed in":
            who = "every signed-in user"
        else:
            who = " or ".join(sorted(self.roles))
        if self.ownership == "own organisation":
            who += ", of the organisation that owns the object"
        elif self.ownership == "hub operator":
            who += ", of the organisation that runs the hub"
        return who


@dataclass(frozen=True)
class Decision:
    """Whether a principal may perform an action (on an object), and why: refusals and audits quote it."""

    action: str
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def _a(name: str, description: str, *roles: str, audience: Audience | None = None,
       ownership: Ownership = "none") -> Action:
    return Action(name, description, audience or ("roles" if roles else "signed in"), frozenset(roles), ownership)


STAFF = ("admin", "analyst", "data_owner", "officer")
ANALYSTS = ("admin", "analyst", "data_owner")

# The rules table. Order is the order of docs/security.md.
ACTIONS: dict[str, Action] = {a.name: a for a in (
    # accounts and audit
    _a("session.login", N_("log in"), audience="anyone"),
    _a("api.docs", N_("read the API documentation"), audience="anyone"),
    _a("session.logout", N_("log out")),
    _a("home.read", N_("open the home page")),
    _a("account.read", N_("read one's own account")),
    _a("account.mfa", N_("set up, renew or turn off one's own second factor (admins and data owners cannot turn it "
                         "off)")),
    _a("organisations.list", N_("list the participating organisations (a shared directory: partners must name each "
                                "other)")),
    _a("organisations.create", N_("register organisations"), "admin", ownership="hub operator"),
    _a("users.list", N_("list users (own organisation; the hub operator's admins: all)"), "admin"),
    _a("users.create", N_("create users (own organisation; the hub operator's admins: any)"), "admin"),
    _a("users.manage", N_("deactivate users, end their sessions, lift lock-outs, reset their second factor and "
                          "revoke their tokens"), "admin"),
    _a("users.manage_all", N_("list, create and manage the users of every organisation"), "admin", ownership="hub operator"),
    _a("account.tokens", N_("list and revoke API tokens (one's own; admins: their organisation's users')")),
    _a("audit.read", N_("read the audit trail (own organisation's entries)"), *ANALYSTS),
    _a("audit.read_all", N_("read every organisation's audit entries"), "admin", ownership="hub operator"),
    _a("audit.verify", N_("verify the audit chain"), *ANALYSTS),
    # statistics
    _a("statistics.read", N_("read statistics (public sources, and own organisation's non-public ones; small cells "
                             "suppressed)")),
    _a("statistics.read_public", N_("read published statistics (public sources, small cells suppressed)"), audience="anyone"),
    _a("statistics.true_values", N_("see true values below the disclosure threshold"), "analyst", "data_owner",
       ownership="own organisation"),
    _a("statistics.import", N_("import statistics"), *ANALYSTS),
    _a("statistics.record", N_("add statistics"), *STAFF),
    # estimation
    _a("estimation.estimate", N_("estimate from capture histories")),
    _a("estimation.tables.read", N_("read capture-history tables (own organisation's, and shared hub overlaps)")),
    _a("estimation.table.save", N_("save capture-history tables"), *ANALYSTS),
    _a("estimation.exact_cells", N_("see the exact small cells of a capture-history table"), *ANALYSTS,
       ownership="own organisation"),
    _a("estimation.record_source", N_("record an estimate in the statistics"), "admin", "analyst"),
    _a("estimation.hub_overlap", N_("compute list overlaps across agencies' uploads"), "admin", ownership="hub operator"),
    # linkage and exchange
    _a("linkage.read", N_("open the hit/no-hit service")),
    _a("linkage.upload", N_("submit encodings for hit/no-hit"), "officer", "analyst", "data_owner"),
    _a("linkage.hits.read", N_("read hits (own organisation's)")),
    _a("linkage.review", N_("review hits (confirm or reject a match)"), "officer", "analyst", "data_owner"),
    _a("linkage.withdraw", N_("withdraw uploads"), "officer", "analyst", "data_owner", ownership="own organisation"),
    _a("linkage.purge", N_("run the retention purge (expired encodings, retired key epochs, released records)"), "admin",
       ownership="hub operator"),
    _a("linkage.key_epoch", N_("open a new key epoch (key rotation)"), "admin", ownership="hub operator"),
    _a("linkage.estimate", N_("estimate the hidden figure from the hub's live uploads (with linkage error)"), "admin",
       "analyst", ownership="hub operator"),
    _a("exchange.read", N_("read agreements and lawful routes")),
    _a("exchange.check", N_("check the legal basis of an exchange")),
    _a("exchange.requests.read", N_("read follow-up requests (own organisation's, sent or received)")),
    _a("exchange.request", N_("file follow-up requests"), "officer", "analyst", "data_owner"),
    _a("exchange.answer", N_("answer follow-up requests"), "data_owner", ownership="own organisation"),
    _a("exchange.agreements.manage", N_("register agreements or change their status"), "admin", "data_owner"),
    # coordination
    _a("coordination.read", N_("read the coordination map (initiatives, overlaps, gaps, liaison officers)")),
    _a("coordination.edit", N_("edit the coordination registry"), "analyst", "admin"),
    _a("coordination.true_counts", N_("see an initiative's counts of people below the disclosure threshold and its "
                                      "figures as reported"), *STAFF, ownership="own organisation"),
    _a("coordination.liaison.edit", N_("register liaison officer postings and reports"), "analyst", "admin", "officer"),
    # identification
    _a("identification.read", N_("read the indicator catalogue and handbooks")),
    _a("identification.screen", N_("assess a case against the indicators without saving it")),
    _a("identification.screening.save", N_("record screenings"), "officer", "analyst"),
    _a("identification.screening.read", N_("read saved screenings (own organisation's, and those referred to it)"),
       "officer", "analyst", "data_owner"),
    _a("identification.referrals", N_("refer screenings and accept or decline referrals"), "officer", "analyst"),
    _a("identification.cases.submit", N_("submit case summaries"), "officer", "analyst"),
)}


def action(name: str) -> Action:
    try:
        return ACTIONS[name]
    except KeyError:
        raise ValueError(f"unknown action {name!r}: declare it in palermo.auth.permissions.ACTIONS") from None


def decide(principal: Principal, name: str, owner: object = NO_OBJECT) -> Decision:
    """Decide ``name`` for ``principal``; ``owner`` is the organisation id owning the object acted on.

    Without ``owner`` the question is whether the action is open to the principal at all (the role
    part of the rule): what a page asks before offering a form.
    """
    a = action(name)
    who = N_("user {username!r}", username=principal.username)
    if principal.is_system:
        return Decision(name, True, "the system acts for the platform")
    if a.audience == "anyone":
        return Decision(name, True, "open to anyone")
    if principal.is_anonymous:
        return Decision(name, False, N_("a visitor without an account may not {description}: log in",
                                        description=a.description))
    if a.audience == "roles" and not principal.has(*a.roles):
        if not principal.roles:
            return Decision(name, False, N_("{who} may not {description}: needs role {roles}, has no role",
                                            who=who, description=a.description, roles=either(sorted(a.roles))))
        return Decision(name, False, N_("{who} may not {description}: needs role {roles}, has {roles2}",
                                        who=who, description=a.description, roles=either(sorted(a.roles)),
                                        roles2=", ".join(sorted(principal.roles))))
    if a.ownership == "hub operator" and not principal.is_operator:
        return Decision(name, False, N_("{who} may not {description}: only the organisation that runs the hub may",
                                        who=who, description=a.description))
    if a.ownership == "own organisation" and owner is not NO_OBJECT and owner != principal.organisation_id:
        return Decision(name, False, N_("{who} may not {description}: the object belongs to another organisation",
                                        who=who, description=a.description))
    granted = "signed in" if a.audience == "signed in" else f"role {', '.join(sorted(principal.roles & a.roles))}"
    if a.ownership == "own organisation":
        granted += ", own organisation's object" if owner is not NO_OBJECT else " (ownership decided per object)"
    return Decision(name, True, granted)


def allowed(principal: Principal, name: str, owner: object = NO_OBJECT) -> bool:
    return decide(principal, name, owner).allowed


def require(principal: Principal, name: str, owner: object = NO_OBJECT) -> Decision:
    """The decision if allowed; otherwise PermissionDenied carrying the reason."""
    decision = decide(principal, name, owner)
    if not decision.allowed:
        raise PermissionDenied(decision.reason)
    return decision


def roles_allowed(name: str) -> frozenset[str]:
    """The roles for which the action is open (ownership aside): what the access matrix expects."""
    a = action(name)
    return frozenset(ROLES) if a.audience != "roles" else a.roles


def rules_markdown() -> str:
    """The rules table as Markdown, as printed in docs/security.md."""
    roles = list(ROLES)
    head = ["action", "what", *roles, "ownership"]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for a in ACTIONS.values():
        if a.audience == "anyone":
            cells = ["anyone"] * len(roles)
        else:
            cells = ["yes" if r in roles_allowed(a.name) else "–" for r in roles]
        lines.append(f"| `{a.name}` | {a.description} | " + " | ".join(cells) + f" | {a.ownership} |")
    return "\n".join(lines) + "\n"
