"""The dashboard's command line.

    python -m admin create-user --email E [--password P] --role admin|staff
    python -m admin reset-password --email E [--password P]   # also lifts a lock-out
    python -m admin deactivate-user --email E | activate-user --email E
    python -m admin list-users
    python -m admin purge                                     # retention, daily (cron)

Without --password the password is asked for on the terminal (it then stays out of the
shell history).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import sys

from admin.passwords import WeakPassword, hash_password
from leads.models import ROLES
from leads.rows import StaffRow
from leads.staff import (
    DuplicateStaff,
    create_staff_user,
    get_staff_by_email,
    list_staff,
    set_password_hash,
    set_staff_active,
)
from leads.validation import InvalidValue
from passerelle_settings import load_env_files


class CommandError(Exception):
    pass


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if argv is None:  # from the command line (not a test calling main)
        # The same configuration as `make run`: .env, then the generated secrets (never
        # overriding the environment), so accounts land in the database the dashboard uses.
        load_env_files()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.run(args) or 0)
    except CommandError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def _create_user(args: argparse.Namespace) -> int:
    if get_staff_by_email(args.email) is not None:
        raise CommandError(f"{args.email} already has an account (reset-password changes it)")
    password_hash = _new_password_hash(args.password)
    try:
        staff = create_staff_user(args.email, password_hash, args.role)
    except InvalidValue as error:
        raise CommandError(f"{error} (an e-mail address is needed)") from None
    except DuplicateStaff:
        raise CommandError(f"{args.email} already has an account") from None
    print(f"created {staff.role} {staff.email} (id {staff.id})")
    return 0


def _reset_password(args: argparse.Namespace) -> int:
    staff = _existing(args.email)
    set_password_hash(staff.id, _new_password_hash(args.password))
    print(
        f"password of {staff.email} changed; its sessions are logged out, its API tokens "
        "revoked and any lock lifted"
    )
    return 0


def _set_active(args: argparse.Namespace) -> int:
    staff = _existing(args.email)
    set_staff_active(staff.id, args.active)
    print(f"{staff.email} is {'active' if args.active else 'deactivated (cannot log in)'}")
    return 0


def _list_users(_args: argparse.Namespace) -> int:
    for staff in list_staff():
        state = "active" if staff.active else "deactivated"
        if staff.is_locked():
            state += ", locked"
        print(f"{staff.id:>4}  {staff.email:<40} {staff.role:<6} {state}")
    return 0


def _purge(_args: argparse.Namespace) -> int:
    from leads.retention import describe, purge

    report = purge()
    print(describe(report))
    return 1 if report.trackers_unreachable or report.transcripts_failed else 0


def _existing(email: str) -> StaffRow:
    staff = get_staff_by_email(email)
    if staff is None:
        raise CommandError(f"no account for {email}")
    return staff


def _new_password_hash(given: str | None) -> str:
    password = given
    if password is None:
        if not sys.stdin.isatty():
            raise CommandError("give --password, or run this in a terminal to type it")
        password = getpass.getpass("New password: ")
        if getpass.getpass("Same password again: ") != password:
            raise CommandError("the two passwords differ")
    try:
        return hash_password(password)
    except WeakPassword as error:
        raise CommandError(f"password too weak: {error}") from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m admin", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(required=True, metavar="command")

    create = commands.add_parser("create-user", help="create a staff account")
    create.add_argument("--email", required=True)
    create.add_argument("--password", help="default: asked on the terminal")
    create.add_argument("--role", choices=ROLES, default="staff")
    create.set_defaults(run=_create_user)

    reset = commands.add_parser("reset-password", help="set a new password (lifts a lock-out)")
    reset.add_argument("--email", required=True)
    reset.add_argument("--password", help="default: asked on the terminal")
    reset.set_defaults(run=_reset_password)

    for name, active in (("activate-user", True), ("deactivate-user", False)):
        command = commands.add_parser(name, help=f"{name.split('-')[0]} an account")
        command.add_argument("--email", required=True)
        command.set_defaults(run=_set_active, active=active)

    commands.add_parser("list-users", help="every staff account").set_defaults(run=_list_users)
    commands.add_parser(
        "purge", help="apply the retention periods (PRODUCT §7); run daily from cron"
    ).set_defaults(run=_purge)
    return parser


if __name__ == "__main__":
    sys.exit(main())
