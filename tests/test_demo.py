"""`companion demo` with more than one person: a clinician invited with :clinician, a second
mother with :as; what each sees (their new messages, edits of earlier ones, button pop-ups)
printed as they would see it; --pictures saving what was sent."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from PIL import Image

from companion.cli import main
from companion.demo import run_demo

ONBOARD_DEMO = [
    "/start",
    "1",  # I agree
    "United Kingdom",
    "1",  # UK time (London)
    "09:00",
    "1",  # birth date: Skip
    "3",  # learning snippets: No, thanks
]


async def play(tmp_path: Path, lines: list[str], **options: str) -> str:
    out = io.StringIO()
    code = await run_demo(
        database=str(tmp_path / "demo.db"),
        start="2026-11-20T12:00",
        stdin=io.StringIO("\n".join(lines) + "\n"),
        out=out,
        **options,
    )
    assert code == 0
    return out.getvalue()


async def test_sharing_an_alert_its_acknowledgement_summary_and_digest_in_one_demo(
    tmp_path: Path,
) -> None:
    transcript = await play(
        tmp_path,
        [
            *ONBOARD_DEMO,
            ":clinician Dr Rivera",
            ":as Dr Rivera",
            "/start {link}",  # the operator's link, as printed
            "/invite",
            ":as Demo",
            "/start {link}",  # Dr Rivera's invitation
            "1",  # the name she sees: Demo
            "1",  # ☐ Also share my notes
            "6",  # Agree and share
            "I want to die",
            ":as Dr Rivera",
            "1",  # ✓ Acknowledge
            "/summary Demo",
            "/digest 07:30 New York",
            ":clock +30m",
            ":as Beth",
            "/start",
            ":as",
        ],
    )
    assert "demo: the operator invited Dr Rivera: https://t.me/" in transcript
    assert "Dr Rivera> /start {link}\ncompanion> Welcome, Dr Rivera." in transcript
    # Her tick edits the consent message: shown as an edit, with its buttons now.
    assert "you> 1\ncompanion (edited)> … You ticked “Also share my notes”" in transcript
    assert "[1] ☑ Also share my notes  [2] ☐ Also a weekly summary" in transcript
    assert "companion (edited)> … ✓ You agreed to share.  [buttons removed]" in transcript
    # What reaches someone else is printed as theirs.
    assert "companion to Dr Rivera> Demo is now sharing with you through companion." in transcript
    assert "companion to Dr Rivera> ⚠️ URGENT — Demo" in transcript
    assert "What happens next: I've sent an alert to Dr Rivera" in transcript
    # Acknowledging: the pop-up, the alert edited, and the mother told.
    assert "Dr Rivera> 1\ncompanion (pop-up)> Acknowledged." in transcript
    assert "companion (edited)> … ✓ Acknowledged by you at 12:00." in transcript
    assert "companion to Demo> Dr Rivera has seen my alert" in transcript
    assert "companion> Demo · open flags: 1 (highest: urgent)" in transcript
    assert "The next one arrives today at 07:30." in transcript
    assert (
        "demo: the clock is now 2026-11-20 12:30 UTC\ncompanion> Daily summary, 20 November 2026"
        in transcript
    )
    # A second mother, new to companion, gets her own chat.
    assert "demo: Beth is a new mother (Telegram user 1002)" in transcript
    assert "Beth> /start\ncompanion> Hello, I'm companion." in transcript
    assert "demo: people here: Demo (mother), Dr Rivera (clinician), Beth (mother)" in transcript


async def test_a_stale_button_shows_its_pop_up_and_unknown_names_are_explained(
    tmp_path: Path,
) -> None:
    transcript = await play(
        tmp_path,
        [
            *ONBOARD_DEMO,
            "1",  # the country question's buttons, still there after she typed her country
            "/start {link}",
            ":clinician",
            ":clinician Dr Okafor",
            ":clinician dr okafor",
        ],
    )
    assert "you> 1\ncompanion (pop-up)> That question has already been answered." in transcript
    assert "demo: no invitation has been shown yet" in transcript
    assert "demo: give a name of 1 to 80 characters: :clinician Dr Rivera" in transcript
    assert "demo: dr okafor is already someone here; choose another name" in transcript


def test_pictures_saves_every_photo_and_document_and_prints_its_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script = [*ONBOARD_DEMO, "/checkin", "4", "3", "2", "1", "/history", "/mydata"]
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n".join(script) + "\n"))
    pictures = tmp_path / "pictures"
    database = str(tmp_path / "demo.db")
    start = "2026-11-20T12:00"
    args = ["demo", "--database", database, "--start", start, "--pictures", str(pictures)]
    assert main(args) == 0
    transcript = capsys.readouterr().out
    chart, export = pictures / "001-demo-picture.png", pictures / "002-demo-companion-my-data.json"
    assert f"you> /history\ncompanion> [picture: {chart}]\n" in transcript
    assert f"companion> [document companion-my-data.json: {export}]\n" in transcript
    table = pictures / "003-demo-companion-my-answers.csv"
    assert f"companion> [document companion-my-answers.csv: {table}]\n" in transcript
    assert "bytes]" not in transcript  # no "[picture, 10376 bytes]"
    names = sorted(path.name for path in pictures.iterdir())
    assert names == [chart.name, export.name, table.name]
    with Image.open(chart) as image:
        assert image.format == "PNG"
        assert image.size[0] > 300
    assert json.loads(export.read_text())["mother"]["telegram_user_id"] == 1001
