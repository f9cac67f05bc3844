"""Logging: event names and companion's own ids only. Telegram ids, health text, SQL and the
token never reach a log line, at any COMPANION_LOG_LEVEL."""

from __future__ import annotations

import logging

# SQLAlchemy echoes every statement with its parameters at INFO (Telegram and chat ids,
# countries, flag levels) and row values at DEBUG; aiosqlite logs every call at DEBUG.
SILENT_BELOW_WARNING = ("sqlalchemy", "aiosqlite", "httpx", "httpcore", "apscheduler")


class RedactSecrets(logging.Filter):
    """Belt and braces: replace any configured secret that still slips into a record, in its
    message, its traceback or its stack."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [secret for secret in secrets if secret]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        if self._holds_secret(message):
            record.msg, record.args = self._redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and self._holds_secret(record.exc_text):
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info and self._holds_secret(record.stack_info):
            record.stack_info = self._redact(record.stack_info)
        return True

    def _holds_secret(self, text: str) -> bool:
        return any(secret in text for secret in self._secrets)

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text


def configure_logging(level: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL at INFO, and the URL contains the bot token.
    for noisy in SILENT_BELOW_WARNING:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # At DEBUG, PTB logs whole updates and request parameters: her messages. Never below INFO,
    # whatever COMPANION_LOG_LEVEL says.
    logging.getLogger("telegram").setLevel(max(logging.INFO, logging.getLevelName(level)))
