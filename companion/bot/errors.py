"""The error handler: log the exception's type and where, never the update or her words."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseHandler, BaseRateLimiter, CallbackQueryHandler

from companion.bot.context import Ctx
from companion.bot.flows import outside_flow_reply
from companion.bot.replies import send
from companion.delivery.inbox import ClaimLost, handling
from companion.store.db import is_lock_error
from companion.store.mothers import find_mother

log = logging.getLogger(__name__)


def describe_error(error: BaseException) -> str:
    """Type and stack frames only. Messages are dropped: they can carry a mother's text."""
    frames = traceback.extract_tb(error.__traceback__)
    # Our own frames say which handler failed; the innermost frame says what failed.
    ours = [f for f in frames if "/companion/" in f.filename][-4:]
    chosen = [*ours, frames[-1]] if frames and frames[-1] not in ours else ours
    where = " < ".join(
        f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}:{f.name}" for f in reversed(chosen)
    )
    return f"{type(error).__module__}.{type(error).__qualname__} at {where or '?'}"


async def log_error(update: object, context: Ctx) -> None:
    """Log by update_id and tell the mother something went wrong, with help if she needs it."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if error is None:
        return
    if isinstance(error, ClaimLost):
        # Another worker took this update over (or her /delete erased it a moment ago): the
        # answer is that worker's, or owed to no one. Nothing went wrong here to apologise for.
        log.info("event=handler_claim_lost update_id=%s", update_id)
        return
    state = handling.get()
    if is_lock_error(error) and state is not None and state.retries_left > 0 and not state.marked:
        # Its transaction rolled back whole: the inbox handles the update again (see Handling).
        log.warning("event=handler_lock_retry update_id=%s", update_id)
        state.locked = True
        return
    log.error("event=handler_error update_id=%s error=%s", update_id, describe_error(error))
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != "private":
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()  # stop the button's spinner
        services = context.services
        user = update.effective_user
        async with services.db.session() as session:
            mother = await find_mother(session, user.id) if user else None
        reply = outside_flow_reply(
            services, mother, "common.error", user.language_code if user else None
        )
        await send(context, update.effective_chat.id, [reply])
    except Exception as second:  # the apology must not raise from inside the error handler
        log.error(
            "event=error_reply_failed update_id=%s error=%s", update_id, describe_error(second)
        )


async def answer_unknown_button(update: Update, context: Ctx) -> None:
    """A button companion doesn't recognise (old, forged or junk data): answer politely."""
    query = update.callback_query
    if query is None:
        return
    content = context.services.content
    try:
        await query.answer(content.text(content.default_locale, "common.stale_button"))
    except TelegramError as error:
        log.info("event=answer_callback_failed error=%s", type(error).__name__)


# Calls that only acknowledge a button press or tidy the question it answered.
COURTESY = frozenset({"answerCallbackQuery", "editMessageText", "editMessageReplyMarkup"})
ApiResult = bool | dict[str, Any] | list[dict[str, Any]]


class CourtesyCalls(BaseRateLimiter[None]):
    """Limits nothing: PTB's rate-limiter hook is the one place every Bot API call passes.

    A courtesy call that fails (a 429, a time-out, a 5xx, or a press answered too late, as after
    a restart) must not fail the handler that made it: her answer is already stored, and the
    replies it queues after the call would be lost. Its failure is logged and ignored.
    """

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, ApiResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> ApiResult:
        if endpoint not in COURTESY:
            return await callback(*args, **kwargs)
        try:
            return await callback(*args, **kwargs)
        except TelegramError as error:
            log.info(
                "event=courtesy_call_failed method=%s error=%s", endpoint, type(error).__name__
            )
            return True  # what Telegram answers to both when nothing is returned


def fallback_handlers() -> list[BaseHandler[Update, Ctx, None]]:
    return [CallbackQueryHandler(answer_unknown_button)]
