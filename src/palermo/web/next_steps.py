"""What to do about an error, in the web's words: a link to the page that does the job (the CLI names its
command instead: ``palermo.cli.common.CLI_STEPS``). The core only says which step (``errors.NextStep``)."""

from __future__ import annotations

from urllib.parse import urlencode

from palermo.errors import NextStep, PalermoError

# action -> (what the link says, the page or None when the advice needs no other page; True: the step's
# parameters become the page's query)
WEB_STEPS: dict[str, tuple[str, str | None, bool]] = {
    "find_route": ("Look for a lawful route through intermediaries", "/exchange/routes", True),
    "list_organisations": ("See the organisations (Lawful routes lists every one)", "/exchange/routes", False),
    "list_users": ("See the users (Administration)", "/admin", False),
    "list_tokens": ("See the users and their API tokens (Administration)", "/admin", False),
    "list_agreements": ("See the agreements", "/exchange/agreements", False),
    "list_uploads": ("See your uploads", "/linkage#uploads", False),
    "list_sources": ("See the sources", "/statistics", False),
    "mapping_format": ("How a mapping file is written", "/statistics/data#mapping-format", False),
    "bootstrap_replicates": (("Ask for bootstrap replicates ({replicates}, say) in the estimate's options, or set "
                              "the bootstrap interval to parametric"), None, False),
    "merge_or_parametric": ("Merge small lists, or set the bootstrap interval to parametric, in the estimate's "
                            "options", None, False),
    # no page merges actors (an analyst's registry task): the advice names who can
    "merge_actors": ("If the two are one body, ask an analyst of the coordination registry to merge them", None,
                     False),
    "list_actors": ("See who does what in the coordination map", "/coordination", False),
    "indicator_catalogue": ("See the indicators (the screening form lists every one)", "/identification", False),
}


def link_for(step: NextStep | None) -> tuple[str, str | None] | None:
    """``(text, href)``: what to do, and the page that does it (None: advice on the same page); None when the
    web has nothing to say for this step."""
    if step is None or step.action not in WEB_STEPS:
        return None
    text, path, query = WEB_STEPS[step.action]
    href = f"{path}?{urlencode(dict(step.params))}" if path and query and step.params else path
    return text.format_map(dict(step.params)), href


def error_link(error: object) -> tuple[str, str | None] | None:
    """For templates: the next-step link of an error, if it has one."""
    return link_for(error.next_step) if isinstance(error, PalermoError) else None
