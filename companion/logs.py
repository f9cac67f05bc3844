"""Logging: event names and ids only. The token and health text never reach a log line."""

from __future__ import annotations

import logging


class RedactSecrets(logging.Filter):
    """Belt and braces: replace any configured secret that still slips into a record."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [secret for secret in secrets if secret]

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
            message = record.getMessage()
            if any(secret in message for secret in self._secrets):
                for secret in self._secrets:
                    message = message.replace(secret, "[redacted]")
                record.msg, record.args = message, None
        return True


def configure_logging(level: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and the URL contains the bot token.
    for noisy in ("httpx", "httpcore", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # At DEBUG, PTB logs whole updates and request parameters: her messages. Never below INFO,
    # whatever COMPANION_LOG_LEVEL says. Likewise SQLAlchemy, whose DEBUG shows row values.
    for library in ("telegram", "sqlalchemy", "aiosqlite"):
        logging.getLogger(library).setLevel(max(logging.INFO, logging.getLevelName(level)))
