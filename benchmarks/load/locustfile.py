"""Locust users for benchmarks/load_test.py: a logged-in analyst reading the main pages and API, and a
visitor without an account reading public country profiles (``--scenario public-profile``)."""

from __future__ import annotations

import os
import re

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

PAGES = [p for p in os.environ.get("PALERMO_LOAD_PAGES", "/").split(",") if p]
API = [p for p in os.environ.get("PALERMO_LOAD_API", "/api/v1/me").split(",") if p]
USERS = os.environ.get("PALERMO_LOAD_USERS", "nl.analyst").split(",")
COUNTRIES = [c for c in os.environ.get("PALERMO_LOAD_COUNTRIES", "NLD").split(",") if c]
PASSWORD = os.environ.get("PALERMO_LOAD_PASSWORD", "palermo-demo-2000")
CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')
_counter = iter(range(10**6))


class Analyst(FastHttpUser):  # geventhttpclient: the load generator leaves the CPU to the server
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        username = USERS[next(_counter) % len(USERS)]
        token = CSRF.search(self.client.get("/login", name="login form").text).group(1)  # type: ignore[union-attr]
        r = self.client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token,
                                             "next": "/"}, name="login")
        if "Log out" not in r.text:
            raise RuntimeError(f"login of {username} failed: {r.status_code}")

    @task(3)
    def pages(self) -> None:
        for path in PAGES:
            self.client.get(path, name=f"page {path}")

    @task(2)
    def api(self) -> None:
        for path in API:
            self.client.get(path, name=f"api {path}")


class Visitor(FastHttpUser):
    """No login: the public statistics, one country profile after another (as a visitor from a search
    engine or a portal would); each request a full page (no If-None-Match)."""

    wait_time = between(0.5, 1.5)

    @task
    def profile(self) -> None:
        country = COUNTRIES[next(_counter) % len(COUNTRIES)]
        self.client.get(f"/statistics/country/{country}", name="page /statistics/country/{ISO3}")
