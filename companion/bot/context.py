"""The services every handler needs, reached through a typed context."""

from __future__ import annotations

from dataclasses import dataclass

from telegram.ext import Application, CallbackContext, ExtBot, JobQueue

from companion.clock import Clock
from companion.config import Settings
from companion.content import Content
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
