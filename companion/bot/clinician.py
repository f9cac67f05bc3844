"""Clinicians: joining with the operator's one-time link, their commands, and keeping them out of
the mother's flow.

Routing. PTB picks a handler synchronously (`check_update`), so it cannot ask the database who is
writing. ClinicianRouter, the first handler of the features, keeps the Telegram ids of clinician
accounts in memory instead (ClinicianAccounts), so a mother's update costs one set lookup and no
query. The set grows only when someone joins, which this process adds at once, and is reloaded
from the database once it is REFRESH_SECONDS old (a clinician who joined through another worker
is known within that time): the one update that finds it stale waits for the reload (one small
query), then goes where it belongs, to a clinician handler here or on to the next handler as if
the router were not there. Whether an account is still active is read from the database by every
clinician handler (the database is the truth), so an account the operator revokes is refused at
once; its id stays in the set, so a revoked clinician gets the closed-account answer, never the
mother's flow.

A clinician's update that a handler of companion.bot.alerts, .patients or .digest_time would take
is left to it; any other comes here, so no mother's feature ever sees a clinician. /patients,
/summary, /digest, /timezone and /invite from anyone else get the usual unknown-command answer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from enum import Enum, auto
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Chat, Update, User
from telegram.ext import Application, BaseHandler

from companion.bot import digest_time, help
from companion.bot.clinician_invite import PATIENT_PREFIX, invite_patient, typed_after
from companion.bot.context import Ctx, Services, sender
from companion.bot.digest_time import answer_zone, awaiting_zone
from companion.bot.mother_view import suggest_locale
from companion.bot.replies import Reply, send
from companion.store.clinician_models import Clinician, ClinicianStatus
from companion.store.clinicians import (
    audit,
    clinician_by_user,
    code_hash,
    invite_expired,
    share_for_clinician,
)
from companion.store.db import after_commit
from companion.store.models import Mother
from companion.store.mothers import find_mother

REFRESH_SECONDS = 30.0
JOIN_PREFIX = "c_"  # /start c_<code>: the operator's one-time link
CARD = "ccard"  # ccard|<share id>: a clinician's "See summary" button
CLINICIAN_ONLY = frozenset({"invite", "patients", "summary", "digest", "timezone"})


class Route(Enum):
    RELOAD = auto()  # the set of accounts is stale: reload, then decide
    CLINICIAN = auto()
    JOIN = auto()  # /start c_<code>: the operator's link, from anyone
    NOT_FOR_YOU = auto()  # a clinician's command from anyone else


class ClinicianAccounts:
    """The Telegram user ids of clinician accounts (any status), mirrored from the database."""

    def __init__(self) -> None:
        self.user_ids: frozenset[int] = frozenset()
        self._loaded_at: float | None = None
        self._lock = asyncio.Lock()

    def stale(self) -> bool:
        return self._loaded_at is None or time.monotonic() - self._loaded_at > REFRESH_SECONDS

    async def reload(self, services: Services) -> None:
        async with self._lock:
            if not self.stale():  # another update reloaded while this one waited
                return
            async with services.db.session() as session:
                query = select(Clinician.telegram_user_id).where(
                    Clinician.telegram_user_id.is_not(None)
                )
                found = {int(user_id) for user_id in await session.scalars(query) if user_id}
            self.user_ids, self._loaded_at = frozenset(found), time.monotonic()

    def add(self, user_id: int) -> None:
        self.user_ids = self.user_ids | {user_id}


def command_of(update: Update) -> tuple[str, str] | None:
    """A message's command without the slash or @bot ("start") and its first argument."""
    message = update.message
    if message is None or not message.text or not message.text.startswith("/"):
        return None
    parts = message.text.split(maxsplit=2)
    return parts[0][1:].split("@", 1)[0].lower(), parts[1] if len(parts) > 1 else ""


def _takes(handler: BaseHandler[Update, Ctx, Any], update: Update) -> bool:
    check = handler.check_update(update)
    return check is not None and check is not False


class ClinicianRouter(BaseHandler[Update, Ctx, None]):
    """Sends a clinician's updates to clinician handling and everyone else's on (see above)."""

    def __init__(self, handed_on: Sequence[BaseHandler[Update, Ctx, Any]]) -> None:
        super().__init__(serve_clinician)
        self.accounts = ClinicianAccounts()
        self.handed_on = tuple(handed_on)

    def check_update(self, update: object) -> Route | None:
        if not isinstance(update, Update) or update.effective_user is None:
            return None
        if self.accounts.stale():
            return Route.RELOAD
        return self._route(update, update.effective_user.id)

    def _route(self, update: Update, user_id: int) -> Route | None:
        command = command_of(update)
        if command and command[0] == "start" and command[1].startswith(JOIN_PREFIX):
            return Route.JOIN  # anyone, even a closed account being given a new one
        if user_id in self.accounts.user_ids:
            if not (update.message or update.edited_message or update.callback_query):
                return None  # e.g. blocking the bot: nothing here answers that
            if any(_takes(handler, update) for handler in self.handed_on):
                return None
            return Route.CLINICIAN
        if command and command[0] in CLINICIAN_ONLY:
            return Route.NOT_FOR_YOU
        return None

    async def handle_update(
        self,
        update: Update,
        application: Application[Any, Ctx, Any, Any, Any, Any],
        check_result: object,
        context: Ctx,
    ) -> None:
        route = check_result
        if route is Route.RELOAD:
            await self.accounts.reload(context.services)
            user = update.effective_user
            route = self._route(update, user.id) if user else None
            if route is None:
                await _pass_on(self, update, application, context)
                return
        if route is Route.JOIN:
            await join_as_clinician(update, context, self.accounts)
        elif route is Route.NOT_FOR_YOU:
            await help.answer_unknown_command(update, context)
        else:
            await serve_clinician(update, context)


async def _pass_on(
    router: ClinicianRouter,
    update: Update,
    application: Application[Any, Ctx, Any, Any, Any, Any],
    context: Ctx,
) -> None:
    """Let the handlers after the router in its group see the update, as PTB would have."""
    group = next((handlers for handlers in application.handlers.values() if router in handlers), [])
    for handler in group[group.index(router) + 1 :] if group else []:
        check = handler.check_update(update)
        if check is not None and check is not False:
            await handler.handle_update(update, application, check, context)
            return


# --- joining ----------------------------------------------------------------------------------


async def join_as_clinician(update: Update, context: Ctx, accounts: ClinicianAccounts) -> None:
    """/start c_<code>: the operator's one-time link makes the sender that clinician."""
    services = context.services
    user, chat = sender(update)
    code = (command_of(update) or ("", ""))[1].removeprefix(JOIN_PREFIX)
    locale = suggest_locale(user.language_code, services.content)
    async with services.db.session() as session:
        key, clinician = await _claim_invite(services, session, user, chat, code, locale)
        t = services.content.text
        name = clinician.name if clinician else ""
        text = t(locale, f"clinician.{key}", name=name, help=t(locale, "clinician.help"))
        if key == "welcome":
            after_commit(session, lambda: accounts.add(user.id))
        await send(context, chat.id, [Reply(text)], session=session)


async def _claim_invite(
    services: Services, session: AsyncSession, user: User, chat: Chat, code: str, locale: str
) -> tuple[str, Clinician | None]:
    """Which answer the link gets, and the account it made (nothing is stored on a refusal)."""
    if await find_mother(session, user.id) is not None:
        return "join_is_mother", None
    query = select(Clinician).where(Clinician.telegram_user_id == user.id)
    existing = await session.scalar(query)
    if existing is not None and existing.status == ClinicianStatus.ACTIVE:
        return "already_joined", existing
    query = select(Clinician).where(Clinician.invite_hash == code_hash(code))
    invited = await session.scalar(query) if code else None
    if invited is None:
        return "join_unknown", None
    if invited.status != ClinicianStatus.INVITED:
        used = invited.status == ClinicianStatus.ACTIVE
        return ("join_used" if used else "join_closed"), None
    now = services.clock.now()
    if invite_expired(invited, services.settings.clinician_invite_hours, now):
        return "join_expired", None
    if existing is not None:  # a closed account of this person: the new one takes the Telegram id
        existing.telegram_user_id = None
    claimed = await session.scalar(
        update(Clinician)
        .where(Clinician.id == invited.id, Clinician.status == ClinicianStatus.INVITED)
        .values(
            status=ClinicianStatus.ACTIVE,
            telegram_user_id=user.id,
            chat_id=chat.id,
            locale=locale,
            joined_at=now,
        )
        .returning(Clinician.id)
    )
    if claimed is None:  # someone opened the same link a moment earlier
        if existing is not None:
            existing.telegram_user_id = user.id
        return "join_used", None
    audit(session, "clinician_joined", now, clinician_id=invited.id)
    return "welcome", invited


# --- a clinician's updates --------------------------------------------------------------------


async def serve_clinician(update: Update, context: Ctx) -> None:
    """Anything from a clinician that alerts, patients and digest_time don't take: their commands
    here, the zone /digest asked for, a short help for anything else, nothing of the mother's."""
    if update.edited_message is not None:
        return  # an edit changes nothing here
    services = context.services
    user, chat = sender(update)
    async with services.db.session() as session:
        clinician = await clinician_by_user(session, user.id)
        if update.callback_query is not None:
            await _press(update, context, session, clinician, chat.id)
            return
        if clinician is None:
            locale = suggest_locale(user.language_code, services.content)
            replies = [Reply(services.content.text(locale, "clinician.closed"))]
        else:
            replies = await _command(services, session, clinician, update)
        await send(context, chat.id, replies, session=session)


async def _command(
    services: Services, session: AsyncSession, clinician: Clinician, update: Update
) -> list[Reply]:
    t, locale = services.content.text, clinician.locale
    command, argument = command_of(update) or ("", "")
    if command == "invite":
        return await invite_patient(services, session, clinician, typed_after(update))
    if command == "start" and argument.startswith(PATIENT_PREFIX):
        return [Reply(t(locale, "clinician.patient_link"))]
    if command in ("start", "help"):
        key = "clinician.welcome_back" if command == "start" else "clinician.help"
        return [Reply(t(locale, key, name=clinician.name, help=t(locale, "clinician.help")))]
    typed = update.message.text if update.message else None
    if not command and typed and awaiting_zone(clinician, services.clock.now()):
        return [answer_zone(services, clinician, typed)]  # the zone /digest or /timezone asked
    key = "clinician.unknown_command" if command else "clinician.text_help"
    return [Reply(t(locale, key))]


async def _press(
    update: Update,
    context: Ctx,
    session: AsyncSession,
    clinician: Clinician | None,
    chat_id: int,
) -> None:
    """A clinician's button: only "See summary" is ours, and only for a share in force with the
    person pressing. Any other (the mother's buttons, old or forged data) changes nothing."""
    query = update.callback_query
    assert query is not None
    services = context.services
    kind, _, share_id = (query.data or "").partition("|")
    share = None
    if clinician is not None and kind == CARD:
        share = await share_for_clinician(session, share_id, clinician)
    mother = await session.get(Mother, share.mother_id) if share else None
    if clinician is None or share is None or mother is None:
        locale = clinician.locale if clinician else services.content.default_locale
        await query.answer(services.content.text(locale, "clinician.stale"))
        return
    from companion.bot.patients import summary_replies  # here: patients imports this module

    replies = await summary_replies(services, session, clinician, share, mother)
    await send(context, chat_id, replies, session=session)
    await query.answer()


def handlers() -> list[BaseHandler[Update, Ctx, None]]:
    from companion.bot import alerts, patients, report  # here: they may import this module

    handed_on = [
        *alerts.handlers(),
        *patients.handlers(),
        *report.clinician_handlers(),
        *digest_time.handlers(),
    ]
    return [ClinicianRouter(handed_on)]
