"""What to do about an error, in the web's words: a link to the page that does the job (the CLI names its
command instead: ``palermo.cli.common.CLI_STEPS``). The core only says which step (``errors.NextStep``)."""

from __future__ import annotations

from urllib.parse import urlencode

from palermo.errors import NextStep, PalermoError
from palermo.i18n import N_, gettext_now

# action -> (what the link says, translated when a page shows it; the page or None when the advice needs no
# other page; True: the step's parameters become the page's query)
WEB_STEPS: dict[str, tuple[str, str | None, bool]] = {
    "find_route": (N_("Look for a lawful route through intermediaries"), "/exchange/routes", True),
    "list_organisations": (N_("See the organisations (Lawful routes lists every one)"), "/exchange/routes", False),
    "list_users": (N_("See the users (Administration)"), "/admin", False),
    "list_tokens": (N_("See the users and their API tokens (Administration)"), "/admin", False),
    "list_agreements": (N_("See the agreements"), "/exchange/agreements", False),
    "list_uploads": (N_("See your uploads"), "/linkage#uploads", False),
    "list_sources": (N_("See the sources"), "/statistics", False),
    "mapping_format": (N_("How a mapping file is written"), "/statistics/data#mapping-format", False),
    "bootstrap_replicates": (N_("Ask for bootstrap replicates ({replicates}, say) in the estimate's options, or set "
                                 "the bootstrap interval to parametric"), None, False),
    "merge_or_parametric": (N_("Merge small lists, or set the bootstrap interval to parametric, in the estimate's "
                               "options"), None, False),
    # no page merges actors (an analyst's registry task): the advice names who can
    "merge_actors": (N_("If the two are one body, ask an analyst of the coordination registry to merge them"), None,
                     False),
    "list_actors": (N_("See who does what in the coordination map"), "/coordination", False),
    "indicator_catalogue": (N_("See the indicators (the screening form lists every one)"), "/identification", False),
}


def link_for(step: NextStep | None) -> tuple[str, str | None] | None:
    """``(text, href)``: what to do, and the page that does it (None: advice on the same page); None when the
    web has nothing to say for this step."""
    if step is None or step.action not in WEB_STEPS:
        return None
    text, path, query = WEB_STEPS[step.action]
    href = f"{path}?{urlencode(dict(step.params))}" if path and query and step.params else path
    return gettext_now(text).format_map(dict(step.params)), href  # in the language of the page being shown


def error_link(error: object) -> tuple[str, str | None] | None:
    """For templates: the next-step link of an error, if it has one."""
    return link_for(error.next_step) if isinstance(error, PalermoError) else None
