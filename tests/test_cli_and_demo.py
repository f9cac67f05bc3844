"""The `companion` command: one clear line for bad settings, the scripted demo, key rotation."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from companion.cli import main
from companion.config import load_settings
from companion.demo import run_demo
from companion.logs import RedactSecrets
from companion.store.db import Database
from companion.store.models import Mother
from companion.store.mothers import read_birth_date
from companion.store.rotation import rotate_keys
from companion.vault import Vault, VaultError, generate_key

ENV_VARS = (
    "TELEGRAM_BOT_TOKEN",
    "DATABASE_URL",
    "COMPANION_ENCRYPTION_KEYS",
    "COMPANION_DEFAULT_LOCALE",
    "TELEGRAM_BASE_URL",
    "TELEGRAM_BASE_FILE_URL",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env, and any SQLite file lands here
    return tmp_path


def test_run_without_token_prints_one_line_and_exits_non_zero(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("companion: TELEGRAM_BOT_TOKEN: not set")
    assert "Traceback" not in err[0]


def test_run_without_key_refuses_to_start(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456789:ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("companion: COMPANION_ENCRYPTION_KEYS: not set")
    assert not (clean_env / "companion.db").exists()  # refused before touching the database


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://root@localhost/x"),
        ("COMPANION_ENCRYPTION_KEYS", "too-short-to-be-a-key"),
        ("COMPANION_DEFAULT_LOCALE", "english!"),
        ("TELEGRAM_BASE_URL", "ftp://example.org"),
        ("TELEGRAM_BOT_TOKEN", "not-a-token"),
    ],
)
def test_malformed_setting_names_the_variable_without_echoing_it(
    clean_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    variable: str,
    value: str,
) -> None:
    monkeypatch.setenv(variable, value)
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"companion: {variable}: ")
    assert value not in err
    assert "\n" not in err


def test_env_file_is_read(clean_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (clean_env / ".env").write_text("COMPANION_DEFAULT_LOCALE=english!\n")
    assert main(["run"]) == 2
    assert "COMPANION_DEFAULT_LOCALE" in capsys.readouterr().err


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for command in ("run", "demo", "db", "keygen"):
        assert f"\n    {command} " in out


def test_keygen_prints_a_usable_key(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keygen"]) == 0
    key = capsys.readouterr().out.strip()
    assert load_settings({"encryption_keys": key}).key_bytes[0].__len__() == 32


def test_db_upgrade_creates_the_schema(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{clean_env / 'fresh.db'}")
    assert main(["db", "upgrade"]) == 0
    assert (clean_env / "fresh.db").stat().st_size > 0
    assert "latest revision" in capsys.readouterr().out


async def test_scripted_demo_completes_onboarding(tmp_path: Path) -> None:
    script = (
        "\n".join(
            [
                "/start",
                "1",  # I agree
                "United Kingdom",  # typed country
                ":sticker",  # a sticker mid-question: asked again
                "1",  # UK time (London)
                "25:00",
                "8:30pm",  # a kind correction, then a typed time
                "03/04/2026",
                "1",  # ambiguous date: choose 3 April 2026
                "3",  # learning snippets: No, thanks
                ":clock +1d",
                "/help",
                ":quit",
            ]
        )
        + "\n"
    )
    out = io.StringIO()
    code = await run_demo(
        database=str(tmp_path / "demo.db"),
        start="2026-11-20T12:00",
        stdin=io.StringIO(script),
        out=out,
    )
    transcript = out.getvalue()
    assert code == 0
    assert "[1] I agree  [2] Not now" in transcript
    assert "I can only read text and button taps here" in transcript
    assert "hours go from 00 to 23" in transcript
    assert "Check-in time: 20:30 each day." in transcript
    assert "[1] 3 April 2026  [2] 4 March 2026" in transcript
    assert "You're all set." in transcript
    assert "Your first check-in will arrive today at 20:30." in transcript
    assert "demo: the clock is now 2026-11-21 12:00 UTC" in transcript
    assert "Emergency: call 999" in transcript


async def test_demo_rejects_a_button_number_that_is_not_there(tmp_path: Path) -> None:
    out = io.StringIO()
    await run_demo(database=str(tmp_path / "demo.db"), stdin=io.StringIO("7\n/start\n9\n"), out=out)
    assert "demo: no message with buttons" in out.getvalue()
    assert "demo: choose a button from 1 to 3" in out.getvalue()  # I agree, Not now, Español


def context_of(mother: Mother) -> str:
    return mother.seal_context("birth_date_sealed")


async def test_rotate_keys_reseals_with_the_newest_key(mother, services, database_url) -> None:  # type: ignore[no-untyped-def]
    await mother.say("/start")
    await mother.tap("I agree")
    await mother.tap("United Kingdom")
    await mother.tap("UK time (London)")
    await mother.tap("09:00")
    await mother.say("15/10/2026")
    old_key = services.settings.encryption_keys[0]
    new_key = generate_key()
    settings = load_settings(
        {"database_url": database_url, "encryption_keys": f"{new_key},{old_key}"}
    )
    # Her birth date, and the typed date kept for an hour for the triage to read with her next
    # message.
    assert await rotate_keys(settings) == 2
    assert await rotate_keys(settings) == 0  # nothing left to re-seal

    only_new = Vault(load_settings({"encryption_keys": new_key}).key_bytes)
    only_old = Vault(load_settings({"encryption_keys": old_key}).key_bytes)
    database = Database(database_url)
    try:
        async with database.session() as session:
            stored = (await session.scalars(select(Mother))).one()
            assert str(read_birth_date(stored, only_new)) == "2026-10-15"
            assert stored.birth_date_sealed is not None
            with pytest.raises(VaultError):
                only_old.open(stored.birth_date_sealed, context=context_of(stored))
    finally:
        await database.dispose()


def test_log_filter_redacts_token_and_keys() -> None:
    token = "123456789:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    record = logging.LogRecord(
        "httpx",
        logging.WARNING,
        __file__,
        1,
        "POST https://api.telegram.org/bot%s/getMe",
        (token,),
        None,
    )
    assert RedactSecrets([token]).filter(record)
    assert token not in record.getMessage()
    assert "[redacted]" in record.getMessage()


async def test_debug_logging_never_shows_her_words(
    mother,
    caplog: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
) -> None:
    from companion.logs import configure_logging

    root = logging.getLogger()
    saved = (
        root.handlers[:],
        root.level,
        {name: logging.getLogger(name).level for name in ("telegram", "sqlalchemy", "aiosqlite")},
    )
    try:
        configure_logging("DEBUG", [])
        root.addHandler(caplog.handler)
        await mother.say("/start")
        await mother.tap("I agree")
        replies = await mother.say("my secret words about how I feel")
        assert caplog.records  # DEBUG logging is on and something was logged
        assert "my secret words" not in caplog.text
        # What the bot says to her (results, later) is health data too: PTB's DEBUG logs
        # every request's parameters, so those loggers must stay at INFO.
        assert replies
        assert replies[-1].text.splitlines()[0] not in caplog.text
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        for name, level in saved[2].items():
            logging.getLogger(name).setLevel(level)
