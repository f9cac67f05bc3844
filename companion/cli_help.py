"""What `companion COMMAND --help` says: what each command does and the settings it reads.

Every setting named here is one of companion/config.py's (a test holds them to ENV_NAMES);
docs/configuration.md has them all, with their defaults.
"""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

SETTINGS = {
    "TELEGRAM_BOT_TOKEN": "the bot's token from @BotFather (required)",
    "COMPANION_ENCRYPTION_KEYS": "newest first (required; see companion keygen)",
    "DATABASE_URL": "sqlite:///companion.db (default) or postgresql://",
    "COMPANION_WEBHOOK_URL": "the public https URL Telegram posts to (required)",
    "COMPANION_WEBHOOK_SECRET": "sent by Telegram with every update (required)",
    "COMPANION_HOST": "the address to listen on (default 0.0.0.0: all)",
    "PORT": "the port (default 8080; platforms set it)",
    "COMPANION_BOT_USERNAME": "for the link (default companion_bot)",
    "COMPANION_LOG_LEVEL": "DEBUG, INFO (the default), WARNING or ERROR",
}

RUNNING = ("TELEGRAM_BOT_TOKEN", "COMPANION_ENCRYPTION_KEYS", "DATABASE_URL", "COMPANION_LOG_LEVEL")
WEBHOOK = ("COMPANION_WEBHOOK_URL", "COMPANION_WEBHOOK_SECRET", "COMPANION_HOST", "PORT")
MORE = (
    "The other settings (timings, rates, wording, questionnaires) are in docs/configuration.md."
    " Settings come from the environment or from .env in the current folder."
)

DESCRIPTIONS = {
    "run": "Run the bot by long polling until Ctrl-C or SIGTERM: applies the database migrations"
    " first, removes any webhook, then handles updates, runs the schedule tick and sends. One"
    " process only (Telegram serves getUpdates to one consumer).",
    "webhook": "Run the bot as a web server Telegram posts updates to, until Ctrl-C or SIGTERM:"
    " applies the database migrations first, listens on COMPANION_HOST:PORT over plain HTTP"
    " (put a proxy or the platform's router in front for HTTPS) and serves GET /healthz. With"
    " --set: register the URL and the secret with Telegram, then exit. Several workers can share"
    " one PostgreSQL database.",
    "demo": "Talk to the real bot in this terminal, over a fake Telegram, with a throwaway key and"
    " its own SQLite file. Needs no token and reads no settings.",
    "db": "Database maintenance: upgrade, current or rotate-keys.",
    "db upgrade": "Apply the Alembic migrations up to the latest (`run` and `webhook` do this"
    " when they start; use this in a release step). Creates a SQLite file if there is none.",
    "db current": "Show the database's migration revision. Creates nothing: a missing SQLite"
    " file is reported, not made.",
    "db rotate-keys": "Re-encrypt every sealed value with the first (newest) key of"
    " COMPANION_ENCRYPTION_KEYS. To rotate: put the new key first (NEW,OLD), restart, run this,"
    " then drop OLD.",
    "keygen": "Print a new random 32-byte key (url-safe base64) for COMPANION_ENCRYPTION_KEYS."
    " Reads no settings and touches no database.",
    "triage": "Classify messages for risk as the bot reads them: one per line on standard input,"
    " one JSON object per line out (level, reasons, ask_clarifying); or score a labelled file"
    " (--eval); or rebuild a locale's learned model (train). Never prints or logs the text."
    " Reads no settings.",
    "clinician": "Clinician accounts: invite, list or revoke. Run `companion db upgrade` first.",
    "clinician invite": "Print a one-time link; whoever opens it first becomes this clinician."
    " Send it to them privately, never in a group.",
    "clinician list": "List clinician accounts: id, status, when they joined and how many"
    " mothers share with them now. No health data.",
    "clinician revoke": "Close a clinician account at once: they see no one; their shares stay"
    " recorded and give no access.",
}

READS = {
    "run": RUNNING,
    "webhook": (*RUNNING, *WEBHOOK),
    "db upgrade": ("DATABASE_URL",),
    "db current": ("DATABASE_URL",),
    "db rotate-keys": ("DATABASE_URL", "COMPANION_ENCRYPTION_KEYS"),
    "clinician invite": ("DATABASE_URL", "COMPANION_BOT_USERNAME"),
    "clinician list": ("DATABASE_URL",),
    "clinician revoke": ("DATABASE_URL",),
}


def epilog(command: str) -> str | None:
    """The environment settings `command` reads, one a line, or None if it reads none."""
    names = READS.get(command)
    if not names:
        return None
    width = max(len(name) for name in names)
    lines = [f"  {name:{width}}  {SETTINGS[name]}" for name in names]
    more = MORE if command in {"run", "webhook"} else "Settings come from the environment or .env."
    return "\n".join(["environment:", *lines, "", textwrap.fill(more, 78)])


def add_command(
    commands: Any, name: str, summary: str, *, path: str | None = None
) -> argparse.ArgumentParser:
    """A subcommand whose --help says what it does (a description) and what it reads."""
    path = path or name
    return commands.add_parser(  # type: ignore[no-any-return]
        name,
        help=summary,
        description=DESCRIPTIONS[path],
        epilog=epilog(path),
        formatter_class=_Formatter,
    )


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Wraps the description, keeps the epilog's table as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("environment:"):
            return super()._fill_text(text, width, indent)
        return argparse.HelpFormatter._fill_text(self, text, width, indent)
