"""``storefront create-maker`` and ``storefront assign-maker``: maker accounts for made to measure."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

__all__ = ["assign_maker_command", "create_maker_command"]


def _fail(exc: Exception) -> click.ClickException:
    fields = getattr(exc, "fields", {}) or {}
    detail = "; ".join(f"{k}: {v}" for k, v in fields.items())
    return click.ClickException(f"{exc}" + (f" ({detail})" if detail else ""))


@click.command("create-maker")
@click.argument("name")
@click.argument("email")
@click.option("--shop", "shops", multiple=True, help="A shop whose made-to-measure pairs it makes.")
@click.password_option(help="Prompted for when not given.")
@with_appcontext
def create_maker_command(name: str, email: str, shops: tuple[str, ...], password: str) -> None:
    """Create maker NAME (sign-in EMAIL) making the made-to-measure orders of each --shop."""
    from storefront.catalog.services import load_catalog_cached
    from storefront.db.setup import upgrade_db
    from storefront.domain_errors import DomainError
    from storefront.extensions import db
    from storefront.workshop.services import create_maker

    upgrade_db()
    catalog = load_catalog_cached(current_app.config.get("CATALOG_PATH"))
    try:
        user = create_maker(db.session, name, email, password, list(shops), catalog)
    except DomainError as exc:
        raise _fail(exc) from None
    db.session.commit()
    click.echo(f"maker {user.display_name!r} <{user.email}> (id {user.id}) for {list(shops)}")


@click.command("assign-maker")
@click.argument("shop_id")
@click.argument("email")
@with_appcontext
def assign_maker_command(shop_id: str, email: str) -> None:
    """Make the maker with sign-in EMAIL the maker of SHOP_ID (its unassigned orders follow)."""
    from sqlalchemy import select

    from storefront.catalog.services import load_catalog_cached
    from storefront.db.models import User
    from storefront.domain_errors import DomainError
    from storefront.extensions import db
    from storefront.workshop.services import assign_maker

    maker = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if maker is None:
        raise click.ClickException(f"no account {email!r}")
    try:
        load_catalog_cached(current_app.config.get("CATALOG_PATH")).shop(shop_id)
        n = assign_maker(db.session, shop_id, maker)
    except DomainError as exc:
        raise _fail(exc) from None
    db.session.commit()
    click.echo(f"{email} makes {shop_id}'s made-to-measure orders ({n} assigned now)")
