"""Command line: ``storefront serve|init-db|seed|worker|rotate-key|...`` (``storefront --help``).

The same commands are registered on the Flask CLI (``flask --app storefront init-db`` ...).
"""

from __future__ import annotations

import json
import os
import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from storefront.workshop.cli import assign_maker_command, create_maker_command

__all__ = ["main", "register_cli"]


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or migrate the database to the latest schema."""
    from storefront.db.setup import upgrade_db

    upgrade_db()
    click.echo(f"database at head: {_safe_url(current_app.config['SQLALCHEMY_DATABASE_URI'])}")


@click.command("seed")
@click.option("--demo/--no-demo", default=False, help="Also create the demo shopper.")
@with_appcontext
def seed_command(demo: bool) -> None:
    """Migrate, then seed the street (and demo shopper) if not seeded yet."""
    from storefront.bootstrap import migrate_and_seed

    counts = migrate_and_seed(demo=demo)
    click.echo(
        f"seeded: {counts['catalog_rows']} catalog rows, {counts['demo_users']} demo shopper(s)"
    )


@click.command("create-manufacturer")
@click.argument("name")
@click.option("--epsilon-per-period", type=float, default=None, help="Privacy budget per quarter.")
@click.option("--token-days", type=float, default=365.0, show_default=True)
@with_appcontext
def create_manufacturer_command(
    name: str, epsilon_per_period: float | None, token_days: float
) -> None:
    """Create manufacturer NAME and print its API token as the last word."""
    from storefront.accounts.tokens import issue_token
    from storefront.db.models import User
    from storefront.db.setup import upgrade_db
    from storefront.domain_errors import DomainError
    from storefront.extensions import db
    from storefront.makers.services import create_manufacturer

    upgrade_db()
    eps = (
        current_app.config["PRIVACY_EPSILON_PER_PERIOD"]
        if epsilon_per_period is None
        else epsilon_per_period
    )
    try:
        mfr = create_manufacturer(db.session, name, eps)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    user = db.session.query(User).filter_by(manufacturer_id=mfr.id).one()
    raw, expires = issue_token(db.session, user, token_days * 24, name="manufacturer")
    db.session.commit()
    click.echo(
        f"manufacturer {mfr.id} {name!r} created; epsilon per quarter {eps:g}; token expires {expires:%Y-%m-%d}"
    )
    click.echo(f"token: {raw}")


def _manufacturer_user(name: str):
    """The service account of manufacturer NAME (or id), or a ClickException."""
    from sqlalchemy import or_, select

    from storefront.db.models import Manufacturer, User
    from storefront.extensions import db

    ident = int(name) if name.isdigit() else -1
    mfr = db.session.scalar(
        select(Manufacturer).where(or_(Manufacturer.name == name, Manufacturer.id == ident))
    )
    if mfr is None:
        raise click.ClickException(f"no manufacturer {name!r}")
    return db.session.scalars(select(User).where(User.manufacturer_id == mfr.id)).one()


@click.command("tokens")
@click.argument("manufacturer")
@with_appcontext
def tokens_command(manufacturer: str) -> None:
    """List MANUFACTURER's API tokens (id, state, expiry); never the secrets."""
    from storefront.accounts.tokens import list_tokens
    from storefront.extensions import db

    user = _manufacturer_user(manufacturer)
    rows = list_tokens(db.session, user)
    for t in rows:
        state = "active" if t["active"] else ("revoked" if t["revoked_at"] else "expired")
        click.echo(f"{t['id']}\t{state}\t{t['name']}\tcreated {t['created_at'][:19]}"
                   f"\texpires {t['expires_at'][:10]}")  # fmt: skip
    if not rows:
        click.echo("no tokens")


@click.command("revoke-token")
@click.argument("manufacturer")
@click.option("--id", "token_id", type=int, default=None, help="Revoke this token only.")
@click.option("--all", "revoke_all", is_flag=True, help="Revoke every token of MANUFACTURER.")
@with_appcontext
def revoke_token_command(manufacturer: str, token_id: int | None, revoke_all: bool) -> None:
    """Revoke one token (--id) or all tokens (--all) of MANUFACTURER; effective at once."""
    from storefront.accounts.tokens import revoke_all_sessions, revoke_token
    from storefront.domain_errors import NotFound
    from storefront.extensions import db

    if (token_id is None) == (not revoke_all):
        raise click.ClickException("give exactly one of --id N or --all")
    user = _manufacturer_user(manufacturer)
    if revoke_all:
        n = revoke_all_sessions(db.session, user)
        db.session.commit()
        click.echo(f"revoked {n} token(s) of {manufacturer!r}")
        return
    try:
        revoke_token(db.session, user, token_id)
    except NotFound as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"revoked token {token_id} of {manufacturer!r}")


@click.command("issue-token")
@click.argument("manufacturer")
@click.option("--token-days", type=float, default=365.0, show_default=True)
@with_appcontext
def issue_token_command(manufacturer: str, token_days: float) -> None:
    """Issue a new API token for MANUFACTURER (rotation); the token is the last word."""
    from storefront.accounts.tokens import issue_token
    from storefront.extensions import db

    user = _manufacturer_user(manufacturer)
    raw, expires = issue_token(db.session, user, token_days * 24, name="manufacturer")
    db.session.commit()
    click.echo(f"token for {manufacturer!r} expires {expires:%Y-%m-%d}")
    click.echo(f"token: {raw}")


@click.command("create-admin")
@click.argument("email")
@click.password_option(help="Prompted for when not given.")
@with_appcontext
def create_admin_command(email: str, password: str) -> None:
    """Create an administrator account EMAIL (or promote an existing account)."""
    from sqlalchemy import select

    from storefront.accounts.services import Registration, register
    from storefront.db.models import User
    from storefront.db.setup import upgrade_db
    from storefront.domain_errors import ValidationFailed
    from storefront.extensions import db

    upgrade_db()
    try:
        reg = Registration.from_json({"email": email, "password": password})
    except ValidationFailed as exc:
        raise click.ClickException(f"{exc}: {exc.fields}") from None
    user = db.session.scalar(select(User).where(User.email == reg.email))
    if user is None:
        user = register(db.session, reg, role="admin")
        if user is None:  # registered concurrently under the same address
            raise click.ClickException(f"{reg.email} was registered meanwhile; run again")
    else:
        user.role = "admin"
    db.session.commit()
    click.echo(f"admin {user.email} (id {user.id}) ready")


@click.command("create-care-manager")
@click.argument("name")
@click.argument("email")
@click.password_option(help="Prompted for when not given.")
@with_appcontext
def create_care_manager_command(name: str, email: str, password: str) -> None:
    """Create care-manager NAME with sign-in EMAIL; wearers link them with a code and consent."""
    from storefront.care.services import create_care_manager
    from storefront.db.setup import upgrade_db
    from storefront.domain_errors import ValidationFailed
    from storefront.extensions import db

    upgrade_db()
    try:
        user = create_care_manager(db.session, name, email, password)
    except ValidationFailed as exc:
        detail = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
        raise click.ClickException(f"{exc}" + (f" ({detail})" if detail else "")) from None
    db.session.commit()
    click.echo(f"care manager {user.display_name!r} <{user.email}> (id {user.id}) created")


@click.command("release-aggregates")
@click.argument("manufacturer")
@click.option("--dims", default="length_bin,width", show_default=True)
@click.option("--epsilon", type=float, default=0.25, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json")
@with_appcontext
def release_aggregates_command(manufacturer: str, dims: str, epsilon: float, fmt: str) -> None:
    """Release DP foot statistics to MANUFACTURER (name or id), spending its budget."""
    from sqlalchemy import or_, select

    from storefront.db.models import Manufacturer
    from storefront.domain_errors import DomainError
    from storefront.extensions import db
    from storefront.makers.services import release, to_csv

    ident = int(manufacturer) if manufacturer.isdigit() else -1
    mfr = db.session.scalar(
        select(Manufacturer).where(or_(Manufacturer.name == manufacturer, Manufacturer.id == ident))
    )
    if mfr is None:
        raise click.ClickException(f"no manufacturer {manufacturer!r}")
    try:
        out = release(
            db.session,
            mfr,
            {"dims": dims, "epsilon": str(epsilon)},
            current_app.config,
            current_app.instance_path,
        )
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(to_csv(out) if fmt == "csv" else json.dumps(out, indent=2))


@click.command("load-synthetic-city")
@click.option("--people", type=int, default=100_000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--region", default="KR", show_default=True)
@click.option("--remove", is_flag=True, help="Delete the synthetic people instead.")
@with_appcontext
def load_synthetic_city_command(people: int, seed: int, region: str, remove: bool) -> None:
    """Load a SYNTHETIC city (ANSUR II-based, for demos) into the maker statistics table."""
    from storefront.db.setup import upgrade_db
    from storefront.domain_errors import DomainError
    from storefront.extensions import db
    from storefront.makers import population, store

    upgrade_db()
    if remove:
        n = store.remove_synthetic(db.session)
        db.session.commit()
        click.echo(f"removed {n} synthetic people")
        return
    if not 1 <= people <= 5_000_000:
        raise click.ClickException("--people must be between 1 and 5,000,000")
    try:
        city = population.synthetic_city(people, seed=seed, region=region)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    n = store.load_synthetic(db.session, city)
    db.session.commit()
    click.echo(
        f"loaded {n} SYNTHETIC people (ANSUR II-based distributions, not real shoppers) "
        f"into the maker statistics; remove them with --remove"
    )


@click.command("rotate-key")
@click.option(
    "--keep-old", is_flag=True, help="Keep the old keys in the key file after re-encrypting."
)
@click.option(
    "--print-new-key",
    is_flag=True,
    help="Only print a fresh 'id:base64key' item for SHOESTREET_DATA_KEYS and exit.",
)
@with_appcontext
def rotate_key_command(keep_old: bool, print_new_key: bool) -> None:
    """Rotate the data key: a new active key, every stored upload re-encrypted with it.

    With the key file (default): a new key is added and made active, every stored file is
    re-encrypted (files stored before encryption at rest are encrypted), then the old keys
    are removed unless --keep-old. With SHOESTREET_DATA_KEYS: put the new key first in the
    variable (--print-new-key makes one), restart, run this command, then drop the old keys
    it reports as unused.
    """
    from storefront.security.encryption import (
        drop_old_keys,
        key_file_path,
        keyring_for,
        new_key_line,
        reencrypt_tree,
        rotate_key_file,
    )

    cfg = current_app.config
    if print_new_key:
        click.echo(new_key_line())
        return
    ring = keyring_for(cfg)
    if ring.source == "file":
        ring = rotate_key_file(key_file_path(cfg))
        click.echo(f"new data key {ring.active_id} is active in {key_file_path(cfg)}")
    else:
        click.echo(f"keys from SHOESTREET_DATA_KEYS; re-encrypting with {ring.active_id}")
    report = reencrypt_tree(ring, cfg["UPLOAD_DIR"])
    again = reencrypt_tree(ring, cfg["UPLOAD_DIR"])  # files written during the first pass
    click.echo(
        f"re-encrypted {report.reencrypted + again.reencrypted} file(s), encrypted "
        f"{report.encrypted_plaintext + again.encrypted_plaintext} stored before encryption, "
        f"{report.current} already current"
    )
    failed = again.failed
    for line in failed:
        click.echo(f"cannot re-encrypt {line}", err=True)
    if failed:
        raise click.ClickException(
            f"{len(failed)} file(s) could not be re-encrypted; the old keys are kept"
        )
    unused = sorted(set(ring.keys) - {ring.active_id})
    if ring.source == "file" and not keep_old:
        drop_old_keys(key_file_path(cfg))
        click.echo(f"old keys removed: {', '.join(unused) or 'none'}")
    elif unused:
        click.echo(f"no stored file uses {', '.join(unused)} any more; they can be removed")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queue is empty.")
@with_appcontext
def worker_command(burst: bool) -> None:
    """Run an RQ worker for background jobs (needs SHOESTREET_REDIS_URL)."""
    from redis import Redis
    from rq import Queue, Worker

    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.ClickException("set SHOESTREET_REDIS_URL to run a worker")
    conn = Redis.from_url(url)
    # this process also sweeps: a job whose RQ worker died is re-queued or failed
    current_app.extensions["shoestreet_jobs"].start_sweeper()
    worker = Worker([Queue(current_app.config["RQ_QUEUE"], connection=conn)], connection=conn)
    worker.work(burst=burst)


@click.command("serve")
@click.option("--port", type=int, default=8000, show_default=True)
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Bind address (loopback by default)."
)
@click.option("--workers", type=int, default=2, show_default=True)
@click.option("--threads", type=int, default=4, show_default=True)
@click.option(
    "--demo",
    is_flag=True,
    help="Seed and offer the shared, read-only demo shopper (public password; never in production).",
)
@with_appcontext
def serve_command(port: int, host: str, workers: int, threads: int, demo: bool) -> None:
    """Migrate and seed, then serve with gunicorn (production WSGI server)."""
    from storefront.bootstrap import migrate_and_seed

    # The demo shopper exists only when asked for here; the workers read it from the environment.
    current_app.config["SEED_DEMO"] = demo
    os.environ["SHOESTREET_SEED_DEMO"] = "1" if demo else "0"
    counts = migrate_and_seed(stale_job_idle_s=0.0)  # no worker of ours is running yet
    click.echo(
        f"database ready ({counts['catalog_rows']} new catalog rows"
        f"{'; demo shopper on, read-only' if demo else ''}); serving on http://{host}:{port}/"
    )
    _run_gunicorn(host, port, workers, threads)


def _run_gunicorn(host: str, port: int, workers: int, threads: int) -> None:
    from gunicorn.app.base import BaseApplication

    class _App(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread")
            self.cfg.set("timeout", 120)
            self.cfg.set("accesslog", None)

        def load(self) -> Flask:
            from storefront import create_app

            return create_app()

    os.environ.setdefault("SHOESTREET_AUTO_INIT", "0")  # already migrated and seeded above
    _App().run()


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


_COMMANDS = (
    init_db_command,
    seed_command,
    create_manufacturer_command,
    create_admin_command,
    create_care_manager_command,
    create_maker_command,
    assign_maker_command,
    release_aggregates_command,
    load_synthetic_city_command,
    tokens_command,
    revoke_token_command,
    issue_token_command,
    rotate_key_command,
    worker_command,
    serve_command,
)


def register_cli(app: Flask) -> None:
    """Add the commands to ``flask --app storefront``."""
    for cmd in _COMMANDS:
        app.cli.add_command(cmd)


def main(argv: list[str] | None = None) -> int:
    """Console script entry point: ``storefront COMMAND``."""
    from flask.cli import FlaskGroup

    from storefront import create_app

    group = FlaskGroup(
        create_app=lambda: create_app(), add_default_commands=False, help="Shoe Street storefront."
    )
    try:
        group.main(args=argv, prog_name="storefront", standalone_mode=False)
    except click.exceptions.Abort:
        return 1
    except click.ClickException as exc:
        exc.show()
        return 2
    except SystemExit as exc:  # click exits for --help
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
