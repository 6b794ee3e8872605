"""The leak crawl: as every demo user and as a visitor without an account, visit every page and API
endpoint of the demo (enumerated from the app's route table, with every demo id in the paths) and
assert that no suppressed value and no other organisation's private object appears in any response.

Canaries make the check exact: a public NL-POL source with a small cell of 4.321 victims (suppressed
for everyone but NL-POL's analysts and data owners) and its complementary cell of 95.679, and a
non-public ES-POL source named "crawl-private-es" with 7,654,321 victims. Screenings and follow-up
requests of other organisations are checked by their references. The crawl also checks that the
canaries do reach those allowed to see them: a crawl that could not see anything would prove nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import or_, select

from palermo.auth import accounts
from palermo.auth.models import Organisation, User
from palermo.auth.permissions import allowed
from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.demo import DEMO_PASSWORD
from palermo.statistics.ingest import ObservationSpec, SourceSpec, record_observations
from palermo.web.app import create_app
from tests.conftest import make_settings
from tests.web.routes_helpers import DemoIds, app_rules
from tests.web_helpers import login

SMALL = ("4.321", "95.679")  # primary and complementary suppressed cells of the public canary
PRIVATE = ("crawl-private-es", "7654321", "7,654,321")  # a non-public source of ES-POL
REFERENCE = re.compile(r"(?:scr|req)-[0-9a-f]{12}")
SKIP = {"session.login", "session.logout", "api.docs"}
# query variants that reach the statistics the canary lives in
EXTRA = ["/statistics/country/NLD?year=2023", "/statistics/data?country=NLD", "/statistics/data?country=ESP",
         "/api/v1/statistics/observations?country=NLD", "/api/v1/statistics/observations?country=ESP",
         "/api/v1/statistics/explain?country=NLD&year=2023", "/api/v1/statistics/explain?country=ESP&year=2023",
         *(f"/api/v1/statistics/export?format={f}&country=NLD" for f in ("csv", "json", "sdmx-csv", "sdmx-ml")),
         "/api/v1/statistics/export?format=csv&country=ESP", "/sdmx/rest/data/THB/all?startPeriod=2023",
         "/statistics/country/ESP?year=2023"]


def _canaries(db: Database) -> None:
    system = Principal.system()
    with db.session() as s:
        orgs = {o.short_name: o.id for o in s.execute(select(Organisation)).scalars()}
        cells = [ObservationSpec("victims", "NLD", "2023", value=1000.0),
                 ObservationSpec("victims", "NLD", "2023", exploitation="sexual", value=900.0),
                 ObservationSpec("victims", "NLD", "2023", exploitation="labour", value=95.679),
                 ObservationSpec("victims", "NLD", "2023", exploitation="organs", value=4.321),
                 ObservationSpec("victims", "NLD", "2023", sex="female", value=600.0),
                 ObservationSpec("victims", "NLD", "2023", sex="male", value=400.0)]
        record_observations(s, system, SourceSpec("crawl-canary", "crawl canary (NL police)", "police", "detected",
                                                  "persons", "national law", owner_org_id=orgs["NL-POL"], public=True),
                            cells)
        record_observations(s, system, SourceSpec("crawl-private-es", "crawl private (ES police)", "police", "identified",
                                                  "persons", "national law", owner_org_id=orgs["ES-POL"], public=False),
                            [ObservationSpec("victims", "ESP", "2023", value=7654321.0)])


def _private_references(db: Database, org_id: int | None) -> set[str]:
    """References of screenings and requests the organisation takes no part in (never to be shown to it)."""
    from palermo.exchange.models import ExchangeRequest
    from palermo.identification.models import Referral, Screening

    with db.session(write=False) as s:
        referred = select(Referral.screening_id).where(Referral.organisation_id == org_id)
        screenings = set(s.execute(select(Screening.reference).where(
            Screening.organisation_id != org_id, Screening.id.not_in(referred))).scalars()) if org_id else \
            set(s.execute(select(Screening.reference)).scalars())
        requests = select(ExchangeRequest.reference)
        if org_id:
            requests = requests.where(~or_(ExchangeRequest.requester_org_id == org_id, ExchangeRequest.owner_org_id == org_id))
        return screenings | set(s.execute(requests).scalars())


def _urls(ids: DemoIds) -> list[str]:
    urls = []
    for rule in app_rules():
        if rule.method != "GET" or rule.action in SKIP or "{path:path}" in rule.path:
            continue
        urls += ids.urls(rule.path, every=True)
    return sorted(set(urls)) + EXTRA


def _crawl(db: Database, tmp_path: Path) -> None:
    _canaries(db)
    app = create_app(make_settings(tmp_path, db), db)  # one app; each user its own client (cookies)
    ids = DemoIds.of(db)
    urls = _urls(ids)
    with db.session(write=False) as s:
        users = [(u.username, accounts.principal_for(u)) for u in s.execute(select(User).order_by(User.username)).scalars()]
        org_ids = {o.short_name: o.id for o in s.execute(select(Organisation)).scalars()}
    leaks: list[str] = []
    saw_small, saw_private = set(), set()
    for username, principal in [*users, ("(anonymous)", Principal.anonymous())]:
        c = TestClient(app, follow_redirects=True)
        if principal.user_id is not None:
            login(c, username, DEMO_PASSWORD)
        may_small = principal.organisation_id == org_ids["NL-POL"] and principal.has("analyst", "data_owner")
        may_private = principal.organisation_id == org_ids["ES-POL"]
        forbidden = _private_references(db, principal.organisation_id)
        oversees = allowed(principal, "audit.read_all")  # the hub operator's admins read every audit entry by design
        for url in urls:
            r = c.get(url, follow_redirects=False)
            assert r.status_code < 500, f"{username} GET {url}: {r.status_code}"
            text = r.text
            for value in SMALL:
                if value in text:
                    (saw_small.add(username) if may_small else leaks.append(f"{username} GET {url}: suppressed {value}"))
            for value in PRIVATE:
                if value in text:
                    (saw_private.add(username) if may_private else leaks.append(f"{username} GET {url}: private {value}"))
            asked = set(REFERENCE.findall(url))  # a refusal may name what was asked for, nothing else
            shown = (set(REFERENCE.findall(text)) - asked) & forbidden
            if oversees and "audit" in url:
                shown = set()  # entries name objects by their opaque reference; the objects stay refused to them
            leaks += [f"{username} GET {url}: another organisation's {ref}" for ref in sorted(shown)]
    assert not leaks, "\n".join(leaks[:50])
    # the canaries reach those who may see them (else the crawl proves nothing)
    assert {"nl.analyst", "nl.owner"} <= saw_small, saw_small
    assert {"es.officer", "es.owner"} <= saw_private, saw_private


def test_no_response_leaks_a_suppressed_value_or_another_organisations_object(demo_db: Database,
                                                                               tmp_path: Path) -> None:
    """On SQLite and on PostgreSQL (about a minute each)."""
    _crawl(demo_db, tmp_path)
