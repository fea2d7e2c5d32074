"""Operator commands: ``flask --app casestore <command>``.

init, create-staff, staff-token, create-api-key, revoke-api-key,
catalog-check, export-csv, notifier and media-prune. Secrets (passwords, tokens, keys) are
printed once and stored only hashed.
"""

from __future__ import annotations

import csv
import sys
from contextlib import closing
from pathlib import Path

import click
from sqlalchemy import select

from .auth import (
    create_api_key,
    create_staff_token,
    hash_password,
    new_secret,
    write_secret_file,
)
from .catalog import CatalogError, load_catalog
from .db import new_session
from .migrate import upgrade_database
from .models import STAFF_ROLES, ApiKey, Case, StaffUser, utcnow

ADMIN_EMAIL = "admin@localhost"
PUBLIC_COLUMNS = ("number", "service_code", "department", "status", "channel", "address_normalized",
                  "lat", "long", "created_at", "updated_at", "expected_at", "closed_at",
                  "close_reason")
PRIVATE_COLUMNS = ("requester_name", "requester_email", "requester_phone", "requester_address")


def _write_secret_once(path: Path) -> bool:
    """Create ``path`` with a random secret (mode 0600) unless it exists; True when created."""
    return write_secret_file(path, new_secret() + "\n")


def register_cli(app) -> None:
    """Add the case store's commands to ``app.cli``."""

    @app.cli.command("migrate")
    def migrate_command():
        """Upgrade the database schema to the latest revision."""
        upgrade_database(app.config["DATABASE_URL"])
        click.echo("database schema is up to date")

    @app.cli.command("init")
    def init_command():
        """Migrate, then on first run create the tokens and the admin account."""
        var = Path(app.config["VAR_DIR"])
        var.mkdir(parents=True, exist_ok=True)
        upgrade_database(app.config["DATABASE_URL"])
        if _write_secret_once(var / "service_token"):
            click.echo(f"created the service token in {var / 'service_token'}")
        if _write_secret_once(var / "rasa_token"):
            click.echo(f"created Rasa's API token in {var / 'rasa_token'}")
        if _write_secret_once(var / "channels_internal_token"):
            click.echo("created the channels' internal token in "
                       f"{var / 'channels_internal_token'}")
        # The action server's own token towards the channels' internal app.
        if _write_secret_once(var / "actions_channels_token"):
            click.echo("created the action server's channels token in "
                       f"{var / 'actions_channels_token'}")
        with closing(new_session()) as session:
            has_admin = session.execute(
                select(StaffUser.id).where(StaffUser.role == "admin")).first()
            if has_admin is None:
                password = new_secret()[:20]
                session.add(StaffUser(email=ADMIN_EMAIL, name="Administrator", role="admin",
                                      password_hash=hash_password(password)))
                session.commit()
                click.echo(f"created the admin account {ADMIN_EMAIL} with password: {password}")
                click.echo("(shown once: sign in at /portal and change it)")
        click.echo("case store ready")

    @app.cli.command("create-staff")
    @click.argument("email")
    @click.option("--role", type=click.Choice(STAFF_ROLES), required=True)
    @click.option("--department", default=None, help="department code (role department)")
    @click.option("--name", default=None, help="display name shown on case timelines")
    @click.option("--password-stdin", is_flag=True, help="read the password from stdin")
    def create_staff_command(email, role, department, name, password_stdin):
        """Create a staff user; prints a generated password unless --password-stdin."""
        from .catalog import get_catalog

        if role == "department" and (not department or get_catalog().department(department)
                                     is None):
            raise click.UsageError("--department must be a catalog department code")
        password = sys.stdin.readline().rstrip("\n") if password_stdin else new_secret()[:20]
        if len(password) < 10:
            raise click.UsageError("the password must be at least 10 characters")
        with closing(new_session()) as session:
            if session.execute(select(StaffUser.id).where(StaffUser.email == email)).first():
                raise click.UsageError(f"{email} already exists")
            session.add(StaffUser(email=email, name=name or email.split("@")[0], role=role,
                                  department=department if role == "department" else None,
                                  password_hash=hash_password(password)))
            session.commit()
        click.echo(f"created {role} {email}")
        if not password_stdin:
            click.echo(f"password: {password}")

    @app.cli.command("staff-token")
    @click.argument("email")
    def staff_token_command(email):
        """Issue a bearer token for a staff user (printed once)."""
        with closing(new_session()) as session:
            user = session.execute(
                select(StaffUser).where(StaffUser.email == email)).scalar_one_or_none()
            if user is None or not user.active:
                raise click.UsageError(f"no active staff user {email}")
            click.echo(create_staff_token(session, user))

    @app.cli.command("create-api-key")
    @click.argument("name")
    def create_api_key_command(name):
        """Create an Open311 API key for an outside application (printed once)."""
        with closing(new_session()) as session:
            row, key = create_api_key(session, name)
            click.echo(f"api key {row.id} for {name}: {key}")

    @app.cli.command("revoke-api-key")
    @click.argument("key_id", type=int)
    def revoke_api_key_command(key_id):
        """Revoke an Open311 API key by its id."""
        with closing(new_session()) as session:
            row = session.get(ApiKey, key_id)
            if row is None:
                raise click.UsageError(f"no api key {key_id}")
            row.revoked_at = row.revoked_at or utcnow()
            session.commit()
            click.echo(f"revoked api key {key_id} ({row.name})")

    @app.cli.command("catalog-check")
    @click.argument("path", required=False)
    def catalog_check_command(path):
        """Validate the catalog file (default: CATALOG_PATH)."""
        target = path or app.config["CATALOG_PATH"]
        try:
            catalog = load_catalog(target)
        except CatalogError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"{target}: ok ({len(catalog.departments)} departments, "
                   f"{len(catalog.services)} services, {len(catalog.referrals)} referrals; "
                   f"languages {', '.join(catalog.city.languages)})")

    @app.cli.command("export-csv")
    @click.option("--out", type=click.Path(dir_okay=False), default=None,
                  help="file to write (default: stdout)")
    @click.option("--include-private", is_flag=True, help="add requester contact columns")
    def export_csv_command(out, include_private):
        """Export cases to CSV (no requester data unless --include-private)."""
        columns = PUBLIC_COLUMNS + (PRIVATE_COLUMNS if include_private else ())
        stream = open(out, "w", newline="", encoding="utf-8") if out else sys.stdout  # noqa: SIM115
        with closing(new_session()) as session:
            writer = csv.writer(stream)
            writer.writerow(columns)
            rows = session.execute(select(Case).order_by(Case.id).execution_options(
                yield_per=1000)).scalars()
            for case in rows:
                writer.writerow([_csv_value(getattr(case, c)) for c in columns])
            if out:
                stream.close()

    @app.cli.command("media-prune")
    @click.option("--hours", type=float, default=24.0, show_default=True,
                  help="delete uploads no case took within this many hours")
    def media_prune_command(hours):
        """Delete photo uploads that were never attached to a case (and their files)."""
        import datetime as dt

        from .media.photos import prune_unattached

        with closing(new_session()) as session:
            removed = prune_unattached(session, dt.timedelta(hours=hours))
        click.echo(f"removed {removed}")

    @app.cli.command("notifier")
    @click.option("--once", is_flag=True, help="deliver what is due, then exit")
    def notifier_command(once):
        """Deliver the notification outbox (runs until Ctrl-C unless --once).

        The loop also runs the chores of features that need a process that runs
        anyway: live chat's sweep tells residents whose chat waited too long; the
        geocode job gives typed addresses coordinates (GEOCODER); once an hour,
        photo uploads no case took within a day are deleted (as media-prune).
        """
        from .geo import geocode_chore
        from .livechat.sweep import sweep
        from .media.prune import PruneChore
        from .notifier import run_notifier

        sent = run_notifier(once=once, chores=[sweep, geocode_chore, PruneChore()])
        if once:
            click.echo(f"delivered {sent}")


def _csv_value(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # a spreadsheet would run a cell starting with = + - @
    return str(value)
