"""`python -m leads migrate | export --jsonl|--csv [-o FILE] | flush-spool | purge |
erase-trackers`."""

from __future__ import annotations

import argparse
import io
import logging
import sys
from pathlib import Path

from leads.db import database_url


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return int(args.run(args) or 0)


def _migrate(_args: argparse.Namespace) -> int:
    from leads.migrate import current_revision, upgrade
    from leads.trackers import prepare_tracker_store

    before = current_revision()
    upgrade()
    prepare_tracker_store()
    after = current_revision()
    change = "up to date" if before == after else f"upgraded from {before or 'empty'}"
    print(f"database schema at revision {after} ({change})", file=sys.stderr)
    return 0


def _export(args: argparse.Namespace) -> int:
    from leads.export import write_csv, write_jsonl

    write = write_csv if args.csv else write_jsonl
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="") as out:
            count = write(out)
    else:
        if isinstance(sys.stdout, io.TextIOWrapper):
            sys.stdout.reconfigure(newline="")
        count = write(sys.stdout)
    print(f"{count} leads exported", file=sys.stderr)
    return 0


def _flush_spool(_args: argparse.Namespace) -> int:
    from leads.replay import flush

    result = flush()
    print(
        f"spool: {result.written} written, {result.rejected} set aside, "
        f"{result.remaining} waiting" + (" (database unreachable)" if result.outage else ""),
        file=sys.stderr,
    )
    return 1 if result.outage or result.busy else 0


def _purge(_args: argparse.Namespace) -> int:
    from leads.retention import describe, purge

    report = purge()
    print(describe(report), file=sys.stderr)
    return 1 if report.trackers_unreachable or report.transcripts_failed else 0


def _erase_trackers(_args: argparse.Namespace) -> int:
    from leads.erasures import retry_pending_erasures

    report = retry_pending_erasures()
    print(
        f"pending tracker erasures: {report.erased} done, {report.failed} still pending",
        file=sys.stderr,
    )
    return 1 if report.failed else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m leads", description=f"Passerelle lead store ({_safe_url()})"
    )
    commands = parser.add_subparsers(required=True, metavar="command")
    commands.add_parser("migrate", help="apply database migrations").set_defaults(run=_migrate)
    export = commands.add_parser("export", help="export every lead (JSON Lines or CSV)")
    kind = export.add_mutually_exclusive_group(required=True)
    kind.add_argument("--jsonl", action="store_true", help="one JSON object per line")
    kind.add_argument("--csv", action="store_true", help="CSV, safe for spreadsheets")
    export.add_argument("-o", "--output", type=Path, help="file to write (default: stdout)")
    export.set_defaults(run=_export)
    commands.add_parser("flush-spool", help="write spooled leads to the database").set_defaults(
        run=_flush_spool
    )
    commands.add_parser("purge", help="apply the retention periods").set_defaults(run=_purge)
    commands.add_parser(
        "erase-trackers", help="erase the conversations /forget left pending in Rasa's database"
    ).set_defaults(run=_erase_trackers)
    return parser


def _safe_url() -> str:
    """The database URL without its password, for help texts."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(database_url()).render_as_string(hide_password=True)
    except Exception:
        return "DATABASE_URL"


if __name__ == "__main__":
    sys.exit(main())
