"""The `companion` command: run | webhook | demo | db | keygen | triage | clinician."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from sqlalchemy.exc import OperationalError
from telegram.error import InvalidToken, NetworkError

from companion.config import (
    ConfigError,
    Settings,
    load_settings,
    require_for_run,
    require_token,
    require_webhook,
)
from companion.content import ContentError

log = logging.getLogger("companion")


def _fail(message: str) -> int:
    print(f"companion: {message}", file=sys.stderr)
    return 2


def cmd_run(_args: argparse.Namespace) -> int:
    """Long-polling worker: migrate, then serve until stopped."""
    from companion.app import build_application, build_services, serve_polling
    from companion.store.db import upgrade

    settings = load_settings()
    require_for_run(settings)
    _configure_logging(settings)
    upgrade(settings.database_url, keys=settings.key_bytes)
    application = build_application(build_services(settings))
    log.info("event=starting mode=polling")
    asyncio.run(serve_polling(application))
    return 0


def cmd_webhook(args: argparse.Namespace) -> int:
    """Webhook worker (migrate, then serve until stopped), or --set: register it with Telegram."""
    from companion import webhook

    settings = load_settings()
    require_token(settings)
    require_webhook(settings)
    if args.set:
        print(f"companion: {asyncio.run(webhook.register_webhook(settings))}")
        return 0
    from companion.app import build_application, build_services
    from companion.store.db import upgrade

    require_for_run(settings)
    _configure_logging(settings)
    upgrade(settings.database_url, keys=settings.key_bytes)
    application = build_application(build_services(settings))
    log.info("event=starting mode=webhook host=%s port=%d", settings.host, settings.port)
    asyncio.run(webhook.serve_webhook(application))
    return 0


def _configure_logging(settings: Settings) -> None:
    from companion.logs import configure_logging

    secrets = [
        settings.telegram_bot_token,
        settings.webhook_secret,
        settings.health_token,
        *settings.encryption_keys,
    ]
    configure_logging(settings.log_level, [secret for secret in secrets if secret])


def cmd_demo(args: argparse.Namespace) -> int:
    """The real bot in this terminal, over a fake Telegram, with a throwaway key and database."""
    from companion.demo import run_demo

    return asyncio.run(run_demo(database=args.database, start=args.start, pictures=args.pictures))


def cmd_db(args: argparse.Namespace) -> int:
    from companion.store import db

    settings = load_settings()
    if args.db_command == "upgrade":
        db.upgrade(settings.database_url, keys=settings.key_bytes)
        print("companion: database is at the latest revision")
        return 0
    if args.db_command == "current":
        from companion.store.schema_state import describe, schema_state

        state = schema_state(settings.database_url)
        print(describe(state))
        return 0 if state.current is not None else 1
    if args.db_command == "rotate-keys":
        from companion.store.rotation import rotate_keys
        from companion.store.schema_state import require_set_up

        if not settings.encryption_keys:
            raise ConfigError("COMPANION_ENCRYPTION_KEYS: not set")
        require_set_up(settings.database_url)
        count = asyncio.run(rotate_keys(settings))
        print(f"companion: re-sealed {count} values with the newest key")
        return 0
    raise AssertionError(args.db_command)


def cmd_keygen(_args: argparse.Namespace) -> int:
    from companion.vault import generate_key

    print(generate_key())
    return 0


def cmd_triage(args: argparse.Namespace) -> int:
    """Classify messages from standard input, or score a labelled file (--eval)."""
    from companion.triage_cli import run

    return run(args)


def cmd_clinician(args: argparse.Namespace) -> int:
    """Clinician accounts: invite, list, revoke."""
    from companion.clinician_cli import run

    return run(args)


def build_parser() -> argparse.ArgumentParser:
    from companion.cli_help import add_command

    parser = argparse.ArgumentParser(
        prog="companion",
        description="A Telegram companion for new mothers through the first year after birth.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = add_command(commands, "run", "run the bot (long polling); migrates the database first")
    run.set_defaults(handler=cmd_run)

    webhook = add_command(
        commands,
        "webhook",
        "run the bot as a web server Telegram posts updates to (on $PORT); migrates first",
    )
    webhook.add_argument(
        "--set",
        action="store_true",
        help="register COMPANION_WEBHOOK_URL and the secret with Telegram, then exit",
    )
    webhook.set_defaults(handler=cmd_webhook)

    demo = add_command(
        commands, "demo", "talk to the real bot in this terminal, no Telegram token needed"
    )
    demo.add_argument(
        "--database",
        default="companion-demo.db",
        help="SQLite file for the demo (recreated each run; default %(default)s)",
    )
    demo.add_argument(
        "--start", default=None, help="the demo clock's starting time, ISO 8601 (default: now)"
    )
    demo.add_argument(
        "--pictures",
        default=None,
        metavar="DIR",
        help="save every photo and document sent in DIR, and print its path instead",
    )
    demo.set_defaults(handler=cmd_demo)

    database = add_command(commands, "db", "database maintenance")
    database_commands = database.add_subparsers(
        dest="db_command", required=True, metavar="DB_COMMAND"
    )
    for name, summary in (
        ("upgrade", "apply Alembic migrations up to the latest"),
        ("current", "show the database's migration revision"),
        ("rotate-keys", "re-encrypt every sealed value with the first (newest) key"),
    ):
        add_command(database_commands, name, summary, path=f"db {name}")
    database.set_defaults(handler=cmd_db)

    keygen = add_command(commands, "keygen", "print a new key for COMPANION_ENCRYPTION_KEYS")
    keygen.set_defaults(handler=cmd_keygen)

    from companion.triage_cli import add_arguments

    triage = add_command(
        commands, "triage", "classify messages read from standard input (one per line) for risk"
    )
    add_arguments(triage)
    triage.set_defaults(handler=cmd_triage)

    from companion.clinician_cli import add_arguments as add_clinician_arguments

    clinician = add_command(commands, "clinician", "invite, list or revoke clinician accounts")
    add_clinician_arguments(clinician)
    clinician.set_defaults(handler=cmd_clinician)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except (ConfigError, ContentError) as error:
        return _fail(str(error))
    except OperationalError:
        # Say which setting to check; the driver's message could include the password.
        return _fail(
            "DATABASE_URL: could not connect to the database (is it running and is the URL right?)"
        )
    except InvalidToken:
        return _fail("TELEGRAM_BOT_TOKEN: Telegram rejected this token (ask @BotFather)")
    except NetworkError:
        return _fail("TELEGRAM_BASE_URL: could not reach the Telegram Bot API")
    except KeyboardInterrupt:
        return 130


__all__ = ["Settings", "build_parser", "main"]
