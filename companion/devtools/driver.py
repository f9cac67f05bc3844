"""Drive the real Application as one person would: type, tap buttons, share a location."""

from __future__ import annotations

from typing import Any

from telegram import Update

from companion.devtools.fake_telegram import FakeTelegram, Person, SentMessage


class ChatDriver:
    """One person's private chat with the bot; each action returns what the bot sent back."""

    def __init__(self, application: Any, telegram: FakeTelegram, person: Person) -> None:
        self.application = application
        self.telegram = telegram
        self.person = person
        self._seen = 0

    @property
    def chat_id(self) -> int:
        return int(self.person.chat.id)

    @property
    def history(self) -> list[SentMessage]:
        return self.telegram.sent_to(self.chat_id)

    async def deliver(self, update: Update) -> list[SentMessage]:
        await self.application.process_update(update)
        await self.application.bot_data.services.sender.drain()
        return self.new_messages()

    def new_messages(self) -> list[SentMessage]:
        history = self.history
        fresh, self._seen = history[self._seen :], len(history)
        return fresh

    async def say(self, text: str) -> list[SentMessage]:
        return await self.deliver(self.person.text(text))

    async def tap(self, label: str) -> list[SentMessage]:
        """Press the button with this label on the most recent message that shows it."""
        return await self.deliver(self.person.press(self.message_with(label), label))

    async def tap_number(self, number: int) -> list[SentMessage]:
        """Press the n-th button (1-based) of the most recent message with buttons."""
        message = self.latest_with_buttons()
        if message is None:
            raise LookupError("no message with buttons")
        labels = message.button_labels
        if not 1 <= number <= len(labels):
            raise LookupError(f"choose a button from 1 to {len(labels)}")
        return await self.tap_on(message, labels[number - 1])

    async def tap_on(self, message: SentMessage, label: str) -> list[SentMessage]:
        return await self.deliver(self.person.press(message, label))

    async def share_location(self, latitude: float, longitude: float) -> list[SentMessage]:
        return await self.deliver(self.person.location(latitude, longitude))

    async def share_contact(
        self, phone_number: str, user_id: int | None = None
    ) -> list[SentMessage]:
        """Send a contact: her own (the default) or, with another user_id, someone else's."""
        owner = self.person.user.id if user_id is None else user_id
        return await self.deliver(self.person.contact(phone_number, owner))

    async def send_sticker(self) -> list[SentMessage]:
        return await self.deliver(self.person.sticker())

    def latest_with_buttons(self) -> SentMessage | None:
        return next((m for m in reversed(self.history) if m.buttons), None)

    def message_with(self, label: str) -> SentMessage:
        for message in reversed(self.history):
            if label in message.button_labels:
                return message
        raise LookupError(f"no message shows a button {label!r}")
