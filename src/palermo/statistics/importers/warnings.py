"""An import's warnings as a reader takes them in: grouped by kind, how many of each, the first few.

A file of 50,000 rows may give 3,000 warnings of one kind (breakdowns that do not add up) and one of
another (country names read as codes); a page that shows the first warning only hides the second, and
one that lists all 3,001 hides it too. Warnings of one kind share their msgid
(:class:`palermo.messages.Message`), so the kind is known without parsing English sentences.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SHOWN = 5  # warnings shown of each kind; the rest are counted


@dataclass(frozen=True)
class WarningGroup:
    """Warnings of one kind: how many, and the first ones as they were written (each translatable)."""

    count: int
    first: list[str]

    @property
    def more(self) -> int:
        return self.count - len(self.first)


def group_warnings(warnings: Iterable[str], shown: int = SHOWN) -> list[WarningGroup]:
    """The warnings by kind (a Message's msgid; a plain text is a kind of its own), in order of first
    appearance; each group keeps its first ``shown`` warnings."""
    groups: dict[str, list[str]] = {}
    for w in warnings:
        groups.setdefault(getattr(w, "msgid", w), []).append(w)
    return [WarningGroup(len(ws), ws[:shown]) for ws in groups.values()]
