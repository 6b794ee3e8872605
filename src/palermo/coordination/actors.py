"""Actors of the field, de-duplicated: the same body under several names, acronyms or identifiers is one actor."""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import Session

from palermo.auth import audit
from palermo.auth.roles import Principal
from palermo.coordination.models import Actor
from palermo.db.base import utcnow
from palermo.errors import Conflict, NextStep, NotFound
from palermo.messages import N_

FUZZY_THRESHOLD = 90  # token-set similarity (0-100) above which two names are taken as the same body
_STOP = {"the", "of", "for", "and", "on", "de", "la", "le", "des", "du", "del", "di", "et", "y", "e"}


def normalise_name(name: str) -> str:
    """Lower-case, accents and punctuation removed, filler words dropped: 'Office of the UN …' ~ 'UN Office …'."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = [w for w in re.split(r"[^a-z0-9]+", text) if w and w not in _STOP]
    return " ".join(words)


def _keys(actor: Actor) -> set[str]:
    keys = {normalise_name(actor.name), *(normalise_name(a) for a in actor.aliases or [])}
    if actor.acronym:
        keys.add(normalise_name(actor.acronym))
    return {k for k in keys if k}


def find_actor(session: Session, name: str, identifier: str | None = None) -> tuple[Actor | None, str]:
    """The existing actor this name (or identifier) denotes, and how it was recognised."""
    actors = list(session.execute(select(Actor)).scalars())
    if identifier:
        for a in actors:
            if identifier in (a.identifiers or []):
                return a, f"identifier {identifier}"
    key = normalise_name(name)
    for a in actors:
        if key in _keys(a):
            return a, "same name, acronym or alias"
    best, score = None, 0.0
    for a in actors:
        for k in _keys(a):
            if len(k) < 6 or len(key) < 6:  # short acronyms are matched exactly only
                continue
            s = fuzz.token_set_ratio(key, k) if min(len(key), len(k)) > 12 else fuzz.ratio(key, k)
            if s > score:
                best, score = a, s
    if best is not None and score >= FUZZY_THRESHOLD:
        return best, f"similar name ({score:.0f}% alike)"
    return None, ""


def resolve_actor(session: Session, principal: Principal, name: str, *, acronym: str | None = None,
                  identifier: str | None = None, actor_type: str = "other", country: str | None = None) -> Actor:
    """Find the actor or create it; a new spelling of a known actor is kept as an alias (merged, not duplicated)."""
    found, _why = find_actor(session, name, identifier)
    if found is None and acronym:
        found, _why = find_actor(session, acronym)
    if found is not None:
        changed = False
        if name != found.name and name not in (found.aliases or []):
            found.aliases = [*(found.aliases or []), name]
            changed = True
        if identifier and identifier not in (found.identifiers or []):
            found.identifiers = [*(found.identifiers or []), identifier]
            changed = True
        if changed:
            found.updated_at, found.updated_by = utcnow(), principal.username
        return found
    actor = Actor(name=name.strip(), acronym=acronym, aliases=[], identifiers=[identifier] if identifier else [],
                  actor_type=actor_type, country=country, updated_by=principal.username)
    session.add(actor)
    session.flush()
    return actor


def add_actor(session: Session, principal: Principal, name: str, **kw: str | None) -> Actor:
    """Register a new actor explicitly; refuse one that duplicates a known actor, naming it."""
    principal.require("analyst", "admin", action=N_("edit the coordination registry"))
    found, why = find_actor(session, name, kw.get("identifier"))
    if found is not None:
        raise Conflict(N_("actor {name!r} duplicates {name2!r} ({why}); use that actor, or merge the two if they "
                          "really are one body",
                          name=name, name2=found.name, why=why), next_step=NextStep("merge_actors", {"keep": found.name, "drop": name}))
    actor = resolve_actor(session, principal, name, **kw)  # type: ignore[arg-type]
    audit.record(session, principal, "coord.actor.create", "coord_actor", actor.id, details={"name": name})
    return actor


def merge_actors(session: Session, principal: Principal, keep: str, drop: str) -> Actor:
    """Merge ``drop`` into ``keep``: names become aliases, every reference moves to ``keep``."""
    from palermo.coordination.models import Commitment, LiaisonPosting, NetworkMember, Participation

    principal.require("analyst", "admin", action=N_("merge actors"))
    a, b = get_actor(session, keep), get_actor(session, drop)
    if a.id == b.id:
        raise Conflict(N_("{keep!r} and {drop!r} are already the same actor", keep=keep, drop=drop))
    a.aliases = sorted({*(a.aliases or []), b.name, *(b.aliases or []), *([b.acronym] if b.acronym else [])} - {a.name})
    a.identifiers = sorted({*(a.identifiers or []), *(b.identifiers or [])})
    for model, col in ((Participation, "actor_id"), (NetworkMember, "actor_id"), (LiaisonPosting, "sending_actor_id"),
                       (Commitment, "responsible_actor_id")):
        for row in session.execute(select(model).where(getattr(model, col) == b.id)).scalars():
            setattr(row, col, a.id)
    session.flush()
    session.delete(b)
    a.updated_at, a.updated_by = utcnow(), principal.username
    audit.record(session, principal, "coord.actor.merge", "coord_actor", a.id, details={"merged": b.name})
    return a


def get_actor(session: Session, ref: str | int) -> Actor:
    if isinstance(ref, int) or str(ref).isdigit():
        actor = session.get(Actor, int(ref))
    else:
        actor, _ = find_actor(session, str(ref))
    if actor is None:
        raise NotFound(N_("no actor {ref!r} in the coordination registry", ref=ref), next_step=NextStep("list_actors"))
    return actor


def list_actors(session: Session) -> list[Actor]:
    return list(session.execute(select(Actor).order_by(Actor.name)).scalars())
