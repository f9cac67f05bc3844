"""The services every handler needs, reached through a typed context."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from telegram import CallbackQuery, Chat, Update, User
from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from companion.clock import Clock
from companion.config import Settings
from companion.content import Content
from companion.core.triage import Lexicon
from companion.delivery.sender import Sender
from companion.store.db import Database
from companion.vault import Vault

CONSENT_VERSION = "1.0"


@dataclass
class Services:
    settings: Settings
    db: Database
    content: Content
    vault: Vault
    clock: Clock
    sender: Sender
    lexicon: Lexicon  # English: every message is read with it
    lexicons: Mapping[str, Lexicon] = field(default_factory=dict)  # every shipped one, by locale


class BotData:
    """Application-wide data: only the services, set once by build_application."""

    services: Services


class Ctx(CallbackContext[ExtBot[None], dict[object, object], dict[object, object], BotData]):
    @property
    def services(self) -> Services:
        return self.bot_data.services


CompanionApp = Application[
    ExtBot[None], Ctx, dict[object, object], dict[object, object], BotData, JobQueue[Ctx]
]


class IncompleteUpdate(Exception):
    """An update without the user, chat or button data its handler's filters promised."""


def sender(update: Update) -> tuple[User, Chat]:
    """Who wrote, and in which chat."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        raise IncompleteUpdate("no user or chat")
    return user, chat


def pressed(update: Update) -> tuple[CallbackQuery, str, User, Chat]:
    """A button press: the query, its data, who pressed it and in which chat."""
    query = update.callback_query
    user, chat = sender(update)
    if query is None or query.data is None:
        raise IncompleteUpdate("no button data")
    return query, query.data, user, chat
