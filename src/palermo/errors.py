"""Palermo's exception tree.

Every failure a user can cause or meet is a subclass of :class:`PalermoError`, carrying the data
needed to explain it. The CLI turns them into a one-line message and a non-zero exit; the web app
turns them into a JSON error (API) or an error page (UI) with :attr:`PalermoError.http_status`.

* PalermoError
  * ConfigurationError      settings that cannot work (bad database URL, missing secret) -> 500-free CLI message
  * DatabaseUnavailable     the configured database cannot be reached, or is too busy right now (503)
  * ValidationError         input that breaks a rule; ``problems`` lists every problem found (422)
    * ImportRejected        a file import refused as a whole; ``problems`` are (line, reason) (422)
  * NotFound                an object that does not exist or is not visible to the caller (404)
  * Conflict                a duplicate or a state that forbids the change (409)
  * AuthenticationFailed    wrong credentials, expired session or token (401)
  * PermissionDenied        authenticated but not allowed (403)
  * RateLimited             quota or rate limit reached (429)
  * AuditChainBroken        the audit trail fails verification; ``seq`` names the first bad entry

Messages (``message``, a :class:`Problem`'s ``reason``) are marked for translation with
:func:`palermo.messages.N_`: a :class:`~palermo.messages.Message` is the English sentence as a ``str`` (what
the CLI prints and the audit trail records) that a face can say in its reader's language; the ``kind``
(the API's ``error`` code) never changes with the language.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from palermo.messages import N_, Message


@dataclass(frozen=True)
class NextStep:
    """What the reader can do about an error, as data rather than words: each face says it its own way
    (the web links to the page that does the job, the CLI names its command). ``action`` is a key of the
    faces' tables (``find_route``, ``list_organisations``...); ``params`` fill in the link or command."""

    action: str
    params: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, **self.params}


class PalermoError(Exception):
    """Base of every error Palermo raises on purpose."""

    http_status = 400
    kind = "error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None, next_step: NextStep | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}
        self.next_step = next_step
        if next_step is not None:
            self.details.setdefault("next_step", next_step.to_dict())
        # Writes that must survive the rollback of the refused unit of work (an audit record of the
        # refused attempt): each is called with a fresh session once the rollback is done.
        self.after_rollback: list[Callable[[Any], object]] = []

    def to_dict(self) -> dict[str, Any]:
        return {"error": self.kind, "message": self.message, "details": self.details}


class ConfigurationError(PalermoError):
    http_status = 500
    kind = "configuration"


class DatabaseUnavailable(PalermoError):
    http_status = 503
    kind = "database_unavailable"


SHOWN_VALUE = 60  # characters of a received value a message repeats


@dataclass(frozen=True)
class Problem:
    """One problem in an input: where (line/field) and what, with a hint how to fix it."""

    reason: str
    line: int | None = None
    field: str | None = None
    value: Any = None

    @property
    def text(self) -> Message:
        """The problem as one sentence (where, what, the value received), for a face to translate."""
        if self.value is None:
            reason = self.reason
        elif isinstance(self.value, str) and len(self.value) > SHOWN_VALUE:  # named by its start, never echoed whole
            reason = N_("{reason} (got {value!r}…, {length} characters)", reason=self.reason,
                        value=self.value[:SHOWN_VALUE], length=len(self.value))
        else:
            reason = N_("{reason} (got {value!r})", reason=self.reason, value=self.value)
        if self.line is not None and self.field:
            where: Message | None = N_("line {line}, field {field!r}", line=self.line, field=self.field)
        elif self.line is not None:
            where = N_("line {line}", line=self.line)
        elif self.field:
            where = N_("field {field!r}", field=self.field)
        else:
            where = None
        if where is None:
            return reason if isinstance(reason, Message) else Message(reason.replace("{", "{{").replace("}", "}}"))
        return N_("{where}: {reason}", where=where, reason=reason)

    def __str__(self) -> str:
        return str(self.text)

    def to_dict(self) -> dict[str, Any]:
        value = self.value if isinstance(self.value, (str, int, float, bool, type(None))) else str(self.value)
        if isinstance(value, float) and not math.isfinite(value):  # inf/nan are not JSON
            value = str(value)
        return {"line": self.line, "field": self.field, "value": value, "reason": self.reason}


class ValidationError(PalermoError):
    http_status = 422
    kind = "validation"

    def __init__(self, message: str, problems: list[Problem] | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.problems = list(problems or [])
        self.details.setdefault("problems", [p.to_dict() for p in self.problems])

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        shown = "\n".join(f"  - {p}" for p in self.problems[:50])
        more = f"\n  … and {len(self.problems) - 50} more" if len(self.problems) > 50 else ""
        return f"{self.message}\n{shown}{more}"


class ImportRejected(ValidationError):
    kind = "import_rejected"


class NotFound(PalermoError):
    http_status = 404
    kind = "not_found"


class Conflict(PalermoError):
    http_status = 409
    kind = "conflict"


class AuthenticationFailed(PalermoError):
    http_status = 401
    kind = "authentication_failed"


class PermissionDenied(PalermoError):
    http_status = 403
    kind = "permission_denied"


class RateLimited(PalermoError):
    http_status = 429
    kind = "rate_limited"


class AuditChainBroken(PalermoError):
    http_status = 500
    kind = "audit_chain_broken"

    def __init__(self, message: str, seq: int | None, *, owner: int | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.seq = seq
        self.owner = owner  # organisation of the entry found bad (None: unknown, e.g. a removed entry)
        self.details.setdefault("seq", seq)
