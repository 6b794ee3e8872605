"""Sources that stay fresh: an HXL CSV or IATI XML published at a URL (the field's data live in HDX and
the IATI registry) is registered once and refreshed on a schedule, with the same freshness view as
statistics sources.

A refresh downloads the file, parses it whole and saves it all or nothing. Whatever goes wrong (the URL
answers 404, a web page comes back instead of the file, a row or element is invalid) is recorded on the
feed with every problem, nothing is stored and the previous version stays. The address must be public:
a feed pointing at the hub's own network is refused unless ``PALERMO_COORD_FEEDS_ALLOW_PRIVATE`` is set.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import socket
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from palermo.auth import audit
from palermo.auth.roles import Principal
from palermo.coordination.hxl import read_hxl
from palermo.coordination.iati import MAX_BYTES, read_iati
from palermo.coordination.initiatives import save_initiatives
from palermo.coordination.models import Feed
from palermo.db.base import utcnow
from palermo.errors import Conflict, ImportRejected, NotFound, PalermoError, Problem, ValidationError
from palermo.messages import N_, joined, verbatim

log = logging.getLogger(__name__)
FORMATS = ("hxl", "iati")
TIMEOUT = 30.0


def register_feed(session: Session, principal: Principal, url: str, fmt: str, every_days: int = 7, *,
                  allow_private: bool = False) -> Feed:
    principal.require("analyst", "admin", action=N_("register coordination feeds"))
    problems = _url_problems(url, allow_private)
    if fmt not in FORMATS:
        problems.append(Problem(N_("unknown format; use {formats}", formats=' or '.join(FORMATS)), field="format", value=fmt))
    if every_days < 1:
        problems.append(Problem(N_("refresh interval must be at least 1 day"), field="every_days", value=every_days))
    if problems:
        raise ValidationError(N_("feed not registered: {problems}", problems=joined(p.reason for p in problems)), problems)
    if session.execute(select(Feed).where(Feed.url == url)).scalar_one_or_none() is not None:
        raise Conflict(N_("the feed {url} is already registered", url=url))
    feed = Feed(url=url, fmt=fmt, update_every_days=every_days, sha256="", initiatives=0, last_error="",
                updated_by=principal.username)
    session.add(feed)
    session.flush()
    audit.record(session, principal, "coord.feed.register", "coord_feed", feed.id, details={"url": url, "format": fmt})
    return feed


def _url_problems(url: str, allow_private: bool) -> list[Problem]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [Problem(N_("not an http(s) address of a file"), field="url", value=url)]
    if allow_private:
        return []
    try:
        addresses = {ipaddress.ip_address(a[4][0]) for a in socket.getaddrinfo(parts.hostname, None)}
    except (socket.gaierror, ValueError):
        return [Problem(N_("the host name does not resolve; check the address"), field="url", value=url)]
    if any(a.is_private or a.is_loopback or a.is_link_local or a.is_reserved for a in addresses):
        return [Problem(N_("the address is on a private network; feeds are read from public sites (HDX, IATI)"),
                        field="url", value=url)]
    return []


@dataclass
class Refresh:
    url: str
    ok: bool
    changed: bool = False
    initiatives: int = 0
    problems: list[Problem] = field(default_factory=list)


def refresh_feed(session: Session, principal: Principal, feed: Feed, *, client: httpx.Client | None = None,
                 allow_private: bool = False) -> Refresh:
    """Download, parse and save one feed, all or nothing; a failure is recorded on the feed, not raised."""
    principal.require("analyst", "admin", action=N_("refresh coordination feeds"))
    feed.last_checked = utcnow()
    try:
        if problems := _url_problems(feed.url, allow_private):
            raise ImportRejected(N_("feed address refused"), problems)
        data = _download(feed, client)
        digest = hashlib.sha256(data).hexdigest()
        if digest == feed.sha256:
            feed.last_loaded, feed.last_error = feed.last_checked, ""
            return Refresh(feed.url, True, False, feed.initiatives)
        specs = _parse(feed, data)
        with session.begin_nested():
            saved = save_initiatives(session, principal, specs, origin=f"feed {feed.url}")
    except PalermoError as exc:
        problems = list(getattr(exc, "problems", []) or []) or [Problem(verbatim(str(exc)))]
        feed.last_error = f"{exc}: " + "; ".join(str(p) for p in problems[:20])
        log.warning("feed %s not refreshed: %s", feed.url, feed.last_error)
        audit.record(session, principal, "coord.feed.failed", "coord_feed", feed.id, details={"error": feed.last_error[:500]})
        return Refresh(feed.url, False, problems=problems)
    feed.sha256, feed.initiatives, feed.last_loaded, feed.last_error = digest, len(saved), feed.last_checked, ""
    audit.record(session, principal, "coord.feed.refresh", "coord_feed", feed.id, details={"initiatives": len(saved)})
    return Refresh(feed.url, True, True, len(saved))


def _download(feed: Feed, client: httpx.Client | None) -> bytes:
    own = client is None
    c = client or httpx.Client(timeout=TIMEOUT, follow_redirects=False)
    try:
        with c.stream("GET", feed.url, headers={"Accept": "text/csv, application/xml, text/xml"}) as r:
            if r.is_redirect:
                raise ImportRejected(N_("the URL answered {status_code} (moved to {get})",
                                        status_code=r.status_code, get=r.headers.get('location')),
                                     [Problem(N_("register the address the file moved to"), field="url",
                                              value=r.headers.get("location"))])
            if r.status_code != 200:
                raise ImportRejected(N_("the URL answered {status_code} {reason_phrase}",
                                        status_code=r.status_code, reason_phrase=r.reason_phrase),
                                     [Problem(N_("check the address on the publisher's dataset page"), field="url",
                                              value=r.status_code)])
            chunks, size = [], 0
            for chunk in r.iter_bytes():
                size += len(chunk)
                if size > MAX_BYTES:
                    raise ImportRejected(N_("the file is larger than {max_bytes} MiB", max_bytes=MAX_BYTES // 2**20),
                                         [Problem(N_("file too large"))])
                chunks.append(chunk)
            kind = r.headers.get("content-type", "").split(";")[0].strip().lower()
    except httpx.HTTPError as exc:
        raise ImportRejected(N_("the URL could not be read ({name}: {exc})", name=exc.__class__.__name__, exc=exc),
                             [Problem(N_("check the address and that the site is reachable"), field="url")]) from None
    finally:
        if own:
            c.close()
    data = b"".join(chunks)
    head = data[:512].lstrip().lower()
    if kind in ("text/html", "application/xhtml+xml") or head.startswith((b"<!doctype html", b"<html")):
        raise ImportRejected(N_("the URL answered a web page (HTML), not the {fmt} file",
                                fmt='CSV' if feed.fmt == 'hxl' else 'XML'),
                             [Problem(N_("use the file's download link, not the page that describes it"), field="url",
                                      value=kind or "text/html")])
    return data


def _parse(feed: Feed, data: bytes) -> list[Any]:
    if feed.fmt == "iati":
        return read_iati(data, feed.url)
    try:
        return read_hxl(data.decode("utf-8-sig"), feed.url)
    except UnicodeDecodeError:
        raise ImportRejected(N_("{url} is not UTF-8 text", url=feed.url), [Problem(N_("not UTF-8; publish the CSV as UTF-8"))]) from None


def due(feed: Feed, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return feed.last_checked is None or feed.last_checked + timedelta(days=feed.update_every_days) <= now


def refresh_due(session: Session, principal: Principal, *, everything: bool = False, client: httpx.Client | None = None,
                allow_private: bool = False) -> list[Refresh]:
    """Refresh the feeds whose interval has passed (or all): what a daily timer runs."""
    feeds = list(session.execute(select(Feed).order_by(Feed.url)).scalars())
    return [refresh_feed(session, principal, f, client=client, allow_private=allow_private)
            for f in feeds if everything or due(f)]


@dataclass(frozen=True)
class FeedStatus:
    """A feed as the freshness view shows it (the same fields as a statistics source's status)."""

    url: str
    fmt: str
    initiatives: int
    last_update: date | None
    due: date | None
    overdue: bool
    days_overdue: int
    last_error: str


def feed_status(session: Session, today: date | None = None) -> list[FeedStatus]:
    """Every feed with its last good load, when the next is due, and the last problem if any. Overdue
    means no good load within the interval: the registry shows data that may be stale."""
    today = today or date.today()
    out = []
    for f in session.execute(select(Feed).order_by(Feed.url)).scalars():
        last = f.last_loaded.date() if f.last_loaded else None
        due_on = (last or f.updated_at.date()) + timedelta(days=f.update_every_days)
        overdue = due_on < today or bool(f.last_error)
        out.append(FeedStatus(f.url, f.fmt, f.initiatives, last, due_on, overdue,
                              max((today - due_on).days, 0), f.last_error))
    return out


def get_feed(session: Session, url: str) -> Feed:
    feed = session.execute(select(Feed).where(Feed.url == url)).scalar_one_or_none()
    if feed is None:
        raise NotFound(N_("no feed {url}; register it first", url=url))
    return feed
