"""What every CLI command shares: the database from settings, error translation, JSON output."""

from __future__ import annotations

import functools
import getpass
import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from palermo.auth.roles import Principal
from palermo.db import Database
from palermo.errors import PalermoError
from palermo.settings import Settings

console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("palermo.cli")


def settings() -> Settings:
    return Settings()


def database(cfg: Settings | None = None, *, must_exist: bool = True) -> Database:
    cfg = cfg or settings()
    db = Database(cfg.resolved_database_url)
    db.check()
    if must_exist and not db.is_initialised():
        raise PalermoError(f"the database at {db.safe_url} has no Palermo schema yet; run `palermo init` (or `palermo db upgrade`)")
    return db


def cli_principal() -> Principal:
    """The CLI runs on the hub's own machine with the operator's authority; audited under the OS user."""
    system = Principal.system()
    try:
        who = getpass.getuser()
    except Exception:  # noqa: BLE001 - no passwd entry in some containers
        who = "unknown"
    return Principal(None, f"cli:{who}", None, system.roles, True)


# What to do next, in the CLI's words (the web links to its pages instead: palermo.web.next_steps).
CLI_STEPS = {
    "find_route": "look for a lawful route with `palermo exchange routes --from {from} --to {to} --category {category} "
                  "--purpose {purpose}`",
    "list_organisations": "list them with `palermo orgs list` or add it with `palermo orgs add`",
    "list_users": "list users with `palermo users list`",
    "list_tokens": "list a user's tokens with `palermo users tokens USER`",
    "list_agreements": "list them with `palermo exchange agreements`",
    "list_uploads": "list yours with `palermo link uploads`",
    "list_sources": "list them with `palermo stats sources`",
    "mapping_format": "see docs/statistics.md for the mapping format",
    "bootstrap_replicates": "--bootstrap {replicates} in the CLI",
    "merge_or_parametric": "merge small lists with --merge, or use --bootstrap-method parametric",
    "merge_actors": "merge them with `palermo coord merge {keep!r} {drop!r}`",
    "list_actors": "list them with `palermo coord actors`",
    "indicator_catalogue": "`palermo identify catalogue` lists the ids",
}


def error_text(exc: PalermoError) -> str:
    """The error as the CLI says it: its message, then what to do next as a command."""
    step = exc.next_step
    words = CLI_STEPS.get(step.action) if step is not None else None
    if not words:
        return str(exc)
    first, _, rest = str(exc).partition("\n")  # a list of problems stays below the message
    return f"{first}; {words.format_map(dict(step.params))}" + (f"\n{rest}" if rest else "")  # type: ignore[union-attr]


def handle_errors(fn: F) -> F:
    """Turn a PalermoError into one clear line on stderr and exit code 1 (2 for usage is Typer's); so too a
    file that is not UTF-8 text or cannot be opened, wherever in the command it was read."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except PalermoError as exc:
            _fail(error_text(exc))
        except UnicodeDecodeError as exc:  # a text file in another encoding, wherever it was read
            _fail(f"a file given is not UTF-8 text (byte {exc.object[exc.start:exc.start + 1]!r} at position "
                  f"{exc.start}); save it as UTF-8 (in a spreadsheet: CSV UTF-8) and try again")
        except OSError as exc:  # a file that cannot be opened or written: missing, a folder, no permission
            where = f" {exc.filename}" if exc.filename else ""
            _fail(f"cannot use the file{where}: {exc.strerror or exc}")

    return wrapper  # type: ignore[return-value]


def _fail(message: str) -> None:
    # Plain text after the label: a message quoting user input ("[x]") must not be read as markup.
    err_console.print(Text("Error: ", style="bold red") + Text(message), highlight=False, soft_wrap=True)
    raise typer.Exit(1) from None


def progress_bar() -> Progress:
    """The standard rich progress bar for long CLI work (to stderr, so --json output stays clean)."""
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err_console, transient=False)


def print_json(data: Any) -> None:
    """Machine-readable output for --json: plain JSON on stdout, nothing else."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
