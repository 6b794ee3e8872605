"""A sentence is one message: a translator gets ``_('{0} pending, {1} overdue.')`` or
``_('No hit matches; {0}.')|fill(link)``, never the pieces of a sentence split around a value, a link or a
code (``_('Look for a route on')`` <a>…</a> ``_('.')``), which no language but English can put in order.

The check reads every template and flags a wrapped message that continues a sentence (it starts in lower
case or with ``, ; . )`` right after a value, a link, a code or a statement followed by a space) or that
leads into one (three words or more, ending in a word, right before a value, a link or a code)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).parents[2] / "src" / "palermo" / "web" / "templates"
CALL = re.compile(r"""\{\{-?\s*_\((?P<q>['"])(?P<id>(?:\\.|(?!(?P=q)).)*)(?P=q)\)(?P<rest>.*?)-?\}\}""", re.S)
INLINE = r"a|code|strong|em|b|i|abbr|time|kbd"
# what ends the piece before a message that continues a sentence: a value, a statement and a space, an inline tag
AFTER_PIECE = re.compile(rf"(\}}\}}|%\}}(?=\s)|</({INLINE})>)\s*$")
# what starts the piece after a message that leads into one: a value (not another message), an inline tag
BEFORE_PIECE = re.compile(rf"^\s*(\{{\{{(?!-?\s*_\()|<({INLINE})[\s>])")
TAIL = re.compile(r"[a-z,;.)]")
HEAD = re.compile(r"[^\W\d_]$")


def fragments(source: str) -> list[str]:
    """The wrapped messages of a template ``source`` that look like pieces of a sentence."""
    found = []
    for m in CALL.finditer(source):
        msgid = m.group("id")
        before, after = source[max(0, m.start() - 80):m.start()], source[m.end():m.end() + 80]
        if TAIL.match(msgid) and AFTER_PIECE.search(before):
            found.append(f"continues a sentence: {msgid!r}")
        elif HEAD.search(msgid) and len(msgid.split()) >= 3 and BEFORE_PIECE.match(after):
            found.append(f"leads into a sentence: {msgid!r}")
    return found


@pytest.mark.parametrize("name", sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")))
def test_no_template_splits_a_sentence(name: str) -> None:
    found = fragments((TEMPLATES / name).read_text(encoding="utf-8"))
    assert not found, f"{name}: make each a whole sentence with placeholders (|fill for links): {found}"


def test_the_check_finds_split_sentences() -> None:
    """The shapes this repository had (a sentence around a link, a code, a value, after a condition) are
    caught; labels, badges, a table cell's own words and whole sentences with placeholders are not."""
    split = """<p>{{ _('Look for a lawful route through intermediaries on') }} <a href="/r">{{ _('Lawful routes') }}</a>.</p>
<p>{{ _('Every operation under') }} <code>/api</code>{{ _(', with its answers.') }}</p>
<p><a href="/login">{{ _('Log in') }}</a> {{ _("to see your organisation's figures.") }}</p>
<p>{{ _('Method: {0}').format(m) }}{{ _('. Source: {0}').format(s) }}</p>
<h2>{{ _('Users') }}{% if x %} {{ _('of your organisation') }}{% endif %}</h2>"""
    assert fragments(split) == [
        "leads into a sentence: 'Look for a lawful route through intermediaries on'",
        "leads into a sentence: 'Every operation under'",
        "continues a sentence: ', with its answers.'",
        "continues a sentence: \"to see your organisation's figures.\"",
        "continues a sentence: '. Source: {0}'",
        "continues a sentence: 'of your organisation'"]
    whole = """<p>{{ _('Look for a lawful route through intermediaries on {0}.')|fill(link) }}</p>
<td>{{ c.deadline }} <span class="badge">{{ _('overdue') }}</span></td><td>{% else %}{{ _('not requested') }}{% endif %}</td>
<dt>{{ _('Published by') }}</dt><dd>{{ org }}</dd><label>{{ _('Owner') }} <select name="o"></select></label>
<p>{{ _('{0} pending, {1} overdue.').format(n, late) }} {{ _('Refusal reasons:') }} {{ reasons }}</p>"""
    assert fragments(whole) == []
