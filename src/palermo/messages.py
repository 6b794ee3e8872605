"""Words the core says to a person, marked for translation and said in the reader's language by a face.

The core cannot know who reads a message (a Spanish prosecutor on a page, an English script on the CLI),
so it does not translate: it *marks*. ``N_("country {country!r} is not an ISO 3166 code", country=c)``
is a :class:`Message`: a ``str`` whose text is the English sentence with its values filled in (the CLI,
logs and the audit trail read it as any string), carrying the ``msgid`` Babel extracts (``N_`` is an
extraction keyword of ``locale/babel.cfg``) and the named ``params``. A face says it in its reader's
language with :meth:`Message.localised`: gettext of the msgid from the catalogues, then the params
formatted in. This is the lazy string of Django's ``format_lazy`` and Flask-Babel's ``lazy_gettext``,
made explicit: evaluated by the face that knows the language, not by whoever happens to call ``str()``.

Named placeholders (``{country}``, not ``{}``) let translators reorder them; a param that is itself a
Message (a reason inside a sentence) is translated too. A translation that lost or renamed a placeholder
never hides the message: the English is shown instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

Gettext = Callable[[str], str]


class Message(str):
    """An English sentence (``str(self)``) with its msgid and params, for a face to translate."""

    msgid: str
    params: Mapping[str, Any]

    def __new__(cls, msgid: str, params: Mapping[str, Any] | None = None) -> Message:
        params = dict(params or {})
        text = str.__new__(cls, msgid.format(**params) if params else msgid)
        text.msgid = msgid
        text.params = params
        return text

    def localised(self, gettext: Gettext) -> str:
        """The message in the language of ``gettext`` (a catalogue's ``gettext``), values filled in."""
        params = {k: v.localised(gettext) if isinstance(v, Message) else v for k, v in self.params.items()}
        try:
            return gettext(self.msgid).format(**params) if params else gettext(self.msgid)
        except (KeyError, IndexError, ValueError, AttributeError):  # a broken translation: the English
            return str(self)

    def __reduce__(self) -> tuple[Any, ...]:  # copy/pickle keep the msgid (a cached chart spec)
        return (Message, (self.msgid, dict(self.params)))

    def __repr__(self) -> str:
        return str.__repr__(self)


def N_(msgid: str, **params: Any) -> Message:
    """Mark ``msgid`` for translation; ``params`` fill its named placeholders (``{name}``, ``{name!r}``,
    ``{n:,}``). Literal braces in the text are doubled (``{{``), as ``str.format`` wants."""
    return Message(msgid, params)


class Figure(Message):
    """A number inside a sentence, written as the reader's language writes numbers (10,000 · 10.000 ·
    10 000): English grouping in ``str(self)`` for the CLI, logs and audit; the page's (or the API answer's)
    language when a face says it (``palermo.i18n.format_number``)."""

    value: float

    def __new__(cls, value: float) -> Figure:
        text = str.__new__(cls, f"{value:,}")
        text.msgid, text.params, text.value = "{value}", {"value": value}, value
        return text

    def localised(self, gettext: Gettext) -> str:
        from palermo.i18n import format_number  # i18n builds on this module

        return format_number(self.value)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Figure, (self.value,))


class Day(Message):
    """A date inside a sentence: ISO 8601 (2026-12-01) in ``str(self)`` for the CLI, logs and audit, written out
    in the reader's language when a face says it (1 de diciembre de 2026: ``palermo.i18n.format_date``)."""

    value: date

    def __new__(cls, value: date) -> Day:
        text = str.__new__(cls, value.isoformat())
        text.msgid, text.params, text.value = "{value}", {"value": value}, value
        return text

    def localised(self, gettext: Gettext) -> str:
        from palermo.i18n import format_date  # i18n builds on this module

        return format_date(self.value)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Day, (self.value,))


def either(items: Iterable[str]) -> str:
    """Alternatives in a sentence ("admin or analyst"), the "or" in the reader's language; one item as it is."""
    items = list(items)
    if len(items) <= 1:
        return items[0] if items else ""
    said: str = items[0]
    for item in items[1:]:
        said = N_("{first} or {second}", first=said, second=item)
    return said


def to_data(message: Message) -> dict[str, Any]:
    """A message as JSON data (a signed session's confirmation), the messages and figures inside it kept."""
    def value(v: Any) -> Any:
        if isinstance(v, Figure):
            return {"figure": v.value}
        if isinstance(v, Day):
            return {"day": v.value.isoformat()}
        if isinstance(v, Message):
            return to_data(v)
        return v if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)
    return {"msgid": message.msgid, "params": {k: value(v) for k, v in message.params.items()}}


def from_data(data: Any) -> Message | None:
    """The message :func:`to_data` kept; None for anything else (a session from another release)."""
    if not (isinstance(data, dict) and isinstance(data.get("msgid"), str) and isinstance(data.get("params"), dict)):
        return None

    def value(v: Any) -> Any:
        if isinstance(v, dict) and isinstance(v.get("figure"), (int, float)) and len(v) == 1:
            return Figure(v["figure"])
        if isinstance(v, dict) and isinstance(v.get("day"), str) and len(v) == 1:
            return Day(date.fromisoformat(v["day"]))
        return from_data(v) if isinstance(v, dict) else v
    params = {k: value(v) for k, v in data["params"].items()}
    if any(p is None for p in params.values()):
        return None
    return Message(data["msgid"], params)


def joined(parts: Iterable[str], sep: str = "; ") -> Message:
    """Several messages as one ("a; b; c"), each said in the reader's language (the joining is no msgid)."""
    parts = list(parts)
    return Message(sep.replace("{", "{{").replace("}", "}}").join(f"{{p{i}}}" for i in range(len(parts))),
                   {f"p{i}": p for i, p in enumerate(parts)})


def verbatim(text: str) -> Message:
    """A text the platform did not write (a library's error, a line of the user's file), shown as it is in
    every language: marked as such, so that the check for unmarked messages knows it was meant."""
    return Message("{text}", {"text": str(text)})


def translated(text: Any, gettext: Gettext) -> Any:
    """``text`` in the language of ``gettext`` if it is a :class:`Message`, else as it is (data, a name)."""
    return text.localised(gettext) if isinstance(text, Message) else text


def translated_tree(value: Any, gettext: Gettext) -> Any:
    """A copy of a JSON-like value (an error's details) with every Message in it translated."""
    if isinstance(value, Message):
        return value.localised(gettext)
    if isinstance(value, Mapping):
        return {k: translated_tree(v, gettext) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [translated_tree(v, gettext) for v in value]
    return value
