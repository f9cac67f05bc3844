"""Settings from the environment (pydantic-settings); tests build them from a dict."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from companion.config_values import (
    check_webhook_url,
    decode_key,
    is_hh_mm,
    normalise_database_url,
    parse_thresholds,
)

DEFAULT_DATABASE_URL = "sqlite:///companion.db"
HOST = re.compile(r"[A-Za-z0-9._:-]{1,253}")  # an IPv4 or IPv6 address, or a host name
# Telegram's rule for secret_token is 1-256 of these; at least 32, so it cannot be guessed.
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,256}")
HOW_TO_MAKE = "make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the environment variable."""


def _env(*names: str) -> AliasChoices:
    return AliasChoices(*names)


class Settings(BaseSettings):
    """Everything companion reads from its environment."""

    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", populate_by_name=True, frozen=True
    )

    telegram_bot_token: str | None = Field(
        default=None, validation_alias=_env("TELEGRAM_BOT_TOKEN", "telegram_bot_token")
    )
    database_url: str = Field(
        default=DEFAULT_DATABASE_URL, validation_alias=_env("DATABASE_URL", "database_url")
    )
    telegram_base_url: str = Field(
        default="https://api.telegram.org/bot",
        validation_alias=_env("TELEGRAM_BASE_URL", "telegram_base_url"),
    )
    telegram_base_file_url: str = Field(
        default="https://api.telegram.org/file/bot",
        validation_alias=_env("TELEGRAM_BASE_FILE_URL", "telegram_base_file_url"),
    )
    encryption_keys: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        validation_alias=_env("COMPANION_ENCRYPTION_KEYS", "encryption_keys"),
    )
    default_locale: str = Field(
        default="en", validation_alias=_env("COMPANION_DEFAULT_LOCALE", "default_locale")
    )
    messages_dir: Path | None = Field(
        default=None, validation_alias=_env("COMPANION_MESSAGES_DIR", "messages_dir")
    )
    instruments_dir: Path | None = Field(
        # A folder of extra instrument files, e.g. a licensed EPDS: <dir>/<locale>/<id>.toml.
        default=None,
        validation_alias=_env("COMPANION_INSTRUMENTS_DIR", "instruments_dir"),
    )
    thresholds: Annotated[dict[str, int], NoDecode] = Field(
        # Cut-offs the clinic's clinical lead signed off, over the files' defaults, as JSON:
        # {"epds.probable": 10}.
        default_factory=dict,
        validation_alias=_env("COMPANION_THRESHOLDS", "thresholds"),
    )
    screening_tools: str = Field(
        # The full questionnaires on the postpartum clock, in order; "epds,gad7" once a licensed
        # EPDS file is installed. Brief tools follow from the files (PHQ-2 -> PHQ-9, ...).
        default="phq9,gad7",
        validation_alias=_env("COMPANION_SCREENING_TOOLS", "screening_tools"),
    )
    log_level: str = Field(
        default="INFO", validation_alias=_env("COMPANION_LOG_LEVEL", "log_level")
    )
    send_rate: float = Field(
        default=30.0, gt=0, le=1000, validation_alias=_env("COMPANION_SEND_RATE", "send_rate")
    )
    paid_broadcast: bool = Field(
        # Scheduled messages (the tick's check-in prompts and reminders) go with
        # allow_paid_broadcast, paced at paid_broadcast_rate: Telegram charges 0.1 Stars for
        # each one above its free 30 a second (docs/deployment.md, "Paid broadcasts").
        default=False,
        validation_alias=_env("COMPANION_PAID_BROADCAST", "paid_broadcast"),
    )
    paid_broadcast_rate: float = Field(
        # Telegram allows paid broadcasts up to 1,000 messages a second.
        default=1000.0,
        gt=0,
        le=1000,
        validation_alias=_env("COMPANION_PAID_BROADCAST_RATE", "paid_broadcast_rate"),
    )
    chat_interval_s: float = Field(
        default=1.0,
        ge=0,
        le=60,
        validation_alias=_env("COMPANION_CHAT_INTERVAL_S", "chat_interval_s"),
    )
    grace_hours: float = Field(
        default=3.0, ge=0, le=23, validation_alias=_env("COMPANION_GRACE_HOURS", "grace_hours")
    )
    reminder_after_hours: float = Field(
        default=4.0,
        gt=0,
        le=20,
        validation_alias=_env("COMPANION_REMINDER_AFTER_HOURS", "reminder_after_hours"),
    )
    safety_followup_minutes: int = Field(
        # After a crisis reply, when to ask "are you safe now?" (the facts sheet: 1-2 hours).
        default=90,
        ge=15,
        le=240,
        validation_alias=_env("COMPANION_SAFETY_FOLLOWUP_MINUTES", "safety_followup_minutes"),
    )
    followup_escalate_minutes: int = Field(
        # An urgent or emergency flag's "are you safe now?" still unanswered this long after it
        # went: her linked clinicians and the backup chat are told, and she gets the emergency
        # number once more.
        default=60,
        ge=5,
        le=720,
        validation_alias=_env("COMPANION_FOLLOWUP_ESCALATE_MINUTES", "followup_escalate_minutes"),
    )
    alert_repeat_minutes: int = Field(
        # An urgent or emergency alert nobody acknowledged is repeated after this long, to every
        # linked clinician and the backup chat.
        default=15,
        ge=1,
        le=240,
        validation_alias=_env("COMPANION_ALERT_REPEAT_MINUTES", "alert_repeat_minutes"),
    )
    backup_chat_id: int | None = Field(
        # The clinic's backup chat (a duty phone's account or a private group) for repeated alerts.
        default=None,
        validation_alias=_env("COMPANION_BACKUP_CHAT_ID", "backup_chat_id"),
    )
    clinician_invite_hours: int = Field(
        # The operator's clinician link (`companion clinician invite`) works this long, once.
        default=72,
        ge=1,
        le=720,
        validation_alias=_env("COMPANION_CLINICIAN_INVITE_HOURS", "clinician_invite_hours"),
    )
    bot_username: str = Field(
        # For the deep links in invites: https://t.me/<bot_username>?start=<code>.
        default="companion_bot",
        validation_alias=_env("COMPANION_BOT_USERNAME", "bot_username"),
    )
    silent_days: int = Field(
        # No check-in for this many days: listed as silent in the clinician's digest.
        default=3,
        ge=1,
        le=30,
        validation_alias=_env("COMPANION_SILENT_DAYS", "silent_days"),
    )
    quiet_hours: str = Field(
        default="22:00-07:00", validation_alias=_env("COMPANION_QUIET_HOURS", "quiet_hours")
    )
    tick_seconds: float = Field(
        default=30.0,
        ge=1,
        le=3600,
        validation_alias=_env("COMPANION_TICK_SECONDS", "tick_seconds"),
    )
    tick_batch: int = Field(
        # At most 2,000: a batch's check-ins go in one statement of 10 values a row, and SQLite
        # takes at most 32,766 values in one statement.
        default=500,
        ge=1,
        le=2_000,
        validation_alias=_env("COMPANION_TICK_BATCH", "tick_batch"),
    )

    webhook_url: str | None = Field(
        # The public https URL Telegram posts updates to; `companion webhook` serves its path.
        default=None,
        validation_alias=_env("COMPANION_WEBHOOK_URL", "webhook_url"),
    )
    webhook_secret: str | None = Field(
        # Sent back by Telegram in X-Telegram-Bot-Api-Secret-Token with every update.
        default=None,
        validation_alias=_env("COMPANION_WEBHOOK_SECRET", "webhook_secret"),
    )
    host: str = Field(
        # The address `companion webhook` listens on: every interface by default, as a platform's
        # router needs; 127.0.0.1 behind a reverse proxy on the same machine.
        default="0.0.0.0",  # noqa: S104
        validation_alias=_env("COMPANION_HOST", "host"),
    )
    health_token: str | None = Field(
        # GET /healthz answers "ok" to anyone; its figures (queues, unacknowledged alerts) only
        # with the header Authorization: Bearer <this token>. Unset: to nobody.
        default=None,
        validation_alias=_env("COMPANION_HEALTH_TOKEN", "health_token"),
    )
    port: int = Field(default=8080, ge=1, le=65535, validation_alias=_env("PORT", "port"))

    @field_validator(
        "telegram_bot_token", "webhook_url", "webhook_secret", "health_token", mode="before"
    )
    @classmethod
    def _blank_token_is_none(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        bot_id, _, secret = value.strip().partition(":")
        if not bot_id.isdigit() or len(secret) < 20:
            raise ValueError("expected the form 123456789:ABC... given by @BotFather")
        return value.strip()

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        return None if value is None else check_webhook_url(value.strip())

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: str | None) -> str | None:
        if value is not None and not SECRET_TOKEN.fullmatch(value):
            raise ValueError(
                f"expected 32-256 characters, each A-Z, a-z, 0-9, _ or -; {HOW_TO_MAKE}"
            )
        return value

    @field_validator("health_token")
    @classmethod
    def _health_token(cls, value: str | None) -> str | None:
        if value is not None and not SECRET_TOKEN.fullmatch(value):
            raise ValueError(
                f"expected 32-256 characters, each A-Z, a-z, 0-9, _ or -; {HOW_TO_MAKE}"
            )
        return value

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        value = value.strip()
        if not HOST.fullmatch(value):
            raise ValueError("expected an address to listen on, such as 0.0.0.0 or 127.0.0.1")
        return value

    @property
    def webhook_path(self) -> str:
        return urlsplit(self.webhook_url or "").path or "/"

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("telegram_base_url", "telegram_base_file_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("encryption_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("encryption_keys")
    @classmethod
    def _keys_are_32_bytes(cls, keys: tuple[str, ...]) -> tuple[str, ...]:
        for position, key in enumerate(keys, start=1):
            if len(decode_key(key) or b"") != 32:
                raise ValueError(
                    f"key {position} is not a 32-byte url-safe base64 key "
                    "(make one with: companion keygen)"
                )
        return keys

    @field_validator("default_locale")
    @classmethod
    def _locale_shape(cls, value: str) -> str:
        value = value.strip().lower()
        if not (2 <= len(value) <= 3 and value.isalpha()):
            raise ValueError("expected a language code such as en or es")
        return value

    @field_validator("instruments_dir", mode="before")
    @classmethod
    def _blank_dir_is_none(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("thresholds", mode="before")
    @classmethod
    def _thresholds(cls, value: Any) -> Any:
        return parse_thresholds(value)

    @field_validator("bot_username")
    @classmethod
    def _bot_username(cls, value: str) -> str:
        value = value.strip().removeprefix("@")
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{3,31}", value):
            raise ValueError("expected the bot's username from @BotFather, such as companion_bot")
        return value

    @field_validator("backup_chat_id", mode="before")
    @classmethod
    def _blank_chat_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("screening_tools")
    @classmethod
    def _screening_tools(cls, value: str) -> str:
        tools = [tool.strip() for tool in value.split(",")]
        if not tools or not all(re.fullmatch(r"[a-z][a-z0-9_]{0,15}", tool) for tool in tools):
            raise ValueError("expected instrument ids separated by commas, such as phq9,gad7")
        return ",".join(tools)

    @property
    def screening_full(self) -> tuple[str, ...]:
        return tuple(self.screening_tools.split(","))

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        value = value.strip().upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("expected DEBUG, INFO, WARNING or ERROR")
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        parts = value.replace(" ", "").split("-")
        if len(parts) != 2 or not all(is_hh_mm(part) for part in parts):
            raise ValueError("expected two times like 22:00-07:00")
        return "-".join(parts)

    @property
    def key_bytes(self) -> tuple[bytes, ...]:
        return tuple(decode_key(key) or b"" for key in self.encryption_keys)


class _DictOnlySettings(Settings):
    """Settings from the given values alone, so tests never depend on the environment."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


ENV_NAMES = {
    "telegram_bot_token": "TELEGRAM_BOT_TOKEN",
    "database_url": "DATABASE_URL",
    "telegram_base_url": "TELEGRAM_BASE_URL",
    "telegram_base_file_url": "TELEGRAM_BASE_FILE_URL",
    "encryption_keys": "COMPANION_ENCRYPTION_KEYS",
    "default_locale": "COMPANION_DEFAULT_LOCALE",
    "messages_dir": "COMPANION_MESSAGES_DIR",
    "instruments_dir": "COMPANION_INSTRUMENTS_DIR",
    "thresholds": "COMPANION_THRESHOLDS",
    "screening_tools": "COMPANION_SCREENING_TOOLS",
    "safety_followup_minutes": "COMPANION_SAFETY_FOLLOWUP_MINUTES",
    "alert_repeat_minutes": "COMPANION_ALERT_REPEAT_MINUTES",
    "followup_escalate_minutes": "COMPANION_FOLLOWUP_ESCALATE_MINUTES",
    "backup_chat_id": "COMPANION_BACKUP_CHAT_ID",
    "bot_username": "COMPANION_BOT_USERNAME",
    "clinician_invite_hours": "COMPANION_CLINICIAN_INVITE_HOURS",
    "silent_days": "COMPANION_SILENT_DAYS",
    "log_level": "COMPANION_LOG_LEVEL",
    "send_rate": "COMPANION_SEND_RATE",
    "chat_interval_s": "COMPANION_CHAT_INTERVAL_S",
    "paid_broadcast": "COMPANION_PAID_BROADCAST",
    "paid_broadcast_rate": "COMPANION_PAID_BROADCAST_RATE",
    "grace_hours": "COMPANION_GRACE_HOURS",
    "reminder_after_hours": "COMPANION_REMINDER_AFTER_HOURS",
    "quiet_hours": "COMPANION_QUIET_HOURS",
    "tick_seconds": "COMPANION_TICK_SECONDS",
    "tick_batch": "COMPANION_TICK_BATCH",
    "webhook_url": "COMPANION_WEBHOOK_URL",
    "webhook_secret": "COMPANION_WEBHOOK_SECRET",
    "host": "COMPANION_HOST",
    "health_token": "COMPANION_HEALTH_TOKEN",
    "port": "PORT",
}


def load_settings(
    values: dict[str, Any] | None = None, *, env_file: str | None = ".env"
) -> Settings:
    """Settings from the environment, or from `values` alone; ConfigError on bad input."""
    try:
        if values is not None:
            return _DictOnlySettings(**values)
        return Settings(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else ""
    name = ENV_NAMES.get(field, field.upper())
    message = str(error["msg"]).removeprefix("Value error, ")
    # Never echo the rejected value: it may be a token or a key.
    return f"{name}: {message}"


def require_for_run(settings: Settings) -> None:
    """The checks `companion run` adds on top of parsing: a token and at least one key."""
    require_token(settings)
    if not settings.encryption_keys:
        raise ConfigError(
            "COMPANION_ENCRYPTION_KEYS: not set. companion encrypts health data at rest and will "
            "not start without a key. Make one with: companion keygen"
        )


def require_token(settings: Settings) -> None:
    if not settings.telegram_bot_token:
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN: not set. Ask @BotFather for a token and put it in the "
            "environment or in .env (see .env.example). To try companion without one: "
            "companion demo"
        )


def require_webhook(settings: Settings) -> None:
    """`companion webhook` (serving or --set) also needs the public URL and the secret."""
    if not settings.webhook_url:
        raise ConfigError(
            "COMPANION_WEBHOOK_URL: not set. The public https URL Telegram will post updates to, "
            "such as https://bot.example.org/telegram"
        )
    if not settings.webhook_secret:
        raise ConfigError(
            "COMPANION_WEBHOOK_SECRET: not set. 32-256 characters of A-Z a-z 0-9 _ -; "
            + HOW_TO_MAKE
        )
