"""`companion COMMAND --help` says what the command does and which settings it reads."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from companion.cli import build_parser, main
from companion.config import ENV_NAMES


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    """Every command and subcommand the parser has, as the words one types after `companion`."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield (*path, name)
                yield from _commands(sub, (*path, name))


COMMANDS = list(_commands(build_parser()))

# The settings each command must name in its --help (what it cannot run without, or listens on).
READS = {
    ("run",): ["TELEGRAM_BOT_TOKEN", "COMPANION_ENCRYPTION_KEYS", "DATABASE_URL"],
    ("webhook",): [
        "TELEGRAM_BOT_TOKEN",
        "COMPANION_ENCRYPTION_KEYS",
        "DATABASE_URL",
        "COMPANION_WEBHOOK_URL",
        "COMPANION_WEBHOOK_SECRET",
        "COMPANION_HOST",
        "PORT",
    ],
    ("db", "upgrade"): ["DATABASE_URL"],
    ("db", "current"): ["DATABASE_URL"],
    ("db", "rotate-keys"): ["DATABASE_URL", "COMPANION_ENCRYPTION_KEYS"],
    ("clinician", "invite"): ["DATABASE_URL", "COMPANION_BOT_USERNAME"],
    ("clinician", "list"): ["DATABASE_URL"],
    ("clinician", "revoke"): ["DATABASE_URL"],
}


def _help(command: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    return capsys.readouterr().out


def test_every_command_is_covered() -> None:
    assert {("run",), ("webhook",), ("keygen",), ("db", "current"), ("clinician", "list")} <= set(
        COMMANDS
    )
    assert set(READS) <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_each_commands_help_says_what_it_does_and_what_it_reads(
    command: tuple[str, ...], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = _help(command, capsys)
    blocks = out.split("\n\n")
    assert blocks[0].startswith(f"usage: companion {' '.join(command)} ")
    description = blocks[1]
    # A sentence of its own after the usage line, before the arguments.
    assert not description.startswith(("options:", "positional arguments:"))
    assert description[0].isupper()
    assert description.rstrip().endswith(".")
    assert len(description.split()) >= 5
    environment = out.partition("\nenvironment:\n")[2].splitlines()
    for name in READS.get(command, []):
        assert any(line.startswith(f"  {name} ") for line in environment), name
    assert all(len(line) <= 80 for line in out.splitlines())


def test_the_settings_the_help_names_are_real_settings() -> None:
    from companion.cli_help import SETTINGS

    assert set(SETTINGS) <= set(ENV_NAMES.values())
