"""Drive the real Application as one person would: type, tap buttons, share a location."""

from __future__ import annotations

from typing import Any

from telegram import Update

from companion.delivery.inbox import handle_stored, store_updates
from companion.devtools.fake_telegram import FakeTelegram, Person, SentMessage


async def receive(application: Any, update: Update) -> None:
    """As production does (inbox.poll_once, webhook): a private chat's update is stored in the
    inbox, then handled from it; anything else (a group, a channel) is handled at once and never
    stored."""
    chat = update.effective_chat
    if chat is not None and chat.type != "private":
        await application.process_update(update)
        return
    if not await store_updates(application.bot_data.services, [update.to_dict()]):
        raise ValueError(f"update_id {update.update_id} was stored before: it would be ignored")
    while await handle_stored(application):
        pass


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
        """Handle an update as production does (see handle), then send what it queued."""
        await self.handle(update)
        await self.application.bot_data.services.sender.drain()
        return self.new_messages()

    async def handle(self, update: Update) -> None:
        """Handle an update without sending: what it queued is still in the outbox."""
        await receive(self.application, update)

    async def deliver_stored(self) -> list[SentMessage]:
        """Handle whatever the inbox holds, as a worker would, then send the replies."""
        while await handle_stored(self.application):
            pass
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
