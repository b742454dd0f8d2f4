"""``grader user create`` and ``grader token create`` (API tokens until logins arrive)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from grader.commands.errors import exit_status, fail
from grader.tables import ROLES


@click.group("user")
def user() -> None:
    """Accounts."""


@user.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", default="")
@click.option("--password", "ask_password", is_flag=True,
              help="set a password for signing in to the pages (asked for, not echoed; or "
                   "from $GRADER_NEW_PASSWORD)")
@with_appcontext
@exit_status
def create_user(email: str, role: str, name: str, ask_password: bool) -> int:
    """Create an account (or confirm it exists with this role); the first admin starts here."""
    from grader.db import get_session
    from grader.services.accounts import AccountError, ensure_user

    try:
        account = ensure_user(get_session(), email, role, name,
                              _new_password() if ask_password else None)
    except AccountError as exc:
        return fail(str(exc))
    click.echo(f"{account.email}: {account.role} (id {account.id})"
               + (", password set" if ask_password else ""))
    return 0


@user.command("list")
@click.option("--role", type=click.Choice(ROLES), default=None, help="only accounts of this role")
@with_appcontext
@exit_status
def list_users(role: str | None) -> int:
    """The accounts: email, role, name, whether it can sign in to the pages, enabled or not."""
    from grader import queries
    from grader.db import get_session

    for account in queries.users(get_session(), role):
        click.echo("\t".join([account.email, account.role, account.name,
                              "password" if account.password_hash else "no password",
                              "enabled" if account.active else "disabled"]))
    return 0


@user.command("password")
@click.argument("email")
@with_appcontext
@exit_status
def change_password(email: str) -> int:
    """Set a new password for EMAIL (asked for, not echoed; or from $GRADER_NEW_PASSWORD)."""
    from grader.db import get_session
    from grader.services.accounts import AccountError, set_password

    account = _existing(email)
    if account is None:
        return 2
    try:
        set_password(get_session(), account, _new_password())
    except AccountError as exc:
        return fail(str(exc))
    click.echo(f"{account.email}: password set")
    return 0


def _new_password() -> str:
    import os

    return os.environ.get("GRADER_NEW_PASSWORD") or click.prompt(
        "New password", hide_input=True, confirmation_prompt=True)


@click.group("token")
def token() -> None:
    """API tokens."""


@token.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default=None,
              help="create the account with this role if it does not exist")
@click.option("--name", default="", help="what the token is for")
@click.option("--days", type=click.IntRange(min=0, max=3650), default=None,
              help="days until the token expires, 0 for never "
                   "(default: $GRADER_TOKEN_DAYS, 180)")
@with_appcontext
@exit_status
def create_token(email: str, role: str | None, name: str, days: int | None) -> int:
    """Print a new API token for EMAIL (shown once; only its hash is stored)."""
    from flask import current_app

    from grader import queries
    from grader.db import get_session
    from grader.services.accounts import AccountError, create_token, ensure_user

    session = get_session()
    account = queries.user_by_email(session, email)
    try:
        if account is None:
            if role is None:
                return fail(f"there is no account {email}; pass --role to create it")
            account = ensure_user(session, email, role)
        elif role is not None and role != account.role:
            return fail(f"{email} is a {account.role}, not a {role}")
    except AccountError as exc:
        return fail(str(exc))
    if days is None:
        days = current_app.config["GRADER_TOKEN_DAYS"]
    # Only the token on stdout, so scripts can capture it; the expiry goes to stderr.
    try:
        click.echo(create_token(session, account, name, days))
    except AccountError as exc:
        return fail(str(exc))
    click.echo(f"expires in {days} days" if days else "never expires", err=True)
    return 0


def _existing(email: str):
    from grader import queries
    from grader.db import get_session

    account = queries.user_by_email(get_session(), email)
    if account is None:
        fail(f"there is no account {email}")
    return account


def _switch(email: str, active: bool) -> int:
    from grader.db import get_session
    from grader.services.accounts import set_active

    account = _existing(email)
    if account is None:
        return 2
    set_active(get_session(), account, active)
    click.echo(f"{account.email}: {'enabled' if active else 'disabled'}")
    return 0


@user.command("disable")
@click.argument("email")
@with_appcontext
@exit_status
def disable_user(email: str) -> int:
    """Disable an account: its tokens stop working at once."""
    return _switch(email, active=False)


@user.command("enable")
@click.argument("email")
@with_appcontext
@exit_status
def enable_user(email: str) -> int:
    """Enable a disabled account again."""
    return _switch(email, active=True)


@token.command("revoke")
@click.argument("email")
@with_appcontext
@exit_status
def revoke_token(email: str) -> int:
    """Revoke every API token of EMAIL (e.g. after one leaked)."""
    from grader.db import get_session
    from grader.services.accounts import revoke_tokens

    account = _existing(email)
    if account is None:
        return 2
    click.echo(f"{account.email}: {revoke_tokens(get_session(), account)} token(s) revoked")
    return 0
