"""The README and docs/*.md stay true to the repository: every relative link and every file path
they name in backticks exists, every COMPANION_* setting they name is one companion reads (or
the test suite does), and docs/configuration.md's table is config.py's settings and defaults."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from companion.config import ENV_NAMES, Settings

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
CODE = re.compile(r"`([^`\n]+)`")
FILE_NAME = re.compile(r"\.(py|md|toml|txt|npz|ini|cfg|json|tsv|csv|ya?ml|example)$")
SETTING = re.compile(r"\bCOMPANION_[A-Z0-9_]+\b")
SKIPPED_DIRS = {".git", ".venv", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}

# Paths the docs name that are not in this repository, on purpose.
OUTSIDE = {
    # The project's shared clinical facts sheet lives beside the repository, not in it.
    "shared/clinical-facts.md",
    "../shared/clinical-facts.md",
    # A file `companion demo --pictures DIR` writes, named as an example of its output.
    "002-demo-companion-my-data.json",
    # The files /mydata sends her, named as she receives them.
    "companion-my-data.json",
    "companion-my-answers.csv",
}


def _repository_paths() -> set[str]:
    """Every file and folder (folders end in /), with every tail of its path: `learn/` and
    `test_sender.py` name something under messages/en/ or tests/ as the text around says."""
    paths: set[str] = set()
    for folder, folders, files in os.walk(ROOT):
        folders[:] = [f for f in folders if f not in SKIPPED_DIRS and not f.endswith(".egg-info")]
        parts = Path(folder).relative_to(ROOT).parts
        for name in [*files, *(f"{f}/" for f in folders)]:
            full = [*parts, name]
            paths.update("/".join(full[start:]) for start in range(len(full)))
    return paths


def _named_paths(text: str) -> list[str]:
    """What a doc writes in backticks that is a file path (not a command, URL, date or pattern)."""
    named = []
    for token in CODE.findall(text):
        if (
            " " in token
            or token.startswith(("http", "/", "-"))
            or re.search(r"[<>*{}$=:|?]", token)
        ):
            continue
        if re.fullmatch(r"[\d/]+", token) or SETTING.match(token):  # a date; <setting>/sub/
            continue
        if "/" in token or FILE_NAME.search(token):
            named.append(token.removeprefix("./"))
    return named


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.name)
def test_every_relative_link_leads_somewhere(doc: Path) -> None:
    broken = []
    for target in LINK.findall(doc.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        if not (doc.parent / target.split("#")[0]).exists():
            broken.append(target)
    assert broken == []


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.name)
def test_every_file_path_named_exists(doc: Path) -> None:
    known = _repository_paths()
    missing = [
        path
        for path in _named_paths(doc.read_text(encoding="utf-8"))
        if path not in OUTSIDE and path not in known and f"{path.rstrip('/')}/" not in known
    ]
    assert missing == []


def test_every_companion_setting_named_is_read() -> None:
    """A setting of config.py's, or one the test suite reads (COMPANION_TEST_DATABASE_URL...)."""
    suite = "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "tests").glob("*.py"))
    read_by_tests = {name for name in SETTING.findall(suite) if f'"{name}"' in suite}
    for doc in DOCS:
        unknown = set(SETTING.findall(doc.read_text(encoding="utf-8")))
        unknown -= set(ENV_NAMES.values()) | read_by_tests
        assert unknown == set(), doc.name


def _shown(default: object) -> str | None:
    """A default as the table writes it, or None where the table explains it in words."""
    if default is None or default in ((), {}):
        return None
    if isinstance(default, float) and default.is_integer():
        return str(int(default))
    return str(default)


def test_the_configuration_page_lists_every_setting_with_its_default() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \| ([^|]+) \|", text, flags=re.MULTILINE))
    assert set(rows) == set(ENV_NAMES.values())
    for field, name in ENV_NAMES.items():
        expected = _shown(Settings.model_fields[field].get_default(call_default_factory=True))
        written = rows[name].strip()
        if expected is None:
            assert not written.startswith("`"), name  # "none", or words
        else:
            assert written == f"`{expected}`", name


def test_the_readme_is_read_in_five_minutes() -> None:
    """The README is the front door (issue 20): what companion is and is not, set-up, the demo, a
    tour, the limits and links; the manual lives in docs/. At most 260 lines."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 260, f"README.md has {len(lines)} lines: move the detail into docs/"


CODE_SPAN = re.compile(r"`([^`\n]+)`")
DEMO_PROMPT = re.compile(r"companion(?: to [^>]*)?>")
COMMAND = re.compile(r"(?:^|[\s(])(?:\.venv/bin/)?companion ([a-z][a-z-]*)(?: ([a-z][a-z-]*))?")


def _code(text: str) -> list[str]:
    """The code a page shows: its `spans` and its indented or fenced lines."""
    indented = [line for line in text.splitlines() if line.startswith("    ")]
    return [*CODE_SPAN.findall(text), *indented]


@pytest.mark.parametrize("page", DOCS, ids=lambda page: page.name)
def test_every_command_shown_exists(page: Path) -> None:
    """`companion db upgrade` in the README or docs/ is a command the parser has (prose such as
    "companion is not" is not code, so it is not read)."""
    from tests.test_cli_help import COMMANDS

    tops = {command[0] for command in COMMANDS}
    subs = {
        command[0]: {c[1] for c in COMMANDS if len(c) == 2 and c[0] == command[0]}
        for command in COMMANDS
    }
    wrong = []
    for code in _code(page.read_text(encoding="utf-8")):
        if DEMO_PROMPT.search(code):
            continue  # a demo transcript: "companion> May companion store ...", "companion to X>"
        for first, second in COMMAND.findall(code):
            if first not in tops or (subs[first] and second and second not in subs[first]):
                wrong.append(f"companion {first} {second}".strip())
    assert wrong == []
