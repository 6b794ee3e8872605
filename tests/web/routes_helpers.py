"""The application's own route table, with the demo's ids in place of path parameters (matrix and crawl)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from palermo.db import Database
from palermo.settings import Settings
from palermo.web.access import RouteRule, route_rules
from palermo.web.app import create_app

# required query parameters of some GET endpoints (others have defaults)
QUERY = {"/api/v1/exchange/check": "?from=NL-POL&to=EUROPOL&category=hit_no_hit&purpose=investigation",
         "/api/v1/exchange/routes": "?from=NG-NAPTIP&to=EUROPOL&category=hit_no_hit&purpose=investigation",
         "/api/v1/statistics/explain": "?country=NLD&year=2023"}

SDMX_PARAMS = {"{flow_ref}": "THB", "{key}": "all", "{provider}": "all", "{resource}": "dataflow", "{agency}": "PALERMO",
               "{resource_id}": "THB", "{version}": "latest", "{path:path}": "no-such-resource",
               "{username}": "viewer"}


def app_rules() -> list[RouteRule]:
    return list(route_rules(create_app(Settings(secret_key="k" * 40, database_url="sqlite:///:memory:"))))


@dataclass
class DemoIds:
    countries: list[str]
    agreements: list[str]
    requests: list[str]
    screenings: list[str]
    tables: list[str]
    tokens: list[str]

    @classmethod
    def of(cls, db: Database) -> DemoIds:
        from palermo.auth.models import ApiToken
        from palermo.estimation.models import CaptureTable
        from palermo.exchange.models import Agreement, ExchangeRequest
        from palermo.identification.models import Screening
        from palermo.statistics.models import Observation

        with db.session(write=False) as s:
            return cls(sorted(set(s.execute(select(Observation.country)).scalars())),
                       sorted(s.execute(select(Agreement.reference)).scalars()),
                       sorted(s.execute(select(ExchangeRequest.reference)).scalars()),
                       sorted(s.execute(select(Screening.reference)).scalars()),
                       sorted(s.execute(select(CaptureTable.reference)).scalars()),
                       sorted(s.execute(select(ApiToken.reference)).scalars()))

    def urls(self, path: str, every: bool = False) -> list[str]:
        """The path with demo ids for its parameters: one of each (``every``: all of them)."""
        def pick(values: list) -> list:  # type: ignore[type-arg]
            return list(values if every else values[:1]) or ["none"]

        if "{country}" in path:
            return [path.replace("{country}", c) for c in pick(self.countries)]
        if "{reference}" in path:
            kind = (self.agreements if "/agreements/" in path else self.screenings if "/screenings/" in path
                    else self.tables if "/estimates/" in path else self.tokens if "/tokens/" in path else self.requests)
            return [path.replace("{reference}", r) for r in pick(kind)]
        for name, value in SDMX_PARAMS.items():
            path = path.replace(name, value)
        return [path + QUERY.get(path, "")]
