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
