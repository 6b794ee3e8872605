"""The page frame and the accessibility of controls and charts, read from the HTML the app serves (issue 19).

Regression tests for the defects the issue names: evidence boxes of the screening form with only a
placeholder, unnamed answer controls in the requests inbox, charts without a text alternative (and the
country profile's chart whose data were only in the picture), no skip link. The browser checks (axe-core,
no sideways scroll at 390 px) are in ``test_every_page.py``.
"""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

from palermo.db import Database
from palermo.web.charts import data_table, for_page
from tests.conftest import make_settings
from tests.web_helpers import client_for, login

DEMO_PASSWORD = "palermo-demo-2000"


class Page(HTMLParser):
    """Elements with their attributes and text, enough to check labels and landmarks."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[dict[str, object]] = []
        self._open: list[dict[str, object]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el: dict[str, object] = {"tag": tag, **{k: v or "" for k, v in attrs}, "text": ""}
        self.elements.append(el)
        if tag not in ("input", "meta", "link", "br", "img", "hr"):
            self._open.append(el)

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop()["tag"] == tag:
                break

    def handle_data(self, data: str) -> None:
        for el in self._open:
            el["text"] = str(el["text"]) + data

    def all(self, tag: str, **attrs: str) -> list[dict[str, object]]:
        return [e for e in self.elements if e["tag"] == tag and all(e.get(k) == v for k, v in attrs.items())]

    def text(self, el: dict[str, object]) -> str:
        return " ".join(str(el["text"]).split())


def test_every_evidence_box_of_the_screening_form_has_its_own_label(sqlite_demo_db: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)
    login(c, "gr.officer", DEMO_PASSWORD)
    page = Page(c.get("/identification").text)
    boxes = [e for e in page.all("input") if str(e.get("name", "")).startswith("evidence_")]
    observed = page.all("input", name="observed")
    assert len(boxes) == len(observed) >= 52  # one evidence box per indicator placement
    labels = {str(e["for"]): page.text(e) for e in page.all("label") if e.get("for")}
    names = []
    for box in boxes:
        assert box.get("id") in labels, f"evidence box {box['name']} has no <label for>"
        names.append(labels[str(box["id"])])
    # the indicator's own text and its dimension are in each label, so the boxes are told apart
    indicator_texts = [page.text(e) for e in page.all("label", **{"class": "indicator"})]
    assert all(text in name for text, name in zip(indicator_texts, names, strict=True))
    assert len(set(names)) == len(names)


def test_every_form_control_on_the_main_pages_has_a_label(sqlite_demo_db: Database, tmp_path: Path) -> None:
    """Every visible control is inside a <label>, named by <label for>, or has an aria-label(ledby)."""
    c = client_for(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)
    login(c, "nl.owner", DEMO_PASSWORD)
    unlabelled = []
    for url in ("/identification", "/identification/referrals", "/identification/cases", "/exchange/requests",
                "/exchange/routes", "/exchange/requests/new", "/statistics/data", "/statistics/estimates", "/linkage",
                "/coordination", "/audit"):
        html = c.get(url).text
        page = Page(html)
        named = {str(e["for"]) for e in page.all("label") if e.get("for")}
        for tag in ("input", "select", "textarea"):
            for el in page.all(tag):
                if el.get("type") in ("hidden", "submit"):
                    continue
                name = re.escape(str(el.get("name", "")))
                wrapped = re.search(rf"<label[^>]*>(?:(?!</label>).)*name=\"{name}\"", html, re.DOTALL)
                if not (wrapped or el.get("id") in named or el.get("aria-label") or el.get("aria-labelledby")):
                    unlabelled.append(f"{url}: <{tag} name={el.get('name')}>")
    assert not unlabelled, unlabelled


def test_answer_controls_of_the_requests_inbox_name_their_request(sqlite_demo_db: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)
    login(c, "nl.owner", DEMO_PASSWORD)
    page = Page(c.get("/exchange/requests").text)
    answers = [e for e in page.all("a") if str(e.get("href", "")).endswith("#answer")]
    assert answers, "nl.owner has requests to answer in the demo"
    for a in answers:
        reference = str(a["href"]).split("/")[-1].removesuffix("#answer")
        assert page.text(a) == f"Answer request {reference}"
    assert all(page.text(th) for th in page.all("th")), "a table column without a header"


def test_the_frame_has_a_skip_link_landmarks_and_the_pages_language(sqlite_demo_db: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)
    for who, url, lang in ((None, "/statistics", "en"), ("gr.officer", "/identification?lang=es", "es"),
                           ("gr.officer", "/identification?lang=ar", "ar")):
        if who:
            login(c, who, DEMO_PASSWORD)
        page = Page(c.get(url).text)
        first_link = page.all("a")[0]
        assert first_link["href"] == "#main" and page.text(first_link), "the first link skips to the content"
        assert [m.get("id") for m in page.all("main")] == ["main"]
        assert len(page.all("header")) == 1 and len(page.all("footer")) == 1
        navs = page.all("nav")
        assert navs and all(n.get("aria-label") for n in navs[:1]), "the sections' navigation is named"
        assert page.all("html")[0]["lang"] == lang
        assert page.all("html")[0]["dir"] == ("rtl" if lang == "ar" else "ltr")
    spanish = Page(c.get("/identification?lang=es").text)
    assert page.text(spanish.all("a")[0]) == "Saltar al contenido"  # the frame speaks the page's language


def test_country_profile_chart_has_a_caption_and_its_data_as_a_table(sqlite_demo_db: Database, tmp_path: Path) -> None:
    c = client_for(make_settings(tmp_path, sqlite_demo_db), sqlite_demo_db)
    html = c.get("/statistics/country/NLD").text
    page = Page(html)
    figure = page.all("figure")[0]
    caption = page.all("figcaption")[0]
    assert figure["aria-labelledby"] == caption["id"] and page.text(caption).startswith("Justice funnel, Netherlands")
    summaries = [page.text(s) for s in page.all("summary")]
    assert "The data of this chart, as a table" in summaries and all(summaries), "every <summary> has a text"
    spec = json.loads(unescape(re.search(r"id=\"funnel\"[^>]*data-vega-spec='([^']+)'", html).group(1)))
    assert spec["width"] == "container" and spec["config"]["mark"]["aria"] is False and "usermeta" not in spec
    region = next(e for e in page.all("div", role="region") if e.get("aria-label") == page.text(caption))
    assert region["tabindex"] == "0"
    # the table holds exactly the chart's bars: one row per bar, with its source and value
    rows = re.search(r"<details class=\"chart-data\">.*?<tbody>(.*?)</tbody>", html, re.DOTALL).group(1)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", r) for r in re.findall(r"<tr>(.*?)</tr>", rows, re.DOTALL)]
    assert [(r[0], r[3]) for r in cells] == [(b["source"], f"{int(b['value']):,}") for b in spec["data"]["values"]]


def test_data_table_reads_the_data_set_the_builder_names() -> None:
    vega = {"data": [{"name": "a", "values": [{"x": 1}]}, {"name": "links", "values": [{"from": "A", "n": 2.0}]}],
            "usermeta": {"table": {"data": "links", "columns": [["from", "from"], ["n", "people"]]}},
            "marks": [{"type": "group", "marks": [{"type": "path", "from": {"data": "links"}}]}]}
    t = data_table(vega)
    assert t is not None and t.headers == ["from", "people"] and t.rows == [["A", 2]]  # 2, not "2.0"
    drawn = for_page(vega)
    assert drawn["marks"][0]["aria"] is False and drawn["marks"][0]["marks"][0]["aria"] is False
    assert "usermeta" not in drawn and "usermeta" in vega  # the builder's spec is left as it was
    lite = {"vconcat": [{"data": {"values": [{"k": "NGO & PF", "v": "<5"}]}}, {"data": {"values": []}}],
            "usermeta": {"table": {"view": 0, "columns": [["k", "lists"], ["v", "people"]]}}}
    assert data_table(lite).rows == [["NGO & PF", "<5"]]  # type: ignore[union-attr]
    assert data_table({"data": {"values": [{"x": 1}]}}) is None
