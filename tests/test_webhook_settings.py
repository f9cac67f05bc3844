"""`companion webhook`'s settings and `--set`: registering with Telegram, the checks on the URL,
the secret, the host and the port (never echoing a value)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from companion import webhook
from companion.cli import main
from companion.config import ENV_NAMES, ConfigError, Settings, load_settings
from companion.devtools.fake_telegram import FakeTelegram

URL = "https://bot.example.org/telegram/hook-7f3a"
SECRET = "s3cret_Token-of-the-clinic_Hq7Zp2Lw9Xv4"  # 32 characters or more


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"webhook_url": URL, "webhook_secret": SECRET}


async def test_set_registers_the_url_the_secret_and_the_handled_updates(
    settings: Settings,
) -> None:
    telegram = FakeTelegram()
    said = await webhook.register_webhook(settings, request=telegram)
    assert said == f"Telegram will post updates to {URL}"
    assert telegram.webhook is not None
    registered = telegram.webhook
    assert (registered["url"], registered["secret_token"]) == (URL, SECRET)
    allowed = registered["allowed_updates"]
    allowed = json.loads(allowed) if isinstance(allowed, str) else allowed
    assert allowed == ["message", "edited_message", "callback_query", "my_chat_member"]
    assert registered.get("drop_pending_updates") in (False, "false", None)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in ENV_NAMES.values():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456789:TESTTOKENtesttokenTESTTOKEN")
    return monkeypatch


def test_the_set_command_registers_and_prints_the_url(
    clean_env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    telegram = FakeTelegram()
    real = webhook.register_webhook
    clean_env.setattr(webhook, "register_webhook", functools.partial(real, request=telegram))
    clean_env.setenv("COMPANION_WEBHOOK_URL", URL)
    clean_env.setenv("COMPANION_WEBHOOK_SECRET", SECRET)
    assert main(["webhook", "--set"]) == 0
    assert capsys.readouterr().out.strip() == f"companion: Telegram will post updates to {URL}"
    assert telegram.webhook is not None
    assert telegram.webhook["secret_token"] == SECRET


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("COMPANION_WEBHOOK_SECRET", "", "not set"),
        ("COMPANION_WEBHOOK_SECRET", "has spaces in it, and is long enough", "expected 32-256"),
        ("COMPANION_WEBHOOK_SECRET", "x" * 257, "expected 32-256 characters"),
        ("COMPANION_WEBHOOK_SECRET", "s3cret_Token-of-the-clinic", "expected 32-256 characters"),
        ("COMPANION_WEBHOOK_SECRET", "x" * 31, "expected 32-256 characters"),
        ("COMPANION_WEBHOOK_URL", "http://bot.example.org/hook", "must start with https://"),
        ("COMPANION_WEBHOOK_URL", "https://bot.example.org/healthz", "not /healthz"),
        ("COMPANION_WEBHOOK_URL", "https://bot.example.org/a?b=c", "no query"),
        ("COMPANION_WEBHOOK_URL", "https:///nohost", "expected a URL"),
    ],
)
def test_webhook_settings_are_checked_without_echoing_them(
    clean_env: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    value: str,
    message: str,
) -> None:
    clean_env.setenv("COMPANION_WEBHOOK_URL", URL)
    clean_env.setenv("COMPANION_WEBHOOK_SECRET", SECRET)
    clean_env.setenv(variable, value)
    assert main(["webhook", "--set"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"companion: {variable}: ")
    assert message in err
    assert value == "" or value not in err


def test_webhook_settings_defaults_and_a_local_http_url() -> None:
    settings = load_settings({})
    assert (settings.webhook_url, settings.webhook_secret, settings.port) == (None, None, 8080)
    assert settings.host == "0.0.0.0"  # noqa: S104 - every interface, as a platform needs
    assert load_settings({"host": " 127.0.0.1 "}).host == "127.0.0.1"
    with pytest.raises(ConfigError, match=r"^COMPANION_HOST: expected an address"):
        load_settings({"host": "0.0.0.0; rm"})
    local = load_settings({"webhook_url": "http://127.0.0.1:8081/tg", "port": "9000"})
    assert (local.webhook_path, local.port) == ("/tg", 9000)
    assert load_settings({"webhook_url": "https://bot.example.org"}).webhook_path == "/"
    with pytest.raises(ConfigError, match=r"^PORT: "):
        load_settings({"port": 70000})
