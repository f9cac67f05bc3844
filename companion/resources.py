"""Where the shipped data lives: inside the installed package, or at the top of a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"companion's {name}/ folder is missing from this installation")


def messages_dir() -> Path:
    return _find("messages")


def migrations_dir() -> Path:
    return _find("migrations")
