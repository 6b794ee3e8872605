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
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

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


def handle_errors(fn: F) -> F:
    """Turn a PalermoError into one clear line on stderr and exit code 1 (2 for usage is Typer's)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except PalermoError as exc:
            err_console.print(f"[bold red]Error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def progress_bar() -> Progress:
    """The standard rich progress bar for long CLI work (to stderr, so --json output stays clean)."""
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=err_console, transient=False)


def print_json(data: Any) -> None:
    """Machine-readable output for --json: plain JSON on stdout, nothing else."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
