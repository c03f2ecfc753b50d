"""Flask commands: seed, create-user, setup (migrate + seed + first account), verify-outcomes,
purge."""

from __future__ import annotations

import click
from flask import Flask
from flask_babel import gettext as _
from flask_migrate import upgrade

from .extensions import db, db_session
from .models import Role
from .services.catalogue import seed_catalogue
from .services.errors import ServiceError
from .services.users import create_user, ensure_first_facilitator


def register_cli(app: Flask) -> None:
    @app.cli.command("seed")
    def seed_command() -> None:
        """Load the HHU catalogue (partners, pillars, coalitions, phases, ready-made ballots)."""
        added = seed_catalogue(db_session())
        db.session.commit()
        click.echo("Catalogus bijgewerkt: " + ", ".join(f"{k} +{v}" for k, v in added.items()))

    @app.cli.command("create-user")
    @click.option("--email", prompt=True)
    @click.option("--name", prompt=True)
    @click.option(
        "--role",
        type=click.Choice([r.value for r in Role]),
        default="facilitator",
        show_default=True,
    )
    @click.password_option()
    def create_user_command(email: str, name: str, role: str, password: str) -> None:
        """Add a facilitator or kerngroep account."""
        try:
            user = create_user(db_session(), email, name, password, Role(role))
        except ServiceError as error:
            raise click.ClickException(error.message) from error
        db.session.commit()
        click.echo(f"Account aangemaakt: {user.email} ({user.role.value})")

    @app.cli.command("setup")
    def setup_command() -> None:
        """Apply migrations, seed the catalogue, and create a first facilitator if none exists."""
        upgrade()
        seed_catalogue(db_session())
        login = ensure_first_facilitator(db_session())
        db.session.commit()
        if login is not None:
            email, password = login
            click.echo("Eerste gespreksleider aangemaakt (wordt maar één keer getoond):")
            click.echo(f"  e-mail:     {email}")
            click.echo(f"  wachtwoord: {password}")
        else:
            click.echo("Er bestaat al een account; log in met je eigen gegevens.")
            click.echo(
                "  nog een account: .venv/bin/flask --app hhu_ranking create-user "
                "--role facilitator"
            )

    @app.cli.command("verify-outcomes")
    @click.option(
        "--ignore-version-drift",
        is_flag=True,
        help="Do not fail on results that differ only because the aggregation "
        "code is newer than the outcome.",
    )
    def verify_outcomes_command(ignore_version_drift: bool) -> None:
        """Recompute every frozen outcome from its ballots; exit 1 when one differs."""
        from .services.verification import verify_all

        checked, findings = verify_all(db_session())
        db.session.rollback()  # read only
        failing = [f for f in findings if not (ignore_version_drift and f.version_drift_only)]
        for finding in findings:
            click.echo(_("AFWIJKING %(outcome)s:", outcome=finding.label), err=True)
            for problem in finding.problems:
                click.echo(f"  - {problem}", err=True)
        if failing:
            raise click.ClickException(
                _(
                    "%(failing)d van %(checked)d uitkomsten wijken af (zie hierboven).",
                    failing=len(failing),
                    checked=checked,
                )
            )
        click.echo(_("%(checked)d uitkomsten gecontroleerd: alles klopt.", checked=checked))

    @app.cli.command("purge")
    @click.option("--dry-run", is_flag=True, help="Only print what would be removed.")
    def purge_command(dry_run: bool) -> None:
        """Remove names, tokens and links to a person from sessions past RETENTION_DAYS.

        Safe to run daily from cron: a purged session is not touched again.
        """
        from .i18n import local_today
        from .services.privacy import purge, purge_cutoff

        days = int(app.config["RETENTION_DAYS"])
        today = local_today()
        try:
            items = purge(db_session(), today=today, retention_days=days, dry_run=dry_run)
        except ServiceError as error:
            db.session.rollback()
            raise click.ClickException(error.message) from error
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        for item in items:
            click.echo(
                _(
                    "%(prefix)s sessie %(id)d ‘%(title)s’ (%(date)s): %(participants)d "
                    "deelnemers, %(names)d namen",
                    prefix=_("zou opschonen:") if dry_run else _("opgeschoond:"),
                    id=item.session_id,
                    title=item.title,
                    date=item.held_on.isoformat(),
                    participants=item.participants,
                    names=item.names,
                )
            )
        cutoff = purge_cutoff(today, days).isoformat()
        if dry_run:
            click.echo(
                _(
                    "Proefdraai: %(n)d sessies van %(cutoff)s of eerder zouden worden "
                    "opgeschoond (RETENTION_DAYS=%(days)d). Er is niets veranderd.",
                    n=len(items),
                    cutoff=cutoff,
                    days=days,
                )
            )
        else:
            click.echo(
                _(
                    "%(n)d sessies van %(cutoff)s of eerder opgeschoond (RETENTION_DAYS=%(days)d).",
                    n=len(items),
                    cutoff=cutoff,
                    days=days,
                )
            )
