"""messages/ and migrations/ are found from a checkout and from an installed wheel."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from companion import resources

ROOT = Path(__file__).resolve().parent.parent


def test_checkout_layout_is_found() -> None:
    assert resources.messages_dir() == ROOT / "messages"
    assert resources.migrations_dir() == ROOT / "migrations"


def test_installed_layout_is_found_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a wheel, both folders sit inside the package (see force-include in pyproject.toml)."""
    package = tmp_path / "site-packages" / "companion"
    shutil.copytree(ROOT / "messages", package / "messages")
    shutil.copytree(ROOT / "migrations", package / "migrations")
    monkeypatch.setattr(resources, "_PACKAGE", package)
    assert resources.messages_dir() == package / "messages"
    assert resources.migrations_dir() == package / "migrations"


def test_missing_data_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resources, "_PACKAGE", tmp_path / "nowhere" / "companion")
    with pytest.raises(FileNotFoundError, match="messages/ folder is missing"):
        resources.messages_dir()


def test_wheel_ships_messages_and_migrations() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    included = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert included == {"messages": "companion/messages", "migrations": "companion/migrations"}
    assert config["project"]["scripts"]["companion"] == "companion.cli:main"
