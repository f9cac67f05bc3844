"""Telegram's answers and limits, for the fake Bot API: each refusal is the HTTP status and JSON
body Telegram sends, so PTB raises its real exception (BadRequest, RetryAfter, ChatMigrated,
Forbidden...). Descriptions are Telegram's own words."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

# Lengths count characters (code points), as Telegram's server does: an emoji is one, although
# entity offsets count it as two UTF-16 units. Callback data counts UTF-8 bytes.
TEXT_LIMIT = 4096  # a message's text, after entity parsing
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes, UTF-8
CALLBACK_ANSWER_LIMIT = 200  # the notification text of answerCallbackQuery
QUERY_LIFETIME = timedelta(minutes=15)  # a press not answered by then cannot be any more
DELETE_WINDOW = timedelta(hours=48)

TOO_LONG = "Bad Request: message is too long"
CAPTION_TOO_LONG = "Bad Request: message caption is too long"
TEXT_EMPTY = "Bad Request: message text is empty"
BUTTON_DATA_INVALID = "Bad Request: BUTTON_DATA_INVALID"
ANSWER_TOO_LONG = "Bad Request: MESSAGE_TOO_LONG"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
EDIT_NOT_FOUND = "Bad Request: message to edit not found"
NO_TEXT_TO_EDIT = "Bad Request: there is no text in the message to edit"
DELETE_NOT_FOUND = "Bad Request: message to delete not found"
CANT_DELETE = "Bad Request: message can't be deleted for everyone"
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
CHAT_UPGRADED = "Bad Request: group chat was upgraded to a supergroup chat"

Answer = tuple[int, dict[str, Any]]


class Refused(Exception):
    """Raised inside the fake: answer this call with Telegram's error instead of a result."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(answer[1]["description"])
        self.status, self.body = answer


def error(status: int, description: str, **parameters: Any) -> Answer:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return status, body


def flood(retry_after: int) -> Answer:
    """Telegram's answer past its limits: 429 with a retry_after."""
    return error(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def blocked() -> Answer:
    return error(403, "Forbidden: bot was blocked by the user")


def bad_request(description: str = TEXT_EMPTY) -> Answer:
    return error(400, description)


def server_error(status: int = 502) -> Answer:
    return error(status, "Bad Gateway")


def migrated(new_chat_id: int) -> Answer:
    """A send to a group that was upgraded: PTB raises ChatMigrated with the new id."""
    return error(400, CHAT_UPGRADED, migrate_to_chat_id=new_chat_id)


def check_text(text: str) -> None:
    if not text.strip():
        raise Refused(bad_request(TEXT_EMPTY))
    if len(text) > TEXT_LIMIT:
        raise Refused(bad_request(TOO_LONG))


def check_caption(caption: str) -> None:
    if len(caption) > CAPTION_LIMIT:
        raise Refused(bad_request(CAPTION_TOO_LONG))


def check_buttons(rows: list[list[dict[str, Any]]]) -> None:
    """Inline buttons: callback_data of 1 to 64 bytes, when a button has it."""
    for row in rows:
        for button in row:
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= CALLBACK_DATA_LIMIT:
                raise Refused(bad_request(BUTTON_DATA_INVALID))


def check_answer_text(text: str | None) -> None:
    if text is not None and len(text) > CALLBACK_ANSWER_LIMIT:
        raise Refused(bad_request(ANSWER_TOO_LONG))
