"""Encryption at rest (companion.vault) and settings (companion.config)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from companion.config import (
    DEFAULT_DATABASE_URL,
    ENV_NAMES,
    ConfigError,
    Settings,
    load_settings,
    require_for_run,
)
from companion.config_values import decode_key, normalise_database_url
from companion.vault import Vault, VaultError, generate_key

PLAINTEXT = "2026-10-15"
CONTEXT = "mothers.birth_date_sealed:0123456789abcdef0123456789abcdef"


def make_vault(*keys: str) -> Vault:
    return Vault(tuple(decode_key(key) or b"" for key in keys))


@pytest.fixture
def key() -> str:
    return generate_key()


@pytest.fixture
def vault(key: str) -> Vault:
    return make_vault(key)


# --- vault ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "plaintext",
    ["2026-10-15", "", "é ü 🙂 中文", '{"options": ["2026-04-03", "2026-03-04"]}', "x" * 100_000],
)
def test_round_trip(vault: Vault, plaintext: str) -> None:
    token = vault.seal(plaintext, context=CONTEXT)
    assert isinstance(token, bytes)
    assert vault.open(token, context=CONTEXT) == plaintext


def test_tokens_do_not_contain_the_plaintext_and_are_never_repeated(vault: Vault) -> None:
    first = vault.seal(PLAINTEXT, context=CONTEXT)
    second = vault.seal(PLAINTEXT, context=CONTEXT)
    assert first != second  # a fresh nonce each time
    for token in (first, second):
        assert PLAINTEXT.encode() not in token
        assert CONTEXT.encode() not in token


def test_generated_keys_are_32_bytes_and_distinct() -> None:
    keys = {generate_key() for _ in range(20)}
    assert len(keys) == 20
    for key in keys:
        assert len(base64.urlsafe_b64decode(key)) == 32


def test_a_vault_needs_a_key() -> None:
    with pytest.raises(ValueError, match="key"):
        Vault(())


@pytest.mark.parametrize(
    "other_context",
    [
        "mothers.birth_date_sealed:ffffffffffffffffffffffffffffffff",  # another row
        "mothers.other_column:0123456789abcdef0123456789abcdef",  # another column
        "conversations.birth_date_sealed:0123456789abcdef0123456789abcdef",  # another table
        "",
        CONTEXT + " ",
    ],
)
def test_context_binding(vault: Vault, other_context: str) -> None:
    token = vault.seal(PLAINTEXT, context=CONTEXT)
    with pytest.raises(VaultError) as raised:
        vault.open(token, context=other_context)
    assert PLAINTEXT not in str(raised.value)
    assert PLAINTEXT not in repr(raised.value)
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__
    # and the right context still opens it
    assert vault.open(token, context=CONTEXT) == PLAINTEXT


def test_every_single_byte_change_is_detected(vault: Vault) -> None:
    token = vault.seal(PLAINTEXT, context=CONTEXT)
    for position in range(len(token)):
        for flip in (0x01, 0x80, 0xFF):
            altered = bytearray(token)
            altered[position] ^= flip
            with pytest.raises(VaultError) as raised:
                vault.open(bytes(altered), context=CONTEXT)
            assert PLAINTEXT not in str(raised.value)


@pytest.mark.parametrize("cut", [0, 1, 5, 17, 33])
def test_truncated_tokens_are_rejected(vault: Vault, cut: int) -> None:
    token = vault.seal(PLAINTEXT, context=CONTEXT)
    with pytest.raises(VaultError):
        vault.open(token[:cut], context=CONTEXT)
    with pytest.raises(VaultError):
        vault.open(token[:-1], context=CONTEXT)
    with pytest.raises(VaultError):
        vault.open(token + b"\x00", context=CONTEXT)


@pytest.mark.parametrize("junk", [b"", b"\x01", b"2026-10-15", b"\x02" + b"\x00" * 64])
def test_junk_is_not_a_token(vault: Vault, junk: bytes) -> None:
    with pytest.raises(VaultError):
        vault.open(junk, context=CONTEXT)


def test_rotation_old_tokens_still_open_with_the_new_key_first(key: str) -> None:
    old = make_vault(key)
    token = old.seal(PLAINTEXT, context=CONTEXT)
    assert not old.needs_reseal(token)
    new_key = generate_key()
    rotated = make_vault(new_key, key)
    assert rotated.current_key_id != old.current_key_id
    assert rotated.open(token, context=CONTEXT) == PLAINTEXT
    assert rotated.needs_reseal(token)
    resealed = rotated.seal(PLAINTEXT, context=CONTEXT)
    assert not rotated.needs_reseal(resealed)
    assert rotated.open(resealed, context=CONTEXT) == PLAINTEXT
    # the new token is sealed with the new key alone
    assert make_vault(new_key).open(resealed, context=CONTEXT) == PLAINTEXT
    with pytest.raises(VaultError):
        make_vault(key).open(resealed, context=CONTEXT)


def test_unknown_key(key: str) -> None:
    token = make_vault(key).seal(PLAINTEXT, context=CONTEXT)
    stranger = make_vault(generate_key())
    with pytest.raises(VaultError, match="key") as raised:
        stranger.open(token, context=CONTEXT)
    assert PLAINTEXT not in str(raised.value)
    assert stranger.needs_reseal(token)


def test_key_id_spliced_onto_another_keys_ciphertext_fails(key: str) -> None:
    """Relabelling a token with the current key's id does not let the wrong key open it."""
    other = generate_key()
    both = make_vault(other, key)
    token = make_vault(key).seal(PLAINTEXT, context=CONTEXT)
    relabelled = token[:1] + both.current_key_id + token[5:]
    with pytest.raises(VaultError):
        both.open(relabelled, context=CONTEXT)


# --- settings ---------------------------------------------------------------------------------

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No companion variables and no .env from the developer's checkout."""
    for name in ENV_NAMES.values():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_dict_settings_ignore_the_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("DATABASE_URL", "postgres://user:pw@db.example.com/companion")
    clean_env.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    clean_env.setenv("COMPANION_ENCRYPTION_KEYS", generate_key())
    clean_env.setenv("COMPANION_DEFAULT_LOCALE", "de")
    clean_env.setenv("COMPANION_LOG_LEVEL", "not-a-level")
    Path(".env").write_text("DATABASE_URL=postgres://dotenv/companion\n")
    settings = load_settings({})
    assert settings.database_url == "sqlite+aiosqlite:///companion.db"
    assert settings.telegram_bot_token is None
    assert settings.encryption_keys == ()
    assert settings.default_locale == "en"
    assert settings.log_level == "INFO"
    # while the same environment is read when no values are given
    with pytest.raises(ConfigError, match=r"^COMPANION_LOG_LEVEL: "):
        load_settings(env_file=None)
    clean_env.setenv("COMPANION_LOG_LEVEL", "debug")
    from_env = load_settings(env_file=None)
    assert from_env.database_url == "postgresql+psycopg://user:pw@db.example.com/companion"
    assert from_env.default_locale == "de"


def test_environment_and_dotenv_are_read(clean_env: pytest.MonkeyPatch) -> None:
    key = generate_key()
    clean_env.setenv("DATABASE_URL", "postgres://user:pw@db.example.com/companion")
    clean_env.setenv("COMPANION_ENCRYPTION_KEYS", key)
    Path(".env").write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nCOMPANION_DEFAULT_LOCALE=ES\n")
    settings = load_settings()
    assert settings.database_url == "postgresql+psycopg://user:pw@db.example.com/companion"
    assert settings.encryption_keys == (key,)
    assert settings.telegram_bot_token == TOKEN
    assert settings.default_locale == "es"
    without_dotenv = load_settings(env_file=None)
    assert without_dotenv.telegram_bot_token is None


def test_defaults(clean_env: pytest.MonkeyPatch) -> None:
    settings = load_settings({})
    assert settings.database_url == normalise_database_url(DEFAULT_DATABASE_URL)
    assert settings.telegram_base_url == "https://api.telegram.org/bot"
    assert settings.messages_dir is None
    assert settings.key_bytes == ()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:p@host:5432/db", "postgresql+psycopg://u:p@host:5432/db"),
        ("postgresql://u:p@host/db", "postgresql+psycopg://u:p@host/db"),
        ("postgresql+psycopg2://u:p@host/db", "postgresql+psycopg://u:p@host/db"),
        ("postgresql+psycopg://u:p@host/db", "postgresql+psycopg://u:p@host/db"),
        (
            "  postgres://u:p@host/db?sslmode=require \n",
            "postgresql+psycopg://u:p@host/db?sslmode=require",
        ),
        ("sqlite:///companion.db", "sqlite+aiosqlite:///companion.db"),
        (
            "sqlite:////var/lib/companion/companion.db",
            "sqlite+aiosqlite:////var/lib/companion/companion.db",
        ),
        ("sqlite://", "sqlite+aiosqlite://"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
    ],
)
def test_database_urls_are_normalised(url: str, expected: str) -> None:
    assert normalise_database_url(url) == expected
    assert load_settings({"database_url": url}).database_url == expected
    assert load_settings({"DATABASE_URL": url}).database_url == expected


@pytest.mark.parametrize(
    ("values", "env_name", "secret"),
    [
        ({"database_url": "mysql://root:hunter2secret@db/x"}, "DATABASE_URL", "hunter2secret"),
        ({"database_url": "hunter2secret"}, "DATABASE_URL", "hunter2secret"),
        ({"database_url": ""}, "DATABASE_URL", None),
        ({"encryption_keys": "hunter2secretkey"}, "COMPANION_ENCRYPTION_KEYS", "hunter2secretkey"),
        (
            {"encryption_keys": f"{generate_key()},hunter2secretkey"},
            "COMPANION_ENCRYPTION_KEYS",
            "hunter2secretkey",
        ),
        (
            {"encryption_keys": base64.urlsafe_b64encode(b"k" * 16).decode()},
            "COMPANION_ENCRYPTION_KEYS",
            base64.urlsafe_b64encode(b"k" * 16).decode(),
        ),
        ({"default_locale": "hunter2secret"}, "COMPANION_DEFAULT_LOCALE", "hunter2secret"),
        ({"default_locale": "e1"}, "COMPANION_DEFAULT_LOCALE", "e1"),
        ({"default_locale": "e"}, "COMPANION_DEFAULT_LOCALE", None),
        ({"telegram_bot_token": "hunter2secret"}, "TELEGRAM_BOT_TOKEN", "hunter2secret"),
        (
            {"telegram_bot_token": "abc:hunter2secretlongenough12345"},
            "TELEGRAM_BOT_TOKEN",
            "hunter2secretlongenough12345",
        ),
        ({"telegram_bot_token": "12345:hunter2short"}, "TELEGRAM_BOT_TOKEN", "hunter2short"),
        ({"log_level": "hunter2secret"}, "COMPANION_LOG_LEVEL", "hunter2secret"),
        ({"telegram_base_url": "ftp://hunter2secret"}, "TELEGRAM_BASE_URL", "hunter2secret"),
    ],
)
def test_malformed_settings_name_the_variable_and_hide_the_value(
    values: dict[str, object], env_name: str, secret: str | None
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(values)
    message = str(raised.value)
    assert message.startswith(f"{env_name}: ")
    assert len(message) > len(env_name) + 2
    if secret:
        assert secret not in message
        assert secret not in repr(raised.value)
    assert raised.value.__cause__ is None


@pytest.mark.parametrize(
    ("env_name", "value"),
    [
        ("DATABASE_URL", "mysql://root:hunter2secret@db/x"),
        ("COMPANION_ENCRYPTION_KEYS", "hunter2secretkey"),
        ("COMPANION_DEFAULT_LOCALE", "hunter2secret"),
        ("TELEGRAM_BOT_TOKEN", "hunter2secret"),
        ("COMPANION_LOG_LEVEL", "hunter2secret"),
    ],
)
def test_malformed_environment_names_the_variable_and_hides_the_value(
    clean_env: pytest.MonkeyPatch, env_name: str, value: str
) -> None:
    clean_env.setenv(env_name, value)
    with pytest.raises(ConfigError) as raised:
        load_settings(env_file=None)
    message = str(raised.value)
    assert message.startswith(f"{env_name}: ")
    assert "hunter2secret" not in message


def test_require_for_run() -> None:
    key = generate_key()
    with pytest.raises(ConfigError) as no_token:
        require_for_run(load_settings({"encryption_keys": key}))
    assert str(no_token.value).startswith("TELEGRAM_BOT_TOKEN: ")
    with pytest.raises(ConfigError) as no_keys:
        require_for_run(load_settings({"telegram_bot_token": TOKEN}))
    assert str(no_keys.value).startswith("COMPANION_ENCRYPTION_KEYS: ")
    with pytest.raises(ConfigError) as neither:
        require_for_run(load_settings({}))
    assert str(neither.value).startswith("TELEGRAM_BOT_TOKEN: ")
    require_for_run(load_settings({"telegram_bot_token": TOKEN, "encryption_keys": key}))


@pytest.mark.parametrize("blank", ["", "   ", "\n"])
def test_blank_token_is_no_token(blank: str) -> None:
    assert load_settings({"telegram_bot_token": blank}).telegram_bot_token is None


def test_token_is_stripped() -> None:
    assert load_settings({"telegram_bot_token": f"  {TOKEN}\n"}).telegram_bot_token == TOKEN


def test_encryption_keys_comma_separated_with_spaces() -> None:
    first, second, third = generate_key(), generate_key(), generate_key()
    settings = load_settings({"encryption_keys": f"  {first} , {second},{third} ,, "})
    assert settings.encryption_keys == (first, second, third)
    assert settings.key_bytes == tuple(base64.urlsafe_b64decode(k) for k in (first, second, third))
    assert all(len(k) == 32 for k in settings.key_bytes)
    # the newest key (first) seals; the others still open
    vault = Vault(settings.key_bytes)
    older = Vault((settings.key_bytes[2],)).seal(PLAINTEXT, context=CONTEXT)
    assert vault.open(older, context=CONTEXT) == PLAINTEXT
    assert vault.current_key_id == Vault((settings.key_bytes[0],)).current_key_id


def test_encryption_keys_without_padding_are_accepted() -> None:
    key = generate_key()
    assert key.endswith("=")
    settings = load_settings({"encryption_keys": key.rstrip("=")})
    assert settings.key_bytes == (base64.urlsafe_b64decode(key),)


def test_empty_keys_are_no_keys() -> None:
    assert load_settings({"encryption_keys": " , ,"}).encryption_keys == ()
    assert load_settings({"encryption_keys": ""}).encryption_keys == ()


@pytest.mark.parametrize(("given", "stored"), [("EN", "en"), (" es ", "es"), ("fil", "fil")])
def test_locale_is_normalised(given: str, stored: str) -> None:
    assert load_settings({"default_locale": given}).default_locale == stored


@pytest.mark.parametrize(("given", "stored"), [("debug", "DEBUG"), (" Warning ", "WARNING")])
def test_log_level_is_normalised(given: str, stored: str) -> None:
    assert load_settings({"log_level": given}).log_level == stored


def test_settings_are_frozen() -> None:
    settings = load_settings({})
    assert isinstance(settings, Settings)
    with pytest.raises(Exception, match="frozen"):
        settings.default_locale = "de"  # type: ignore[misc]
