"""pyproject.toml's floors admit no version with a known advisory, and what is installed fits."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
# The first version past the advisories we know of (docs/privacy.md says which and why).
SAFE_FROM = {
    "h11": "0.16",  # CVE-2025-43859: request smuggling (uvicorn and httpx parse HTTP with it)
    # CVE-2024-47874, CVE-2025-54121, CVE-2025-62727, CVE-2026-48710, GHSA-82w8-qh3p-5jfq
    "starlette": "1.3.1",
    # CVE-2024-28219 (10.3), CVE-2026-25990 (12.1.1), CVE-2026-59205 and others (12.3.0)
    "pillow": "12.3",
    "cryptography": "46.0.6",  # CVE-2024-26130 (42.0.4), CVE-2026-26007 (46.0.5), CVE-2026-34073
}


def requirements() -> dict[str, Requirement]:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    return {Requirement(line).name.lower(): Requirement(line) for line in project["dependencies"]}


@pytest.mark.parametrize(("package", "safe"), SAFE_FROM.items())
def test_no_floor_admits_a_version_with_a_known_advisory(package: str, safe: str) -> None:
    requirement = requirements()[package]
    floors = [Version(s.version) for s in requirement.specifier if s.operator in (">=", ">")]
    assert floors, f"{package} has no floor"
    assert max(floors) >= Version(safe), f"{package} {requirement.specifier} admits < {safe}"
    assert requirement.specifier.contains(version(package)), "the installed version must fit"
