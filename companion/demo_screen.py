"""What the people in `companion demo` see, printed to the terminal: each new message in their
chats, each edit of an earlier one (its buttons changed or taken off, its words changed), each
message deleted, and the pop-up a button press answers with (answerCallbackQuery's text).

With a pictures folder (`companion demo --pictures DIR`), every photo and document sent is saved
there, numbered in the order sent and named after whom it went to, and its path is printed in
its place."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from companion.devtools.fake_telegram import FakeTelegram, SentMessage

START_PARAMETER = re.compile(r"\?start=([A-Za-z0-9_-]+)")
Shown = tuple[str, list[list[dict[str, Any]]]]  # a message's words and buttons, as last printed


class Screen:
    """Prints what changed in the people's chats since it last looked, the acting person's first;
    anyone else's lines name whom they went to."""

    def __init__(self, telegram: FakeTelegram, out: TextIO, pictures: Path | None = None) -> None:
        self.telegram = telegram
        self.out = out
        self.pictures = pictures
        self._saved = 0
        self.last_start: str | None = None  # the last invitation's start parameter printed
        self._shown: dict[tuple[int, int], Shown] = {}
        self._answers = 0
        self._deleted = 0

    def show(self, chats: Mapping[int, str], acting: int) -> None:
        """Print what changed; `chats` maps each person's chat to their name."""
        for answer in self.telegram.callback_answers[self._answers :]:
            if answer.get("text"):
                kind = "alert box" if answer.get("show_alert") else "pop-up"
                self._print(f"companion ({kind})> ", str(answer["text"]))
        self._answers = len(self.telegram.callback_answers)
        for chat_id, message_id in self.telegram.deleted[self._deleted :]:
            if chat_id in chats and self._shown.pop((chat_id, message_id), None) is not None:
                self._print(self._prefix(chat_id, chats, acting, "deleted"), "[a message is gone]")
        self._deleted = len(self.telegram.deleted)
        for chat_id in sorted(chats, key=lambda chat: chat != acting):
            for message in self.telegram.sent_to(chat_id):
                key, now = (chat_id, message.message_id), (message.text, message.buttons)
                before = self._shown.get(key)
                if before is None:
                    self._new(message, self._prefix(chat_id, chats, acting), chats[chat_id])
                elif before != now:
                    self._edited(message, before, self._prefix(chat_id, chats, acting, "edited"))
                self._shown[key] = (message.text, [list(row) for row in message.buttons])

    def forget_all(self, chats: Mapping[int, str]) -> None:
        """Count everything sent so far as seen (nothing to print)."""
        self._answers = len(self.telegram.callback_answers)
        self._deleted = len(self.telegram.deleted)
        for chat_id in chats:
            for message in self.telegram.sent_to(chat_id):
                self._shown[(chat_id, message.message_id)] = (message.text, message.buttons)

    @staticmethod
    def _prefix(chat_id: int, chats: Mapping[int, str], acting: int, change: str = "") -> str:
        to = "" if chat_id == acting else f" to {chats[chat_id]}"
        return f"companion{to}{f' ({change})' if change else ''}> "

    def _new(self, message: SentMessage, prefix: str, name: str) -> None:
        if message.document is not None:
            filename = message.filename or "document"
            if self.pictures is not None:
                path = self._save(message.document, name, filename)
                self._print(prefix, f"[document {filename}: {path}]")
            else:
                self._print(prefix, f"[document {filename}, {len(message.document)} bytes]")
                if not message.document.startswith(b"%PDF"):  # a PDF would print as noise
                    for line in message.document.decode("utf-8", "replace").splitlines():
                        print(" " * len(prefix) + line, file=self.out)
        if message.photo is not None:
            if self.pictures is not None:
                path = self._save(message.photo, name, "picture" + _suffix(message.photo))
                self._print(prefix, f"[picture: {path}]")
            else:
                self._print(prefix, f"[picture, {len(message.photo)} bytes]")
        self._print(prefix, message.text)
        self._buttons(message, prefix)
        for row in message.keyboard:
            for key in row:
                if key.get("request_location"):
                    hint = f"({key['text']}: type :location LAT LON)"
                    print(" " * len(prefix) + hint, file=self.out)

    def _save(self, content: bytes, name: str, filename: str) -> Path:
        """Into the pictures folder: 001-demo-picture.png, 002-dr-rivera-summary.pdf, ..."""
        assert self.pictures is not None
        self.pictures.mkdir(parents=True, exist_ok=True)
        self._saved += 1
        whom = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "someone"
        safe = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(filename).name).strip("-.") or "file"
        path = self.pictures / f"{self._saved:03d}-{whom}-{safe}"
        path.write_bytes(content)
        return path

    def _edited(self, message: SentMessage, before: Shown, prefix: str) -> None:
        """Only what changed: words added at the end, or all the words if they changed; then
        the buttons it shows now, or that they are gone."""
        old_text, old_buttons = before
        gone = "[buttons removed]" if old_buttons and not message.buttons else ""
        if message.text != old_text:
            added = message.text.startswith(old_text) and old_text
            text = "… " + message.text[len(old_text) :].lstrip("\n") if added else message.text
            self._print(prefix, f"{text}  {gone}" if gone else text)
        elif gone:
            self._print(prefix, gone)
        elif message.buttons != old_buttons:
            self._print(prefix, "[buttons changed]")
        if message.buttons != old_buttons:
            self._buttons(message, prefix)

    def _buttons(self, message: SentMessage, prefix: str) -> None:
        labels = message.button_labels
        if labels:
            numbered = "  ".join(f"[{i}] {label}" for i, label in enumerate(labels, 1))
            print(" " * len(prefix) + numbered, file=self.out)

    def _print(self, prefix: str, text: str) -> None:
        for found in START_PARAMETER.finditer(text):
            self.last_start = found.group(1)
        for line in text.splitlines() or [""]:
            print(f"{prefix}{line}", file=self.out)


def _suffix(picture: bytes) -> str:
    if picture.startswith(b"\x89PNG"):
        return ".png"
    return ".jpg" if picture.startswith(b"\xff\xd8") else ""
