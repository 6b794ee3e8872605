"""The ``palermo`` command: thin Typer commands over the core, one sub-command group per domain."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

import typer

from palermo.auth import accounts, audit, mfa
from palermo.auth.roles import ORG_TYPES, ROLES, Principal
from palermo.cli.common import cli_principal, console, database, handle_errors, print_json, progress_bar, settings
from palermo.errors import AuditChainBroken
from palermo.linkage import calibration_cache

app = typer.Typer(help="Palermo: cooperation platform against trafficking in human beings and migrant smuggling.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="User accounts.", no_args_is_help=True)
orgs_app = typer.Typer(help="Organisations.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit trail.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(orgs_app, name="orgs")
app.add_typer(audit_app, name="audit")

# One group per domain; each module defines `app`.
for _name in ("stats", "link", "exchange", "coord", "identify", "maintenance"):
    _mod = importlib.import_module(f"palermo.cli.{_name}")
    app.add_typer(_mod.app, name=_name)


@app.callback()
def _root(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details.")) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    calibration_cache.use_directory(settings().resolved_cache_dir)


@app.command()
@handle_errors
def init() -> None:
    """Create or upgrade the database schema in the configured workspace."""
    db = database(must_exist=False)
    db.upgrade()
    console.print(f"Palermo database ready at {db.safe_url}")


@db_app.command("upgrade")
@handle_errors
def db_upgrade() -> None:
    """Apply all pending migrations (alembic upgrade heads)."""
    db = database(must_exist=False)
    db.upgrade()
    console.print(f"Schema up to date at {db.safe_url}")


@app.command()
@handle_errors
def serve(host: str = typer.Option(None, help="Address to listen on (default from settings)."),
          port: int = typer.Option(None, help="Port (default from settings)."),
          workers: int = typer.Option(1, "--workers", min=1, max=64,
                                      help="Server processes; more than one serves more users at once (fine with SQLite WAL).")) -> None:
    """Run the web app and JSON API."""
    import uvicorn

    from palermo.web.app import server_config

    cfg = settings()
    db = database(cfg)
    config = server_config(cfg, db, host, port)
    console.print(f"Palermo on http://{config.host}:{config.port} (database {db.safe_url}, {workers} process(es))")
    if workers == 1:
        uvicorn.Server(config).run()
        return
    # Each worker process builds its own app (and database engine) from the same settings.
    uvicorn.run("palermo.web.app:create_app", factory=True, host=config.host, port=config.port, workers=workers,
                log_level="warning", limit_concurrency=config.limit_concurrency)


@app.command()
@handle_errors
def demo(force: bool = typer.Option(False, "--force", help="Rebuild even if demo data already exist.")) -> None:
    """Build the demo workspace (organisations, users, data of every area) and print the demo logins."""
    from palermo.demo import DEMO_PASSWORD, build_demo

    cfg = settings()
    db = database(cfg, must_exist=False)
    db.upgrade()
    report = build_demo(db, force=force, settings=cfg)
    console.print(report.summary())
    console.print(f"\nDemo logins (password for all: [bold]{DEMO_PASSWORD}[/]):")
    for username, org, roles in report.logins:
        console.print(f"  {username:<22} {org:<14} {roles}")
    console.print("Admins and data owners set up a second factor (an authenticator app) at their first web login: "
                  "the page shows a QR code and the key to type.")


@users_app.command("add")
@handle_errors
def users_add(username: str = typer.Argument(..., help="Login name."),
              org: str = typer.Option(..., "--org", help="Organisation short name or id."),
              roles: str = typer.Option("viewer", "--roles", help=f"Comma-separated: {', '.join(ROLES)}."),
              password: str = typer.Option(..., "--password", prompt=True, hide_input=True, confirmation_prompt=True,
                                           help="At least 10 characters."),
              full_name: str = typer.Option("", "--name", help="Full name.")) -> None:
    """Add a user to an organisation."""
    db = database()
    with db.session() as s:
        user = accounts.create_user(s, cli_principal(), username=username, password=password, organisation=org,
                                    roles=roles, full_name=full_name)
        console.print(f"User {user.username} added to {user.organisation.short_name} with roles {user.roles}")


@users_app.command("list")
@handle_errors
def users_list(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List users."""
    with database().session(write=False) as s:
        rows = [{"username": u.username, "organisation": u.organisation.short_name, "roles": u.roles, "active": u.active}
                for u in accounts.list_users(s, cli_principal())]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        console.print(f"{r['username']:<24} {r['organisation']:<14} {r['roles']}")


@users_app.command("token")
@handle_errors
def users_token(username: str = typer.Argument(..., help="User the token acts as."),
                name: str = typer.Option("cli", "--name", help="Label for the token.")) -> None:
    """Issue an API token for a machine client (shown once)."""
    with database().session() as s:
        issued = accounts.issue_token(s, cli_principal(), accounts.get_user(s, username), name)
        typer.echo(issued.token)


@users_app.command("tokens")
@handle_errors
def users_tokens(username: str = typer.Argument(..., help="User whose API tokens to list."),
                 as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List a user's API tokens (reference, name, prefix, date, revoked); the tokens themselves are never stored."""
    with database().session(write=False) as s:
        rows = [{"reference": t.reference, "name": t.name, "prefix": t.prefix, "created_at": t.created_at.isoformat(timespec="seconds"),
                 "revoked": t.revoked} for t in accounts.user_tokens(s, cli_principal(), username)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print(f"{username} has no API tokens")
    for r in rows:
        console.print(f"{r['reference']:<16} {r['name']:<20} {r['prefix']}…  {r['created_at']}  {'revoked' if r['revoked'] else 'active'}")


@users_app.command("revoke-token")
@handle_errors
def users_revoke_token(reference: str = typer.Argument(..., help="The token's reference, tok-…, as `palermo users tokens USER` "
                                                                   "lists it.")) -> None:
    """Revoke an API token: refused from its next request on."""
    with database().session() as s:
        rec = accounts.revoke_token(s, cli_principal(), reference)
        console.print(f"API token {rec.reference} ({rec.name}, {rec.prefix}…) of {rec.user.username} revoked")


@users_app.command("deactivate")
@handle_errors
def users_deactivate(username: str = typer.Argument(..., help="User to deactivate.")) -> None:
    """Deactivate a user: no more logins, every web session ends, every API token is revoked."""
    with database().session() as s:
        user = accounts.deactivate_user(s, cli_principal(), username)
        console.print(f"User {user.username} deactivated: signed out everywhere, API tokens revoked")


@users_app.command("reset-mfa")
@handle_errors
def users_reset_mfa(username: str = typer.Argument(..., help="User whose authenticator is lost.")) -> None:
    """Remove a user's second factor (a lost phone): their sessions end and they set up a new one at the next login."""
    with database().session() as s:
        user = accounts.get_user(s, username)
        had = mfa.reset(s, cli_principal(), user)
        console.print(f"Second factor of {user.username} {'reset' if had else 'was not set up; nothing to reset'}; "
                      "every web session of the account ended")


@users_app.command("logout")
@handle_errors
def users_logout(username: str = typer.Argument(..., help="User to sign out.")) -> None:
    """Log a user out everywhere: every web session of the account ends at once."""
    with database().session() as s:
        user = accounts.get_user(s, username)
        accounts.end_sessions(s, cli_principal(), user)
        console.print(f"Every web session of {user.username} ended")


@users_app.command("unlock")
@handle_errors
def users_unlock(username: str = typer.Argument(..., help="User whose login lock-out to lift.")) -> None:
    """Lift the login lock-out of a user (set after too many failed logins)."""
    from palermo.auth import throttle

    with database().session() as s:
        user = accounts.get_user(s, username)
        lifted = throttle.lift(s, cli_principal(), user)
        console.print(f"Login lock-out of {user.username} lifted" if lifted else f"{user.username} was not locked out")


@users_app.command("password")
@handle_errors
def users_password(username: str = typer.Argument(..., help="User whose password to set."),
                   password: str = typer.Option(..., "--password", prompt=True, hide_input=True, confirmation_prompt=True,
                                                help="At least 10 characters.")) -> None:
    """Set a user's password; every web session of the user ends."""
    with database().session() as s:
        user = accounts.get_user(s, username)
        accounts.change_password(s, cli_principal(), user, password)
        console.print(f"Password of {user.username} changed; their sessions ended")


@orgs_app.command("add")
@handle_errors
def orgs_add(short_name: str = typer.Argument(..., help="Short name, e.g. NL-KMAR."),
             name: str = typer.Option(..., "--name", help="Full name."),
             org_type: str = typer.Option(..., "--type", help=f"One of: {', '.join(ORG_TYPES)}."),
             country: str = typer.Option(None, "--country", help="ISO 3166 code (empty for international bodies)."),
             operator: bool = typer.Option(False, "--operator", help="This organisation runs the hub.")) -> None:
    """Add an organisation."""
    with database().session() as s:
        org = accounts.create_organisation(s, cli_principal(), name=name, short_name=short_name, org_type=org_type,
                                           country=country, is_operator=operator)
        console.print(f"Organisation {org.short_name} ({org.name}) added")


@orgs_app.command("list")
@handle_errors
def orgs_list(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List organisations."""
    with database().session(write=False) as s:
        rows = [{"id": o.id, "short_name": o.short_name, "name": o.name, "type": o.org_type, "country": o.country}
                for o in accounts.list_organisations(s)]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        console.print(f"{r['short_name']:<14} {r['type']:<26} {r['country'] or '-':<4} {r['name']}")


@audit_app.command("verify")
@handle_errors
def audit_verify(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Check the audit chain; exit 1 and name the first bad entry if any row was altered, removed or reordered."""
    with database().session(write=False) as s:
        try:
            result = audit.verify(s, cli_principal())
        except AuditChainBroken as exc:
            if as_json:
                print_json({"ok": False, "first_bad_entry": exc.seq, "message": exc.message})
                raise SystemExit(1) from None
            raise
    if as_json:
        print_json({"ok": True, "entries": result.entries, "scope": "chain" if result.whole_chain else "organisation",
                    "head": result.head_hash})
    elif result.head_hash is not None:
        console.print(f"Audit chain intact: {result.entries} entries, head {result.head_hash[:16]}…")
    else:
        console.print(result.summary())


@audit_app.command("list")
@handle_errors
def audit_list(action: str = typer.Option(None, "--action", help="An action (session.login_failed) or a prefix ending in "
                                                                 "a dot (refused.)."),
               since: str = typer.Option(None, "--since", help="Only entries from this date or time on (YYYY-MM-DD, ISO 8601, UTC)."),
               limit: int = typer.Option(100, "--limit", min=1, max=100_000, help="At most this many entries, newest first."),
               as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Read the audit trail, newest first: who did what, and every refused request with its reason."""
    import json

    when = audit.parse_since(since) if since else None
    with database().session(write=False) as s:
        rows = [{"number": e.number, "scope": e.scope, "at": e.at, "actor": e.actor, "organisation_id": e.organisation_id,
                 "action": e.action,
                 "object_type": e.object_type, "object_id": e.object_id, "legal_basis": e.legal_basis,
                 "details": json.loads(e.details)} | ({"hash": e.hash} if e.hash else {})
                for e in audit.entries(s, cli_principal(), limit=limit, action=action, since=when)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("No audit entries match")
    for r in rows:
        console.print(f"#{r['number']:<6} {r['at'][:19]}  {r['actor']:<16} {r['action']:<28} {r['object_type']} {r['object_id']}"
                      f"  {json.dumps(r['details'], ensure_ascii=False)[:160]}", highlight=False, markup=False)


@app.command("backup")
@handle_errors
def backup_cmd(output: Path = typer.Option(..., "-o", "--output", help="Backup file to write (.zip).")) -> None:
    """Write a consistent snapshot of the whole database (safe while the app runs)."""
    from palermo.db.backup import backup

    with progress_bar() as bar:
        task = bar.add_task("backing up", total=None)
        manifest = backup(database(), output, lambda table, n: bar.update(task, description=f"{table}: {n} rows"))
    total = sum(t["rows"] for t in manifest["tables"].values())
    console.print(f"Backup written to {output}: {len(manifest['tables'])} tables, {total} rows")


@app.command("restore")
@handle_errors
def restore_cmd(backup_file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A file made by `palermo backup`.")) -> None:
    """Restore a backup into the configured (new, empty) database, all or nothing; then verify the audit chain."""
    from palermo.db.backup import restore

    db = database(must_exist=False)
    with progress_bar() as bar:
        task = bar.add_task("restoring", total=None)
        counts = restore(db, backup_file, lambda table, n: bar.update(task, description=f"{table}: {n} rows"))
    with db.session(write=False) as s:
        result = audit.verify(s, Principal.system())
    console.print(f"Restored {sum(counts.values())} rows into {db.safe_url}; audit chain intact ({result.entries} entries)")


def main() -> None:
    app()
