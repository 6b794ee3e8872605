"""Confirmations after a form ("Request filed", "Imported 5 initiatives"), said on the next page in its reader's
language.

A form's route answers with a redirect (post/redirect/get); what it did is told on the page it redirects to.
A confirmation with values is a :class:`~palermo.messages.Message` kept in the signed session for that one
next page (:func:`flash`, as Flask's ``flash``), so the page translates its msgid and fills in its values;
a fixed confirmation may instead ride in the address (``?message=Request filed``, an ``N_`` constant the
template translates), so that the link stays meaningful when copied.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from palermo.messages import Message, from_data, to_data

KEY = "flash"


def flash(request: Request, message: Message) -> None:
    """Keep ``message`` for the next page this visitor sees (as JSON data, the session being JSON: a message
    or a figure inside it is kept as one, to be said in the page's language too)."""
    request.session[KEY] = to_data(message)


def flashed(request: Request) -> Message | str | None:
    """The confirmation the page shows (once): a flashed message, else the address's ``?message=``."""
    kept: Any = request.session.pop(KEY, None) if "session" in request.scope else None
    if isinstance(kept, dict):
        try:
            return from_data(kept)
        except (KeyError, IndexError, ValueError):  # a message changed between two releases: say nothing
            return None
    return request.query_params.get("message")
