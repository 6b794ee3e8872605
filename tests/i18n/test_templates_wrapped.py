"""Every word a reader meets on a page is wrapped for translation: the template text, the attributes a
reader hears or sees (title, aria-label, placeholder, alt) and the words macros show (a table box's name,
a chart's caption, a list's noun). Only brand names and codes may stay bare."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.i18n.template_words import WORD, unwrapped

TEMPLATES = Path(__file__).parents[2] / "src" / "palermo" / "web" / "templates"
# Names and codes, the same in every language: the brand, the suppressed-cell mark, the "3P" of the
# prevention/protection/prosecution frame, a p-value's "p".
ALLOWED = {"Palermo", "c", "P", "p"}


def _bare(found: str) -> bool:
    return any(w not in ALLOWED for w in WORD.findall(found.split(": ", 1)[1]))


@pytest.mark.parametrize("name", sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")))
def test_no_template_has_unwrapped_words(name: str) -> None:
    found = [f for f in unwrapped(TEMPLATES / name, TEMPLATES) if _bare(f)]
    assert not found, f"{name}: words not wrapped in _(): {found}"


def test_the_check_finds_bare_words(tmp_path: Path) -> None:
    """Text, a read attribute, a shown macro argument and a concatenated label are caught; wrapped words,
    ids, URLs and code samples are not."""
    page = tmp_path / "page.html"
    page.write_text("""{% extends "base.html" %}{% block content %}
<h1>Bare heading</h1><p>{{ _('Wrapped') }} {{ n }}</p>
<input placeholder="type here" name="q" value="keep"><a href="/x/y" title="{{ _('Fine') }}">{{ _('Link') }}</a>
<img alt="A chart">{% call ui.scroll('Bare label') %}{% endcall %}{% call ui.scroll(_('Good label')) %}{% endcall %}
{{ lists.summary(page, 'entries') }}{% call ui.scroll('Figures, ' ~ year) %}{% endcall %}
<pre><code>source: {key: x}</code></pre>{% endblock %}""")
    found = unwrapped(page, TEMPLATES)
    assert found == ["text: Bare heading", "input[placeholder]: type here", "img[alt]: A chart",
                     "scroll(…): Bare label", "summary(…): entries", "scroll(…): Figures, "]
