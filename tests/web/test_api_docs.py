"""/api/docs: Swagger UI from the files the swagger-ui-bundle-v2 package installs, served by the app itself
(the deployments have no internet), rendering every operation under the CSP without a script error."""

from __future__ import annotations

from pathlib import Path

import pytest
import swagger_ui_bundle

from palermo.db import Database
from tests.conftest import make_settings
from tests.web.conftest import LiveServer, Shots
from tests.web_helpers import client_for


def test_the_docs_page_loads_only_the_apps_own_files(sqlite_db: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, sqlite_db), sqlite_db)
    r = c.get("/api/docs")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert "cdn" not in r.text.lower() and "https://" not in r.text and "<script>" not in r.text
    bundle = c.get("/api/docs/assets/swagger-ui-bundle.js")
    shipped = Path(swagger_ui_bundle.swagger_ui_path) / "swagger-ui-bundle.js"
    assert bundle.status_code == 200 and bundle.content == shipped.read_bytes()
    assert c.get("/api/docs/assets/swagger-ui.css").status_code == 200


@pytest.mark.browser
def test_the_docs_render_every_operation_in_the_browser(live_server: LiveServer, page: tuple[object, Shots]) -> None:
    """The page fixture fails the test on any console error, CSP violation or failed sub-resource."""
    pg, shot = page
    requested: list[str] = []
    pg.on("request", lambda r: requested.append(r.url))  # type: ignore[attr-defined]
    pg.goto(live_server.url + "/api/docs")  # type: ignore[attr-defined]
    pg.wait_for_selector(".opblock-summary-path", timeout=30_000)  # type: ignore[attr-defined]
    import httpx

    document = httpx.get(live_server.url + "/api/v1/openapi.json").json()
    operations = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    shown = set()
    for block in pg.locator(".opblock-summary").all():  # type: ignore[attr-defined]
        shown.add((block.locator(".opblock-summary-method").inner_text().strip(),
                   block.locator(".opblock-summary-path").get_attribute("data-path")))
    assert shown == operations, f"missing: {sorted(operations - shown)[:5]}"
    assert all(u.startswith(live_server.url) or u.startswith("data:") for u in requested), \
        [u for u in requested if not u.startswith(live_server.url)][:5]
    shot("api-docs")


def test_every_operation_says_what_it_does(sqlite_db: Database, tmp_path: Path) -> None:
    """A client that follows the document only must learn from it what each operation does: 42 of 55 had no
    description and a summary made of the Python function's name ("Api Orgs", "Api Add", "Me")."""
    c = client_for(make_settings(tmp_path, sqlite_db), sqlite_db)
    document = c.get("/api/v1/openapi.json").json()
    undescribed, named_by_code = [], []
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            if len(op.get("description", "").split()) < 3:
                undescribed.append(f"{method.upper()} {path}")
            if op["operationId"].startswith(op["summary"].lower().replace(" ", "_") + "_"):
                named_by_code.append(f"{method.upper()} {path}: {op['summary']}")
            elif not " ".join(op["description"].split()).startswith(op["summary"]):
                named_by_code.append(f"{method.upper()} {path}: {op['summary']!r} is not where the description starts")
    assert not undescribed, undescribed
    assert not named_by_code, named_by_code
