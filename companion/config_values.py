"""Reading and checking single setting values (companion/config.py puts them together).
Errors never echo a value: a URL's path, a key or a threshold list may be a secret."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any
from urllib.parse import urlsplit

WEBHOOK_PATH = re.compile(r"/[A-Za-z0-9/_.~-]*")
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
THRESHOLD_KEY = re.compile(r"[a-z][a-z0-9_]{0,31}\.(possible|probable)")


def is_hh_mm(text: str) -> bool:
    hours, _, minutes = text.partition(":")
    return (
        hours.isdigit()
        and minutes.isdigit()
        and len(minutes) == 2
        and int(hours) < 24
        and int(minutes) < 60
    )


def parse_thresholds(value: Any) -> dict[str, int]:
    """COMPANION_THRESHOLDS: JSON (or a dict) of "<instrument>.<possible|probable>" -> a whole
    number >= 0. Errors name a well-formed key but never echo a malformed one or a value."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ValueError('expected JSON such as {"epds.probable": 10}') from None
    if not isinstance(value, dict):
        raise ValueError('expected a JSON object such as {"epds.probable": 10}')
    for key, number in value.items():
        if not isinstance(key, str) or not THRESHOLD_KEY.fullmatch(key):
            raise ValueError('keys must look like "<instrument>.<possible|probable>"')
        if not isinstance(number, int) or isinstance(number, bool) or number < 0:
            raise ValueError(f"{key} must be a whole number, 0 or more")
    return dict(value)


def check_webhook_url(url: str) -> str:
    """https (plain http only for a Bot API server on this machine), a host, and a plain path
    that is not /healthz. Errors never echo the URL: its path may be a secret of its own."""
    try:
        parts = urlsplit(url)
        host, _ = parts.hostname, parts.port  # .port raises on a malformed port
    except ValueError:
        raise ValueError("expected a URL such as https://bot.example.org/telegram") from None
    if not host:
        raise ValueError("expected a URL such as https://bot.example.org/telegram")
    if parts.scheme != "https" and not (parts.scheme == "http" and host in LOCAL_HOSTS):
        raise ValueError("must start with https:// (Telegram delivers updates only over HTTPS)")
    path = parts.path or "/"
    if parts.query or parts.fragment or not WEBHOOK_PATH.fullmatch(path) or path == "/healthz":
        raise ValueError(
            "the path may hold only letters, digits and / _ . ~ - (no query, not /healthz)"
        )
    return url


def decode_key(key: str) -> bytes | None:
    """Decode one url-safe base64 key, tolerating missing padding; None if it is not base64."""
    try:
        return base64.b64decode(key + "=" * (-len(key) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        return None


def normalise_database_url(url: str) -> str:
    """Accept the URL forms hosting platforms hand out and pick companion's async drivers."""
    url = url.strip()
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    if url.startswith("sqlite:///") or url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    if url.startswith(("postgresql+psycopg://", "sqlite+aiosqlite://")):
        return url
    raise ValueError("expected a postgresql:// , postgres:// or sqlite:/// URL")
