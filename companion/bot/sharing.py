"""(In progress.)"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler

from companion.bot.context import Ctx


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return []
